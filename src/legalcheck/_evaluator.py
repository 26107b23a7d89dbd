"""The evaluator: select rules by the case's dates, run an engine, judge its matches.

Engines only say which events stand in which relation (``_conditions.py``). What a
match means in law is decided here, once, for every engine: whether a rule was in
force on the date of the act, the deadline arithmetic (``_periods.py``), and the
finding with its citations, evidence and explanation.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import _findings as out
from ._calendar import Calendar, load_calendar
from ._bilingual import Bilingual
from ._case import Case
from ._conditions import Fact, QueryMatch, case_fields_read, event_fields_read, event_kinds_read, fields_of
from ._errors import CalendarDataError, Location
from ._engines import Engine, EngineName, default_engine, make_engine
from ._facts import FactPlan, Facts, case_facts
from ._paths import data_dir
from ._periods import DeadlineOutcome, DueDate, Period, classify, compute_due, designated_due
from ._regulations import Corpus, load_corpus
from ._rules import (
    PERIOD, SEVERITY_ORDER, CitationSpec, CompiledRule, DesignatedPeriod, Rule, RuleSet, Selection, load_ruleset,
)
from ._version import __version__

ROLL_OVER_READING = "roll-over-rest-day"


# _Context and _Verdict live for one check and are never changed; not frozen because a frozen
# dataclass costs four times as much to build, and they are built for every case and match.
@dataclass(slots=True)
class _Context:
    case: Case
    facts: Facts
    as_of: dt.date
    roll_over: bool
    selection: Selection


@dataclass(frozen=True, slots=True)
class _Prepared:
    """A rule with what judging and reporting need of it, worked out once per evaluator."""

    compiled: CompiledRule
    # The rule's validity (effective_from / effective_until) as day ordinals, compared with facts' days.
    in_force_from: int
    in_force_until: int
    displaceable: bool  # a local rule of the selection may take its place
    period: Period | DesignatedPeriod | None
    case_fields: tuple[str, ...]  # case fields its conditions read, sorted (the finding's field references)
    anchor_fields: tuple[str, ...]  # anchor fields its conditions read, sorted
    title: out.Bilingual  # the rule's texts as report values (frozen, so shared by its findings)
    grounds: out.Bilingual


@dataclass(slots=True)
class _Verdict:
    """What one match means in law, before any report is built from it.

    ``severity`` None: an obligation pending on the date checked.
    """

    rule: _Prepared
    anchor: Fact | None
    related: tuple[Fact, ...]
    severity: str | None
    due: DueDate | None = None
    outcome: DeadlineOutcome | None = None


class Evaluator:
    """Loaded rules, regulations and calendar, plus one engine per pack selection.

    Build one and reuse it: loading and compiling happen here, not per case. Safe to
    share between threads.
    """

    def __init__(self, *, engine: EngineName | None = None, rules_dir: Path | None = None,
                 packs_dir: Path | None = None, regulations_dir: Path | None = None,
                 calendar_files: Sequence[Path] = ()) -> None:
        self.engine_name: EngineName = engine or default_engine()
        self.ruleset: RuleSet = load_ruleset(rules_dir or data_dir("rules"),
                                             packs_dir if packs_dir is not None else data_dir("packs"))
        self.corpus: Corpus = load_corpus(regulations_dir)
        self.calendar: Calendar = load_calendar(calendar_files)
        self._engines: dict[tuple[str, ...], _Engine] = {}
        self._lock = threading.Lock()
        # Report parts that do not depend on the case are built once (frozen, so shareable).
        self._readings = {r.id: out.Reading(id=r.id, title=_text(r.title), text=_text(r.text))
                          for r in self.ruleset.readings.values()}
        self._packs_by_province: dict[str | None, tuple[str, ...]] = {
            province: tuple(sorted(pid for pid, pack in self.ruleset.packs.items() if pack.province == province))
            for province in {pack.province for pack in self.ruleset.packs.values()}}
        self._citation_cache: dict[CitationSpec, out.Citation] = {}
        self._due_cache: dict[tuple[Any, ...], DueDate] = {}
        self._steps_cache: dict[tuple[Bilingual, ...], tuple[out.DeadlineStep, ...]] = {}
        self._readings_cache: dict[tuple[frozenset[str], bool], tuple[out.Reading, ...]] = {}
        make_engine(self.engine_name, [])  # fail now, not on the first case, if the engine cannot run here

    def _engine_for(self, packs: tuple[str, ...]) -> _Engine:
        known = self._engines.get(packs)  # built once per selection; reading needs no lock
        if known is not None:
            return known
        with self._lock:
            cached = self._engines.get(packs)
            if cached is None:
                selection = self.ruleset.for_packs(packs)
                queries = [r.query for r in selection.rules]
                engine = make_engine(self.engine_name, queries)
                # Facts carry only the fields some selected rule reads (and those judging reads).
                plan = FactPlan.reading(set().union(*map(case_fields_read, queries)),
                                        set().union(*map(event_fields_read, queries)),
                                        set().union(*map(event_kinds_read, queries)))
                cached = _Engine(engine, {r.rule.id: _prepare(r, selection) for r in selection.rules}, selection,
                                 plan)
                self._engines[packs] = cached
            return cached

    def packs_for(self, case: Case, packs: Sequence[str] | None) -> tuple[str, ...]:
        if packs is not None:
            unknown = [p for p in packs if p not in self.ruleset.packs]
            if unknown:
                raise ValueError(f"unknown pack(s): {', '.join(unknown)}; known: {', '.join(self.ruleset.packs)}")
            return tuple(sorted(packs))
        return self._packs_by_province.get(case.province, ())

    def check(self, case: Case, *, as_of: dt.date | None = None, roll_over: bool = True,
              packs: Sequence[str] | None = None, source: str | None = None,
              source_sha256: str | None = None) -> out.Report:
        """The case's report: findings, pending obligations and the receipt of what was applied."""
        chosen = self.packs_for(case, packs)
        ctx, verdicts = self._verdicts(case, as_of, roll_over, chosen, source)
        findings: list[out.Finding] = []
        pending: list[out.PendingObligation] = []
        for verdict in verdicts:
            if verdict.severity is None:
                pending.append(self._pending(verdict, ctx))
            else:
                findings.append(self._finding(verdict, ctx))
        findings.sort(key=_finding_order)
        pending.sort(key=lambda p: (p.due or dt.date.max, p.rule_id, p.trigger.path))
        return self._report(ctx, findings, pending, chosen, source, source_sha256)

    def is_compliant(self, case: Case, *, as_of: dt.date | None = None, roll_over: bool = True,
                     packs: Sequence[str] | None = None) -> bool:
        """``check(...).compliant`` without building the report: the same verdicts, nothing rendered."""
        _ctx, verdicts = self._verdicts(case, as_of, roll_over, self.packs_for(case, packs), None)
        return not any(v.severity == "violation" for v in verdicts)

    def _verdicts(self, case: Case, as_of: dt.date | None, roll_over: bool, packs: tuple[str, ...],
                  source: str | None) -> tuple[_Context, list[_Verdict]]:
        as_of = as_of or dt.date.today()
        cached = self._engine_for(packs)
        facts = case_facts(case, until=as_of, plan=cached.plan)
        ctx = _Context(case, facts, as_of, roll_over, cached.selection)
        verdicts: list[_Verdict] = []
        for match in cached.engine.run(facts):
            prepared = cached.rules[match.rule_id]
            try:
                verdict = self._judge(prepared, match, ctx)
            except CalendarDataError as exc:
                raise _located(exc, source, prepared.compiled, match, facts) from None
            if verdict is not None:
                verdicts.append(verdict)
        return ctx, verdicts

    # --- judging one match ---------------------------------------------------------------

    def _judge(self, prepared: _Prepared, match: QueryMatch, ctx: _Context) -> _Verdict | None:
        rule = prepared.compiled.rule
        events = ctx.facts.events
        anchor = events[match.anchor_seq] if match.anchor_seq is not None else None
        act_day: int | None = anchor["day"] if anchor is not None else events[0]["day"] if events else None
        if act_day is None or not prepared.in_force_from <= act_day <= prepared.in_force_until:
            return None  # validity in time is chosen by the date of the act, never by today
        if prepared.displaceable and ctx.selection.displaced(rule.id, _day(act_day)):
            return None  # a local rule in force on that date takes this national rule's place
        if rule.check.forbid is not None:
            prior = match.seqs("prior")
            if rule.check.forbid.after is not None and not prior:
                return None  # 'after' was given and no such earlier event exists
            if rule.check.forbid.unless_before is not None and match.seqs("unless"):
                return None  # 'unless_before' was given and such an earlier event exists
            return _Verdict(prepared, anchor, tuple(events[s] for s in prior), rule.severity)
        assert anchor is not None
        return self._obligation(prepared, match, anchor, ctx)

    def _obligation(self, prepared: _Prepared, match: QueryMatch, trigger: Fact, ctx: _Context) -> _Verdict | None:
        rule = prepared.compiled.rule
        spec = rule.check.obligation
        assert spec is not None
        fulfil = match.seqs("fulfil")
        first = ctx.facts.events[fulfil[0]] if fulfil else None
        actual = _day(first["day"]) if first is not None else None
        if actual is None and spec.missing == "ignore":
            return None
        if prepared.period is None:
            if actual is not None:
                return None
            return _Verdict(prepared, trigger, (), rule.severity if ctx.case.status == "closed" else None)
        due = self._due(prepared.period, spec, match, trigger, ctx)
        outcome = classify(due, actual, ctx.as_of)
        if outcome.status == "met":
            return None
        if outcome.status == "pending":
            return _Verdict(prepared, trigger, (), None, due, outcome)
        severity = "notice" if outcome.status == "met_by_roll_over" else rule.severity
        return _Verdict(prepared, trigger, (first,) if first is not None else (), severity, due, outcome)

    def _due(self, period: Period | DesignatedPeriod, spec: Any, match: QueryMatch, trigger: Fact,
             ctx: _Context) -> DueDate:
        start = _day(trigger["day"])
        if isinstance(period, DesignatedPeriod):
            return designated_due(start, _day(trigger["report_by_day"]), self.calendar, roll_over=ctx.roll_over)
        spans = [(_day(e["day"]), _day(e["end_day"])) for e in (ctx.facts.events[s] for s in match.seqs("excluded"))]
        due = self._compute_due(start, period, tuple(spans), 0, ctx.roll_over)
        if spec.extension is None:
            return due
        # An extension counts only if granted before the original period ran out (第三十四条:
        # 延长办理期限 presupposes a running period); at most max_days in total.
        granted = sum(ctx.facts.events[s]["days"] for s in match.seqs("extension")
                      if _day(ctx.facts.events[s]["day"]) <= due.effective_due)
        extension = min(granted, spec.extension.max_days)
        if not extension:
            return due
        return self._compute_due(start, period, tuple(spans), extension, ctx.roll_over)

    def _compute_due(self, start: dt.date, length: Period, spans: tuple[tuple[dt.date, dt.date], ...],
                     extension: int, roll_over: bool) -> DueDate:
        """Deadline arithmetic, memoised: batches repeat the same few periods from the same dates."""
        key = (start, length.amount, length.unit, spans, extension, roll_over)  # hashed in C, unlike a dataclass
        due = self._due_cache.get(key)
        if due is None:
            due = compute_due(start, length, self.calendar, excluded=spans, extension_days=extension,
                              roll_over=roll_over)
            if len(self._due_cache) > 100_000:
                self._due_cache.clear()  # bounded memory over millions of cases
            self._due_cache[key] = due
        return due

    # --- building output -----------------------------------------------------------------

    def _finding(self, verdict: _Verdict, ctx: _Context) -> out.Finding:
        compiled = verdict.rule.compiled
        rule = compiled.rule
        anchor = verdict.anchor
        deadline = self._deadline(verdict, ctx)
        events = (anchor, *verdict.related) if anchor is not None else verdict.related
        return out.Finding(
            rule_id=rule.id, rule_name=rule.name, severity=verdict.severity,  # type: ignore[arg-type]
            title=verdict.rule.title, message=_message(rule, ctx, anchor, deadline), instrument=rule.instrument,
            citations=self._citations(rule.citations), liability=self._citations(rule.liability),
            grounds=verdict.rule.grounds, events=tuple(self._event_ref(ctx, e) for e in events),
            fields=_field_refs(verdict.rule, ctx, anchor), deadline=deadline,
            readings=_readings_applied(rule, deadline), pack=compiled.pack, overrides=rule.overrides)

    def _pending(self, verdict: _Verdict, ctx: _Context) -> out.PendingObligation:
        rule = verdict.rule.compiled.rule
        assert verdict.anchor is not None
        return out.PendingObligation(
            rule_id=rule.id, rule_name=rule.name, title=verdict.rule.title, instrument=rule.instrument,
            citations=self._citations(rule.citations), trigger=self._event_ref(ctx, verdict.anchor),
            due=None if verdict.due is None else verdict.due.effective_due,
            days_left=None if verdict.outcome is None else verdict.outcome.days_left,
            deadline=self._deadline(verdict, ctx))

    def _deadline(self, verdict: _Verdict, ctx: _Context) -> out.Deadline | None:
        due, outcome, period = verdict.due, verdict.outcome, verdict.rule.period
        if due is None or outcome is None or period is None:
            return None
        spec = verdict.rule.compiled.rule.check.obligation
        assert spec is not None
        return out.Deadline(
            start=due.start, period="designated" if isinstance(period, DesignatedPeriod) else str(spec.period),
            unit="designated" if due.period is None else due.period.unit,
            amount=None if due.period is None else due.period.amount,
            excluded_days=due.excluded_days, extension_days=due.extension_days,
            holidays_crossed=due.holidays_crossed, strict_due=due.strict_due, rolled_due=due.rolled_due,
            effective_due=due.effective_due, roll_over=ctx.roll_over, actual=outcome.actual, as_of=outcome.as_of,
            status=outcome.status, days_late=outcome.days_late, days_left=outcome.days_left,
            steps=self._steps(due))

    def _steps(self, due: DueDate) -> tuple[out.DeadlineStep, ...]:
        steps = self._steps_cache.get(due.steps)
        if steps is None:  # the same due date recurs across a batch; its steps are frozen values
            steps = tuple(out.DeadlineStep(zh=s.zh, en=s.en) for s in due.steps)
            if len(self._steps_cache) > 100_000:
                self._steps_cache.clear()
            self._steps_cache[due.steps] = steps
        return steps

    def _citations(self, specs: Sequence[CitationSpec]) -> tuple[out.Citation, ...]:
        cited = []
        for spec in specs:
            known = self._citation_cache.get(spec)
            if known is None:  # a benign race between threads only builds the same value twice
                known = self._citation_cache.setdefault(spec, citation(self.corpus, spec))
            cited.append(known)
        return tuple(cited)

    def _event_ref(self, ctx: _Context, fact: Fact) -> out.EventRef:
        agency = ctx.case.agency(fact["agency"])
        return out.EventRef(path=f"events[{fact['index']}]", kind=fact["kind"], date=_day(fact["day"]),
                            agency=fact["agency"], agency_name=agency.name if agency else None)

    def _report(self, ctx: _Context, findings: list[out.Finding], pending: list[out.PendingObligation],
                packs: tuple[str, ...], source: str | None, source_sha256: str | None) -> out.Report:
        instruments = tuple(sorted({f.instrument for f in findings} | {p.instrument for p in pending}))
        counts = out.Counts(
            violation=sum(f.severity == "violation" for f in findings),
            warning=sum(f.severity == "warning" for f in findings),
            notice=sum(f.severity == "notice" for f in findings), pending=len(pending))
        used = frozenset(r for f in findings for r in f.readings)
        return out.Report(
            case_id=ctx.case.id, source=source, source_sha256=source_sha256, as_of=ctx.as_of,
            roll_over=ctx.roll_over, engine=self.engine_name, legalcheck_version=__version__,
            ruleset_version=self.ruleset.version, ruleset_sha256=self.ruleset.fingerprint,
            instruments=instruments, regulations_sha256=tuple((i, self.corpus.instrument(i).source_sha256) for i in instruments),
            calendar_sha256=self.calendar.fingerprint, packs=packs, readings=self._readings_for(used, ctx.roll_over),
            counts=counts, findings=tuple(findings), pending=tuple(pending))

    def _readings_for(self, used: frozenset[str], roll_over: bool) -> tuple[out.Reading, ...]:
        """The readings applied, in rules/readings.yaml order (roll-over: whenever it was switched on)."""
        key = (used, roll_over)
        readings = self._readings_cache.get(key)
        if readings is None:
            readings = tuple(reading for r_id, reading in self._readings.items()
                             if (roll_over if r_id == ROLL_OVER_READING else r_id in used))
            self._readings_cache[key] = readings  # bounded: subsets of the few readings rules apply
        return readings

    def iter_reports(self, cases: Sequence[Case], **options: Any) -> Iterator[out.Report]:
        for case in cases:
            yield self.check(case, **options)


