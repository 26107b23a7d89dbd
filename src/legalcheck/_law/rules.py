"""The rule language: one YAML file per rule, validated at load, compiled to queries.

A rule file is data only (no Python, no eval). Its schema is :class:`Rule`; its
``when`` and ``check`` are parsed into the engine-neutral IR of ``_facts/conditions.py``
and checked against the fact vocabulary of ``_facts/facts.py``, so a misspelt field is an
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
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, ValidationError, field_validator, model_validator

from .._core.data_files import BilingualText, DataModel
from .._core.errors import InputError, Location, Problem, RuleError
from .._core.safe_yaml import Document, load_document
from .._core.vocabulary import Severity
from .._facts.conditions import (
    OPS,
    AllOf,
    AnyOf,
    Compare,
    EventPattern,
    Not,
    Predicate,
    Query,
    Ref,
    Relation,
    Value,
)
from .._facts.facts import CASE_FIELDS, EVENT_FIELDS
from .._model.case import EVENT_KINDS

# Patterns only loading rule files needs are compiled there, on first use (re keeps them), not at
# every start: a start from the compiled cache validates no rule.
RULE_ID = r"^LC\d{4}$"
RULE_NAME = r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$"
MESSAGE_PLACEHOLDERS = ("date", "agency", "to", "due", "as_of")
PERIOD = re.compile(r"^(?P<amount>[1-9]\d{0,3})(?P<unit>d|wd)$")


class CitationSpec(DataModel):
    instrument: str
    article: Annotated[int, Field(ge=1)]
    paragraph: Annotated[int, Field(ge=1)] | None = None
    item: Annotated[int, Field(ge=1)] | None = None

    @model_validator(mode="after")
    def _item_needs_paragraph(self) -> CitationSpec:
        if self.item is not None and self.paragraph is None:
            raise ValueError("item needs a paragraph")
        return self


class PatternSpec(DataModel):
    event: str | tuple[str, ...]
    where: Any = None

    @property
    def kinds(self) -> tuple[str, ...]:
        return (self.event,) if isinstance(self.event, str) else self.event


class DesignatedPeriod(DataModel):
    designated: Literal["report_by"]


class ExtensionSpec(PatternSpec):
    max_days: Annotated[int, Field(ge=1)]


class ObligationSpec(DataModel):
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


class ForbidSpec(DataModel):
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


class CheckSpec(DataModel):
    obligation: ObligationSpec | None = None
    forbid: ForbidSpec | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> CheckSpec:
        if (self.obligation is None) == (self.forbid is None):
            raise ValueError("check needs exactly one of 'obligation' or 'forbid'")
        return self


# A field path of the case (``competent_agencies``, ``petitioners[*].address``), of the anchor event
# (``{event}.agency``), or an event the file lacks (``events[+accepted]``).
MISSING_PATH = r"^(?:\{event\}|events\[\+(?P<kind>[a-z_]+)\]|[a-z_]+(?:\[\*\])?)(?:\.[a-z_]+)*$"


class UndeterminedSpec(DataModel):
    """Where the rule applies but cannot decide: the file lacks a fact it needs.

    Compiled to a query of its own. Two forms:

    - standalone (``unmet: false``): an anchor ``event`` (or the case itself when omitted)
      with no event matching any of ``unless_before`` earlier or ``unless_after`` later;
    - ``unmet: true``: the rule's own check, with ``event`` (default: the rule's trigger or
      forbidden event) in place of its anchor, reported only where the rule would find the
      duty unmet (a violation, late or missing act): a duty met in time needs no missing fact.

    The case must satisfy the clause's ``when`` and the rule's ``when`` (unless
    ``instead_of_rule_when``, for rules whose ``when`` reads the missing fact itself). Each
    match is reported as *undetermined*, naming the ``missing`` field paths and what to ``record``.
    """

    when: Any = None
    instead_of_rule_when: bool = False
    unmet: bool = False
    event: PatternSpec | None = None
    fulfil: PatternSpec | None = None  # with unmet: an act that would fulfil the duty were the missing fact favourable
    after: PatternSpec | None = None  # with unmet, forbid rules: the earlier act, in place of the rule's ``after``
    unless_before: tuple[PatternSpec, ...] = ()
    unless_after: tuple[PatternSpec, ...] = ()
    missing: Annotated[tuple[str, ...], Field(min_length=1)]
    record: BilingualText  # completes "请……" / "Please …": what to record, in words (no field paths in the Chinese)

    @field_validator("missing")
    @classmethod
    def _paths(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for path in value:
            match = re.match(MISSING_PATH, path)
            if not match:
                raise ValueError(f"missing path {path!r} is not a field path such as 'competent_agencies', "
                                 "'petitioners[*].address', '{event}.agency' or 'events[+accepted]'")
            if match.group("kind") is not None and match.group("kind") not in EVENT_KINDS:
                raise ValueError(f"unknown event kind in {path!r}" + _suggest(match.group("kind"), EVENT_KINDS))
        return value

    @field_validator("record")
    @classmethod
    def _phrase(cls, value: BilingualText) -> BilingualText:
        if value.zh.endswith("。") or value.en.endswith("."):
            raise ValueError("record is a phrase completing '请……' / 'Please …': no final full stop")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> UndeterminedSpec:
        if (self.fulfil is not None or self.after is not None) and not self.unmet:
            raise ValueError("'fulfil' and 'after' need 'unmet: true'")
        if self.unmet and (self.unless_before or self.unless_after):
            raise ValueError("'unless_before' / 'unless_after' do not apply with 'unmet: true' (the rule's check does)")
        if not self.unmet and self.event is None and (self.unless_before or self.unless_after):
            raise ValueError("'unless_before' and 'unless_after' need 'event'")
        if not self.unmet and self.event is None and any(p.startswith("{event}") for p in self.missing):
            raise ValueError("a missing path with {event} needs 'event'")
        return self


class Example(DataModel):
    name: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$")]
    expect: Literal["violation", "compliant", "pending", "notice", "undetermined"]
    as_of: dt.date | None = None
    roll_over: bool = True
    case: dict[str, Any]


SEVERITY_ORDER: dict[str, int] = {"violation": 0, "warning": 1, "notice": 2}


class Rule(DataModel):
    id: str
    name: str
    title: BilingualText
    severity: Severity
    effective_from: dt.date
    effective_until: dt.date | None = None  # last day in force
    citations: Annotated[tuple[CitationSpec, ...], Field(min_length=1)]
    liability: tuple[CitationSpec, ...] = ()
    grounds: BilingualText  # the words of the cited provision that ground the condition, quoted
    when: Any = None
    check: CheckSpec
    undetermined: tuple[UndeterminedSpec, ...] = ()  # where the rule cannot decide for want of a fact
    readings: tuple[str, ...] = ()
    overrides: tuple[str, ...] = ()  # national rules this (pack) rule displaces
    message: BilingualText
    explanation: BilingualText
    examples: Annotated[tuple[Example, ...], Field(min_length=2)]

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not re.match(RULE_ID, value):
            raise ValueError(f"rule id {value!r} is not of the form LC0000")
        return value

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not re.match(RULE_NAME, value):
            raise ValueError(f"rule name {value!r} is not kebab-case")
        return value

    @field_validator("message")
    @classmethod
    def _placeholders(cls, value: BilingualText) -> BilingualText:
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
        if self.undetermined and "undetermined" not in expects:
            raise ValueError("a rule with 'undetermined' clauses needs an example that expects 'undetermined'")
        if self.effective_until is not None and self.effective_until < self.effective_from:
            raise ValueError("effective_until is before effective_from")
        return self

    @property
    def instrument(self) -> str:
        """The instrument that governs a finding of this rule: the first citation's."""
        return self.citations[0].instrument

    def in_force(self, day: dt.date) -> bool:
        return self.effective_from <= day and (self.effective_until is None or day <= self.effective_until)


