"""Throughput and memory of legalcheck, each figure beside a baseline measured in the same run.

    python bench/run.py            # the standard run (11-14 minutes on a quiet 2-core machine)
    python bench/run.py --quick    # a fast sanity run (tens of seconds)
    python bench/run.py --long     # adds RSS over 1,000,000 cases per engine (long: see docs/performance.md)
    python bench/run.py --profile  # adds the top functions of an end-to-end run (cProfile)
    python bench/run.py --only workers   # one section (engines, startup, io-floor, loading, end-to-end, workers,
                                         # hostile, cluster)

Machines are noisy, so absolute numbers mean little: every figure is paired with a
baseline doing the same amount of work on the same records, measured interleaved
with it (subject, baseline, subject, ...), and the best of each is kept. The
ratios are what docs/performance.md records and what the targets are about:

* native evaluator's verdict (``is_compliant``) vs hand-written Python checks of the same rules
  (LC1003, LC1006): <= 2x; the full report beside it
* durable-rules engine vs native engine, full rule set: <= 5x
* one CLI run in a fresh process vs ``python -c "import pydantic, yaml, click"``: ``check one-case.yaml``
  <= 2.5x, ``--version`` <= 1.5x, ``deadline`` <= 2x (``--only startup``)
* ``check`` JSON Lines in -> out vs the I/O floor (validate each record, dump its pre-built report): <= 5x
  (``--only io-floor``)
* JSON Lines loading end to end vs bare ``Case.model_validate_json`` on the same lines: <= 3x
* 2 worker processes vs 1: >= 1.7x
* a 1 MB case rendered with ``--redact`` vs without: <= 5x
* a report with a 32,000-character agency name as HTML vs as Markdown: <= 2x
* on a Dask LocalCluster (``--only cluster``, needs the ``dask`` extra), 200,000 records: 2 workers
  vs 1 >= 1.7x, and Dask within 1.3x of the local pool (``--jobs``) at the same worker count

The cases are the rules' own examples, varied (ids, dates shifted around holidays),
written once as YAML files and as one JSON Lines file in a temporary directory.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import gc
import io
import json
import multiprocessing
import os
import pstats
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from legalcheck import Case, Evaluator
from legalcheck._batch import pool as _batch
from legalcheck._batch.pool import BatchOptions, check_paths, map_paths
from legalcheck._core.paths import data_dir
from legalcheck._dates.calendar import Calendar
from legalcheck._engines.protocol import available_engines
from legalcheck._law.rules import load_ruleset
from legalcheck._model.loader import case_from_json, iter_cases
from legalcheck._report.rendering import Rendering

AS_OF = dt.date(2025, 12, 1)
EARLIEST = dt.date(2022, 6, 1)  # after the 2022 regulations took effect; the calendar covers it
PAGE = os.sysconf("SC_PAGE_SIZE")


# --- the corpus ------------------------------------------------------------------------------


def example_cases() -> list[dict[str, Any]]:
    """Every rule example's case as a plain dict, with the shared registry renamed ``_agencies.yaml``."""
    ruleset = load_ruleset(data_dir("rules"), data_dir("packs"))
    cases = []
    for compiled in ruleset.rules:
        for example in compiled.rule.examples:
            case = json.loads(json.dumps(example.case))
            if "agency_registry" in case:
                case["agency_registry"] = "_agencies.yaml"
            cases.append(case)
    return cases


def _shift(case: dict[str, Any], days: int) -> None:
    for event in case.get("events", []):
        for key in ("date", "end", "report_by"):
            if isinstance(event.get(key), str):
                event[key] = (dt.date.fromisoformat(event[key]) + dt.timedelta(days=days)).isoformat()


def make_corpus(count: int, seed: int = 20251201) -> list[dict[str, Any]]:
    """``count`` cases varied from the examples: new ids, every date shifted by the same random amount."""
    rng = random.Random(seed)
    bases = example_cases()
    corpus = []
    for index in range(count):
        case = json.loads(json.dumps(bases[index % len(bases)]))
        dates = [dt.date.fromisoformat(e["date"]) for e in case.get("events", []) if "date" in e]
        if dates:
            low = (EARLIEST - min(dates)).days
            high = (AS_OF - dt.timedelta(days=1) - max(dates)).days
            if low <= high:
                _shift(case, rng.randint(low, high))
        case["id"] = f"bench-{index:07d}"
        corpus.append(case)
    return corpus


@dataclass
class Inputs:
    root: Path
    yaml_dir: Path
    jsonl: Path
    lines: list[bytes]
    cases: list[Case]


def write_inputs(root: Path, corpus: list[dict[str, Any]]) -> Inputs:
    yaml_dir = root / "yaml"
    yaml_dir.mkdir()
    registry = data_dir("rules") / "agencies.yaml"
    shutil.copy(registry, yaml_dir / "_agencies.yaml")
    shutil.copy(registry, root / "_agencies.yaml")
    lines = []
    for index, case in enumerate(corpus):
        (yaml_dir / f"case-{index:07d}.yaml").write_text(
            yaml.safe_dump(case, allow_unicode=True, sort_keys=False), encoding="utf-8")
        lines.append(json.dumps(case, ensure_ascii=False).encode("utf-8") + b"\n")
    jsonl = root / "cases.jsonl"
    jsonl.write_bytes(b"".join(lines))
    cases = [item.case for item in iter_cases([jsonl]) if item.case is not None]
    return Inputs(root, yaml_dir, jsonl, lines, cases)


# --- hand-written checks: the baseline for the evaluator ----------------------------------------


def _due(start: dt.date, days: int, calendar: Calendar) -> tuple[dt.date, dt.date]:
    """Strict and effective due date of a calendar-day period (start day not counted, rest days roll over)."""
    strict = start + dt.timedelta(days=days)
    effective = strict if calendar.is_working_day(strict) else calendar.next_working_day(strict)
    return strict, effective


