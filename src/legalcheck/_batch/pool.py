"""Checking many case files: every input gives a report or an error, none is lost.

* Results come back in input order whatever the parallelism, so output is
  deterministic and ``--jobs 1`` and ``--jobs 8`` print the same bytes.
* Memory is bounded whatever the input size: inputs are listed lazily, a bounded
  window of chunks is in flight, and results are yielded, never collected here.
* The parent process only lists inputs (and splits JSON Lines files into lines);
  reading, parsing, validating and checking happen in the workers, so they scale.
* Small batches skip the pool: starting workers costs more than a few cases.
* A worker that dies (a crash in a C extension, the OOM killer) loses nothing: the
  cases it had in flight are re-run one at a time in a fresh worker, and only the
  case that kills that one too is reported, as an internal error.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import signal
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TextIO, TypeVar

from .._core.errors import PROBLEM_CODES, InputError, LegalcheckError
from .._core.safe_yaml import DEFAULT_LIMITS, Limits
from .._core.vocabulary import Lang, joined, pick, say, word
from .._engines.protocol import EngineName
from .._evaluation.evaluator import Evaluator
from .._model.case import Case
from .._model.findings import Report
from .._model.loader import CaseInput, Job, SkipCallback, is_ledger, iter_jobs, load_job

# A run of one process (every small batch, every single case) starts no workers and reads no
# ledger: the process pool and the ledger reader are imported when a run needs them (their
# imports cost more than checking a case; docs/performance.md, "Fast start").
if TYPE_CHECKING:
    from concurrent.futures import Future, ProcessPoolExecutor
    from multiprocessing.context import BaseContext

_T = TypeVar("_T")

# Fewer inputs than this per worker are checked in this process: forking a worker and
# warming its caches costs about as much as checking a hundred cases (bench/run.py: with
# native checks, a pool of 2 breaks even at about 256 cases).
POOL_MIN_INPUTS_PER_WORKER = 128
# Inputs per task. The first tasks are small, so that every worker starts at once; they grow
# to _CHUNK_INPUTS, which amortises the parent's per-task work (with 64, the parent spent a
# third more CPU per record than with 256, and its wake-ups slowed the workers).
_FIRST_CHUNK_INPUTS = 32
_CHUNK_INPUTS = 256
_CHUNK_BYTES = 1 << 20  # a chunk of JSON Lines records carries at most about this much text
_CHUNKS_PER_WORKER = 4  # in flight per worker: enough to keep it busy, few enough to bound memory


@dataclass(frozen=True)
class BatchOptions:
    """Everything that decides a result besides the case itself."""

    as_of: dt.date
    engine: EngineName | None = None  # None: durable where it runs, else native
    roll_over: bool = True
    packs: tuple[str, ...] | None = None
    calendar_files: tuple[Path, ...] = ()
    mapping: Path | None = None  # how ledgers (.xlsx, .csv) map to cases; see _model/ledger.py
    met: bool = False  # also list the deadlines met in time (Report.met), for a timeline of every deadline


@dataclass(frozen=True)
class BatchItem:
    """One input's outcome: a report (with the case it judged, for renderers), or an error."""

    source: str
    report: Report | None = None
    error: LegalcheckError | None = None
    case: Case | None = None


@dataclass(frozen=True)
class Output:
    """One input rendered by the worker that checked it (see :func:`map_paths` and
    :class:`~legalcheck._report.rendering.Rendering`).

    Only this text and the counts cross the process boundary: pickling a report's
    hundred-odd pydantic objects costs as much as checking the case. The text travels
    as UTF-8 bytes: unpickling a 25 KB ``str`` costs the parent 17 µs, bytes 1 µs, and
    the parent can write them out without encoding them again.
    """

    source: str
    data: bytes  # the rendered text, UTF-8
    violations: int = 0
    error: LegalcheckError | None = None
    undetermined: int = 0
    case_id: str | None = None  # as in the case file (never printed under --redact), for CaseIds

    @property
    def text(self) -> str:
        return self.data.decode("utf-8")


# --- the summary --------------------------------------------------------------------------

INTERNAL_ERROR = "internal-error"  # the reason counted for an input rejected by a fault of ours, not of the input


