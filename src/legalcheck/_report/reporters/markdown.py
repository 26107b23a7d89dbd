"""Markdown reporter for legal staff, and the report vocabulary the HTML reporter shares.

Per case: a summary line, the case particulars, findings grouped by severity (each with
its article quoted, the liability provision, the evidence and the deadline arithmetic),
the docket of pending obligations, the readings applied and the receipt. With several
inputs a batch summary comes first. Renderers only read the report; nothing legal is
computed here.

Every piece of case text is escaped (``md``): a Markdown viewer renders raw HTML, so a
petition containing ``<script>`` must not become markup, and a ``|`` must not break a table.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from ..._batch.pool import BatchItem, Summary
from ..._core.errors import InputError
from ..._core.vocabulary import (
    COUNT_HEADINGS,
    COUNT_KEYS,
    MARKS,
    SEVERITIES,
    Lang,
    bi,
    category_label,
    channel_label,
    status_label,
    word,
)
from ..._model.case import Case, event_label
from ..._model.findings import Citation, Deadline, EventRef, Finding, PendingObligation, Report
from ..governance import governing_sentences
from ..neutral import neutralise_inline
from ..registry import Destination, Reporter


def agency_label(event: EventRef) -> str:
    return event.agency_name or event.agency


def period_label(deadline: Deadline, lang: Lang) -> str:
    if deadline.unit == "designated" or deadline.amount is None:
        return "交办时指定的办理期限" if lang == "zh" else "period designated on assignment"
    if deadline.unit == "working_days":
        return f"{deadline.amount}个工作日" if lang == "zh" else f"{deadline.amount} working days"
    return f"{deadline.amount}日" if lang == "zh" else f"{deadline.amount} days"


def deadline_rows(deadline: Deadline, lang: Lang) -> list[tuple[str, str]]:
    """The deadline arithmetic as (label, value) rows, complete enough to recompute by hand."""
    dash = "—"
    holidays = ", ".join(f"{day} {name}" for day, name in deadline.holidays_crossed) or dash
    rows = [
        (word("start", lang), str(deadline.start)),
        (word("period", lang), f"{period_label(deadline, lang)} ({deadline.period})"),
        (word("excluded", lang), ", ".join(str(d) for d in deadline.excluded_days) or dash),
        (word("extension", lang), str(deadline.extension_days) if deadline.extension_days else dash),
        (word("holidays", lang), holidays),
        (word("strict_due", lang), str(deadline.strict_due)),
        (word("rolled_due", lang), str(deadline.rolled_due) if deadline.rolled_due else dash),
        (word("effective_due", lang), str(deadline.effective_due)),
        (word("roll_over", lang), word("on" if deadline.roll_over else "off", lang)),
    ]
    if deadline.actual is not None:
        rows.append((word("actual", lang), str(deadline.actual)))
    else:
        rows.append((word("open_as_of", lang), str(deadline.as_of)))
    if deadline.days_late is not None:
        rows.append((word("days_late", lang), str(deadline.days_late)))
    if deadline.days_left is not None:
        rows.append((word("days_left", lang), str(deadline.days_left)))
    rows.append((word("outcome", lang), status_label(deadline.status, lang)))
    return rows


def receipt_rows(report: Report, lang: Lang) -> list[tuple[str, str]]:
    """What is needed to reproduce the report: versions, hashes and the settings that decide it."""
    dash = "—"
    rows = [
        (word("version", lang), report.legalcheck_version),
        (word("engine", lang), report.engine),
        (word("ruleset_version", lang), report.ruleset_version),
        (word("ruleset_sha", lang), report.ruleset_sha256),
    ]
    rows.extend((f"{word('regulation_sha', lang)}: {instrument}", digest)
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


def counts_text(report: Report, lang: Lang) -> str:
    c = report.counts
    return " · ".join(f"{word(key, lang)} {getattr(c, key)}" for key in COUNT_KEYS)


def instruments_text(report: Report, lang: Lang) -> str:
    """The instruments that governed, by their short titles where a finding carries them."""
    titles: dict[str, str] = {g.instrument: bi(g.title, lang) for g in report.governing}
    for citation in _all_citations(report):
        titles.setdefault(citation.instrument, bi(citation.instrument_title, lang))
    return ", ".join(f"{titles[i]} ({i})" if i in titles else i for i in report.instruments) or "—"


def _all_citations(report: Report) -> Iterable[Citation]:
    for finding in report.findings:
        yield from finding.citations
    for pending in report.pending:
        yield from pending.citations
    for undetermined in report.undetermined:
        yield from undetermined.citations


def due_text(pending: PendingObligation, lang: Lang) -> tuple[str, str]:
    """(due date, days left) of an obligation on the docket."""
    if pending.due is None:
        return word("no_period", lang), "—"
    return str(pending.due), str(pending.days_left) if pending.days_left is not None else "—"


def event_text(event: EventRef, lang: Lang) -> str:
    return f"{event.path} {event_label(event.kind, lang)} {event.date} {agency_label(event)}"


def findings_by_severity(report: Report) -> list[tuple[str, list[Finding]]]:
    return [(s, [f for f in report.findings if f.severity == s]) for s in SEVERITIES
            if any(f.severity == s for f in report.findings)]


def case_anchor(position: int) -> str:
    """The anchor of the case at ``position`` (1-based) in the input: case ids are free text, positions are not."""
    return f"case-{position}"


def petitioner_names(case: Case, lang: Lang) -> str:
    names = [(p.name or "—") + (f" ({word('organization', lang)})" if p.organization else "")
             for p in case.petitioners]
    return ", ".join(names) or "—"


def particulars_rows(case: Case, lang: Lang) -> list[tuple[str, str]]:
    """What the case is about. Addresses, ID numbers and phones are left out: the checks do not need them."""
    rows = [(word("title", lang), case.title or "—"),
            (word("category", lang), category_label(case.category.value, lang)),
            (word("channel", lang), channel_label(case.channel.value, lang)),
            (word("petitioners", lang), petitioner_names(case, lang)),
            (word("headcount", lang), str(case.headcount)),
            (word("status", lang), word("closed" if case.status == "closed" else "open", lang))]
    for key in ("request", "facts", "reasons"):
        value = getattr(case.content, key)
        if value:
            rows.append((word(key, lang), value))
    return rows


@dataclass(frozen=True)
class ChronologyRow:
    path: str
    date: dt.date
    kind: str
    agency: str
    note: str


def chronology(case: Case, as_of: dt.date, lang: Lang) -> tuple[list[ChronologyRow], int]:
    """The case's events known on the as-of date, oldest first, and how many later ones were left out.

    Later events are left out because the checks did not see them either.
    """
    def name(agency_id: str) -> str:
        agency = case.agency(agency_id)
        return agency.name if agency is not None else agency_id

    rows: list[tuple[tuple[dt.date, int], ChronologyRow]] = []
    for index, event in enumerate(case.events):
        if event.date > as_of:
            continue
        target = getattr(event, "to", None)
        kind = event_label(event.kind, lang) + (f" → {name(target)}" if isinstance(target, str) else "")
        rows.append(((event.date, index), ChronologyRow(f"events[{index}]", event.date, kind, name(event.agency),
                                                        event.note or "")))
    rows.sort(key=lambda r: r[0])
    return [row for _, row in rows], len(case.events) - len(rows)


# --- the batch summary ---------------------------------------------------------------------------


@dataclass
class Tally:
    violation: int = 0
    warning: int = 0
    notice: int = 0
    pending: int = 0
    undetermined: int = 0
    cases: set[int] = field(default_factory=set)

    def add(self, severity: str, position: int) -> None:
        setattr(self, severity, getattr(self, severity) + 1)
        self.cases.add(position)

    def cells(self) -> list[str]:
        return [str(self.violation), str(self.warning), str(self.notice), str(self.pending), str(self.undetermined),
                str(len(self.cases))]


@dataclass(frozen=True)
class ErrorRow:
    file: str
    line: str
    column: str
    field: str
    message: str
    kind: Literal["input_error", "internal_error"]


@dataclass
class BatchTables:
    by_rule: list[tuple[str, str, Tally]]  # (rule id, title, tally), by rule id
    by_agency: list[tuple[str, Tally]]  # (agency label, tally), most violations first
    ranked: list[tuple[int, Report]]  # (1-based position in the input, report), most serious first
    errors: list[ErrorRow]


def _rank_key(entry: tuple[int, Report]) -> tuple[int, ...]:
    position, report = entry
    c = report.counts
    return (-c.violation, -c.undetermined, -c.warning, -c.notice, -c.pending, position)


def tabulate(items: Sequence[BatchItem], lang: Lang) -> BatchTables:
    """Counts per rule and per agency, the cases ranked by seriousness, and the rejected inputs."""
    rules: dict[str, tuple[str, Tally]] = {}
    agencies: dict[str, Tally] = {}
    ranked: list[tuple[int, Report]] = []
    errors: list[ErrorRow] = []
    for position, item in enumerate(items, 1):
        if item.report is None:
            errors.extend(error_rows(item))
            continue
        report = item.report
        ranked.append((position, report))
        for finding in report.findings:
            rules.setdefault(finding.rule_id, (bi(finding.title, lang), Tally()))[1].add(finding.severity, position)
            # A finding belongs to the agency of its first event (the trigger or the forbidden act).
            who = agency_label(finding.events[0]) if finding.events else word("whole_case", lang)
            agencies.setdefault(who, Tally()).add(finding.severity, position)
        for pending in report.pending:
            rules.setdefault(pending.rule_id, (bi(pending.title, lang), Tally()))[1].add("pending", position)
            agencies.setdefault(agency_label(pending.trigger), Tally()).add("pending", position)
        for undetermined in report.undetermined:
            rules.setdefault(undetermined.rule_id, (bi(undetermined.title, lang), Tally()))[1].add("undetermined",
                                                                                                   position)
            who = agency_label(undetermined.event) if undetermined.event else word("whole_case", lang)
            agencies.setdefault(who, Tally()).add("undetermined", position)
    by_rule = [(rule_id, title, tally) for rule_id, (title, tally) in sorted(rules.items())]
    by_agency = sorted(agencies.items(), key=lambda kv: (-kv[1].violation, -kv[1].undetermined, -kv[1].warning,
                                                          -kv[1].notice,
                                                          -kv[1].pending, kv[0]))
    return BatchTables(by_rule, by_agency, sorted(ranked, key=_rank_key), errors)


def error_rows(item: BatchItem) -> list[ErrorRow]:
    error = item.error
    if isinstance(error, InputError):
        return [ErrorRow(loc.file or item.source, loc.cell or ("" if loc.line is None else str(loc.line)),
                         "" if loc.column is None else str(loc.column), loc.field or "", message, "input_error")
                for loc, message in ((p.location, p.message) for p in error.problems)]
    return [ErrorRow(item.source, "", "", "", str(error), "internal_error")]


def as_of_dates(items: Sequence[BatchItem]) -> list[dt.date]:
    return sorted({item.report.as_of for item in items if item.report is not None})


def summary_text(summary: Summary, lang: Lang) -> str:
    if lang == "zh":
        return (f"共 {summary.found} 个输入：已检查 {summary.checked}，拒收 {summary.rejected}；"
                f"违规 {summary.violations} 项"
                + (f"，无法确定 {summary.undetermined} 项" if summary.undetermined else ""))
    return (f"{summary.found} input(s): {summary.checked} checked, {summary.rejected} rejected; "
            f"{summary.violations} violation(s)"
            + (f", {summary.undetermined} undetermined" if summary.undetermined else ""))


# --- Markdown --------------------------------------------------------------------------------------

_MD_INLINE = re.compile(r"([\\`*_\[\]|~])")
# What would open a heading or a list at the start of a line: "# ", "- ", "+ ", "1. ", "1) ".
_MD_BLOCK_START = re.compile(r"^(\s*)([#+-](?=\s|$)|\d+(?=[.)](?:\s|$)))")


def md(text: object) -> str:
    """Case text as inert Markdown.

    HTML metacharacters become entities (Markdown viewers pass raw HTML through), inline
    syntax is backslash-escaped, and a leading ``#``, ``-`` or ``1.`` cannot start a heading
    or a list. Newlines become ``<br>`` (our markup, not the input's) so that a value can
    neither end a table row nor begin a block of its own. Quotes stay as they are: no case
    text goes into an attribute here.
    """
    escaped = _MD_INLINE.sub(r"\\\1", html.escape(neutralise_inline(str(text)), quote=False))
    lines = [_MD_BLOCK_START.sub(_escape_block_start, line) for line in escaped.splitlines() or [""]]
    return "<br>".join(lines)


def _escape_block_start(match: re.Match[str]) -> str:
    indent, marker = match.group(1), match.group(2)
    return f"{indent}\\{marker}" if not marker.isdigit() else f"{indent}{marker}\\"


def code(text: str) -> str:
    """Our own identifiers (paths, reading ids) as code spans, which Markdown shows literally."""
    text = neutralise_inline(text)
    return f"`{text}`" if "`" not in text and "\n" not in text and text.strip() == text and text else md(text)


def _table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    """A GFM table; cells must already be escaped."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines.extend("| " + " | ".join(row) + " |" for row in rows)
    return lines + [""]


def _quote(text: str) -> list[str]:
    return ["> " + md(line) if line.strip() else ">" for line in text.splitlines()] + [""]


def _citation_md(citation: Citation, heading: str, lang: Lang) -> list[str]:
    lines = [f"**{heading}** {md(bi(citation.label, lang))}", ""]
    if lang == "en":
        lines.append(f"*{word('original', lang)}*")
        lines.append("")
    lines.extend(_quote(citation.text_zh))
    if lang == "en" and citation.text_en:
        lines.append(f"*{word('translation', lang)}*")
        lines.append("")
        lines.extend(_quote(citation.text_en))
    return lines


def _finding_md(finding: Finding, lang: Lang) -> list[str]:
    heading = f"{MARKS[finding.severity]} {finding.rule_id} {md(finding.rule_name)} — {md(bi(finding.title, lang))}"
    lines = [f"#### {heading}", "", md(bi(finding.message, lang)), ""]
    for citation in finding.citations:
        lines.extend(_citation_md(citation, word("grounds", lang), lang))
    for citation in finding.liability:
        lines.extend(_citation_md(citation, word("liability", lang), lang))
    lines += [f"**{word('words', lang)}** 「{md(bi(finding.grounds, lang))}」", ""]
    if finding.events or finding.fields:
        lines += [f"**{word('evidence', lang)}**", ""]
    if finding.events:
        lines.extend(_table([word(k, lang) for k in ("path", "event", "date", "agency")],
                            ([code(e.path), md(event_label(e.kind, lang)), str(e.date), md(agency_label(e))]
                             for e in finding.events)))
    if finding.fields:
        lines.extend(_table([word("field", lang), word("value", lang)],
                            ([code(f.path), md(f.value)] for f in finding.fields)))
    if finding.deadline is not None:
        lines += [f"**{word('deadline', lang)}**", ""]
        lines.extend(_table([word("item", lang), word("value", lang)],
                            ([md(label), md(value)] for label, value in deadline_rows(finding.deadline, lang))))
        if finding.deadline.steps:
            lines += [f"*{word('steps', lang)}*", ""]
            lines.extend(f"{n}. {md(bi(step, lang))}" for n, step in enumerate(finding.deadline.steps, 1))
            lines.append("")
    if finding.readings:
        lines += [f"**{word('readings_used', lang)}** " + ", ".join(code(r) for r in finding.readings), ""]
    if finding.pack is not None:
        displaced = f" · {word('displaces', lang)}: {md(', '.join(finding.overrides))}" if finding.overrides else ""
        lines += [f"**{word('pack', lang)}** {md(finding.pack)}{displaced}", ""]
    return lines


def undetermined_rows(report: Report, lang: Lang) -> list[tuple[str, str, str, str, str]]:
    """(rule id, obligation and provision, event, missing field paths, what to record) per undetermined rule."""
    rows = []
    for item in report.undetermined:
        cite = "、".join(c.label.zh for c in item.citations) if lang == "zh" else "; ".join(
            c.label.en for c in item.citations)
        rows.append((item.rule_id, f"{bi(item.title, lang)} ({cite})",
                     event_text(item.event, lang) if item.event is not None else word("whole_case", lang),
                     ", ".join(m.path for m in item.missing), bi(item.record, lang)))
    return rows


def _undetermined_md(report: Report, lang: Lang) -> list[str]:
    if not report.undetermined:
        return []
    lines = [f"### {word('undetermined_section', lang)} ({len(report.undetermined)})", ""]
    header = [word(k, lang) for k in ("rule", "obligation", "event", "missing_facts", "to_record")]
    lines.extend(_table(header, ([rule_id, md(title), md(event), code(missing), md(record)]
                                 for rule_id, title, event, missing, record in undetermined_rows(report, lang))))
    return lines


def _governing_md(report: Report, lang: Lang) -> list[str]:
    """Which instruments governed, act by act, and the readings relied on (also when clean)."""
    lines = [f"### {word('governing_h', lang)}", ""]
    lines.extend(f"- {md(sentence)}" for sentence in governing_sentences(report, lang))
    if report.selection_readings:
        lines += ["", f"{word('selection_readings', lang)}: " + ", ".join(code(r) for r in report.selection_readings)]
    return lines + [""]


def _report_md(position: int, item: BatchItem, report: Report, lang: Lang) -> list[str]:
    lines = [f'<a id="{case_anchor(position)}"></a>', "",
             f"## {position}. {word('case', lang)} {md(report.case_id)}", "",
             f"**{word('case', lang)}** {md(report.case_id)} · **{word('governed', lang)}** "
             f"{md(instruments_text(report, lang))} · **{word('as_of', lang)}** {report.as_of} · "
             f"{counts_text(report, lang)}",
             ""]
    if report.source:
        lines += [f"{word('source', lang)}: {md(report.source)}", ""]
    if item.case is not None:
        lines += [f"### {word('particulars', lang)}", ""]
        lines.extend(_table([word("item", lang), word("value", lang)],
                            ([md(k), md(v)] for k, v in particulars_rows(item.case, lang))))
    if item.case is not None:
        rows, later = chronology(item.case, report.as_of, lang)
        lines += [f"### {word('chronology', lang)} ({len(rows)})", ""]
        lines.extend(_table([word(k, lang) for k in ("path", "date", "event", "agency", "note")],
                            ([code(r.path), str(r.date), md(r.kind), md(r.agency), md(r.note)] for r in rows)))
        if later:
            lines += [word("later_events", lang).format(n=later), ""]
    lines.extend(_governing_md(report, lang))
    groups = findings_by_severity(report)
    if not groups and not report.undetermined:
        lines += [f"**{word('no_findings', lang)}**", ""]
    for severity, findings in groups:
        lines += [f"### {word(severity + '_h', lang)} ({len(findings)})", ""]
        for finding in findings:
            lines.extend(_finding_md(finding, lang))
    lines.extend(_undetermined_md(report, lang))
    lines += [f"### {word('docket', lang)} ({len(report.pending)})", ""]
    if report.pending:
        header = [word(k, lang) for k in ("rule", "obligation", "trigger", "due", "days_left")]
        lines.extend(_table(header, ([p.rule_id, md(bi(p.title, lang)), md(event_text(p.trigger, lang)),
                                      md(due_text(p, lang)[0]), due_text(p, lang)[1]] for p in report.pending)))
    else:
        lines += [word("none", lang), ""]
    applied = report.readings
    lines += [f"### {word('readings', lang)} ({len(applied)})", ""]
    lines.extend(f"- {code(r.id)} **{md(bi(r.title, lang))}**: {md(bi(r.text, lang))}" for r in applied)
    lines += ([] if applied else [word("none", lang)]) + [""]
    lines += [f"### {word('receipt', lang)}", ""]
    lines.extend(_table([word("item", lang), word("value", lang)],
                        ([md(k), md(v)] for k, v in receipt_rows(report, lang))))
    return lines


def _batch_md(items: Sequence[BatchItem], tables: BatchTables, lang: Lang) -> list[str]:
    lines = [f"## {word('summary', lang)}", ""]
    counts = [word(k, lang) for k in (*COUNT_HEADINGS, "affected")]
    lines += [f"### {word('ranked', lang)}", ""]
    lines.extend(_table([word("case", lang), *counts[:5], word("source", lang)],
                        ([f"[{md(r.case_id)}](#{case_anchor(pos)})",
                          *(str(getattr(r.counts, k)) for k in COUNT_KEYS),
                          md(r.source or "—")] for pos, r in tables.ranked)))
    lines += [f"### {word('by_rule', lang)}", ""]
    lines.extend(_table([word("rule", lang), word("title", lang), *counts],
                        ([rule_id, md(title), *tally.cells()] for rule_id, title, tally in tables.by_rule)))
    lines += [f"### {word('by_agency', lang)}", ""]
    lines.extend(_table([word("agency", lang), *counts],
                        ([md(agency), *tally.cells()] for agency, tally in tables.by_agency)))
    return lines


def _errors_md(errors: Sequence[ErrorRow], lang: Lang) -> list[str]:
    lines = [f"## {word('rejected', lang)} ({len({e.file for e in errors})})", ""]
    header = [word(k, lang) for k in ("file", "line", "column", "field", "problem")]
    lines.extend(_table(header, ([md(e.file), e.line, e.column, md(e.field),
                                  f"{word(e.kind, lang)}: {md(e.message)}"] for e in errors)))
    return lines


def render_markdown(items: Sequence[BatchItem], summary: Summary, lang: Lang) -> str:
    """The Markdown report of a batch: summary (for several inputs), rejected files, then each case."""
    tables = tabulate(items, lang)
    dates = ", ".join(str(d) for d in as_of_dates(items)) or "—"
    lines = [f"# {word('report_title', lang)}", "",
             f"{md(summary_text(summary, lang))} · **{word('as_of', lang)}** {dates}", "",
             f"*{word('generated', lang)}*", ""]
    if len(items) > 1:
        lines.extend(_batch_md(items, tables, lang))
    if tables.errors:
        lines.extend(_errors_md(tables.errors, lang))
    for position, item in enumerate(items, 1):
        if item.report is not None:
            lines.extend(_report_md(position, item, item.report, lang))
    return "\n".join(lines).rstrip("\n") + "\n"


class MarkdownReporter(Reporter):
    """One Markdown document: the batch ranked and tabulated, then each case."""

    name = "markdown"
    order = 3
    collects = True

    def write(self, items: Iterable[BatchItem], summary: Summary, destination: Destination) -> None:
        assert destination.stream is not None
        destination.stream.write(render_markdown(list(items), summary, destination.lang))


REPORTER = MarkdownReporter()