def _status(strict: dt.date, effective: dt.date, actual: dt.date | None, as_of: dt.date) -> str:
    if actual is not None:
        return "met" if actual <= strict else "met_by_roll_over" if actual <= effective else "late"
    return "overdue" if as_of > effective else "pending"


_POLITICAL_LEGAL = frozenset({"political_legal", "public_security", "justice_administration"})
_LAWFUL_REFUSALS = frozenset({"already_accepted", "concluded_after_rereview"})


def hand_checks(case: Case, as_of: dt.date, calendar: Calendar) -> list[tuple[str, int, str]]:
    """LC1003 and LC1006 written out by hand: (rule, event index, outcome) for each trigger not met in time.

    LC1003: a petition bureau that receives a matter disposes of it within 15 days: forwards
    or assigns it, or refuses it lawfully (already accepted, concluded after re-review); not
    for litigation-related visits. LC1006: an agency other than a petition bureau that
    receives a matter directly notifies the petitioner in writing within 15 days (not when
    every petitioner's name or address is recorded as unclear, nor when other rules govern
    the notice); where no petitioner is notifiable and not every one is recorded as unclear,
    an unmet duty is ``undetermined`` (the file lacks the name or address).
    """
    agencies = {a.id: a for a in case.agencies}
    order = sorted((i for i, e in enumerate(case.events) if e.date <= as_of), key=lambda i: (case.events[i].date, i))
    events = [case.events[i] for i in order]
    lc1003 = not (case.channel.value == "visit" and case.flags.litigation_related)
    petitioners = case.petitioners
    unclear = [p.name_unclear or p.address_unclear for p in petitioners]
    notifiable = any(p.name and p.address and not u for p, u in zip(petitioners, unclear, strict=True))
    nobody_notifiable = bool(petitioners) and all(unclear)
    out: list[tuple[str, int, str]] = []
    undetermined_1006: dict[str, int] = {}  # one gap per agency: the same missing facts
    for seq, event in enumerate(events):
        if event.kind != "received" or event.date < dt.date(2022, 5, 1):
            continue
        agency = agencies.get(event.agency)
        kind = agency.kind.value if agency is not None else None
        later = events[seq + 1:]
        if lc1003 and kind == "petition_bureau":
            done = next((e.date for e in later if e.agency == event.agency and (
                e.kind in ("forwarded", "assigned") or (e.kind == "refused" and e.reason in _LAWFUL_REFUSALS))),
                None)
            strict, effective = _due(event.date, 15, calendar)
            status = _status(strict, effective, done, as_of)
            if status != "met":
                out.append(("LC1003", order[seq], status))
        other_rules = ((kind in _POLITICAL_LEGAL and case.flags.litigation_related)
                       or (kind == "discipline_inspection" and case.category.value == "accusation"))
        if ((notifiable or not nobody_notifiable) and getattr(event, "via", None) == "direct"
                and kind != "petition_bureau" and not other_rules):
            done = next((e.date for e in later if e.kind == "notified" and e.agency == event.agency
                         and getattr(e, "written", False)), None)
            strict, effective = _due(event.date, 15, calendar)
            status = _status(strict, effective, done, as_of)
            if notifiable and status != "met":
                out.append(("LC1006", order[seq], status))
            elif not notifiable and status in ("late", "overdue"):
                undetermined_1006[event.agency] = min(order[seq], undetermined_1006.get(event.agency, order[seq]))
    out += [("LC1006", index, "undetermined") for index in undetermined_1006.values()]
    return sorted(out)


def evaluator_outcomes(evaluator: Evaluator, case: Case, as_of: dt.date) -> list[tuple[str, int, str]]:
    """The same triples from the evaluator's report, to show the baseline does the same work."""
    report = evaluator.check(case, as_of=as_of)
    out = [(f.rule_id, int(f.events[0].path[7:-1]), f.deadline.status) for f in report.findings
           if f.deadline is not None]
    out += [(p.rule_id, int(p.trigger.path[7:-1]), "pending") for p in report.pending]
    out += [(u.rule_id, int(u.event.path[7:-1]) if u.event else -1, "undetermined") for u in report.undetermined]
    return sorted(out)


def subset_rules_dir(root: Path, rule_ids: Iterable[str]) -> Path:
    """A rules directory holding only ``rule_ids`` (and the shared files beside them)."""
    source = data_dir("rules")
    target = root / "rules-subset"
    target.mkdir()
    for path in source.iterdir():
        if path.is_file():
            shutil.copy(path, target / path.name)
    wanted = tuple(rule_ids)
    for instrument in (p for p in source.iterdir() if p.is_dir()):
        (target / instrument.name).mkdir()
        for rule in instrument.glob("LC*.yaml"):
            if rule.name.startswith(wanted):
                shutil.copy(rule, target / instrument.name / rule.name)
    return target


# --- measuring -------------------------------------------------------------------------------


