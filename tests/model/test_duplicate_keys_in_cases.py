"""Property: a JSON case that repeats a key in any of its objects is refused, wherever the key is.

A valid case text is validated once; whether it repeats a key is then told from the keys its
models were given (``model_fields_set``), without parsing it again. These tests write a case that
uses every kind of nested object (petitioners, content, flags, accused, staff interests, agencies,
events of several kinds) with one key repeated, the same value both times (so that validation
alone cannot notice), and check the refusal; and write the same case without a repeat, with text
values holding ``":``, escaped quotes and spaces before colons, and check it loads as its data says.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from legalcheck import Case, CaseError
from legalcheck._model.loader import _key_plans, _keys_given, case_from_json

CASE: dict[str, Any] = {
    "schema": "legalcheck/case/1",
    "id": "dup-1",
    "title": "标题",
    "petitioners": [{"name": "张三", "address": "某地"}, {"name_unclear": True}],
    "channel": "letter",
    "category": "complaint",
    "content": {"request": "请求", "facts": None},
    "flags": {"complex": True, "statutory_procedure": "none"},
    "competent_agencies": ["pb"],
    "accused": {"agencies": ["gov"], "persons": []},
    "staff_interests": [{"person": "李四", "agency": "pb", "direct_interest": False}],
    "agencies": [
        {"id": "pb", "name": "某县信访局", "level": "county", "kind": "petition_bureau", "superior": "gov"},
        {"id": "gov", "name": "某县人民政府", "level": "county", "kind": "government"},
    ],
    "events": [
        {"kind": "received", "date": "2025-03-03", "agency": "pb", "note": "收到"},
        {"kind": "forwarded", "date": "2025-03-05", "agency": "pb", "to": "gov"},
        {"kind": "extension", "date": "2025-03-20", "agency": "gov", "days": 30, "approved_by_head": True,
         "petitioner_told_reason": True},
        {"kind": "urgent_report", "date": "2025-03-21", "agency": "gov", "to": ["government"]},
    ],
}


class _Pairs(list[tuple[str, Any]]):
    """An object's members in order, possibly with a key twice."""


def _as_pairs(value: Any) -> Any:
    if isinstance(value, dict):
        return _Pairs((k, _as_pairs(v)) for k, v in value.items())
    if isinstance(value, list):
        return [_as_pairs(v) for v in value]
    return value


def _objects(value: Any) -> list[_Pairs]:
    """Every object in ``value``, outermost first."""
    found: list[_Pairs] = []
    stack = [value]
    while stack:
        current = stack.pop()
        if isinstance(current, _Pairs):
            found.append(current)
            stack.extend(v for _, v in current)
        elif isinstance(current, list):
            stack.extend(current)
    return found


def _write(value: Any, spaced: bool) -> str:
    if isinstance(value, _Pairs):
        colon = " :" if spaced else ":"
        return "{" + ",".join(json.dumps(k, ensure_ascii=False) + colon + _write(v, spaced) for k, v in value) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_write(v, spaced) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


notes = st.text(alphabet=st.sampled_from(['"', ":", "\\", " ", "a", "键", ","]), max_size=6)


@settings(max_examples=300, deadline=None)
@given(st.data(), st.booleans(), notes)
def test_a_key_repeated_with_the_same_value_in_any_object_is_refused(data: st.DataObject, spaced: bool,
                                                                     note: str) -> None:
    written = copy.deepcopy(CASE)
    written["events"][0]["note"] = note
    document = _as_pairs(written)
    members = data.draw(st.sampled_from(_objects(document)))
    key, value = data.draw(st.sampled_from(list(members)))
    members.insert(data.draw(st.integers(0, len(members))), (key, copy.deepcopy(value)))
    with pytest.raises(CaseError) as info:
        case_from_json(_write(document, spaced).encode("utf-8"), "cases.jsonl", line_offset=6)
    problem = info.value.problems[0]
    assert (problem.code, problem.args["key"]) == ("duplicate-key", repr(key))
    assert problem.location.file == "cases.jsonl" and problem.location.line == 7


@settings(max_examples=200, deadline=None)
@given(st.lists(notes, min_size=4, max_size=4), st.booleans())
def test_a_case_without_a_repeated_key_loads_as_its_data_says(texts: list[str], spaced: bool) -> None:
    data = copy.deepcopy(CASE)
    for event, text in zip(data["events"], texts, strict=True):
        event["note"] = text  # text holding '":', escaped quotes or backslashes: the key count must not be fooled
    case = case_from_json(_write(_as_pairs(data), spaced).encode("utf-8"), "cases.jsonl", line_offset=6)
    assert case == Case.model_validate_json(json.dumps(data))


def test_every_object_of_a_case_becomes_a_model_that_counts_its_keys() -> None:
    # What lets a valid case text be checked for repeated keys without a second parse: a field that
    # could hold a dict (or a model keeping unknown keys) would leave the models' keys short of the text's.
    plans = _key_plans(Case)
    assert plans is not None
    document = _as_pairs(CASE)
    text = _write(document, False)
    assert _keys_given(Case.model_validate_json(text), plans) == sum(len(o) for o in _objects(document))
