"""The native engine: compiled queries evaluated by plain Python.

It is the fast path and the oracle the durable-rules engine is tested against. Each
predicate is compiled once into a single Python expression with the semantics of
``_conditions.holds`` (``tests/engines/test_engine_native.py`` holds the two together), so a
rule costs about what the same test written by hand would. Only the rule's
structure becomes code: field names and values enter the expression as ``repr``
literals of str, int and bool (checked here), which cannot be anything but data.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from types import CodeType
from typing import Any

from .._core.cache import compiled_code
from .._facts.conditions import AllOf, AnyOf, Compare, Fact, Predicate, Query, QueryMatch, Ref, _compare
from .._facts.facts import Facts

Env = dict[str, Fact]
Test = Callable[[Fact, Env], bool]
_MISSING = object()


def _by_reference(op: str, actual: Any, expected: Any) -> bool:
    return actual is not _MISSING and expected is not _MISSING and _compare(op, actual, expected)


# The only names a compiled expression can see: no builtins.
_NAMESPACE: dict[str, Any] = {
    "__builtins__": {}, "_M": _MISSING, "_compare": _compare, "_by_reference": _by_reference,
    "_isinstance": isinstance, "_sequence": (list, tuple),
}


def _literal(value: Any) -> str:
    if type(value) in (str, int, bool):
        return repr(value)
    if type(value) in (tuple, list) and all(type(v) in (str, int, bool) for v in value):
        return repr(value)
    raise TypeError(f"not a rule value: {value!r}")


def predicate_source(predicate: Predicate | None) -> str:
    """The Python expression, over ``fact`` and ``env``, equivalent to ``holds(predicate, fact, env)``."""
    if predicate is None:
        return "True"
    if isinstance(predicate, Compare):
        return _compare_source(predicate)
    if isinstance(predicate, AllOf):
        return "(" + " and ".join(map(predicate_source, predicate.items)) + ")" if predicate.items else "True"
    if isinstance(predicate, AnyOf):
        return "(" + " or ".join(map(predicate_source, predicate.items)) + ")" if predicate.items else "False"
    return f"(not {predicate_source(predicate.item)})"


def _compare_source(cmp: Compare) -> str:
    name, op, value = _literal(cmp.field), cmp.op, cmp.value
    if op == "exists":
        return f"(({name} in fact) is {_literal(bool(value))})"
    if isinstance(value, Ref):
        other = f"env[{_literal(value.binding)}].get({_literal(value.field)}, _M)"
        return f"_by_reference({_literal(op)}, fact.get({name}, _M), {other})"
    # A missing field is the sentinel _M, which equals nothing and is in no tuple.
    if op == "eq":
        return f"(fact.get({name}, _M) == {_literal(value)})"
    if op == "in" and isinstance(value, tuple):
        return f"(fact.get({name}, _M) in {_literal(value)})"
    if op == "contains":
        return f"(_isinstance(fact.get({name}), _sequence) and {_literal(value)} in fact[{name}])"
    return f"({name} in fact and _compare({_literal(op)}, fact[{name}], {_literal(value)}))"


def _lambda(predicate: Predicate | None) -> str:
    return f"lambda fact, env: {predicate_source(predicate)}"


def _function(code: CodeType) -> Test:
    test: Test = eval(code, dict(_NAMESPACE))  # noqa: S307 - structure only; values are repr literals
    return test


def compile_predicate(predicate: Predicate | None, label: str = "predicate") -> Test:
    """A function equivalent to ``holds(predicate, fact, env)``."""
    return _function(compile(_lambda(predicate), f"<{label}>", "eval"))


def compile_predicates(predicates: Sequence[tuple[str, Predicate | None]]) -> list[Test]:
    """``compile_predicate(predicate, label)`` of each ``(label, predicate)``, in order.

    Compiling some 400 predicates costs more than checking a case: their code objects come from
    the compiled cache while the expressions are unchanged (``_core/cache.py``).
    """
    return [_function(code) for code in compiled_code("native", [(label, _lambda(p)) for label, p in predicates])]


def _predicates(query: Query) -> Iterator[tuple[str, Predicate | None]]:
    """The predicates of ``query`` with their labels: its ``when``, its anchor's, each relation's."""
    yield f"{query.rule_id} when", query.when
    yield f"{query.rule_id} anchor", None if query.anchor is None else query.anchor.where
    for relation in query.relations:
        yield f"{query.rule_id} {relation.role}", relation.pattern.where


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


def _seq(fact: Fact) -> int:
    seq: int = fact["seq"]
    return seq


class NativeEngine:
    name = "native"

    def __init__(self, queries: Sequence[Query]) -> None:
        ordered = sorted(queries, key=lambda q: q.rule_id)
        tests = iter(compile_predicates([item for q in ordered for item in _predicates(q)]))
        self._queries = tuple(
            _Query(q.rule_id, next(tests), None if q.anchor is None else q.anchor.kinds, next(tests),
                   tuple(_Relation(r.role, r.pattern.kinds, next(tests), r.order == "after") for r in q.relations))
            for q in ordered)
        # One query per rule id (as rule sets have) gives matches in order without sorting them.
        self._interleaved = len({q.rule_id for q in self._queries}) < len(self._queries)
        # Most queries have no anchor in a given case: each kind lists the queries it can anchor
        # (by position in the sorted queries), so a case visits only those its events can anchor.
        self._by_kind: dict[str, frozenset[int]] = {}
        for position, query in enumerate(self._queries):
            for kind in query.kinds or ():
                self._by_kind[kind] = self._by_kind.get(kind, frozenset()) | {position}
        self._caseless = frozenset(p for p, q in enumerate(self._queries) if q.kinds is None)
        self._selected: dict[frozenset[str], tuple[_Query, ...]] = {}  # per set of kinds present; bounded

    def _for_kinds(self, present: frozenset[str]) -> tuple[_Query, ...]:
        """The queries that can anchor in a case whose events are of the kinds ``present``, in order."""
        known = self._selected.get(present)
        if known is None:
            positions = self._caseless.union(*(self._by_kind.get(kind, ()) for kind in present))
            known = tuple(self._queries[p] for p in sorted(positions))
            if len(self._selected) > 4096:
                self._selected.clear()  # bounded: a corpus has a few hundred combinations of kinds
            self._selected[present] = known
        return known

    def run(self, facts: Facts) -> list[QueryMatch]:
        """Matches in (rule id, anchor seq) order: queries are sorted by rule id, anchors by seq."""
        matches: list[QueryMatch] = []
        case = facts.case
        case_env: Env = {"case": case}
        by_kind: dict[str, list[Fact]] = {}  # each kind's events, in seq order
        for event in facts.events:
            same = by_kind.get(event["kind"])
            if same is None:
                by_kind[event["kind"]] = [event]
            else:
                same.append(event)
        seqs: dict[str, list[int]] = {}  # each kind's seqs, to bisect; filled as relations ask
        for query in self._for_kinds(frozenset(by_kind)):
            kinds = query.kinds
            if not query.when(case, case_env):
                continue
            if kinds is None:
                matches.append(QueryMatch(query.rule_id, None, ()))
                continue
            if len(kinds) == 1:
                anchors = by_kind.get(kinds[0], ())
            else:
                anchors = sorted((e for kind in kinds for e in by_kind.get(kind, ())), key=_seq)
            for anchor in anchors:
                if not query.anchor(anchor, case_env):
                    continue
                seq = anchor["seq"]
                if not query.relations:
                    matches.append(QueryMatch(query.rule_id, seq, ()))
                    continue
                env = {"case": case, "anchor": anchor}
                related = []
                for relation in query.relations:
                    test = relation.test
                    found = []
                    for kind in relation.kinds:
                        events = by_kind.get(kind)
                        if not events:
                            continue
                        positions = seqs.get(kind)
                        if positions is None:
                            positions = seqs[kind] = [e["seq"] for e in events]
                        # The events of this kind after (or before) the anchor.
                        window = (events[bisect_right(positions, seq):] if relation.after
                                  else events[:bisect_left(positions, seq)])
                        for event in window:
                            if test(event, env):
                                found.append(event["seq"])
                    if len(relation.kinds) > 1:
                        found.sort()
                    related.append((relation.role, tuple(found)))
                matches.append(QueryMatch(query.rule_id, seq, tuple(related)))
        if self._interleaved:
            matches.sort(key=lambda m: (m.rule_id, -1 if m.anchor_seq is None else m.anchor_seq))
        return matches