def paired(subject: Callable[[], object], baseline: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Best CPU time of each (this process only), run interleaved so that both see the same machine.

    CPU time, not wall time: other processes on a busy machine stretch wall time but
    hardly the CPU time of single-threaded work, so the ratio survives the noise.
    """
    best_subject = best_baseline = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        baseline()
        best_baseline = min(best_baseline, time.process_time() - start)
        start = time.process_time()
        subject()
        best_subject = min(best_subject, time.process_time() - start)
    return best_subject, best_baseline


@dataclass
class Timing:
    wall: float
    parent_cpu: float
    children_cpu: float

    @property
    def quiet_wall(self) -> float:
        """The least wall time this run could take on 2 idle cores: the parent and the workers share them."""
        return max(self.parent_cpu, (self.parent_cpu + self.children_cpu) / 2)


def timed(run: Callable[[], object]) -> Timing:
    def cpu(who: int) -> float:
        usage = resource.getrusage(who)
        return usage.ru_utime + usage.ru_stime

    parent, children, wall = cpu(resource.RUSAGE_SELF), cpu(resource.RUSAGE_CHILDREN), time.perf_counter()
    run()
    return Timing(time.perf_counter() - wall, cpu(resource.RUSAGE_SELF) - parent,
                  cpu(resource.RUSAGE_CHILDREN) - children)


def best_timings(two: Callable[[], object], one: Callable[[], object], repeat: int) -> tuple[Timing, Timing]:
    """Interleaved runs of each; the fastest by wall time of each is kept."""
    twos, ones = [], []
    for _ in range(repeat):
        ones.append(timed(one))
        twos.append(timed(two))
    return min(twos, key=lambda t: t.wall), min(ones, key=lambda t: t.wall)


def rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * PAGE / 1e6


def maxrss_mb(who: int = resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # kilobytes on Linux


@dataclass
class Row:
    name: str
    value: str
    baseline: str = ""
    ratio: float | None = None
    target: str = ""

    def verdict(self) -> str:
        if self.ratio is None or not self.target:
            return ""
        op, bound = self.target[:2], float(self.target[2:].rstrip("x"))
        ok = self.ratio <= bound if op == "<=" else self.ratio >= bound
        return "met" if ok else "MISSED"


ROWS: list[Row] = []


def report(row: Row) -> None:
    ROWS.append(row)
    ratio = f"{row.ratio:.2f}x" if row.ratio is not None else ""
    print(f"  {row.name:<58} {row.value:>16} {row.baseline:>16} {ratio:>8} {row.target:>7} {row.verdict()}",
          flush=True)


def cps(count: int, seconds: float) -> str:
    return f"{count / seconds:,.0f}/s"


def consume(items: Iterable[object]) -> int:
    """Run an iterator to its end, keeping nothing.

    Keeping thousands of reports alive would make each full garbage collection walk
    them all, and the measurement would be of the collector, not of the checks.
    """
    return sum(1 for _ in items)


def each(function: Callable[[Any], object], items: Iterable[Any]) -> Callable[[], int]:
    return lambda: consume(function(item) for item in items)


# --- the sections ------------------------------------------------------------------------------


def hand_compliant(case: Case, as_of: dt.date, calendar: Calendar) -> bool:
    """The hand-written checks' verdict: no deadline missed (both rules' findings are violations) and
    nothing undetermined."""
    return not any(status in ("late", "overdue", "undetermined") for _, _, status in hand_checks(case, as_of, calendar))


def bench_engines(inputs: Inputs, engines: tuple[str, ...], repeat: int, root: Path) -> None:
    print("\npre-parsed cases, in one process (no I/O)")
    cases = inputs.cases
    native = Evaluator(engine="native")
    subset = Evaluator(engine="native", rules_dir=subset_rules_dir(root, ("LC1003-", "LC1006-")),
                       packs_dir=root / "no-packs")
    calendar = subset.calendar
    agree = sum(hand_checks(c, AS_OF, calendar) == evaluator_outcomes(subset, c, AS_OF)
                and hand_compliant(c, AS_OF, calendar) == subset.is_compliant(c, as_of=AS_OF) for c in cases)
    hand = each(lambda c: hand_checks(c, AS_OF, calendar), cases)
    # These rows take tens of milliseconds a round: more rounds make their best times steadier.
    many = max(repeat, 9)
    subject, baseline = paired(each(lambda c: subset.is_compliant(c, as_of=AS_OF), cases), hand, many)
    report(Row(f"native verdict (is_compliant), LC1003+LC1006 ({agree}/{len(cases)} agree) vs hand-written",
               cps(len(cases), subject), cps(len(cases), baseline), subject / baseline, "<=2x"))
    subject, baseline = paired(each(lambda c: subset.check(c, as_of=AS_OF), cases), hand, many)
    report(Row("native report (check), LC1003+LC1006 vs hand-written", cps(len(cases), subject),
               cps(len(cases), baseline), subject / baseline))
    rules = len(native.ruleset.rules)
    for c in cases[:50]:
        native.check(c, as_of=AS_OF)
    if "durable" in engines:
        durable = Evaluator(engine="durable")
        for c in cases[:50]:
            durable.check(c, as_of=AS_OF)
        steady = max(repeat, 5)  # a round takes seconds here; the best of 5 resists a noisy neighbour
        subject, baseline = paired(each(lambda c: durable.check(c, as_of=AS_OF), cases),
                                   each(lambda c: native.check(c, as_of=AS_OF), cases), steady)
        report(Row(f"durable vs native report, full rule set ({rules} rules)", cps(len(cases), subject),
                   cps(len(cases), baseline), subject / baseline, "<=5x"))
        subject, baseline = paired(each(lambda c: durable.is_compliant(c, as_of=AS_OF), cases),
                                   each(lambda c: native.is_compliant(c, as_of=AS_OF), cases), steady)
        report(Row(f"durable vs native verdict, full rule set ({rules} rules)", cps(len(cases), subject),
                   cps(len(cases), baseline), subject / baseline))
    else:
        report(Row("durable vs native: durable-rules not importable here", "skipped"))
    subject, baseline = paired(each(lambda c: native.is_compliant(c, as_of=AS_OF), cases), hand, many)
    report(Row(f"native verdict, full rule set ({rules} rules) vs hand-written 2 rules", cps(len(cases), subject),
               cps(len(cases), baseline), subject / baseline))
    subject, baseline = paired(each(lambda c: native.check(c, as_of=AS_OF), cases), hand, many)
    report(Row(f"native report, full rule set ({rules} rules) vs hand-written 2 rules", cps(len(cases), subject),
               cps(len(cases), baseline), subject / baseline))


def bench_loading(inputs: Inputs, repeat: int) -> None:
    print("\nloading (read, parse, validate, agency references; no checking)")
    lines = inputs.lines

    def bare_jsonl() -> None:
        with open(inputs.jsonl, "rb") as handle:
            for line in handle:
                Case.model_validate_json(line)

    subject, baseline = paired(lambda: consume(iter_cases([inputs.jsonl])), bare_jsonl, repeat)
    report(Row("JSON Lines loading vs bare Case.model_validate_json", cps(len(lines), subject),
               cps(len(lines), baseline), subject / baseline, "<=3x"))
    files = sorted(inputs.yaml_dir.glob("case-*.yaml"))
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    def bare_yaml() -> None:
        for path in files:
            data = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)  # noqa: S506 - the C safe loader
            Case.model_validate_json(json.dumps(data, default=str))

    subject, baseline = paired(lambda: consume(iter_cases([inputs.yaml_dir])), bare_yaml, repeat)
    report(Row("YAML files loading vs bare safe_load + validate", cps(len(files), subject),
               cps(len(files), baseline), subject / baseline))


_EVALUATORS: dict[str, Evaluator] = {}


def warm_evaluator(engine: str, cases: list[Case]) -> Evaluator:
    """One evaluator per engine, built and warmed once, as in a long-running system.

    Building one (loading rules, regulations, calendar) takes a fraction of a second: in a
    run of a few thousand cases that one-off cost, paid once whatever the number of
    workers, would hide the throughput being measured.
    """
    if engine not in _EVALUATORS:
        evaluator = Evaluator(engine=engine)  # type: ignore[arg-type]
        for case in cases[:300]:
            evaluator.check(case, as_of=AS_OF)
        _EVALUATORS[engine] = evaluator
    return _EVALUATORS[engine]


def _stream(paths: list[Path], engine: str, jobs: int) -> int:
    options = BatchOptions(as_of=AS_OF, engine=engine)  # type: ignore[arg-type]
    sink = 0
    for output in map_paths(paths, options, Rendering("jsonl", "zh"), jobs=jobs, evaluator=_EVALUATORS.get(engine)):
        sink += len(output.data)
    return sink


def _pair_of_processes(run: Callable[[], object], together: bool) -> float:
    """Wall time of ``run`` in two separate processes, at the same time or one after the other."""
    context = multiprocessing.get_context("fork")
    start = time.perf_counter()
    if together:
        processes = [context.Process(target=run) for _ in range(2)]
        for process in processes:
            process.start()
        for process in processes:
            process.join()
    else:
        for _ in range(2):
            process = context.Process(target=run)
            process.start()
            process.join()
    return time.perf_counter() - start


def bench_end_to_end(inputs: Inputs, engines: tuple[str, ...], repeat: int) -> None:
    print("\nend to end, as the CLI runs: build the evaluator, read, check and render JSON Lines, one process")
    count = len(inputs.lines)
    options = BatchOptions(as_of=AS_OF, engine="native")

    def bare_jsonl() -> None:
        with open(inputs.jsonl, "rb") as handle:
            for line in handle:
                Case.model_validate_json(line)

    for engine in engines:
        subject, baseline = paired(lambda: _stream([inputs.jsonl], engine, 1), bare_jsonl, repeat)
        report(Row(f"{engine}: JSONL in, JSONL out vs bare validation", cps(count, subject), cps(count, baseline),
                   subject / baseline))
        subject, baseline = paired(lambda: _stream([inputs.yaml_dir], engine, 1), bare_jsonl, repeat)
        report(Row(f"{engine}: YAML files in, JSONL out vs bare validation", cps(count, subject),
                   cps(count, baseline), subject / baseline))
    evaluator = Evaluator(engine="native")
    subject, baseline = paired(lambda: consume(check_paths([inputs.jsonl], options, evaluator=evaluator)),
                               each(lambda c: evaluator.check(c, as_of=AS_OF), inputs.cases), repeat)
    report(Row("native: check_paths(JSONL) vs checking pre-parsed cases", cps(count, subject), cps(count, baseline),
               subject / baseline))


def bench_io_floor(inputs: Inputs, repeat: int) -> None:
    """`check` JSON Lines in -> JSON Lines out, against the I/O floor on the same records.

    The floor is what no checker can avoid: validating each record (``Case.model_validate_json``)
    and serialising its report (``model_dump_json`` of the report built beforehand). The subject
    is the CLI's streaming path in one process (``map_paths`` with the jsonl rendering, as
    ``legalcheck check cases.jsonl --format jsonl --jobs 1`` runs it), evaluator built in the run
    from the compiled cache, as every CLI run builds it.
    """
    print("\nend to end against the I/O floor: JSONL in, JSONL out, native, one process")
    count = len(inputs.lines)
    evaluator = Evaluator(engine="native")
    reports = [evaluator.check(case, as_of=AS_OF) for case in inputs.cases]
    assert len(reports) == count
    # The pre-built reports stay alive for the floor: frozen out of the collector's way, so that
    # neither side pays for walking them.
    gc.collect()
    gc.freeze()
    try:
        def floor() -> None:
            for line, built in zip(inputs.lines, reports, strict=True):
                Case.model_validate_json(line)
                built.model_dump_json()

        def check() -> None:
            options = BatchOptions(as_of=AS_OF, engine="native")
            for output in map_paths([inputs.jsonl], options, Rendering("jsonl", "zh"), jobs=1):
                del output

        subject, baseline = paired(check, floor, max(repeat, 5))
    finally:
        gc.unfreeze()
    reports.clear()
    report(Row("check JSONL->JSONL vs validate + dump (the I/O floor)", cps(count, subject), cps(count, baseline),
               subject / baseline, "<=5x"))


def _command_cpu(argv: list[str], env: dict[str, str]) -> float:
    """CPU time (user + system) of one run of ``argv`` in a child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def bench_startup(root: Path, repeat: int) -> None:
    """Single runs of the CLI against the floor of any Python CLI built on the same libraries.

    Each command and the floor run interleaved in fresh processes; the least CPU time of each
    is kept (the ratio is of CPU times: a neighbour stretches wall time, not CPU time). The
    compiled cache lives in a directory of this run, filled by a first run (as the user's is
    after their first); a row without the cache shows the cost it saves.
    """
    print(f"\nstart-up: one CLI run in a fresh process vs `python -c \"import pydantic, yaml, click\"`; "
          f"load average {os.getloadavg()[0]:.1f}")
    example = Path(__file__).resolve().parent.parent / "examples" / "violating-late-forward.yaml"
    source = str(Path(__file__).resolve().parent.parent / "src")
    env = {**os.environ, "LEGALCHECK_CACHE_DIR": str(root / "startup-cache"),
           "PYTHONPATH": os.pathsep.join(filter(None, (source, os.environ.get("PYTHONPATH"))))}
    env.pop("LEGALCHECK_NO_CACHE", None)
    # Bytecode as an installed package has it (pip compiles at install): written once, by the first
    # run, under a prefix of this run (never beside the sources), even where the environment says
    # not to write bytecode (compiling every module from source would double the figures).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(root / "pycache")
    cli = [sys.executable, "-m", "legalcheck"]
    floor = [sys.executable, "-c", "import pydantic, yaml, click"]
    check = [*cli, "check", str(example), "--as-of", "2025-12-01"]
    commands = [
        ("legalcheck --version", [*cli, "--version"], "<=1.5x"),
        ("legalcheck deadline 2025-09-26 5wd", [*cli, "deadline", "2025-09-26", "5wd"], "<=2x"),
        ("legalcheck check one-case.yaml --engine native", [*check, "--engine", "native"], "<=2.5x"),
        ("legalcheck check one-case.yaml (default engine)", check, "<=2.5x"),
        ("the same, --no-cache (rules loaded from YAML)", [*cli, "--no-cache", *check[3:]], ""),
        # What any program pays to validate anything with pydantic: its first model is built with
        # machinery (schema generation, plugin lookup) that `import pydantic` does not load.
        ("reference: the floor plus one pydantic model built and used",
         [sys.executable, "-c", "import pydantic, yaml, click\nclass M(pydantic.BaseModel):\n    x: int\nM(x=1)"],
         ""),
    ]
    for argv in (check, [*check, "--engine", "native"], [*cli, "deadline", "2025-09-26", "5wd"]):
        _command_cpu(argv, env)  # fills the caches, as a user's first run does
    rounds = max(repeat, 9)
    for name, argv, target in commands:
        best_subject = best_floor = float("inf")
        for _ in range(rounds):
            best_floor = min(best_floor, _command_cpu(floor, env))
            best_subject = min(best_subject, _command_cpu(argv, env))
        report(Row(name, f"{best_subject * 1000:,.0f} ms", f"{best_floor * 1000:,.0f} ms", best_subject / best_floor,
                   target))


