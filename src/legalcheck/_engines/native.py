"""The native engine: compiled queries evaluated by plain Python.

It is the fast path and the oracle the durable-rules engine is tested against. Each query is
compiled once into a Python function that does what the plain query loop of ``_conditions`` does
for it (its ``when``, its anchors, each relation's window of events), with every predicate written
out as one expression with the semantics of ``_conditions.holds`` (``tests/engines/test_engine_native.py``
holds both to the plain reading), so a rule costs about what the same test written by hand would.
Only the rule's structure becomes code: field names and values enter the source as ``repr``
literals of str, int and bool (checked here), which cannot be anything but data.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .._core.cache import compiled_code
from .._core.memo import BoundedMemo
from .._facts.conditions import AllOf, AnyOf, Compare, Fact, Predicate, Query, QueryMatch, Ref, _compare
from .._facts.facts import Facts

Env = dict[str, Fact]
Test = Callable[[Fact, Env], bool]
# A compiled query: (case fact, each kind's events in seq order, each kind's seqs (filled on demand),
# the matches so far) -> None; it appends its matches.
QueryRun = Callable[[Fact, dict[str, list[Fact]], dict[str, list[int]], list[QueryMatch]], None]
_MISSING = object()


def _by_reference(op: str, actual: Any, expected: Any) -> bool:
    return actual is not _MISSING and expected is not _MISSING and _compare(op, actual, expected)


def _seq(fact: Fact) -> int:
    seq: int = fact["seq"]
    return seq


# The only names compiled code can see: no builtins.
_NAMESPACE: dict[str, Any] = {
    "__builtins__": {}, "_M": _MISSING, "_compare": _compare, "_by_reference": _by_reference,
    "_isinstance": isinstance, "_sequence": (list, tuple), "_type": type, "_str": str, "_int": int,
    "_bisect_left": bisect_left, "_bisect_right": bisect_right, "_sorted": sorted, "_tuple": tuple, "_seq": _seq,
    "_Match": QueryMatch,
}


def _literal(value: Any) -> str:
    if type(value) in (str, int, bool):
        return repr(value)
    if type(value) in (tuple, list) and all(type(v) in (str, int, bool) for v in value):
        return repr(value)
    raise TypeError(f"not a rule value: {value!r}")


def predicate_source(predicate: Predicate | None, fact: str = "fact", bound: Mapping[str, str] | None = None) -> str:
    """The Python expression equivalent to ``holds(predicate, fact, env)``.

    ``fact`` names the variable holding the fact tested; ``bound`` names the variable holding each
    binding a reference may name (``case``, ``anchor``); without it references read ``env[binding]``.
    """
    if predicate is None:
        return "True"
    if isinstance(predicate, Compare):
        return _compare_source(predicate, fact, bound)
    if isinstance(predicate, AllOf):
        return ("(" + " and ".join(predicate_source(p, fact, bound) for p in predicate.items) + ")"
                if predicate.items else "True")
    if isinstance(predicate, AnyOf):
        return ("(" + " or ".join(predicate_source(p, fact, bound) for p in predicate.items) + ")"
                if predicate.items else "False")
    return f"(not {predicate_source(predicate.item, fact, bound)})"


def _compare_source(cmp: Compare, fact: str, bound: Mapping[str, str] | None) -> str:
    name, op, value = _literal(cmp.field), cmp.op, cmp.value
    if op == "exists":
        return f"(({name} in {fact}) is {_literal(bool(value))})"
    if isinstance(value, Ref):
        if bound is None:
            holder = f"env[{_literal(value.binding)}]"
        elif value.binding in bound:
            holder = bound[value.binding]
        else:  # the rule loader allows `anchor` only in relations
            raise ValueError(f"a reference to {value.binding!r} where it is not bound")
        other = f"{holder}.get({_literal(value.field)}, _M)"
        return f"_by_reference({_literal(op)}, {fact}.get({name}, _M), {other})"
    # A missing field is the sentinel _M, which equals nothing and is in no tuple.
    if op == "eq":
        return f"({fact}.get({name}, _M) == {_literal(value)})"
    if op == "in" and isinstance(value, tuple):
        return f"({fact}.get({name}, _M) in {_literal(value)})"
    if op == "contains":
        return f"(_isinstance({fact}.get({name}), _sequence) and {_literal(value)} in {fact}[{name}])"
    if op == "ne" or (op == "not_in" and isinstance(value, tuple)):
        return f"({name} in {fact} and {fact}[{name}] {'!=' if op == 'ne' else 'not in'} {_literal(value)})"
    if op in _ORDERING and type(value) in (str, int):
        # _compare orders values of one type only (bool apart): the literal's type decides which.
        kind = "_str" if type(value) is str else "_int"
        actual = f"{fact}[{name}]"
        return f"({name} in {fact} and _type({actual}) is {kind} and {actual} {_ORDERING[op]} {_literal(value)})"
    return f"({name} in {fact} and _compare({_literal(op)}, {fact}[{name}], {_literal(value)}))"


_ORDERING = {"lt": "<", "le": "<=", "gt": ">", "ge": ">="}


def compile_predicate(predicate: Predicate | None, label: str = "predicate") -> Test:
    """A function equivalent to ``holds(predicate, fact, env)``."""
    code = compile(f"lambda fact, env: {predicate_source(predicate)}", f"<{label}>", "eval")
    test: Test = eval(code, dict(_NAMESPACE))  # noqa: S307 - structure only; values are repr literals
    return test


def query_source(query: Query) -> str:
    """The source of ``def query(case, by_kind, seqs, matches)``, which appends ``query``'s matches.

    It is the plain loop of ``_conditions`` for this one query: ``when`` on the case; each anchor
    of its kinds in seq order; for each relation, the events of its kinds after (or before) the
    anchor, found by bisecting their seqs.
    """
    rule_id = _literal(query.rule_id)
    when = predicate_source(query.when, "case", {"case": "case"})
    lines = ["def query(case, by_kind, seqs, matches):"]
    if when != "True":
        lines.append(f"    if not {when}: return")
    if query.anchor is None:
        lines.append(f"    matches.append(_Match({rule_id}, None, ()))")
        return "\n".join(lines) + "\n"
    kinds = query.anchor.kinds
    if len(kinds) == 1:
        lines.append(f"    for anchor in by_kind.get({_literal(kinds[0])}, ()):")
    else:
        lines.append(f"    for anchor in _sorted([e for kind in {_literal(kinds)} for e in by_kind.get(kind, ())],"
                     f" key=_seq):")
    where = predicate_source(query.anchor.where, "anchor", {"case": "case"})
    if where != "True":
        lines.append(f"        if not {where}: continue")
    if not query.relations:
        lines.append(f"        matches.append(_Match({rule_id}, anchor['seq'], ()))")
        return "\n".join(lines) + "\n"
    lines.append("        seq = anchor['seq']")
    roles = []
    for number, relation in enumerate(query.relations):
        found = f"found{number}"
        test = predicate_source(relation.pattern.where, "event", {"case": "case", "anchor": "anchor"})
        lines.append(f"        {found} = []")
        for kind in relation.pattern.kinds:
            window = ("events[_bisect_right(positions, seq):]" if relation.order == "after"
                      else "events[:_bisect_left(positions, seq)]")
            lines += [
                f"        events = by_kind.get({_literal(kind)})",
                "        if events:",
                f"            positions = seqs.get({_literal(kind)})",
                "            if positions is None:",
                f"                positions = seqs[{_literal(kind)}] = [e['seq'] for e in events]",
                f"            for event in {window}:",
                f"                if {test}: {found}.append(event['seq'])" if test != "True"
                else f"                {found}.append(event['seq'])",
            ]
        if len(relation.pattern.kinds) > 1:
            lines.append(f"        {found}.sort()")
        roles.append(f"({_literal(relation.role)}, _tuple({found}))")
    lines.append(f"        matches.append(_Match({rule_id}, seq, ({', '.join(roles)},)))")
    return "\n".join(lines) + "\n"


def compile_queries(queries: Sequence[Query]) -> list[QueryRun]:
    """The function of :func:`query_source` for each query, in order.

    Compiling some 150 queries costs more than checking a case: their code objects come from the
    compiled cache while the sources are unchanged (``_core/cache.py``).
    """
    runs = []
    for code in compiled_code("native", [(q.rule_id, query_source(q)) for q in queries]):
        namespace = dict(_NAMESPACE)
        exec(code, namespace)  # noqa: S102 - structure only; values are repr literals
        runs.append(namespace["query"])
    return runs


@dataclass(frozen=True, slots=True)
class _Compiled:
    rule_id: str
    kinds: tuple[str, ...] | None  # None: the case itself is the anchor
    run: QueryRun


class NativeEngine:
    name = "native"

    def __init__(self, queries: Sequence[Query]) -> None:
        ordered = sorted(queries, key=lambda q: q.rule_id)
        self._queries = tuple(
            _Compiled(q.rule_id, None if q.anchor is None else q.anchor.kinds, run)
            for q, run in zip(ordered, compile_queries(ordered), strict=True))
        # One query per rule id (as rule sets have) gives matches in order without sorting them.
        self._interleaved = len({q.rule_id for q in self._queries}) < len(self._queries)
        # Most queries have no anchor in a given case: each kind lists the queries it can anchor
        # (by position in the sorted queries), so a case runs only those its events can anchor.
        self._by_kind: dict[str, frozenset[int]] = {}
        for position, query in enumerate(self._queries):
            for kind in query.kinds or ():
                self._by_kind[kind] = self._by_kind.get(kind, frozenset()) | {position}
        self._caseless = frozenset(p for p, q in enumerate(self._queries) if q.kinds is None)
        # Per set of kinds present; a corpus has a few hundred combinations of kinds.
        self._selected: BoundedMemo[frozenset[str], tuple[QueryRun, ...]] = BoundedMemo(4096)

    def _for_kinds(self, present: frozenset[str]) -> tuple[QueryRun, ...]:
        """The compiled queries that can anchor in a case whose events are of the kinds ``present``, in order."""
        known = self._selected.get(present)
        if known is None:
            positions = self._caseless.union(*(self._by_kind.get(kind, ()) for kind in present))
            known = self._selected.keep(present, tuple(self._queries[p].run for p in sorted(positions)))
        return known

    def run(self, facts: Facts) -> list[QueryMatch]:
        """Matches in (rule id, anchor seq) order: queries are sorted by rule id, anchors by seq."""
        matches: list[QueryMatch] = []
        case = facts.case
        by_kind: dict[str, list[Fact]] = {}  # each kind's events, in seq order
        for event in facts.events:
            same = by_kind.get(event["kind"])
            if same is None:
                by_kind[event["kind"]] = [event]
            else:
                same.append(event)
        seqs: dict[str, list[int]] = {}  # each kind's seqs, to bisect; filled as relations ask
        for query in self._for_kinds(frozenset(by_kind)):
            query(case, by_kind, seqs, matches)
        if self._interleaved:
            matches.sort(key=lambda m: (m.rule_id, -1 if m.anchor_seq is None else m.anchor_seq))
        return matches
