"""The native engine agrees with the reference semantics: ``holds`` and a plain query loop."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from legalcheck._engines.native import NativeEngine, compile_predicate
from legalcheck._facts.conditions import (
    OPS,
    AllOf,
    AnyOf,
    Compare,
    EventPattern,
    Not,
    Predicate,
    Query,
    QueryMatch,
    Ref,
    Relation,
    holds,
)
from legalcheck._facts.facts import Facts

FIELDS = ("a", "b", "c", "l")
VALUES = st.one_of(st.sampled_from(["x", "y", ""]), st.integers(-2, 2), st.booleans())
FACT_VALUES = st.one_of(VALUES, st.lists(st.sampled_from(["x", "y"]), max_size=3))


def _value(op: str, bindings: tuple[str, ...]) -> st.SearchStrategy[Any]:
    refs = st.builds(Ref, st.sampled_from(bindings), st.sampled_from(FIELDS))
    if op == "exists":
        return st.booleans()
    if op in ("in", "not_in"):
        return st.one_of(st.lists(VALUES, min_size=1, max_size=3).map(tuple), refs)
    return st.one_of(VALUES, refs)


def predicates_over(*bindings: str) -> st.SearchStrategy[Predicate]:
    """Predicates whose references name only ``bindings`` (as the rule loader allows where they are)."""
    compares = st.sampled_from(OPS).flatmap(
        lambda op: st.builds(Compare, st.sampled_from(FIELDS), st.just(op), _value(op, bindings)))
    return st.recursive(
        compares,
        lambda inner: st.one_of(st.lists(inner, min_size=1, max_size=3).map(lambda xs: AllOf(tuple(xs))),
                                st.lists(inner, min_size=1, max_size=3).map(lambda xs: AnyOf(tuple(xs))),
                                inner.map(Not)),
        max_leaves=8)


predicates = predicates_over("case", "anchor")
facts = st.dictionaries(st.sampled_from(FIELDS), FACT_VALUES)


def _outcome(function: Any, *args: Any) -> Any:
    try:
        return function(*args)
    except (TypeError, KeyError) as exc:  # `in` against a non-list, `when` naming the anchor: fail alike
        return type(exc)


@settings(max_examples=1500, deadline=None)
@given(predicates, facts, facts, facts)
def test_compiled_predicate_matches_reference(predicate: Predicate, fact: dict[str, Any],
                                              case: dict[str, Any], anchor: dict[str, Any]) -> None:
    env = {"case": case, "anchor": anchor}
    assert _outcome(compile_predicate(predicate), fact, env) == _outcome(holds, predicate, fact, env)


def reference_run(queries: list[Query], facts: Facts) -> list[QueryMatch]:
    """The query semantics of ``_conditions`` written as plainly as possible."""
    matches = []
    case_env = {"case": facts.case}
    for query in queries:
        if query.anchor is not None and not any(e["kind"] in query.anchor.kinds for e in facts.events):
            continue  # nothing to anchor on: no match, and `when` is never asked
        if not holds(query.when, facts.case, case_env):
            continue
        if query.anchor is None:
            matches.append(QueryMatch(query.rule_id, None, ()))
            continue
        for anchor in facts.events:
            if anchor["kind"] not in query.anchor.kinds or not holds(query.anchor.where, anchor, case_env):
                continue
            env = {"case": facts.case, "anchor": anchor}
            related = tuple(
                (r.role, tuple(e["seq"] for e in facts.events if e["kind"] in r.pattern.kinds
                               and (e["seq"] > anchor["seq"] if r.order == "after" else e["seq"] < anchor["seq"])
                               and holds(r.pattern.where, e, env)))
                for r in query.relations)
            matches.append(QueryMatch(query.rule_id, anchor["seq"], related))
    return sorted(matches, key=lambda m: (m.rule_id, -1 if m.anchor_seq is None else m.anchor_seq))


KINDS = st.lists(st.sampled_from(["k1", "k2", "k3"]), min_size=1, max_size=2, unique=True).map(tuple)
queries = st.builds(
    Query, st.sampled_from(["A", "B", "C"]), st.none() | predicates_over("case"),
    st.none() | st.builds(EventPattern, KINDS, st.none() | predicates_over("case")),
    st.lists(st.builds(Relation, st.sampled_from(["fulfil", "prior"]), st.builds(EventPattern, KINDS,
                                                                                  st.none() | predicates),
                       st.sampled_from(["after", "before"])), max_size=2).map(tuple))


@st.composite
def timelines(draw: st.DrawFn) -> Facts:
    events = draw(st.lists(st.tuples(st.sampled_from(["k1", "k2", "k3"]), facts), max_size=8))
    return Facts(draw(facts), tuple({**fields, "seq": seq, "kind": kind} for seq, (kind, fields) in enumerate(events)))


@settings(max_examples=500, deadline=None)
@given(st.lists(queries, max_size=4), timelines())
def test_engine_matches_reference_run(query_list: list[Query], timeline: Facts) -> None:
    """Holds the engine's bisecting and ordering to the plain reading (durable's test needs durable-rules)."""
    assert _outcome(NativeEngine(query_list).run, timeline) == _outcome(reference_run, query_list, timeline)


def test_rule_values_enter_compiled_code_only_as_literals() -> None:
    hostile = "x') or __import__('os').system('true') or ('"
    test = compile_predicate(Compare("a", "eq", hostile))
    assert test({"a": hostile}, {}) is True
    assert test({"a": "x"}, {}) is False
    with pytest.raises(TypeError, match="not a rule value"):
        compile_predicate(Compare("a", "eq", 1.5))  # type: ignore[arg-type]


def test_query_structure_enters_compiled_code_only_as_literals() -> None:
    hostile = "k') or __import__('os').system('true') or ('"
    query = Query(hostile, None, EventPattern((hostile,), None),
                  (Relation(hostile, EventPattern((hostile,), Compare("a", "eq", hostile)), "after"),))
    events = ({"kind": hostile, "seq": 0, "a": "x"}, {"kind": hostile, "seq": 1, "a": hostile})
    assert NativeEngine([query]).run(Facts({}, events)) == [
        QueryMatch(hostile, 0, ((hostile, (1,)),)), QueryMatch(hostile, 1, ((hostile, ()),))]


def test_a_reference_to_the_anchor_outside_a_relation_is_refused_when_compiled() -> None:
    query = Query("A", Compare("a", "eq", Ref("anchor", "a")), EventPattern(("k1",), None))
    with pytest.raises(ValueError, match="'anchor' where it is not bound"):
        NativeEngine([query])
