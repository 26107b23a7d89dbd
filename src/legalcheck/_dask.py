"""Batch checks on a Dask cluster, with the same accounting as a local run (see docs/cluster.md).

* The unit of work is a *shard*: one JSON Lines file (a local path, or any fsspec URL the
  installation reads), or a group of single-case files. One shard is one task and one
  output file, ``DIR/part-NNNNN.jsonl``, whose lines are in the shard's input order.
* Each record goes through the local batch's own code (``_batch.pool._process`` and
  :class:`~legalcheck._report.rendering.Rendering`), so a cluster run writes the bytes a local
  run writes, and a broken line is rejected with its shard name and line number.
* Nothing lost, nothing twice: a task streams its shard into a hidden temporary file and
  renames it to its part name at the end. Dask re-runs the tasks of a worker that dies;
  a re-run writes the same part again, so every record is in exactly one part file.
* Only counts cross the network (a :class:`PartSummary` per shard), never reports.
* The evaluator is built once per worker process and options (:func:`worker_evaluator`).

This module imports dask and distributed, which the ``dask`` extra installs; the rest of
legalcheck never imports it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import json
import logging
import os
import re
import sys
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, TextIO, TypeVar

import dask.bag as db
import fsspec
from dask.base import compute
from dask.delayed import Delayed, delayed
from distributed import Client, KilledWorker, LocalCluster

from ._batch.pool import (
    BatchItem,
    BatchOptions,
    Summary,
    _ci,
    _keep,
    _process,
    default_jobs,
)
from ._core.errors import CaseError, InputError, LegalcheckError
from ._core.safe_yaml import DEFAULT_LIMITS, Limits
from ._core.vocabulary import Lang, joined, say, word
from ._evaluation.evaluator import Evaluator
from ._model.case import Case
from ._model.loader import CaseInput, Job, iter_case_files, iter_jobs, jsonl_jobs_from
from ._report.rendering import Rendering

_T = TypeVar("_T")

FILES_PER_SHARD = 256  # single-case files grouped into one task: enough to amortise a task's overhead
SUMMARY_NAME = "summary.json"
_PART = re.compile(r"^part-\d{5,}\.jsonl$")
_TEMPORARY = re.compile(r"^\.part-\d{5,}\.jsonl\.tmp-[0-9a-f]+$")
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


class ClusterError(LegalcheckError):
    """The cluster cannot be used: a malformed --cluster value, or a scheduler that does not answer (exit 2)."""

    exit_code = 2


# --- shards ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Shard:
    """One task's input: a JSON Lines file (``url``), or a group of single-case files and listing errors."""

    url: str | None = None
    units: tuple[Job | CaseInput, ...] = ()

    @property
    def name(self) -> str:
        if self.url is not None:
            return self.url
        return self.units[0].source if self.units else ""


def is_url(path: str | Path) -> bool:
    return isinstance(path, str) and bool(_URL.match(path))


def plan_shards(paths: Sequence[str | Path], *, files_per_shard: int = FILES_PER_SHARD) -> list[Shard]:
    """The shards under ``paths``, in the order a local run reads them.

    Local paths are listed as a local run lists them (directories recursively, hidden and
    ``_*`` files skipped; a missing path is an error in the output, not an exception).
    A URL is expanded by fsspec (globs allowed) and must name JSON Lines files.
    """
    shards: list[Shard] = []
    pending: list[Job | CaseInput] = []

    def flush() -> None:
        if pending:
            shards.append(Shard(units=tuple(pending)))
            pending.clear()

    for raw in paths:
        if is_url(raw):
            flush()
            shards.extend(Shard(url=url) for url in _expand_url(str(raw)))
            continue
        for item in iter_case_files([raw]):
            if isinstance(item, InputError):
                pending.append(CaseInput(str(item.problems[0].location.file), None, item))
            elif item.suffix.lower() == ".jsonl":
                flush()
                shards.append(Shard(url=str(item)))
            else:
                pending.append(Job(str(item), str(item)))
            if len(pending) >= files_per_shard:
                flush()
    flush()
    return shards


def _expand_url(url: str) -> list[str]:
    fs, _token, found = fsspec.core.get_fs_token_paths(url, mode="rb", expand=True)
    if not found and not fs.exists(url):
        return [url]  # the task reports it as missing, like a local path
    protocol = fs.protocol[0] if isinstance(fs.protocol, tuple | list) else fs.protocol
    return [path if is_url(path) else f"{protocol}://{path}" for path in sorted(found)]


