"""Each event kind is declared once, on its class: label, free-text fields, facts; everything else derives.

Like a documentation test: a kind that lacks any part of its declaration fails here, by name.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import re
import types
import typing
from pathlib import Path
from types import ModuleType
from typing import ClassVar, Literal

import pytest

from legalcheck import load_case
from legalcheck._core.bilingual import Bilingual
from legalcheck._facts import facts as facts_module
from legalcheck._facts.facts import EVENT_FIELDS, EVERY_FACT, case_facts, kind_fact_types
from legalcheck._model.case import (
    EVENT_CLASSES,
    EVENT_KINDS,
    Objection,
    SuggestionFeedback,
    _Event,
    event_act_zh,
    event_free_text,
    event_label,
)
from legalcheck._model.event_facts import REASONS_GIVEN, DerivedFact, EventFacts, copied_fact_type
from legalcheck._report.redact import Masker, _event

DOCS = Path(__file__).resolve().parents[2] / "docs"
DOC = DOCS / "rule-language.md"
# Fields of every event that are no fact of their own: the record's id and note (the date and the
# acting agency are facts of every event).
NOT_FACTS = frozenset({"id", "note", "kind", "date", "agency"})

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
    assert event_label("opinion_issued", "en") == "handling opinion issued"


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


def declaration_problems(cls: type) -> list[str]:
    """What an event class lacks of its declaration: label, free-text fields and facts on the class itself."""
    own = vars(cls)
    problems = [f"{cls.__name__} declares no {name}" for name in ("label", "facts") if name not in own]
    facts = getattr(cls, "facts", EventFacts())
    fields = set(cls.model_fields)  # type: ignore[attr-defined]
    stray = facts.fields_read() - fields
    if stray:
        problems.append(f"{cls.__name__} declares facts from fields it does not have: {sorted(stray)}")
    unaccounted = fields - facts.fields_read() - NOT_FACTS
    if unaccounted:
        problems.append(f"{cls.__name__}: fields neither a fact nor read by one: {sorted(unaccounted)}")
    return problems


@pytest.mark.parametrize("cls", EVENT_CLASSES, ids=EVENT_KINDS)
def test_every_kind_declares_its_label_and_facts_on_its_own_class(cls: type) -> None:
    assert declaration_problems(cls) == []


def test_a_kind_lacking_its_declaration_is_named() -> None:
    class Inspection(_Event):  # a kind someone forgot to finish declaring
        kind: Literal["inspection"]
        finding: str | None = None
        passed: bool

    class Survey(_Event):
        kind: Literal["survey"]
        label: ClassVar[Bilingual] = Bilingual("调查", "survey")
        facts: ClassVar[EventFacts] = EventFacts(copied=("score",))
        passed: bool

    assert declaration_problems(Inspection) == [
        "Inspection declares no label", "Inspection declares no facts",
        "Inspection: fields neither a fact nor read by one: ['finding', 'passed']"]
    assert declaration_problems(Survey) == [
        "Survey declares facts from fields it does not have: ['score']",
        "Survey: fields neither a fact nor read by one: ['passed']"]


def test_every_derived_fact_has_its_computation() -> None:
    computed = set(facts_module._DERIVED) | facts_module._TIMELINE_FIELDS
    declared = {fact.name for cls in EVENT_CLASSES for fact in cls.facts.derived}
    assert declared - computed == set()
    assert set(facts_module._DERIVED) - declared == set(), "a computation no kind declares"


def test_the_event_fact_vocabulary_is_what_the_kinds_declare() -> None:
    declared = {name: kind for cls in EVENT_CLASSES for name, kind in kind_fact_types(cls, cls.facts).items()}
    assert {name: EVENT_FIELDS[name] for name in declared} == declared
    assert declared["via"] == "str" and declared["written"] == "bool" and declared["days"] == "int"
    assert declared["end_day"] == "day" and declared["recipients"] == "list" and declared["procedure"] == "str"
    assert EVENT_FIELDS.keys() - declared.keys() == {
        "seq", "index", "kind", "day", "agency_notice_by_other_rules", "agency_common_superior_of_involved",
        *(name for name in EVENT_FIELDS if name.startswith("agency"))}


def test_a_copied_field_of_no_single_fact_type_is_refused() -> None:
    class Mixed(_Event):
        kind: Literal["mixed"]
        value: int | str
        when: dt.date

    assert copied_fact_type(Objection, "approved") == "bool"
    with pytest.raises(TypeError, match="Mixed.value"):
        copied_fact_type(Mixed, "value")
    with pytest.raises(TypeError, match="Mixed.when"):
        copied_fact_type(Mixed, "when")


def test_declared_facts_reach_the_facts_engines_see() -> None:
    case = load_case({
        "id": "k", "channel": "letter", "category": "complaint",
        "agencies": [{"id": "pb", "name": "信访局", "level": "county", "kind": "petition_bureau"},
                     {"id": "hrss", "name": "人社局", "level": "county", "kind": "government", "superior": "pb"}],
        "events": [
            {"kind": "objection", "date": "2025-06-03", "agency": "hrss", "to": "pb", "reasons": "  ",
             "approved": True},
            {"kind": "suggestion_feedback", "date": "2025-06-04", "agency": "hrss", "to": "pb", "adopted": False,
             "reasons": "不在职责范围"},
            {"kind": "hearing", "date": "2025-06-05", "end": "2025-06-06", "agency": "pb"},
        ]})
    objection, feedback, hearing = case_facts(case, plan=EVERY_FACT).events
    assert objection["reasons_given"] is False and objection["approved"] is True and objection["to_is_superior"]
    assert feedback["reasons_given"] is True and feedback["adopted"] is False and "written" not in feedback
    assert hearing["end_day"] == dt.date(2025, 6, 6).toordinal()
    assert REASONS_GIVEN in Objection.facts.derived and isinstance(REASONS_GIVEN, DerivedFact)


@pytest.fixture(scope="module")
def make_rule_language() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_rule_language", DOCS / "make_rule_language.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_rule_language_doc_is_made_from_the_declarations(make_rule_language: ModuleType) -> None:
    """Rerun ``PYTHONPATH=src python docs/make_rule_language.py`` and review the diff when this fails."""
    text = DOC.read_text(encoding="utf-8")
    assert make_rule_language.current_doc(text) == text
    section = make_rule_language.event_kinds_section()
    assert "| `objection` | 提出异议 | objection | `approved`, `to`, `reasons_given` | `reasons` |" in section
    assert "- `reasons_given` (`objection`, `suggestion_feedback`):" in section


def test_every_kind_words_its_act_as_a_chinese_predicate() -> None:
    """Undetermined messages say "<agency>于<date><act>": each kind's act, declared on its class or
    its label, is Chinese words only."""
    for kind in EVENT_KINDS:
        act = event_act_zh(kind)
        assert act and not re.search(r"[A-Za-z_]", act), (kind, act)
    assert event_act_zh("received") == "收到信访事项"  # declared on Received
    assert event_act_zh("hearing") == "听证"  # no act declared: the label serves
