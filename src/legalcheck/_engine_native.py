"""The native engine: compiled queries evaluated by plain Python.

It is the fast path and the oracle the durable-rules engine is tested against. Each
predicate is compiled once into a closure with the semantics of ``_conditions.holds``
(the differential tests hold the closures to that reference).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ._conditions import AllOf, AnyOf, Compare, Fact, Predicate, Query, QueryMatch, Ref, _compare
from ._facts import Facts

Env = dict[str, Fact]
Test = Callable[[Fact, Env], bool]
_MISSING = object()


def _always(_fact: Fact, _env: Env) -> bool:
    return True


def compile_predicate(predicate: Predicate | None) -> Test:
    """A closure equivalent to ``holds(predicate, fact, env)``."""
    if predicate is None:
        return _always
    if isinstance(predicate, Compare):
        return _compile_compare(predicate)
    if isinstance(predicate, AllOf):
        tests = tuple(compile_predicate(item) for item in predicate.items)
        return lambda fact, env: all(test(fact, env) for test in tests)
    if isinstance(predicate, AnyOf):
        tests = tuple(compile_predicate(item) for item in predicate.items)
        return lambda fact, env: any(test(fact, env) for test in tests)
    inner = compile_predicate(predicate.item)
    return lambda fact, env: not inner(fact, env)


def _compile_compare(cmp: Compare) -> Test:
    name, op, value = cmp.field, cmp.op, cmp.value
    if op == "exists":
        return lambda fact, _env: (name in fact) == value
    if isinstance(value, Ref):
        binding, other = value.binding, value.field

        def by_reference(fact: Fact, env: Env) -> bool:
            actual = fact.get(name, _MISSING)
            expected = env[binding].get(other, _MISSING)
            return actual is not _MISSING and expected is not _MISSING and _compare(op, actual, expected)

        return by_reference
    if op == "eq":  # the commonest test, inlined; a missing field never equals anything
        return lambda fact, _env: name in fact and fact[name] == value
    if op == "in" and isinstance(value, tuple):
        allowed = value
        return lambda fact, _env: name in fact and fact[name] in allowed
    return lambda fact, _env: name in fact and _compare(op, fact[name], value)


@dataclass(frozen=True, slots=True)
class _Relation:
    role: str
    kinds: tuple[str, ...]
    test: Test
    after: bool


@dataclass(frozen=True, slots=True)
class _Query:
    rule_id: str
    when: Test
    kinds: tuple[str, ...] | None  # None: the case itself is the anchor
    anchor: Test
    relations: tuple[_Relation, ...]


class NativeEngine:
    name = "native"

    def __init__(self, queries: Sequence[Query]) -> None:
        self._queries = tuple(
            _Query(q.rule_id, compile_predicate(q.when), None if q.anchor is None else q.anchor.kinds,
                   compile_predicate(None if q.anchor is None else q.anchor.where),
                   tuple(_Relation(r.role, r.pattern.kinds, compile_predicate(r.pattern.where), r.order == "after")
                         for r in q.relations))
            for q in queries)

    def run(self, facts: Facts) -> list[QueryMatch]:
        matches: list[QueryMatch] = []
        case_env: Env = {"case": facts.case}
        by_kind: dict[str, list[Fact]] = {}
        for event in facts.events:
            by_kind.setdefault(event["kind"], []).append(event)
        for query in self._queries:
            if not query.when(facts.case, case_env):
                continue
            if query.kinds is None:
                matches.append(QueryMatch(query.rule_id, None, ()))
                continue
            anchors = [a for kind in query.kinds for a in by_kind.get(kind, ()) if query.anchor(a, case_env)]
            for anchor in sorted(anchors, key=lambda a: a["seq"]):
                env = {"case": facts.case, "anchor": anchor}
                seq = anchor["seq"]
                related = tuple(
                    (relation.role, tuple(sorted(
                        event["seq"]
                        for kind in relation.kinds
                        for event in by_kind.get(kind, ())
                        if (event["seq"] > seq if relation.after else event["seq"] < seq)
                        and relation.test(event, env))))
                    for relation in query.relations)
                matches.append(QueryMatch(query.rule_id, seq, related))
        matches.sort(key=lambda m: (m.rule_id, -1 if m.anchor_seq is None else m.anchor_seq))
        return matches
