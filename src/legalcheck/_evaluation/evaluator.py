"""The evaluator: select rules by the case's dates, run an engine, judge its matches.

Engines only say which events stand in which relation (``_facts/conditions.py``). What a
match means in law is decided here, once, for every engine: whether a rule was in
force on the date of the act, the deadline arithmetic (``_dates/periods.py``), and the
finding with its citations, evidence and explanation.
"""

from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
import functools
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .._core.bilingual import Bilingual
from .._core.cache import cached
from .._core.errors import CalendarDataError, Location
from .._core.memo import BoundedMemo
from .._core.paths import data_dir
from .._core.version import __version__
from .._core.vocabulary import Lang, days_text, period_text, pick, say, zh_date
from .._dates.calendar import Calendar, load_calendar
from .._dates.periods import DeadlineOutcome, DueDate, Period, classify, compute_due, designated_due
from .._engines.protocol import Engine, EngineName, default_engine, make_engine
from .._facts.conditions import Fact, QueryMatch, case_fields_read, event_fields_read, event_kinds_read, fields_of
from .._facts.facts import FactPlan, Facts, case_facts
from .._law.regulations import Corpus, load_corpus
from .._law.rules import (
    PERIOD,
    SEVERITY_ORDER,
    CitationSpec,
    CompiledRule,
    DesignatedPeriod,
    Rule,
    RuleSet,
    Selection,
    load_ruleset,
)
from .._model import findings as out
from .._model.case import Case, event_act_zh, event_label
from .._model.loader import require_validated

ROLL_OVER_READING = "roll-over-rest-day"
BY_DATE_OF_ACT_READING = "instrument-by-date-of-act"


