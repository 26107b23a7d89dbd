"""The coverage map: for every article and paragraph of an instrument, the rules that cite it
or the recorded reason why it is not machine-checkable.

``rules/coverage.yaml`` holds, per instrument, one entry for each article (or paragraph) that
no rule encodes, with a reason code and a short bilingual note. Everything else is derived from
the rules themselves:

* ``encoded``: a rule cites the paragraph (or its whole article, or one of its items) in
  ``citations``;
* ``liability-only``: rules name it only in ``liability`` (it says what follows a breach of a
  duty that other rules check);
* a reason code from ``coverage.yaml``;
* ``missing``: neither a rule nor a reason; an error for an instrument marked ``complete``.

An entry in ``coverage.yaml`` for a paragraph that a rule cites is *stale* and is an error: the
map never says "not machine-checkable" about something a rule checks. An entry for a whole
article is stale as soon as any of its paragraphs is cited: split it into paragraph entries.

Instruments marked ``complete: true`` list every article and paragraph; the others (local
instruments of packs) list only what rules cite and what the file names.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field

from .._core.bilingual import Bilingual
from .._core.data_files import NON_EMPTY, DataModel, NonBlank, validate_model
from .._core.errors import Location, RuleError
from .._core.paths import data_dir
from .._core.safe_yaml import PathKey, load_document
from .duties import DutyCoverage, DutySpec, check_duties, load_duties
from .regulations import Corpus, Instrument
from .rules import RuleSet

SCHEMA = "legalcheck/coverage/1"
ENCODED = "encoded"
PARTLY_ENCODED = "partly-encoded"  # cited by rules, but some of its duties are not (fully) checked
LIABILITY_ONLY = "liability-only"
MISSING = "missing"
DERIVED_STATUSES = (ENCODED, PARTLY_ENCODED, LIABILITY_ONLY)
# Reasons that say a provision could be checked but no rule does yet (counted as not encoded).
NOT_YET_REASONS = ("awaiting-rule", "local-not-encoded")

Format = Literal["text", "markdown", "json"]


@dataclass(frozen=True)
class Entry:
    """One line of ``coverage.yaml``: an article (``paragraph`` None) or one paragraph, and why."""

    instrument: str
    article: int
    paragraph: int | None
    reason: str
    note: Bilingual
    location: Location


@dataclass(frozen=True)
class InstrumentSpec:
    id: str
    complete: bool
    entries: tuple[Entry, ...]


@dataclass(frozen=True)
class CoverageSpec:
    reasons: Mapping[str, Bilingual]
    instruments: tuple[InstrumentSpec, ...]
    file: str


@dataclass(frozen=True)
class Unit:
    """One paragraph (款) of one article, or a one-paragraph article, and its coverage."""

    article: int
    paragraph: int  # 1 for a one-paragraph article
    single: bool  # the article has only this paragraph
    label_zh: str  # 第二十二条第一款 / 第一条
    label_en: str  # Art. 22(1) / Art. 1
    status: str  # encoded, liability-only, a reason code, or missing
    rules: tuple[str, ...] = ()  # rules citing it in `citations`
    liability_rules: tuple[str, ...] = ()  # rules naming it in `liability`
    items: tuple[int, ...] = ()  # items (项) cited by rules
    note: Bilingual | None = None
    stale: Entry | None = None  # a coverage.yaml entry for a paragraph a rule cites
    duties: tuple[DutyCoverage, ...] = ()  # from rules/duties.yaml, where the instrument is split


@dataclass(frozen=True)
class InstrumentCoverage:
    id: str
    title: Bilingual
    complete: bool
    units: tuple[Unit, ...]

    @property
    def articles(self) -> tuple[int, ...]:
        return tuple(dict.fromkeys(u.article for u in self.units))

    def summary(self) -> dict[str, Any]:
        """Counts of paragraphs by status, and of articles (an article counts once, by its best status)."""
        paragraphs: dict[str, int] = {}
        for unit in self.units:
            key = _summary_key(unit.status)
            paragraphs[key] = paragraphs.get(key, 0) + 1
        articles: dict[str, int] = {}
        for number in self.articles:
            statuses = {u.status for u in self.units if u.article == number}
            if PARTLY_ENCODED in statuses or (ENCODED in statuses and statuses & {*NOT_YET_REASONS, MISSING}):
                key = PARTLY_ENCODED
            elif ENCODED in statuses:
                key = ENCODED
            elif LIABILITY_ONLY in statuses:
                key = LIABILITY_ONLY
            elif MISSING in statuses:
                key = MISSING
            elif statuses & set(NOT_YET_REASONS):
                key = "not-encoded"
            else:
                key = "reasoned"
            articles[key] = articles.get(key, 0) + 1
        duties: dict[str, int] = {}
        for unit in self.units:
            for duty in unit.duties:
                duties[duty.status] = duties.get(duty.status, 0) + 1
        return {
            "articles": {"total": len(self.articles), **{k: articles.get(k, 0) for k in SUMMARY_ORDER}},
            "paragraphs": {"total": len(self.units), **{k: paragraphs.get(k, 0) for k in SUMMARY_ORDER}},
            "duties": {"total": sum(duties.values()), **{k: duties.get(k, 0) for k in DUTY_ORDER}},
        }


SUMMARY_ORDER = (ENCODED, PARTLY_ENCODED, LIABILITY_ONLY, "not-encoded", "reasoned", MISSING)
DUTY_ORDER = ("encoded", "partly-encoded", "not-encoded", "not-checkable")


def _summary_key(status: str) -> str:
    if status in (ENCODED, PARTLY_ENCODED, LIABILITY_ONLY, MISSING):
        return status
    return "not-encoded" if status in NOT_YET_REASONS else "reasoned"


@dataclass(frozen=True)
class Coverage:
    reasons: Mapping[str, Bilingual]
    instruments: tuple[InstrumentCoverage, ...]
    problems: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return not self.problems


# --------------------------------------------------------------------------- loading


class NoteFile(DataModel):
    zh: NonBlank
    en: NonBlank

    def bilingual(self) -> Bilingual:
        return Bilingual(self.zh, self.en)


class EntryFile(DataModel):
    """An article (no ``paragraph``) or one paragraph no rule encodes, and why."""

    article: Annotated[int, Field(ge=1)]
    paragraph: Annotated[int, Field(ge=1)] | None = None
    reason: str  # a key of ``reasons``
    note: NoteFile


class InstrumentEntriesFile(DataModel):
    complete: bool  # every article and paragraph is listed (national instruments)
    entries: tuple[EntryFile, ...] = ()


class CoverageFile(DataModel):
    """``rules/coverage.yaml``."""

    schema_: Literal["legalcheck/coverage/1"] = Field(alias="schema")
    reasons: Annotated[dict[str, NoteFile], NON_EMPTY]  # reason code -> what it means
    instruments: dict[str, InstrumentEntriesFile]


def load_coverage(path: Path | None = None) -> CoverageSpec:
    """Read and validate ``coverage.yaml`` (default: ``rules/coverage.yaml``); every problem is reported."""
    path = path or data_dir("rules") / "coverage.yaml"
    doc = load_document(path, unique_keys=True)
    parsed = validate_model(CoverageFile, doc)
    spec, problems = parsed.model, parsed.problems
    if spec is None:
        raise RuleError(problems)
    for code in spec.reasons:
        if code in DERIVED_STATUSES or code == MISSING:
            problems.append((doc.locate(("reasons", code)), f"{code!r} is derived from the rules, not a reason"))
    instruments: list[InstrumentSpec] = []
    for inst_id, body in spec.instruments.items():
        entries: list[Entry] = []
        for index, raw in enumerate(body.entries):
            where: PathKey = ("instruments", inst_id, "entries", index)
            if raw.reason not in spec.reasons:
                hint = ("; it is derived from the rules" if raw.reason in DERIVED_STATUSES
                        else f"; known: {', '.join(spec.reasons)}")
                problems.append((doc.locate(where + ("reason",)), f"unknown reason {raw.reason!r}{hint}"))
                continue
            entries.append(Entry(inst_id, raw.article, raw.paragraph, raw.reason, raw.note.bilingual(),
                                 doc.locate(where)))
        instruments.append(InstrumentSpec(inst_id, body.complete, tuple(entries)))
    if problems:
        raise RuleError(problems)
    return CoverageSpec({code: note.bilingual() for code, note in spec.reasons.items()}, tuple(instruments),
                        str(path))


# --------------------------------------------------------------------------- building


@dataclass
class _Cites:
    rules: set[str] = field(default_factory=set)
    liability: set[str] = field(default_factory=set)
    items: set[int] = field(default_factory=set)


def _citations(ruleset: RuleSet, inst: Instrument) -> dict[tuple[int, int], _Cites]:
    """(article, paragraph) -> the rules citing it; a citation of a whole article covers every paragraph."""
    cites: dict[tuple[int, int], _Cites] = {}
    for compiled in ruleset.rules:
        rule = compiled.rule
        for kind, specs in (("rules", rule.citations), ("liability", rule.liability)):
            for spec in specs:
                if spec.instrument != inst.id:
                    continue
                article = inst.article(spec.article)
                if article is None:
                    continue  # the rule loader's tests catch citations that do not resolve
                paragraphs = ([spec.paragraph] if spec.paragraph is not None
                              else [1] if spec.item is not None
                              else [p.number for p in article.paragraphs])
                for number in paragraphs:
                    entry = cites.setdefault((spec.article, number), _Cites())
                    getattr(entry, kind).add(rule.id)
                    if spec.item is not None and kind == "rules":
                        entry.items.add(spec.item)
    return cites


def build_coverage(ruleset: RuleSet, corpus: Corpus, spec: CoverageSpec,
                   instruments: Sequence[str] | None = None, duties: DutySpec | None = None) -> Coverage:
    """The coverage of each instrument in ``spec`` (or of ``instruments``), with every problem found.

    With ``duties``, every paragraph of the instruments it splits shows its duties, and a paragraph
    that rules cite is ``partly-encoded`` unless every one of its duties is encoded.
    """
    problems: list[str] = []
    split: dict[tuple[str, int, int], tuple[DutyCoverage, ...]] = {}
    if duties is not None:
        split, duty_problems = check_duties(duties, ruleset, corpus, spec.reasons)
        problems.extend(duty_problems)
    out: list[InstrumentCoverage] = []
    chosen = [s for s in spec.instruments if instruments is None or s.id in instruments]
    if instruments is not None:
        unknown = [i for i in instruments if i not in {s.id for s in spec.instruments}]
        if unknown:
            known = ", ".join(s.id for s in spec.instruments)
            raise RuleError.at(f"no coverage for instrument(s) {', '.join(unknown)}; known: {known}",
                               file=spec.file)
    for inst_spec in chosen:
        try:
            inst = corpus.instrument(inst_spec.id)
        except Exception as exc:  # noqa: BLE001 - reported as a problem of the coverage file
            problems.append(f"{spec.file}: {exc}")
            continue
        cites = _citations(ruleset, inst)
        by_article: dict[int, Entry] = {}
        by_paragraph: dict[tuple[int, int], Entry] = {}
        for entry in inst_spec.entries:
            article = inst.article(entry.article)
            where = f"{entry.location}: {inst.id} Art. {entry.article}"
            if article is None or (entry.paragraph is not None and entry.paragraph > len(article.paragraphs)):
                problems.append(f"{where}{f'({entry.paragraph})' if entry.paragraph else ''}: no such provision")
                continue
            if entry.paragraph is not None and len(article.paragraphs) == 1:
                problems.append(f"{where}: a one-paragraph article is listed without 'paragraph'")
            if entry.article in by_article or (entry.article, entry.paragraph) in by_paragraph \
                    or (entry.paragraph is None and any(a == entry.article for a, _ in by_paragraph)) \
                    or (entry.paragraph is not None and entry.article in by_article):
                problems.append(f"{where}: listed more than once")
                continue
            if entry.paragraph is None:
                by_article[entry.article] = entry
            else:
                by_paragraph[(entry.article, entry.paragraph)] = entry
        units: list[Unit] = []
        for article in inst.articles:
            cited_anywhere = any((article.number, p.number) in cites for p in article.paragraphs)
            whole = by_article.get(article.number)
            if whole is not None and cited_anywhere:
                cited = [str(p.number) for p in article.paragraphs if (article.number, p.number) in cites]
                problems.append(f"{whole.location}: stale: {inst.id} Art. {article.number} is listed as "
                                f"{whole.reason!r}, but rules cite paragraph(s) {', '.join(cited)}; list the "
                                f"remaining paragraphs one by one")
            single = len(article.paragraphs) == 1
            for para in article.paragraphs:
                key = (article.number, para.number)
                provision = corpus.resolve(inst, article.number, None if single else para.number)
                label_en = provision.label_en
                found = cites.get(key)
                listed: Entry | None = by_paragraph.get(key) or (whole if not cited_anywhere else None)
                stale = by_paragraph.get(key) if found is not None else None
                if stale is not None and found is not None:
                    problems.append(f"{stale.location}: stale: {inst.id} {label_en} is listed as {stale.reason!r}, "
                                    f"but {', '.join(sorted(found.rules | found.liability))} cite it")
                unit_duties = split.get((inst.id, article.number, para.number), ())
                if found is not None and found.rules:
                    partly = any(d.status != "encoded" for d in unit_duties)
                    status, note = (PARTLY_ENCODED if partly else ENCODED), None
                elif found is not None:
                    status, note = LIABILITY_ONLY, None
                elif listed is not None:
                    status, note = listed.reason, listed.note
                else:
                    status, note = MISSING, None
                    if inst_spec.complete:
                        problems.append(f"{inst.id} {label_en} ({provision.label_zh}): no rule cites it and "
                                        f"{Path(spec.file).name} gives no reason")
                if not inst_spec.complete and status == MISSING:
                    continue  # partial instruments list only what is cited or explained
                units.append(Unit(
                    article=article.number, paragraph=para.number, single=single, label_zh=provision.label_zh,
                    label_en=label_en, status=status,
                    rules=tuple(sorted(found.rules)) if found else (),
                    liability_rules=tuple(sorted(found.liability)) if found else (),
                    items=tuple(sorted(found.items)) if found else (), note=note, stale=stale,
                    duties=unit_duties))
        out.append(InstrumentCoverage(inst.id, Bilingual(inst.short.zh, inst.short.en), inst_spec.complete,
                                      tuple(units)))
    return Coverage(spec.reasons, tuple(out), tuple(problems))


def coverage(instruments: Sequence[str] | None = None, *, ruleset: RuleSet | None = None,
             corpus: Corpus | None = None, spec: CoverageSpec | None = None,
             duties: DutySpec | None = None) -> Coverage:
    """The coverage map of the bundled rules (national and packs) over the bundled regulations."""
    from .regulations import load_corpus
    from .rules import load_ruleset

    ruleset = ruleset or load_ruleset(data_dir("rules"), data_dir("packs"))
    return build_coverage(ruleset, corpus or load_corpus(), spec or load_coverage(), instruments,
                          duties if duties is not None else load_duties())


# --------------------------------------------------------------------------- rendering


def _unit_detail(units: tuple[Unit, ...], index: int, *, as_above: str, note_separator: str,
                 unexplained: str) -> str:
    """What a provision's row says beside its status: its rules, "as above", its note, or that
    it has neither (each format words the last three its own way)."""
    unit = units[index]
    if unit.status in DERIVED_STATUSES:
        return _rules_text(unit)
    if _repeats(units, index):
        return as_above
    if unit.note is not None:
        return f"{unit.note.zh}{note_separator}{unit.note.en}"
    return unexplained


def _repeats(units: Sequence[Unit], index: int) -> bool:
    """The unit has the same article-level reason as the one before it (shown once)."""
    unit = units[index]
    if index == 0 or unit.note is None:
        return False
    before = units[index - 1]
    return before.article == unit.article and before.status == unit.status and before.note is unit.note


def _rules_text(unit: Unit) -> str:
    parts = []
    if unit.rules:
        parts.append(" ".join(unit.rules))
    if unit.items:
        parts.append("(" + "、".join(f"第{i}项" for i in unit.items) + ")")
    if unit.liability_rules:
        parts.append("liability: " + " ".join(unit.liability_rules))
    return " ".join(parts)


def _summary_line(inst: InstrumentCoverage) -> str:
    s = inst.summary()
    parts = []
    for name, key in (("articles", "articles"), ("paragraphs", "paragraphs")):
        counts = s[key]
        parts.append(f"{counts['total']} {name}: " + ", ".join(f"{counts[k]} {k}" for k in SUMMARY_ORDER))
    d = s["duties"]
    if d["total"]:
        parts.append(f"{d['total']} duties: " + ", ".join(f"{d[k]} {k}" for k in DUTY_ORDER))
    return "; ".join(parts)


def _duty_detail(duty: DutyCoverage, reasons: Mapping[str, Bilingual]) -> tuple[str, str]:
    """(Chinese, English) of what a duty's status rests on: its rules, what is missing, or why."""
    kind_zh = "条件" if duty.kind == "condition" else "义务"
    kind_en = "condition" if duty.kind == "condition" else "duty"
    item_zh = f"第{duty.item}项 " if duty.item else ""
    head_zh = f"{kind_zh} {item_zh}“{duty.text}”"
    head_en = f"{kind_en}{f' item {duty.item}' if duty.item else ''}"
    zh, en = [], []
    if duty.rules:
        zh.append(" ".join(duty.rules))
        en.append(" ".join(duty.rules))
    if duty.missing is not None:
        zh.append("未检查：" + duty.missing.zh)
        en.append("not checked: " + duty.missing.en)
    if duty.reason is not None:
        reason = reasons.get(duty.reason)
        zh.append(f"{duty.reason}" + (f"（{reason.zh}）" if reason and duty.note is None else ""))
        en.append(duty.reason)
    if duty.note is not None:
        zh.append(duty.note.zh)
        en.append(duty.note.en)
    return f"{head_zh}：{'；'.join(zh)}", f"{head_en}: {'; '.join(en)}"


