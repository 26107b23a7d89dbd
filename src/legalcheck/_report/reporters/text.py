"""Plain-text reporter for the terminal: per case, each finding with its article and dates."""

from __future__ import annotations

from typing import TextIO

from ..._batch.pool import BatchItem, Summary
from ..._core.errors import InputError
from ..._core.vocabulary import MARKS, Lang, bi, word
from ..._model.findings import Deadline, Finding, PendingObligation, Report, Undetermined
from ..governance import governing_sentences
from ..neutral import neutralise
from ..registry import Reporter


def _deadline_line(deadline: Deadline, lang: Lang) -> str:
    period = deadline.period if deadline.unit != "designated" else ("指定期限" if lang == "zh" else "designated date")
    parts = [f"{word('deadline_short', lang)}: {period}", f"{deadline.start} → {deadline.strict_due}"]
    if deadline.rolled_due is not None:
        parts.append(("顺延至 " if lang == "zh" else "rolled over to ") + str(deadline.rolled_due))
    if deadline.excluded_days:
        parts.append(("不计入 " if lang == "zh" else "excluded ") + f"{len(deadline.excluded_days)}")
    if deadline.extension_days:
        parts.append(("延长 " if lang == "zh" else "extended ") + f"{deadline.extension_days}")
    if deadline.actual is not None:
        parts.append(("实际 " if lang == "zh" else "done ") + str(deadline.actual))
    else:
        parts.append(("未完成，截至 " if lang == "zh" else "open as of ") + str(deadline.as_of))
    if deadline.days_late:
        parts.append(("逾期 " if lang == "zh" else "late by ") + f"{deadline.days_late}")
    return " · ".join(parts)


def render_finding(finding: Finding, lang: Lang, *, verbose: bool = False) -> list[str]:
    cite = "、".join(c.label.zh for c in finding.citations) if lang == "zh" else "; ".join(
        c.label.en for c in finding.citations)
    lines = [f"  {MARKS[finding.severity]} {word(finding.severity, lang)} {finding.rule_id} {finding.rule_name}: "
             f"{bi(finding.title, lang)}",
             f"    {cite}"]
    if finding.liability:
        liability = "、".join(c.label.zh for c in finding.liability) if lang == "zh" else "; ".join(
            c.label.en for c in finding.liability)
        lines[-1] += f" · {word('liability', lang)}: {liability}"
    lines.append(f"    {bi(finding.message, lang)}")
    if finding.deadline is not None:
        lines.append(f"    {_deadline_line(finding.deadline, lang)}")
    if finding.events:
        lines.append(f"    {word('events_short', lang)}: " + "; ".join(
            f"{e.path} {e.kind} {e.date} {e.agency_name or e.agency}" for e in finding.events))
    if finding.pack is not None and finding.overrides:
        lines.append(f"    {word('displaces', lang)}: {', '.join(finding.overrides)} ({finding.pack})")
    if verbose:
        for citation in finding.citations:
            text = citation.text_zh if lang == "zh" or not citation.text_en else citation.text_en
            lines.extend(f"    » {paragraph}" for paragraph in text.split("\n"))  # the law's own paragraphs
        if finding.deadline is not None:
            lines.extend(f"      - {bi(step, lang)}" for step in finding.deadline.steps)
    return lines


def _pending_line(item: PendingObligation, lang: Lang) -> str:
    due = (f"{word('due', lang)} {item.due} ({word('days_left', lang)} {item.days_left})"
           if item.due is not None else word("no_period", lang))
    return f"  · {word('pending', lang)} {item.rule_id}: {bi(item.title, lang)} — {due}"


