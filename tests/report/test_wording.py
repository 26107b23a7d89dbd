"""Chinese texts read like an official document: organs named, dates as 2025年6月3日, units written.

Checked twice: in every rule's own zh texts (title, message, explanation, what to record) and in the
zh sentences the checker renders from them for every example case (findings, docket, undetermined).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from legalcheck import Evaluator, Finding, Report, load_case
from legalcheck._core.paths import data_dir
from legalcheck._core.safe_yaml import Document
from legalcheck._law.rules import load_ruleset
from legalcheck._model.loader import case_from_document

ROOT = Path(__file__).resolve().parents[2]
RULESET = load_ruleset(data_dir("rules"), data_dir("packs"))
EXAMPLES_AS_OF = dt.date(2025, 12, 1)
EXAMPLE_FILES = sorted(p for p in (ROOT / "examples").glob("*.yaml") if not p.name.startswith("_"))

# Phrases a reader stumbled on: a pronoun for an organ, the tool's internals, editorialising.
BANNED = {
    "它 for an organ (write 该机关 or the organ's name)": re.compile(r"(?<!其)它"),
    "按机关名录": re.compile("按机关名录"),
    "所依据的文字": re.compile("所依据的文字"),
    "作结": re.compile("作结"),
    "最严重": re.compile("最严重"),
    "ISO date in Chinese prose": re.compile(r"\d{4}-\d{2}-\d{2}"),
    "bare period unit (15d, 5wd)": re.compile(r"\d+\s*(?:d|wd)\b"),
    "number without its unit after 逾期/延长/尚余": re.compile(r"(?:逾期|延长|尚余)\s*\d+(?!\d)(?!\s*(?:日|个工作日))"),
}
# Rule texts may cross-refer to other rules by id; nothing else in ASCII letters.
RULE_ID = re.compile(r"(?<![A-Za-z0-9])LC\d{4}(?!\d)")
ASCII_WORD = re.compile(r"[A-Za-z]+")
PLACEHOLDER = re.compile(r"\{(?:agency|to|date|due|as_of)\}")


def problems(text: str, *, ascii_allowed: re.Pattern[str] | None = None) -> list[str]:
    found = [name for name, pattern in BANNED.items() if pattern.search(text)]
    rest = ascii_allowed.sub("", text) if ascii_allowed is not None else text
    found += [f"ASCII word {word!r}" for word in ASCII_WORD.findall(rest)]
    return found


def rule_texts() -> Iterator[tuple[str, str, str]]:
    for compiled in RULESET.rules:
        rule = compiled.rule
        yield rule.id, "title", rule.title.zh
        yield rule.id, "message", rule.message.zh
        yield rule.id, "explanation", rule.explanation.zh
        for index, clause in enumerate(rule.undetermined):
            yield rule.id, f"undetermined[{index}].record", clause.record.zh


RULE_TEXTS = list(rule_texts())


@pytest.mark.parametrize("field", ["title", "message", "undetermined"])
def test_rule_zh_texts_read_as_official_chinese(field: str) -> None:
    """Titles, messages and what-to-record texts: no English at all, placeholders aside."""
    bad = {f"{rule_id} {name}": found for rule_id, name, text in RULE_TEXTS if name.startswith(field)
           if (found := problems(PLACEHOLDER.sub("", text)))}
    assert not bad, bad


def test_rule_zh_explanations_read_as_official_chinese() -> None:
    """Explanations may name other rules by id, nothing else in English (no field names, no slugs)."""
    bad = {rule_id: found for rule_id, name, text in RULE_TEXTS if name == "explanation"
           if (found := problems(text, ascii_allowed=RULE_ID))}
    assert not bad, bad


def test_the_checks_catch_what_they_name() -> None:
    """Each banned pattern fires on the phrasing it was written against, and not on good Chinese."""
    assert problems("但它不是所涉及机关共同的上一级机关") == ["它 for an organ (write 该机关 or the organ's name)"]
    assert problems("但按机关名录该机关不是上一级机关") == ["按机关名录"]
    assert problems("于2025-06-03收到") == ["ISO date in Chinese prose"]
    assert problems("期限：15d") == ["bare period unit (15d, 5wd)", "ASCII word 'd'"]
    assert problems("逾期 2") == ["number without its unit after 逾期/延长/尚余"]
    assert problems("延长 30") == ["number without its unit after 逾期/延长/尚余"]
    assert problems("invalid 输入") == ["ASCII word 'invalid'"]
    good = ("期限自2025年6月3日起算，15日，至2025年6月18日届满；逾期2日完成（实际完成日为2025年6月20日）。"
            "其它机关、延长30日、5个工作日")
    assert problems(good) == []


def rendered_zh(report: Report) -> Iterator[tuple[str, str]]:
    """Every Chinese sentence of a report built from the rule texts and the sentence templates."""
    for finding in report.findings:
        yield f"{finding.rule_id} message", finding.message.zh
        yield f"{finding.rule_id} title", finding.title.zh
        if finding.deadline is not None:
            for step in finding.deadline.steps:
                yield f"{finding.rule_id} deadline step", step.zh
    for pending in report.pending:
        yield f"{pending.rule_id} pending title", pending.title.zh
        if pending.deadline is not None:
            for step in pending.deadline.steps:
                yield f"{pending.rule_id} deadline step", step.zh
    for item in report.undetermined:
        yield f"{item.rule_id} undetermined message", item.message.zh
    for reading in report.readings:
        yield f"reading {reading.id}", reading.title.zh


def example_reports(evaluator: Evaluator) -> Iterator[tuple[str, Report]]:
    for path in EXAMPLE_FILES:
        yield path.name, evaluator.check(load_case(path), as_of=EXAMPLES_AS_OF)
    for compiled in RULESET.rules:
        for example in compiled.rule.examples:
            case = case_from_document(Document(example.case, str(compiled.source), ""),
                                      base_dir=compiled.source.parent)
            packs = [compiled.pack] if compiled.pack else None
            for roll_over in (True, False):
                yield f"{compiled.rule.id} {example.name}", evaluator.check(
                    case, as_of=example.as_of, roll_over=roll_over, packs=packs)


def test_rendered_zh_findings_read_as_official_chinese(native: Evaluator) -> None:
    bad: dict[str, list[str]] = {}
    seen = 0
    for name, report in example_reports(native):
        for where, text in rendered_zh(report):
            seen += 1
            found = problems(text)
            if found:
                bad.setdefault(f"{name}: {where}: {text}", found)
    assert seen > 500  # the examples do exercise the templates
    assert not bad, dict(list(bad.items())[:20])


def test_deadline_sentence_writes_dates_and_units(native: Evaluator) -> None:
    """The status tail: 年月日 dates, the period with its unit, 逾期N日, the actual date."""
    path = ROOT / "examples" / "violating-late-forward.yaml"
    report = native.check(load_case(path), as_of=EXAMPLES_AS_OF)
    late = [f for f in report.findings if f.deadline is not None and f.deadline.status == "late"]
    assert late
    finding = late[0]
    d = finding.deadline
    assert d is not None and d.actual is not None and d.amount is not None
    zh_day = f"{d.start.year}年{d.start.month}月{d.start.day}日"
    due = f"{d.effective_due.year}年{d.effective_due.month}月{d.effective_due.day}日"
    actual = f"{d.actual.year}年{d.actual.month}月{d.actual.day}日"
    assert finding.message.zh.endswith(
        f"期限自{zh_day}起算，{d.amount}日，至{due}届满；逾期{d.days_late}日完成（实际完成日为{actual}）。")
    assert f"The period runs from {d.start} ({d.amount} days) and ends on {d.effective_due}" in finding.message.en


def _example_finding(native: Evaluator, rule_id: str, example_name: str) -> Finding:
    (compiled,) = [c for c in RULESET.rules if c.rule.id == rule_id]
    (example,) = [e for e in compiled.rule.examples if e.name == example_name]
    case = case_from_document(Document(example.case, str(compiled.source), ""), base_dir=compiled.source.parent)
    report = native.check(case, as_of=example.as_of, roll_over=example.roll_over)
    (finding,) = [f for f in report.findings if f.rule_id == rule_id]
    return finding


def test_late_extension_is_worded_as_a_decision_not_a_completion(native: Evaluator) -> None:
    finding = _example_finding(native, "LC2027", "extension-on-day-61")
    assert finding.message.zh == (
        "县人力资源和社会保障局于2025年3月10日受理信访事项，该机关延长办理期限的决定在60日办理期限届满后作出；"
        "已经届满的期限不能延长。期限自2025年3月10日起算，60日，至2025年5月9日届满；"
        "延期决定于2025年5月10日作出，晚于届满日1日。")
    assert "完成" not in finding.message.zh
    assert finding.message.en.endswith("the extension was granted on 2025-05-10, 1 day after the due date.")


def test_petitioner_request_saved_by_roll_over_is_worded_as_a_request(native: Evaluator) -> None:
    notices = [f for _name, report in example_reports(native) for f in report.findings
               if f.rule_id == "LC3003" and f.deadline is not None and f.deadline.status == "met_by_roll_over"]
    assert notices  # some rule's example has a review request saved by the roll-over
    message = notices[0].message.zh
    assert "原届满日（未顺延）为" in message and "，顺延至" in message
    assert re.search(r"复查请求于\d{4}年\d{1,2}月\d{1,2}日提出，因期限顺延而未超过期间。$", message)
    assert "完成" not in message
