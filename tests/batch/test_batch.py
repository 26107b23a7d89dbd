"""Batches: nothing lost, counts that add up, deterministic order, bounded memory, scale.

The durable-rules tests at volume (more than 1,024 cases per process, threads, worker
processes, RSS after 20,000 cases) are marked ``slow``; they still run in CI.
"""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import io
import json
import multiprocessing
import os
import shutil
import threading
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from legalcheck import Evaluator
from legalcheck._batch import pool as _batch
from legalcheck._batch.pool import (
    BatchItem,
    BatchOptions,
    Progress,
    Summary,
    check_paths,
    map_paths,
    reason_of,
)
from legalcheck._core.errors import CalendarDataError, InputError
from legalcheck._core.safe_yaml import DEFAULT_LIMITS, parse_yaml
from legalcheck._engines.protocol import available_engines
from legalcheck._model.loader import CaseInput, Job, iter_case_files
from legalcheck._report.rendering import Rendering

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted(p for p in (ROOT / "examples").glob("*.yaml") if not p.name.startswith("_"))
AS_OF = dt.date(2025, 12, 1)
NATIVE = BatchOptions(as_of=AS_OF, engine="native")


def example_data() -> list[dict[str, Any]]:
    return [parse_yaml(p.read_text(encoding="utf-8")).data for p in EXAMPLES]  # dates stay text


def good_case(index: int) -> dict[str, Any]:
    data = example_data()[index % len(EXAMPLES)]
    data["id"] = f"case-{index:05d}"
    return data


# Kinds of bad input, each as (file suffix, content) and the reason the summary gives for it.
BAD_INPUTS: dict[str, tuple[str, str, str]] = {
    "yaml-syntax": (".yaml", "id: [unclosed\n", "yaml-syntax"),
    "json-syntax": (".json", '{"id": }', "json-syntax"),
    "bad-date": (".yaml", "id: x\nchannel: letter\ncategory: complaint\nevents:\n"
                          "  - {kind: received, date: 2025-02-30, agency: a}\n", "bad-date"),
    "unknown-key": (".yaml", "id: x\nchannel: letter\ncategory: complaint\ncolour: red\n", "unknown-field"),
    "python-tag": (".yaml", "id: !!python/object/apply:os.getcwd []\n", "yaml-tag"),
    "not-mapping": (".yaml", "[1, 2]\n", "not-a-mapping"),
    "missing": (".yaml", "id: x\n", "missing-field"),
}


def populate(root: Path, kinds: list[str]) -> list[str]:
    """Write one input per entry of ``kinds`` ("good" or a BAD_INPUTS key); returns the expected sources."""
    shutil.copy(ROOT / "examples" / "_agencies.yaml", root / "_agencies.yaml")
    sources = []
    for index, kind in enumerate(kinds):
        if kind == "good":
            path = root / f"{index:04d}-good.yaml"
            path.write_text(yaml.safe_dump(good_case(index), allow_unicode=True), encoding="utf-8")
        else:
            suffix, text, _ = BAD_INPUTS[kind]
            path = root / f"{index:04d}-{kind}{suffix}"
            path.write_text(text, encoding="utf-8")
        sources.append(str(path))
    return sources


def write_jsonl(path: Path, lines: list[str | dict[str, Any]]) -> None:
    shutil.copy(ROOT / "examples" / "_agencies.yaml", path.parent / "_agencies.yaml")
    path.write_text("".join((json.dumps(line, ensure_ascii=False) if isinstance(line, dict) else line) + "\n"
                            for line in lines), encoding="utf-8")


@pytest.fixture
def force_pool(monkeypatch: pytest.MonkeyPatch) -> None:
    """Use worker processes even for a handful of inputs (the tests' batches are small)."""
    monkeypatch.setattr(_batch, "POOL_MIN_INPUTS_PER_WORKER", 1)


# --- nothing lost, counts add up ------------------------------------------------------------------