def bench_workers(inputs: Inputs, engines: tuple[str, ...], repeat: int, stream_count: int) -> None:
    print(f"\nworker processes (JSONL in, JSONL out; rendering happens in the workers), {stream_count:,} records; "
          f"load average {os.getloadavg()[0]:.1f}")
    # Starting workers costs a fixed ~0.1 s each (forking, copy-on-write faults as they first touch
    # the inherited evaluator): the records are the corpus repeated, to measure a long run's rate.
    jsonl = inputs.root / "workers.jsonl"
    with open(jsonl, "wb") as handle:
        for index in range(stream_count):
            handle.write(inputs.lines[index % len(inputs.lines)])
    count = stream_count
    # What two processes on this machine gain at best: the same serial run twice, in two
    # independent processes, side by side vs one after the other (shared caches, memory
    # bandwidth and a virtual machine's vCPUs make this less than 2).
    alone = together = float("inf")
    for _ in range(repeat):
        alone = min(alone, _pair_of_processes(lambda: _stream([jsonl], "native", 1), together=False))
        together = min(together, _pair_of_processes(lambda: _stream([jsonl], "native", 1), together=True))
    ceiling = alone / together
    report(Row("ceiling: 2 independent processes side by side vs in turn", cps(2 * count, together),
               cps(2 * count, alone), ceiling))
    if ceiling < 1.6:
        print("  (the machine is busy: two processes cannot gain much now, so the wall-clock rows below say\n"
              "   little about legalcheck; rerun with --only workers when it is quiet)")
    for engine in engines:
        warm_evaluator(engine, inputs.cases)
        two, one = best_timings(lambda: _stream([jsonl], engine, 2), lambda: _stream([jsonl], engine, 1),
                                repeat)
        report(Row(f"{engine}: 2 workers vs 1, wall clock (speed-up)", cps(count, two.wall), cps(count, one.wall),
                   one.wall / two.wall, ">=1.7x"))
        report(Row(f"{engine}: the same, as a share of the ceiling", f"{one.wall / two.wall / ceiling:.0%}"))
        report(Row(f"{engine}: 2 workers vs 1, from CPU times on 2 idle cores", cps(count, two.quiet_wall),
                   cps(count, one.quiet_wall), one.quiet_wall / two.quiet_wall, ">=1.7x"))
    for engine in engines:
        options = BatchOptions(as_of=AS_OF, engine=engine)  # type: ignore[arg-type]
        evaluator = _EVALUATORS[engine]
        two, one = best_timings(lambda: consume(check_paths([jsonl], options, jobs=2, evaluator=evaluator)),
                                lambda: consume(check_paths([jsonl], options, jobs=1, evaluator=evaluator)),
                                repeat)
        report(Row(f"{engine}: check_paths (reports cross processes), 2 vs 1, wall", cps(count, two.wall),
                   cps(count, one.wall), one.wall / two.wall))
    # Where the pool starts to pay (POOL_MIN_INPUTS_PER_WORKER is set from this): pool forced.
    threshold = _batch.POOL_MIN_INPUTS_PER_WORKER
    _batch.POOL_MIN_INPUTS_PER_WORKER = 1
    try:
        for size in (32, 64, 128, 256, 512):
            small = inputs.root / f"small-{size}.jsonl"
            small.write_bytes(b"".join(inputs.lines[:size]))
            two, one = best_timings(lambda: _stream([small], "native", 2), lambda: _stream([small], "native", 1),
                                    max(repeat, 5))
            report(Row(f"native: {size} cases, a pool of 2 vs 1 process, wall", cps(size, two.wall),
                       cps(size, one.wall), one.wall / two.wall))
    finally:
        _batch.POOL_MIN_INPUTS_PER_WORKER = threshold


