"""Plain-text reporter for the terminal: per case, each finding with its article and dates."""

from __future__ import annotations

from typing import TextIO

from ..._batch.pool import BatchItem, Summary
from ..._core.errors import InputError
from ..._core.vocabulary import MARKS, Lang, bi, date_text, days_text, joined, say, weekday_text, word
from ..._model.findings import Citation, Finding, PendingObligation, Report, Undetermined
from ..governance import governing_sentences, reading_titles
from ..neutral import neutralise
from ..phrases import citation_text, deadline_summary, event_name, instruments_text, receipt_rows, summary_text
from ..registry import Reporter


def _labels(citations: tuple[Citation, ...], lang: Lang) -> str:
    return joined([bi(c.label, lang) for c in citations], lang)


def render_finding(finding: Finding, lang: Lang, *, verbose: bool = False, audit: bool = False) -> list[str]:
    colon = word("colon", lang)
    lines = [f"  {MARKS[finding.severity]} {word(finding.severity, lang)} {finding.rule_id}{colon}"
             f"{bi(finding.title, lang)}",
             f"    {_labels(finding.citations, lang)}"]
    if finding.liability:
        lines[-1] += f" · {word('liability', lang)}{colon}{_labels(finding.liability, lang)}"
    lines.append(f"    {bi(finding.message, lang)}")
    if finding.deadline is not None:
        lines.append(f"    {word('deadline_short', lang)}{colon}{deadline_summary(finding.deadline, lang)}")
    if finding.events:
        lines.append(f"    {word('events_short', lang)}{colon}"
                     + word("sep", lang).join(event_name(e, lang) for e in finding.events))
    if finding.pack is not None and finding.overrides:
        lines.append(f"    {word('displaces', lang)}{colon}{joined(list(finding.overrides), lang)} ({finding.pack})")
    if verbose:
        for citation in finding.citations:
            text = citation_text(citation, lang)
            lines.extend(f"    » {paragraph}" for paragraph in text.split("\n"))  # the law's own paragraphs
        if finding.deadline is not None:
            lines.extend(f"      - {bi(step, lang)}" for step in finding.deadline.steps)
    if audit:
        lines.extend(_audit_lines(finding.rule_name, [e.path for e in finding.events],
                                  [f"{f.path} = {f.value}" for f in finding.fields], finding.readings, lang))
    return lines


def _audit_lines(rule_name: str, events: list[str], fields: list[str], readings: tuple[str, ...],
                 lang: Lang) -> list[str]:
    """What an auditor needs to trace a finding to the file: the rule's name, field paths, reading ids."""
    parts = [rule_name, *events, *fields, *(f"{word('reading_id', lang)} {r}" for r in readings)]
    return [f"    ⌁ {' · '.join(parts)}"]


def _pending_line(item: PendingObligation, lang: Lang) -> str:
    if item.due is None:
        due = word("no_period", lang)
    else:
        due = say("due_with_left", lang, due=date_text(item.due, lang), weekday=weekday_text(item.due, lang),
                  left=days_text(item.days_left or 0, lang))
    return (f"  · {word('pending', lang)} {item.rule_id}{word('colon', lang)}{bi(item.title, lang)} — {due}"
            f"（{event_name(item.trigger, lang)}）")


def render_undetermined(item: Undetermined, lang: Lang, *, audit: bool = False) -> list[str]:
    """An obligation the file cannot decide: the rule, its article, what is missing and what to record."""
    colon = word("colon", lang)
    lines = [f"  ? {word('undetermined', lang)} {item.rule_id}{colon}{bi(item.title, lang)}",
             f"    {_labels(item.citations, lang)}",
             f"    {bi(item.message, lang)}"]
    if item.event is not None:
        lines.append(f"    {word('events_short', lang)}{colon}{event_name(item.event, lang)}")
    lines.append(f"    {word('to_record', lang)}{colon}{bi(item.record, lang)}")
    if audit:
        lines.extend(_audit_lines(item.rule_name, [item.event.path] if item.event else [],
                                  [m.path for m in item.missing], (), lang))
    return lines


def render_report(report: Report, lang: Lang, *, verbose: bool = False, audit: bool = False) -> str:
    c = report.counts
    head = (f"{report.source or report.case_id}  {word('case', lang)} {report.case_id}  "
            f"{word('as_of', lang)} {date_text(report.as_of, lang)}  "
            f"{word('under', lang)} {instruments_text(report, lang)}  "
            f"[{word('violation', lang)} {c.violation} · {word('warning', lang)} {c.warning} · "
            f"{word('notice', lang)} {c.notice} · {word('pending', lang)} {c.pending} · "
            f"{word('undetermined', lang)} {c.undetermined}]")
    lines = [head, *_governing_lines(report, lang)]
    for finding in report.findings:
        lines.extend(render_finding(finding, lang, verbose=verbose, audit=audit))
    for undetermined in report.undetermined:
        lines.extend(render_undetermined(undetermined, lang, audit=audit))
    lines.extend(_pending_line(p, lang) for p in report.pending)
    if not report.findings and not report.pending and not report.undetermined:
        lines.append(f"  {word('no_findings', lang)}")
    if audit:
        lines.extend(f"  ⌁ {key}{word('colon', lang)}{value}" for key, value in receipt_rows(report, lang))
    # Each line is one line: a newline or escape sequence from the case is shown, never obeyed.
    return "\n".join(map(neutralise, lines)) + "\n"


def _governing_lines(report: Report, lang: Lang) -> list[str]:
    """Which instruments governed and the readings the report relied on (also when clean)."""
    colon = word("colon", lang)
    lines = [f"  {word('governing_h', lang)}{colon}{sentence}" for sentence in governing_sentences(report, lang)]
    if report.selection_readings:
        lines.append(f"  {word('selection_readings', lang)}{colon}"
                     + joined(reading_titles(report, report.selection_readings, lang), lang))
    if report.standing_readings:
        lines.append(f"  {word('standing_readings', lang)}{colon}"
                     + joined(reading_titles(report, report.standing_readings, lang), lang))
    return lines


def render_item(item: BatchItem, lang: Lang, *, verbose: bool = False, audit: bool = False) -> str:
    if item.report is not None:
        return render_report(item.report, lang, verbose=verbose, audit=audit)
    assert item.error is not None
    label = word("input_error" if isinstance(item.error, InputError) else "internal_error", lang)
    if isinstance(item.error, InputError):
        return "".join(neutralise(say("problem_line", lang, where=p.location, label=label, message=p.text(lang)))
                       + "\n" for p in item.error.problems)
    return neutralise(say("problem_line", lang, where=item.source, label=label, message=item.error)) + "\n"


def render_summary(summary: Summary, lang: Lang) -> str:
    return summary_text(summary, lang) + "\n"


class TextReporter(Reporter):
    """Plain text, one block per case, then the batch summary."""

    name = "text"
    order = 0
    streams = True

    def render_item(self, item: BatchItem, lang: Lang, *, verbose: bool = False, audit: bool = False) -> str:
        return render_item(item, lang, verbose=verbose, audit=audit)

    def write_end(self, summary: Summary, lang: Lang, stream: TextIO) -> None:
        stream.write(render_summary(summary, lang))
        if summary.reasons:
            stream.write(summary.reasons_text(lang) + "\n")
        if summary.skipped:  # every directory entry is accounted for: checked, rejected or skipped
            stream.write(summary.skipped_text(lang) + "\n")


REPORTER = TextReporter()