@dataclass(frozen=True, slots=True)
class _Engine:
    """An engine for one selection of packs, with the selection's rules prepared."""

    engine: Engine
    rules: dict[str, _Prepared]
    selection: Selection
    plan: FactPlan


def _prepare(compiled: CompiledRule, selection: Selection) -> _Prepared:
    query = compiled.query
    rule = compiled.rule
    period: Period | DesignatedPeriod | None = None
    obligation = compiled.rule.check.obligation
    raw = obligation.period if obligation is not None else None
    if isinstance(raw, DesignatedPeriod):
        period = raw
    elif raw is not None:
        parsed = PERIOD.match(raw)
        assert parsed is not None  # the rule loader validated it
        period = Period(int(parsed.group("amount")),
                        "working_days" if parsed.group("unit") == "wd" else "calendar_days")
    return _Prepared(compiled, rule.effective_from.toordinal(),
                     (rule.effective_until or dt.date.max).toordinal(), rule.id in selection.displaced_by, period,
                     tuple(sorted(fields_of(query.when))),
                     tuple(sorted(fields_of(query.anchor.where))) if query.anchor is not None else (),
                     _text(rule.title), _text(rule.grounds))


def _located(exc: CalendarDataError, source: str | None, compiled: CompiledRule, match: QueryMatch,
             facts: Facts) -> CalendarDataError:
    """Point a missing-calendar error at the case file and the event whose deadline needed it."""
    field = None
    if match.anchor_seq is not None:
        field = f"events[{facts.events[match.anchor_seq]['index']}].date"
    return CalendarDataError([
        (Location(source or loc.file, loc.line, loc.column, field or loc.field),
         f"{message} (needed by {compiled.rule.id} {compiled.rule.name})")
        for loc, message in exc.problems])


