"""The rule language: one YAML file per rule, validated at load, compiled to queries.

A rule file is data only (no Python, no eval). Its schema is :class:`Rule`; its
``when`` and ``check`` are parsed into the engine-neutral IR of ``_conditions.py``
and checked against the fact vocabulary of ``_facts.py``, so a misspelt field is an
error at load time that names the file, the line and the field.

Rule files live in ``rules/<instrument>/`` and in ``packs/<pack>/``. Beside them:
``rules/ruleset.yaml`` (version), ``rules/readings.yaml`` (documented readings of
the law that rules apply), ``rules/retired.yaml`` (ids never to be reused).
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import json
import re
import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ._conditions import (
    OPS, AllOf, AnyOf, Compare, EventPattern, Not, Predicate, Query, Ref, Relation, Value, fields_of,
)
from ._errors import InputError, Location, RuleError
from ._facts import CASE_FIELDS, EVENT_FIELDS
from ._yaml import Document, load_document
from ._case import EVENT_KINDS

RULE_ID = re.compile(r"^LC\d{4}$")
RULE_NAME = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")
MESSAGE_PLACEHOLDERS = ("date", "agency", "to", "due", "as_of")
PERIOD = re.compile(r"^(?P<amount>[1-9]\d{0,3})(?P<unit>d|wd)$")


class _Schema(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class Text(_Schema):
    """A text in Chinese (authoritative) and English (ours)."""

    zh: Annotated[str, Field(min_length=1)]
    en: Annotated[str, Field(min_length=1)]


class CitationSpec(_Schema):
    instrument: str
    article: Annotated[int, Field(ge=1)]
    paragraph: Annotated[int, Field(ge=1)] | None = None
    item: Annotated[int, Field(ge=1)] | None = None

    @model_validator(mode="after")
    def _item_needs_paragraph(self) -> CitationSpec:
        if self.item is not None and self.paragraph is None:
            raise ValueError("item needs a paragraph")
        return self


class PatternSpec(_Schema):
    event: str | tuple[str, ...]
    where: Any = None

    @property
    def kinds(self) -> tuple[str, ...]:
        return (self.event,) if isinstance(self.event, str) else self.event


class DesignatedPeriod(_Schema):
    designated: Literal["report_by"]


class ExtensionSpec(PatternSpec):
    max_days: Annotated[int, Field(ge=1)]


class ObligationSpec(_Schema):
    """Something that must happen after a trigger, within a period when one is given."""

    trigger: PatternSpec
    fulfil: PatternSpec
    period: str | DesignatedPeriod | None = None
    missing: Literal["violation", "ignore"] = "violation"
    excluded: PatternSpec | None = None  # events whose date..end span is not counted
    extension: ExtensionSpec | None = None

    @field_validator("period")
    @classmethod
    def _period(cls, value: str | DesignatedPeriod | None) -> str | DesignatedPeriod | None:
        if isinstance(value, str) and not PERIOD.match(value):
            raise ValueError(f"period {value!r} is not N'd' (calendar days) or N'wd' (working days)")
        return value


class ForbidSpec(_Schema):
    """Something that must not happen: an event (optionally only after another, or unless another came
    first), or a case state."""

    event: PatternSpec | None = None
    after: PatternSpec | None = None  # only when such an event came earlier
    unless_before: PatternSpec | None = None  # not when such an event came earlier (e.g. 协商 before 受理)
    case: Literal[True] | None = None  # the rule's ``when`` alone describes the violation

    @model_validator(mode="after")
    def _one_target(self) -> ForbidSpec:
        if (self.event is None) == (self.case is None):
            raise ValueError("forbid needs exactly one of 'event' or 'case'")
        if self.after is not None and self.event is None:
            raise ValueError("'after' needs 'event'")
        if self.unless_before is not None and self.event is None:
            raise ValueError("'unless_before' needs 'event'")
        return self


class CheckSpec(_Schema):
    obligation: ObligationSpec | None = None
    forbid: ForbidSpec | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> CheckSpec:
        if (self.obligation is None) == (self.forbid is None):
            raise ValueError("check needs exactly one of 'obligation' or 'forbid'")
        return self


class Example(_Schema):
    name: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$")]
    expect: Literal["violation", "compliant", "pending", "notice"]
    as_of: dt.date | None = None
    roll_over: bool = True
    case: dict[str, Any]


Severity = Literal["violation", "warning", "notice"]
SEVERITY_ORDER: dict[str, int] = {"violation": 0, "warning": 1, "notice": 2}


class Rule(_Schema):
    id: str
    name: str
    title: Text
    severity: Severity
    effective_from: dt.date
    effective_until: dt.date | None = None  # last day in force
    citations: Annotated[tuple[CitationSpec, ...], Field(min_length=1)]
    liability: tuple[CitationSpec, ...] = ()
    grounds: Text  # the words of the cited provision that ground the condition, quoted
    when: Any = None
    check: CheckSpec
    readings: tuple[str, ...] = ()
    overrides: tuple[str, ...] = ()  # national rules this (pack) rule displaces
    message: Text
    explanation: Text
    examples: Annotated[tuple[Example, ...], Field(min_length=2)]

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not RULE_ID.match(value):
            raise ValueError(f"rule id {value!r} is not of the form LC0000")
        return value

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not RULE_NAME.match(value):
            raise ValueError(f"rule name {value!r} is not kebab-case")
        return value

    @field_validator("message")
    @classmethod
    def _placeholders(cls, value: Text) -> Text:
        for text in (value.zh, value.en):
            for _, name, spec, conversion in string.Formatter().parse(text):
                if name is not None and (name not in MESSAGE_PLACEHOLDERS or spec or conversion):
                    raise ValueError(f"message placeholder {{{name}}} is not one of "
                                     + ", ".join(f"{{{p}}}" for p in MESSAGE_PLACEHOLDERS))
        return value

    @model_validator(mode="after")
    def _examples_both_ways(self) -> Rule:
        expects = {example.expect for example in self.examples}
        if "compliant" not in expects or not expects & {"violation", "notice"}:
            raise ValueError("examples need at least one compliant and one violating (or notice) case")
        if self.effective_until is not None and self.effective_until < self.effective_from:
            raise ValueError("effective_until is before effective_from")
        return self

    @property
    def instrument(self) -> str:
        """The instrument that governs a finding of this rule: the first citation's."""
        return self.citations[0].instrument

    def in_force(self, day: dt.date) -> bool:
        return self.effective_from <= day and (self.effective_until is None or day <= self.effective_until)


