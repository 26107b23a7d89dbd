"""The generated parts of the officer's guide: field tables and quoted reports.

The guides (docs/guide.zh.md, docs/guide.en.md) hold two kinds of generated text:

- the field tables, between ``<!-- case-fields:begin -->`` and ``<!-- case-fields:end -->``, made
  from the case model and the names in docs/case-fields.yaml;
- quoted reports, between ``<!-- report: ARGS -->`` and ``<!-- report:end -->``: the output and
  exit code of ``legalcheck ARGS`` run from the project root.

Run

    PYTHONPATH=src python docs/make_guide.py

to rewrite them after the case model, the names, the rules or the report wording change;
tests/test_guide.py fails while a guide differs from what this script writes, or while the names
miss a field, value or event kind of the model.
"""

from __future__ import annotations

import enum
import functools
import os
import re
import shlex
import subprocess
import sys
import types
import typing
from pathlib import Path
from typing import Any, Literal, Union

import yaml
from pydantic import BaseModel

from legalcheck import Case
from legalcheck._core.vocabulary import LABELS
from legalcheck._model.case import EVENT_CLASSES, EVENT_KINDS
from legalcheck._model.fields import value_names

DOCS = Path(__file__).resolve().parent
NAMES = DOCS / "case-fields.yaml"
EVENT_LABELS = dict(zip(EVENT_KINDS, (cls.label for cls in EVENT_CLASSES), strict=True))  # as the reports name them
GUIDES = {"zh": DOCS / "guide.zh.md", "en": DOCS / "guide.en.md"}
ROOT = DOCS.parent
BEGIN, END = "<!-- case-fields:begin -->", "<!-- case-fields:end -->"
REPORT = re.compile(r"<!-- report: (?P<args>[^>]*?) -->\n.*?<!-- report:end -->", re.DOTALL)
EVENT_COMMON = ("id", "date", "agency", "note")


def _values(annotation: Any) -> tuple[str, ...]:
    """The enum or Literal values a field admits (inside Optional and tuples), else ()."""
    origin = typing.get_origin(annotation)
    if origin is Literal:
        return tuple(str(v) for v in typing.get_args(annotation))
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return tuple(str(m.value) for m in annotation)
    if origin in (Union, types.UnionType, tuple, typing.Annotated):
        return tuple(v for arg in typing.get_args(annotation) for v in _values(arg))
    return ()