# Why a directory entry was skipped (see ``legalcheck._model.loader._classify``), in Chinese.
_SKIP_ZH = {"hidden": "隐藏文件", "shared (_*), e.g. an agency registry": "以下划线开头（共享文件，如机关名录）",
            "not a case file (name)": "文件名不是案件文件",
            "agency registry (schema legalcheck/agencies/1)": "机关名录（schema: legalcheck/agencies/1）",
            "directory link (not followed)": "目录链接（不跟随）",
            "directory marked .legalcheck-skip": "标有 .legalcheck-skip 的目录（如台账及其映射文件）"}


def reason_of(error: LegalcheckError | None) -> str:
    """Why an input was rejected: the code of its first problem (``bad-date``, ``unknown-agency``, …;
    see docs/errors.md), or ``internal-error``."""
    if isinstance(error, InputError) and error.problems:
        return error.problems[0].code
    return INTERNAL_ERROR


def reason_label(code: str, lang: Lang) -> str:
    """A rejection reason in words (the meaning of its problem code)."""
    kind = PROBLEM_CODES.get(code)
    return word("internal_error", lang) if kind is None else kind.meaning.get(lang)


@dataclass
class Summary:
    """Counts over a batch; ``checked + rejected == found`` always. Holds no items, so it stays small."""

    found: int = 0
    checked: int = 0
    rejected: int = 0
    violations: int = 0
    undetermined: int = 0  # rules that could not decide for want of a recorded fact, over all cases
    internal_errors: int = 0  # rejected because of a fault of ours, not of the input (exit code 3)
    reasons: Counter[str] = field(default_factory=Counter)  # why inputs were rejected, by problem code
    skipped: Counter[str] = field(default_factory=Counter)  # directory entries not read as cases, by reason

    def skip(self, _path: str, reason: str) -> None:
        """Count a directory entry that is not a case (pass as ``on_skip`` to :func:`check_paths`)."""
        self.skipped[reason] += 1

    def skipped_text(self, lang: Lang = "en") -> str:
        """``skipped 3 entries: 2 hidden, 1 not a case file (name)``, or "" if none."""
        if not self.skipped:
            return ""
        ranked = joined([say("count_of", lang, label=pick((_SKIP_ZH.get(reason, reason), reason), lang), count=count)
                         for reason, count in sorted(self.skipped.items(), key=lambda kv: (-kv[1], kv[0]))], lang)
        return say("skipped", lang, total=sum(self.skipped.values()), ranked=ranked)

    def add(self, item: BatchItem | Output) -> None:
        self.found += 1
        if isinstance(item, Output) and item.error is None:
            self.checked += 1
            self.violations += item.violations
            self.undetermined += item.undetermined
            return
        if isinstance(item, BatchItem) and item.report is not None:
            self.checked += 1
            self.violations += item.report.counts.violation
            self.undetermined += item.report.counts.undetermined
            return
        self.rejected += 1
        self.reasons[reason_of(item.error)] += 1
        if not isinstance(item.error, InputError):
            self.internal_errors += 1

    @property
    def exit_code(self) -> int:
        if self.internal_errors:
            return 3
        if self.rejected:
            return 2
        if self.violations:
            return 1
        return 4 if self.undetermined else 0  # no violation, but some obligations undetermined

    def reasons_text(self, lang: Lang = "en") -> str:
        """``could not be read: 2 YAML syntax error, 1 invalid date`` (most frequent first), or "" if none."""
        if not self.reasons:
            return ""
        ranked = sorted(self.reasons.items(), key=lambda kv: (-kv[1], reason_label(kv[0], "en")))
        return say("rejected_reasons", lang, ranked=joined(
            [say("count_of", lang, label=reason_label(code, lang), count=count) for code, count in ranked], lang))


class CaseIds:
    """Case ids seen in a batch, to warn when one repeats (warning code ``duplicate-case-id``).

    Two files with one case id are usually a copy that diverged: both are checked, and the
    repeat is reported. Only an 8-byte digest of each id is kept (about 70 bytes a case in
    all), not the id: a million cases cost some 70 MB, not the ids' text.
    """

    CODE = "duplicate-case-id"

    def __init__(self) -> None:
        self._seen: set[bytes] = set()

    def repeated(self, case_id: str) -> bool:
        key = hashlib.blake2b(case_id.encode("utf-8", "surrogatepass"), digest_size=8).digest()
        if key in self._seen:
            return True
        self._seen.add(key)
        return False


