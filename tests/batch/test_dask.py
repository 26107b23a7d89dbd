"""Checks on a Dask cluster (legalcheck.dask, ``check --cluster``): the answers and the accounting of a local run.

Every test runs on one LocalCluster of 2 worker processes on the loopback interface,
shared by the module; waits are bounded so that a hung cluster fails the test.
The records are the rules' own examples, varied (new ids, dates shifted by a seeded
random amount, so deadlines land on and around holidays), with broken lines mixed in.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import random
import shutil
import signal
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("distributed")

from distributed import Client, LocalCluster, wait  # noqa: E402

from conftest import CliRun  # noqa: E402
from legalcheck import BatchItem, check_paths  # noqa: E402
from legalcheck._batch.pool import BatchOptions, Summary, map_paths
from legalcheck._core.paths import data_dir  # noqa: E402
from legalcheck._dask import finish_output, merge, part_tasks, prepare_output  # noqa: E402
from legalcheck._engines.protocol import available_engines  # noqa: E402
from legalcheck._law.rules import load_ruleset  # noqa: E402
from legalcheck._model.loader import case_from_json  # noqa: E402
from legalcheck._report.rendering import Rendering  # noqa: E402
from legalcheck.dask import check_bag, check_shards, plan_shards, read_shards, worker_evaluator  # noqa: E402

AS_OF = dt.date(2025, 12, 1)
TIMEOUT = 240  # seconds for any one run on the cluster: a hang fails, it never blocks CI
BROKEN = [b"{\"id\": \"broken-1\", \"events\": [\n", b"[1, 2]\n", b"{\"id\": \"x\", \"colour\": \"red\"}\n",
          b"\xff\xfe not UTF-8\n"]


@pytest.fixture(scope="module")
def client() -> Iterator[Client]:
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                           dashboard_address="127.0.0.1:0", silence_logs=logging.CRITICAL)
    with Client(cluster) as connected:
        yield connected
    cluster.close()


def generated_cases(count: int, seed: int) -> list[dict[str, Any]]:
    """``count`` cases from the rules' examples: fresh ids, every date of a case shifted by one random amount."""
    bases = [json.loads(json.dumps(example.case)) for compiled in
             load_ruleset(data_dir("rules"), data_dir("packs")).rules for example in compiled.rule.examples]
    rng = random.Random(seed)
    cases = []
    for index in range(count):
        case = json.loads(json.dumps(bases[rng.randrange(len(bases))]))
        shift = rng.randint(-400, 400)
        for event in case.get("events", []):
            for key in ("date", "end", "report_by"):
                if isinstance(event.get(key), str):
                    event[key] = (dt.date.fromisoformat(event[key]) + dt.timedelta(days=shift)).isoformat()
        case["id"] = f"gen-{seed}-{index:06d}"
        if "agency_registry" in case:
            case["agency_registry"] = "_agencies.yaml"
        cases.append(case)
    return cases


