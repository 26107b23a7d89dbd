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
    date_text,
    joined,
    label,
    say,
    translated,
    word,
)
from ..._model.case import Case, event_label
from ..._model.findings import Citation, Finding, Report
from ..governance import governing_sentences, reading_titles
from ..neutral import neutralise_inline
from ..phrases import (
    agency_label,
    audit_rows,
    citations_text,
    deadline_rows,
    deadline_summary,
    due_text,
    event_name,
    instruments_text,
    receipt_rows,
    summary_text,
)
from ..registry import Destination, Reporter


def counts_text(report: Report, lang: Lang) -> str:
    c = report.counts
    return " · ".join(f"{word(key, lang)} {getattr(c, key)}" for key in COUNT_KEYS)


def findings_by_severity(report: Report) -> list[tuple[str, list[Finding]]]:
    return [(s, [f for f in report.findings if f.severity == s]) for s in SEVERITIES
            if any(f.severity == s for f in report.findings)]


def case_anchor(position: int) -> str:
    """The anchor of the case at ``position`` (1-based) in the input: case ids are free text, positions are not."""
    return f"case-{position}"


def petitioner_names(case: Case, lang: Lang) -> str:
    names = [say("with_note", lang, text=p.name or "—", note=word("organization", lang)) if p.organization
             else p.name or "—" for p in case.petitioners]
    return joined(names, lang) or "—"


def particulars_rows(case: Case, lang: Lang) -> list[tuple[str, str]]:
    """What the case is about. Addresses, ID numbers and phones are left out: the checks do not need them."""
    rows = [(word("title", lang), case.title or "—"),
            (word("category", lang), category_label(case.category.value, lang)),
            (word("channel", lang), channel_label(case.channel.value, lang)),
            (word("petitioners", lang), petitioner_names(case, lang)),
            (word("headcount", lang), str(case.headcount)),
            (word("status", lang), label("case_status", case.status, lang))]
    for key in ("request", "facts", "reasons"):
        value = getattr(case.content, key)
        if value:
            rows.append((word(key, lang), value))
    return rows


@dataclass(frozen=True)
class ChronologyRow:
    number: int  # the event's place in the file, from 1
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
        row = ChronologyRow(index + 1, f"events[{index}]", event.date, kind, name(event.agency), event.note or "")
        rows.append(((event.date, index), row))
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
            errors.extend(error_rows(item, lang))
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


def error_rows(item: BatchItem, lang: Lang) -> list[ErrorRow]:
    """The problems of an input that could not be read, one row each, worded in ``lang``."""
    error = item.error
    if isinstance(error, InputError):
        return [ErrorRow(loc.file or item.source, loc.cell or ("" if loc.line is None else str(loc.line)),
                         "" if loc.column is None else str(loc.column), loc.field or "", message, "input_error")
                for loc, message in ((p.location, p.text(lang)) for p in error.problems)]
    return [ErrorRow(item.source, "", "", "", str(error), "internal_error")]


def as_of_dates(items: Sequence[BatchItem]) -> list[dt.date]:
    return sorted({item.report.as_of for item in items if item.report is not None})


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
    if translated(lang):
        lines += [f"*{word('original', lang)}*", ""]
    lines.extend(_quote(citation.text_zh))
    if translated(lang) and citation.text_en:
        lines += [f"*{word('translation', lang)}*", ""]
        lines.extend(_quote(citation.text_en))
    return lines


