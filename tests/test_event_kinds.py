"""Each event kind is declared once, on its class: label, free-text fields; everything else derives.

Like a documentation test: a kind that lacks any part of its declaration fails here, by name.
"""

from __future__ import annotations

import datetime as dt
import re
import types
import typing
from pathlib import Path

import pytest

from legalcheck._model.case import EVENT_CLASSES, EVENT_KINDS, SuggestionFeedback, event_free_text, event_label
from legalcheck._report.redact import Masker, _event

DOC = Path(__file__).resolve().parent.parent / "docs" / "rule-language.md"

# String fields that name an agency, a person or the record itself: identifiers, not free text.
# Persons and notes are masked for every kind by redaction; agencies are kept.
IDENTIFIER_FIELDS = frozenset({"id", "agency", "to", "from_agency", "handling_agency", "person", "to_person", "note"})


def _holds_text(annotation: object) -> bool:
    """``str`` or ``str | None``: a field that can hold any text."""
    if annotation is str:
        return True
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        return str in typing.get_args(annotation)
    return False


@pytest.mark.parametrize("cls", EVENT_CLASSES, ids=EVENT_KINDS)
def test_every_kind_has_a_label_in_both_languages(cls: type) -> None:
    label = cls.label  # type: ignore[attr-defined]
    assert label.zh and label.en
    assert not re.search(r"[A-Za-z_]", label.zh), f"the Chinese label of {cls.__name__} is not Chinese: {label.zh}"


def test_labels_are_distinct_and_found_by_kind() -> None:
    assert len({event_label(kind, "zh") for kind in EVENT_KINDS}) == len(EVENT_KINDS)
    assert event_label("suggestion_feedback", "zh") == "反馈改进建议采纳情况"
    assert event_label("improvement_suggestion", "zh") == "提出改进建议"
    assert event_label("opinion_issued", "en") == "opinion issued"


@pytest.mark.parametrize("cls", EVENT_CLASSES, ids=EVENT_KINDS)
def test_every_text_field_is_declared_free_text_or_an_identifier(cls: type) -> None:
    fields = cls.model_fields  # type: ignore[attr-defined]
    free_text = cls.free_text  # type: ignore[attr-defined]
    assert set(free_text) <= set(fields), f"{cls.__name__} declares free text it does not have"
    undeclared = {name for name, info in fields.items()
                  if _holds_text(info.annotation) and name not in IDENTIFIER_FIELDS and name not in free_text}
    assert undeclared == set(), f"{cls.__name__}: text fields neither free text nor identifiers: {undeclared}"


def test_redaction_masks_a_suggestion_feedbacks_reasons() -> None:
    event = SuggestionFeedback(kind="suggestion_feedback", date=dt.date(2025, 6, 3), agency="hrss", to="pb",
                               adopted=False, reasons="张三丰的诉求不在本局职责范围")
    masker = Masker()
    masker.token("张三丰", "信访人")
    masked = _event(masker, event)
    assert event_free_text(event) == ("reasons",)
    assert "张三丰" not in masked.model_dump_json()
    assert isinstance(masked, SuggestionFeedback) and masked.reasons is not None and "〔信访人1〕" in masked.reasons


def test_the_rule_language_doc_lists_every_kind_and_its_free_text() -> None:
    section = DOC.read_text(encoding="utf-8").split("### Event kinds", 1)[1].split("\n### ", 1)[0]
    for cls, kind in zip(EVENT_CLASSES, EVENT_KINDS, strict=True):
        assert f"`{kind}`" in section, f"docs/rule-language.md does not list {kind}"
        for name in cls.free_text:  # type: ignore[attr-defined]
            assert f"`{name}`" in section, f"docs/rule-language.md does not name {kind}'s {name}"