def bench_cluster(inputs: Inputs, count: int, shards: int) -> None:
    """The same records through the local pool (``--jobs N``) and a Dask LocalCluster of N workers.

    Both runs read the same shard files and write JSON Lines to disk, as the CLI does
    (``-o FILE`` for the pool, ``--cluster local:N -o DIR`` for Dask). The cluster is
    started before its run (its start-up is reported apart): a real cluster runs for
    hours, so its start is not part of the rate. Workers' CPU time per record, read
    from each worker process, is the cost that the estimate for a big cluster uses.
    """
    try:
        from distributed import Client, LocalCluster

        from legalcheck.dask import check_shards
    except ImportError:
        print("\ncluster: skipped (pip install -e '.[dask]')")
        return
    import logging

    print(f"\nDask LocalCluster vs the local pool: {count:,} records in {shards} JSON Lines shards, native, "
          f"JSONL written to disk; load average {os.getloadavg()[0]:.1f}")
    directory = inputs.root / "shards"
    directory.mkdir(exist_ok=True)
    shutil.copy(inputs.root / "_agencies.yaml", directory / "_agencies.yaml")
    paths = []
    per_shard = -(-count // shards)
    for shard in range(shards):
        path = directory / f"shard-{shard:04d}.jsonl"
        with open(path, "wb") as handle:
            for index in range(shard * per_shard, min(count, (shard + 1) * per_shard)):
                handle.write(inputs.lines[index % len(inputs.lines)])
        paths.append(path)
    options = BatchOptions(as_of=AS_OF, engine="native")
    warm_evaluator("native", inputs.cases)

    def local(jobs: int) -> Timing:
        def run() -> None:
            with open(inputs.root / "local.jsonl", "wb") as sink:
                for output in map_paths(paths, options, Rendering("jsonl", "zh"), jobs=jobs,
                                        evaluator=_EVALUATORS.get("native")):
                    sink.write(output.data)

        return timed(run)

    def worker_cpu(client: Any) -> dict[str, float]:
        usage = client.run(lambda: resource.getrusage(resource.RUSAGE_SELF)[:2])
        return {address: user + system for address, (user, system) in usage.items()}

    def dask(workers: int) -> tuple[Timing, float, float]:
        """The run's timing (the workers as children), the busiest worker's CPU time, the cluster's start-up."""
        start = time.perf_counter()
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                               dashboard_address="127.0.0.1:0", silence_logs=logging.ERROR)
        client = Client(cluster)
        started = time.perf_counter() - start
        try:
            before = worker_cpu(client)
            parent, wall = time.process_time(), time.perf_counter()
            result = check_shards(paths, inputs.root / "out", options, client=client)
            wall, parent = time.perf_counter() - wall, time.process_time() - parent
            spent = [cpu - before.get(address, 0.0) for address, cpu in worker_cpu(client).items()]
        finally:
            client.close()
            cluster.close()
        assert result.summary.found == count, result.summary
        return Timing(wall, parent, sum(spent)), max(spent), started

    def idle(timing: Timing, busiest: float) -> float:
        """Wall time on 2 idle cores from CPU times: no process faster than its own CPU time."""
        return max(timing.parent_cpu, busiest, (timing.parent_cpu + timing.children_cpu) / 2)

    # Interleaved, each once: 200,000 records take minutes a run.
    local_one = local(1)
    dask_one, dask_one_busiest, start_one = dask(1)
    local_two = local(2)
    dask_two, dask_two_busiest, start_two = dask(2)
    report(Row("dask: 2 workers vs 1, wall clock (speed-up)", cps(count, dask_two.wall), cps(count, dask_one.wall),
               dask_one.wall / dask_two.wall, ">=1.7x"))
    report(Row("local pool: --jobs 2 vs --jobs 1, wall clock (speed-up)", cps(count, local_two.wall),
               cps(count, local_one.wall), local_one.wall / local_two.wall))
    report(Row("1 worker: local pool vs dask, wall (dask's overhead)", cps(count, local_one.wall),
               cps(count, dask_one.wall), dask_one.wall / local_one.wall, "<=1.3x"))
    report(Row("2 workers: local pool vs dask, wall (dask's overhead)", cps(count, local_two.wall),
               cps(count, dask_two.wall), dask_two.wall / local_two.wall, "<=1.3x"))
    idle_dask_one, idle_dask_two = idle(dask_one, dask_one_busiest), idle(dask_two, dask_two_busiest)
    idle_local_one = idle(local_one, local_one.parent_cpu)
    idle_local_two = idle(local_two, local_two.children_cpu / 2)
    report(Row("dask: 2 workers vs 1, from CPU times on 2 idle cores", cps(count, idle_dask_two),
               cps(count, idle_dask_one), idle_dask_one / idle_dask_two, ">=1.7x"))
    report(Row("1 worker: local vs dask, from CPU times on 2 idle cores", cps(count, idle_local_one),
               cps(count, idle_dask_one), idle_dask_one / idle_local_one, "<=1.3x"))
    report(Row("2 workers: local vs dask, from CPU times on 2 idle cores", cps(count, idle_local_two),
               cps(count, idle_dask_two), idle_dask_two / idle_local_two, "<=1.3x"))
    report(Row("CPU per record: dask workers vs local pool workers (2)",
               f"{dask_two.children_cpu / count * 1e6:,.0f} µs", f"{local_two.children_cpu / count * 1e6:,.0f} µs",
               dask_two.children_cpu / local_two.children_cpu))
    report(Row("CPU per record: client + scheduler vs pool parent (2)", f"{dask_two.parent_cpu / count * 1e6:,.1f} µs",
               f"{local_two.parent_cpu / count * 1e6:,.1f} µs"))
    report(Row("dask: starting the LocalCluster of 1 / 2 workers", f"{start_one:.1f} s", f"{start_two:.1f} s"))
    per_record = dask_two.children_cpu / count
    total, workers = 50_000_000, 100
    print(f"  estimate: {total:,} records on {workers} workers at {per_record * 1e6:,.0f} µs of CPU each: "
          f"{total * per_record / workers / 60:,.0f} min of checking per worker, "
          f"{total * per_record / 3600:,.0f} CPU-hours in all (I/O and scheduling not included)")