def _finding_md(finding: Finding, report: Report, lang: Lang) -> list[str]:
    heading = f"{MARKS[finding.severity]} {finding.rule_id} {md(bi(finding.title, lang))}"
    lines = [f"#### {heading}", "", md(bi(finding.message, lang)), ""]
    for citation in finding.citations:
        lines.extend(_citation_md(citation, word("grounds", lang), lang))
    for citation in finding.liability:
        lines.extend(_citation_md(citation, word("liability", lang), lang))
    lines += [f"**{word('words', lang)}** 「{md(bi(finding.grounds, lang))}」", ""]
    if finding.events:
        lines += [f"**{word('events', lang)}**", ""]
        lines.extend(f"- {md(event_name(e, lang))}" for e in finding.events)
        lines.append("")
    if finding.deadline is not None:
        lines += [f"**{word('deadline', lang)}** {md(deadline_summary(finding.deadline, lang))}", ""]
        lines.extend(_table([word("item", lang), word("value", lang)],
                            ([md(label), md(value)] for label, value in deadline_rows(finding.deadline, lang))))
        if finding.deadline.steps:
            lines += [f"*{word('steps', lang)}*", ""]
            lines.extend(f"{n}. {md(bi(step, lang))}" for n, step in enumerate(finding.deadline.steps, 1))
            lines.append("")
    if finding.readings:
        lines += [f"**{word('readings_used', lang)}** "
                  + md(joined(reading_titles(report, finding.readings, lang), lang)), ""]
    if finding.pack is not None:
        displaced = (f" · {word('displaces', lang)}{word('colon', lang)}{md(joined(list(finding.overrides), lang))}"
                     if finding.overrides else "")
        lines += [f"**{word('pack', lang)}** {md(finding.pack)}{displaced}", ""]
    return lines


def undetermined_rows(report: Report, lang: Lang) -> list[tuple[str, str, str, str]]:
    """(rule id, obligation and provision, event, what to record) per undetermined rule."""
    return [(item.rule_id, say("titled_citation", lang, title=bi(item.title, lang),
                               cite=citations_text(item.citations, lang)),
             event_name(item.event, lang) if item.event is not None else word("whole_case", lang),
             bi(item.record, lang)) for item in report.undetermined]


def _undetermined_md(report: Report, lang: Lang) -> list[str]:
    if not report.undetermined:
        return []
    lines = [f"### {say('counted', lang, label=word('undetermined_section', lang), n=len(report.undetermined))}", ""]
    header = [word(k, lang) for k in ("rule", "obligation", "event", "to_record")]
    lines.extend(_table(header, ([rule_id, md(title), md(event), md(record)]
                                 for rule_id, title, event, record in undetermined_rows(report, lang))))
    return lines


def _governing_md(report: Report, lang: Lang) -> list[str]:
    """Which instruments governed, act by act, and the readings relied on (also when clean)."""
    lines = [f"### {word('governing_h', lang)}", ""]
    lines.extend(f"- {md(sentence)}" for sentence in governing_sentences(report, lang))
    if report.selection_readings:
        lines += ["", f"{word('selection_readings', lang)}{word('colon', lang)}"
                  + md(joined(reading_titles(report, report.selection_readings, lang), lang))]
    if report.standing_readings:
        lines += ["", f"{word('standing_readings', lang)}{word('colon', lang)}"
                  + md(joined(reading_titles(report, report.standing_readings, lang), lang))]
    return lines + [""]