def write_shards(root: Path, cases: list[dict[str, Any]], shards: int, *, broken: bool = True) -> list[Path]:
    """Cases spread over ``shards`` JSON Lines files, a broken line after every 300th record."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(data_dir("rules") / "agencies.yaml", root / "_agencies.yaml")
    paths = [root / f"shard-{k:03d}.jsonl" for k in range(shards)]
    lines: list[list[bytes]] = [[] for _ in paths]
    for index, case in enumerate(cases):
        lines[index % shards].append(json.dumps(case, ensure_ascii=False).encode("utf-8") + b"\n")
        if broken and index % 300 == 299:
            lines[index % shards].append(BROKEN[(index // 300) % len(BROKEN)])
            lines[index % shards].append(b"\n")  # a blank line is no record, in either run
    for path, content in zip(paths, lines):
        path.write_bytes(b"".join(content))
    return paths


def local_run(paths: list[str], options: BatchOptions) -> tuple[bytes, Summary]:
    summary = Summary()
    chunks = []
    for output in map_paths(paths, options, Rendering("jsonl"), jobs=1):
        summary.add(output)
        chunks.append(output.data)
    return b"".join(chunks), summary


def parts_of(out: Path) -> bytes:
    return b"".join(path.read_bytes() for path in sorted(out.glob("part-*.jsonl")))


def sources(data: bytes) -> list[str]:
    return [json.loads(line)["source"] for line in data.splitlines()]


@pytest.mark.slow
@pytest.mark.parametrize("engine", [e for e in ("native", "durable") if e in available_engines()])
def test_cluster_run_writes_what_a_local_run_writes(client: Client, tmp_path: Path, engine: str) -> None:
    """3,000 generated records in 6 shards, broken lines, single-case files and a missing path: the same bytes."""
    shards = write_shards(tmp_path / "shards", generated_cases(3000, seed=16), 6)
    yaml_dir = tmp_path / "files"
    yaml_dir.mkdir()
    shutil.copy(data_dir("rules") / "agencies.yaml", yaml_dir / "_agencies.yaml")
    for index, case in enumerate(generated_cases(40, seed=61)):
        (yaml_dir / f"case-{index:03d}.json").write_text(json.dumps(case, ensure_ascii=False), encoding="utf-8")
    (yaml_dir / "case-bad.yaml").write_text("id: [unclosed\n", encoding="utf-8")
    paths = [str(shards[0]), str(yaml_dir), str(tmp_path / "missing.jsonl"), *map(str, shards[1:])]
    options = BatchOptions(as_of=AS_OF, engine=engine)  # type: ignore[arg-type]

    expected, local = local_run(paths, options)
    result = check_shards(paths, tmp_path / "out", options, client=client, timeout=TIMEOUT)

    assert parts_of(tmp_path / "out") == expected
    summary = result.summary
    assert (summary.found, summary.checked, summary.rejected, summary.violations, summary.reasons) == \
        (local.found, local.checked, local.rejected, local.violations, local.reasons)
    assert summary.found == summary.checked + summary.rejected == 3000 + 10 + 41 + 1
    assert result.exit_code == local.exit_code == 2
    written = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert written["found"] == summary.found and written["rejected_by_reason"] == dict(summary.reasons)
    assert sum(written["findings_by_severity"].values()) == sum(
        len(json.loads(line).get("findings", [])) for line in expected.splitlines())
    assert written["findings_by_severity"]["violation"] == summary.violations
    assert [p["shard"] for p in written["parts"]] == [str(shards[0]), str(yaml_dir / "case-000.json"),
                                                      *map(str, shards[1:])]


def test_broken_lines_are_rejected_with_shard_name_and_line(client: Client, tmp_path: Path) -> None:
    shard = tmp_path / "shard.jsonl"
    good = json.dumps(generated_cases(1, seed=3)[0], ensure_ascii=False)
    shutil.copy(data_dir("rules") / "agencies.yaml", tmp_path / "_agencies.yaml")
    shard.write_text(f"{good}\n{{\"id\": \n\n{good}\n[]\n", encoding="utf-8")
    result = check_shards([str(shard)], tmp_path / "out", BatchOptions(as_of=AS_OF, engine="native"), client=client,
                          timeout=TIMEOUT)
    lines = [json.loads(line) for line in (tmp_path / "out" / "part-00000.jsonl").read_text("utf-8").splitlines()]
    assert [line["source"] for line in lines] == [f"{shard}:1", f"{shard}:2", f"{shard}:4", f"{shard}:5"]
    assert [line.get("kind") for line in lines] == [None, "input_error", None, "input_error"]
    assert [(p["file"], p["line"]) for p in lines[1]["problems"]] == [(str(shard), 2)]
    assert [(p["file"], p["line"]) for p in lines[3]["problems"]] == [(str(shard), 5)]
    assert (result.summary.found, result.summary.checked, result.summary.rejected) == (4, 2, 2)


def test_a_killed_worker_loses_no_record_and_doubles_none(client: Client, tmp_path: Path) -> None:
    """SIGKILL a worker process while it checks a shard: Dask re-runs its tasks; every record is written once."""
    shards = write_shards(tmp_path / "shards", generated_cases(2400, seed=7), 16)
    paths = [str(p) for p in shards]
    options = BatchOptions(as_of=AS_OF, engine="native")
    expected, local = local_run(paths, options)
    out = tmp_path / "out"
    prepare_output(out)
    futures = client.compute(part_tasks(plan_shards(paths), out, options))
    deadline = time.monotonic() + TIMEOUT
    while not any(f.done() for f in futures):  # at least one part is written: the run is under way
        assert time.monotonic() < deadline, "no part finished in time"
        time.sleep(0.05)
    busy = [address for address, keys in client.processing().items() if keys]
    assert busy, "the run finished before a worker could be killed; give it more shards"
    pids = client.run(os.getpid)
    os.kill(pids[busy[0]], signal.SIGKILL)

    wait(futures, timeout=TIMEOUT)
    result = merge(client.gather(futures))
    finish_output(out, result)

    written = parts_of(out)
    counted = Counter(sources(written))
    assert set(counted) == set(sources(expected)) and set(counted.values()) == {1}
    assert written == expected
    assert result.summary.found == local.found == 2400 + 8
    assert [entry.name for entry in out.iterdir() if not entry.name.startswith("part-")] == ["summary.json"]


def test_check_bag_takes_text_dicts_and_cases_in_order(client: Client, tmp_path: Path) -> None:
    import dask.bag as db

    case = generated_cases(1, seed=5)[0]
    case["agency_registry"] = str(data_dir("rules") / "agencies.yaml")  # absolute: records have no directory
    text = json.dumps(case, ensure_ascii=False)
    model = case_from_json(text, None)
    records: list[Any] = [text, text.encode("utf-8"), case, model, "{oops", 42]
    items: list[BatchItem] = check_bag(db.from_sequence(records, npartitions=2),
                                       BatchOptions(as_of=AS_OF, engine="native")).compute()
    assert [item.source for item in items] == ["partition-00000:1", "partition-00000:2", "partition-00000:3",
                                               "partition-00001:1", "partition-00001:2", "partition-00001:3"]
    reports = [item.report for item in items[:4]]
    assert all(report is not None for report in reports)
    assert len({(r.case_id, r.counts, r.findings) for r in reports if r is not None}) == 1
    assert items[4].error is not None and items[4].report is None
    assert items[4].error.problems[0].location.file == "partition-00001" and items[4].error.problems[0].location.line == 2
    assert items[5].error is not None and "not int" in str(items[5].error)


def test_read_shards_and_check_bag_give_the_local_reports(client: Client, tmp_path: Path) -> None:
    shards = write_shards(tmp_path / "shards", generated_cases(300, seed=11), 3)
    paths = [str(p) for p in shards]
    options = BatchOptions(as_of=AS_OF, engine="native")
    bag = read_shards(paths)
    assert bag.npartitions == 3
    remote = check_bag(bag, options).compute()
    local = list(check_paths(paths, options))
    assert [(i.source, i.report) for i in remote] == [(i.source, i.report) for i in local]
    assert [str(i.error) for i in remote] == [str(i.error) for i in local]


def test_shards_by_url_are_read_through_fsspec(client: Client, tmp_path: Path) -> None:
    # A relative agency_registry is looked up beside a local shard only; a URL's records name it absolutely.
    cases = generated_cases(200, seed=13)
    for case in cases:
        if "agency_registry" in case:
            case["agency_registry"] = str(data_dir("rules") / "agencies.yaml")
    shards = write_shards(tmp_path / "shards", cases, 2, broken=False)
    with (tmp_path / "shards" / "shard-001.jsonl").open("ab") as handle:
        handle.write(b"{bad\n")
    options = BatchOptions(as_of=AS_OF, engine="native")
    result = check_shards([f"file://{tmp_path}/shards/shard-*.jsonl"], tmp_path / "out", options, client=client,
                          timeout=TIMEOUT)
    lines = [json.loads(line) for line in parts_of(tmp_path / "out").splitlines()]
    assert (result.summary.found, result.summary.rejected) == (201, 1)
    assert lines[-1]["source"] == f"file://{shards[1]}:101"
    assert lines[-1]["problems"][0]["line"] == 101
    expected, _ = local_run([str(p) for p in shards], options)
    assert [line.get("findings") for line in lines] == [json.loads(x).get("findings") for x in expected.splitlines()]


def test_the_evaluator_is_built_once_per_worker_process(client: Client) -> None:
    options = BatchOptions(as_of=AS_OF, engine="native")
    first = client.run(lambda: id(worker_evaluator(options)))
    again = client.run(lambda: id(worker_evaluator(options)))
    assert first == again and len(first) == 2
    other = client.run(lambda: id(worker_evaluator(BatchOptions(as_of=dt.date(2024, 1, 1), engine="native"))))
    assert other == first  # the date is a parameter of each check, not of the evaluator


@pytest.mark.slow
def test_cli_cluster_writes_parts_and_summary_and_exits_as_a_local_run(cli: CliRun, tmp_path: Path) -> None:
    shards = write_shards(tmp_path / "shards", generated_cases(400, seed=17), 2)
    out = tmp_path / "out"
    (out / "part-00007.jsonl").parent.mkdir()
    (out / "part-00007.jsonl").write_text("stale\n", encoding="utf-8")
    code, stdout, stderr = cli("check", *map(str, shards), "--cluster", "local:2", "--format", "jsonl", "-o",
                               str(out), "--as-of", AS_OF.isoformat(), "--engine", "native")
    local_code, local_out, _ = cli("check", *map(str, shards), "--format", "jsonl", "--as-of", AS_OF.isoformat(),
                                   "--engine", "native", "--jobs", "1")
    assert (code, local_code) == (2, 2)
    assert stdout == ""  # no progress bar and no report on a pipe
    assert parts_of(out).decode("utf-8") == local_out
    assert sorted(p.name for p in out.iterdir()) == ["part-00000.jsonl", "part-00001.jsonl", "summary.json"]
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["found"] == summary["checked"] + summary["rejected"] == 401
    assert summary["rejected_by_reason"] == {"json-syntax": 1}
    assert "401" in stderr and "summary.json" in stderr

    clean = write_shards(tmp_path / "clean", generated_cases(100, seed=17), 1, broken=False)
    code, _, _ = cli("check", str(clean[0]), "--cluster", "local:1", "--format", "jsonl", "-o", str(out),
                     "--as-of", AS_OF.isoformat(), "--engine", "native")
    assert code == 1  # violations, nothing rejected: as a local run


@pytest.mark.parametrize("args, message", [
    (["--format", "text", "-o", "out"], "--format jsonl --output DIR"),
    (["--format", "jsonl"], "--format jsonl --output DIR"),
    (["--format", "jsonl", "-o", "out", "--cluster", "scheduler:8786"], "local:N or a scheduler address"),
    (["--format", "jsonl", "-o", "out", "--cluster", "local:0"], "local:N with N >= 1"),
])
def test_cli_cluster_usage_errors_exit_2(cli: CliRun, tmp_path: Path, args: list[str], message: str) -> None:
    extra = [] if "--cluster" in args else ["--cluster", "local:1"]
    code, _, stderr = cli("check", str(tmp_path), *args, *extra)
    assert code == 2 and message in stderr


def test_the_spark_recipe_checks_a_partition_of_lines_as_a_local_run_does(tmp_path: Path) -> None:
    """docs/cluster.md's function for ``rdd.mapPartitionsWithIndex``, fed what Spark's textFile gives it."""
    from legalcheck.dask import check_records, jsonl_line

    cases = generated_cases(120, seed=23)
    for case in cases:
        if "agency_registry" in case:
            case["agency_registry"] = str(data_dir("rules") / "agencies.yaml")
    shard = write_shards(tmp_path, cases, 1, broken=False)[0]
    options = BatchOptions(as_of=AS_OF, engine="native")

    def check_partition(index: int, lines: Iterator[str]) -> Iterator[str]:  # as in docs/cluster.md
        for item in check_records(lines, options, name=f"partition-{index:05d}"):
            yield jsonl_line(item)

    text_file = iter(shard.read_text(encoding="utf-8").splitlines() + ["", "{bad"])
    lines = [json.loads(line) for line in check_partition(3, text_file)]
    expected = [json.loads(line) for line in local_run([str(shard)], options)[0].splitlines()]
    assert [line["findings"] for line in lines[:-1]] == [line["findings"] for line in expected]
    assert [line["source"] for line in lines[-2:]] == ["partition-00003:120", "partition-00003:122"]
    assert lines[-1]["kind"] == "input_error" and lines[-1]["problems"][0]["file"] == "partition-00003"


def test_a_local_run_refuses_a_directory_as_its_output(cli: CliRun, tmp_path: Path) -> None:
    code, _, stderr = cli("check", "examples", "--format", "jsonl", "-o", str(tmp_path))
    assert code == 2 and "a directory is for --cluster" in stderr


def test_a_progress_bar_only_on_a_terminal(cli: CliRun, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    shard = write_shards(tmp_path / "shards", generated_cases(20, seed=29), 1, broken=False)[0]
    args = ("check", str(shard), "--cluster", "local:1", "--format", "jsonl", "-o", str(tmp_path / "out"),
            "--as-of", AS_OF.isoformat(), "--engine", "native")
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    code, stdout, _ = cli(*args)
    assert code == 1 and "100% Completed" in stdout
    monkeypatch.setenv("CI", "true")
    code, stdout, _ = cli(*args)
    assert code == 1 and stdout == ""