def render_text(cov: Coverage) -> str:
    lines: list[str] = []
    for inst in cov.instruments:
        scope = "" if inst.complete else " [only provisions cited or listed]"
        lines.append(f"{inst.title.zh} {inst.title.en} ({inst.id}){scope}")
        lines.append("  " + _summary_line(inst))
        width = max((len(u.label_zh) for u in inst.units), default=0)
        for index, unit in enumerate(inst.units):
            label = unit.label_zh + "\u3000" * (width - len(unit.label_zh))
            detail = _unit_detail(inst.units, index, as_above="〃 (同上 / as above)", note_separator=" / ",
                                  unexplained="no rule and no reason")
            lines.append(f"  {label} {unit.label_en:<12} {unit.status:<32} {detail}")
            for duty in unit.duties:
                zh, en = _duty_detail(duty, cov.reasons)
                lines.append(f"      · {duty.status:<15} {zh} / {en}")
        lines.append("")
    if cov.problems:
        lines.append("Problems:")
        lines.extend(f"  {p}" for p in cov.problems)
        lines.append("")
    return "\n".join(lines)


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(cov: Coverage) -> str:
    lines = [
        "# Article coverage / 条文覆盖情况",
        "",
        "Generated by `legalcheck coverage --format markdown` from the rules and `rules/coverage.yaml`; "
        "do not edit by hand (a test checks it is up to date).",
        "",
        "For every article and paragraph: the rules that cite it (**encoded**, or **partly-encoded** when some of "
        "its duties are not fully checked), the rules that name it only as the liability for a breach "
        "(**liability-only**), or the reason it is not machine-checkable. Items (项) cited are shown in brackets.",
        "",
        "Where `rules/duties.yaml` splits an instrument, each paragraph is followed by its duties (each "
        "应当 / 不得 / 不予 clause, quoted): **encoded** by the rules named, **partly-encoded** (what is not "
        "checked), **not-encoded** (checkable, but no rule yet), or **not-checkable** (why).",
        "",
        "## Reason codes / 理由代码",
        "",
        "| code | 说明 | meaning |",
        "|---|---|---|",
        f"| `{ENCODED}` | 有规则在 citations 中引用 | cited by a rule's citations |",
        f"| `{PARTLY_ENCODED}` | 有规则引用，但其中的义务未全部检查 "
        "| cited by rules, but not all of its duties are checked |",
        f"| `{LIABILITY_ONLY}` | 仅被规则作为责任条款引用 | named only as a liability provision by rules |",
    ]
    lines += [f"| `{code}` | {_md(note.zh)} | {_md(note.en)} |" for code, note in cov.reasons.items()]
    lines.append("")
    for inst in cov.instruments:
        lines += [f"## {inst.title.zh} / {inst.title.en} (`{inst.id}`)", ""]
        if not inst.complete:
            lines += ["Only the provisions that rules cite or that `rules/coverage.yaml` lists are shown.", ""]
        s = inst.summary()
        lines += [
            "| | total | " + " | ".join(SUMMARY_ORDER) + " |",
            "|---|---|" + "---|" * len(SUMMARY_ORDER),
            "| articles 条 | " + " | ".join(str(s["articles"][k]) for k in ("total", *SUMMARY_ORDER)) + " |",
            "| paragraphs 款 | " + " | ".join(str(s["paragraphs"][k]) for k in ("total", *SUMMARY_ORDER)) + " |",
            "",
        ]
        if s["duties"]["total"]:
            lines += [
                "| duties 义务 | total | " + " | ".join(DUTY_ORDER) + " |",
                "|---|---|" + "---|" * len(DUTY_ORDER),
                "| | " + " | ".join(str(s["duties"][k]) for k in ("total", *DUTY_ORDER)) + " |",
                "",
            ]
        lines += [
            "| 条款 | Provision | status | rules / reason |",
            "|---|---|---|---|",
        ]
        for index, unit in enumerate(inst.units):
            detail = _unit_detail(inst.units, index, as_above="〃 同上 / as above", note_separator="<br>",
                                  unexplained="**no rule and no reason**")
            lines.append(f"| {unit.label_zh} | {unit.label_en} | `{unit.status}` | {_md(detail)} |")
            for duty in unit.duties:
                zh, en = _duty_detail(duty, cov.reasons)
                lines.append(f"| | ↳ | `{duty.status}` | {_md(zh)}<br>{_md(en)} |")
        lines.append("")
    if cov.problems:
        lines += ["## Problems", ""] + [f"- {_md(p)}" for p in cov.problems] + [""]
    return "\n".join(lines)