def shard_units(shard: Shard, limits: Limits = DEFAULT_LIMITS) -> Iterator[Job | CaseInput]:
    """What a shard holds, read lazily where the task runs, with the local run's sources and errors."""
    if shard.url is None:
        yield from shard.units
    elif is_url(shard.url):
        yield from _url_jobs(shard.url, limits)
    else:
        yield from iter_jobs([shard.url], limits=limits)


def _url_jobs(url: str, limits: Limits) -> Iterator[Job | CaseInput]:
    """A JSON Lines shard that fsspec opens: one job per non-blank line, as for a local file."""
    try:
        handle = fsspec.open(url, "rb").open()
    except (OSError, ValueError) as exc:
        yield CaseInput(url, None, CaseError.at(code="unreadable", what="file", detail=exc, file=url))
        return
    with handle:
        yield from jsonl_jobs_from(url, handle, limits)


# --- the evaluator, once per worker process ---------------------------------------------------

_EVALUATORS: dict[tuple[str | None, tuple[Path, ...]], Evaluator] = {}
_EVALUATORS_LOCK = threading.Lock()


def worker_evaluator(options: BatchOptions) -> Evaluator:
    """The evaluator for ``options`` in this process, built by the first task that needs it.

    Building one compiles every rule (about a second); a task is a shard, and a worker
    runs many, so the cost is paid once per worker process, not per task or record.
    """
    key = (options.engine, options.calendar_files)
    evaluator = _EVALUATORS.get(key)
    if evaluator is None:
        with _EVALUATORS_LOCK:
            evaluator = _EVALUATORS.get(key)
            if evaluator is None:
                evaluator = _EVALUATORS[key] = Evaluator(engine=options.engine,
                                                         calendar_files=options.calendar_files)
    return evaluator


# --- bags ------------------------------------------------------------------------------------


def read_shards(paths: Sequence[str | Path], *, limits: Limits = DEFAULT_LIMITS) -> db.Bag:
    """A bag of the records under ``paths``: one partition per shard, records in input order.

    Elements are :class:`~legalcheck._model.loader.Job` (one JSON Lines line with its shard
    and line number, or one case file) or a ``CaseInput`` holding the error that stopped
    a read; :func:`check_bag` takes them as they are.
    """
    shards = plan_shards(paths)
    if not shards:
        empty: db.Bag = db.from_sequence([], npartitions=1)
        return empty
    bag: db.Bag = db.from_delayed([delayed(_read_shard)(shard, limits) for shard in shards])
    return bag


def _read_shard(shard: Shard, limits: Limits) -> list[Job | CaseInput]:
    return list(shard_units(shard, limits))


def check_bag(records: db.Bag, options: BatchOptions, *, limits: Limits = DEFAULT_LIMITS) -> db.Bag:
    """A bag of :class:`~legalcheck.BatchItem`, one per record, in input order within each partition.

    Records may be JSON Lines text (``str`` or ``bytes``), case dicts, :class:`~legalcheck.Case`
    objects, or what :func:`read_shards` yields. A record that is not a case becomes an
    item with its located error (``partition-00003:17`` is the 17th record of the
    fourth partition, when the record does not carry its own source).
    """
    return map_bag(records, options, _keep, limits=limits)


def map_bag(records: db.Bag, options: BatchOptions, function: Callable[[BatchItem], Any], *,
            limits: Limits = DEFAULT_LIMITS) -> db.Bag:
    """Like :func:`check_bag`, but each element is ``function(item)``, computed where it was checked.

    Pass a :class:`~legalcheck._report.rendering.Rendering` to move only text between processes:
    a report's pydantic objects cost as much to pickle as the check itself.
    """
    parts = records.to_delayed()
    bag: db.Bag = db.from_delayed([delayed(_map_partition)(part, index, options, function, limits)
                            for index, part in enumerate(parts)])
    return bag


def _map_partition(records: Any, index: int, options: BatchOptions, function: Callable[[BatchItem], _T],
                   limits: Limits) -> list[_T]:
    return [function(item) for item in check_records(records, options, name=f"partition-{index:05d}",
                                                     limits=limits)]