def test_one_bad_file_never_stops_the_others(tmp_path: Path, native: Evaluator) -> None:
    kinds = ["good", "yaml-syntax", "good", "bad-date", "python-tag", "good", "json-syntax", "not-mapping"]
    sources = populate(tmp_path, kinds)
    items = list(check_paths([tmp_path], NATIVE, evaluator=native))
    assert [item.source for item in items] == sources
    assert [item.report is not None for item in items] == [kind == "good" for kind in kinds]
    summary = Summary()
    for item in items:
        summary.add(item)
    assert (summary.found, summary.checked, summary.rejected) == (8, 3, 5)
    assert summary.reasons == {"yaml-syntax": 1, "bad-date": 1, "yaml-tag": 1, "json-syntax": 1, "not-a-mapping": 1}
    assert summary.reasons_text("en") == ("could not be read: 1 JSON syntax error, 1 YAML syntax error, 1 YAML tag not allowed, "
                                          "1 invalid date, 1 not a mapping")
    assert summary.reasons_text("zh").startswith("无法读取的原因：JSON 语法错误（1件）、YAML 语法错误（1件）、")
    assert summary.exit_code == 2


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kinds=st.lists(st.sampled_from(["good", *BAD_INPUTS]), min_size=0, max_size=12))
def test_checked_plus_rejected_is_found_for_any_mix(tmp_path_factory: pytest.TempPathFactory, native: Evaluator,
                                                   kinds: list[str]) -> None:
    root = tmp_path_factory.mktemp("mix")
    sources = populate(root, kinds)
    summary = Summary()
    items = list(check_paths([root], NATIVE, evaluator=native))
    for item in items:
        summary.add(item)
    assert [item.source for item in items] == sources
    assert summary.found == len(kinds) == summary.checked + summary.rejected
    assert summary.checked == kinds.count("good")
    assert sum(summary.reasons.values()) == summary.rejected
    for kind, (_, _, reason) in BAD_INPUTS.items():
        assert summary.reasons[reason] == kinds.count(kind), kind


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(st.one_of(st.just("good"), st.just("blank"), st.just("broken"), st.just("bad-field"),
                                st.text(max_size=30)), max_size=15))
def test_jsonl_lines_are_each_accounted_for(tmp_path_factory: pytest.TempPathFactory, native: Evaluator,
                                            lines: list[str]) -> None:
    path = tmp_path_factory.mktemp("jsonl") / "cases.jsonl"
    content: list[str | dict[str, Any]] = []
    for index, line in enumerate(lines):
        if line == "good":
            content.append(good_case(index))
        elif line == "blank":
            content.append("   ")
        elif line == "broken":
            content.append('{"id": ')
        elif line == "bad-field":
            content.append(dict(good_case(index), headcount="many"))
        else:
            content.append(line.replace("\n", " ").replace("\r", " ").replace("\x0b", " ").replace("\x0c", " ")
                           .replace("\x1c", " ").replace("\x1d", " ").replace("\x1e", " ").replace("\x85", " ")
                           .replace("\u2028", " ").replace("\u2029", " "))
    write_jsonl(path, content)
    # Blank means ASCII whitespace only: a line of U+00A0 is not JSON, and is reported.
    expected = [f"{path}:{n}" for n, line in enumerate(content, 1)
                if (json.dumps(line) if isinstance(line, dict) else line).encode("utf-8").strip()]
    items = list(check_paths([path], NATIVE, evaluator=native))
    assert [item.source for item in items] == expected
    summary = Summary()
    for item in items:
        summary.add(item)
    assert summary.found == summary.checked + summary.rejected == len(expected)
    assert summary.checked == lines.count("good")


