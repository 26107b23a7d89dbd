"""Local rule packs: the Beijing pack changes outcomes, says what it displaced, and packs are data alone."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import pytest

from conftest import make_case
from legalcheck import Evaluator
from legalcheck._core.errors import RuleError
from legalcheck._core.paths import data_dir
from legalcheck._law.rules import load_ruleset
from legalcheck._model.case import Case

AS_OF = dt.date(2021, 12, 1)


CONTENT = {"request": "补发工资", "facts": "拖欠三个月工资", "reasons": "劳动报酬应当按时支付"}


def complaint(case_id: str, events: list[dict[str, Any]], **fields: Any) -> Case:
    """A complaint stating its request, facts and reasons."""
    return make_case(case_id, events, content=CONTENT, **fields)


def review_with_committee_extension(opinion: str) -> list[dict[str, Any]]:
    """A review requested 2021-05-31, extended by 30 days with the review committee's approval."""
    return [
        {"kind": "review_requested", "date": "2021-05-31", "agency": "city-hrss"},
        {"kind": "extension", "date": "2021-06-20", "agency": "city-hrss", "days": 30, "approved_by_head": False,
         "approved_by_review_committee": True, "petitioner_told_reason": True, "reason": "需要调取工资台账"},
        {"kind": "review_opinion", "date": opinion, "agency": "city-hrss", "written": True},
    ]


def ids(report: Any) -> set[str]:
    return {f.rule_id for f in report.findings}


# --- the Beijing pack changes the outcome of a review-deadline case ----------------------------


def test_without_the_pack_a_review_after_30_days_is_late(evaluator: Evaluator) -> None:
    report = evaluator.check(complaint("review-national", review_with_committee_extension("2021-07-15")), as_of=AS_OF)
    assert report.packs == ()
    assert ids(report) == {"LC5014"}
    (finding,) = report.findings
    assert finding.severity == "violation"
    assert finding.instrument == "xftl-2005"
    assert finding.pack is None and finding.overrides == ()
    assert finding.citations[0].label.zh == "《信访条例》第三十四条"


@pytest.mark.parametrize("how", ["province", "packs"])
def test_with_the_beijing_pack_the_committee_extension_counts(evaluator: Evaluator, how: str) -> None:
    events = review_with_committee_extension("2021-07-15")
    if how == "province":
        report = evaluator.check(complaint("review-beijing", events, province="北京市"), as_of=AS_OF)
    else:
        report = evaluator.check(complaint("review-beijing", events), as_of=AS_OF, packs=["beijing"])
    assert report.packs == ("beijing",)
    assert report.compliant
    assert not ids(report) & {"LC5014", "LC7001"}


def test_a_pack_finding_names_the_national_rule_it_displaced(evaluator: Evaluator) -> None:
    # Past the extended period (2021-07-30): now late under the Beijing rule, which says whom it displaced.
    case = complaint("review-beijing-late", review_with_committee_extension("2021-07-31"), province="北京市")
    report = evaluator.check(case, as_of=AS_OF)
    assert report.packs == ("beijing",)
    assert ids(report) == {"LC7001", "LC7007"}  # LC7007: the extension relaxes the 2005 Regulations (a warning)
    (finding,) = [f for f in report.findings if f.rule_id == "LC7001"]
    assert finding.pack == "beijing"
    assert finding.overrides == ("LC5014",)
    assert finding.instrument == "beijing-2006"
    assert report.instruments == ("beijing-2006", "xftl-2005")
    assert [(g.instrument, g.pack) for g in report.governing] == [("xftl-2005", None), ("beijing-2006", "beijing")]
    assert [c.label.zh for c in finding.citations] == ["《北京市信访条例》第五十条第一款", "《北京市信访条例》第五十条第四款"]
    assert finding.deadline is not None
    assert finding.deadline.extension_days == 30
    assert finding.deadline.effective_due == dt.date(2021, 7, 30)


def test_the_pack_docket_shows_the_local_rule(evaluator: Evaluator) -> None:
    events = review_with_committee_extension("2021-07-15")[:2]
    national = evaluator.check(complaint("docket", events), as_of=dt.date(2021, 6, 25))
    beijing = evaluator.check(complaint("docket", events, province="北京市"), as_of=dt.date(2021, 6, 25))
    assert {p.rule_id for p in national.pending} == {"LC5014"}
    assert {p.rule_id for p in beijing.pending} == {"LC7001"}
    assert national.pending[0].due == dt.date(2021, 6, 30)
    assert beijing.pending[0].due == dt.date(2021, 7, 30)


def test_head_approval_alone_does_not_extend_a_beijing_review(evaluator: Evaluator) -> None:
    events = review_with_committee_extension("2021-07-15")
    events[1] = {**events[1], "approved_by_head": True, "approved_by_review_committee": False}
    report = evaluator.check(complaint("review-head-only", events, province="北京市"), as_of=AS_OF)
    assert ids(report) == {"LC7001"}