def check_records(records: Iterable[Any], options: BatchOptions, *, name: str = "records",
                  limits: Limits = DEFAULT_LIMITS) -> Iterator[BatchItem]:
    """Check records wherever they are iterated (a bag's partition, a Spark partition), in order.

    Records are what :func:`check_bag` takes; ``name:N`` is the source of the N-th record
    that carries none (blank lines are skipped, and counted, as in a JSON Lines file). The
    evaluator is this process's (:func:`worker_evaluator`).
    """
    evaluator = worker_evaluator(options)
    for number, record in enumerate(records, 1):
        if isinstance(record, str | bytes) and not record.strip():
            continue  # a blank line is no record, as in a local run (it still counts for line numbers)
        yield _process(evaluator, as_unit(record, name, number), options, limits)


def jsonl_line(item: BatchItem) -> str:
    """An item as the line ``legalcheck check --format jsonl`` writes for it (with its newline)."""
    return Rendering("jsonl")(item).text


def as_unit(record: Any, name: str, number: int) -> Job | CaseInput:
    """One bag element as the batch's unit of work; ``name:number`` is its source if it has none."""
    source = f"{name}:{number}"
    if isinstance(record, Job | CaseInput):
        return record
    if isinstance(record, Case):
        return CaseInput(source, record, None)
    if isinstance(record, str):
        record = record.encode("utf-8", "surrogatepass")
    if isinstance(record, bytes):
        return Job(source, name, number, record)
    if isinstance(record, dict):
        try:
            text = json.dumps(record, ensure_ascii=False, default=_json_value).encode("utf-8", "surrogatepass")
        except (TypeError, ValueError) as exc:
            return CaseInput(source, None, CaseError.at(code="not-json-value", detail=exc, file=source))
        return Job(source, name, number, text)
    return CaseInput(source, None, CaseError.at(
        code="unsupported-source",
        detail=f"a case record must be JSON text, a dict or a Case, not {type(record).__name__}",
        file=source))


def _json_value(value: object) -> str:
    if isinstance(value, dt.date):  # YAML loaders give dates as date objects
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not a JSON value")


# --- writing parts ---------------------------------------------------------------------------


@dataclass
class PartSummary:
    """What one shard's task reports back: its part file and the counts, never the reports."""

    part: str
    shard: str
    summary: Summary = field(default_factory=Summary)
    severities: Counter[str] = field(default_factory=Counter)  # findings in the checked reports, by severity


def part_name(index: int) -> str:
    return f"part-{index:05d}.jsonl"


def write_part(shard: Shard, index: int, out_dir: str, options: BatchOptions, rendering: Rendering,
               limits: Limits = DEFAULT_LIMITS) -> PartSummary:
    """Check one shard and write ``out_dir/part-INDEX.jsonl``, all at once or not at all."""
    evaluator = worker_evaluator(options)
    result = PartSummary(part_name(index), shard.name)
    with _atomic_write(out_dir, result.part) as handle:
        for unit in shard_units(shard, limits):
            item = _process(evaluator, unit, options, limits)
            if item.report is not None:
                result.severities.update(item.report.counts.model_dump())
            output = rendering(item)
            result.summary.add(output)
            handle.write(output.data)
    return result


@contextlib.contextmanager
def _atomic_write(directory: str, name: str) -> Iterator[BinaryIO]:
    """A file under ``directory`` that appears under ``name`` only once it is complete.

    Locally: a hidden temporary file renamed over ``name``, so a worker killed mid-write
    leaves no half part, and a re-run simply replaces the part. For an fsspec URL: the
    file system's own writer (object stores publish an object when it is closed).
    """
    if is_url(directory):
        with fsspec.open(f"{directory.rstrip('/')}/{name}", "wb") as remote:
            yield remote
        return
    temporary = os.path.join(directory, f".{name}.tmp-{uuid.uuid4().hex}")
    try:
        with open(temporary, "wb") as handle:
            yield handle
        os.replace(temporary, os.path.join(directory, name))
    finally:
        with contextlib.suppress(OSError):
            os.unlink(temporary)  # gone after the rename; left only by a failure