class Reading(_Schema):
    """A documented reading of the law where its text needs interpretation."""

    id: str
    title: Text
    text: Text
    grounds: tuple[CitationSpec, ...] = ()
    option: str | None = None  # the check() / CLI option that switches it


class RetiredId(_Schema):
    id: str
    name: str
    retired_on: dt.date
    reason: str


class Pack(_Schema):
    id: str
    title: Text
    province: str
    instrument: str


@dataclass(frozen=True)
class CompiledRule:
    rule: Rule
    query: Query
    source: Path
    pack: str | None


@dataclass(frozen=True)
class RuleSet:
    version: str
    fingerprint: str  # sha256 over every rule file's bytes, in path order
    rules: tuple[CompiledRule, ...]
    readings: Mapping[str, Reading]
    retired: tuple[RetiredId, ...]
    packs: Mapping[str, Pack]

    def by_id(self, rule_id: str) -> CompiledRule:
        for compiled in self.rules:
            if compiled.rule.id == rule_id:
                return compiled
        raise KeyError(rule_id)

    def for_packs(self, packs: Iterable[str]) -> Selection:
        """National rules plus the rules of ``packs``, and which pack rules displace which national ones.

        Displacement is decided per act (a pack rule displaces a national one only on the
        dates the pack rule is in force), so both stay in the selection.
        """
        chosen = set(packs)
        rules = tuple(r for r in self.rules if r.pack is None or r.pack in chosen)
        displaced_by: dict[str, list[CompiledRule]] = {}
        for compiled in rules:
            for target in compiled.rule.overrides:
                displaced_by.setdefault(target, []).append(compiled)
        return Selection(rules, {k: tuple(v) for k, v in displaced_by.items()})


