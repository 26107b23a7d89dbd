"""The 2022 handling (LC2xxx) and review (LC3xxx) rules: deadline boundaries, derived facts, liabilities.

Every deadline rule must carry a compliant example and a violating (or notice) example that differ
only by one event moved one day later, so that an off-by-one in the period arithmetic fails its own
examples. The derived facts these rules read (``_facts.py``) are tested directly, and a few cases
that the examples do not cover (several extensions, roll-over, hearings of another body) run here.
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import pytest

from conftest import make_case
from legalcheck import Evaluator
from legalcheck._core.paths import data_dir
from legalcheck._facts.facts import case_facts
from legalcheck._law.rules import CompiledRule, load_ruleset

RULESET = load_ruleset(data_dir("rules"), data_dir("packs"))
MINE = [r for r in RULESET.rules if r.pack is None and r.rule.id[:3] in ("LC2", "LC3")
        and r.rule.instrument == "xfgz-2022"]
DEADLINE_RULES = [r for r in MINE if r.rule.check.obligation is not None and r.rule.check.obligation.period is not None]
RULE_DIR = data_dir("rules") / "xfgz-2022"

OPINION = {"states_request": True, "states_facts_and_reasons": True, "states_opinion": True,
           "states_legal_basis": True, "assessment": "unfounded", "outcome": "not_support"}


def results(evaluator: Evaluator, rule_id: str, case: Any, as_of: str = "2025-12-01",
            roll_over: bool = True) -> list[str]:
    report = evaluator.check(case, as_of=dt.date.fromisoformat(as_of), roll_over=roll_over)
    found: list[str] = [f.severity for f in report.findings if f.rule_id == rule_id]
    found += ["pending" for p in report.pending if p.rule_id == rule_id]
    return found


# --- structure ----------------------------------------------------------------------------------


def test_the_rules_are_there() -> None:
    ids = {r.rule.id for r in MINE}
    assert {f"LC20{n:02d}" for n in range(1, 28)} <= ids
    assert {f"LC300{n}" for n in range(1, 8)} <= ids


def _one_day_apart(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Cases equal except for one event whose date in ``b`` is the day after its date in ``a``."""
    if {k: v for k, v in a.items() if k not in ("id", "events")} != {k: v for k, v in b.items() if k not in ("id", "events")}:
        return False
    ea, eb = a.get("events", []), b.get("events", [])
    if len(ea) != len(eb):
        return False
    moved = 0
    for x, y in zip(ea, eb):
        if x == y:
            continue
        rest_x, rest_y = copy.deepcopy(x), copy.deepcopy(y)
        dx, dy = rest_x.pop("date"), rest_y.pop("date")
        if rest_x != rest_y or dt.date.fromisoformat(str(dy)) - dt.date.fromisoformat(str(dx)) != dt.timedelta(days=1):
            return False
        moved += 1
    return moved == 1


@pytest.mark.parametrize("compiled", DEADLINE_RULES, ids=[r.rule.id for r in DEADLINE_RULES])
def test_every_deadline_rule_has_a_pair_across_its_boundary(compiled: CompiledRule) -> None:
    examples = compiled.rule.examples
    inside = [e for e in examples if e.expect == "compliant"]
    outside = [e for e in examples if e.expect in ("violation", "notice")]
    assert any(_one_day_apart(c.case, v.case) for c in inside for v in outside), (
        f"{compiled.rule.id}: no compliant/violating examples one day apart")


def test_liabilities_are_the_named_provisions() -> None:
    liability = {r.rule.id: [(c.article, c.item) for c in r.rule.liability] for r in MINE}
    assert liability["LC2016"] == [(46, 5)]
    assert liability["LC2018"] == [(45, 2)]
    assert liability["LC2023"] == liability["LC3001"] == liability["LC3004"] == [(45, 1)]
    for rule_id in ("LC2008", "LC2009", "LC2010", "LC2011"):
        assert liability[rule_id] == [(46, 4)]
    # Petitioner-side and doubtful-act rules never carry a liability of their own.
    for compiled in MINE:
        if compiled.rule.severity != "violation":
            assert not compiled.rule.liability, compiled.rule.id


