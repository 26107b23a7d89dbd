"""Chinese texts read like an official document: organs named, dates as 2025年6月3日, units written.

Checked twice: in every rule's own zh texts (title, message, explanation, what to record) and in the
zh sentences the checker renders from them for every example case (findings, docket, undetermined).
"""

from __future__ import annotations

import datetime as dt
import re
import typing
from collections.abc import Iterator
from pathlib import Path

import pytest

from legalcheck import Evaluator, Finding, Report, load_case
from legalcheck._core.paths import data_dir
from legalcheck._core.safe_yaml import Document
from legalcheck._core.vocabulary import (
    SENTENCES,
    WORDS,
    DeadlineStatus,
    Severity,
    date_text,
    days_text,
    label,
    period_text,
    weekday_text,
)
from legalcheck._law.rules import load_ruleset
from legalcheck._model.case import (
    EVENT_KINDS,
    AgencyKind,
    AgencyLevel,
    Assessment,
    Category,
    Channel,
    Form,
    Notified,
    Outcome,
    Refused,
    StatutoryProcedure,
    event_label,
)
from legalcheck._model.findings import Deadline
from legalcheck._model.loader import case_from_document
from legalcheck._report.phrases import deadline_summary

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


# --- the vocabulary the reporters share ---------------------------------------------------------

def _literal_values(model: type, field: str) -> tuple[str, ...]:
    return typing.get_args(model.model_fields[field].annotation)  # type: ignore[attr-defined, no-any-return]


LABELLED: dict[str, tuple[str, ...]] = {
    "channel": tuple(Channel), "category": tuple(Category), "form": tuple(Form),
    "agency_level": tuple(AgencyLevel), "agency_kind": tuple(AgencyKind), "outcome": tuple(Outcome),
    "assessment": tuple(Assessment), "procedure": tuple(StatutoryProcedure),
    "notice_subject": _literal_values(Notified, "subject"), "refusal_reason": _literal_values(Refused, "reason"),
    "status": typing.get_args(DeadlineStatus), "severity": typing.get_args(Severity),
}
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.parametrize("table", sorted(LABELLED))
def test_every_value_of_the_model_has_a_chinese_and_an_english_label(table: str) -> None:
    for value in LABELLED[table]:
        zh, en = label(table, value, "zh"), label(table, value, "en")
        assert CJK.search(zh) and not problems(zh), (table, value, zh)
        assert en and not CJK.search(en) and "_" not in en, (table, value, en)


def test_every_event_kind_has_a_chinese_and_an_english_label() -> None:
    for kind in EVENT_KINDS:
        zh, en = event_label(kind, "zh"), event_label(kind, "en")
        assert CJK.search(zh) and not problems(zh), (kind, zh)
        assert en and not CJK.search(en) and "_" not in en, (kind, en)


FIELD = re.compile(r"\{(\w+)\}")


def test_words_and_sentences_read_as_official_chinese_with_the_same_blanks_in_english() -> None:
    allowed = re.compile(r"legalcheck|SHA-256")  # our name, and the name of the hash
    for key, (zh, en) in {**WORDS, **SENTENCES}.items():
        assert not problems(FIELD.sub("", zh), ascii_allowed=allowed), (key, zh)
        assert sorted(FIELD.findall(zh)) == sorted(FIELD.findall(en)), key
        assert en and not CJK.search(en), (key, en)


def test_dates_periods_and_days_are_written_out() -> None:
    day = dt.date(2025, 7, 18)
    assert (date_text(day, "zh"), date_text(day, "en")) == ("2025年7月18日", "18 July 2025")
    assert (weekday_text(day, "zh"), weekday_text(day, "en")) == ("星期五", "Friday")
    assert period_text(60, "calendar_days", "zh") == "60日" and period_text(5, "working_days", "zh") == "5个工作日"
    assert period_text(1, "calendar_days", "en") == "1 day" and period_text(5, "working_days", "en") == "5 working days"
    assert period_text(None, "designated", "zh") == "交办时指定的办理期限"
    assert days_text(2, "zh") == "2日"


# --- what the reporters print in Chinese --------------------------------------------------------

