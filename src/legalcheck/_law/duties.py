"""Coverage per duty: ``rules/duties.yaml`` splits every paragraph of an instrument into its duties.

A duty is one 应当 / 不得 / 不予 clause (or a ``condition`` clause that fixes who or when), quoted
verbatim, with its status: ``encoded`` (by ``rules``), ``partly-encoded`` (``missing`` says what
is not checked), ``not-encoded`` (checkable, no rule yet; ``note``) or ``not-checkable``
(``reason``, a code of ``rules/coverage.yaml``). The file is the one place that maps rules to
duties; ``check_duties`` cross-checks it against the regulations and the rules' citations.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from .._core.errors import Location, RuleError
from .._core.paths import data_dir
from .._core.safe_yaml import Document, load_document
from .regulations import Corpus, Instrument
from .rules import RuleSet

SCHEMA = "legalcheck/duties/1"
DutyStatus = Literal["encoded", "partly-encoded", "not-encoded", "not-checkable"]
DUTY_STATUSES: tuple[str, ...] = ("encoded", "partly-encoded", "not-encoded", "not-checkable")


class _Schema(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True,
                              defer_build=True)  # built when first validated: not on every start (docs/performance.md)


class DutyText(_Schema):
    zh: Annotated[str, Field(min_length=1)]
    en: Annotated[str, Field(min_length=1)]


class Duty(_Schema):
    text: Annotated[str, Field(min_length=2)]  # verbatim from the paragraph (or from item ``item``)
    item: Annotated[int, Field(ge=1)] | None = None
    kind: Literal["duty", "condition"] = "duty"
    status: DutyStatus
    rules: tuple[str, ...] = ()
    missing: DutyText | None = None  # partly-encoded: what is not checked
    reason: str | None = None  # not-checkable: a reason code of rules/coverage.yaml
    note: DutyText | None = None

    @model_validator(mode="after")
    def _fields_of_status(self) -> Duty:
        if self.status in ("encoded", "partly-encoded") and not self.rules:
            raise ValueError(f"a duty marked {self.status} names the rules that check it")
        if self.status in ("not-encoded", "not-checkable") and self.rules:
            raise ValueError(f"a duty marked {self.status} names no rules")
        if (self.status == "partly-encoded") != (self.missing is not None):
            raise ValueError("'missing' is given exactly for a partly-encoded duty")
        if (self.status == "not-checkable") != (self.reason is not None):
            raise ValueError("'reason' is given exactly for a not-checkable duty")
        if self.status == "not-encoded" and self.note is None:
            raise ValueError("a not-encoded duty has a note saying what rule is needed")
        return self


class ParagraphDuties(_Schema):
    article: Annotated[int, Field(ge=1)]
    paragraph: Annotated[int, Field(ge=1)]
    cited_without_duty: tuple[str, ...] = ()  # rules citing the paragraph without checking a duty of it
    duties: tuple[Duty, ...]


class _File(_Schema):
    instruments: dict[str, tuple[ParagraphDuties, ...]]


@dataclass(frozen=True)
class DutySpec:
    """The validated file, with the location of every paragraph entry and duty (for errors)."""

    instruments: Mapping[str, tuple[ParagraphDuties, ...]]
    locations: Mapping[tuple[str, int, int], Location]  # (instrument, article, paragraph)
    duty_locations: Mapping[tuple[str, int, int, int], Location]  # ... and duty index
    file: str


def load_duties(path: Path | None = None) -> DutySpec:
    """Read and validate ``duties.yaml``; every problem is reported with file, line and field."""
    path = path or data_dir("rules") / "duties.yaml"
    doc = load_document(path, unique_keys=True)
    data = doc.data if isinstance(doc.data, dict) else {}
    if data.get("schema") != SCHEMA:
        raise RuleError([(doc.locate(("schema",)), f"expected schema: {SCHEMA}")])
    body = {k: v for k, v in data.items() if k != "schema"}
    try:
        parsed = _File.model_validate_json(json.dumps(body))
    except ValidationError as exc:
        raise RuleError(_problems(exc, doc)) from None
    locations: dict[tuple[str, int, int], Location] = {}
    duty_locations: dict[tuple[str, int, int, int], Location] = {}
    for instrument, entries in parsed.instruments.items():
        for index, entry in enumerate(entries):
            key = (instrument, entry.article, entry.paragraph)
            locations[key] = doc.locate(("instruments", instrument, index))
            for d_index in range(len(entry.duties)):
                duty_locations[key + (d_index,)] = doc.locate(("instruments", instrument, index, "duties", d_index))
    return DutySpec(parsed.instruments, locations, duty_locations, str(path))


def _problems(exc: ValidationError, doc: Document) -> list[tuple[Location, str]]:
    problems = []
    for error in exc.errors():
        loc = tuple(error["loc"])
        message = error["msg"]
        if error["type"] == "extra_forbidden":
            message = f"unknown key {loc[-1]!r}"
        elif error["type"] == "missing":
            message = "required field is missing"
        problems.append((doc.locate(loc), message))
    return problems


@dataclass(frozen=True)
class DutyCoverage:
    """One duty as the coverage map shows it."""

    text: str
    item: int | None
    kind: str
    status: str
    rules: tuple[str, ...]
    missing: DutyText | None
    reason: str | None
    note: DutyText | None


def _cited_paragraphs(ruleset: RuleSet, inst: Instrument) -> dict[tuple[int, int], set[str]]:
    """(article, paragraph) -> rules citing it (a whole-article citation covers every paragraph)."""
    cites: dict[tuple[int, int], set[str]] = {}
    for compiled in ruleset.rules:
        for spec in compiled.rule.citations:
            if spec.instrument != inst.id:
                continue
            article = inst.article(spec.article)
            if article is None:
                continue
            numbers = ([spec.paragraph] if spec.paragraph is not None else [1] if spec.item is not None
                       else [p.number for p in article.paragraphs])
            for number in numbers:
                cites.setdefault((spec.article, number), set()).add(compiled.rule.id)
    return cites


def check_duties(spec: DutySpec, ruleset: RuleSet, corpus: Corpus, reasons: Mapping[str, Any]
                 ) -> tuple[dict[tuple[str, int, int], tuple[DutyCoverage, ...]], list[str]]:
    """The duties of every paragraph, and every problem: a paragraph with no entry, a quote not
    in the text, an encoded duty whose rule does not cite the paragraph, a citing rule mapped to
    no duty, an unknown rule or reason."""
    problems: list[str] = []
    known_rules = {c.rule.id for c in ruleset.rules}
    out: dict[tuple[str, int, int], tuple[DutyCoverage, ...]] = {}
    for instrument, entries in spec.instruments.items():
        try:
            inst = corpus.instrument(instrument)
        except Exception as exc:  # noqa: BLE001 - reported as a problem of the duties file
            problems.append(f"{spec.file}: {exc}")
            continue
        cites = _cited_paragraphs(ruleset, inst)
        seen: set[tuple[int, int]] = set()
        for entry in entries:
            key = (instrument, entry.article, entry.paragraph)
            where = f"{spec.locations[key]}: {instrument} Art. {entry.article}({entry.paragraph})"
            article = inst.article(entry.article)
            if article is None or entry.paragraph > len(article.paragraphs):
                problems.append(f"{where}: no such paragraph")
                continue
            if (entry.article, entry.paragraph) in seen:
                problems.append(f"{where}: listed more than once")
                continue
            seen.add((entry.article, entry.paragraph))
            para = article.paragraphs[entry.paragraph - 1]
            citing = cites.get((entry.article, entry.paragraph), set())
            mapped: set[str] = set(entry.cited_without_duty)
            duties: list[DutyCoverage] = []
            for index, duty in enumerate(entry.duties):
                at = f"{spec.duty_locations[key + (index,)]}: {instrument} Art. {entry.article}({entry.paragraph})"
                if duty.item is not None:
                    item = next((i for i in para.items if i.number == duty.item), None)
                    source = item.zh if item is not None else None
                else:
                    source = para.zh + "".join(i.zh for i in para.items)
                if source is None:
                    problems.append(f"{at}: no item {duty.item}")
                elif duty.text not in source.replace("\n", ""):
                    problems.append(f"{at}: the duty's text is not in the paragraph: {duty.text!r}")
                for rule_id in duty.rules:
                    if rule_id not in known_rules:
                        problems.append(f"{at}: unknown rule {rule_id}")
                    elif rule_id not in citing:
                        problems.append(f"{at}: {rule_id} is named for this duty but does not cite "
                                        f"{instrument} Art. {entry.article}({entry.paragraph})")
                if duty.reason is not None and duty.reason not in reasons:
                    problems.append(f"{at}: unknown reason {duty.reason!r}")
                mapped.update(duty.rules)
                duties.append(DutyCoverage(duty.text, duty.item, duty.kind, duty.status, duty.rules, duty.missing,
                                           duty.reason, duty.note))
            for rule_id in sorted(citing - mapped):
                problems.append(f"{where}: {rule_id} cites this paragraph but no duty names it "
                                f"(name it under a duty's rules, or under cited_without_duty)")
            for rule_id in sorted(set(entry.cited_without_duty) - citing):
                problems.append(f"{where}: {rule_id} is listed under cited_without_duty but does not cite it")
            out[key] = tuple(duties)
        for article in inst.articles:
            for para in article.paragraphs:
                if (article.number, para.number) not in seen:
                    problems.append(f"{spec.file}: {instrument} Art. {article.number}({para.number}): "
                                    f"no duty entry (list its duties, or duties: [] if it has none)")
    return out, problems
