"""The office's docket (``legalcheck due``): per pending deadline, who must act, what, by when.

Sorted by due date. Each line names the agency the duty falls on, the obligation, the due
date with its weekday, the days left, and whether an extension or a roll-over moved the due
date. Field paths stay out; JSON keeps every field of the pending obligation.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from .._core.vocabulary import Lang, bi, date_text, days_text, joined, say, weekday_text, word
from .._model.findings import PendingObligation, Undetermined
from .neutral import neutralise
from .phrases import event_name
from .reporters.markdown import md


@dataclass(frozen=True)
class DocketRow:
    case_id: str
    source: str
    pending: PendingObligation


def docket_order(row: DocketRow) -> tuple[dt.date, str, str]:
    return (row.pending.due or dt.date.max, row.case_id, row.pending.rule_id)


def actor(pending: PendingObligation) -> str:
    """The agency that must act, as the rule names it; "—" when it names none (a petitioner's request)."""
    if pending.agency is not None:
        return pending.agency_name or pending.agency
    return "—"


def moved(pending: PendingObligation, lang: Lang) -> str:
    """经延长30日、末日顺延 / extended by 30 days, rolled over; — when nothing moved the due date."""
    deadline = pending.deadline
    if deadline is None:
        return word("moved_none", lang)
    parts = []
    if deadline.extension_days:
        parts.append(say("moved_extension", lang, days=days_text(deadline.extension_days, lang)))
    if deadline.rolled_due is not None and deadline.rolled_due != deadline.strict_due:
        parts.append(word("moved_roll_over", lang))
    return joined(parts, lang) or word("moved_none", lang)


def due_cells(pending: PendingObligation, lang: Lang) -> tuple[str, str]:
    """(due date with weekday, days left), or the provision's silence on a period."""
    if pending.due is None:
        return word("no_period", lang), "—"
    left = days_text(pending.days_left, lang) if pending.days_left is not None else "—"
    return say("date_weekday", lang, date=date_text(pending.due, lang), weekday=weekday_text(pending.due, lang)), left


def docket_text(rows: Sequence[DocketRow], unknown: Sequence[tuple[str, str, Undetermined]], as_of: dt.date,
                lang: Lang) -> str:
    colon = word("colon", lang)
    lines = [say("docket_header", lang, as_of=date_text(as_of, lang), n=len(rows))]
    for row in rows:
        p = row.pending
        due, left = due_cells(p, lang)
        lines.append(f"{due}  {word('days_left', lang)}{colon}{left}  {row.case_id}  "
                     f"{say('agency_to_act', lang, agency=actor(p), title=bi(p.title, lang))}（{p.rule_id}）")
        lines.append(f"    {word('trigger', lang)}{colon}{event_name(p.trigger, lang)}  "
                     f"{word('moved_by', lang)}{colon}{moved(p, lang)}")
    if unknown:
        lines.append(say("docket_undetermined", lang, n=len(unknown)))
    for case_id, _source, u in unknown:
        lines.append(f"{word('undetermined', lang)}  {case_id}  {bi(u.title, lang)}（{u.rule_id}）  "
                     f"{word('to_record', lang)}{colon}{bi(u.record, lang)}")
    return "\n".join(map(neutralise, lines)) + "\n"


def docket_markdown(rows: Sequence[DocketRow], as_of: dt.date, lang: Lang) -> str:
    header = [word(k, lang) for k in ("due", "days_left", "case", "acting_agency", "obligation", "rule", "trigger",
                                      "moved_by")]
    lines = [f"# {say('docket_header', lang, as_of=date_text(as_of, lang), n=len(rows))}", "",
             "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        p = row.pending
        due, left = due_cells(p, lang)
        cells = [md(due), md(left), md(row.case_id), md(actor(p)), md(bi(p.title, lang)), p.rule_id,
                 md(event_name(p.trigger, lang)), md(moved(p, lang))]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