class Reading(DataModel):
    """A documented reading of the law where its text needs interpretation."""

    id: str
    title: BilingualText
    text: BilingualText
    grounds: tuple[CitationSpec, ...] = ()
    option: str | None = None  # the check() / CLI option that switches it
    # Every check relies on it, whatever the findings (a default the rules share): every report lists it.
    standing: bool = False


class InstrumentInForce(DataModel):
    """On what an instrument's dates in force rest: a provision of a text held, or a reading."""

    from_source: CitationSpec | None = None
    until_source: CitationSpec | None = None
    until_reading: str | None = None

    @model_validator(mode="after")
    def _one_ground_for_the_end(self) -> InstrumentInForce:
        if self.until_source is not None and self.until_reading is not None:
            raise ValueError("give until_source or until_reading, not both")
        return self


class RetiredId(DataModel):
    id: str
    name: str
    retired_on: dt.date
    reason: str


class Pack(DataModel):
    id: str
    title: BilingualText
    province: str
    instrument: str
    in_force: InstrumentInForce | None = None  # on what the dates of the pack's rules rest


@dataclass(frozen=True)
class CompiledRule:
    rule: Rule
    query: Query
    source: Path
    pack: str | None
    # One query per ``undetermined`` clause, in order; its id is ``undetermined_query_id(rule.id, index)``.
    undetermined: tuple[Query, ...] = ()

    @property
    def queries(self) -> tuple[Query, ...]:
        return (self.query, *self.undetermined)