def render_json(cov: Coverage) -> str:
    document = {
        "schema": SCHEMA,
        "reasons": {code: {"zh": n.zh, "en": n.en} for code, n in cov.reasons.items()},
        "instruments": [{
            "id": inst.id, "title": {"zh": inst.title.zh, "en": inst.title.en}, "complete": inst.complete,
            "summary": inst.summary(),
            "provisions": [{
                "article": u.article, "paragraph": None if u.single else u.paragraph,
                "label": {"zh": u.label_zh, "en": u.label_en}, "status": u.status, "rules": list(u.rules),
                "liability_rules": list(u.liability_rules), "items": list(u.items),
                "note": None if u.note is None else {"zh": u.note.zh, "en": u.note.en},
                "duties": [{
                    "text": d.text, "item": d.item, "kind": d.kind, "status": d.status, "rules": list(d.rules),
                    "missing": None if d.missing is None else {"zh": d.missing.zh, "en": d.missing.en},
                    "reason": d.reason, "note": None if d.note is None else {"zh": d.note.zh, "en": d.note.en},
                } for d in u.duties],
            } for u in inst.units],
        } for inst in cov.instruments],
        "problems": list(cov.problems),
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def render(cov: Coverage, fmt: Format) -> str:
    if fmt == "json":
        return render_json(cov)
    if fmt == "markdown":
        return render_markdown(cov)
    return render_text(cov)


def uncovered(cov: Coverage) -> Iterable[tuple[str, Unit]]:
    """Every (instrument id, unit) with neither a rule nor a reason."""
    for inst in cov.instruments:
        for unit in inst.units:
            if unit.status == MISSING:
                yield inst.id, unit