def render_undetermined(item: Undetermined, lang: Lang) -> list[str]:
    """An obligation the file cannot decide: the rule, its article, what is missing and what to record."""
    cite = "、".join(c.label.zh for c in item.citations) if lang == "zh" else "; ".join(
        c.label.en for c in item.citations)
    lines = [f"  ? {word('undetermined', lang)} {item.rule_id} {item.rule_name}: {bi(item.title, lang)}",
             f"    {cite}",
             f"    {bi(item.message, lang)}"]
    if item.event is not None:
        lines.append(f"    {word('events_short', lang)}: {item.event.path} {item.event.kind} {item.event.date} "
                     f"{item.event.agency_name or item.event.agency}")
    lines.append(f"    {word('missing_facts', lang)}: " + ", ".join(m.path for m in item.missing))
    return lines


def render_report(report: Report, lang: Lang, *, verbose: bool = False) -> str:
    c = report.counts
    head = (f"{report.source or report.case_id}  {word('case', lang)} {report.case_id}  "
            f"{word('as_of', lang)} {report.as_of}  "
            f"{word('under', lang)} {', '.join(report.instruments) or '—'}  "
            f"[{word('violation', lang)} {c.violation} · {word('warning', lang)} {c.warning} · "
            f"{word('notice', lang)} {c.notice} · {word('pending', lang)} {c.pending} · "
            f"{word('undetermined', lang)} {c.undetermined}]")
    lines = [head, *_governing_lines(report, lang)]
    for finding in report.findings:
        lines.extend(render_finding(finding, lang, verbose=verbose))
    for undetermined in report.undetermined:
        lines.extend(render_undetermined(undetermined, lang))
    lines.extend(_pending_line(p, lang) for p in report.pending)
    if not report.findings and not report.pending and not report.undetermined:
        lines.append(f"  {word('no_findings', lang)}")
    # Each line is one line: a newline or escape sequence from the case is shown, never obeyed.
    return "\n".join(map(neutralise, lines)) + "\n"


def _governing_lines(report: Report, lang: Lang) -> list[str]:
    """Which instruments governed and the readings the report relied on (also when clean)."""
    lines = [f"  {word('governing_h', lang)}: {sentence}" for sentence in governing_sentences(report, lang)]
    if report.selection_readings:
        lines.append(f"  {word('selection_readings', lang)}: " + ", ".join(report.selection_readings))
    return lines


def render_item(item: BatchItem, lang: Lang, *, verbose: bool = False) -> str:
    if item.report is not None:
        return render_report(item.report, lang, verbose=verbose)
    assert item.error is not None
    label = word("input_error" if isinstance(item.error, InputError) else "internal_error", lang)
    if isinstance(item.error, InputError):
        return "".join(neutralise(f"{p.location}: {label}: {p.text(lang)}") + "\n" for p in item.error.problems)
    return neutralise(f"{item.source}: {label}: {item.error}") + "\n"


def render_summary(summary: Summary, lang: Lang) -> str:
    if lang == "zh":
        return (f"共 {summary.found} 个案件：已检查 {summary.checked}，拒收 {summary.rejected}；"
                f"违规 {summary.violations} 项"
                + (f"，无法确定 {summary.undetermined} 项" if summary.undetermined else "") + "\n")
    return (f"{summary.found} case(s): {summary.checked} checked, {summary.rejected} rejected; "
            f"{summary.violations} violation(s)"
            + (f", {summary.undetermined} undetermined" if summary.undetermined else "") + "\n")


class TextReporter(Reporter):
    """Plain text, one block per case, then the batch summary."""

    name = "text"
    order = 0
    streams = True

    def render_item(self, item: BatchItem, lang: Lang, *, verbose: bool = False) -> str:
        return render_item(item, lang, verbose=verbose)

    def write_end(self, summary: Summary, lang: Lang, stream: TextIO) -> None:
        stream.write(render_summary(summary, lang))
        if summary.reasons:
            stream.write(summary.reasons_text(lang) + "\n")
        if summary.skipped:  # every directory entry is accounted for: checked, rejected or skipped
            stream.write(summary.skipped_text(lang) + "\n")


REPORTER = TextReporter()
