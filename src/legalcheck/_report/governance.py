"""The words every reporter uses for which instruments governed a case and on what that rests.

A report's ``governing`` lists, act by act (reading instrument-by-date-of-act), each instrument
whose rules were in force on the date of at least one recorded act; these sentences say so in
the same words in every format, also when nothing was found.
"""

from __future__ import annotations

from .._core.vocabulary import Lang, zh_date
from .._model.findings import GoverningInstrument, Report


def governing_sentence(item: GoverningInstrument, lang: Lang) -> str:
    """One instrument: its dates, what they rest on, and the case's acts within them."""
    if lang == "zh":
        name = f"{item.title.zh}（{item.instrument}" + (f"，规则包 {item.pack}）" if item.pack else "）")
        span = (f"{zh_date(item.in_force_from)}至{zh_date(item.in_force_until)}" if item.in_force_until
                else f"{zh_date(item.in_force_from)}以后")
        grounds = []
        if item.from_source is not None:
            grounds.append(f"起始日依据{item.from_source.label.zh}")
        if item.until_source is not None:
            grounds.append(f"截止日依据{item.until_source.label.zh}")
        elif item.until_reading is not None and item.in_force_until is not None:
            grounds.append(f"截止日依据解读 {item.until_reading}，所存文本未作规定")
        ground = f"（{'；'.join(grounds)}）" if grounds else ""
        acts = (f"本案有{item.acts}项行为在此期间（{zh_date(item.first_act)}至{zh_date(item.last_act)}）"
                if item.first_act != item.last_act
                else f"本案有{item.acts}项行为在此期间（均在{zh_date(item.first_act)}）")
        return f"{name}：其规则适用于{span}的行为{ground}；{acts}。"
    name = f"{item.title.en} ({item.instrument}" + (f", pack {item.pack})" if item.pack else ")")
    span = (f"from {item.in_force_from} to {item.in_force_until}" if item.in_force_until
            else f"from {item.in_force_from}")
    grounds_en = []
    if item.from_source is not None:
        grounds_en.append(f"start: {item.from_source.label.en}")
    if item.until_source is not None:
        grounds_en.append(f"end: {item.until_source.label.en}")
    elif item.until_reading is not None and item.in_force_until is not None:
        grounds_en.append(f"end: reading {item.until_reading}, not fixed by any text held")
    ground_en = f" ({'; '.join(grounds_en)})" if grounds_en else ""
    when = (f"{item.first_act} to {item.last_act}" if item.first_act != item.last_act
            else f"all on {item.first_act}")
    return f"{name}: its rules apply to acts {span}{ground_en}; {item.acts} act(s) of the case fall within ({when})."


def governing_sentences(report: Report, lang: Lang) -> list[str]:
    if not report.governing:
        return ["本案截至检查日没有记载任何行为，没有适用的规定。" if lang == "zh"
                else "The case records no act up to the as-of date, so no instrument governed."]
    return [governing_sentence(item, lang) for item in report.governing]


def governing_titles(report: Report, lang: Lang) -> str:
    """Short form for a heading line: the titles of the instruments that governed."""
    names = [f"{getattr(g.title, lang)} ({g.instrument}{', ' + g.pack if g.pack else ''})" for g in report.governing]
    return ", ".join(names) or "—"