# --- checking one input ------------------------------------------------------------------


def _internal(exc: BaseException) -> LegalcheckError:
    # A bug of ours must not stop the batch; it is reported (exit code 3) with enough to file it.
    return LegalcheckError(f"internal error while checking this input: {type(exc).__name__}: {exc}")


def _check_one(evaluator: Evaluator, item: CaseInput, options: BatchOptions) -> BatchItem:
    if item.case is None:
        return BatchItem(item.source, error=item.error)
    try:
        report = evaluator.check(item.case, as_of=options.as_of, roll_over=options.roll_over,
                                 packs=options.packs, source=item.source, source_sha256=item.sha256,
                                 met=options.met)
    except LegalcheckError as exc:
        return BatchItem(item.source, error=exc)
    except ValueError as exc:  # an unknown pack, a span the calendar cannot count
        return BatchItem(item.source, error=InputError.at(code="invalid-value", detail=exc, file=item.source))
    except Exception as exc:  # noqa: BLE001 - see _internal
        return BatchItem(item.source, error=_internal(exc))
    return BatchItem(item.source, report=report, case=item.case)


def _process(evaluator: Evaluator, unit: Job | CaseInput, options: BatchOptions, limits: Limits) -> BatchItem:
    try:
        loaded = load_job(unit, limits=limits) if isinstance(unit, Job) else unit
    except Exception as exc:  # noqa: BLE001 - see _internal
        return BatchItem(unit.source, error=_internal(exc))
    return _check_one(evaluator, loaded, options)


# --- worker processes --------------------------------------------------------------------

# What a worker uses: the evaluator, the options, and what to make of each checked item.
# With the "fork" start method it is the parent's, inherited (nothing to load again);
# with "spawn" each worker builds its own evaluator from the options.
_WORKER: tuple[Evaluator, BatchOptions, Limits, Callable[[BatchItem], Any]] | None = None


def _init_worker(options: BatchOptions, limits: Limits, finish: Callable[[BatchItem], Any]) -> None:
    global _WORKER
    # Ctrl-C reaches the whole process group: the parent decides, and stops the workers itself.
    # A forked worker would also inherit the CLI's SIGTERM handler; it must simply die on SIGTERM.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if _WORKER is None or _WORKER[1:] != (options, limits, finish):
        _WORKER = (Evaluator(engine=options.engine, calendar_files=options.calendar_files), options, limits, finish)


def _work(units: list[Job | CaseInput]) -> list[Any]:
    assert _WORKER is not None, "worker not initialised"
    evaluator, options, limits, finish = _WORKER
    return [finish(_process(evaluator, unit, options, limits)) for unit in units]


def _keep(item: BatchItem) -> BatchItem:
    return item


def _context() -> BaseContext:
    """fork when this process has one thread (fast: workers inherit the loaded evaluator), else spawn.

    Forking a process that runs other threads can copy a lock some thread holds and
    deadlock the child; a library cannot know what its caller's threads do.
    """
    import multiprocessing

    if "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def _chunks(units: Iterable[Job | CaseInput]) -> Iterator[list[Job | CaseInput]]:
    chunk: list[Job | CaseInput] = []
    size = 0
    limit = _FIRST_CHUNK_INPUTS
    for unit in units:
        chunk.append(unit)
        size += len(unit.text) if isinstance(unit, Job) and unit.text is not None else 0
        if len(chunk) >= limit or size >= _CHUNK_BYTES:
            yield chunk
            chunk, size = [], 0
            limit = min(2 * limit, _CHUNK_INPUTS)
    if chunk:
        yield chunk