def part_tasks(shards: Sequence[Shard], out_dir: str | Path, options: BatchOptions, rendering: Rendering | None = None,
               *, limits: Limits = DEFAULT_LIMITS) -> list[Delayed]:
    """One delayed :func:`write_part` per shard, ``part-00000.jsonl`` for the first shard, and so on."""
    rendering = rendering or Rendering("jsonl")
    run = uuid.uuid4().hex[:12]  # a fresh key per run: a second run must write its parts, not reuse results
    return [delayed(write_part)(shard, index, str(out_dir), options, rendering, limits,
                                     dask_key_name=f"legalcheck-part-{index:05d}-{run}")
            for index, shard in enumerate(shards)]


# --- the run ----------------------------------------------------------------------------------


@dataclass
class ClusterSummary:
    """A whole run: the local batch's :class:`Summary` (same exit code), findings by severity, the parts."""

    summary: Summary
    severities: Counter[str]
    parts: list[PartSummary]

    @property
    def exit_code(self) -> int:
        return self.summary.exit_code

    def to_json(self) -> dict[str, Any]:
        s = self.summary
        return {
            "found": s.found, "checked": s.checked, "rejected": s.rejected, "violations": s.violations,
            "internal_errors": s.internal_errors, "exit_code": s.exit_code,
            "rejected_by_reason": dict(sorted(s.reasons.items(), key=lambda kv: (-kv[1], kv[0]))),
            "findings_by_severity": {key: self.severities.get(key, 0) for key in ("violation", "warning", "notice")},
            "pending_obligations": self.severities.get("pending", 0),
            "parts": [{"part": p.part, "shard": p.shard, "found": p.summary.found, "checked": p.summary.checked,
                       "rejected": p.summary.rejected} for p in self.parts],
        }


def merge(parts: Sequence[PartSummary]) -> ClusterSummary:
    """The parts' counts added up, field by field (so a count added to :class:`Summary` is added here too)."""
    total = Summary()
    severities: Counter[str] = Counter()
    for part in parts:
        for spec in dataclasses.fields(Summary):
            mine, theirs = getattr(total, spec.name), getattr(part.summary, spec.name)
            if isinstance(mine, Counter):
                mine.update(theirs)
            else:
                setattr(total, spec.name, mine + theirs)
        severities.update(part.severities)
    return ClusterSummary(total, severities, list(parts))


def prepare_output(out_dir: str | Path) -> None:
    """Create ``out_dir`` and remove a previous run's parts and summary, so no stale part is counted."""
    directory = str(out_dir)
    if is_url(directory):
        fs, _token, (root,) = fsspec.core.get_fs_token_paths(directory)
        fs.makedirs(root, exist_ok=True)
        for stale in fs.glob(f"{root.rstrip('/')}/part-*.jsonl") + fs.glob(f"{root.rstrip('/')}/{SUMMARY_NAME}"):
            fs.rm(stale)
        return
    os.makedirs(directory, exist_ok=True)
    for entry in os.scandir(directory):
        if entry.is_file() and (_PART.match(entry.name) or entry.name == SUMMARY_NAME):
            os.unlink(entry.path)


def finish_output(out_dir: str | Path, result: ClusterSummary) -> None:
    """Write ``summary.json`` and drop temporary files that workers killed mid-write left behind."""
    directory = str(out_dir)
    text = json.dumps(result.to_json(), ensure_ascii=False, indent=2) + "\n"
    if is_url(directory):
        with fsspec.open(f"{directory.rstrip('/')}/{SUMMARY_NAME}", "w", encoding="utf-8") as handle:
            handle.write(text)
        return
    for entry in os.scandir(directory):
        if _TEMPORARY.match(entry.name):
            with contextlib.suppress(OSError):
                os.unlink(entry.path)
    with _atomic_write(directory, SUMMARY_NAME) as handle:
        handle.write(text.encode("utf-8"))


