"""HTML reporter: one self-contained file per batch, with an SVG timeline per case.

The page has no scripts, no external resources and a Content-Security-Policy that
forbids loading any, so it opens offline and nothing in it can phone home. Every piece
of case text goes through :func:`e` (``html.escape`` with ``quote=True``), in element
text, attributes and inside the SVG alike: a petition that contains ``<script>`` is
shown as text. It prints on A4: each case starts a page and findings are not split.

The wording, the tabulations and the deadline rows are shared with the Markdown
reporter (``_render_markdown``), so the two formats never disagree.
"""

from __future__ import annotations

import datetime as dt
import html
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from ..._batch.pool import BatchItem, Summary
from ..._core.vocabulary import (
    COUNT_HEADINGS,
    COUNT_KEYS,
    MARKS,
    Lang,
    bi,
    date_text,
    days_text,
    html_lang,
    joined,
    month_text,
    say,
    short_date,
    status_label,
    translated,
    word,
)
from ..._model.case import Case, event_label
from ..._model.findings import Citation, Deadline, EventRef, Finding, Report, Undetermined
from ..docket import DocketRow, actor, due_cells, moved
from ..governance import governing_sentences, reading_titles
from ..neutral import neutralise_inline
from ..phrases import (
    audit_rows,
    deadline_period,
    deadline_rows,
    deadline_summary,
    due_text,
    event_name,
    event_number,
    instruments_text,
    receipt_rows,
    summary_text,
)
from ..registry import Destination, Reporter
from .markdown import (
    BatchTables,
    ErrorRow,
    as_of_dates,
    case_anchor,
    chronology,
    findings_by_severity,
    particulars_rows,
    tabulate,
    undetermined_rows,
)


def e(text: object) -> str:
    """Escape for HTML text and double- or single-quoted attributes (also inside inline SVG)."""
    return html.escape(neutralise_inline(str(text)), quote=True)


# No network: default-src 'none' blocks scripts, fonts, images and frames even if escaping ever failed.
_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"

_CSS = """
:root { --violation: #b71c1c; --warning: #e65100; --notice: #1565c0; --pending: #1565c0; --muted: #555;
        --rule: #ccc; }
* { box-sizing: border-box; }
body { font-family: system-ui, "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei",
       "WenQuanYi Zen Hei", sans-serif; font-size: 15px; line-height: 1.55; color: #111; background: #fff;
       max-width: 1100px; margin: 0 auto; padding: 16px 24px 48px; }
h1 { font-size: 1.6em; margin: 0.2em 0; }
h2 { font-size: 1.3em; border-bottom: 2px solid #333; padding-bottom: 0.15em; margin-top: 1.6em; }
h3 { font-size: 1.1em; margin: 1.2em 0 0.4em; }
h4 { font-size: 1em; margin: 0 0 0.4em; }
h5 { font-size: 0.95em; margin: 0.8em 0 0.3em; }
code, .mono { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 0.9em; }
table { border-collapse: collapse; margin: 0.4em 0 0.8em; width: 100%; }
th, td { border: 1px solid var(--rule); padding: 3px 6px; text-align: left; vertical-align: top;
         overflow-wrap: anywhere; }
table.chronology td:nth-child(-n+2), .id, .date, td.num { white-space: nowrap; }
table.docket td:nth-child(4) { white-space: nowrap; }
table.docket.office td:nth-child(4) { white-space: normal; }
h4 .id { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 0.9em; }
.events, .deadline { margin: 0.3em 0; }
details.arithmetic summary { color: var(--muted); cursor: pointer; }
/* A closed <details> shows only its summary; said outright for layout engines without the element (WeasyPrint). */
details:not([open]) > :not(summary) { display: none; }
p.readings { margin: 0.2em 0; }
dl.particulars { display: grid; grid-template-columns: max-content 1fr max-content 1fr; gap: 1px 10px;
                 margin: 0.3em 0 0.6em; border-top: 1px solid var(--rule); padding-top: 3px; }
dl.particulars dt { font-weight: 600; color: #333; }
dl.particulars dd { margin: 0; }
dl.particulars dt.wide { grid-column: 1; }
dl.particulars dd.wide { grid-column: 2 / span 3; }
mark { background: #fff3b0; color: inherit; }
td code, .id { white-space: nowrap; }
section.appendix { font-size: 0.8em; }
section.appendix table { margin: 0.2em 0 0.5em; }
section.appendix th, section.appendix td { padding: 1px 4px; }
section.appendix td code { white-space: normal; overflow-wrap: anywhere; }
th { background: #f2f2f2; font-weight: 600; }
td.num, th.num { text-align: right; white-space: nowrap; }
table.kv th { width: 14em; }
.meta { color: var(--muted); margin: 0.2em 0; }
.summary-line { font-size: 1.02em; margin: 0.3em 0 0.6em; }
.badge { display: inline-block; padding: 0 0.5em; border-radius: 3px; color: #fff; font-size: 0.85em;
         font-weight: 600; }
.badge.violation { background: var(--violation); } .badge.warning { background: var(--warning); }
.badge.notice { background: var(--notice); } .badge.pending { background: #fff; color: var(--pending);
         border: 1px dashed var(--pending); }
.count-violation { color: var(--violation); font-weight: 700; }
.finding { border: 1px solid var(--rule); border-left: 6px solid var(--muted); padding: 8px 12px; margin: 0.8em 0;
           break-inside: avoid; page-break-inside: avoid; }
.finding.violation { border-left-color: var(--violation); } .finding.warning { border-left-color: var(--warning); }
.finding.notice { border-left-color: var(--notice); }
.message { margin: 0.3em 0 0.6em; font-weight: 500; }
.cite { margin: 0.5em 0; }
.cite-text { display: grid; grid-template-columns: 1fr; gap: 10px; }
.cite-text.two { grid-template-columns: 1fr 1fr; }
blockquote { margin: 0.2em 0; padding: 4px 10px; border-left: 3px solid #999; background: #fafafa;
             white-space: pre-line; }
blockquote .lang { display: block; color: var(--muted); font-size: 0.8em; }
ol.steps { margin: 0.2em 0 0.6em; padding-left: 1.6em; }
.receipt td { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 0.85em;
              word-break: break-all; }
figure.timeline { margin: 0.6em 0 1em; break-inside: avoid; page-break-inside: avoid; }
figure.timeline svg { width: 100%; height: auto; display: block; }
figcaption { color: var(--muted); font-size: 0.85em; }
.legend span { margin-right: 1.2em; white-space: nowrap; }
.swatch { display: inline-block; width: 1.6em; height: 0.7em; vertical-align: middle; margin-right: 0.3em; }
.swatch.violated { background: var(--violation); } .swatch.warned { background: var(--warning); }
.swatch.noticed { background: var(--notice); } .swatch.pending { border: 1.5px dashed var(--pending); }
.swatch.overrun { border-top: 3px dotted var(--violation); height: 0; }
.swatch.met { background: #81c784; } .swatch.met_by_roll_over { background: #2e7d32; }
.swatch.extension { background: #b71c1c; opacity: 0.35; }
.swatch.holiday { background: #e6e6e6; } .swatch.adjusted_working_day { background: #bbdefb; }
details.chronology summary { font-weight: 600; cursor: pointer; }
@page { size: A4; margin: 14mm 12mm; }
@media print {
  body { font-size: 10pt; max-width: none; padding: 0; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  section.case, section.appendix { break-before: page; page-break-before: always; }
  /* The first case follows the batch summary on its page; every further case starts a page. */
  header + section.case, section.batch + section.case, section.errors + section.case {
    break-before: auto; page-break-before: auto; }
  body { font-size: 9pt; line-height: 1.35; }
  h2 { margin-top: 0; font-size: 1.2em; }
  h3 { margin: 0.7em 0 0.25em; }
  th, td { padding: 1px 5px; }
  table { margin: 0.2em 0 0.5em; }
  table.chronology, table.docket { font-size: 0.92em; }
  .finding { padding: 3px 8px; margin: 0.4em 0; }
  .message { margin: 0.2em 0 0.3em; }
  .cite { margin: 0.25em 0; }
  blockquote { padding: 1px 8px; font-size: 0.92em; line-height: 1.3; }
  .legend { font-size: 0.85em; margin: 0.2em 0; }
  figure.timeline { margin: 0.3em 0 0.5em; }
  /* On paper the file paths are in the appendix (生成信息), and the figure needs no caption. */
  p.source, figcaption, table.ranked td:last-child, table.ranked th:last-child { display: none; }
  /* The folded arithmetic prints as nothing: the 期限 line above it states the period and its dates. */
  details.arithmetic:not([open]) { display: none; }
  section.appendix { font-size: 7.5pt; }
  h2, h3, h4, h5 { break-after: avoid; page-break-after: avoid; }
  tr, blockquote, dl.particulars, table.kv { break-inside: avoid; page-break-inside: avoid; }
  thead { display: table-header-group; }  /* a table that runs onto the next page repeats its header */
  a { color: inherit; text-decoration: none; }
  .cite-text.two { grid-template-columns: 1fr 1fr; }
}
"""