UNDETERMINED_QUERY_SEPARATOR = "#undetermined-"


def undetermined_query_id(rule_id: str, index: int) -> str:
    return f"{rule_id}{UNDETERMINED_QUERY_SEPARATOR}{index}"


@dataclass(frozen=True)
class RuleSet:
    version: str
    fingerprint: str  # sha256 over every rule file's bytes, in path order
    rules: tuple[CompiledRule, ...]
    readings: Mapping[str, Reading]
    retired: tuple[RetiredId, ...]
    packs: Mapping[str, Pack]
    in_force: Mapping[str, InstrumentInForce] = field(default_factory=dict)  # rules/ruleset.yaml `instruments`

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

_REF = r"^\$(?P<binding>case|trigger|event|anchor)\.(?P<field>[a-z_]+)$"


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
        match = re.match(_REF, raw_value)
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


def compile_undetermined(rule: Rule) -> tuple[Query, ...]:
    """One query per ``undetermined`` clause (see :class:`UndeterminedSpec`)."""
    rule_when = None if rule.when is None else parse_predicate(rule.when, CASE_FIELDS, ("when",))
    queries = []
    for index, spec in enumerate(rule.undetermined):
        base: tuple[str | int, ...] = ("undetermined", index)
        own = None if spec.when is None else parse_predicate(spec.when, CASE_FIELDS, base + ("when",))
        parts = tuple(p for p in (None if spec.instead_of_rule_when else rule_when, own) if p is not None)
        when = None if not parts else parts[0] if len(parts) == 1 else AllOf(parts)
        query_id = undetermined_query_id(rule.id, index)
        if spec.unmet:
            own_rule = compile_rule(rule)
            anchor = own_rule.anchor
            if spec.event is not None:
                anchor = _pattern(spec.event, base + ("event",), {"case": CASE_FIELDS})
            if anchor is None and when is None:
                raise _PredicateError(base, "an undetermined clause needs 'event' or a 'when' (its own or the rule's)")
            relations = own_rule.relations
            if spec.fulfil is not None:
                if rule.check.obligation is None:
                    raise _PredicateError(base + ("fulfil",), "'fulfil' applies to obligations only")
                relaxed = _pattern(spec.fulfil, base + ("fulfil",), {"case": CASE_FIELDS, "trigger": EVENT_FIELDS})
                relations = tuple(Relation("fulfil", relaxed, "after") if r.role == "fulfil" else r for r in relations)
            if spec.after is not None:
                if rule.check.forbid is None or rule.check.forbid.after is None:
                    raise _PredicateError(base + ("after",), "'after' applies to forbid rules with an 'after'")
                prior = _pattern(spec.after, base + ("after",), {"case": CASE_FIELDS, "event": EVENT_FIELDS})
                relations = tuple(Relation("prior", prior, "before") if r.role == "prior" else r for r in relations)
            queries.append(Query(query_id, when, anchor, relations))
            continue
        anchor = None if spec.event is None else _pattern(spec.event, base + ("event",), {"case": CASE_FIELDS})
        related = {"case": CASE_FIELDS, "event": EVENT_FIELDS}
        unless = [Relation(f"unless_before_{i}", _pattern(p, base + ("unless_before", i), related), "before")
                  for i, p in enumerate(spec.unless_before)]
        unless += [Relation(f"unless_after_{i}", _pattern(p, base + ("unless_after", i), related), "after")
                   for i, p in enumerate(spec.unless_after)]
        if anchor is None and when is None:
            raise _PredicateError(base, "an undetermined clause needs 'event' or a 'when' (its own or the rule's)")
        queries.append(Query(query_id, when, anchor, tuple(unless)))
    return tuple(queries)