def citation(corpus: Corpus, spec: CitationSpec) -> out.Citation:
    provision = corpus.resolve(spec.instrument, spec.article, spec.paragraph, spec.item)
    instrument = corpus.instrument(spec.instrument)
    return out.Citation(
        instrument=spec.instrument, instrument_title=out.Bilingual(zh=instrument.short.zh, en=instrument.short.en),
        article=spec.article, paragraph=spec.paragraph, item=spec.item,
        label=out.Bilingual(zh=provision.cite_zh, en=provision.cite_en),
        text_zh=provision.zh, text_en=provision.en)


def _day(ordinal: int) -> dt.date:
    return dt.date.fromordinal(ordinal)


def _text(text: Any) -> out.Bilingual:
    return out.Bilingual(zh=text.zh, en=text.en)


def _finding_order(finding: out.Finding) -> tuple[Any, ...]:
    first = finding.events[0] if finding.events else None
    return (SEVERITY_ORDER[finding.severity], first.date if first else dt.date.min, finding.rule_id,
            first.path if first else "")


def _readings_applied(rule: Rule, deadline: out.Deadline | None) -> tuple[str, ...]:
    applied = list(rule.readings)
    if deadline is not None and deadline.rolled_due is not None and ROLL_OVER_READING not in applied:
        applied.append(ROLL_OVER_READING)
    return tuple(applied)