class _Pool(Generic[_T]):
    """A process pool that keeps a bounded window of chunks in flight and yields results in order."""

    def __init__(self, workers: int, context: BaseContext, options: BatchOptions, limits: Limits,
                 finish: Callable[[BatchItem], _T]) -> None:
        self._workers = workers
        self._context = context
        self._initargs = (options, limits, finish)
        self._finish = finish
        self._executor = self._start(workers)

    def _start(self, workers: int) -> ProcessPoolExecutor:
        from concurrent.futures import ProcessPoolExecutor

        return ProcessPoolExecutor(max_workers=workers, mp_context=self._context, initializer=_init_worker,
                                   initargs=self._initargs)

    def run(self, units: Iterator[Job | CaseInput]) -> Generator[_T, None, None]:
        from concurrent.futures.process import BrokenProcessPool

        workers = self._workers
        chunks = _chunks(units)
        window: deque[tuple[list[Job | CaseInput], Future[list[_T]]]] = deque()
        stopped = False
        try:
            while True:
                while len(window) < workers * _CHUNKS_PER_WORKER:
                    chunk = next(chunks, None)
                    if chunk is None:
                        break
                    window.append((chunk, self._executor.submit(_work, chunk)))
                if not window:
                    return
                chunk, future = window.popleft()
                try:
                    results = future.result()
                except BrokenProcessPool:
                    stranded = chunk + [unit for pending, _ in window for unit in pending]
                    window.clear()
                    self._executor.shutdown(wait=True, cancel_futures=True)
                    yield from self._isolate(stranded)
                    self._executor = self._start(workers)
                    continue
                yield from results
        except BaseException:  # Ctrl-C, SIGTERM, the consumer closing us: stop the workers now
            stopped = True
            _terminate(self._executor)
            raise
        finally:
            if not stopped:  # after _terminate, waiting on the pool's threads could block on its dead pipes
                self._executor.shutdown(wait=True, cancel_futures=True)

    def _isolate(self, units: list[Job | CaseInput]) -> Iterator[_T]:
        """Re-run what a dead worker left, one input at a time in one fresh worker, to find the culprit."""
        from concurrent.futures.process import BrokenProcessPool

        executor = self._start(1)
        try:
            for unit in units:
                try:
                    yield executor.submit(_work, [unit]).result()[0]
                except BrokenProcessPool:
                    yield self._finish(BatchItem(unit.source, error=LegalcheckError(
                        "internal error: the worker process checking this input died (a crash or out of memory); "
                        "the other inputs were checked")))
                    executor.shutdown(wait=True)
                    executor = self._start(1)
        finally:
            executor.shutdown(wait=True)


def _terminate(executor: ProcessPoolExecutor) -> None:
    """Kill the workers of ``executor``: waiting for them could block forever on a full result pipe.

    ``ProcessPoolExecutor`` has no public way to do this before Python 3.14 (``terminate_workers``).
    """
    processes = list((getattr(executor, "_processes", None) or {}).values())
    for process in processes:
        process.terminate()
    executor.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.join(timeout=5)
        if process.is_alive():
            process.kill()


# --- the batch -----------------------------------------------------------------------------


def check_paths(paths: Sequence[str | Path], options: BatchOptions | None = None, *, jobs: int = 1,
                evaluator: Evaluator | None = None, limits: Limits = DEFAULT_LIMITS,
                on_skip: SkipCallback | None = None) -> Iterator[BatchItem]:
    """Check every case under ``paths`` (files, directories recursively, JSON Lines), in input order.

    Returns an iterator of :class:`BatchItem`, one per input: a report, or the error that
    rejected it. Nothing is collected, so memory stays flat however many cases there are.
    The evaluator is built here, before the first case, so a bad rule or calendar file
    raises its ``InputError`` now rather than failing every case. ``options`` defaults
    to judging as of today with the default engine.

    ``jobs > 1`` spreads the work over that many processes, unless there are fewer than
    ``POOL_MIN_INPUTS_PER_WORKER`` inputs per worker. With the "fork" start method the
    workers inherit ``evaluator``; with "spawn" they build their own from ``options``.
    ``on_skip(path, reason)`` hears of each directory entry that is not a case (hidden,
    ``_*``, not named like a case file), so that every entry is accounted for.
    """
    options = options or BatchOptions(as_of=dt.date.today())
    local = evaluator or Evaluator(engine=options.engine, calendar_files=options.calendar_files)
    return _run(paths, options, max(1, jobs), local, limits, _keep, on_skip)


