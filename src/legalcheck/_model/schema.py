"""The JSON Schemas ``legalcheck schema`` prints, explained: every property of a case file with its
Chinese and English name, whether it is required, what the check does when it is absent and, where
the law defines it, the article; every event kind with when to record it; every input problem
code in the report schema. The words come from docs/case-fields.yaml and the event classes
(``legalcheck._model.fields``), the codes from ``PROBLEM_CODES``: nothing is worded twice.
"""

from __future__ import annotations

import re
from typing import Any

from .._core.errors import PROBLEM_CODES
from .case import EVENT_CLASSES, EVENT_KINDS, Case
from .fields import FieldName, event_kind_names, field_names
from .findings import Report

INSTRUMENT = "《信访工作条例》"  # the articles named in case-fields.yaml are of the 2022 Regulations

# Where each model of the case schema sits in a case file (the paths case-fields.yaml uses).
_PREFIXES = {"Case": "", "Petitioner": "petitioners[].", "Agency": "agencies[].", "Content": "content.",
             "Flags": "flags.", "Accused": "accused.", "StaffInterest": "staff_interests[]."}
_EVENT_COMMON = ("id", "date", "agency", "note")


def _field_path(model: str, name: str) -> str | None:
    if model in _PREFIXES:
        return _PREFIXES[model] + name
    kind = _KIND_OF_CLASS.get(model)
    if kind is None:
        return None
    return f"events[].{name}" if name in _EVENT_COMMON else f"events[{kind}].{name}"


_KIND_OF_CLASS = {cls.__name__: kind for kind, cls in zip(EVENT_KINDS, EVENT_CLASSES)}


_DIGITS = {c: n for n, c in enumerate("零一二三四五六七八九")}
_PROVISION = re.compile(r"^第(.+?)条(?:第(.+?)款)?(?:第(.+?)项)?$")


def _number(numeral: str) -> int:
    """一 .. 九十九 as a number."""
    if "十" not in numeral:
        return _DIGITS[numeral]
    tens, _, ones = numeral.partition("十")
    return (_DIGITS[tens] if tens else 1) * 10 + (_DIGITS[ones] if ones else 0)


def article_en(label: str) -> str:
    """``第三十四条第一款`` -> ``Art. 34(1)``; a label of another shape is returned as it is."""
    match = _PROVISION.match(label)
    if match is None:
        return label
    article, paragraph, item = (_number(g) if g else None for g in match.groups())
    return f"Art. {article}" + (f"({paragraph})" if paragraph else "") + (f"({item})" if item else "")


def _describe(entry: FieldName, required: bool) -> dict[str, Any]:
    zh = [entry.name.zh]
    en = [entry.name.en]
    if entry.article:
        zh.append(f"依据：{INSTRUMENT}{entry.article}")
        en.append(f"law: Petition Work Regulations (2022) {article_en(entry.article)}")
    if required:
        zh.append("必填")
        en.append("required")
    elif entry.absent is not None:
        zh.append(f"可不填；未填时：{entry.absent.zh}")
        en.append(f"optional; when absent: {entry.absent.en}")
    else:
        zh.append("可不填")
        en.append("optional")
    out: dict[str, Any] = {"description": "。".join(zh) + "。 / " + "; ".join(en) + ".",
                           "x-name": {"zh": entry.name.zh, "en": entry.name.en}, "x-required": required}
    if entry.absent is not None:
        out["x-when-absent"] = {"zh": entry.absent.zh, "en": entry.absent.en}
    if entry.article:
        out["x-article"] = f"{INSTRUMENT}{entry.article}"
    if entry.values:
        out["x-values"] = {value: {"zh": name.zh, "en": name.en} for value, name in entry.values.items()}
    return out


def case_schema() -> dict[str, Any]:
    """The JSON Schema of case files, every property and event kind described in Chinese and English."""
    document = Case.model_json_schema(by_alias=True, mode="validation")
    names = field_names()
    kinds = event_kind_names()
    models = {"Case": document, **document.get("$defs", {})}
    for model, body in models.items():
        required = set(body.get("required", ()))
        for name, prop in body.get("properties", {}).items():
            if model in _KIND_OF_CLASS and name == "kind":
                label, when = kinds[_KIND_OF_CLASS[model]]
                prop["description"] = f"{label.zh}：{when.zh if when else ''} / {label.en}: {when.en if when else ''}"
                continue
            path = _field_path(model, name)
            entry = names.get(path) if path is not None else None
            if entry is not None:
                prop.update(_describe(entry, name in required))
        if model in _KIND_OF_CLASS:
            label, when = kinds[_KIND_OF_CLASS[model]]
            body["description"] = (f"事件“{label.zh}”（kind: {_KIND_OF_CLASS[model]}）：{when.zh if when else ''}"
                                   f" / Event {label.en!r}: {when.en if when else ''}")
    document["description"] = ("信访事项案件文件（legalcheck/case/1）。字段说明见 docs/guide.zh.md。 / A petition case "
                               "file (legalcheck/case/1); see docs/guide.en.md.")
    return document


def report_schema() -> dict[str, Any]:
    """The JSON Schema of reports, plus the lines of rejected inputs with their problem codes."""
    document = Report.model_json_schema(by_alias=True, mode="serialization")
    defs = document.setdefault("$defs", {})
    defs["ProblemCode"] = {
        "description": "输入问题的稳定代码（见 docs/errors.md） / "
                       "The stable code of an input problem (docs/errors.md).",
        "oneOf": [{"const": code, "description": f"{kind.meaning.zh} / {kind.meaning.en}"}
                  for code, kind in PROBLEM_CODES.items()],
    }
    location = {"type": ["string", "integer", "null"]}
    defs["InputProblem"] = {
        "type": "object",
        "description": "一个输入问题：位置、代码、说明 / One input problem: where, its code, the message.",
        "properties": {"file": {"type": ["string", "null"]}, "line": location, "column": location,
                       "field": {"type": ["string", "null"]}, "cell": {"type": "string"},
                       "code": {"$ref": "#/$defs/ProblemCode"}, "message": {"type": "string"}},
        "required": ["file", "line", "column", "field", "code", "message"],
    }
    defs["RejectedInput"] = {
        "type": "object",
        "description": "无法读取的输入（JSON 的 errors 与 JSON Lines 中的错误行） / A rejected input (the errors of "
                       "--format json, the error lines of --format jsonl).",
        "properties": {"source": {"type": "string"}, "kind": {"enum": ["input_error", "internal_error"]},
                       "problems": {"type": "array", "items": {"$ref": "#/$defs/InputProblem"}}},
        "required": ["source", "kind", "problems"],
    }
    return document
