"""What officer-facing formats say about events and deadlines, in the vocabulary's words.

An event is named as people name it, "第10项事件（请求复查，2025年7月18日，清河县人民政府）", not
by its field path; the path (``events[9]``) goes to the audit appendix. A deadline is one
sentence that says where the period started, how long it ran (extension included) and where
it ended, so that "60日" is never read as ending on an extended or rolled-over date.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from .._batch.pool import Summary
from .._core.vocabulary import (
    Lang,
    bi,
    date_text,
    days_text,
    joined,
    period_text,
    say,
    status_label,
    weekday_text,
    word,
)
from .._model.case import event_label
from .._model.findings import Citation, Deadline, EventRef, PendingObligation, Report

_INDEX = re.compile(r"^events\[(\d+)\]")


def agency_label(event: EventRef) -> str:
    return event.agency_name or event.agency


def event_number(event: EventRef) -> int | None:
    """The event's place in the file, counted from 1 as people count (``events[9]`` is the 10th)."""
    match = _INDEX.match(event.path)
    return int(match.group(1)) + 1 if match else None


def event_name(event: EventRef, lang: Lang) -> str:
    """第10项事件（请求复查，2025年7月18日，清河县人民政府） / event 10 (review requested, 18 July 2025, …)."""
    number = event_number(event)
    return say("event_name", lang, number=number if number is not None else "?", kind=event_label(event.kind, lang),
               date=date_text(event.date, lang), agency=agency_label(event))


def event_short(event: EventRef, lang: Lang) -> str:
    """第10项事件 / event 10: for tables whose other columns carry the kind, date and agency."""
    number = event_number(event)
    return say("event_name_short", lang, number=number if number is not None else "?")


def deadline_period(deadline: Deadline, lang: Lang) -> str:
    """The period as counted: 60日，延长30日，共90日 / 5个工作日（不计入2日）."""
    period = period_text(deadline.amount, deadline.unit, lang)
    if deadline.excluded_days:
        period = say("period_excluding", lang, period=period, excluded=days_text(len(deadline.excluded_days), lang))
    if deadline.extension_days:
        extension = days_text(deadline.extension_days, lang)
        if deadline.unit == "calendar_days" and deadline.amount is not None:
            return say("period_with_total", lang, period=period, extension=extension,
                       total=days_text(deadline.amount + deadline.extension_days, lang))
        return say("period_with_extension", lang, period=period, extension=extension)
    return period


def deadline_outcome(deadline: Deadline, lang: Lang) -> str:
    """How the period ended: done on a date (late by N days), or open on the as-of date."""
    if deadline.actual is not None:
        if deadline.days_late:
            return say("outcome_done_late", lang, actual=date_text(deadline.actual, lang),
                       late=days_text(deadline.days_late, lang))
        return say("outcome_done", lang, actual=date_text(deadline.actual, lang))
    as_of = date_text(deadline.as_of, lang)
    if deadline.days_late:
        return say("outcome_open_late", lang, as_of=as_of, late=days_text(deadline.days_late, lang))
    if deadline.days_left is not None:
        return say("outcome_open_left", lang, as_of=as_of, left=days_text(deadline.days_left, lang))
    return say("outcome_open", lang, as_of=as_of)


def deadline_summary(deadline: Deadline, lang: Lang) -> str:
    """期限：60日，延长30日，共90日，自2025年4月7日起算，至2025年7月6日届满；实际完成日为…，逾期2日."""
    if deadline.rolled_due is not None and deadline.rolled_due != deadline.strict_due:
        due_clause = say("due_clause_rolled", lang, strict=date_text(deadline.strict_due, lang),
                         due=date_text(deadline.rolled_due, lang))
    else:
        due_clause = say("due_clause", lang, due=date_text(deadline.effective_due, lang))
    return say("deadline_summary", lang, period=deadline_period(deadline, lang),
               start=date_text(deadline.start, lang), due_clause=due_clause,
               outcome=deadline_outcome(deadline, lang))


def deadline_rows(deadline: Deadline, lang: Lang) -> list[tuple[str, str]]:
    """The deadline arithmetic as (label, value) rows, complete enough to recompute by hand."""
    dash = "—"
    holidays = word("list_sep", lang).join(say("dated_name", lang, date=date_text(day, lang), name=bi(name, lang))
                                           for day, name in deadline.holidays_crossed) or dash
    rows = [
        (word("start", lang), date_text(deadline.start, lang)),
        (word("period", lang), period_text(deadline.amount, deadline.unit, lang)),
        (word("excluded", lang), word("list_sep", lang).join(date_text(d, lang) for d in deadline.excluded_days)
         or dash),
        (word("extension", lang), days_text(deadline.extension_days, lang) if deadline.extension_days else dash),
        (word("holidays", lang), holidays),
        (word("adjusted_working_days", lang),
         word("list_sep", lang).join(date_text(d, lang) for d in deadline.adjusted_working_days) or dash),
        (word("strict_due", lang), date_text(deadline.strict_due, lang)),
        (word("rolled_due", lang), date_text(deadline.rolled_due, lang) if deadline.rolled_due else dash),
        (word("effective_due", lang), date_text(deadline.effective_due, lang)),
        (word("roll_over", lang), word("on" if deadline.roll_over else "off", lang)),
    ]
    if deadline.actual is not None:
        rows.append((word("actual", lang), date_text(deadline.actual, lang)))
    else:
        rows.append((word("open_as_of", lang), date_text(deadline.as_of, lang)))
    if deadline.days_late is not None:
        rows.append((word("days_late", lang), days_text(deadline.days_late, lang)))
    if deadline.days_left is not None:
        rows.append((word("days_left", lang), days_text(deadline.days_left, lang)))
    rows.append((word("outcome", lang), status_label(deadline.status, lang)))
    return rows