# _Context and _Verdict live for one check and are never changed; not frozen because a frozen
# dataclass costs four times as much to build, and they are built for every case and match.
@dataclass(slots=True)
class _Context:
    case: Case
    facts: Facts
    as_of: dt.date
    roll_over: bool
    selection: Selection
    met: bool = False  # keep deadlines met in time (for a timeline of every deadline)
    # The day of the case's first act up to as_of, which a rule on the whole case (no anchor) is
    # judged by; None when no selected rule is on the whole case, or no act is recorded.
    first_day: int | None = None
    # The report's references to the case's events, by event index: an act that is the anchor of
    # several findings, obligations or gaps is one value, built once.
    event_refs: dict[int, out.EventRef] = dataclasses.field(default_factory=dict)
    agency_names: dict[str, tuple[str, str]] = dataclasses.field(default_factory=dict)  # by id: (zh, en)


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

    ``severity`` None: an obligation pending on the date checked; ``"undetermined"``: the
    rule's ``undetermined`` clause number ``clause`` matched.
    """

    rule: _Prepared
    anchor: Fact | None
    related: tuple[Fact, ...]
    severity: str | None
    due: DueDate | None = None
    outcome: DeadlineOutcome | None = None
    clause: int | None = None
    # A pack rule that would apply to this act but for the end of the pack's window: a notice
    # that the local provision's status is uncertain (reading beijing-pack-until-2022-04-30).
    uncertain: bool = False


class Evaluator:
    """Loaded rules, regulations and calendar, plus one engine per pack selection.

    Build one and reuse it: loading and compiling happen here, not per case. Safe to
    share between threads.
    """

    def __init__(self, *, engine: EngineName | None = None, rules_dir: Path | None = None,
                 packs_dir: Path | None = None, regulations_dir: Path | None = None,
                 calendar_files: Sequence[Path] = ()) -> None:
        self.engine_name: EngineName = engine or default_engine()
        rules = rules_dir or data_dir("rules")
        packs = packs_dir if packs_dir is not None else data_dir("packs")
        # Loaded from the compiled cache while no source file (nor the code) has changed.
        self.ruleset: RuleSet = cached("ruleset", (rules, packs), lambda: load_ruleset(rules, packs), RuleSet)
        self.corpus: Corpus = cached("corpus", (regulations_dir or data_dir("regulations"),),
                                     lambda: load_corpus(regulations_dir), Corpus)
        self.calendar: Calendar = load_calendar(calendar_files)
        self._engines: dict[tuple[str, ...], _Engine] = {}
        self._lock = threading.Lock()
        # Report parts that do not depend on the case are built once (frozen, so shareable).
        self._readings = {r.id: out.Reading(id=r.id, title=_text(r.title), text=_text(r.text))
                          for r in self.ruleset.readings.values()}
        self._standing_readings = frozenset(r.id for r in self.ruleset.readings.values() if r.standing)
        self._packs_by_province: dict[str | None, tuple[str, ...]] = {
            province: tuple(sorted(pid for pid, pack in self.ruleset.packs.items() if pack.province == province))
            for province in {pack.province for pack in self.ruleset.packs.values()}}
        self._citation_cache: dict[CitationSpec, out.Citation] = {}
        self._due_cache: BoundedMemo[tuple[Any, ...], DueDate] = BoundedMemo(100_000)
        # Report values that recur across a batch, built once each (frozen, so shared); each bounded.
        self._texts: BoundedMemo[tuple[str, str], out.Bilingual] = BoundedMemo(100_000)
        self._steps_cache: BoundedMemo[int, tuple[DueDate, tuple[out.Bilingual, ...]]] = BoundedMemo(10_000)
        self._deadline_cache: BoundedMemo[tuple[Any, ...], tuple[DueDate, out.Deadline]] = BoundedMemo(10_000)
        self._rule_citations: dict[str, tuple[tuple[out.Citation, ...], tuple[out.Citation, ...]]] = {}
        self._field_ref_cache: BoundedMemo[tuple[str, str], out.FieldRef] = BoundedMemo(100_000)
        self._missing_cache: BoundedMemo[str, out.MissingFact] = BoundedMemo(100_000)
        self._counts_cache: BoundedMemo[tuple[int, ...], out.Counts] = BoundedMemo(10_000)
        self._hashes_cache: dict[tuple[str, ...], tuple[tuple[str, str], ...]] = {}
        self._selection_readings_cache: dict[frozenset[str], tuple[str, ...]] = {}
        self._standing_in_order = tuple(r for r in self._readings if r in self._standing_readings)
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
                queries = [q for r in selection.rules for q in r.queries]
                engine = make_engine(self.engine_name, queries)
                # Facts carry only the fields some selected rule reads (and those judging reads).
                plan = FactPlan.reading(set().union(*map(case_fields_read, queries)),
                                        set().union(*map(event_fields_read, queries)),
                                        set().union(*map(event_kinds_read, queries)))
                prepared = {r.rule.id: _prepare(r, selection) for r in selection.rules}
                clauses = {q.rule_id: (prepared[r.rule.id], index) for r in selection.rules
                           for index, q in enumerate(r.undetermined)}
                cached = _Engine(engine, prepared, selection, plan, clauses, _windows(selection),
                                 any(q.anchor is None for q in queries))
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
              source_sha256: str | None = None, met: bool = False) -> out.Report:
        """The case's report: findings, pending obligations and the receipt of what was applied.

        ``met``: also list the deadlines met in time (``Report.met``), for a timeline of every deadline.
        """
        chosen = self.packs_for(case, packs)
        ctx, verdicts = self._verdicts(case, as_of, roll_over, chosen, source, met=met)
        findings: list[out.Finding] = []
        pending: list[out.PendingObligation] = []
        undetermined: list[out.Undetermined] = []
        kept: list[out.MetDeadline] = []
        for verdict in verdicts:
            if verdict.severity == "met":
                kept.append(self._met(verdict, ctx))
            elif verdict.severity is None:
                pending.append(self._pending(verdict, ctx))
            elif verdict.severity == "undetermined":
                undetermined.append(self._undetermined(verdict, ctx))
            else:
                findings.append(self._finding(verdict, ctx))
        findings.sort(key=_finding_order)
        pending.sort(key=lambda p: (p.due or dt.date.max, p.rule_id, p.trigger.path))
        undetermined.sort(key=lambda u: (u.rule_id, int(u.event.path[7:-1]) if u.event else -1))
        undetermined = _one_per_gap(undetermined)
        report = self._report(ctx, findings, pending, undetermined, chosen, source, source_sha256)
        if kept:
            kept.sort(key=lambda m: (m.deadline.start, m.rule_id, m.trigger.path))
            report = report.model_copy(update={"met": tuple(kept)})
        return report

    def is_compliant(self, case: Case, *, as_of: dt.date | None = None, roll_over: bool = True,
                     packs: Sequence[str] | None = None) -> bool:
        """``check(...).compliant`` without building the report: the same verdicts, nothing rendered.

        True only when nothing is violated and no rule is undetermined for want of a recorded fact.
        """
        _ctx, verdicts = self._verdicts(case, as_of, roll_over, self.packs_for(case, packs), None)
        for verdict in verdicts:
            if verdict.severity == "violation" or verdict.severity == "undetermined":
                return False
        return True

    def _verdicts(self, case: Case, as_of: dt.date | None, roll_over: bool, packs: tuple[str, ...],
                  source: str | None, *, met: bool = False) -> tuple[_Context, list[_Verdict]]:
        as_of = as_of or dt.date.today()
        require_validated(case)
        cached = self._engine_for(packs)
        facts = case_facts(case, until=as_of, plan=cached.plan)
        first_day = _first_day(case, as_of) if cached.case_wide else None
        ctx = _Context(case, facts, as_of, roll_over, cached.selection, met, first_day)
        verdicts: list[_Verdict] = []
        unmet_at: dict[tuple[str, int | None], int] = {}  # (rule id, anchor seq) -> its finding in verdicts
        for match in cached.engine.run(facts):  # a rule's own matches come before its clauses' (ids sort so)
            clause = cached.clauses.get(match.rule_id)
            if clause is not None:
                prepared, number = clause
                try:
                    if prepared.compiled.rule.undetermined[number].fulfil is not None:
                        self._relaxed(prepared, number, match, ctx, verdicts, unmet_at)
                        continue
                    verdict = self._undetermined_verdict(prepared, number, match, ctx)
                except CalendarDataError as exc:
                    raise _located(exc, source, prepared.compiled, match, facts) from None
                if verdict is not None:
                    verdicts.append(verdict)
                continue
            prepared = cached.rules[match.rule_id]
            try:
                verdict = self._judge(prepared, match, ctx)
            except CalendarDataError as exc:
                raise _located(exc, source, prepared.compiled, match, facts) from None
            if verdict is not None:
                if verdict.severity not in (None, "notice", "met"):
                    unmet_at[(match.rule_id, match.anchor_seq)] = len(verdicts)
                verdicts.append(verdict)
        return ctx, verdicts

    def _relaxed(self, prepared: _Prepared, clause: int, match: QueryMatch, ctx: _Context,
                 verdicts: list[_Verdict], unmet_at: dict[tuple[str, int | None], int]) -> None:
        """A clause with ``fulfil``: where the rule finds its duty unmet but an act whose missing fact
        would fulfil it is recorded, the rule's finding becomes undetermined."""
        rule_id = prepared.compiled.rule.id
        index = unmet_at.get((rule_id, match.anchor_seq))
        if index is None:
            return
        judged = self._judge(prepared, match, ctx)
        if judged is None or judged.severity in (None, "notice", "met"):
            verdicts[index] = _Verdict(prepared, verdicts[index].anchor, (), "undetermined", clause=clause)
            del unmet_at[(rule_id, match.anchor_seq)]

    # --- judging one match ---------------------------------------------------------------

    def _judge(self, prepared: _Prepared, match: QueryMatch, ctx: _Context) -> _Verdict | None:
        rule = prepared.compiled.rule
        events = ctx.facts.events
        anchor = events[match.anchor_seq] if match.anchor_seq is not None else None
        act_day = anchor["day"] if anchor is not None else ctx.first_day
        if act_day is None:
            return None
        forbid = rule.check.forbid
        prior = match.seqs("prior") if forbid is not None else ()
        if forbid is not None and forbid.after is not None and not prior:
            return None  # 'after' was given and no such earlier event exists
        if forbid is not None and forbid.unless_before is not None and match.seqs("unless"):
            return None  # 'unless_before' was given and such an earlier event exists
        if not prepared.in_force_from <= act_day <= prepared.in_force_until:
            if prepared.compiled.pack is not None and act_day > prepared.in_force_until:
                # Past the pack's window the local provision is not applied, but not dropped silently.
                return _Verdict(prepared, anchor, (), "notice", uncertain=True)
            return None  # validity in time is chosen by the date of the act, never by today
        if prepared.displaceable and ctx.selection.displaced(rule.id, _day(act_day)):
            return None  # a local rule in force on that date takes this national rule's place
        if rule.check.forbid is not None:
            return _Verdict(prepared, anchor, tuple(events[s] for s in prior), rule.severity)
        assert anchor is not None
        return self._obligation(prepared, match, anchor, ctx)

    def _undetermined_verdict(self, prepared: _Prepared, clause: int, match: QueryMatch,
                              ctx: _Context) -> _Verdict | None:
        """An undetermined clause's match, judged like the rule's own: in force on the act's date, not displaced."""
        spec = prepared.compiled.rule.undetermined[clause]
        if spec.unmet:
            # The rule's own judgement under the clause's premises: only an unmet duty needs the missing fact.
            judged = self._judge(prepared, match, ctx)
            if judged is None or judged.severity in (None, "met") or judged.uncertain or (
                    judged.outcome is not None and judged.outcome.status == "met_by_roll_over"):
                return None
            return _Verdict(prepared, judged.anchor, (), "undetermined", clause=clause)
        rule = prepared.compiled.rule
        events = ctx.facts.events
        anchor = events[match.anchor_seq] if match.anchor_seq is not None else None
        act_day = anchor["day"] if anchor is not None else ctx.first_day
        if act_day is None or not prepared.in_force_from <= act_day <= prepared.in_force_until:
            return None
        if prepared.displaceable and ctx.selection.displaced(rule.id, _day(act_day)):
            return None
        if any(seqs for _role, seqs in match.related):
            return None  # an 'unless' event is recorded: the missing fact does not matter
        return _Verdict(prepared, anchor, (), "undetermined", clause=clause)

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
            return _Verdict(prepared, trigger, (), "met", due, outcome) if ctx.met else None
        if outcome.status == "pending":
            return _Verdict(prepared, trigger, (), None, due, outcome)
        severity = "notice" if outcome.status == "met_by_roll_over" else rule.severity
        return _Verdict(prepared, trigger, (first,) if first is not None else (), severity, due, outcome)

    def _due(self, period: Period | DesignatedPeriod, spec: Any, match: QueryMatch, trigger: Fact,
             ctx: _Context) -> DueDate:
        start: int = trigger["day"]
        if isinstance(period, DesignatedPeriod):
            return designated_due(_day(start), _day(trigger["report_by_day"]), self.calendar, roll_over=ctx.roll_over)
        events = ctx.facts.events
        excluded = match.seqs("excluded")
        spans = tuple((_day(events[s]["day"]), _day(events[s]["end_day"])) for s in excluded) if excluded else ()
        due = self._compute_due(start, period, spans, 0, ctx.roll_over)
        if spec.extension is None:
            return due
        # An extension counts only if granted before the original period ran out (第三十四条:
        # 延长办理期限 presupposes a running period); at most max_days in total.
        granted = sum(events[s]["days"] for s in match.seqs("extension")
                      if _day(events[s]["day"]) <= due.effective_due)
        extension = min(granted, spec.extension.max_days)
        if not extension:
            return due
        return self._compute_due(start, period, spans, extension, ctx.roll_over)

    def _compute_due(self, start: int, length: Period, spans: tuple[tuple[dt.date, dt.date], ...],
                     extension: int, roll_over: bool) -> DueDate:
        """Deadline arithmetic from the day ``start`` (an ordinal), memoised: batches repeat the same few
        periods from the same dates."""
        key = (start, length.amount, length.unit, spans, extension, roll_over)  # hashed in C, unlike a dataclass
        due = self._due_cache.get(key)
        if due is None:
            due = self._due_cache.keep(key, compute_due(_day(start), length, self.calendar, excluded=spans,
                                                        extension_days=extension, roll_over=roll_over))
        return due

    # --- building output -----------------------------------------------------------------

    def _finding(self, verdict: _Verdict, ctx: _Context) -> out.Finding:
        compiled = verdict.rule.compiled
        rule = compiled.rule
        anchor = verdict.anchor
        if verdict.uncertain:
            return self._uncertain_finding(verdict, ctx)
        deadline = self._deadline(verdict, ctx)
        events = (anchor, *verdict.related) if anchor is not None else verdict.related
        citations, liability = self._cited(rule)
        return out.Finding(
            rule_id=rule.id, rule_name=rule.name, severity=verdict.severity,  # type: ignore[arg-type]
            title=verdict.rule.title, instrument=rule.instrument,
            message=_message(rule, ctx, anchor, deadline, verdict.related[0]["kind"] if verdict.related else None),
            citations=citations, liability=liability,
            grounds=verdict.rule.grounds, events=tuple(self._event_ref(ctx, e) for e in events),
            fields=self._field_refs(verdict.rule, ctx, anchor), deadline=deadline,
            readings=_readings_applied(rule, deadline), pack=compiled.pack, overrides=rule.overrides)

    def _undetermined(self, verdict: _Verdict, ctx: _Context) -> out.Undetermined:
        compiled = verdict.rule.compiled
        rule = compiled.rule
        assert verdict.clause is not None
        spec = rule.undetermined[verdict.clause]
        anchor = verdict.anchor
        missing = tuple(map(self._missing_fact, _missing_paths(spec.missing, ctx.case, anchor)))
        return out.Undetermined(
            rule_id=rule.id, rule_name=rule.name, title=verdict.rule.title, instrument=rule.instrument,
            citations=self._cited(rule)[0], grounds=verdict.rule.grounds, missing=missing,
            record=self._report_text(spec.record), message=_undetermined_message(rule, ctx, anchor, spec.record),
            event=None if anchor is None else self._event_ref(ctx, anchor), pack=compiled.pack)

    def _uncertain_finding(self, verdict: _Verdict, ctx: _Context) -> out.Finding:
        """The notice for an act after a pack's window that falls under one of its rules."""
        compiled = verdict.rule.compiled
        rule = compiled.rule
        anchor = verdict.anchor
        # Only the local provisions are uncertain (a national provision the rule names is not).
        citations = self._citations([c for c in rule.citations if c.instrument == rule.instrument])
        cited_zh = "、".join(c.label.zh for c in citations)
        cited_en = "; ".join(c.label.en for c in citations)
        until = rule.effective_until
        assert until is not None and anchor is not None
        act = _day(anchor["day"])
        entry = self.ruleset.in_force.get(rule.instrument)
        reading = entry.until_reading if entry is not None else None
        # Chinese prose names the reading by its title, never by its identifier.
        reading_zh = f"（适用口径：{self._readings[reading].title.zh}）" if reading in self._readings else ""
        reading_en = f" (reading {reading})" if reading else ""
        return out.Finding(
            rule_id=rule.id, rule_name=rule.name, severity="notice",
            title=out.Bilingual(zh=f"{cited_zh}对{zh_date(until + dt.timedelta(days=1))}以后的行为是否适用不能确定",
                                en=f"Whether {cited_en} applies to acts after {until.isoformat()} is uncertain"),
            message=out.Bilingual(
                zh=(f"{zh_date(act)}的行为属于{cited_zh}所规定的情形。本工具只对"
                    f"{zh_date(rule.effective_from)}至{zh_date(until)}的行为适用该规定{reading_zh}，"
                    f"所存文本不能确定该规定此后是否继续适用；该行为只按全国规则检查，请法务人员核实该规定的效力。"),
                en=(f"The act of {act.isoformat()} falls under {cited_en} (rule {rule.id}). The tool applies that "
                    f"provision to acts from {rule.effective_from.isoformat()} to {until.isoformat()} "
                    f"only{reading_en}; "
                    f"the texts held cannot settle whether it still applies after that. The act is checked by the "
                    f"national rules alone; legal staff should verify the provision's status.")),
            instrument=rule.instrument, citations=citations, liability=(), grounds=verdict.rule.grounds,
            events=(self._event_ref(ctx, anchor),), readings=(reading,) if reading else (), pack=compiled.pack)

    def _met(self, verdict: _Verdict, ctx: _Context) -> out.MetDeadline:
        rule = verdict.rule.compiled.rule
        assert verdict.anchor is not None
        deadline = self._deadline(verdict, ctx)
        assert deadline is not None
        return out.MetDeadline(rule_id=rule.id, rule_name=rule.name, title=verdict.rule.title,
                               instrument=rule.instrument, trigger=self._event_ref(ctx, verdict.anchor),
                               deadline=deadline)

    def _pending(self, verdict: _Verdict, ctx: _Context) -> out.PendingObligation:
        rule = verdict.rule.compiled.rule
        assert verdict.anchor is not None
        return out.PendingObligation(
            rule_id=rule.id, rule_name=rule.name, title=verdict.rule.title, instrument=rule.instrument,
            citations=self._cited(rule)[0], trigger=self._event_ref(ctx, verdict.anchor),
            due=None if verdict.due is None else verdict.due.effective_due,
            days_left=None if verdict.outcome is None else verdict.outcome.days_left,
            deadline=self._deadline(verdict, ctx), **self._actor(rule.check.obligation, verdict.anchor, ctx))

    @staticmethod
    def _actor(spec: Any, trigger: Fact, ctx: _Context) -> dict[str, str | None]:
        """The agency the duty falls on, as the rule's ``fulfil`` names it ($trigger.agency or $trigger.to).

        Empty when the rule names none (a petitioner's request, or an act by whichever agency).
        """
        if spec is None:
            return {}
        clauses = [spec.fulfil.where] if isinstance(spec.fulfil.where, dict) else []
        while clauses:
            clause = clauses.pop()
            role = clause.get("agency")
            if role in ("$trigger.agency", "$trigger.to"):
                target = trigger.get(role.removeprefix("$trigger."))
                agency_id = target[0] if isinstance(target, (tuple, list)) and target else target
                if not isinstance(agency_id, str):
                    return {}
                agency = ctx.case.agency(agency_id)
                return {"agency": agency_id, "agency_name": agency.name if agency else None}
            clauses.extend(c for c in clause.get("all", ()) if isinstance(c, dict))  # "any" names no single actor
        return {}

    def _deadline(self, verdict: _Verdict, ctx: _Context) -> out.Deadline | None:
        due, outcome, period = verdict.due, verdict.outcome, verdict.rule.period
        if due is None or outcome is None or period is None:
            return None
        spec = verdict.rule.compiled.rule.check.obligation
        assert spec is not None
        written = "designated" if isinstance(period, DesignatedPeriod) else str(spec.period)
        # The same deadline with the same outcome recurs across a batch (the due cache hands out one
        # object per distinct due date; each entry here keeps it alive, so its id() still names it).
        key = (id(due), outcome.status, outcome.actual, outcome.as_of, ctx.roll_over, written)
        known = self._deadline_cache.get(key)
        if known is not None and known[0] is due:
            return known[1]
        deadline = self._new_deadline(due, outcome, written, ctx.roll_over)
        self._deadline_cache.keep(key, (due, deadline))  # each entry keeps its due date alive
        return deadline

    def _new_deadline(self, due: DueDate, outcome: DeadlineOutcome, written: str, roll_over: bool) -> out.Deadline:
        return out.Deadline(
            start=due.start, period=written,
            unit="designated" if due.period is None else due.period.unit,
            amount=None if due.period is None else due.period.amount,
            excluded_days=due.excluded_days, extension_days=due.extension_days,
            holidays_crossed=tuple((day, self._report_text(name)) for day, name in due.holidays_crossed),
            adjusted_working_days=due.adjusted_working_days,
            strict_due=due.strict_due, rolled_due=due.rolled_due,
            effective_due=due.effective_due, roll_over=roll_over, actual=outcome.actual, as_of=outcome.as_of,
            status=outcome.status, days_late=outcome.days_late, days_left=outcome.days_left,
            steps=self._steps(due))

    def _steps(self, due: DueDate) -> tuple[out.Bilingual, ...]:
        # Keyed by identity (hashing a due date hashes all its dates): the due cache hands out one
        # object per distinct deadline, and each entry keeps its due date alive, so an id() found
        # here still names that object.
        known = self._steps_cache.get(id(due))
        if known is not None and known[0] is due:
            return known[1]
        steps = tuple(map(self._report_text, due.steps))
        self._steps_cache.keep(id(due), (due, steps))  # each entry keeps its due date alive
        return steps

    def _report_text(self, text: Bilingual | Any) -> out.Bilingual:
        """A text as reports hold it. Deadline steps, holiday names and what to record recur across a
        batch, so each is built once and shared (frozen)."""
        key = (text.zh, text.en)
        known = self._texts.get(key)
        if known is None:
            known = self._texts.keep(key, out.Bilingual(zh=text.zh, en=text.en))
        return known

    def _cited(self, rule: Rule) -> tuple[tuple[out.Citation, ...], tuple[out.Citation, ...]]:
        """A rule's citations and liability provisions as report values, built once per rule."""
        known = self._rule_citations.get(rule.id)
        if known is None:
            known = self._rule_citations[rule.id] = (self._citations(rule.citations), self._citations(rule.liability))
        return known

    def _missing_fact(self, path: str) -> out.MissingFact:
        known = self._missing_cache.get(path)
        if known is None:
            known = self._missing_cache.keep(path, out.MissingFact(path=path))
        return known

    def _field_refs(self, prepared: _Prepared, ctx: _Context, anchor: Fact | None) -> tuple[out.FieldRef, ...]:
        """The case and event fields the rule's conditions read, with their values here."""
        case = ctx.facts.case
        refs = [self._field_ref(name, case[name]) for name in prepared.case_fields if name in case]
        if anchor is not None:
            refs.extend(self._field_ref(f"events[{anchor['index']}].{name}", anchor[name])
                        for name in prepared.anchor_fields if name in anchor)
        return tuple(refs)

    def _field_ref(self, path: str, value: Any) -> out.FieldRef:
        key = (path, _show(value))
        known = self._field_ref_cache.get(key)
        if known is None:  # the same fields hold the same few values across a batch
            known = self._field_ref_cache.keep(key, out.FieldRef(path=key[0], value=key[1]))
        return known

    def _citations(self, specs: Sequence[CitationSpec]) -> tuple[out.Citation, ...]:
        cited = []
        for spec in specs:
            known = self._citation_cache.get(spec)
            if known is None:  # a benign race between threads only builds the same value twice
                known = self._citation_cache.setdefault(spec, citation(self.corpus, spec))
            cited.append(known)
        return tuple(cited)

    def _event_ref(self, ctx: _Context, fact: Fact) -> out.EventRef:
        ref = ctx.event_refs.get(fact["index"])
        if ref is None:
            agency = ctx.case.agency(fact["agency"])
            ref = ctx.event_refs[fact["index"]] = out.EventRef(
                path=f"events[{fact['index']}]", kind=fact["kind"], date=_day(fact["day"]), agency=fact["agency"],
                agency_name=agency.name if agency else None)
        return ref

    def _report(self, ctx: _Context, findings: list[out.Finding], pending: list[out.PendingObligation],
                undetermined: list[out.Undetermined], packs: tuple[str, ...], source: str | None,
                source_sha256: str | None) -> out.Report:
        cached = self._engine_for(packs)
        governing, selecting = self._governing(ctx, cached.windows)
        instruments = tuple(sorted({g.instrument for g in governing} | {f.instrument for f in findings}
                                   | {p.instrument for p in pending} | {u.instrument for u in undetermined}))
        severities = [f.severity for f in findings]
        counts = self._counts(severities.count("violation"), severities.count("warning"),
                              severities.count("notice"), len(pending), len(undetermined))
        verdict = out.verdict_of(counts)
        used = frozenset(r for f in findings for r in f.readings) | selecting | self._standing_readings
        return out.Report(
            case_id=ctx.case.id, source=source, source_sha256=source_sha256, as_of=ctx.as_of,
            roll_over=ctx.roll_over, engine=self.engine_name, legalcheck_version=__version__,
            ruleset_version=self.ruleset.version, ruleset_sha256=self.ruleset.fingerprint,
            instruments=instruments,
            regulations_sha256=self._regulation_hashes(instruments),
            calendar_sha256=self.calendar.fingerprint, packs=packs, readings=self._readings_for(used, ctx.roll_over),
            counts=counts, findings=tuple(findings), pending=tuple(pending), undetermined=tuple(undetermined),
            verdict=verdict, compliant=verdict == "compliant", governing=governing,
            selection_readings=self._selection_readings(selecting), standing_readings=self._standing_in_order)

    def _counts(self, *numbers: int) -> out.Counts:
        known = self._counts_cache.get(numbers)
        if known is None:  # a few hundred combinations at most in practice; bounded all the same
            violation, warning, notice, pending, undetermined = numbers
            known = self._counts_cache.keep(numbers, out.Counts(
                violation=violation, warning=warning, notice=notice, pending=pending, undetermined=undetermined))
        return known

    def _regulation_hashes(self, instruments: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
        known = self._hashes_cache.get(instruments)
        if known is None:  # combinations of the few instruments held
            known = self._hashes_cache[instruments] = tuple(
                (i, self.corpus.instrument(i).source_sha256) for i in instruments)
        return known

    def _selection_readings(self, selecting: frozenset[str]) -> tuple[str, ...]:
        known = self._selection_readings_cache.get(selecting)
        if known is None:  # subsets of the few readings the selection can rely on
            known = self._selection_readings_cache[selecting] = tuple(r for r in self._readings if r in selecting)
        return known

    def _governing(self, ctx: _Context, windows: tuple[_Window, ...]) -> tuple[tuple[out.GoverningInstrument, ...],
                                                                                frozenset[str]]:
        """The act-by-act selection: each instrument whose rules were in force on the date of an act
        recorded up to the as-of date, and the readings the selection relied on."""
        acts = sorted(e.date for e in ctx.case.events if e.date <= ctx.as_of)
        governing: list[out.GoverningInstrument] = []
        readings: set[str] = {BY_DATE_OF_ACT_READING} if acts else set()
        for window in windows:
            low = bisect.bisect_left(acts, window.start)  # the acts are sorted: those inside are a slice
            high = len(acts) if window.end is None else bisect.bisect_right(acts, window.end)
            entry = self.ruleset.in_force.get(window.instrument)
            if entry is not None and entry.until_reading and window.end is not None and acts and acts[-1] > window.end:
                readings.add(entry.until_reading)  # the reading is why these later acts are not judged by it
            if low >= high:
                continue
            if entry is not None and entry.until_reading and window.end is not None:
                readings.add(entry.until_reading)  # the dates the instrument governed rest on it
            instrument = self.corpus.instrument(window.instrument)
            governing.append(out.GoverningInstrument(
                instrument=window.instrument,
                title=self._report_text(instrument.short), pack=window.pack,
                in_force_from=window.start, in_force_until=window.end,
                from_source=self._cite(entry.from_source if entry else None),
                until_source=self._cite(entry.until_source if entry else None),
                until_reading=entry.until_reading if entry else None,
                acts=high - low, first_act=acts[low], last_act=acts[high - 1]))
        return tuple(governing), frozenset(readings)

    def _cite(self, spec: CitationSpec | None) -> out.Citation | None:
        if spec is None:
            return None
        known = self._citation_cache.get(spec)
        return known if known is not None else self._citations((spec,))[0]

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
    clauses: dict[str, tuple[_Prepared, int]]  # undetermined query id -> the rule and its clause number
    windows: tuple[_Window, ...]  # per instrument and pack: the dates its rules apply
    case_wide: bool  # some query has no anchor: its rule is judged by the case's first act


@dataclass(frozen=True, slots=True)
class _Window:
    instrument: str
    pack: str | None
    start: dt.date
    end: dt.date | None  # None: no end


def _windows(selection: Selection) -> tuple[_Window, ...]:
    """The dates each instrument's rules in the selection apply: from the earliest effective_from
    to the latest effective_until (no end if any rule has none), national instruments first."""
    spans: dict[tuple[str | None, str], tuple[dt.date, dt.date | None]] = {}
    for compiled in selection.rules:
        rule = compiled.rule
        key = (compiled.pack, rule.instrument)
        known = spans.get(key)
        if known is None:
            spans[key] = (rule.effective_from, rule.effective_until)
        else:
            start, end = known
            spans[key] = (min(start, rule.effective_from),
                          None if end is None or rule.effective_until is None else max(end, rule.effective_until))
    ordered = sorted(spans.items(), key=lambda item: (item[0][0] is not None, item[0][0] or "", item[1][0]))
    return tuple(_Window(instrument, pack, start, end) for (pack, instrument), (start, end) in ordered)


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


def _first_day(case: Case, as_of: dt.date) -> int | None:
    """The day of the case's first act up to ``as_of`` (facts may leave out events of kinds no rule reads)."""
    days = [event.date for event in case.events if event.date <= as_of]
    return min(days).toordinal() if days else None


def _missing_paths(templates: Sequence[str], case: Case, anchor: Fact | None) -> list[str]:
    """Concrete field paths: ``{event}`` is the anchor event, ``list[*].field`` the items lacking ``field``."""
    paths: list[str] = []
    for template in templates:
        if template.startswith("events[+"):
            paths.append(template)  # an event the file lacks has no index yet
        elif template.startswith("{event}"):
            assert anchor is not None  # the loader requires an anchor for such paths
            paths.append(f"events[{anchor['index']}]" + template[len("{event}"):])
        elif "[*]" in template:
            head, _, rest = template.partition("[*]")
            attribute = rest.lstrip(".")
            items = getattr(case, head, ())
            # Only items that have the field can miss it (events of other kinds do not); an item that
            # records the field as unclear (``<field>_unclear: true``) is not missing it.
            paths.extend(f"{head}[{i}]{rest}" for i, item in enumerate(items)
                         if not attribute or (attribute in type(item).model_fields
                                              and getattr(item, attribute) in (None, "")
                                              and not getattr(item, f"{attribute}_unclear", False)))
            if not items:
                paths.append(f"{head}[0]{rest}")
        else:
            paths.append(template)
    return paths


def _one_per_gap(items: list[out.Undetermined]) -> list[out.Undetermined]:
    """The first of the items of one rule that name the same missing facts for the same agency.

    An opinion and a conclusion both lacking the acceptance before them are one gap, not two.
    """
    seen: set[tuple[str, tuple[str, ...], str | None]] = set()
    kept = []
    for item in items:
        key = (item.rule_id, tuple(m.path for m in item.missing), item.event.agency if item.event else None)
        if key not in seen:
            seen.add(key)
            kept.append(item)
    return kept


def _undetermined_message(rule: Rule, ctx: _Context, anchor: Fact | None, record: Any) -> out.Bilingual:
    zh_tail = f"案卷缺少本规则判断所需的事实，无法确定是否违反本规则。请{record.zh}。"
    en_tail = (f"The file lacks a fact this rule needs, so whether the duty was met cannot be determined. "
               f"Please {record.en}.")
    if anchor is None:
        return out.Bilingual(zh=f"本规则适用于本案。{zh_tail}", en=f"The rule applies to this case. {en_tail}")
    day = _day(anchor["day"])
    kind = anchor["kind"]
    act_zh = event_act_zh(kind)
    name_zh, name_en = _agency_names(ctx, anchor["agency"])
    zh = f"{name_zh}于{zh_date(day)}{act_zh}。{zh_tail}"
    en = f"{name_en}: {event_label(kind, 'en')} on {day.isoformat()}. {en_tail}"
    return out.Bilingual(zh=zh, en=en)


def _located(exc: CalendarDataError, source: str | None, compiled: CompiledRule, match: QueryMatch,
             facts: Facts) -> CalendarDataError:
    """Point a missing-calendar error at the case file and the event whose deadline needed it."""
    field = None
    if match.anchor_seq is not None:
        field = f"events[{facts.events[match.anchor_seq]['index']}].date"
    return CalendarDataError([
        dataclasses.replace(p, location=Location(source or p.location.file, p.location.line, p.location.column,
                                                 field or p.location.field),
                            args={**p.args, "needed_by": f"{compiled.rule.id} {compiled.rule.name}"})
        for p in exc.problems])


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


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return str(value)


# The status that ends a deadline finding's message; zh dates are given as 2025年6月3日, en dates as ISO.
_STATUS = {
    "late": ("逾期{days}日完成（实际完成日为{actual}）", "done {days} late (on {actual})"),
    "overdue": ("截至{as_of}仍未完成，已逾期{days}日", "still not done on {as_of}: {days} overdue"),
    "met_by_roll_over": ("于{actual}完成，因期限顺延而未逾期",
                         "done on {actual}: in time only because the due date rolled over (strict due date {strict})"),
}
# An act that is not the completion of a task (a decision to extend, a petitioner's request) is worded as what it is.
_STATUS_BY_KIND = {
    ("extension", "late"): ("延期决定于{actual}作出，晚于届满日{days}日",
                            "the extension was granted on {actual}, {days} after the due date"),
    ("review_requested", "late"): ("复查请求于{actual}提出，晚于届满日{days}日",
                                   "review was requested on {actual}, {days} after the due date"),
    ("review_requested", "met_by_roll_over"): (
        "复查请求于{actual}提出，因期限顺延而未超过期间",
        "review was requested on {actual}: in time only thanks to the roll-over"),
    ("rereview_requested", "late"): ("复核请求于{actual}提出，晚于届满日{days}日",
                                     "re-review was requested on {actual}, {days} after the due date"),
    ("rereview_requested", "met_by_roll_over"): (
        "复核请求于{actual}提出，因期限顺延而未超过期间",
        "re-review was requested on {actual}: in time only thanks to the roll-over"),
}


def _message(rule: Rule, ctx: _Context, anchor: Fact | None, deadline: out.Deadline | None,
             done_kind: str | None = None) -> out.Bilingual:
    """The rule's message with its placeholders filled; ``done_kind`` is the kind of the act that was due."""
    zh_values = {"date": "", "agency": "", "to": "", "due": "", "as_of": zh_date(ctx.as_of)}
    en_values = {"date": "", "agency": "", "to": "", "due": "", "as_of": ctx.as_of.isoformat()}
    if anchor is not None:
        day = _day(anchor["day"])
        zh_values["date"] = zh_date(day)
        en_values["date"] = day.isoformat()
        for key in ("agency", "to"):
            if key in anchor:
                zh_values[key], en_values[key] = _agency_names(ctx, anchor[key])
    if deadline is not None:
        zh_values["due"] = zh_date(deadline.effective_due)
        en_values["due"] = deadline.effective_due.isoformat()
    zh = rule.message.zh.format_map(zh_values)
    en = rule.message.en.format_map(en_values)
    if deadline is not None and deadline.status in _STATUS:
        tail_zh, tail_en = _deadline_sentences(
            done_kind or "", deadline.status, deadline.days_late, deadline.actual, deadline.as_of, deadline.start,
            deadline.amount, deadline.unit, deadline.extension_days, deadline.strict_due, deadline.rolled_due,
            deadline.effective_due)
        zh += tail_zh
        en += tail_en
    return out.Bilingual(zh=zh, en=en)


@functools.lru_cache(maxsize=4096)  # a batch repeats the same deadlines: written once each
def _deadline_sentences(done_kind: str, status: str, days_late: int | None, actual: dt.date | None,
                        as_of: dt.date, start: dt.date, amount: int | None, unit: str, extension_days: int,
                        strict_due: dt.date, rolled_due: dt.date | None, effective_due: dt.date) -> tuple[str, str]:
    """The sentences a deadline finding's message ends with: the period, then what became of it."""
    deadline = _PeriodDates(start, amount, unit, extension_days, strict_due, rolled_due, effective_due)
    tail_zh, tail_en = _STATUS_BY_KIND.get((done_kind, status), _STATUS[status])

    def zh_day(day: dt.date | None) -> str:
        return zh_date(day) if day is not None else ""
    zh_args = {"days": days_late, "actual": zh_day(actual), "as_of": zh_day(as_of), "strict": zh_day(strict_due)}
    en_args = {"days": None if days_late is None else f"{days_late} day{'' if days_late == 1 else 's'}",
               "actual": actual, "as_of": as_of, "strict": strict_due}
    return (_period_zh(deadline) + tail_zh.format(**zh_args) + "。",
            " " + _period_en(deadline) + tail_en.format(**en_args) + ".")


@dataclass(frozen=True, slots=True)
class _PeriodDates:
    """What the period sentence of a message reads of a deadline."""

    start: dt.date
    amount: int | None
    unit: str
    extension_days: int
    strict_due: dt.date
    rolled_due: dt.date | None
    effective_due: dt.date


def _period_length(deadline: _PeriodDates, lang: Lang) -> str:
    """The period with its unit and any extension written out, in the vocabulary's words (15日，延长30日)."""
    if deadline.amount is None:
        return pick(("办理期限由交办机关指定", "set by the assigning body"), lang)
    period = period_text(deadline.amount, deadline.unit, lang)
    if not deadline.extension_days:
        return period
    return say("period_with_extension", lang, period=period, extension=days_text(deadline.extension_days, lang))


def _period_zh(deadline: _PeriodDates) -> str:
    """期限自2025年6月3日起算，15日，至2025年6月18日届满； (with extension and roll-over written out)."""
    length = _period_length(deadline, "zh")
    if deadline.rolled_due is not None:
        end = f"原届满日（未顺延）为{zh_date(deadline.strict_due)}，顺延至{zh_date(deadline.rolled_due)}"
    else:
        end = f"至{zh_date(deadline.effective_due)}届满"
    return f"期限自{zh_date(deadline.start)}起算，{length}，{end}；"


def _period_en(deadline: _PeriodDates) -> str:
    length = _period_length(deadline, "en")
    if deadline.rolled_due is not None:
        end = f"ends on {deadline.strict_due}, rolled over to {deadline.rolled_due}"
    else:
        end = f"ends on {deadline.effective_due}"
    return f"The period runs from {deadline.start} ({length}) and {end}; "


def _agency_names(ctx: _Context, agency_id: str) -> tuple[str, str]:
    """The agency's name in Chinese and in English, looked up once per check."""
    if not isinstance(agency_id, str):
        return _agency_name(ctx.case, agency_id, "zh"), _agency_name(ctx.case, agency_id, "en")
    names = ctx.agency_names.get(agency_id)
    if names is None:
        names = ctx.agency_names[agency_id] = (_agency_name(ctx.case, agency_id, "zh"),
                                               _agency_name(ctx.case, agency_id, "en"))
    return names


def _agency_name(case: Case, agency_id: str, lang: Lang = "zh") -> str:
    agency = case.agency(agency_id)
    if agency is None:
        return agency_id
    return pick((agency.name, agency.name_en or agency.name), lang)
