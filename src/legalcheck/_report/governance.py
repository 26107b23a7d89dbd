"""The words every reporter uses for which instruments governed a case and on what that rests.

A report's ``governing`` lists, act by act (reading instrument-by-date-of-act), each instrument
whose rules were in force on the date of at least one recorded act; these sentences say so in
the same words in every format, also when nothing was found. Readings are named by their
titles; their ids are for the audit appendix.
"""

from __future__ import annotations

from collections.abc import Iterable

from .._core.vocabulary import Lang, date_text, joined, say, word
from .._model.findings import GoverningInstrument, Report


def _say(key: str, lang: Lang, **values: object) -> str:
    return say(f"gov_{key}", lang, **values)


def reading_titles(report: Report, ids: Iterable[str], lang: Lang) -> list[str]:
    """The titles of the readings ``ids`` as the report carries them (an id it lacks stays an id)."""
    titles = {r.id: getattr(r.title, lang) for r in report.readings}
    return [titles.get(reading_id, reading_id) for reading_id in ids]


def governing_sentence(item: GoverningInstrument, lang: Lang, reading_title: str | None = None) -> str:
    """One instrument: its dates, what they rest on, and the case's acts within them."""
    title = getattr(item.title, lang)
    name = _say("name_pack", lang, title=title, pack=item.pack) if item.pack else _say("name", lang, title=title)
    start = date_text(item.in_force_from, lang)
    span = (_say("span", lang, start=start, end=date_text(item.in_force_until, lang)) if item.in_force_until
            else _say("span_open", lang, start=start))
    grounds = []
    if item.from_source is not None:
        grounds.append(_say("from_source", lang, label=getattr(item.from_source.label, lang)))
    if item.until_source is not None:
        grounds.append(_say("until_source", lang, label=getattr(item.until_source.label, lang)))
    elif item.until_reading is not None and item.in_force_until is not None:
        grounds.append(_say("until_reading", lang, title=reading_title or item.until_reading))
    ground = _say("grounds", lang, grounds=word("sep", lang).join(grounds)) if grounds else ""
    first, last = date_text(item.first_act, lang), date_text(item.last_act, lang)
    acts = (_say("acts", lang, acts=item.acts, first=first, last=last) if item.first_act != item.last_act
            else _say("acts_one_day", lang, acts=item.acts, first=first))
    return _say("sentence", lang, name=name, span=span, ground=ground, acts=acts)


def governing_sentences(report: Report, lang: Lang) -> list[str]:
    if not report.governing:
        return [say("no_governing", lang)]
    return [governing_sentence(item, lang, *reading_titles(report, [item.until_reading], lang)
                               if item.until_reading else ()) for item in report.governing]


def governing_titles(report: Report, lang: Lang) -> str:
    """Short form for a heading line: the titles of the instruments that governed."""
    names = [f"{getattr(g.title, lang)} ({g.instrument}{', ' + g.pack if g.pack else ''})" for g in report.governing]
    return joined(names, lang) or "—"