# --- the timeline ----------------------------------------------------------------------------------

SpanStyle = Literal["violated", "warned", "noticed", "met", "met_by_roll_over", "pending"]
_SPAN_FILL: dict[SpanStyle, tuple[str, str, str]] = {  # fill, stroke, dash
    "violated": ("#b71c1c", "#b71c1c", ""),
    "warned": ("#e65100", "#e65100", ""),
    "noticed": ("#1565c0", "#1565c0", ""),
    "met": ("#81c784", "#388e3c", ""),
    "met_by_roll_over": ("#2e7d32", "#2e7d32", ""),
    "pending": ("#ffffff", "#1565c0", "5 3"),
}
_SVG_WIDTH = 700  # CSS px: about the printable width of A4 (186 mm), so 12px text prints at 12px
_LEFT, _RIGHT = 8, 8
_FONT = 12
_LANE = 18
_ROW = 32
MAX_LANES = 10  # more stacked labels are unreadable; the rest keep their dot and tooltip
MAX_SPANS = 40  # deadline rows drawn; every deadline is also in the findings and the docket


@dataclass(frozen=True)
class _Mark:
    day: dt.date
    label: str
    detail: str


@dataclass(frozen=True)
class _Span:
    start: dt.date
    due: dt.date
    strict_due: dt.date
    original_due: dt.date | None  # before an extension
    actual: dt.date | None
    overrun_to: dt.date | None  # late: the actual date; overdue: the as-of date
    style: SpanStyle
    label: str
    detail: str


def text_width(text: str, size: float = _FONT) -> float:
    """Estimated rendered width: wide (CJK) characters take 1em, others about 0.6em."""
    return sum(size if unicodedata.east_asian_width(ch) in "WF" else size * 0.6 for ch in text)


def _clip(text: str, max_width: float) -> str:
    """The longest prefix of ``text`` that fits with an ellipsis, or ``text`` if it fits whole.

    One pass that stops at the first character past the width: the cost is that of the
    visible part, not of the label (a 32,000-character agency name costs what a short one does).
    """
    ellipsis = text_width("…")
    width = 0.0
    cut = 0
    for index, char in enumerate(text):
        width += text_width(char)
        if width > max_width:
            return text[:cut] + "…"
        if width + ellipsis <= max_width:
            cut = index + 1
    return text


