"""The three verbs, on a default evaluator per engine built on first use."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterator, Sequence
from pathlib import Path

from ._case import Case
from ._case_loader import load_case as _load_case
from ._engines import EngineName
from ._evaluator import Evaluator
from ._findings import Finding, Report


@functools.lru_cache(maxsize=4)
def default_evaluator(engine: EngineName | None = None, calendar_files: tuple[Path, ...] = ()) -> Evaluator:
    """The evaluator over the bundled rules, regulations and calendars (built once per engine).

    ``engine=None`` is durable-rules where it runs (Python < 3.13), else the native engine.
    """
    return Evaluator(engine=engine, calendar_files=calendar_files)


def load_case(path: str | Path) -> Case:
    """Read and validate one case file (YAML or JSON). Raises :class:`CaseError` on bad input."""
    return _load_case(path)


def check(case: Case, *, as_of: dt.date | None = None, engine: EngineName | None = None, roll_over: bool = True,
          packs: Sequence[str] | None = None) -> Report:
    """Check one case and return its report (findings, pending obligations, receipt).

    ``as_of`` (default: today) is the date the case is judged on: later events are not
    yet known, and unfulfilled obligations are pending or overdue relative to it.
    ``roll_over`` applies 民法典 第二百零三条 to calendar-day periods (see rules/readings.yaml).
    ``packs`` selects local rule packs; by default they follow the case's province.
    """
    return default_evaluator(engine).check(case, as_of=as_of, roll_over=roll_over, packs=packs)


def iter_findings(case: Case, *, as_of: dt.date | None = None, engine: EngineName | None = None,
                  roll_over: bool = True, packs: Sequence[str] | None = None) -> Iterator[Finding]:
    """Yield the case's findings, most severe first."""
    yield from check(case, as_of=as_of, engine=engine, roll_over=roll_over, packs=packs).findings


def is_compliant(case: Case, *, as_of: dt.date | None = None, engine: EngineName | None = None,
                 roll_over: bool = True, packs: Sequence[str] | None = None) -> bool:
    """True when the case has no finding of severity ``violation``: ``check(...).compliant``,
    decided without building the report (for systems that check every case on save)."""
    return default_evaluator(engine).is_compliant(case, as_of=as_of, roll_over=roll_over, packs=packs)