def test_severities() -> None:
    severity = {r.rule.id: r.rule.severity for r in MINE}
    assert severity["LC2001"] == "warning"  # binds the petitioner
    assert severity["LC2016"] == "violation"
    assert severity["LC3003"] == severity["LC3006"] == "notice"
    assert {severity[i] for i in ("LC2024", "LC2025", "LC2026", "LC2027", "LC3002", "LC3005")} == {"warning"}


# --- derived facts ------------------------------------------------------------------------------


def test_content_facts() -> None:
    facts = case_facts(make_case("t", [], content={"request": "补发工资", "facts": "拖欠三个月"})).case
    assert (facts["states_request"], facts["states_facts"], facts["states_reasons"], facts["content_recorded"]) == (
        True, True, False, True)
    assert case_facts(make_case("t", [])).case["content_recorded"] is False


def test_common_superior_is_the_nearest_one() -> None:
    events = [{"kind": "consultation", "date": "2025-06-17", "agency": a, "outcome": "decided_by_superior"}
              for a in ("county-gov", "city-gov")]
    facts = case_facts(make_case("t", events, involved_agencies=["county-nr", "county-agri"]))
    assert facts.case["involved_have_common_superior"] is True
    assert [e["agency_common_superior_of_involved"] for e in facts.events] == [True, False]
    none = case_facts(make_case("t", events, involved_agencies=["county-court", "county-housing"]))
    assert none.case["involved_have_common_superior"] is False
    assert not any(e["agency_common_superior_of_involved"] for e in none.events)
    assert "involved_have_common_superior" not in case_facts(make_case("t", events)).case
    # 双重领导: two departments of one county government share it as their nearest common superior.
    dual = case_facts(make_case("t", events, involved_agencies=["county-hrss", "county-housing"]))
    assert [e["agency_common_superior_of_involved"] for e in dual.events] == [True, False]


def test_unrecused_staff_counts_only_recusals_known_on_the_date() -> None:
    case = make_case("t", [{"kind": "recusal", "date": "2025-08-20", "agency": "county-housing", "person": "李某"}],
                     staff_interests=[{"person": "李某", "agency": "county-housing", "direct_interest": True},
                                      {"person": "张某", "agency": "county-housing", "direct_interest": False}])
    assert case_facts(case).case["unrecused_interested_staff"] == 0
    assert case_facts(case, until=dt.date(2025, 8, 19)).case["unrecused_interested_staff"] == 1


def test_reply_answers_latest_opinion() -> None:
    case = make_case("t", [
        {"kind": "reply_delivered", "date": "2025-05-01", "agency": "county-hrss", "written": True},
        {"kind": "opinion_issued", "date": "2025-06-02", "agency": "county-hrss", **OPINION},
        {"kind": "reply_delivered", "date": "2025-06-05", "agency": "county-hrss", "written": True},
        {"kind": "review_opinion", "date": "2025-07-28", "agency": "city-hrss", "written": True},
        {"kind": "reply_delivered", "date": "2025-08-05", "agency": "city-hrss", "written": True},
    ])
    replies = [e.get("reply_to_kind") for e in case_facts(case).events if e["kind"] == "reply_delivered"]
    assert replies == [None, "opinion_issued", "review_opinion"]


# --- cases the examples do not cover --------------------------------------------------------------


def _extension(date: str, days: int) -> dict[str, Any]:
    return {"kind": "extension", "date": date, "agency": "county-hrss", "days": days,
            "approved_by_head": True, "petitioner_told_reason": True}


@pytest.mark.parametrize(("opinion", "expected"), [("2025-06-11", []), ("2025-06-12", ["violation"])])
def test_several_extensions_count_30_days_in_total(native: Evaluator, opinion: str, expected: list[str]) -> None:
    case = make_case("t", [
        {"kind": "accepted", "date": "2025-03-13", "agency": "county-hrss"},  # 60th day: 2025-05-12 (Mon)
        _extension("2025-05-06", 20), _extension("2025-05-08", 20),  # 40 granted, 30 count: 2025-06-11 (Wed)
        {"kind": "opinion_issued", "date": opinion, "agency": "county-hrss", **OPINION},
    ])
    assert results(native, "LC2023", case) == expected
    assert results(native, "LC2024", case) == []  # no single extension exceeds 30 days