def test_oral_answer_with_consent_is_compliant_in_beijing_only(evaluator: Evaluator) -> None:
    events: list[dict[str, Any]] = [
        {"kind": "received", "date": "2020-06-01", "agency": "county-hrss"},
        {"kind": "accepted", "date": "2020-06-03", "agency": "county-hrss"},
        {"kind": "concluded", "date": "2020-06-10", "agency": "county-hrss"},
        {"kind": "reply_delivered", "date": "2020-06-10", "agency": "county-hrss", "written": False,
         "petitioner_consented_to_oral": True},
    ]
    national = evaluator.check(complaint("oral", events), as_of=AS_OF)
    beijing = evaluator.check(complaint("oral", events, province="北京市"), as_of=AS_OF)
    assert "LC5018" in ids(national)
    assert not ids(beijing) & {"LC5018", "LC7003"}
    # Applied as enacted, but not silently: Beijing Art. 45 relaxes Art. 32(1) of the 2005 Regulations.
    (warning,) = [f for f in beijing.findings if f.rule_id == "LC7006"]
    assert warning.severity == "warning"
    assert "LC7006" not in ids(national)
    assert [c.label.zh for c in warning.citations] == [
        "《北京市信访条例》第四十五条", "《信访条例》第三十二条第一款", "《北京市信访条例》第三条第二款"]
    assert "local-relaxes-administrative-regulation" in {r.id for r in beijing.readings}


def test_pack_does_not_apply_to_other_provinces(evaluator: Evaluator) -> None:
    report = evaluator.check(complaint("review-elsewhere", review_with_committee_extension("2021-07-15"),
                                       province="河北省"), as_of=AS_OF)
    assert report.packs == ()
    assert ids(report) == {"LC5014"}


def test_pack_rules_do_not_reach_acts_after_2022_04_30(evaluator: Evaluator) -> None:
    # reading beijing-pack-until-2022-04-30: later acts are judged by the 2022 rules alone.
    events: list[dict[str, Any]] = [
        {"kind": "review_requested", "date": "2022-06-01", "agency": "city-hrss"},
        {"kind": "extension", "date": "2022-06-20", "agency": "city-hrss", "days": 30, "approved_by_head": False,
         "approved_by_review_committee": True, "petitioner_told_reason": True},
        {"kind": "review_opinion", "date": "2022-07-15", "agency": "city-hrss", "written": True},
    ]
    report = evaluator.check(complaint("review-2022", events, province="北京市"), as_of=dt.date(2022, 12, 1))
    assert report.packs == ("beijing",)
    assert [(g.instrument, g.pack) for g in report.governing] == [("xfgz-2022", None)]
    # Not dropped silently: each Beijing provision the acts fall under is a notice of uncertain status.
    local = [f for f in report.findings if f.pack == "beijing"]
    assert {f.rule_id for f in local} == {"LC7001", "LC7007"}
    assert all(f.severity == "notice" and f.liability == () for f in local)
    review = next(f for f in local if f.rule_id == "LC7001")
    assert [c.label.zh for c in review.citations] == ["《北京市信访条例》第五十条第一款", "《北京市信访条例》第五十条第四款"]
    assert review.title.zh == "《北京市信访条例》第五十条第一款、《北京市信访条例》第五十条第四款对2022年5月1日以后的行为是否适用不能确定"
    assert "2022年6月1日的行为" in review.message.zh
    assert review.readings == ("beijing-pack-until-2022-04-30",)
    assert "beijing-pack-until-2022-04-30" in {r.id for r in report.readings}
    extension = next(f for f in local if f.rule_id == "LC7007")
    # Only the Beijing provision is of uncertain status, not the 2005 provisions the warning names.
    assert [c.label.zh for c in extension.citations] == ["《北京市信访条例》第五十条第四款", "《北京市信访条例》第三条第二款"]


def test_unknown_pack_is_refused(evaluator: Evaluator) -> None:
    with pytest.raises(ValueError, match="unknown pack"):
        evaluator.check(complaint("x", []), as_of=AS_OF, packs=["atlantis"])


def test_every_override_names_a_national_rule_of_the_pack_instrument_era() -> None:
    ruleset = load_ruleset(data_dir("rules"), data_dir("packs"))
    national = {r.rule.id: r.rule for r in ruleset.rules if r.pack is None}
    for compiled in ruleset.rules:
        if compiled.pack is None:
            continue
        pack = ruleset.packs[compiled.pack]
        assert compiled.rule.instrument == pack.instrument, compiled.rule.id
        for target in compiled.rule.overrides:
            assert target in national, (compiled.rule.id, target)
            displaced = national[target]
            # A displaced rule must lie within the pack rule's validity, or acts would go unchecked.
            assert displaced.effective_until is not None and compiled.rule.effective_until is not None
            assert displaced.effective_until <= compiled.rule.effective_until, (compiled.rule.id, target)
            # The explanation says which national rule is displaced.
            assert target in compiled.rule.explanation.zh and target in compiled.rule.explanation.en


# --- packs are data alone ------------------------------------------------------------------------

SHANGHAI_PACK = """\
id: shanghai
title: {zh: 上海市信访条例规则包（测试）, en: Shanghai pack (test)}
province: 上海市
instrument: shanghai-2018
in_force: {until_reading: xftl-2005-until-2022-04-30}
"""

