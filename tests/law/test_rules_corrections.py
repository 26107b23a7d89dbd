"""The legal corrections: several superiors per agency (双重领导), 本系统, the public security and
justice administration kinds, lawful refusals, and ``unless_before`` in the rule language.

The rules' own examples (tests/law/test_rule_examples.py) hold each correction's boundary pair on
both engines; this file tests the derived facts and loader behaviour the rules rest on.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from conftest import make_case
from legalcheck import CaseError, Evaluator
from legalcheck._core.paths import data_dir
from legalcheck._core.safe_yaml import Document
from legalcheck._facts.facts import EVERY_FACT, case_facts
from legalcheck._model.loader import case_from_document

RULE_DIR = data_dir("rules") / "xfgz-2022"


def event_facts(case: Any) -> list[dict[str, Any]]:
    return list(case_facts(case, plan=EVERY_FACT).events)


def test_ancestors_follow_every_superior_nearest_first() -> None:
    [fact] = event_facts(make_case("t", [{"kind": "accepted", "date": "2025-06-02", "agency": "county-hrss"}]))
    assert fact["agency_superior"] == "city-hrss"
    assert fact["agency_superiors"] == ["city-hrss", "county-gov"]
    # each level before the next: both superiors, then their superiors
    assert fact["agency_ancestors"][:2] == ["city-hrss", "county-gov"]
    assert set(fact["agency_ancestors"][2:]) == {"prov-hrss", "city-gov", "prov-gov"}


def test_an_agency_with_no_superior_has_no_superiors_fact() -> None:
    [fact] = event_facts(make_case("t", [{"kind": "accepted", "date": "2025-06-02", "agency": "county-committee"}]))
    assert "agency_superiors" not in fact and fact["agency_ancestors"] == []


def test_either_superior_is_the_superior() -> None:
    events = [{"kind": "completion_report", "date": "2025-06-02", "agency": "county-hrss", "to": to}
              for to in ("city-hrss", "county-gov", "city-gov")]
    facts = event_facts(make_case("t", events))
    assert [f["to_is_superior"] for f in facts] == [True, True, False]
    assert [f["to_is_subordinate"] for f in facts] == [False, False, False]


def test_superior_of_competent_accepts_the_government_of_the_same_level() -> None:
    events = [{"kind": "received", "date": "2025-06-02", "agency": a} for a in ("county-gov", "city-hrss", "city-gov")]
    facts = event_facts(make_case("t", events, competent_agencies=["county-hrss"]))
    assert [f["agency_superior_of_competent"] for f in facts] == [True, True, False]


def test_system_competence_is_the_agency_or_one_below_it() -> None:
    events = [{"kind": "received", "date": "2025-06-02", "agency": a}
              for a in ("county-hrss", "city-hrss", "prov-hrss", "city-housing", "county-housing")]
    facts = event_facts(make_case("t", events, competent_agencies=["county-hrss"]))
    assert [f["agency_system_competent"] for f in facts] == [True, True, True, False, False]
    # 未记载有权处理的机关: the fact is absent, never false
    assert all("agency_system_competent" not in f for f in event_facts(make_case("t", events)))


def test_public_security_is_a_political_legal_organ_under_2022() -> None:
    events = [{"kind": "received", "date": "2025-06-02", "agency": "county-ps"}]
    assert event_facts(make_case("t", events, flags={"litigation_related": True}))[0]["agency_notice_by_other_rules"]
    assert not event_facts(make_case("t", events))[0]["agency_notice_by_other_rules"]


def test_an_unknown_other_superior_is_named_with_its_field() -> None:
    data = {"id": "t", "channel": "letter", "category": "complaint",
            "agencies": [{"id": "a", "name": "甲局", "level": "county", "kind": "other", "other_superiors": ["nowhere"]}],
            "events": [{"kind": "received", "date": "2025-06-02", "agency": "a"}]}
    with pytest.raises(CaseError) as info:
        case_from_document(Document(data, "x.yaml", ""), base_dir=RULE_DIR)
    [(location, message)] = [(p.location, p.message) for p in info.value.problems]
    assert location.field is not None and "other_superiors" in location.field and "unknown agency" in message


OPINION = {"kind": "opinion_issued", "date": "2025-06-02", "agency": "county-hrss", "states_request": True,
           "states_facts_and_reasons": True, "states_opinion": True, "states_legal_basis": True,
           "assessment": "unfounded", "outcome": "not_support"}


@pytest.mark.parametrize(("reviewer", "warned"), [("city-hrss", False), ("county-gov", False), ("prov-hrss", True),
                                                  ("city-gov", True)])
def test_review_by_either_superior_is_not_warned(evaluator: Evaluator, reviewer: str, warned: bool) -> None:
    case = make_case("t", [OPINION, {"kind": "reply_delivered", "date": "2025-06-05", "agency": "county-hrss"},
                      {"kind": "review_requested", "date": "2025-06-20", "agency": reviewer}])
    report = evaluator.check(case, as_of=dt.date(2025, 12, 1))
    assert any(f.rule_id == "LC3002" for f in report.findings) is warned