def _marks(report: Report, case: Case | None, lang: Lang) -> list[_Mark]:
    """The case's events known on the as-of date, or, without the case, the events the report cites."""
    marks: list[_Mark] = []
    if case is not None:
        for index, event in enumerate(case.events):
            if event.date > report.as_of:
                continue  # not yet known on the as-of date: the checks did not see it either
            agency = case.agency(event.agency)
            ref = EventRef(path=f"events[{index}]", kind=event.kind, date=event.date, agency=event.agency,
                           agency_name=agency.name if agency else None)
            detail = (say("tl_detail_note", lang, event=event_name(ref, lang), note=event.note) if event.note
                      else event_name(ref, lang))
            marks.append(_Mark(event.date, _event_label(ref, lang), detail))
        return marks
    seen: dict[str, EventRef] = {}
    for finding in report.findings:
        for ref in finding.events:
            seen.setdefault(ref.path, ref)
    for pending in report.pending:
        seen.setdefault(pending.trigger.path, pending.trigger)
    return [_Mark(ref.date, _event_label(ref, lang), event_name(ref, lang)) for ref in seen.values()]


def _event_label(ref: EventRef, lang: Lang) -> str:
    """Short, so that labels need few lanes: the event's number (as in the chronology) and its kind."""
    return say("tl_event", lang, number=event_number(ref) or "?", kind=event_label(ref.kind, lang))


def _deadline_span(rule_id: str, title: str, mark: str, style: SpanStyle, d: Deadline, lang: Lang) -> _Span:
    if d.status in ("late", "overdue") and d.days_late:
        outcome = say(f"tl_outcome_{d.status}", lang, late=days_text(d.days_late, lang))
    elif d.status == "pending" and d.days_left is not None:
        outcome = say("tl_outcome_left", lang, left=days_text(d.days_left, lang))
    else:
        outcome = status_label(d.status, lang)
    label = say("tl_span", lang, mark=mark, rule=rule_id, period=deadline_period(d, lang),
                start=short_date(d.start, lang), due=short_date(d.effective_due, lang), outcome=outcome)
    detail = say("tl_detail", lang, rule=rule_id, title=title, rows=word("sep", lang).join(
        say("kv", lang, key=k, value=v) for k, v in deadline_rows(d, lang)))
    overrun = d.actual if d.status == "late" else d.as_of if d.status == "overdue" else None
    # An extension is calendar days added to the strict due date: the period ran to the original
    # due date, and the extension from there.
    original = _shift(d.strict_due, -d.extension_days) if d.extension_days else None
    return _Span(d.start, d.effective_due, d.strict_due, original, d.actual, overrun, style, label, detail)


def _spans(report: Report, lang: Lang) -> list[_Span]:
    spans: list[_Span] = []
    for finding in report.findings:
        d = finding.deadline
        if d is None:
            continue
        style: SpanStyle = ("met_by_roll_over" if d.status == "met_by_roll_over"
                            else "violated" if finding.severity == "violation"
                            else "warned" if finding.severity == "warning" else "noticed")
        spans.append(_deadline_span(finding.rule_id, bi(finding.title, lang), MARKS[finding.severity], style, d,
                                    lang))
    for pending in report.pending:
        if pending.deadline is not None:  # no period: nothing to draw; it is on the docket table
            spans.append(_deadline_span(pending.rule_id, bi(pending.title, lang), "○", "pending", pending.deadline,
                                        lang))
    for met in report.met:  # present when the check kept them (the HTML report asks for them)
        spans.append(_deadline_span(met.rule_id, bi(met.title, lang), "✓", "met", met.deadline, lang))
    return sorted(spans, key=lambda span: (span.start, span.due))


def _range(marks: Sequence[_Mark], spans: Sequence[_Span], as_of: dt.date) -> tuple[dt.date, dt.date, bool]:
    """The dates shown, and whether the as-of date lies among them.

    The as-of date is drawn when a deadline is still running or overdue on it; otherwise a
    far-off as-of date would squeeze all events into the left edge.
    """
    days = [m.day for m in marks]
    for span in spans:
        days += [span.start, span.due, span.strict_due] + ([span.actual] if span.actual else [])
    show_as_of = not days or any(s.style == "pending" or s.overrun_to == as_of for s in spans)
    if show_as_of:
        days.append(as_of)
    lo, hi = min(days), max(days)
    if (hi - lo).days < 14:  # a single day or a short span still gets a readable axis
        middle = lo + (hi - lo) / 2
        lo, hi = _shift(middle, -7), _shift(middle, 7)
    pad = max(1, round((hi - lo).days * 0.03))
    return _shift(lo, -pad), _shift(hi, pad), show_as_of


def _shift(day: dt.date, days: int) -> dt.date:
    """``day`` moved by ``days``, stopping at the first or last representable date (inputs may use them)."""
    try:
        return day + dt.timedelta(days=days)
    except OverflowError:
        return dt.date.min if days < 0 else dt.date.max