def test_bad_line_in_the_middle_of_jsonl_is_reported_by_line_and_the_rest_checked(tmp_path: Path,
                                                                                   native: Evaluator) -> None:
    path = tmp_path / "cases.jsonl"
    write_jsonl(path, [good_case(0), good_case(1), '{"id": "x", "channel": letter}', "",
                       dict(good_case(2), headcount=0), good_case(3)])
    items = list(check_paths([path], NATIVE, evaluator=native))
    assert [(item.source, item.report is not None) for item in items] == [
        (f"{path}:1", True), (f"{path}:2", True), (f"{path}:3", False), (f"{path}:5", False), (f"{path}:6", True)]
    assert str(items[2].error) == f"{path}:3:24: JSON syntax error: Expecting value"
    [(location, message)] = [(p.location, p.message) for p in items[3].error.problems]  # type: ignore[union-attr]
    assert (location.line, location.field, message) == (5, "headcount", "0 is out of range (must be >= 1)")


def test_worker_errors_and_reports_keep_their_line_numbers(tmp_path: Path, force_pool: None) -> None:
    path = tmp_path / "cases.jsonl"
    write_jsonl(path, [good_case(i) if i % 3 else "{broken" for i in range(12)])
    serial = [(i.source, i.report is not None, str(i.error)) for i in check_paths([path], NATIVE, jobs=1)]
    parallel = [(i.source, i.report is not None, str(i.error)) for i in check_paths([path], NATIVE, jobs=2)]
    assert serial == parallel
    assert [s for s, ok, _ in serial if not ok] == [f"{path}:{n}" for n in (1, 4, 7, 10)]


# --- order and determinism ---------------------------------------------------------------------------


def test_output_is_the_same_whatever_the_number_of_workers(tmp_path: Path, force_pool: None) -> None:
    populate(tmp_path, ["good", "yaml-syntax", "good", "good", "bad-date", "good", "good", "missing"] * 3)
    jsonl = tmp_path / "more.jsonl"
    write_jsonl(jsonl, [good_case(i) for i in range(10)] + ["{oops"])
    runs = {jobs: [(o.source, o.text, o.violations, str(o.error))
                   for o in map_paths([tmp_path], NATIVE, Rendering("jsonl", "en"), jobs=jobs)]
            for jobs in (1, 2, 3)}
    assert runs[1] == runs[2] == runs[3]
    assert len(runs[1]) == 24 + 11