# What a reader stumbled on in the reports themselves (issue: reports a legal officer can hand on).
REPORT_BANNED = {
    **BANNED,
    "回执 (write 生成信息)": re.compile("回执"),
    "解释 for the tool's readings (write 适用口径)": re.compile("适用的解释|所依解释|解读 [a-z]"),
    "拒收 for unreadable inputs": re.compile("拒收"),
    "严格届满日": re.compile("严格届满日"),
    "开启 for roll-over (write 适用)": re.compile(r"\| 开启|>开启"),
    "个输入": re.compile("个输入"),
    "field path outside the appendix": re.compile(r"events\[\d+\]"),
    "English slug of a rule": re.compile(r"LC\d{4} [a-z]+-[a-z-]+"),
}
ISO_CELL = re.compile(r"(?:^|\|)\s*\d{4}-\d{2}-\d{2}\s*(?=\||$)")  # a date column of a table may stay ISO


def zh_report_problems(text: str) -> dict[str, list[str]]:
    bad: dict[str, list[str]] = {}
    for line in text.splitlines():
        prose = ISO_CELL.sub("|", line)
        found = [name for name, pattern in REPORT_BANNED.items() if pattern.search(prose)]
        if found:
            bad.setdefault(line[:160], found)
    return bad


def _officer_part(text: str, appendix: str) -> str:
    """The report without its audit appendix (where field paths, hashes and ids belong)."""
    assert appendix in text
    return text[:text.index(appendix)]


@pytest.fixture(scope="module")
def zh_reports() -> dict[str, str]:
    from click.testing import CliRunner

    from legalcheck._cli import cli

    out = {}
    for fmt in ("text", "markdown", "html"):
        result = CliRunner().invoke(cli, ["check", str(ROOT / "examples"), "--as-of", "2025-11-28", "--format", fmt,
                                          "--engine", "native", "--jobs", "1"])
        out[fmt] = result.output
    return out


def test_chinese_text_report_reads_as_official_chinese(zh_reports: dict[str, str]) -> None:
    text = zh_reports["text"]
    assert "第1项事件（收到，2025年6月3日，临江市河西区信访局）" in text
    assert not zh_report_problems(text), zh_report_problems(text)


def test_chinese_markdown_report_reads_as_official_chinese(zh_reports: dict[str, str]) -> None:
    body = _officer_part(zh_reports["markdown"], "## 附录：核查信息")
    assert not zh_report_problems(body), zh_report_problems(body)


def test_chinese_html_report_reads_as_official_chinese(zh_reports: dict[str, str]) -> None:
    page = _officer_part(zh_reports["html"], '<section class="appendix"')
    page = re.sub(r"<style>.*?</style>", "", page, flags=re.S)
    page = re.sub(r"<td[^>]*>(\d{4}-\d{2}-\d{2})</td>", "", page)  # date columns may stay ISO
    text = re.sub(r"<[^>]+>", "\n", page)
    assert "第1项事件（收到，2025年6月3日，临江市河西区信访局）" in text and "原届满日（未顺延）" in text
    assert not zh_report_problems(text), zh_report_problems(text)


def test_an_extended_or_rolled_over_period_is_not_read_as_ending_on_the_later_date() -> None:
    """60日 extended by 30: the sentence says 90 in all; a roll-over names the original due date first."""
    extended = Deadline(start=dt.date(2025, 4, 7), period="60d", unit="calendar_days", amount=60, extension_days=30,
                        strict_due=dt.date(2025, 7, 6), effective_due=dt.date(2025, 7, 7),
                        rolled_due=dt.date(2025, 7, 7), roll_over=True, actual=dt.date(2025, 7, 9),
                        as_of=dt.date(2025, 12, 1), status="late", days_late=2)
    assert deadline_summary(extended, "zh") == (
        "60日，延长30日，共90日，自2025年4月7日起算，原届满日（未顺延）为2025年7月6日，因末日为法定休假日顺延至2025年7月7日；"
        "实际完成日为2025年7月9日，逾期2日")
    assert deadline_summary(extended, "en") == (
        "60 days, extended by 30 days (90 days in all) from 7 April 2025, due 6 July 2025, rolled over to "
        "7 July 2025 because that day was a rest day; done on 9 July 2025, 2 days late")
    assert not problems(deadline_summary(extended, "zh"))