def bench_memory(inputs: Inputs) -> None:
    print("\nmemory")
    report(Row("peak RSS of this process (ru_maxrss)", f"{maxrss_mb():,.0f} MB"))
    report(Row("peak RSS of worker processes (ru_maxrss, largest)", f"{maxrss_mb(resource.RUSAGE_CHILDREN):,.0f} MB"))


def _rss_of(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/statm") as handle:
            return int(handle.read().split()[1]) * PAGE / 1e6
    except OSError:
        return 0.0


def bench_long(inputs: Inputs, engines: tuple[str, ...], total: int) -> None:
    print(f"\nRSS over {total:,} checks per engine (pre-parsed cases, one process, one evaluator)")
    cases = inputs.cases
    step = max(total // 10, 1)
    for engine in engines:
        evaluator = Evaluator(engine=engine)  # type: ignore[arg-type]
        for case in cases:
            evaluator.check(case, as_of=AS_OF)
        start_rss, start = rss_mb(), time.perf_counter()
        last = start_rss
        for index in range(total):
            evaluator.check(cases[index % len(cases)], as_of=AS_OF)
            if (index + 1) % step == 0:
                last = rss_mb()
                print(f"    {engine}: {index + 1:>9,} checked, RSS {last:7.1f} MB", flush=True)
        report(Row(f"{engine}: RSS growth over {total:,} checks after warm-up", f"{last - start_rss:+.1f} MB",
                   f"{start_rss:.0f} MB start"))
        report(Row(f"{engine}: throughput over the long run", cps(total, time.perf_counter() - start)))
    print(f"\nRSS streaming {total:,} JSON Lines records through 2 workers (native, rendering in the workers)")
    big = inputs.root / "long.jsonl"
    with open(big, "wb") as handle:
        for index in range(total):
            handle.write(inputs.lines[index % len(inputs.lines)])
    options = BatchOptions(as_of=AS_OF, engine="native")
    start_rss, start, worst_parent, worst_worker, done = rss_mb(), time.perf_counter(), 0.0, 0.0, 0
    for output in map_paths([big], options, Rendering("jsonl"), jobs=2, evaluator=warm_evaluator("native", cases)):
        done += 1
        if done % step == 0:
            workers = [_rss_of(p.pid) for p in multiprocessing.active_children() if p.pid is not None]
            worst_parent, worst_worker = max(worst_parent, rss_mb()), max([worst_worker, *workers])
            print(f"    {done:>9,} written, parent RSS {rss_mb():7.1f} MB, workers "
                  f"{', '.join(f'{w:.1f}' for w in workers)} MB", flush=True)
        del output
    big.unlink()
    report(Row(f"streaming {total:,} records: parent RSS, start and highest", f"{worst_parent:.0f} MB",
               f"{start_rss:.0f} MB start"))
    report(Row(f"streaming {total:,} records: highest worker RSS", f"{worst_worker:.0f} MB"))
    report(Row(f"streaming {total:,} records: throughput", cps(total, time.perf_counter() - start)))


def profile_end_to_end(inputs: Inputs) -> None:
    print("\nprofile: native, JSONL in, JSONL out, one process (top 25 by own time)")
    profiler = cProfile.Profile()
    profiler.enable()
    _stream([inputs.jsonl], "native", 1)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(25)
    print("\n".join(line for line in out.getvalue().splitlines() if line.strip())[:6000])


def hostile_case(target_bytes: int) -> dict[str, Any]:
    """The late-forwarding example grown to about ``target_bytes`` of JSON: supervision notes that
    repeat the petitioner's name, and give a new phone and ID-card number each (what redaction
    must find), and an agency registry inlined."""
    from legalcheck._model.loader import load_case

    case: dict[str, Any] = json.loads(load_case(Path(__file__).resolve().parent.parent / "examples"
                                                / "violating-late-forward.yaml")
                                      .model_dump_json(by_alias=True, exclude_none=True,
                                                       exclude={"agency_registry"}))
    size, number = len(json.dumps(case, ensure_ascii=False).encode()), 0
    while size < target_bytes:
        number += 1
        note = (f"第{number}次督促：信访人陈秀英（电话139{number:08d}，身份证110101199003{number:06d}）"
                "反映住房保障中心尚未完成审核，" * 4)
        case["events"].append({"kind": "supervision", "date": "2025-09-10", "agency": "hx-housing", "note": note})
        size += len(json.dumps(case["events"][-1], ensure_ascii=False).encode())
    return case


def bench_hostile(repeat: int) -> None:
    print("\nhostile input (docs/robustness.md)")
    evaluator = Evaluator(engine="native")
    raw = json.dumps(hostile_case(1 << 20), ensure_ascii=False).encode()
    plain, redacted = Rendering("jsonl"), Rendering("jsonl", redact=True)

    def run(rendering: Rendering) -> object:  # what the CLI does with one input: load, check, render
        case = case_from_json(raw, "big.json")
        return rendering(_batch.BatchItem("big.json", report=evaluator.check(case, as_of=AS_OF, source="big.json"),
                                          case=case))

    subject, baseline = paired(lambda: run(redacted), lambda: run(plain), repeat)
    report(Row(f"{len(raw) / 1e6:.1f} MB case: load, check, jsonl with --redact vs without",
               f"{subject * 1000:,.0f} ms", f"{baseline * 1000:,.0f} ms", subject / baseline, "<=5x"))

    from legalcheck._report.redact import redact_item
    from legalcheck._report.reporters.markdown import render_markdown

    def markdown(redact: bool) -> object:  # the case itself is shown, so its 1 MB of notes is masked too
        case = case_from_json(raw, "big.json")
        item = _batch.BatchItem("big.json", report=evaluator.check(case, as_of=AS_OF, source="big.json"), case=case)
        summary = _batch.Summary()
        summary.add(item)
        return render_markdown([redact_item(item) if redact else item], summary, "zh")

    subject, baseline = paired(lambda: markdown(True), lambda: markdown(False), repeat)
    report(Row(f"{len(raw) / 1e6:.1f} MB case: load, check, markdown with --redact vs without",
               f"{subject * 1000:,.0f} ms", f"{baseline * 1000:,.0f} ms", subject / baseline, "<=5x"))

    from legalcheck._report.reporters.html import render_html

    small = Case.model_validate_json(json.dumps(hostile_case(0)))
    agencies = tuple(a.model_copy(update={"name": "临江市河西区信访局" * 3_556}) if a.id == "hx-pb" else a
                     for a in small.agencies)  # 32,004 characters
    small = small.model_copy(update={"agencies": agencies})
    one = _batch.BatchItem("label.json", report=evaluator.check(small, as_of=AS_OF, source="label.json"), case=small)
    summary = _batch.Summary()
    summary.add(one)
    subject, baseline = paired(lambda: render_html([one], summary, "zh"), lambda: render_markdown([one], summary, "zh"),
                               repeat)
    report(Row("32,000-character agency name: HTML vs Markdown", f"{subject * 1000:,.0f} ms",
               f"{baseline * 1000:,.0f} ms", subject / baseline, "<=2x"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small corpus, fewer repeats")
    parser.add_argument("--long", action="store_true", help="RSS over 1,000,000 checks per engine")
    parser.add_argument("--long-count", type=int, default=1_000_000)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--cases", type=int, default=None, help="corpus size (default 3000, quick 400)")
    parser.add_argument("--json", type=Path, help="also write the rows here")
    parser.add_argument("--cluster-records", type=int, default=None,
                        help="records of the cluster section (default 200,000, quick 20,000)")
    parser.add_argument("--only", choices=("engines", "startup", "io-floor", "loading", "end-to-end", "workers",
                                           "hostile", "cluster"),
                        action="append",
                        help="run only these sections (repeatable; memory is always reported)")
    args = parser.parse_args()
    count = args.cases or (400 if args.quick else 3000)
    repeat = 2 if args.quick else 3
    engines = tuple(e for e in ("native", "durable") if e in available_engines())
    print(f"legalcheck bench: {count} cases, best of {repeat}, {os.cpu_count()} cores, "
          f"Python {sys.version.split()[0]}, "
          f"engines {', '.join(engines)}, load average {os.getloadavg()[0]:.1f}")
    print(f"  {'measure':<58} {'subject':>16} {'baseline':>16} {'ratio':>8} {'target':>7}")
    with tempfile.TemporaryDirectory(prefix="legalcheck-bench-") as tmp:
        root = Path(tmp)
        inputs = write_inputs(root, make_corpus(count))
        sections = set(args.only or ("engines", "startup", "io-floor", "loading", "end-to-end", "workers", "hostile",
                                     "cluster"))
        if "engines" in sections:
            bench_engines(inputs, engines, repeat, root)
        if "startup" in sections:
            bench_startup(root, repeat)
        if "io-floor" in sections:
            bench_io_floor(inputs, repeat)
        if "loading" in sections:
            bench_loading(inputs, repeat)
        if "end-to-end" in sections:
            bench_end_to_end(inputs, engines, repeat)
        if "workers" in sections:
            bench_workers(inputs, engines, repeat, 4000 if args.quick else 12000)
        if "hostile" in sections:
            bench_hostile(repeat)
        if "cluster" in sections:
            records = args.cluster_records or (20_000 if args.quick else 200_000)
            bench_cluster(inputs, records, max(4, records // 5000))
        bench_memory(inputs)
        if args.long:
            bench_long(inputs, engines, args.long_count)
        if args.profile:
            profile_end_to_end(inputs)
    if args.json:
        args.json.write_text(json.dumps([row.__dict__ | {"verdict": row.verdict()} for row in ROWS],
                                        ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