def _model(annotation: Any) -> type[BaseModel] | None:
    """The model a field holds (directly, optionally or as a tuple of them), else None."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _model(arg)
        if found is not None:
            return found
    return None


def _event_classes() -> list[type[BaseModel]]:
    union = typing.get_args(Case.model_fields["events"].annotation)[0]  # tuple[Event, ...] -> Event
    members = typing.get_args(typing.get_args(union)[0])  # Annotated[Union[...], Field] -> the classes
    return list(members)


def model_fields() -> dict[str, tuple[str, ...]]:
    """Every field path of the case model with the values it admits (() for free values).

    Paths: ``channel``, ``flags.complex``, ``petitioners[].name``, ``events[].date`` for the fields
    every event has, ``events[received].via`` for the fields of one kind.
    """
    paths: dict[str, tuple[str, ...]] = {}

    def walk(model: type[BaseModel], prefix: str) -> None:
        for name, info in model.model_fields.items():
            key = info.alias or name
            path = f"{prefix}{key}"
            if path == "events":
                paths[path] = ()
                continue
            inner = _model(info.annotation)
            if inner is not None:
                paths[path] = ()
                many = typing.get_origin(info.annotation) is tuple
                walk(inner, f"{path}[]." if many else f"{path}.")
            else:
                paths[path] = _values(info.annotation)

    walk(Case, "")
    for cls in _event_classes():
        kind = _values(cls.model_fields["kind"].annotation)[0]
        for name, info in cls.model_fields.items():
            if name == "kind":
                continue
            path = f"events[].{name}" if name in EVENT_COMMON else f"events[{kind}].{name}"
            paths[path] = _values(info.annotation)
    return paths


def event_kinds() -> tuple[str, ...]:
    return tuple(_values(cls.model_fields["kind"].annotation)[0] for cls in _event_classes())


def load_names() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(NAMES.read_text(encoding="utf-8"))
    return data


def coverage_problems(names: dict[str, Any]) -> list[str]:
    """Fields, values and event kinds of the model without a name in case-fields.yaml, and names of nothing."""
    problems: list[str] = []
    fields: dict[str, Any] = names["fields"]
    for path, values in model_fields().items():
        entry = fields.get(path)
        if entry is None:
            problems.append(f"field {path} has no name")
            continue
        named = set(value_names(entry))
        problems += [f"value {path}={v} has no name" for v in values if v not in named]
        problems += [f"value {path}={v} is not in the model" for v in sorted(named - set(values))]
    problems += [f"field {p} is not in the model" for p in fields if p not in model_fields()]
    problems += [f"value {path}={v} is worded twice: here and in the vocabulary table {entry['labels']}"
                 for path, entry in fields.items() if "labels" in entry
                 for v in (entry.get("values") or {}) if v in LABELS[entry["labels"]]]
    kinds = names["event_kinds"]
    problems += [f"event kind {k} is named here; its name is the label its class declares"
                 for k, entry in kinds.items() if "zh" in entry or "en" in entry]
    problems += [f"event kind {k} has no name" for k in event_kinds() if k not in kinds]
    problems += [f"event kind {k} is not in the model" for k in kinds if k not in event_kinds()]
    return problems


def _required(path: str) -> bool:
    model: type[BaseModel] = Case
    *parents, last = path.replace("[]", "").split(".")
    if parents and parents[0].startswith("events"):
        kind = parents[0][len("events["):-1] if "[" in parents[0] else "received"
        model = next(c for c in _event_classes() if _values(c.model_fields["kind"].annotation)[0] == kind)
        parents = []
    for parent in parents:
        inner = _model(model.model_fields[parent].annotation)
        assert inner is not None
        model = inner
    field = next(info for name, info in model.model_fields.items() if (info.alias or name) == last)
    return field.is_required()


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


HEAD = {
    "zh": ("字段", "中文名称", "必填", "取值（中文名称）", "未记载时", "是", "否",
           "事件类型（kind）", "何时记载"),
    "en": ("Field", "Name (Chinese)", "Required", "Values (Chinese name)", "If not recorded", "yes", "no",
           "Event kind", "When to record it"),
}


def render(lang: str, names: dict[str, Any]) -> str:
    """The markdown of the field tables in ``lang`` (``zh`` or ``en``)."""
    field_h, name_h, req_h, values_h, absent_h, yes, no, kind_h, when_h = HEAD[lang]
    other = "en" if lang == "zh" else "zh"
    fields: dict[str, Any] = names["fields"]
    lines: list[str] = []

    def table(paths: list[str]) -> None:
        lines.append(f"| {field_h} | {name_h} | {req_h} | {values_h} | {absent_h} |")
        lines.append("|---|---|---|---|---|")
        for path in paths:
            entry = fields[path]
            separator = "；" if lang == "zh" else "; "
            values = separator.join(f"`{v}` {n.get(lang)}" + (f" ({n.get(other)})" if lang == "en" else "")
                                    for v, n in value_names(entry).items())
            absent = (entry.get("absent") or {}).get(lang, "")
            name = entry["zh"] if lang == "zh" else f"{entry['en']} ({entry['zh']})"
            lines.append(f"| `{path}` | {_cell(name)} | {yes if _required(path) else no} | "
                         f"{_cell(values)} | {_cell(absent)} |")

    model = model_fields()
    lines.append("#### " + ("案件" if lang == "zh" else "The case"))
    lines.append("")
    table([p for p in model if not p.startswith("events[")])
    lines.append("")
    lines.append("#### " + ("事件类型" if lang == "zh" else "Event kinds"))
    lines.append("")
    lines.append(f"| {kind_h} | {name_h} | {when_h} |")
    lines.append("|---|---|---|")
    for kind in event_kinds():
        entry = names["event_kinds"][kind]
        label = EVENT_LABELS[kind]
        name = label.zh if lang == "zh" else f"{label.en} ({label.zh})"
        lines.append(f"| `{kind}` | {_cell(name)} | {_cell(entry['when'][lang])} |")
    lines.append("")
    lines.append("#### " + ("每个事件都有的字段" if lang == "zh" else "Fields of every event"))
    lines.append("")
    table([p for p in model if p.startswith("events[].")])
    for kind in event_kinds():
        own = [p for p in model if p.startswith(f"events[{kind}].")]
        if not own:
            continue
        lines.append("")
        title = EVENT_LABELS[kind].zh
        lines.append("#### " + (f"`{kind}`（{title}）的字段" if lang == "zh" else f"Fields of `{kind}` ({title})"))
        lines.append("")
        table(own)
    return "\n".join(lines) + "\n"


def splice(text: str, table: str) -> str:
    """``text`` with the part between the field-table markers replaced by ``table``."""
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{BEGIN}\n{table}{END}{tail}"


@functools.cache
def run(args: str) -> str:
    """The quoted session of ``legalcheck ARGS`` run from the project root: command, output, exit code."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH")]))}
    result = subprocess.run([sys.executable, "-m", "legalcheck", *shlex.split(args)], cwd=ROOT, env=env,
                            capture_output=True, text=True, encoding="utf-8", check=False)
    return f"$ legalcheck {args}\n{result.stdout}$ echo $?\n{result.returncode}\n"


def quote_reports(text: str) -> str:
    """``text`` with every quoted report replaced by the current output of its command."""
    return REPORT.sub(lambda m: f"<!-- report: {m['args']} -->\n```text\n{run(m['args'])}```\n<!-- report:end -->",
                      text)


def generate(text: str, lang: str, names: dict[str, Any]) -> str:
    """The guide ``text`` in ``lang`` with its generated parts brought up to date."""
    return quote_reports(splice(text, render(lang, names)))


def main() -> int:
    names = load_names()
    problems = coverage_problems(names)
    if problems:
        print("\n".join(problems), file=sys.stderr)
        return 1
    for lang, guide in GUIDES.items():
        guide.write_text(generate(guide.read_text(encoding="utf-8"), lang, names), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
