"""Write the "Event kinds" section of docs/rule-language.md from the event classes' declarations.

Each event kind declares its label, its free-text fields and its facts on its class in
``src/legalcheck/_model/case.py``; this section is made from them (tests/model/test_event_kinds.py fails
when it is out of date). Run from a checkout:

    PYTHONPATH=src python docs/make_rule_language.py
"""

from __future__ import annotations

import sys
from pathlib import Path

from legalcheck._facts.facts import kind_fact_types
from legalcheck._model.case import EVENT_CLASSES, EVENT_KINDS

DOC = Path(__file__).resolve().parent / "rule-language.md"
HEADING = "### Event kinds\n"


def _names(names: list[str]) -> str:
    return ", ".join(f"`{name}`" for name in names)


def event_kinds_section() -> str:
    """The section, heading included, as the event classes declare it."""
    rows = []
    derived: dict[str, tuple[str, list[str]]] = {}
    for cls, kind in zip(EVENT_CLASSES, EVENT_KINDS, strict=True):
        declared = cls.facts
        facts = [*declared.copied, *(f"{name}_day" for name in declared.dates)]
        if declared.from_agency:
            facts.append("from_agency")
        if declared.to_agency:
            facts.append("to")
        facts += [fact.name for fact in declared.derived]
        assert set(facts) <= set(kind_fact_types(cls, declared)), kind
        for fact in declared.derived:
            derived.setdefault(fact.name, (fact.meaning, []))[1].append(kind)
        rows.append(f"| `{kind}` | {cls.label.zh} | {cls.label.en} | {_names(facts)} | {_names(list(cls.free_text))} |")
    notes = [f"- `{name}` ({_names(kinds)}): {meaning}" for name, (meaning, kinds) in derived.items()]
    return "\n".join([
        HEADING.rstrip("\n"),
        "",
        "Made by `docs/make_rule_language.py` from the event classes of `_model/case.py`, where each kind",
        "declares its label, its free-text fields (masked by `--redact`) and its `facts`. Every event has",
        "`seq`, `index`, `kind`, `day` and the `agency_*` facts of its acting agency; the table lists what",
        "each kind adds. A date field `end` becomes the day number `end_day`; `to` (an agency) brings the",
        "`to_*` agency facts and `to_same_level`, `to_is_superior`, `to_is_subordinate`; `from_agency`",
        "brings `from_kind` and `from_is_superior`. `legalcheck schema` prints the exact JSON Schema.",
        "",
        "| kind | 中文 | English | facts | free text |",
        "|---|---|---|---|---|",
        *rows,
        "",
        "Facts computed rather than copied:",
        "",
        *notes,
        "",
    ])


def current_doc(text: str) -> str:
    """``text`` (the rule-language page) with its event-kinds section made anew."""
    before, rest = text.split(HEADING, 1)
    _, after = rest.split("\n### ", 1)
    return before + event_kinds_section() + "\n### " + after


def main() -> int:
    text = DOC.read_text(encoding="utf-8")
    DOC.write_text(current_doc(text), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
