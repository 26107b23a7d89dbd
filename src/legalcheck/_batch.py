"""Checking many case files: every file gives a report or an error, none is lost.

Results come back in input order whatever the parallelism, so output is
deterministic. Worker processes each build their own evaluator (and engine) once.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

from ._case import Case
from ._case_loader import CaseInput, iter_cases
from ._engines import EngineName
from ._errors import InputError, LegalcheckError
from ._evaluator import Evaluator
from ._findings import Report


@dataclass(frozen=True)
class Options:
    """Everything that decides a result besides the case itself."""

    as_of: dt.date
    engine: EngineName | None = None  # None: durable where it runs, else native
    roll_over: bool = True
    packs: tuple[str, ...] | None = None
    calendar_files: tuple[Path, ...] = ()


@dataclass(frozen=True)
class BatchItem:
    """One input's outcome: a report (with the case it judged, for renderers), or an error."""

    source: str
    report: Report | None = None
    error: LegalcheckError | None = None
    case: Case | None = None


@dataclass
class Summary:
    found: int = 0
    checked: int = 0
    rejected: int = 0
    violations: int = 0
    errors: list[BatchItem] = field(default_factory=list)

    def add(self, item: BatchItem) -> None:
        self.found += 1
        if item.report is not None:
            self.checked += 1
            self.violations += item.report.counts.violation
        else:
            self.rejected += 1
            self.errors.append(item)

    @property
    def exit_code(self) -> int:
        if any(not isinstance(item.error, InputError) for item in self.errors):
            return 3
        if self.rejected:
            return 2
        return 1 if self.violations else 0


def _check_one(evaluator: Evaluator, item: CaseInput, options: Options) -> BatchItem:
    if item.case is None:
        return BatchItem(item.source, error=item.error)
    try:
        report = evaluator.check(item.case, as_of=options.as_of, roll_over=options.roll_over,
                                 packs=options.packs, source=item.source, source_sha256=item.sha256)
    except LegalcheckError as exc:
        return BatchItem(item.source, error=exc)
    except ValueError as exc:  # an unknown pack, a span the calendar cannot count
        return BatchItem(item.source, error=InputError.at(str(exc), file=item.source))
    return BatchItem(item.source, report=report, case=item.case)


_WORKER: tuple[Evaluator, Options] | None = None


def _init_worker(options: Options) -> None:
    global _WORKER
    _WORKER = (Evaluator(engine=options.engine, calendar_files=options.calendar_files), options)


def _work(item: CaseInput) -> BatchItem:
    assert _WORKER is not None
    return _check_one(_WORKER[0], item, _WORKER[1])


def check_paths(paths: Sequence[str | Path], options: Options, *, jobs: int = 1,
                evaluator: Evaluator | None = None) -> Iterator[BatchItem]:
    """Check every case under ``paths``, yielding results in input order.

    With ``jobs > 1`` cases are checked in worker processes, a bounded window at a
    time, so memory stays flat however many cases there are.
    """
    cases = iter_cases(paths)
    if jobs <= 1:
        local = evaluator or Evaluator(engine=options.engine, calendar_files=options.calendar_files)
        for item in cases:
            yield _check_one(local, item, options)
        return
    window = jobs * 64
    with ProcessPoolExecutor(max_workers=jobs, initializer=_init_worker, initargs=(options,)) as pool:
        while chunk := list(islice(cases, window)):
            yield from pool.map(_work, chunk, chunksize=16)


def default_jobs() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))