def check_shards(paths: Sequence[str | Path], out_dir: str | Path, options: BatchOptions, *,
                 rendering: Rendering | None = None, client: Client | None = None, progress: bool = False,
                 timeout: float | None = None, limits: Limits = DEFAULT_LIMITS) -> ClusterSummary:
    """Check every record under ``paths`` on the cluster; write ``out_dir/part-*.jsonl`` and ``summary.json``.

    ``client`` is a ``distributed.Client``; without one, dask's current scheduler runs the
    tasks (a ``Client`` made earlier in this process is that scheduler). ``out_dir`` and
    the inputs must be reachable by every worker under the same name: a shared file
    system, or URLs of an object store. ``progress`` shows distributed's progress bar.
    """
    shards = plan_shards(paths)
    prepare_output(out_dir)
    tasks = part_tasks(shards, out_dir, options, rendering, limits=limits)
    parts: list[PartSummary]
    if client is None:
        parts = list(compute(*tasks))
    else:
        futures = client.compute(tasks)
        if progress:
            # stdout, or stderr when stdout is not the terminal (a redirected report).
            _show_progress(futures, sys.stdout if sys.stdout.isatty() or not sys.stderr.isatty() else sys.stderr)
        parts = client.gather(futures) if timeout is None else _gather(client, futures, timeout)
    result = merge(parts)
    finish_output(out_dir, result)
    return result


def _show_progress(futures: list[Any], stream: TextIO) -> None:
    """A bar over the parts as they complete. Drawn here from ``as_completed`` rather than by
    distributed's own progress widget, which runs a second scheduler connection and was seen to
    wait forever after the run it followed had finished."""
    from distributed import as_completed

    total = len(futures)
    width = 40

    def draw(done: int) -> None:
        filled = width * done // total if total else width
        percent = 100 * done // total if total else 100
        stream.write(f"\r[{'#' * filled}{' ' * (width - filled)}] | {percent}% Completed | {done}/{total} parts")
        stream.flush()

    draw(0)
    for done, _future in enumerate(as_completed(futures), start=1):
        draw(done)
    stream.write("\n")
    stream.flush()


def _gather(client: Client, futures: list[Any], timeout: float) -> list[PartSummary]:
    from distributed import wait

    wait(futures, timeout=timeout)
    gathered: list[PartSummary] = client.gather(futures)
    return gathered


# --- the command line ---------------------------------------------------------------------------


def connect(cluster: str) -> tuple[Client, LocalCluster | None]:
    """A client for ``local``, ``local:N`` (N worker processes here) or a scheduler address."""
    if cluster == "local" or cluster.startswith("local:"):
        count = cluster.partition(":")[2]
        if count and not (count.isdigit() and int(count) >= 1):
            raise ClusterError(f"--cluster {cluster!r}: write local:N with N >= 1 worker processes")
        workers = int(count) if count else default_jobs()
        # One thread per worker: checking is pure Python, so threads would only share one core.
        # Everything listens on the loopback interface only, its HTTP endpoints on a free port.
        local = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                             dashboard_address="127.0.0.1:0", silence_logs=logging.ERROR)
        return Client(local), local
    if "://" not in cluster:
        raise ClusterError(f"--cluster {cluster!r}: expected local:N or a scheduler address such as "
                           "tcp://scheduler:8786")
    try:
        return Client(cluster, timeout="20s"), None
    except (OSError, TimeoutError) as exc:
        raise ClusterError(f"cannot reach the Dask scheduler at {cluster}: {exc}") from None


def run_cli(paths: Sequence[str], out_dir: Path, options: BatchOptions, rendering: Rendering, cluster: str,
            lang: Lang) -> int:
    """``legalcheck check --cluster``: run, print the counts to stderr, return the local run's exit code."""
    from ._report.reporters.text import render_summary

    client, local = connect(cluster)
    try:
        terminal = (sys.stdout.isatty() or sys.stderr.isatty()) and not _ci()
        result = check_shards(paths, out_dir, options, rendering=rendering, client=client, progress=terminal)
    except KilledWorker as exc:
        # Dask gives a task up once it was running on a few workers that all died (allowed-failures).
        raise LegalcheckError(f"the cluster gave a shard up after it killed several workers ({exc}); the parts "
                              f"written so far are in {out_dir}, and no summary was written") from None
    finally:
        client.close()
        if local is not None:
            local.close()
    summary = result.summary
    reasons = summary.reasons_text(lang)
    severities = result.to_json()["findings_by_severity"]
    by_severity = say("cluster_findings", lang, counts=joined(
        [say("count_of", lang, label=word(k, lang), count=v) for k, v in severities.items()], lang))
    print(render_summary(summary, lang).rstrip() + (f"\n{reasons}" if reasons else "") + f"\n{by_severity}\n"
          + say("cluster_output", lang, parts=f"{out_dir}/part-*.jsonl", summary=f"{out_dir}/{SUMMARY_NAME}"),
          file=sys.stderr)
    return summary.exit_code

