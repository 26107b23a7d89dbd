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
from ._case import Case
from ._conditions import Fact, QueryMatch, fields_of
from ._errors import CalendarDataError, Location
from ._engines import Engine, EngineName, default_engine, make_engine
from ._facts import Facts, case_facts
from ._paths import data_dir
from ._periods import DueDate, Period, classify, compute_due, designated_due
from ._regulations import Corpus, load_corpus
from ._rules import (
    PERIOD, SEVERITY_ORDER, CitationSpec, CompiledRule, DesignatedPeriod, Rule, RuleSet, Selection, load_ruleset,
)
from ._version import __version__

ROLL_OVER_READING = "roll-over-rest-day"


@dataclass(frozen=True)
class _Context:
    case: Case
    facts: Facts
    as_of: dt.date
    roll_over: bool
    selection: Selection


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
        self._engines: dict[tuple[str, ...], tuple[Engine, dict[str, CompiledRule], Selection]] = {}
        self._lock = threading.Lock()
        # Report parts that do not depend on the case are built once (frozen, so shareable).
        self._readings = {(r.id, applied): out.Reading(id=r.id, title=_text(r.title), text=_text(r.text),
                                                      applied=applied)
                          for r in self.ruleset.readings.values() for applied in (False, True)}
        self._citation_cache: dict[CitationSpec, out.Citation] = {}
        self._due_cache: dict[tuple[Any, ...], DueDate] = {}
        make_engine(self.engine_name, [])  # fail now, not on the first case, if the engine cannot run here

    def _engine_for(self, packs: tuple[str, ...]) -> tuple[Engine, dict[str, CompiledRule], Selection]:
        with self._lock:
            cached = self._engines.get(packs)
            if cached is None:
                selection = self.ruleset.for_packs(packs)
                engine = make_engine(self.engine_name, [r.query for r in selection.rules])
                cached = (engine, {r.rule.id: r for r in selection.rules}, selection)
                self._engines[packs] = cached
            return cached

    def packs_for(self, case: Case, packs: Sequence[str] | None) -> tuple[str, ...]:
        if packs is not None:
            unknown = [p for p in packs if p not in self.ruleset.packs]
            if unknown:
                raise ValueError(f"unknown pack(s): {', '.join(unknown)}; known: {', '.join(self.ruleset.packs)}")
            return tuple(sorted(packs))
        return tuple(sorted(pid for pid, pack in self.ruleset.packs.items() if pack.province == case.province))

    def check(self, case: Case, *, as_of: dt.date | None = None, roll_over: bool = True,
              packs: Sequence[str] | None = None, source: str | None = None,
              source_sha256: str | None = None) -> out.Report:
        as_of = as_of or dt.date.today()
        chosen = self.packs_for(case, packs)
        engine, rules, selection = self._engine_for(chosen)
        facts = case_facts(case, until=as_of)
        ctx = _Context(case, facts, as_of, roll_over, selection)
        findings: list[out.Finding] = []
        pending: list[out.PendingObligation] = []
        for match in engine.run(facts):
            compiled = rules[match.rule_id]
            try:
                judged = self._judge(compiled, match, ctx)
            except CalendarDataError as exc:
                raise _located(exc, source, compiled, match, facts) from None
            if isinstance(judged, out.Finding):
                findings.append(judged)
            elif isinstance(judged, out.PendingObligation):
                pending.append(judged)
        findings.sort(key=_finding_order)
        pending.sort(key=lambda p: (p.due or dt.date.max, p.rule_id, p.trigger.path))
        return self._report(ctx, findings, pending, chosen, source, source_sha256)

    # --- judging one match ---------------------------------------------------------------

    def _judge(self, compiled: CompiledRule, match: QueryMatch, ctx: _Context) -> out.Finding | out.PendingObligation | None:
        rule = compiled.rule
        anchor = ctx.facts.events[match.anchor_seq] if match.anchor_seq is not None else None
        act_day = _day(anchor["day"]) if anchor is not None else _first_day(ctx.facts)
        if act_day is None or not rule.in_force(act_day):
            return None  # validity in time is chosen by the date of the act, never by today
        if ctx.selection.displaced(rule.id, act_day):
            return None  # a local rule in force on that date takes this national rule's place
        if rule.check.forbid is not None:
            if compiled.query.relations and not match.seqs("prior"):
                return None  # 'after' was given and no such earlier event exists
            related = [ctx.facts.events[s] for s in match.seqs("prior")]
            return self._finding(compiled, ctx, anchor, related, None, rule.severity)
        assert anchor is not None
        return self._obligation(compiled, match, anchor, ctx)

    def _obligation(self, compiled: CompiledRule, match: QueryMatch, trigger: Fact,
                    ctx: _Context) -> out.Finding | out.PendingObligation | None:
        rule = compiled.rule
        spec = rule.check.obligation
        assert spec is not None
        fulfilments = [ctx.facts.events[s] for s in match.seqs("fulfil")]
        actual = _day(fulfilments[0]["day"]) if fulfilments else None
        if actual is None and spec.missing == "ignore":
            return None
        if spec.period is None:
            if actual is not None:
                return None
            if ctx.case.status == "closed":
                return self._finding(compiled, ctx, trigger, [], None, rule.severity)
            return out.PendingObligation(
                rule_id=rule.id, rule_name=rule.name, title=_text(rule.title), instrument=rule.instrument,
                citations=self._citations(rule.citations), trigger=self._event_ref(ctx, trigger),
                due=None, days_left=None)
        due = self._due(spec.period, spec, match, trigger, ctx)
        outcome = classify(due, actual, ctx.as_of)
        deadline = _deadline(due, outcome, spec.period, ctx.roll_over)
        if outcome.status == "met":
            return None
        if outcome.status == "pending":
            return out.PendingObligation(
                rule_id=rule.id, rule_name=rule.name, title=_text(rule.title), instrument=rule.instrument,
                citations=self._citations(rule.citations), trigger=self._event_ref(ctx, trigger),
                due=due.effective_due, days_left=outcome.days_left, deadline=deadline)
        severity = "notice" if outcome.status == "met_by_roll_over" else rule.severity
        return self._finding(compiled, ctx, trigger, fulfilments[:1], deadline, severity)

    def _due(self, period: str | DesignatedPeriod, spec: Any, match: QueryMatch, trigger: Fact,
             ctx: _Context) -> DueDate:
        start = _day(trigger["day"])
        if isinstance(period, DesignatedPeriod):
            return designated_due(start, _day(trigger["report_by_day"]), self.calendar, roll_over=ctx.roll_over)
        parsed = PERIOD.match(period)
        assert parsed is not None
        length = Period(int(parsed.group("amount")),
                        "working_days" if parsed.group("unit") == "wd" else "calendar_days")
        spans = [(_day(e["day"]), _day(e["end_day"])) for e in (ctx.facts.events[s] for s in match.seqs("excluded"))]
        due = self._compute_due(start, length, tuple(spans), 0, ctx.roll_over)
        if spec.extension is None:
            return due
        # An extension counts only if granted before the original period ran out (第三十四条:
        # 延长办理期限 presupposes a running period); at most max_days in total.
        granted = sum(ctx.facts.events[s]["days"] for s in match.seqs("extension")
                      if _day(ctx.facts.events[s]["day"]) <= due.effective_due)
        extension = min(granted, spec.extension.max_days)
        if not extension:
            return due
        return self._compute_due(start, length, tuple(spans), extension, ctx.roll_over)

    def _compute_due(self, start: dt.date, length: Period, spans: tuple[tuple[dt.date, dt.date], ...],
                     extension: int, roll_over: bool) -> DueDate:
        """Deadline arithmetic, memoised: batches repeat the same few periods from the same dates."""
        key = (start, length, spans, extension, roll_over)
        due = self._due_cache.get(key)
        if due is None:
            due = compute_due(start, length, self.calendar, excluded=spans, extension_days=extension,
                              roll_over=roll_over)
            if len(self._due_cache) > 100_000:
                self._due_cache.clear()  # bounded memory over millions of cases
            self._due_cache[key] = due
        return due

    # --- building output -----------------------------------------------------------------

    def _finding(self, compiled: CompiledRule, ctx: _Context, anchor: Fact | None, related: list[Fact],
                 deadline: out.Deadline | None, severity: str) -> out.Finding:
        rule = compiled.rule
        events = [e for e in [anchor, *related] if e is not None]
        message = _message(rule, ctx, anchor, deadline)
        return out.Finding(
            rule_id=rule.id, rule_name=rule.name, severity=severity,  # type: ignore[arg-type]
            title=_text(rule.title), message=message, instrument=rule.instrument,
            citations=self._citations(rule.citations), liability=self._citations(rule.liability),
            grounds=_text(rule.grounds), events=tuple(self._event_ref(ctx, e) for e in events),
            fields=_field_refs(compiled, ctx, anchor), deadline=deadline,
            readings=_readings_applied(rule, deadline), pack=compiled.pack, overrides=rule.overrides)

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
        instruments = sorted({f.instrument for f in findings} | {p.instrument for p in pending})
        counts = out.Counts(
            violation=sum(f.severity == "violation" for f in findings),
            warning=sum(f.severity == "warning" for f in findings),
            notice=sum(f.severity == "notice" for f in findings), pending=len(pending))
        used = {r for f in findings for r in f.readings}
        readings = tuple(self._readings[(r_id, (r_id in used) if r_id != ROLL_OVER_READING else ctx.roll_over)]
                         for r_id in self.ruleset.readings)
        return out.Report(
            case_id=ctx.case.id, source=source, source_sha256=source_sha256, as_of=ctx.as_of,
            roll_over=ctx.roll_over, engine=self.engine_name, legalcheck_version=__version__,
            ruleset_version=self.ruleset.version, ruleset_sha256=self.ruleset.fingerprint,
            instruments=tuple(instruments),
            regulations_sha256=tuple((i, self.corpus.text_hash(i)) for i in instruments),
            calendar_sha256=self.calendar.fingerprint, packs=packs, readings=readings,
            counts=counts, findings=tuple(findings), pending=tuple(pending))

    def iter_reports(self, cases: Sequence[Case], **options: Any) -> Iterator[out.Report]:
        for case in cases:
            yield self.check(case, **options)


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