def citation_text(citation: Citation, lang: Lang) -> str:
    """The provision's words in ``lang``: our English where we have it, else the official Chinese."""
    translated: str | None = getattr(citation, f"text_{lang}")
    return translated or citation.text_zh


def summary_text(summary: Summary, lang: Lang) -> str:
    """共2件案件：已检查2件，无法读取0件；违规3项（，无法确定1项）."""
    text = say("batch_summary", lang, found=summary.found, checked=summary.checked, rejected=summary.rejected,
               violations=summary.violations)
    if summary.undetermined:
        text += say("batch_summary_undetermined", lang, undetermined=summary.undetermined)
    return text


def receipt_rows(report: Report, lang: Lang) -> list[tuple[str, str]]:
    """What is needed to reproduce the report: versions, hashes and the settings that decide it."""
    dash = "—"
    rows = [
        (word("version", lang), report.legalcheck_version),
        (word("engine", lang), report.engine),
        (word("ruleset_version", lang), report.ruleset_version),
        (word("ruleset_sha", lang), report.ruleset_sha256),
    ]
    rows.extend((f"{word('regulation_sha', lang)} {instrument}", digest)
                for instrument, digest in report.regulations_sha256)
    if not report.regulations_sha256:
        rows.append((word("regulation_sha", lang), dash))
    rows += [
        (word("calendar_sha", lang), report.calendar_sha256 or dash),
        (word("input_sha", lang), report.source_sha256 or dash),
        (word("source", lang), report.source or dash),
        (word("as_of", lang), str(report.as_of)),
        (word("roll_over", lang), word("on" if report.roll_over else "off", lang)),
        (word("pack", lang), ", ".join(report.packs) or dash),
    ]
    return rows


def citations_text(citations: tuple[Citation, ...], lang: Lang) -> str:
    return joined([getattr(c.label, lang) for c in citations], lang)


@dataclass(frozen=True)
class AuditRow:
    """Where a finding, an undetermined obligation or a docket entry comes from in the file."""

    rule_id: str
    rule_name: str
    what: str  # severity, undetermined or pending, in words
    events: tuple[str, ...]  # field paths of the events it rests on
    fields: tuple[str, ...]  # field paths (with values) it read, or the missing ones
    readings: tuple[str, ...]  # reading ids


def audit_rows(report: Report, lang: Lang) -> list[AuditRow]:
    rows = [AuditRow(f.rule_id, f.rule_name, word(f.severity, lang), tuple(e.path for e in f.events),
                     tuple(f"{ref.path} = {ref.value}" for ref in f.fields), f.readings) for f in report.findings]
    rows += [AuditRow(u.rule_id, u.rule_name, word("undetermined", lang), (u.event.path,) if u.event else (),
                      tuple(f"{m.path} ({word('missing_facts', lang)})" for m in u.missing), ())
             for u in report.undetermined]
    rows += [AuditRow(p.rule_id, p.rule_name, word("pending", lang), (p.trigger.path,), (), ())
             for p in report.pending]
    return rows


def due_text(pending: PendingObligation, lang: Lang) -> tuple[str, str]:
    """(due date with its weekday, days left) of an obligation on the docket."""
    if pending.due is None:
        return word("no_period", lang), "—"
    left = days_text(pending.days_left, lang) if pending.days_left is not None else "—"
    return say("date_weekday", lang, date=date_text(pending.due, lang), weekday=weekday_text(pending.due, lang)), left


def instruments_text(report: Report, lang: Lang) -> str:
    """The instruments that governed, by their short titles (《信访工作条例》); ids where no title is known."""
    titles: dict[str, str] = {g.instrument: getattr(g.title, lang) for g in report.governing}
    for citation in _all_citations(report):
        titles.setdefault(citation.instrument, getattr(citation.instrument_title, lang))
    return joined([titles.get(i, i) for i in report.instruments], lang) or "—"


def _all_citations(report: Report) -> Iterator[Citation]:
    for finding in report.findings:
        yield from finding.citations
    for pending in report.pending:
        yield from pending.citations
    for undetermined in report.undetermined:
        yield from undetermined.citations
