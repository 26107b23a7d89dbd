"""The governing instrument is chosen by the date of each act, never by today's date.

A matter received on 2021-03-01 is judged under the 2005 信访条例 (xftl-2005), one received on
2022-06-01 under the 2022 信访工作条例 (xfgz-2022); a matter whose acts straddle 2022-05-01 is
judged act by act, and the report names every instrument that governed a finding.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from conftest import make_case
from legalcheck import Evaluator, Report
from legalcheck._model.case import Case

CONTENT = {"request": "补缴社会保险费", "facts": "用人单位未缴纳2019年社会保险费", "reasons": "依法应当缴纳"}


def complaint(case_id: str, events: list[dict[str, Any]], **fields: Any) -> Case:
    """A complaint stating its request, facts and reasons, whose competent agency is county-hrss."""
    return make_case(case_id, events, competent_agencies=["county-hrss"], content=CONTENT, **fields)


def rule_ids(report: Report) -> set[str]:
    return {f.rule_id for f in report.findings}


def late_forwarding(received: str, forwarded: str) -> list[dict[str, Any]]:
    return [{"kind": "received", "date": received, "agency": "county-pb"},
            {"kind": "registered", "date": received, "agency": "county-pb"},
            {"kind": "forwarded", "date": forwarded, "agency": "county-pb", "to": "county-hrss"}]


def test_matter_received_in_2021_is_judged_under_the_2005_regulations(evaluator: Evaluator) -> None:
    case = complaint("by-date-2021", late_forwarding("2021-03-01", "2021-03-20"))
    report = evaluator.check(case, as_of=dt.date(2021, 12, 1))
    assert report.instruments == ("xftl-2005",)
    (finding,) = report.findings
    assert finding.rule_id == "LC5002"
    assert finding.instrument == "xftl-2005"
    assert finding.citations[0].label.zh == "《信访条例》第二十一条第一款"
    assert [c.label.zh for c in finding.liability] == ["《信访条例》第四十一条"]
    assert finding.deadline is not None and finding.deadline.effective_due == dt.date(2021, 3, 16)


def test_matter_received_in_2022_is_judged_under_the_2022_regulations(evaluator: Evaluator) -> None:
    case = complaint("by-date-2022", late_forwarding("2022-06-01", "2022-06-20"))
    report = evaluator.check(case, as_of=dt.date(2022, 12, 1))
    assert report.instruments == ("xfgz-2022",)
    (finding,) = report.findings
    assert finding.rule_id == "LC1003"
    assert finding.instrument == "xfgz-2022"
    assert finding.citations[0].label.zh == "《信访工作条例》第二十二条第一款"


def test_same_facts_a_year_apart_cite_different_instruments(evaluator: Evaluator) -> None:
    old = evaluator.check(complaint("old", late_forwarding("2021-06-01", "2021-06-30")), as_of=dt.date(2022, 12, 1))
    new = evaluator.check(complaint("new", late_forwarding("2022-06-01", "2022-06-30")), as_of=dt.date(2022, 12, 1))
    assert {f.instrument for f in old.findings} == {"xftl-2005"}
    assert {f.instrument for f in new.findings} == {"xfgz-2022"}
    # Judged on the same day: the date of the act decides, not as_of.
    assert old.as_of == new.as_of


def test_straddling_matter_is_judged_act_by_act(evaluator: Evaluator) -> None:
    # Received by the petition bureau before 2022-05-01 and forwarded late after it: the duty
    # arose under the 2005 Regulations (LC5002), not the 2022 ones (LC1003). The department
    # receives the forwarded matter after 2022-05-01: its notice duty is the 2022 one (LC1007),
    # not the 2005 acceptance notice (LC5005).
    events = late_forwarding("2022-04-25", "2022-05-20") + [
        {"kind": "received", "date": "2022-05-20", "agency": "county-hrss", "via": "forwarded",
         "from_agency": "county-pb"},
    ]
    report = evaluator.check(complaint("straddle", events), as_of=dt.date(2022, 7, 1))
    found = rule_ids(report)
    assert {"LC5002", "LC1007"} <= found
    assert not found & {"LC1003", "LC5005"}
    assert report.instruments == ("xfgz-2022", "xftl-2005")
    by_rule = {f.rule_id: f for f in report.findings}
    assert by_rule["LC5002"].instrument == "xftl-2005"
    assert by_rule["LC1007"].instrument == "xfgz-2022"


def test_last_day_of_the_2005_regulations(evaluator: Evaluator) -> None:
    # 2022-04-30 is the last day the 2005 Regulations were in force (xftl-2005 effective_until).
    on_last_day = evaluator.check(complaint("last-day", late_forwarding("2022-04-30", "2022-05-30")),
                                  as_of=dt.date(2022, 12, 1))
    on_first_day = evaluator.check(complaint("first-day", late_forwarding("2022-05-01", "2022-05-30")),
                                   as_of=dt.date(2022, 12, 1))
    assert rule_ids(on_last_day) == {"LC5002"}
    assert rule_ids(on_first_day) == {"LC1003"}


def test_pending_duty_names_its_instrument(evaluator: Evaluator) -> None:
    case = complaint("pending-2021", [{"kind": "received", "date": "2021-03-01", "agency": "county-pb"}])
    report = evaluator.check(case, as_of=dt.date(2021, 3, 5))
    assert not report.findings
    assert {p.rule_id for p in report.pending} >= {"LC5001", "LC5002"}
    assert {p.instrument for p in report.pending} == {"xftl-2005"}
    assert report.instruments == ("xftl-2005",)