def _report_md(position: int, item: BatchItem, report: Report, lang: Lang) -> list[str]:
    lines = [f'<a id="{case_anchor(position)}"></a>', "",
             f"## {position}. {word('case', lang)} {md(report.case_id)}", "",
             f"**{word('case', lang)}** {md(report.case_id)} · **{word('governed', lang)}** "
             f"{md(instruments_text(report, lang))} · **{word('as_of', lang)}** {date_text(report.as_of, lang)} · "
             f"{counts_text(report, lang)}",
             ""]
    if report.source:
        lines += [f"{word('source', lang)}{word('colon', lang)}{md(report.source)}", ""]
    if item.case is not None:
        lines += [f"### {word('particulars', lang)}", ""]
        lines.extend(_table([word("item", lang), word("value", lang)],
                            ([md(k), md(v)] for k, v in particulars_rows(item.case, lang))))
    if item.case is not None:
        rows, later = chronology(item.case, report.as_of, lang)
        lines += [f"### {say('counted', lang, label=word('chronology', lang), n=len(rows))}", ""]
        lines.extend(_table([word(k, lang) for k in ("number", "date", "event", "agency", "note")],
                            ([str(r.number), str(r.date), md(r.kind), md(r.agency), md(r.note)] for r in rows)))
        if later:
            lines += [say("later_events", lang, n=later), ""]
    lines.extend(_governing_md(report, lang))
    groups = findings_by_severity(report)
    if not groups and not report.undetermined:
        lines += [f"**{word('no_findings', lang)}**", ""]
    for severity, findings in groups:
        lines += [f"### {say('counted', lang, label=word(severity + '_h', lang), n=len(findings))}", ""]
        for finding in findings:
            lines.extend(_finding_md(finding, report, lang))
    lines.extend(_undetermined_md(report, lang))
    lines += [f"### {say('counted', lang, label=word('docket', lang), n=len(report.pending))}", ""]
    if report.pending:
        header = [word(k, lang) for k in ("rule", "obligation", "trigger", "due", "days_left")]
        lines.extend(_table(header, ([p.rule_id, md(bi(p.title, lang)), md(event_name(p.trigger, lang)),
                                      md(due_text(p, lang)[0]), due_text(p, lang)[1]] for p in report.pending)))
    else:
        lines += [word("none", lang), ""]
    applied = report.readings
    lines += [f"### {say('counted', lang, label=word('readings', lang), n=len(applied))}", ""]
    lines.extend(f"- {md(bi(r.title, lang))}" for r in applied)
    lines += ([] if applied else [word("none", lang)]) + [""]
    return lines


def _appendix_md(items: Sequence[BatchItem], lang: Lang) -> list[str]:
    """Field paths, hashes, versions and reading ids, for auditors: after every case, not inside one."""
    lines = [f"## {word('appendix', lang)}", "", f"*{word('appendix_note', lang)}*", ""]
    for position, item in enumerate(items, 1):
        report = item.report
        if report is None:
            continue
        lines += [f"### {position}. {word('case', lang)} {md(report.case_id)}", "", f"#### {word('receipt', lang)}", ""]
        lines.extend(_table([word("item", lang), word("value", lang)],
                            ([md(k), code(v)] for k, v in receipt_rows(report, lang))))
        rows = audit_rows(report, lang)
        if rows:
            header = [word(k, lang) for k in ("rule", "finding", "events", "field", "reading_id")]
            lines.extend(_table(header, ([f"{row.rule_id} {code(row.rule_name)}", md(row.what),
                                          "<br>".join(code(p) for p in row.events),
                                          "<br>".join(code(f) for f in row.fields),
                                          "<br>".join(code(r) for r in row.readings)] for row in rows)))
        if report.readings:
            lines.extend(_table([word("reading_id", lang), word("readings", lang)],
                                ([code(r.id), f"**{md(bi(r.title, lang))}** {md(bi(r.text, lang))}"]
                                 for r in report.readings)))
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
    files = len({e.file for e in errors})
    lines = [f"## {say('counted', lang, label=word('rejected', lang), n=files)}", ""]
    header = [word(k, lang) for k in ("file", "line", "column", "field", "problem")]
    lines.extend(_table(header, ([md(e.file), e.line, e.column, md(e.field),
                                  f"{word(e.kind, lang)}{word('colon', lang)}{md(e.message)}"] for e in errors)))
    return lines


def render_markdown(items: Sequence[BatchItem], summary: Summary, lang: Lang) -> str:
    """The Markdown report of a batch: summary (for several inputs), rejected files, then each case."""
    tables = tabulate(items, lang)
    dates = joined([date_text(d, lang) for d in as_of_dates(items)], lang) or "—"
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
    if any(item.report is not None for item in items):
        lines.extend(_appendix_md(items, lang))
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