def map_paths(paths: Sequence[str | Path], options: BatchOptions, function: Callable[[BatchItem], _T], *,
              jobs: int = 1, evaluator: Evaluator | None = None, limits: Limits = DEFAULT_LIMITS,
              on_skip: SkipCallback | None = None) -> Iterator[_T]:
    """Like :func:`check_paths`, but yields ``function(item)``, computed where the item was checked.

    This is the way to scale: with several workers only ``function``'s result crosses
    processes, not the report (pickling a report's hundred-odd pydantic objects costs
    about as much as checking the case, so ``check_paths`` gains little from workers
    with the native engine). The CLI passes a :class:`~legalcheck._report.rendering.Rendering`, so only output text
    travels. ``function`` must be picklable when workers are spawned rather than forked.
    """
    local = evaluator or Evaluator(engine=options.engine, calendar_files=options.calendar_files)
    return _run(paths, options, max(1, jobs), local, limits, function, on_skip)


def _run(paths: Sequence[str | Path], options: BatchOptions, jobs: int, evaluator: Evaluator, limits: Limits,
         finish: Callable[[BatchItem], _T], on_skip: SkipCallback | None = None) -> Iterator[_T]:
    units: Iterator[Job | CaseInput]
    if any(map(is_ledger, paths)):
        from .._model.ledger import iter_inputs

        # Ledgers (.xlsx, .csv) are read here, row by row into cases, and checked like case files.
        units = iter_inputs(paths, options.mapping, limits=limits)
    else:
        units = iter_jobs(paths, limits=limits, on_skip=on_skip)
    head: list[Job | CaseInput] = []
    if jobs > 1:
        threshold = jobs * POOL_MIN_INPUTS_PER_WORKER
        for unit in units:
            head.append(unit)
            if len(head) >= threshold:
                break
        else:
            jobs = 1  # a small batch: the pool would cost more than it saves
    if jobs == 1:
        for unit in _chain(head, units):
            yield finish(_process(evaluator, unit, options, limits))
        return
    global _WORKER
    context = _context()
    inherit = context.get_start_method() == "fork"
    if inherit:
        _WORKER = (evaluator, options, limits, finish)  # set before the first fork, read by the children
    try:
        yield from _Pool(jobs, context, options, limits, finish).run(_chain(head, units))
    finally:
        if inherit:
            _WORKER = None


def _chain(head: list[Job | CaseInput], rest: Iterator[Job | CaseInput]) -> Iterator[Job | CaseInput]:
    while head:  # pop as we go: the head list does not pin what was already checked
        yield head.pop(0)
    yield from rest


def default_jobs() -> int:
    """The number of cores this process may run on."""
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))


# --- progress on a terminal ------------------------------------------------------------------


def _ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


class Progress:
    """A one-line counter on ``stream`` (stderr) for long runs watched at a terminal.

    Silent unless ``stream`` is a terminal and ``CI`` is unset, so pipes, files and CI
    logs never see it (and unless ``wanted``: not when the report itself scrolls by on
    the same terminal); it appears only once the run has lasted ``delay`` seconds, is
    redrawn at most every ``interval`` seconds, and is erased by :meth:`close`.
    """

    def __init__(self, stream: TextIO, *, wanted: bool = True, delay: float = 2.0, interval: float = 0.25,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._stream = stream
        self._clock = clock
        self._start = self._clock()
        self._last = self._start
        self._delay = delay
        self._interval = interval
        self._shown = False
        isatty = getattr(stream, "isatty", None)
        self.enabled = wanted and bool(isatty and isatty()) and not _ci()

    def update(self, summary: Summary) -> None:
        if not self.enabled:
            return
        now = self._clock()
        if now - self._start < self._delay or now - self._last < self._interval:
            return
        self._last = now
        rate = summary.found / max(now - self._start, 1e-9)
        self._stream.write(f"\r\033[K{summary.found} found · {summary.checked} checked · "
                           f"{summary.rejected} rejected · {rate:,.0f}/s")
        self._stream.flush()
        self._shown = True

    def close(self) -> None:
        if self._shown:
            self._stream.write("\r\033[K")
            self._stream.flush()
            self._shown = False
