"""The three verbs, on a default evaluator per engine built on first use."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from ._engines.protocol import EngineName
from ._evaluation.evaluator import Evaluator
from ._model.case import Case
from ._model.findings import Finding, Report
from ._model.loader import case_from_dict as _case_from_dict
from ._model.loader import load_case as _load_case


@functools.lru_cache(maxsize=4)
def default_evaluator(engine: EngineName | None = None, calendar_files: tuple[Path, ...] = ()) -> Evaluator:
    """The evaluator over the bundled rules, regulations and calendars (built once per engine).

    ``engine=None`` is durable-rules where it runs (Python < 3.13), else the native engine.
    """
    return Evaluator(engine=engine, calendar_files=calendar_files)


def load_case(path: str | Path) -> Case:
    """Read and validate one case file (YAML or JSON). Raises :class:`CaseError` on bad input."""
    return _load_case(path)


def case_from_dict(data: dict[str, Any], *, base_dir: str | Path | None = None) -> Case:
    """Validate a mapping as a case, as ``load_case`` does a file: registry merged, references checked.

    ``agency_registry`` is resolved against ``base_dir`` (default: the working directory). Raises
    :class:`CaseError`. A ``Case`` built with ``Case.model_validate`` skips this and is refused by
    ``check`` with :class:`UnvalidatedCaseError` when its agencies do not resolve.
    """
    return _case_from_dict(data, base_dir=base_dir)


def check(case: Case, *, as_of: dt.date | None = None, engine: EngineName | None = None, roll_over: bool = True,
          packs: Sequence[str] | None = None) -> Report:
    """Check one case and return its report (findings, pending obligations, undetermined rules, receipt).

    Raises :class:`UnvalidatedCaseError` for a case whose agency references do not resolve
    (one that did not come from ``load_case`` / ``case_from_dict``).

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
    """True when the case has no finding of severity ``violation`` and no rule is undetermined for want
    of a recorded fact: ``check(...).compliant``, decided without building the report (for systems
    that check every case on save)."""
    return default_evaluator(engine).is_compliant(case, as_of=as_of, roll_over=roll_over, packs=packs)
