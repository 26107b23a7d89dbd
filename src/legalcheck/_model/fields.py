"""What every field, value and event kind of a case file is called, and what its absence means.

One source: ``docs/case-fields.yaml`` (bundled with the package), which the officer's guide,
the JSON Schema of ``legalcheck schema`` and the "did you mean" of input errors all read.
Labels are never written twice: a field whose values the reports word names its table
in the vocabulary (``labels: channel``, a key of
:data:`legalcheck._core.vocabulary.LABELS`), and an event kind's name is the ``label``
its class declares; the file words only the other values. Read once, on first use: a case file written
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
from .._core.vocabulary import LABELS
from .case import EVENT_CLASSES, EVENT_KINDS

FIELDS_FILE = "case-fields.yaml"
TEMPLATE_FILE = "template.zh.yaml"


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


def value_names(entry: Mapping[str, Any]) -> dict[str, Bilingual]:
    """The names of a field's values: its vocabulary table's (``labels: …``), then the file's own
    ``values`` for any value the table does not word."""
    table = LABELS[entry["labels"]] if "labels" in entry else {}
    own = {str(v): _bilingual(n) for v, n in (entry.get("values") or {}).items()}
    return {value: Bilingual(*pair) for value, pair in table.items()} | own


@functools.lru_cache(maxsize=1)
def field_names() -> dict[str, FieldName]:
    """Every field by its path as case-fields.yaml writes it (``channel``, ``agencies[].level``,
    ``events[notified].subject``)."""
    out: dict[str, FieldName] = {}
    for path, entry in _names()["fields"].items():
        absent = entry.get("absent")
        out[path] = FieldName(_bilingual(entry), _bilingual(absent) if absent else None,
                              value_names(entry), entry.get("article"))
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
    tables: list[Mapping[str, str]] = [{cls.label.zh: kind for kind, cls in zip(EVENT_KINDS, EVENT_CLASSES)}]
    tables += [{name.zh: value for value, name in entry.values.items()} for entry in field_names().values()]
    return build_parse_table(tables)


def template_text() -> str:
    """The commented Chinese case template (docs/template.zh.yaml) that ``legalcheck init`` writes."""
    return (data_dir("docs") / TEMPLATE_FILE).read_text(encoding="utf-8")
