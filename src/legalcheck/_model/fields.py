"""What every field, value and event kind of a case file is called, and what its absence means.

One source: ``docs/case-fields.yaml`` (bundled with the package), which the officer's guide,
the JSON Schema of ``legalcheck schema`` and the "did you mean" of input errors all read.
The Chinese labels the reports print (channels, categories, event kinds) are taken from the
reporters' own tables (:func:`legalcheck._core.vocabulary.value_labels`, the event classes);
the labels of the other values from this file. Read once, on first use: a case file written
with canonical identifiers never causes it to be read.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .._core.bilingual import Bilingual
from .._core.paths import data_dir
from .._core.safe_yaml import load_document
from .._core.vocabulary import value_labels
from .case import EVENT_CLASSES, EVENT_KINDS

FIELDS_FILE = "case-fields.yaml"
TEMPLATE_FILE = "template.zh.yaml"
# Vocabularies whose Chinese labels the reporters own; case-fields.yaml words them alike (tests/test_guide.py).
_REPORTED = {"channel": "channel", "category": "category", "status": "status"}


@dataclass(frozen=True)
class FieldName:
    """A field's names, and what the check does when the file leaves it out (``absent``)."""

    name: Bilingual
    absent: Bilingual | None
    values: Mapping[str, Bilingual]
    article: str | None = None  # where the 2022 Regulations define it, e.g. 第十七条


@functools.lru_cache(maxsize=1)
def _names() -> dict[str, Any]:
    data: dict[str, Any] = load_document(data_dir("docs") / FIELDS_FILE).data
    return data


def _bilingual(entry: Any) -> Bilingual:
    return Bilingual(str(entry["zh"]), str(entry["en"]))


@functools.lru_cache(maxsize=1)
def field_names() -> dict[str, FieldName]:
    """Every field by its path as case-fields.yaml writes it (``channel``, ``agencies[].level``,
    ``events[notified].subject``)."""
    out: dict[str, FieldName] = {}
    for path, entry in _names()["fields"].items():
        absent = entry.get("absent")
        out[path] = FieldName(_bilingual(entry), _bilingual(absent) if absent else None,
                              {str(v): _bilingual(n) for v, n in (entry.get("values") or {}).items()},
                              entry.get("article"))
    return out


@functools.lru_cache(maxsize=1)
def event_kind_names() -> dict[str, tuple[Bilingual, Bilingual | None]]:
    """Each event kind's name (as its class declares it) and when to record it (case-fields.yaml)."""
    kinds = _names()["event_kinds"]
    return {kind: (cls.label, _bilingual(kinds[kind]["when"]) if "when" in kinds.get(kind, {}) else None)
            for kind, cls in zip(EVENT_KINDS, EVENT_CLASSES)}


def build_parse_table(tables: Iterable[Mapping[str, str]]) -> dict[str, frozenset[str]]:
    """label -> every value it names, over ``tables`` (each label -> value). A label naming two values
    of one field is ambiguous: the loader refuses it rather than pick one."""
    out: dict[str, set[str]] = {}
    for table in tables:
        for label, value in table.items():
            out.setdefault(label, set()).add(value)
    return {label: frozenset(values) for label, values in out.items()}


@functools.lru_cache(maxsize=1)
def parse_table() -> dict[str, frozenset[str]]:
    """The Chinese label of every enumerated value and event kind -> the identifiers it names."""
    tables: list[Mapping[str, str]] = list(value_labels().values())
    tables.append({cls.label.zh: kind for kind, cls in zip(EVENT_KINDS, EVENT_CLASSES)})
    for path, entry in field_names().items():
        if path not in _REPORTED:
            tables.append({name.zh: value for value, name in entry.values.items()})
    return build_parse_table(tables)


def template_text() -> str:
    """The commented Chinese case template (docs/template.zh.yaml) that ``legalcheck init`` writes."""
    return (data_dir("docs") / TEMPLATE_FILE).read_text(encoding="utf-8")
