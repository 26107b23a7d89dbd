"""The native engine's compiled predicates agree with the reference semantics of ``holds``."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from legalcheck._conditions import OPS, AllOf, AnyOf, Compare, Not, Predicate, Ref, holds
from legalcheck._engine_native import compile_predicate

FIELDS = ("a", "b", "c", "l")
VALUES = st.one_of(st.sampled_from(["x", "y", ""]), st.integers(-2, 2), st.booleans())
FACT_VALUES = st.one_of(VALUES, st.lists(st.sampled_from(["x", "y"]), max_size=3))


def _value(op: str) -> st.SearchStrategy[Any]:
    refs = st.builds(Ref, st.sampled_from(["case", "anchor"]), st.sampled_from(FIELDS))
    if op == "exists":
        return st.booleans()
    if op in ("in", "not_in"):
        return st.one_of(st.lists(VALUES, min_size=1, max_size=3).map(tuple), refs)
    return st.one_of(VALUES, refs)


compares = st.sampled_from(OPS).flatmap(
    lambda op: st.builds(Compare, st.sampled_from(FIELDS), st.just(op), _value(op)))
predicates: st.SearchStrategy[Predicate] = st.recursive(
    compares,
    lambda inner: st.one_of(st.lists(inner, min_size=1, max_size=3).map(lambda xs: AllOf(tuple(xs))),
                            st.lists(inner, min_size=1, max_size=3).map(lambda xs: AnyOf(tuple(xs))),
                            inner.map(Not)),
    max_leaves=8)
facts = st.dictionaries(st.sampled_from(FIELDS), FACT_VALUES)


def _outcome(function: Any, *args: Any) -> Any:
    try:
        return function(*args)
    except TypeError:  # e.g. `in` against a reference to a non-list: both must fail alike
        return TypeError


@settings(max_examples=1500, deadline=None)
@given(predicates, facts, facts, facts)
def test_compiled_predicate_matches_reference(predicate: Predicate, fact: dict[str, Any],
                                              case: dict[str, Any], anchor: dict[str, Any]) -> None:
    env = {"case": case, "anchor": anchor}
    assert _outcome(compile_predicate(predicate), fact, env) == _outcome(holds, predicate, fact, env)
