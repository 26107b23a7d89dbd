"""Property: the duplicate-key check of JSON records agrees with a parse that compares each object's keys.

Documents are generated as nested objects and arrays whose keys are drawn from a small alphabet
(so that equal keys in one object are frequent), include escapes (``\\"``, ``\\\\``, ``\\uXXXX``),
non-ASCII and astral characters, and are written both compactly and with spaces before colons, so
that both the fast count and the parse with a hook are exercised.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from legalcheck._core.safe_yaml import has_duplicate_keys

keys = st.sampled_from(["a", "b", "é", "键", "\U0001f600", 'q"', "s\\", "line\u2028", "k:", ""])
scalars = st.one_of(st.none(), st.booleans(), st.integers(-10, 10), st.text(max_size=4),
                    st.sampled_from(['":', 'x":"', "\\", '"', "\u2028"]))


def _documents(depth: int) -> st.SearchStrategy[Any]:
    """An object as a list of (key, value) pairs, so that a key may repeat; values nest."""
    if depth == 0:
        return scalars
    inner = _documents(depth - 1)
    pairs = st.lists(st.tuples(keys, inner), max_size=4).map(_Pairs)
    return st.one_of(scalars, pairs, st.lists(inner, max_size=3))


class _Pairs(list[tuple[str, Any]]):
    """An object's members in order, possibly with a key twice."""


def _write(value: Any, ascii_only: bool, spaced: bool) -> str:
    if isinstance(value, _Pairs):
        colon = " :" if spaced else ":"
        return "{" + ",".join(json.dumps(k, ensure_ascii=ascii_only) + colon + _write(v, ascii_only, spaced)
                              for k, v in value) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_write(v, ascii_only, spaced) for v in value) + "]"
    return json.dumps(value, ensure_ascii=ascii_only)


def _repeats(text: str) -> bool:
    found = False

    def pairs(members: list[tuple[str, Any]]) -> dict[str, Any]:
        nonlocal found
        if len({k for k, _ in members}) != len(members):
            found = True
        return dict(members)

    json.loads(text, object_pairs_hook=pairs)
    return found


@settings(max_examples=600, deadline=None)
@given(st.lists(st.tuples(keys, _documents(3)), max_size=5).map(_Pairs), st.booleans(), st.booleans(),
       st.booleans())
def test_duplicate_key_check_agrees_with_a_parse_that_compares_keys(document: _Pairs, ascii_only: bool,
                                                                     spaced: bool, as_bytes: bool) -> None:
    text = _write(document, ascii_only, spaced)
    expected = _repeats(text)
    assert has_duplicate_keys(text.encode("utf-8") if as_bytes else text) is expected