SHANGHAI_RULE = """\
id: LC7901
name: shanghai-review-opinion-within-30-days
title: {zh: 复查机关应当在三十日内出具书面信访复查意见（上海市）, en: A written review opinion within 30 days (Shanghai)}
severity: violation
effective_from: 2018-05-24
effective_until: 2022-04-30
citations:
  - {instrument: shanghai-2018, article: 39, paragraph: 1}
grounds:
  zh: 收到复查申请的行政机关应当自收到复查申请之日起三十日内向信访人出具书面信访复查意见
  en: the organ that receives an application for review issues a written review opinion within 30 days
check:
  obligation:
    trigger: {event: review_requested}
    fulfil: {event: review_opinion, where: {agency: $trigger.agency, written: true}}
    period: 30d
overrides: [LC5014]
message: {zh: "{agency}于{date}收到复查申请。", en: "{agency} received the application on {date}."}
explanation: {zh: 替代 LC5014。, en: Displaces LC5014.}
examples:
  - name: late
    expect: violation
    as_of: 2021-12-01
    case:
      id: ex-sh-late
      channel: letter
      category: complaint
      agencies: [{id: sh-hrss, name: 市人社局, level: city, kind: other}]
      events:
        - {kind: review_requested, date: 2021-05-31, agency: sh-hrss}
        - {kind: review_opinion, date: 2021-07-01, agency: sh-hrss, written: true}
  - name: in-time
    expect: compliant
    as_of: 2021-12-01
    case:
      id: ex-sh-ok
      channel: letter
      category: complaint
      agencies: [{id: sh-hrss, name: 市人社局, level: city, kind: other}]
      events:
        - {kind: review_requested, date: 2021-05-31, agency: sh-hrss}
        - {kind: review_opinion, date: 2021-06-30, agency: sh-hrss, written: true}
"""


@pytest.fixture
def tmp_packs(tmp_path: Path) -> Path:
    packs = tmp_path / "packs"  # pack membership is read from the directory layout packs/<pack>/
    (packs / "shanghai").mkdir(parents=True)
    (packs / "shanghai" / "pack.yaml").write_text(SHANGHAI_PACK, encoding="utf-8")
    (packs / "shanghai" / "LC7901-shanghai-review-opinion-within-30-days.yaml").write_text(
        SHANGHAI_RULE, encoding="utf-8")
    return packs


def test_a_new_pack_loads_from_data_alone(tmp_packs: Path) -> None:
    evaluator = Evaluator(engine="native", packs_dir=tmp_packs)
    assert set(evaluator.ruleset.packs) == {"shanghai"}
    assert evaluator.ruleset.packs["shanghai"].province == "上海市"
    late = [{"kind": "review_requested", "date": "2021-05-31", "agency": "city-hrss"},
            {"kind": "review_opinion", "date": "2021-07-01", "agency": "city-hrss", "written": True}]
    shanghai = evaluator.check(complaint("sh", late, province="上海市"), as_of=AS_OF)
    assert shanghai.packs == ("shanghai",)
    (finding,) = shanghai.findings
    assert (finding.rule_id, finding.pack, finding.overrides) == ("LC7901", "shanghai", ("LC5014",))
    assert finding.instrument == "shanghai-2018"
    assert finding.citations[0].label.zh == "《上海市信访条例》第三十九条第一款"
    # Beijing is not in this packs directory: a Beijing case gets the national rule.
    beijing = evaluator.check(complaint("bj", late, province="北京市"), as_of=AS_OF)
    assert beijing.packs == ()
    assert ids(beijing) == {"LC5014"}


def test_a_pack_overriding_an_unknown_rule_is_refused(tmp_packs: Path) -> None:
    rule = tmp_packs / "shanghai" / "LC7901-shanghai-review-opinion-within-30-days.yaml"
    rule.write_text(SHANGHAI_RULE.replace("overrides: [LC5014]", "overrides: [LC5999]"), encoding="utf-8")
    with pytest.raises(RuleError) as info:
        load_ruleset(data_dir("rules"), tmp_packs)
    assert any("overrides unknown rule LC5999" in message for _, message in ((p.location, p.message) for p in info.value.problems))


def test_bundled_beijing_pack_copies_and_loads_beside_a_new_one(tmp_packs: Path) -> None:
    shutil.copytree(data_dir("packs") / "beijing", tmp_packs / "beijing")
    ruleset = load_ruleset(data_dir("rules"), tmp_packs)
    assert set(ruleset.packs) == {"beijing", "shanghai"}
    selection = ruleset.for_packs(["beijing", "shanghai"])
    chosen = {r.rule.id for r in selection.rules}
    assert {"LC5014", "LC7001", "LC7901"} <= chosen
    # LC7001 displaces LC5014 only on dates the Beijing rule is in force (from 2007-01-01).
    assert selection.displaced("LC5014", dt.date(2015, 6, 1))
    assert not selection.displaced("LC5014", dt.date(2006, 6, 1))
