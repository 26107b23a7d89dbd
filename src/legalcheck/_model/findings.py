"""The output model: one frozen Finding per problem, one Report per case.

Renderers (``_render_*.py``) only read these; they never compute anything legal.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, model_validator

from .._core.vocabulary import DeadlineStatus, Severity

REPORT_SCHEMA_ID = "https://legalcheck.invalid/schema/report/1"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Bilingual(_Frozen):
    zh: str
    en: str


class Citation(_Frozen):
    """A provision, addressed down to 条/款/项, with its text."""

    instrument: str
    instrument_title: Bilingual
    article: int
    paragraph: int | None = None
    item: int | None = None
    label: Bilingual  # 《信访工作条例》第二十二条第一款 / Regulations on Petition Work, Art. 22(1)
    text_zh: str  # official wording, verbatim
    text_en: str | None = None  # our translation


class EventRef(_Frozen):
    """An event of the case, by its position in the file (``path`` like ``events[3]``)."""

    path: str
    kind: str
    date: dt.date
    agency: str
    agency_name: str | None = None


class FieldRef(_Frozen):
    path: str
    value: str


class Deadline(_Frozen):
    """The deadline arithmetic, complete enough to recompute by hand."""

    start: dt.date
    period: str  # e.g. 15d, 5wd, or "designated"
    unit: Literal["calendar_days", "working_days", "designated"]
    amount: int | None
    excluded_days: tuple[dt.date, ...] = ()
    extension_days: int = 0
    holidays_crossed: tuple[tuple[dt.date, Bilingual], ...] = ()  # each with its name in both languages
    adjusted_working_days: tuple[dt.date, ...] = ()  # 调休上班日: weekend days that are working days
    strict_due: dt.date
    rolled_due: dt.date | None = None
    effective_due: dt.date
    roll_over: bool
    actual: dt.date | None = None
    as_of: dt.date
    status: DeadlineStatus
    days_late: int | None = None
    days_left: int | None = None
    steps: tuple[Bilingual, ...] = ()  # how the due date was counted, step by step


class Finding(_Frozen):
    rule_id: str
    rule_name: str
    severity: Severity
    title: Bilingual
    message: Bilingual
    instrument: str  # the instrument that governed this finding
    citations: tuple[Citation, ...]
    liability: tuple[Citation, ...] = ()
    grounds: Bilingual
    events: tuple[EventRef, ...] = ()
    fields: tuple[FieldRef, ...] = ()
    deadline: Deadline | None = None
    readings: tuple[str, ...] = ()
    pack: str | None = None
    overrides: tuple[str, ...] = ()


class PendingObligation(_Frozen):
    """An obligation not yet fulfilled and not yet late: not a violation, but on the docket."""

    rule_id: str
    rule_name: str
    title: Bilingual
    instrument: str
    citations: tuple[Citation, ...]
    trigger: EventRef
    due: dt.date | None  # None: the provision sets no period
    days_left: int | None
    deadline: Deadline | None = None
    # The agency the duty falls on, as the rule's fulfilling act names it (the trigger's agency, or
    # the agency it forwarded or assigned to); None when the rule names none (a petitioner's request).
    agency: str | None = None
    agency_name: str | None = None


class MetDeadline(_Frozen):
    """A deadline met in time: not a finding, listed only when asked for (a timeline of every deadline)."""

    rule_id: str
    rule_name: str
    title: Bilingual
    instrument: str
    trigger: EventRef
    deadline: Deadline


class MissingFact(_Frozen):
    """A fact the file does not record, by field path (``events[3].agency``, ``petitioners[1].address``)."""

    path: str


class Undetermined(_Frozen):
    """A rule that applies to the case but cannot decide: the file lacks a fact it needs.

    Neither a violation nor compliance: the case is not clean until the fact is recorded.
    """

    rule_id: str
    rule_name: str
    title: Bilingual
    instrument: str
    citations: tuple[Citation, ...]
    grounds: Bilingual
    missing: tuple[MissingFact, ...]
    record: Bilingual  # what to record so that the rule can decide
    message: Bilingual
    event: EventRef | None = None  # the act the rule would judge, when there is one
    pack: str | None = None


class Reading(_Frozen):
    """A documented reading of the law (rules/readings.yaml) that this report applied."""

    id: str
    title: Bilingual
    text: Bilingual


class Counts(_Frozen):
    violation: int = 0
    warning: int = 0
    notice: int = 0
    pending: int = 0
    undetermined: int = 0


Verdict = Literal["compliant", "violation", "undetermined"]


# --- Which instruments governed (reading instrument-by-date-of-act) ----------------------------

class GoverningInstrument(_Frozen):
    """An instrument whose rules (national, or a pack's) were in force on the date of at least one
    act the case records up to the as-of date: the act-by-act selection, with what its dates rest on."""

    instrument: str
    title: Bilingual  # short citation form, e.g. 《信访工作条例》
    pack: str | None = None  # the pack whose rules apply this instrument; None for national rules
    in_force_from: dt.date  # first day the rules apply
    in_force_until: dt.date | None = None  # last day the rules apply; None: no end
    from_source: Citation | None = None  # the provision that fixes the first day
    until_source: Citation | None = None  # the provision that fixes the last day, where a text held does
    until_reading: str | None = None  # else the reading (rules/readings.yaml) that states the last day
    acts: int  # how many of the case's acts fall within these dates
    first_act: dt.date
    last_act: dt.date


class Report(_Frozen):
    schema_id: str = REPORT_SCHEMA_ID
    case_id: str
    source: str | None = None
    source_sha256: str | None = None
    as_of: dt.date
    roll_over: bool
    engine: str
    legalcheck_version: str
    ruleset_version: str
    ruleset_sha256: str
    # Instruments that governed the case's acts (see ``governing``) and any instrument a finding or
    # obligation cites as its own; regulations_sha256 hashes the text of each of them.
    instruments: tuple[str, ...]
    regulations_sha256: tuple[tuple[str, str], ...] = ()
    calendar_sha256: str | None = None
    packs: tuple[str, ...] = ()
    # Readings applied: those a finding used, and roll-over whenever it was on. The others are
    # pinned by ruleset_sha256 and not repeated in every report (they were two thirds of its size).
    readings: tuple[Reading, ...] = ()
    counts: Counts
    findings: tuple[Finding, ...]
    pending: tuple[PendingObligation, ...] = ()
    undetermined: tuple[Undetermined, ...] = ()
    # "violation" when any finding is a violation; else "undetermined" when a rule could not decide
    # for want of a recorded fact; else "compliant". Warnings, notices and pending obligations do
    # not change it. ``compliant`` is true only for "compliant".
    verdict: Verdict
    compliant: bool
    # Governance: which instruments and packs governed, act by act (also when nothing was found).
    governing: tuple[GoverningInstrument, ...] = ()
    selection_readings: tuple[str, ...] = ()  # the readings the selection relied on (also in ``readings``)
    # The readings every check relies on whatever it finds (``standing`` in rules/readings.yaml; also in
    # ``readings``), shown beside the governance so a clean report names them too.
    standing_readings: tuple[str, ...] = ()
    # Deadlines met in time, only when the check was asked for them (``check(..., met=True)``; the HTML
    # report asks, to draw every deadline): not findings, and not counted.
    met: tuple[MetDeadline, ...] = ()

    @model_validator(mode="after")
    def _verdict_agrees(self) -> Report:
        expected = ("violation" if self.counts.violation else "undetermined" if self.counts.undetermined
                    else "compliant")
        if self.verdict != expected or self.compliant != (expected == "compliant"):
            raise ValueError(f"verdict {self.verdict!r} / compliant {self.compliant} disagree with the counts")
        return self


def verdict_of(counts: Counts) -> Verdict:
    """The verdict the counts imply (see ``Report.verdict``)."""
    return "violation" if counts.violation else "undetermined" if counts.undetermined else "compliant"