@dataclass(frozen=True)
class Selection:
    rules: tuple[CompiledRule, ...]
    displaced_by: Mapping[str, tuple[CompiledRule, ...]]

    def displaced(self, rule_id: str, day: dt.date) -> bool:
        return any(local.rule.in_force(day) for local in self.displaced_by.get(rule_id, ()))


# --- predicates -------------------------------------------------------------------------

_REF = re.compile(r"^\$(?P<binding>case|trigger|event|anchor)\.(?P<field>[a-z_]+)$")


class _PredicateError(Exception):
    def __init__(self, path: tuple[str | int, ...], message: str) -> None:
        super().__init__(message)
        self.path = path
        self.message = message


def _suggest(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


def parse_predicate(raw: Any, vocabulary: Mapping[str, str], path: tuple[str | int, ...] = (),
                    *, refs: Mapping[str, Mapping[str, str]] = {}) -> Predicate:
    """Parse the YAML form of a predicate.

    Forms: ``{all: [...]}``, ``{any: [...]}``, ``{not: P}``, ``{field: F, <op>: V}``, or a
    shorthand mapping ``{F: V, ...}`` meaning every F equals V (or is in V for a list).
    Values starting with ``$case.`` / ``$trigger.`` / ``$event.`` are references.
    """
    if not isinstance(raw, dict) or not raw:
        raise _PredicateError(path, "a condition must be a non-empty mapping")
    if "all" in raw or "any" in raw:
        key = "all" if "all" in raw else "any"
        if len(raw) != 1 or not isinstance(raw[key], list) or not raw[key]:
            raise _PredicateError(path, f"'{key}' takes a non-empty list and nothing beside it")
        items = tuple(parse_predicate(item, vocabulary, path + (key, i), refs=refs) for i, item in enumerate(raw[key]))
        return AllOf(items) if key == "all" else AnyOf(items)
    if "not" in raw:
        if len(raw) != 1:
            raise _PredicateError(path, "'not' takes one condition and nothing beside it")
        return Not(parse_predicate(raw["not"], vocabulary, path + ("not",), refs=refs))
    if "field" in raw:
        ops = [key for key in raw if key != "field"]
        if len(ops) != 1 or ops[0] not in OPS:
            raise _PredicateError(path, f"a comparison needs 'field' and one operator of {', '.join(OPS)}"
                                  + (_suggest(ops[0], OPS) if len(ops) == 1 else ""))
        return _comparison(raw["field"], ops[0], raw[ops[0]], vocabulary, path, refs)
    items = tuple(
        _comparison(name, "in" if isinstance(value, list) else "eq", value, vocabulary, path + (name,), refs)
        for name, value in raw.items())
    return items[0] if len(items) == 1 else AllOf(items)


def _comparison(name: Any, op: str, raw_value: Any, vocabulary: Mapping[str, str],
                path: tuple[str | int, ...], refs: Mapping[str, Mapping[str, str]]) -> Compare:
    if not isinstance(name, str) or name not in vocabulary:
        raise _PredicateError(path, f"unknown field {name!r}" + _suggest(str(name), vocabulary))
    kind = vocabulary[name]
    value: Value
    if isinstance(raw_value, str) and raw_value.startswith("$"):
        match = _REF.match(raw_value)
        binding = match.group("binding") if match else ""
        if match is None or binding not in refs:
            allowed = ", ".join(f"${b}.<field>" for b in refs) or "none here"
            raise _PredicateError(path, f"bad reference {raw_value!r} (allowed: {allowed})")
        if match.group("field") not in refs[binding]:
            raise _PredicateError(path, f"unknown field in reference {raw_value!r}"
                                  + _suggest(match.group("field"), refs[binding]))
        value = Ref("case" if binding == "case" else "anchor", match.group("field"))
    elif op == "exists":
        if not isinstance(raw_value, bool):
            raise _PredicateError(path, "'exists' takes true or false")
        value = raw_value
    elif op in ("in", "not_in"):
        if not isinstance(raw_value, list) or not raw_value:
            raise _PredicateError(path, f"'{op}' takes a non-empty list")
        value = tuple(_scalar(v, kind, path) for v in raw_value)
    else:
        if op == "contains" and kind != "list":
            raise _PredicateError(path, f"'contains' needs a list field; {name!r} is {kind}")
        value = _scalar(raw_value, "str" if kind == "list" else kind, path)
    return Compare(name, op, value)  # type: ignore[arg-type]


def _scalar(raw: Any, kind: str, path: tuple[str | int, ...]) -> str | int | bool:
    # Exact types: YAML's `true` must not pass for the number 1, nor 1 for `true`.
    if kind == "bool" and type(raw) is bool:
        return raw
    if kind in ("int", "day") and type(raw) is int:
        return raw
    if kind in ("str", "list") and type(raw) is str:
        return raw
    raise _PredicateError(path, f"value {raw!r} should be {kind}")


def _pattern(spec: PatternSpec, path: tuple[str | int, ...], refs: Mapping[str, Mapping[str, str]]) -> EventPattern:
    for kind in spec.kinds:
        if kind not in EVENT_KINDS:
            raise _PredicateError(path + ("event",), f"unknown event kind {kind!r}" + _suggest(kind, EVENT_KINDS))
    where = None if spec.where is None else parse_predicate(spec.where, EVENT_FIELDS, path + ("where",), refs=refs)
    return EventPattern(spec.kinds, where)


def compile_rule(rule: Rule) -> Query:
    """Compile a validated rule to its engine-neutral query."""
    when = None if rule.when is None else parse_predicate(rule.when, CASE_FIELDS, ("when",))
    case_ref = {"case": CASE_FIELDS}
    check_path: tuple[str | int, ...] = ("check",)
    if rule.check.obligation is not None:
        spec = rule.check.obligation
        base = check_path + ("obligation",)
        anchor = _pattern(spec.trigger, base + ("trigger",), case_ref)
        related = {"case": CASE_FIELDS, "trigger": EVENT_FIELDS}
        relations = [Relation("fulfil", _pattern(spec.fulfil, base + ("fulfil",), related), "after")]
        if spec.excluded is not None:
            relations.append(Relation("excluded", _pattern(spec.excluded, base + ("excluded",), related), "after"))
        if spec.extension is not None:
            relations.append(Relation("extension", _pattern(spec.extension, base + ("extension",), related), "after"))
        if isinstance(spec.period, DesignatedPeriod) and "assigned" not in spec.trigger.kinds:
            raise _PredicateError(base + ("period",), "a designated period needs an 'assigned' trigger")
        return Query(rule.id, when, anchor, tuple(relations))
    forbid = rule.check.forbid
    assert forbid is not None
    base = check_path + ("forbid",)
    if forbid.event is None:
        if when is None:
            raise _PredicateError(("when",), "'forbid: {case: true}' needs a 'when' condition")
        return Query(rule.id, when, None, ())
    anchor = _pattern(forbid.event, base + ("event",), case_ref)
    relations = []
    earlier_refs = {"case": CASE_FIELDS, "event": EVENT_FIELDS}
    if forbid.after is not None:
        prior = _pattern(forbid.after, base + ("after",), earlier_refs)
        relations.append(Relation("prior", prior, "before"))
    if forbid.unless_before is not None:
        excusing = _pattern(forbid.unless_before, base + ("unless_before",), earlier_refs)
        relations.append(Relation("unless", excusing, "before"))
    return Query(rule.id, when, anchor, tuple(relations))


# --- loading ----------------------------------------------------------------------------


def _validation_problems(exc: ValidationError, doc: Document, prefix: tuple[str | int, ...] = ()) -> list[tuple[Location, str]]:
    problems = []
    for error in exc.errors():
        loc = prefix + tuple(part for part in error["loc"] if not (isinstance(part, str) and part.startswith("function-")))
        message = error["msg"]
        if error["type"] == "extra_forbidden":
            message = f"unknown key {loc[-1]!r}" + _suggest(str(loc[-1]), _ALL_RULE_KEYS)
        elif error["type"] == "missing":
            message = "required field is missing"
        problems.append((doc.locate(loc), message))
    return problems


def _all_keys(*models: type[BaseModel]) -> set[str]:
    return {name for model in models for name in model.model_fields}


_ALL_RULE_KEYS = _all_keys(Rule, CitationSpec, CheckSpec, ObligationSpec, ForbidSpec, ExtensionSpec,
                           PatternSpec, Example, Text)


def _parse_model(model: type[Any], doc: Document) -> Any:
    if not isinstance(doc.data, dict):
        raise RuleError.at("expected a mapping at the top level", file=doc.file, line=1)
    try:
        # Through JSON so that strict mode still parses ISO date strings (YAML leaves them as strings).
        return model.model_validate_json(json.dumps(doc.data))
    except ValidationError as exc:
        raise RuleError(_validation_problems(exc, doc)) from None


def load_rule(path: Path, pack: str | None = None) -> CompiledRule:
    doc = load_document(path)
    rule: Rule = _parse_model(Rule, doc)
    try:
        query = compile_rule(rule)
    except _PredicateError as exc:
        raise RuleError([(doc.locate(exc.path), exc.message)]) from None
    expected_stem = f"{rule.id}-{rule.name}"
    if path.stem != expected_stem:
        raise RuleError.at(f"file name should be {expected_stem}{path.suffix}", file=path, line=1, field="id")
    return CompiledRule(rule, query, path, pack)


def _load_list(path: Path, key: str, model: type[Any]) -> list[Any]:
    doc = load_document(path)
    data = doc.data if isinstance(doc.data, dict) else {}
    items = data.get(key)
    if not isinstance(items, list):
        raise RuleError.at(f"expected a list under {key!r}", file=path, line=1, field=key)
    out = []
    for index, item in enumerate(items):
        try:
            out.append(model.model_validate_json(json.dumps(item)))
        except ValidationError as exc:
            raise RuleError(_validation_problems(exc, doc, (key, index))) from None
    return out


def load_ruleset(rules_dir: Path, packs_dir: Path | None = None) -> RuleSet:
    """Load and cross-check every rule file; all problems are reported together."""
    problems: list[tuple[Location, str]] = []
    meta = load_document(rules_dir / "ruleset.yaml").data or {}
    version = str(meta.get("version", "0")) if isinstance(meta, dict) else "0"
    readings = {r.id: r for r in _load_list(rules_dir / "readings.yaml", "readings", Reading)}
    retired = tuple(_load_list(rules_dir / "retired.yaml", "retired", RetiredId))
    retired_ids = {r.id for r in retired}
    packs: dict[str, Pack] = {}
    files: list[tuple[Path, str | None]] = [(p, None) for p in sorted(rules_dir.glob("*/LC*.yaml"))]
    if packs_dir is not None and packs_dir.is_dir():
        for pack_file in sorted(packs_dir.glob("*/pack.yaml")):
            pack_doc = load_document(pack_file)
            packs[pack_file.parent.name] = _parse_model(Pack, pack_doc)
            files.extend((p, pack_file.parent.name) for p in sorted(pack_file.parent.glob("LC*.yaml")))
    compiled: list[CompiledRule] = []
    digest = hashlib.sha256()
    for path, pack in files:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
        try:
            compiled.append(load_rule(path, pack))
        except InputError as exc:  # a RuleError, or YAML that could not be read at all
            problems.extend(exc.problems)
    seen: dict[str, Path] = {}
    names: dict[str, Path] = {}
    for item in compiled:
        rule, where = item.rule, item.source
        if rule.id in seen:
            problems.append((Location(str(where), 1, None, "id"), f"duplicate rule id {rule.id} (also {seen[rule.id]})"))
        if rule.name in names:
            problems.append((Location(str(where), 1, None, "name"), f"duplicate rule name {rule.name} (also {names[rule.name]})"))
        if rule.id in retired_ids:
            problems.append((Location(str(where), 1, None, "id"), f"rule id {rule.id} is retired and never reused"))
        for reading in rule.readings:
            if reading not in readings:
                problems.append((Location(str(where), None, None, "readings"),
                                 f"unknown reading {reading!r}" + _suggest(reading, readings)))
        seen[rule.id] = where
        names[rule.name] = where
    known_ids = set(seen)
    for item in compiled:
        for target in item.rule.overrides:
            if target not in known_ids:
                problems.append((Location(str(item.source), None, None, "overrides"), f"overrides unknown rule {target}"))
    if problems:
        raise RuleError(problems)
    return RuleSet(version, digest.hexdigest(), tuple(compiled), readings, retired, packs)