def _ticks(lo: dt.date, hi: dt.date, width: float, lang: Lang) -> list[tuple[dt.date, str]]:
    """Axis ticks at weekly, monthly or yearly steps, at most one label per ~70px."""
    most = max(2, int(width // 70))
    for step_days in (1, 2, 7):
        if (hi - lo).days / step_days <= most:
            first = lo if step_days != 7 else _shift(lo, (7 - lo.weekday()) % 7)  # Mondays
            days = [first + dt.timedelta(days=n) for n in range(0, (hi - first).days + 1, step_days)]
            # The first tick carries the year; the others only month and day.
            return [(day, date_text(day, lang) if n == 0 else short_date(day, lang)) for n, day in enumerate(days)]
    for months in (1, 2, 3, 6, 12, 24, 60):
        month_count = (hi.year - lo.year) * 12 + hi.month - lo.month
        if month_count / months <= most:
            ticks: list[tuple[dt.date, str]] = []
            year, month = lo.year, lo.month
            while (year, month) <= (hi.year, hi.month):  # compared before building: year 10000 is no date
                tick = dt.date(year, month, 1)
                if tick >= lo and ((year * 12 + month - 1) % months == 0):
                    ticks.append((tick, month_text(tick, lang)))
                year, month = (year + 1, 1) if month == 12 else (year, month + 1)
            return ticks
    return [(lo, date_text(lo, lang)), (hi, date_text(hi, lang))]


def _place_labels(anchors: Sequence[float], widths: Sequence[float], right_edge: float,
                  max_lanes: int = MAX_LANES) -> list[tuple[int, float, str] | None]:
    """Stack labels into lanes so that no two overlap and, where possible, no connector crosses a label.

    Returns, per label, (lane, x, text-anchor), or None when no lane up to ``max_lanes``
    has room (the event keeps its dot and tooltip). ``anchors`` must be in ascending order:
    every label placed earlier then starts left of the current point, so a lane is fully
    described by the right end of its rightmost label and the check is linear.
    """
    lane_right: list[float] = []  # per lane, the rightmost x taken by a label or a connector
    placed: list[tuple[int, float, str] | None] = []
    gap, half = 6.0, 1.5
    for x, width in zip(anchors, widths, strict=True):
        anchor = "start" if x + width <= right_edge else "end"
        left, right = (x, x + width) if anchor == "start" else (x - width, x)

        def free(lane: int) -> bool:
            return lane == len(lane_right) or lane_right[lane] + gap <= left  # noqa: B023 - used in this iteration

        def clear(lane: int) -> bool:  # the connector from the axis up to ``lane`` crosses no label below
            return all(taken <= x - half for taken in lane_right[:lane])  # noqa: B023 - used in this iteration

        # The lowest lane that is free with a clear connector; when a label below covers this
        # point whatever the lane, the lowest free one (the label's white halo hides the line).
        candidates = range(min(len(lane_right) + 1, max_lanes))
        lane = next((n for n in candidates if free(n) and clear(n)), None)
        if lane is None:
            lane = next((n for n in candidates if free(n)), None)
        if lane is None:
            placed.append(None)
            continue
        if lane == len(lane_right):
            lane_right.append(right)
        lane_right[lane] = max(lane_right[lane], right)
        for lower in range(lane):
            lane_right[lower] = max(lane_right[lower], x + half)
        placed.append((lane, x, anchor))
    return placed


def render_timeline(report: Report, case: Case | None, lang: Lang, uid: str) -> str:
    """An inline SVG: events above a date axis, each deadline below it as a span from start to due date.

    ``uid`` makes element ids unique in a page with several timelines.
    """
    marks = sorted(_marks(report, case, lang), key=lambda m: m.day)
    spans = _spans(report, lang)
    if not marks and not spans:
        return ""
    lo, hi, show_as_of = _range(marks, spans, report.as_of)
    x0, x1 = float(_LEFT), float(_SVG_WIDTH - _RIGHT)

    def x(day: dt.date) -> float:
        return round(x0 + (day - lo).days / (hi - lo).days * (x1 - x0), 1)

    labels = [_clip(m.label, 230) for m in marks]
    placed = _place_labels([x(m.day) for m in marks], [text_width(t) for t in labels], x1)
    lane_count = max((p[0] for p in placed if p is not None), default=-1) + 1
    hidden_spans = max(0, len(spans) - MAX_SPANS)
    spans = spans[:MAX_SPANS]
    top = 22  # room for the as-of caption
    axis_y = top + lane_count * _LANE + 12
    rows_y = axis_y + 30
    notes = _omissions(sum(p is None for p in placed), hidden_spans, lang)
    height = rows_y + len(spans) * _ROW + 6 + (16 if notes else 0)
    title = f"{word('timeline', lang)} — {word('case', lang)} {report.case_id}"
    out = [f'<svg class="timeline" xmlns="http://www.w3.org/2000/svg" width="{_SVG_WIDTH}" height="{height}" '
           f'viewBox="0 0 {_SVG_WIDTH} {height}" role="img" aria-labelledby="{uid}-title" '
           f'font-size="{_FONT}" font-family="system-ui, \'Noto Sans CJK SC\', \'WenQuanYi Zen Hei\', sans-serif">',
           f'<title id="{uid}-title">{e(title)}</title>',
           f'<rect x="0" y="0" width="{_SVG_WIDTH}" height="{height}" fill="#ffffff"/>']
    # Holidays crossed by a deadline, shaded behind the spans: they are why a due date moves.
    deadlines = ([f.deadline for f in report.findings] + [p.deadline for p in report.pending]
                 + [m.deadline for m in report.met])
    holidays = sorted({(day, bi(name, lang)) for d in deadlines if d is not None for day, name in d.holidays_crossed})
    for day, name in holidays:
        if lo <= day <= hi:
            left, right = x(day), x(day + dt.timedelta(days=1))
            out.append(f'<rect class="tl-holiday" x="{left}" y="{axis_y}" width="{max(right - left, 1.0)}" '
                       f'height="{height - axis_y}" fill="#e6e6e6"><title>'
                       f'{e(say("dated_name", lang, date=date_text(day, lang), name=name))}</title></rect>')
    # Make-up working days (调休), hatched: a weekend day that counts as a working day.
    adjusted = sorted({day for d in deadlines if d is not None for day in d.adjusted_working_days})
    for day in adjusted:
        if lo <= day <= hi:
            left, right = x(day), x(day + dt.timedelta(days=1))
            label = say("dated_name", lang, date=date_text(day, lang), name=word("legend_adjusted_working_day", lang))
            out.append(f'<rect class="tl-adjusted" x="{left}" y="{axis_y}" width="{max(right - left, 1.0)}" '
                       f'height="{height - axis_y}" fill="#bbdefb"><title>{e(label)}</title></rect>')
    # The axis with its ticks.
    out.append(f'<line x1="{x0}" y1="{axis_y}" x2="{x1}" y2="{axis_y}" stroke="#333" stroke-width="1.2"/>')
    for day, text in _ticks(lo, hi, x1 - x0, lang):
        tx = x(day)
        out.append(f'<line x1="{tx}" y1="{axis_y}" x2="{tx}" y2="{axis_y + 5}" stroke="#333"/>')
        out.append(f'<text class="tl-tick" x="{tx}" y="{axis_y + 17}" text-anchor="middle" fill="#444" '
                   f'font-size="10">{e(text)}</text>')
    # The as-of date.
    as_of_caption = f"{word('as_of', lang)} {date_text(report.as_of, lang)}"
    if show_as_of:
        ax = x(report.as_of)
        anchor = "end" if ax + text_width(as_of_caption, 10) > x1 else "start"
        out.append(f'<line class="tl-as-of" x1="{ax}" y1="{top - 6}" x2="{ax}" y2="{height}" stroke="#6a1b9a" '
                   f'stroke-dasharray="3 3"/>')
        out.append(f'<text x="{ax + (3 if anchor == "start" else -3)}" y="{top - 9}" text-anchor="{anchor}" '
                   f'fill="#6a1b9a" font-size="10">{e(as_of_caption)}</text>')
    else:
        out.append(f'<text x="{x1}" y="{top - 9}" text-anchor="end" fill="#6a1b9a" font-size="10">'
                   f'{e(as_of_caption)} →</text>')
    # Events: a dot on the axis, a connector up to a label in its lane. All connectors are
    # drawn before any label, so that a label's white halo covers a line passing behind it.
    for spot in placed:
        if spot is not None:
            lane, mx, _ = spot
            out.append(f'<line class="tl-connector" x1="{mx}" y1="{axis_y}" x2="{mx}" '
                       f'y2="{axis_y - 9 - lane * _LANE}" stroke="#999" stroke-width="0.8"/>')
    for mark, label, spot in zip(marks, labels, placed, strict=True):
        parts = [f'<g class="tl-event"><title>{e(mark.detail)}</title>'
                 f'<circle cx="{x(mark.day)}" cy="{axis_y}" r="3.5" fill="#333"/>']
        if spot is not None:
            lane, mx, anchor = spot
            parts.append(f'<text class="tl-label" x="{mx + (2 if anchor == "start" else -2)}" '
                         f'y="{axis_y - 12 - lane * _LANE}" text-anchor="{anchor}" fill="#111" stroke="#fff" '
                         f'stroke-width="3" paint-order="stroke">{e(label)}</text>')
        out.append("".join(parts) + "</g>")
    # Deadlines, one row each.
    for row, span in enumerate(spans):
        y = rows_y + row * _ROW
        fill, stroke, dash = _SPAN_FILL[span.style]
        sx, dx = x(span.start), x(span.due)
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        parts = [f'<g class="tl-deadline {span.style}"><title>{e(span.detail)}</title>']
        if span.original_due is not None and span.original_due < span.due:
            # The period as first set, then the extension in a lighter shade, the original due date marked.
            ox = x(span.original_due)
            parts.append(f'<rect class="tl-span" x="{sx}" y="{y + 14}" width="{max(ox - sx, 2.0)}" height="10" '
                         f'fill="{fill}" stroke="{stroke}" stroke-width="1.5"{dash_attr} rx="2"/>')
            parts.append(f'<rect class="tl-extension" x="{ox}" y="{y + 14}" width="{max(dx - ox, 2.0)}" height="10" '
                         f'fill="{fill}" fill-opacity="0.35" stroke="{stroke}" stroke-width="1.5"{dash_attr} rx="2"/>')
            parts.append(f'<line class="tl-original-due" x1="{ox}" y1="{y + 10}" x2="{ox}" y2="{y + 28}" '
                         f'stroke="#000" stroke-width="2"/>')
        else:
            parts.append(f'<rect class="tl-span" x="{sx}" y="{y + 14}" width="{max(dx - sx, 2.0)}" height="10" '
                         f'fill="{fill}" stroke="{stroke}" stroke-width="1.5"{dash_attr} rx="2"/>')
        if span.strict_due != span.due:  # roll-over: show where the period strictly ended
            strict_x = x(span.strict_due)
            parts.append(f'<line class="tl-strict" x1="{strict_x}" y1="{y + 11}" x2="{strict_x}" y2="{y + 27}" '
                         f'stroke="#000" stroke-width="1.5" stroke-dasharray="2 1"/>')
        if span.overrun_to is not None and span.overrun_to > span.due:
            parts.append(f'<line class="tl-overrun" x1="{dx}" y1="{y + 19}" x2="{x(span.overrun_to)}" y2="{y + 19}" '
                         f'stroke="#b71c1c" stroke-width="3" stroke-dasharray="2 2"/>')
        if span.actual is not None:
            ax = x(span.actual)
            parts.append(f'<path class="tl-actual" d="M {ax} {y + 13} l 5 6 l -5 6 l -5 -6 z" fill="#000"/>')
        label = _clip(span.label, x1 - x0)
        width = text_width(label)
        lx, anchor = (sx, "start") if sx + width <= x1 else (max(dx, x0 + width), "end")
        parts.append(f'<text class="tl-span-label" x="{lx}" y="{y + 10}" text-anchor="{anchor}" fill="#111">'
                     f'{e(label)}</text></g>')
        out.append("".join(parts))
    if notes:
        out.append(f'<text class="tl-note" x="{x0}" y="{height - 6}" fill="#555" font-size="10">{e(notes)}</text>')
    out.append("</svg>")
    return "\n".join(out)


def _omissions(labels: int, spans: int, lang: Lang) -> str:
    parts = []
    if labels:
        parts.append(say("omitted_labels", lang, n=labels))
    if spans:
        parts.append(say("omitted_spans", lang, n=spans))
    return word("sep", lang).join(parts)


_LEGEND = (("met", "legend_met"), ("violated", "legend_missed"), ("warned", "legend_warned"), ("noticed", "notice"),
           ("met_by_roll_over", "legend_rolled"), ("pending", "legend_pending"), ("extension", "legend_extension"),
           ("overrun", "legend_overrun"), ("holiday", "legend_holiday"),
           ("adjusted_working_day", "legend_adjusted_working_day"))


def _legend(lang: Lang) -> str:
    return '<p class="legend">' + "".join(
        f'<span><i class="swatch {cls}"></i>{e(word(key, lang))}</span>' for cls, key in _LEGEND) + (
        f'<span>◆ {e(word("actual", lang))}</span><span>┃ {e(word("legend_original_due", lang))}</span>'
        f'<span>┆ {e(word("strict_due", lang))}</span></p>')


# --- the page --------------------------------------------------------------------------------------


def _particulars(rows: Sequence[tuple[str, str]]) -> str:
    """The case particulars as a compact grid: short values two to a line, long ones across the page."""
    cells = "".join(f'<dt class="{size}">{e(k)}</dt><dd class="{size}">{e(v)}</dd>'
                    for k, v in rows for size in ["wide" if len(v) > 24 else "short"])
    return f'<dl class="particulars">{cells}</dl>'


def _marked(text: str, words: str) -> str:
    """``text`` escaped, with the words a finding relies on marked where they occur in it."""
    at = text.find(words) if words else -1
    if at < 0:
        return e(text)
    return f"{e(text[:at])}<mark>{e(words)}</mark>{e(text[at + len(words):])}"


def _kv_table(rows: Iterable[tuple[str, str]], css: str = "kv") -> str:
    body = "".join(f"<tr><th>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in rows)
    return f'<table class="{css}"><tbody>{body}</tbody></table>'


def _table(header: Sequence[str], rows: Iterable[Sequence[str]], numeric: Sequence[bool] = (), css: str = "") -> str:
    """A table of already-escaped cells; ``numeric`` right-aligns columns."""
    def cls(i: int) -> str:
        return ' class="num"' if i < len(numeric) and numeric[i] else ""

    head = "".join(f"<th{cls(i)}>{h}</th>" for i, h in enumerate(header))
    body = "".join("<tr>" + "".join(f"<td{cls(i)}>{c}</td>" for i, c in enumerate(row)) + "</tr>" for row in rows)
    attribute = f' class="{css}"' if css else ""
    return f"<table{attribute}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _citation(citation: Citation, heading: str, lang: Lang, relied_on: str = "") -> str:
    original = f'<span class="lang">{e(word("original", lang))}</span>' if translated(lang) else ""
    quotes = [f'<blockquote lang="zh-CN">{original}{_marked(citation.text_zh, relied_on)}</blockquote>']
    if translated(lang) and citation.text_en:
        quotes.append(f'<blockquote lang="en"><span class="lang">{e(word("translation", lang))}</span>'
                      f"{e(citation.text_en)}</blockquote>")
    two = " two" if len(quotes) == 2 else ""
    return (f'<div class="cite"><div><b>{e(heading)}</b> {e(bi(citation.label, lang))}</div>'
            f'<div class="cite-text{two}">{"".join(quotes)}</div></div>')


def _finding(finding: Finding, report: Report, lang: Lang, fid: str) -> str:
    parts = [f'<article class="finding {finding.severity}" id="{fid}">',
             f'<h4><span class="badge {finding.severity}">{e(word(finding.severity, lang))}</span> '
             f'<span class="id">{e(finding.rule_id)}</span> {e(bi(finding.title, lang))}</h4>',
             f'<p class="message">{e(bi(finding.message, lang))}</p>']
    relied_on = finding.grounds.zh
    parts.extend(_citation(c, word("grounds", lang), lang, relied_on) for c in finding.citations)
    parts.extend(_citation(c, word("liability", lang), lang) for c in finding.liability)
    if translated(lang) or not any(relied_on in c.text_zh for c in finding.citations):
        parts.append(f'<p><b>{e(word("words", lang))}</b> 「{e(bi(finding.grounds, lang))}」</p>')
    if finding.events:
        parts.append(f'<p class="events"><b>{e(word("events", lang))}</b> '
                     + e(word("sep", lang).join(event_name(ev, lang) for ev in finding.events)) + "</p>")
    if finding.deadline is not None:
        parts.append(f'<p class="deadline"><b>{e(word("deadline", lang))}</b> '
                     f"{e(deadline_summary(finding.deadline, lang))}</p>")
        parts.append(f'<details class="arithmetic"><summary>{e(word("steps", lang))}</summary>'
                     + _kv_table(deadline_rows(finding.deadline, lang))
                     + ('<ol class="steps">' + "".join(f"<li>{e(bi(step, lang))}</li>"
                                                       for step in finding.deadline.steps) + "</ol>"
                        if finding.deadline.steps else "") + "</details>")
    if finding.readings:
        parts.append(f'<p><b>{e(word("readings_used", lang))}</b> '
                     + e(joined(reading_titles(report, finding.readings, lang), lang)) + "</p>")
    if finding.pack is not None:
        displaced = (f' · {e(word("displaces", lang))}{e(word("colon", lang))}'
                     f'{e(joined(list(finding.overrides), lang))}' if finding.overrides else "")
        parts.append(f'<p><b>{e(word("pack", lang))}</b> {e(finding.pack)}{displaced}</p>')
    parts.append("</article>")
    return "".join(parts)


def _summary_line(report: Report, lang: Lang) -> str:
    c = report.counts
    counts = " · ".join(  # red only when there is a violation to see
        f'<span class="count-{key}">{e(word(key, lang))} {getattr(c, key)}</span>' if getattr(c, key)
        else f"{e(word(key, lang))} 0" for key in COUNT_KEYS)
    return (f'<p class="summary-line"><b>{e(word("case", lang))}</b> {e(report.case_id)} · '
            f'<b>{e(word("governed", lang))}</b> {e(instruments_text(report, lang))} · '
            f'<b>{e(word("as_of", lang))}</b> {e(date_text(report.as_of, lang))} · {counts}</p>')


def _undetermined_section(report: Report, lang: Lang) -> list[str]:
    """Obligations the file cannot decide, with the missing fields and what to record."""
    if not report.undetermined:
        return []
    heading = say("counted", lang, label=word("undetermined_section", lang), n=len(report.undetermined))
    return [f'<h3 class="undetermined">{e(heading)}</h3>',
            _table([e(word(k, lang)) for k in ("rule", "obligation", "event", "to_record")],
                   ([f'<span class="id">{e(rule_id)}</span>', e(title), e(event), e(record)]
                    for rule_id, title, event, record in undetermined_rows(report, lang)),
                   css="undetermined")]


def _governing_html(report: Report, lang: Lang) -> str:
    """Which instruments governed, act by act, and the readings relied on (also when clean)."""
    items = "".join(f"<li>{e(sentence)}</li>" for sentence in governing_sentences(report, lang))
    html_text = f'<h3>{e(word("governing_h", lang))}</h3><ul class="governing">{items}</ul>'
    if report.selection_readings:
        html_text += (f'<p class="meta">{e(word("selection_readings", lang))}{e(word("colon", lang))}'
                      + e(joined(reading_titles(report, report.selection_readings, lang), lang)) + "</p>")
    if report.standing_readings:
        html_text += (f'<p class="meta">{e(word("standing_readings", lang))}{e(word("colon", lang))}'
                      + e(joined(reading_titles(report, report.standing_readings, lang), lang)) + "</p>")
    return html_text


def _case_section(position: int, item: BatchItem, report: Report, lang: Lang) -> str:
    anchor = case_anchor(position)
    colon = e(word("colon", lang))
    parts = [f'<section class="case" id="{anchor}" aria-label="{e(word("case", lang))} {e(report.case_id)}">',
             f"<h2>{position}. {e(word('case', lang))} {e(report.case_id)}</h2>", _summary_line(report, lang)]
    if report.source:
        parts.append(f'<p class="meta source">{e(word("source", lang))}{colon}'
                     f'<span class="mono">{e(report.source)}</span></p>')
    if item.case is not None:
        parts.append(f"<h3>{e(word('particulars', lang))}</h3>" + _particulars(particulars_rows(item.case, lang)))
    svg = render_timeline(report, item.case, lang, f"tl-{position}")
    if svg:
        parts.append(f'<figure class="timeline"><figcaption>{e(word("timeline", lang))}</figcaption>{svg}'
                     f"{_legend(lang)}</figure>")
    if item.case is not None:
        rows, later = chronology(item.case, report.as_of, lang)
        heading = say("counted", lang, label=word("chronology", lang), n=len(rows))
        parts.append(f'<details class="chronology" open><summary>{e(heading)}'
                     "</summary>" + _table([e(word(k, lang)) for k in ("number", "date", "event", "agency", "note")],
                                           ([e(r.number), e(r.date), e(r.kind), e(r.agency),
                                             e(r.note)] for r in rows), css="chronology")
                     + (f'<p class="meta">{e(say("later_events", lang, n=later))}</p>' if later else "")
                     + "</details>")
    parts.append(_governing_html(report, lang))
    groups = findings_by_severity(report)
    if not groups and not report.undetermined:
        parts.append(f'<p class="no-findings"><b>{e(word("no_findings", lang))}</b></p>')
    for severity, findings in groups:
        parts.append(f'<h3>{e(say("counted", lang, label=word(severity + "_h", lang), n=len(findings)))}</h3>')
        parts.extend(_finding(f, report, lang, f"{anchor}-{severity}-{n}") for n, f in enumerate(findings, 1))
    parts.extend(_undetermined_section(report, lang))
    parts.append(f'<h3>{e(say("counted", lang, label=word("docket", lang), n=len(report.pending)))}</h3>')
    if report.pending:
        parts.append(_table([e(word(k, lang)) for k in ("rule", "obligation", "trigger", "due", "days_left")],
                            ([f'<span class="id">{e(p.rule_id)}</span>', e(bi(p.title, lang)),
                              e(event_name(p.trigger, lang)), f'<span class="date">{e(due_text(p, lang)[0])}</span>',
                              e(due_text(p, lang)[1])] for p in report.pending),
                            numeric=(False, False, False, False, True), css="docket"))
    else:
        parts.append(f"<p>{e(word('none', lang))}</p>")
    applied = report.readings
    parts.append(f'<h3>{e(say("counted", lang, label=word("readings", lang), n=len(applied)))}</h3>')
    parts.append(f'<p class="readings">{e(word("sep", lang).join(bi(r.title, lang) for r in applied))}</p>'
                 if applied else f"<p>{e(word('none', lang))}</p>")
    parts.append("</section>")
    return "\n".join(parts)


def _appendix(items: Sequence[BatchItem], lang: Lang) -> str:
    """Field paths, hashes, versions and reading ids for auditors, after every case (compact, small type)."""
    parts = [f'<section class="appendix" id="appendix"><h2>{e(word("appendix", lang))}</h2>'
             f'<p class="meta">{e(word("appendix_note", lang))}</p>']
    for position, item in enumerate(items, 1):
        report = item.report
        if report is None:
            continue
        parts.append(f'<h3><a href="#{case_anchor(position)}">{position}. {e(word("case", lang))} '
                     f"{e(report.case_id)}</a></h3>")
        parts.append(f'<h4>{e(word("receipt", lang))}</h4>' + _kv_table(receipt_rows(report, lang), "kv receipt"))
        rows = audit_rows(report, lang)
        if rows:
            parts.append(_table([e(word(k, lang)) for k in ("rule", "finding", "events", "field", "reading_id")],
                                ([f'<span class="id">{e(row.rule_id)}</span> <code>{e(row.rule_name)}</code>',
                                  e(row.what), "<br>".join(f"<code>{e(p)}</code>" for p in row.events),
                                  "<br>".join(f"<code>{e(f)}</code>" for f in row.fields),
                                  "<br>".join(f"<code>{e(r)}</code>" for r in row.readings)] for row in rows),
                                css="audit"))
        if report.readings:
            parts.append(_table([e(word("reading_id", lang)), e(word("readings", lang))],
                                ([f"<code>{e(r.id)}</code>", f"<b>{e(bi(r.title, lang))}</b> {e(bi(r.text, lang))}"]
                                 for r in report.readings), css="audit readings"))
    parts.append("</section>")
    return "\n".join(parts)


def _batch_section(tables: BatchTables, lang: Lang) -> str:
    numbers = (*COUNT_HEADINGS, "affected")
    ranked = _table([e(word("case", lang)), *(e(word(k, lang)) for k in numbers[:5]), e(word("source", lang))],
                    ([f'<a href="#{case_anchor(pos)}">{e(r.case_id)}</a>',
                      *(str(getattr(r.counts, k)) for k in COUNT_KEYS), e(r.source or "—")]
                     for pos, r in tables.ranked), numeric=(False, True, True, True, True, True, False), css="ranked")
    by_rule = _table([e(word("rule", lang)), e(word("title", lang)), *(e(word(k, lang)) for k in numbers)],
                     ([f"<code>{e(rule_id)}</code>", e(title), *tally.cells()]
                      for rule_id, title, tally in tables.by_rule),
                     numeric=(False, False, True, True, True, True, True, True))
    by_agency = _table([e(word("agency", lang)), *(e(word(k, lang)) for k in numbers)],
                       ([e(agency), *tally.cells()] for agency, tally in tables.by_agency),
                       numeric=(False, True, True, True, True, True, True))
    return (f'<section class="batch" id="summary"><h2>{e(word("summary", lang))}</h2>'
            f'<h3>{e(word("ranked", lang))}</h3>{ranked}<h3>{e(word("by_rule", lang))}</h3>{by_rule}'
            f'<h3>{e(word("by_agency", lang))}</h3>{by_agency}</section>')


def _errors_section(errors: Sequence[ErrorRow], lang: Lang) -> str:
    rows = ([e(r.file), e(r.line), e(r.column), f"<code>{e(r.field)}</code>" if r.field else "",
             f"{e(word(r.kind, lang))}{e(word('colon', lang))}{e(r.message)}"] for r in errors)
    heading = say("counted", lang, label=word("rejected", lang), n=len({r.file for r in errors}))
    return (f'<section class="errors" id="rejected"><h2>{e(heading)}</h2>'
            + _table([e(word(k, lang)) for k in ("file", "line", "column", "field", "problem")], rows,
                     numeric=(False, True, True, False, False)) + "</section>")


def render_html(items: Sequence[BatchItem], summary: Summary, lang: Lang) -> str:
    """The whole batch as one self-contained HTML page."""
    tables = tabulate(items, lang)
    dates = joined([date_text(d, lang) for d in as_of_dates(items)], lang) or "—"
    body = [f"<header><h1>{e(word('report_title', lang))}</h1>",
            f'<p class="summary-line">{e(summary_text(summary, lang))} · '
            f'<b>{e(word("as_of", lang))}</b> {e(dates)}</p>',
            f'<p class="meta">{e(word("generated", lang))}</p></header>']
    if len(items) > 1:
        body.append(_batch_section(tables, lang))
    if tables.errors:
        body.append(_errors_section(tables.errors, lang))
    for position, item in enumerate(items, 1):
        if item.report is not None:
            body.append(_case_section(position, item, item.report, lang))
    if any(item.report is not None for item in items):
        body.append(_appendix(items, lang))
    return _page(word("report_title", lang), body, lang)


def render_docket(rows: Sequence[DocketRow], unknown: Sequence[tuple[str, str, Undetermined]], as_of: dt.date,
                  lang: Lang) -> str:
    """``legalcheck due --format html``: the docket as one self-contained page, soonest first.

    The columns of the Markdown docket; then the obligations that cannot be determined until a
    fact is recorded, as the text docket lists them.
    """
    heading = say("docket_header", lang, as_of=date_text(as_of, lang), n=len(rows))
    body = [f"<header><h1>{e(heading)}</h1></header>"]
    header = [e(word(k, lang)) for k in ("due", "days_left", "case", "acting_agency", "obligation", "rule", "trigger",
                                         "moved_by")]
    cells = []
    for row in rows:
        due, left = due_cells(row.pending, lang)
        cells.append([f'<span class="date">{e(due)}</span>', e(left), f'<span class="id">{e(row.case_id)}</span>',
                      e(actor(row.pending)), e(bi(row.pending.title, lang)),
                      f'<span class="id">{e(row.pending.rule_id)}</span>', e(event_name(row.pending.trigger, lang)),
                      e(moved(row.pending, lang))])
    body.append(_table(header, cells, numeric=(False, True), css="docket office") if cells
                else f"<p>{e(word('none', lang))}</p>")
    if unknown:
        body.append(f"<h2>{e(say('docket_undetermined', lang, n=len(unknown)))}</h2>")
        body.append(_table([e(word(k, lang)) for k in ("case", "rule", "obligation", "to_record")],
                           ([f'<span class="id">{e(case_id)}</span>', f'<span class="id">{e(u.rule_id)}</span>',
                             e(bi(u.title, lang)), e(bi(u.record, lang))] for case_id, _source, u in unknown),
                           css="undetermined"))
    return _page(heading, body, lang)


def _page(title: str, body: Sequence[str], lang: Lang) -> str:
    return (f'<!DOCTYPE html>\n<html lang="{html_lang(lang)}">\n<head>\n<meta charset="utf-8">\n'
            f'<meta http-equiv="Content-Security-Policy" content="{e(_CSP)}">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            '<link rel="icon" href="data:,">\n'  # stops browsers from asking the network for /favicon.ico
            f"<title>{e(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
            + "\n".join(body) + "\n</body>\n</html>\n")


class HtmlReporter(Reporter):
    """One self-contained HTML page (no scripts, no external resources)."""

    name = "html"
    order = 4
    collects = True

    def write(self, items: Iterable[BatchItem], summary: Summary, destination: Destination) -> None:
        assert destination.stream is not None
        destination.stream.write(render_html(list(items), summary, destination.lang))


REPORTER = HtmlReporter()