def _field_refs(prepared: _Prepared, ctx: _Context, anchor: Fact | None) -> tuple[out.FieldRef, ...]:
    """The case and event fields the rule's conditions read, with their values here."""
    case = ctx.facts.case
    refs = [out.FieldRef(path=name, value=_show(case[name])) for name in prepared.case_fields if name in case]
    if anchor is not None:
        refs.extend(out.FieldRef(path=f"events[{anchor['index']}].{name}", value=_show(anchor[name]))
                    for name in prepared.anchor_fields if name in anchor)
    return tuple(refs)


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return str(value)


_STATUS = {
    "late": ("逾期{days}日完成（实际完成日 {actual}）", "done {days} day(s) late (on {actual})"),
    "overdue": ("截至 {as_of} 仍未完成，已逾期{days}日", "still not done on {as_of}: {days} day(s) overdue"),
    "met_by_roll_over": ("于 {actual} 完成，仅因期限顺延而未逾期（严格期限为 {strict}）",
                         "done on {actual}: in time only because the due date rolled over (strict due date {strict})"),
}


def _message(rule: Rule, ctx: _Context, anchor: Fact | None, deadline: out.Deadline | None) -> out.Bilingual:
    zh_values = {"date": "", "agency": "", "to": "", "due": "", "as_of": ctx.as_of.isoformat()}
    if anchor is not None:
        zh_values["date"] = _day(anchor["day"]).isoformat()
    if deadline is not None:
        zh_values["due"] = deadline.effective_due.isoformat()
    en_values = dict(zh_values)
    for key in ("agency", "to"):
        if anchor is not None and key in anchor:
            zh_values[key] = _agency_name(ctx.case, anchor[key], "zh")
            en_values[key] = _agency_name(ctx.case, anchor[key], "en")
    zh = rule.message.zh.format_map(zh_values)
    en = rule.message.en.format_map(en_values)
    if deadline is not None and deadline.status in _STATUS:
        tail_zh, tail_en = _STATUS[deadline.status]
        args = {"days": deadline.days_late, "actual": deadline.actual, "as_of": deadline.as_of,
                "strict": deadline.strict_due}
        zh += f"期限自 {deadline.start} 起算，至 {deadline.effective_due} 届满；" + tail_zh.format(**args) + "。"
        en += (f" The period runs from {deadline.start} and ends on {deadline.effective_due}; "
               + tail_en.format(**args) + ".")
    return out.Bilingual(zh=zh, en=en)


def _agency_name(case: Case, agency_id: str, lang: str = "zh") -> str:
    agency = case.agency(agency_id)
    if agency is None:
        return agency_id
    return (agency.name_en or agency.name) if lang == "en" else agency.name
