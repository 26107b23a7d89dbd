"""The engine-neutral form of a rule's condition: predicates, event patterns, queries.

A rule file's ``when`` / ``check`` compile to a :class:`Query`. Every engine answers
the same question for a query over a case's facts (see ``_facts/facts.py``):

    for each *anchor* (an event matching ``anchor``, or the case itself when
    ``anchor`` is None) such that the case fact satisfies ``when``, which events
    stand in each ``relation`` to it?

and returns one :class:`QueryMatch` per anchor. Everything legal that follows (which
match is a violation, deadline arithmetic, validity in time) is done once, in
``_evaluation/evaluator.py``, so engines cannot disagree about it.

Semantics shared by all engines (the differential tests hold them to it):
- a comparison on a field the fact does not have is false, whatever the operator
  (``ne`` and ``not_in`` included); ``exists`` tests presence;
- ``contains`` is true when a list field holds the value;
- a relation ``after`` matches events with a greater ``seq`` than the anchor,
  ``before`` a smaller one (``seq`` is the chronological position of an event);
- references name ``case`` (the case fact) or ``anchor`` (the anchor event).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Union

Op = Literal["eq", "ne", "in", "not_in", "lt", "le", "gt", "ge", "exists", "contains"]
OPS: tuple[str, ...] = ("eq", "ne", "in", "not_in", "lt", "le", "gt", "ge", "exists", "contains")
Scalar = Union[str, int, bool]


@dataclass(frozen=True, slots=True)
class Ref:
    """The value of ``field`` on the fact bound to ``binding``."""

    binding: Literal["case", "anchor"]
    field: str


Value = Union[Scalar, tuple[Scalar, ...], Ref]


@dataclass(frozen=True, slots=True)
class Compare:
    field: str
    op: Op
    value: Value


@dataclass(frozen=True, slots=True)
class AllOf:
    items: tuple[Predicate, ...]


@dataclass(frozen=True, slots=True)
class AnyOf:
    items: tuple[Predicate, ...]


@dataclass(frozen=True, slots=True)
class Not:
    item: Predicate


Predicate = Union[Compare, AllOf, AnyOf, Not]


@dataclass(frozen=True, slots=True)
class EventPattern:
    """Events whose ``kind`` is one of ``kinds`` and which satisfy ``where``."""

    kinds: tuple[str, ...]
    where: Predicate | None = None


@dataclass(frozen=True, slots=True)
class Relation:
    role: str
    pattern: EventPattern
    order: Literal["after", "before"]


@dataclass(frozen=True, slots=True)
class Query:
    rule_id: str
    when: Predicate | None
    anchor: EventPattern | None
    relations: tuple[Relation, ...] = ()


@dataclass(slots=True)  # never changed; not frozen, which costs 4x to build, once per match of every case
class QueryMatch:
    """One anchor of one query and the seqs of the events related to it, per role (sorted)."""

    rule_id: str
    anchor_seq: int | None
    related: tuple[tuple[str, tuple[int, ...]], ...]

    def seqs(self, role: str) -> tuple[int, ...]:
        for name, seqs in self.related:
            if name == role:
                return seqs
        return ()


Fact = dict[str, Any]

_MISSING = object()


def _resolve(value: Value, env: dict[str, Fact]) -> Any:
    if isinstance(value, Ref):
        return env[value.binding].get(value.field, _MISSING)
    return value


def holds(predicate: Predicate | None, fact: Fact, env: dict[str, Fact]) -> bool:
    """Evaluate ``predicate`` on ``fact``; ``env`` binds ``case`` and (in relations) ``anchor``."""
    if predicate is None:
        return True
    if isinstance(predicate, Compare):
        actual = fact.get(predicate.field, _MISSING)
        if predicate.op == "exists":
            return (actual is not _MISSING) == predicate.value
        expected = _resolve(predicate.value, env)
        if actual is _MISSING or expected is _MISSING:
            return False
        return _compare(predicate.op, actual, expected)
    if isinstance(predicate, AllOf):
        return all(holds(item, fact, env) for item in predicate.items)
    if isinstance(predicate, AnyOf):
        return any(holds(item, fact, env) for item in predicate.items)
    return not holds(predicate.item, fact, env)


def _compare(op: str, actual: Any, expected: Any) -> bool:
    if op == "eq":
        return bool(actual == expected)
    if op == "ne":
        return bool(actual != expected)
    if op == "in":
        return actual in expected
    if op == "not_in":
        return actual not in expected
    if op == "contains":
        return isinstance(actual, (list, tuple)) and expected in actual
    if type(actual) is bool or type(expected) is bool or type(actual) is not type(expected):
        return False  # ordering is only defined between values of one type
    if op == "lt":
        return bool(actual < expected)
    if op == "le":
        return bool(actual <= expected)
    if op == "gt":
        return bool(actual > expected)
    return bool(actual >= expected)


def fields_of(predicate: Predicate | None) -> set[str]:
    """Fields a predicate reads on its own fact (for vocabulary checks)."""
    if predicate is None:
        return set()
    if isinstance(predicate, Compare):
        return {predicate.field}
    if isinstance(predicate, (AllOf, AnyOf)):
        return set().union(*(fields_of(item) for item in predicate.items))
    return fields_of(predicate.item)


def refs_of(predicate: Predicate | None) -> set[Ref]:
    if predicate is None:
        return set()
    if isinstance(predicate, Compare):
        return {predicate.value} if isinstance(predicate.value, Ref) else set()
    if isinstance(predicate, (AllOf, AnyOf)):
        return set().union(*(refs_of(item) for item in predicate.items))
    return refs_of(predicate.item)



def _predicates(query: Query) -> list[Predicate | None]:
    return [query.when, None if query.anchor is None else query.anchor.where,
            *(r.pattern.where for r in query.relations)]


def case_fields_read(query: Query) -> set[str]:
    """Case fields a query reads: in ``when`` and through ``case`` references."""
    return fields_of(query.when) | {ref.field for p in _predicates(query) for ref in refs_of(p)
                                    if ref.binding == "case"}


def event_fields_read(query: Query) -> set[str]:
    """Event fields a query reads: on anchors, on related events and through ``anchor`` references."""
    read = set().union(*(fields_of(r.pattern.where) for r in query.relations))
    if query.anchor is not None:
        read |= fields_of(query.anchor.where)
    return read | {ref.field for p in _predicates(query) for ref in refs_of(p) if ref.binding == "anchor"}


def event_kinds_read(query: Query) -> set[str]:
    """Kinds of the events a query anchors on or relates to."""
    kinds = set().union(*(r.pattern.kinds for r in query.relations))
    return kinds | set(query.anchor.kinds) if query.anchor is not None else kinds