def _first_day(facts: Facts) -> dt.date | None:
    return _day(facts.events[0]["day"]) if facts.events else None


def _text(text: Any) -> out.Bilingual:
    return out.Bilingual(zh=text.zh, en=text.en)


def _finding_order(finding: out.Finding) -> tuple[Any, ...]:
    first = finding.events[0] if finding.events else None
    return (SEVERITY_ORDER[finding.severity], first.date if first else dt.date.min, finding.rule_id,
            first.path if first else "")


def _deadline(due: DueDate, outcome: Any, period: str | DesignatedPeriod, roll_over: bool) -> out.Deadline:
    designated = isinstance(period, DesignatedPeriod)
    return out.Deadline(
        start=due.start, period="designated" if designated else str(period),
        unit="designated" if due.period is None else due.period.unit,
        amount=None if due.period is None else due.period.amount,
        excluded_days=due.excluded_days, extension_days=due.extension_days,
        holidays_crossed=due.holidays_crossed, strict_due=due.strict_due, rolled_due=due.rolled_due,
        effective_due=due.effective_due, roll_over=roll_over, actual=outcome.actual, as_of=outcome.as_of,
        status=outcome.status, days_late=outcome.days_late, days_left=outcome.days_left,
        steps=tuple(out.DeadlineStep(zh=s.zh, en=s.en) for s in due.steps))


def _readings_applied(rule: Rule, deadline: out.Deadline | None) -> tuple[str, ...]:
    applied = list(rule.readings)
    if deadline is not None and deadline.rolled_due is not None and ROLL_OVER_READING not in applied:
        applied.append(ROLL_OVER_READING)
    return tuple(applied)


def _field_refs(compiled: CompiledRule, ctx: _Context, anchor: Fact | None) -> tuple[out.FieldRef, ...]:
    """The case and event fields the rule's conditions read, with their values here."""
    query = compiled.query
    refs = [out.FieldRef(path=name, value=_show(ctx.facts.case[name]))
            for name in sorted(fields_of(query.when)) if name in ctx.facts.case]
    if anchor is not None and query.anchor is not None:
        refs.extend(out.FieldRef(path=f"events[{anchor['index']}].{name}", value=_show(anchor[name]))
                    for name in sorted(fields_of(query.anchor.where)) if name in anchor)
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