# --- loading ----------------------------------------------------------------------------


def _validation_problems(exc: ValidationError, doc: Document,
                         prefix: tuple[str | int, ...] = ()) -> list[tuple[Location, str]]:
    problems = []
    for error in exc.errors():
        loc = prefix + tuple(part for part in error["loc"]
                             if not (isinstance(part, str) and part.startswith("function-")))
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
                           PatternSpec, Example, BilingualText, UndeterminedSpec)


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
        undetermined = compile_undetermined(rule)
    except _PredicateError as exc:
        raise RuleError([(doc.locate(exc.path), exc.message)]) from None
    expected_stem = f"{rule.id}-{rule.name}"
    if path.stem != expected_stem:
        raise RuleError.at(f"file name should be {expected_stem}{path.suffix}", file=path, line=1, field="id")
    return CompiledRule(rule, query, path, pack, undetermined)


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
    problems: list[tuple[Location, str] | Problem] = []
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
            problems.append((Location(str(where), 1, None, "id"),
                             f"duplicate rule id {rule.id} (also {seen[rule.id]})"))
        if rule.name in names:
            problems.append((Location(str(where), 1, None, "name"),
                             f"duplicate rule name {rule.name} (also {names[rule.name]})"))
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
                problems.append((Location(str(item.source), None, None, "overrides"),
                                 f"overrides unknown rule {target}"))
    in_force = _instruments_in_force(rules_dir / "ruleset.yaml", compiled, readings, packs, problems)
    if problems:
        raise RuleError(problems)
    return RuleSet(version, digest.hexdigest(), tuple(compiled), readings, retired, packs, in_force)


def _instruments_in_force(path: Path, compiled: Sequence[CompiledRule], readings: Mapping[str, Reading],
                          packs: Mapping[str, Pack], problems: list[tuple[Location, str] | Problem]
                          ) -> dict[str, InstrumentInForce]:
    """The ``instruments`` section of ruleset.yaml and each pack's ``in_force``, cross-checked
    against the rules and readings."""
    doc = load_document(path)
    raw = doc.data.get("instruments", {}) if isinstance(doc.data, dict) else {}
    if not isinstance(raw, dict):
        problems.append((doc.locate(("instruments",)), "expected a mapping of instrument id to its dates' grounds"))
        return {}
    entries: dict[str, InstrumentInForce] = {}
    for instrument, item in raw.items():
        try:
            entries[str(instrument)] = InstrumentInForce.model_validate_json(json.dumps(item))
        except ValidationError as exc:
            problems.extend(_validation_problems(exc, doc, ("instruments", instrument)))
    for pack in packs.values():
        if pack.in_force is not None:
            entries[pack.instrument] = pack.in_force
    for instrument, entry in entries.items():
        if entry.until_reading is not None and entry.until_reading not in readings:
            problems.append((doc.locate(("instruments", instrument, "until_reading")),
                             f"unknown reading {entry.until_reading!r}" + _suggest(entry.until_reading, readings)))
    missing: set[str] = set()
    for item in compiled:
        rule = item.rule
        grounds = entries.get(rule.instrument)
        if grounds is None:
            if rule.instrument not in missing:  # one problem per instrument, not per rule
                missing.add(rule.instrument)
                problems.append((Location(str(path), None, None, f"instruments.{rule.instrument}"),
                                 f"rule {rule.id} belongs to {rule.instrument}, "
                                 "which has no entry under 'instruments'"))
        elif rule.effective_until is not None and grounds.until_source is None and grounds.until_reading is None:
            problems.append((doc.locate(("instruments", rule.instrument)),
                             f"rule {rule.id} ends on {rule.effective_until}; give until_source or until_reading "
                             f"for {rule.instrument}"))
    return entries