def test_directories_are_walked_recursively_in_name_order(tmp_path: Path) -> None:
    for name in ["b/2.yaml", "b/1.json", "a.yaml", "c/d/e.jsonl", "_agencies.yaml", ".hidden/x.yaml", "b/_x.yaml",
                 "notes.txt", "b/.y.yaml"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("{}", encoding="utf-8")
    found = [str(p.relative_to(tmp_path)) for p in iter_case_files([tmp_path]) if isinstance(p, Path)]
    assert found == ["a.yaml", "b/1.json", "b/2.yaml", "c/d/e.jsonl"]


def test_symlinked_directories_are_not_followed(tmp_path: Path) -> None:
    (tmp_path / "cases").mkdir()
    (tmp_path / "cases" / "a.yaml").write_text("{}", encoding="utf-8")
    (tmp_path / "cases" / "loop").symlink_to(tmp_path / "cases")
    assert [p.name for p in iter_case_files([tmp_path / "cases"]) if isinstance(p, Path)] == ["a.yaml"]


def test_missing_path_is_one_rejected_input(tmp_path: Path, native: Evaluator) -> None:
    items = list(check_paths([tmp_path / "nope"], NATIVE, evaluator=native))
    assert [(i.source, str(i.error)) for i in items] == [(str(tmp_path / "nope"),
                                                          f"{tmp_path / 'nope'}: no such file or directory")]


# --- pool: small batches, bounded window, crashes ----------------------------------------------------


def test_small_batches_do_not_start_workers(tmp_path: Path, native: Evaluator, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_pool(*args: object, **kwargs: object) -> None:
        raise AssertionError("a pool was started for a small batch")

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", no_pool)  # where the pool imports it from
    populate(tmp_path, ["good"] * 5)
    assert len(list(check_paths([tmp_path], NATIVE, jobs=4, evaluator=native))) == 5


def test_the_pool_reads_its_input_lazily(native: Evaluator) -> None:
    pulled = 0

    def endless() -> Iterator[Job | CaseInput]:
        nonlocal pulled
        while True:
            pulled += 1
            yield CaseInput(f"x{pulled}", None, InputError.at("bad", file=f"x{pulled}"))

    _batch._WORKER = (native, NATIVE, DEFAULT_LIMITS, _batch._keep)
    try:
        results = _batch._Pool(2, _batch._context(), NATIVE, DEFAULT_LIMITS, _batch._keep).run(endless())
        first = [next(results).source for _ in range(5)]
        results.close()
    finally:
        _batch._WORKER = None
    assert first == ["x1", "x2", "x3", "x4", "x5"]
    bound = 2 * _batch._CHUNKS_PER_WORKER * _batch._CHUNK_INPUTS + _batch._CHUNK_INPUTS
    assert pulled <= bound


def _die_on_poison(evaluator: Evaluator, unit: Job | CaseInput, options: BatchOptions, limits: Any) -> BatchItem:
    if unit.source.endswith("poison.yaml"):
        os._exit(70)  # what a segfault in a C extension or the OOM killer looks like from outside
    return _REAL_PROCESS(evaluator, unit, options, limits)


_REAL_PROCESS = _batch._process


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="needs fork")
def test_a_worker_that_dies_loses_nothing_but_its_own_case(tmp_path: Path, force_pool: None,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_batch, "_process", _die_on_poison)
    monkeypatch.setattr(_batch, "_context", lambda: multiprocessing.get_context("fork"))
    sources = populate(tmp_path, ["good"] * 12)
    poison = tmp_path / "0005-poison.yaml"
    Path(sources[5]).rename(poison)
    sources[5] = str(poison)
    items = list(check_paths([tmp_path], NATIVE, jobs=2))
    assert [item.source for item in items] == sources
    assert [item.report is not None for item in items] == [i != 5 for i in range(12)]
    assert "the worker process checking this input died" in str(items[5].error)
    summary = Summary()
    for item in items:
        summary.add(item)
    assert (summary.checked, summary.rejected, summary.internal_errors, summary.exit_code) == (11, 1, 1, 3)


def test_an_internal_error_on_one_case_does_not_stop_the_batch(tmp_path: Path, native: Evaluator,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    real = native.check

    def flaky(case: Any, **kwargs: Any) -> Any:
        if case.id == "case-00001":
            raise OverflowError("date value out of range")
        return real(case, **kwargs)

    monkeypatch.setattr(native, "check", flaky)
    populate(tmp_path, ["good"] * 3)
    items = list(check_paths([tmp_path], NATIVE, evaluator=native))
    assert [i.report is not None for i in items] == [True, False, True]
    assert str(items[1].error) == "internal error while checking this input: OverflowError: date value out of range"
    assert reason_of(items[1].error) == "internal-error"


def test_bad_configuration_fails_at_once_not_per_case(tmp_path: Path) -> None:
    calendar = tmp_path / "c.yaml"
    calendar.write_text("schema: wrong\n", encoding="utf-8")
    with pytest.raises(CalendarDataError):
        check_paths([tmp_path], BatchOptions(as_of=AS_OF, engine="native", calendar_files=(calendar,)))


# --- memory --------------------------------------------------------------------------------------


def _streamed_peak(path: Path, native: Evaluator) -> int:
    summary = Summary()
    tracemalloc.start()
    try:
        for output in map_paths([path], NATIVE, Rendering("jsonl"), evaluator=native):
            summary.add(output)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_streaming_memory_does_not_grow_with_the_input(tmp_path: Path, native: Evaluator) -> None:
    small, large = tmp_path / "small.jsonl", tmp_path / "large.jsonl"
    write_jsonl(small, [good_case(i) for i in range(25)])
    write_jsonl(large, [good_case(i) for i in range(200)])
    _streamed_peak(small, native)  # warm the caches (compiled engines, citations)
    assert _streamed_peak(large, native) < 1.5 * _streamed_peak(small, native) + 200_000


def test_summary_holds_counts_not_items() -> None:
    summary = Summary()
    for index in range(1000):
        summary.add(BatchItem(f"s{index}", error=InputError.at(code="bad-date", value="'2025-02-30'")))
    assert vars(summary).keys() == {"found", "checked", "rejected", "violations", "undetermined", "internal_errors",
                                    "reasons", "skipped"}
    assert summary.reasons == {"bad-date": 1000}


# --- progress ----------------------------------------------------------------------------------------


class FakeTerminal(io.StringIO):
    def __init__(self, tty: bool) -> None:
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


def test_progress_appears_only_on_a_terminal_outside_ci_after_a_while(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    now = [0.0]
    summary = Summary(found=10, checked=9, rejected=1)
    terminal = FakeTerminal(tty=True)
    progress = Progress(terminal, clock=lambda: now[0])
    progress.update(summary)
    assert terminal.getvalue() == ""  # a short run never shows it
    now[0] = 5.0
    progress.update(summary)
    assert terminal.getvalue() == "\r\033[K10 found · 9 checked · 1 rejected · 2/s"
    progress.close()
    assert terminal.getvalue().endswith("\r\033[K")


@pytest.mark.parametrize(("tty", "ci", "wanted"), [(False, None, True), (True, "true", True), (True, "1", True),
                                                  (True, None, False)])
def test_progress_is_silent_in_pipes_ci_logs_and_over_a_report(monkeypatch: pytest.MonkeyPatch, tty: bool,
                                                               ci: str | None, wanted: bool) -> None:
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    now = [0.0]
    stream = FakeTerminal(tty=tty)
    progress = Progress(stream, wanted=wanted, clock=lambda: now[0])
    now[0] = 100.0
    progress.update(Summary(found=1, checked=1))
    progress.close()
    assert stream.getvalue() == "" and not progress.enabled


# --- the CLI ------------------------------------------------------------------------------------------


def test_cli_jsonl_streams_reports_and_summarises_on_stderr(tmp_path: Path, cli: Callable[..., tuple[int, str, str]], force_pool: None) -> None:
    populate(tmp_path, ["good", "bad-date", "good"])
    write_jsonl(tmp_path / "z.jsonl", [good_case(5), "{nope", good_case(6)])
    outputs = {}
    for jobs in ("1", "2"):
        code, out, err = cli("check", str(tmp_path), "--format", "jsonl", "--engine", "native",
                             "--as-of", "2025-12-01", "--jobs", jobs, "--lang", "en")
        assert code == 2
        records = [json.loads(line) for line in out.splitlines()]
        assert [r.get("kind", "report") for r in records] == ["report", "input_error", "report", "report",
                                                              "input_error", "report"]
        assert err.splitlines()[-2:] == ["6 case(s): 4 checked, 2 could not be read; "
                                         f"{sum(r['counts']['violation'] for r in records if 'counts' in r)} "
                                         "violation(s)", "could not be read: 1 JSON syntax error, 1 invalid date"]
        outputs[jobs] = out
    assert outputs["1"] == outputs["2"]


def test_cli_text_format_says_why_inputs_were_rejected(tmp_path: Path, cli: Callable[..., tuple[int, str, str]]) -> None:
    populate(tmp_path, ["good", "yaml-syntax", "unknown-key"])
    code, out, err = cli("check", str(tmp_path), "--engine", "native", "--as-of", "2025-12-01", "--jobs", "1")
    assert code == 2 and err == ""
    assert out.splitlines()[-3:] == ["共3件案件：已检查1件，无法读取2件；违规0项", "无法读取的原因：YAML 语法错误（1件）、未知的字段（1件）",
                                     "跳过1个目录项（不是案件文件）：以下划线开头（共享文件，如机关名录）（1件）"]


# --- durable-rules at volume -------------------------------------------------------------------------

durable_only = pytest.mark.skipif("durable" not in available_engines(), reason="durable-rules not importable here")


def _durable() -> Evaluator:
    pytest.importorskip("legalcheck._engines.durable")
    return Evaluator(engine="durable")


def _rule_example_cases() -> list[Any]:
    from legalcheck._core.paths import data_dir
    from legalcheck._core.safe_yaml import Document
    from legalcheck._law.rules import load_ruleset
    from legalcheck._model.loader import case_from_document

    ruleset = load_ruleset(data_dir("rules"), data_dir("packs"))
    return [case_from_document(Document(e.case, str(c.source), ""), base_dir=c.source.parent)
            for c in ruleset.rules for e in c.rule.examples]


def _outcome(report: Any) -> tuple[Any, ...]:
    return (tuple((f.rule_id, f.severity, tuple(e.path for e in f.events)) for f in report.findings),
            tuple((p.rule_id, p.trigger.path, p.due) for p in report.pending))


@durable_only
@pytest.mark.slow
def test_durable_beyond_1024_cases_in_one_process_agrees_with_native(native: Evaluator) -> None:
    durable = _durable()
    cases = _rule_example_cases()
    expected = [_outcome(native.check(c, as_of=AS_OF)) for c in cases]
    for round_ in range(1300 // len(cases) + 1):
        got = [_outcome(durable.check(c, as_of=AS_OF)) for c in cases]
        assert got == expected, f"round {round_}"


@durable_only
@pytest.mark.slow
def test_durable_shared_by_threads(native: Evaluator) -> None:
    durable = _durable()
    cases = _rule_example_cases()
    expected = [_outcome(native.check(c, as_of=AS_OF)) for c in cases]
    failures: list[str] = []

    def worker(offset: int) -> None:
        for round_ in range(3):
            for index in range(len(cases)):
                at = (index + offset) % len(cases)
                if _outcome(durable.check(cases[at], as_of=AS_OF)) != expected[at]:
                    failures.append(f"thread {offset} round {round_} case {at}")

    threads = [threading.Thread(target=worker, args=(n * 17,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []


@durable_only
@pytest.mark.slow
def test_durable_in_worker_processes_beyond_1024_cases_each(tmp_path: Path, native: Evaluator) -> None:
    pytest.importorskip("legalcheck._engines.durable")
    path = tmp_path / "cases.jsonl"
    write_jsonl(path, [good_case(i) for i in range(2200)])
    durable_opts = BatchOptions(as_of=AS_OF, engine="durable")
    got = [(o.source, o.violations, o.error is None)
           for o in map_paths([path], durable_opts, Rendering("jsonl"), jobs=2)]
    want = [(o.source, o.violations, o.error is None)
            for o in map_paths([path], NATIVE, Rendering("jsonl"), evaluator=native)]
    assert got == want and len(got) == 2200


def _rss_bytes() -> int:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="needs /proc")
@pytest.mark.slow
@pytest.mark.parametrize("engine", available_engines())
def test_rss_stays_flat_over_20000_cases(engine: str) -> None:
    evaluator = _durable() if engine == "durable" else Evaluator(engine="native")
    cases = _rule_example_cases()
    for case in cases * 4:  # warm-up: engines per pack selection, caches, allocator pools
        evaluator.check(case, as_of=AS_OF)
    before = _rss_bytes()
    for index in range(20_000):
        evaluator.check(cases[index % len(cases)], as_of=AS_OF)
    growth = _rss_bytes() - before
    assert growth < 30 * 1024 * 1024, f"RSS grew by {growth / 1e6:.1f} MB over 20,000 cases"


def test_tasks_start_small_and_grow() -> None:
    """Small first tasks start every worker at once; later ones are large, so the parent does less per input."""
    units = [CaseInput(f"x{i}", None, InputError.at("bad", file=f"x{i}")) for i in range(1000)]
    sizes = [len(chunk) for chunk in _batch._chunks(units)]
    assert sizes == [32, 64, 128, 256, 256, 256, 8]
    assert [u.source for chunk in _batch._chunks(units) for u in chunk] == [u.source for u in units]


def test_batch_options_is_named_as_exported() -> None:
    import legalcheck

    options = legalcheck.BatchOptions(as_of=dt.date(2025, 12, 1))
    assert repr(options).startswith("BatchOptions(as_of=datetime.date(2025, 12, 1)")