@pytest.mark.parametrize(("roll_over", "expected"), [(True, ["notice"]), (False, ["violation"])])
def test_sixty_days_ending_on_a_saturday_roll_over(native: Evaluator, roll_over: bool, expected: list[str]) -> None:
    case = make_case("t", [
        {"kind": "accepted", "date": "2025-03-11", "agency": "county-hrss"},  # 60th day: 2025-05-10 (Sat)
        {"kind": "opinion_issued", "date": "2025-05-12", "agency": "county-hrss", **OPINION},
    ])
    assert results(native, "LC2023", case, roll_over=roll_over) == expected


def test_hearing_of_another_body_is_not_excluded(native: Evaluator) -> None:
    case = make_case("t", [
        {"kind": "rereview_requested", "date": "2025-08-04", "agency": "prov-hrss"},
        {"kind": "hearing", "date": "2025-08-11", "end": "2025-08-12", "agency": "city-hrss"},
        {"kind": "rereview_opinion", "date": "2025-09-05", "agency": "prov-hrss", "written": True},
    ])
    assert results(native, "LC3004", case) == ["violation"]


def test_no_superior_in_registry_no_judgment(native: Evaluator) -> None:
    case = make_case("t", [
        {"kind": "opinion_issued", "date": "2025-06-02", "agency": "city-housing", **OPINION},
        {"kind": "review_requested", "date": "2025-06-20", "agency": "county-gov"},
    ])
    assert results(native, "LC3002", case) == []


def test_rereview_window_ignores_the_reply_to_the_first_opinion(native: Evaluator) -> None:
    case = make_case("t", [
        {"kind": "opinion_issued", "date": "2025-03-03", "agency": "county-hrss", **OPINION},
        {"kind": "reply_delivered", "date": "2025-03-05", "agency": "county-hrss", "written": True},
        {"kind": "review_requested", "date": "2025-03-20", "agency": "city-hrss"},
        {"kind": "review_opinion", "date": "2025-04-15", "agency": "city-hrss", "written": True},
        {"kind": "reply_delivered", "date": "2025-04-17", "agency": "city-hrss", "written": True},
        {"kind": "rereview_requested", "date": "2025-05-15", "agency": "prov-hrss"},
    ])
    assert results(native, "LC3003", case) == []
    assert results(native, "LC3006", case) == []


def test_accusation_message_states_the_liability(native: Evaluator) -> None:
    case = make_case("t", [{"kind": "disclosed", "date": "2025-06-09", "agency": "county-pb", "to": "county-housing"}],
                     category="accusation", accused={"agencies": ["county-housing"]})
    report = native.check(case, as_of=dt.date(2025, 12, 1))
    (finding,) = [f for f in report.findings if f.rule_id == "LC2016"]
    assert finding.severity == "violation"
    assert finding.message.zh == (
        "县信访局于2025年6月9日将信访人的检举、揭发材料或者有关情况透露、转给被检举、揭发的人员或者单位。"
        "第四十六条第五项对此规定了责任：由其上级机关、单位责令改正；造成严重后果的，对直接负责的主管人员和其他直接责任人员"
        "依规依纪依法严肃处理；构成犯罪的，依法追究刑事责任。")
    assert "Art. 46, item 5" in finding.message.en and "gravest" not in finding.message.en
    assert [c.label.zh for c in finding.liability] == ["《信访工作条例》第四十六条第五项"]


def test_urgent_report_must_come_from_each_receiving_agency(native: Evaluator) -> None:
    case = make_case("t", [
        {"kind": "received", "date": "2025-07-14", "agency": "county-pb"},
        {"kind": "urgent_report", "date": "2025-07-14", "agency": "county-pb",
         "to": ["party_committee", "government", "superior_petition_bureau", "national_bureau"]},
        {"kind": "received", "date": "2025-07-16", "agency": "county-housing", "via": "forwarded",
         "from_agency": "county-pb"},
    ], status="closed", flags={"major_urgent": True})
    assert results(native, "LC2008", case) == ["violation"]  # the housing bureau never reported
    assert results(native, "LC2010", case) == []  # only petition bureaus report up the line
