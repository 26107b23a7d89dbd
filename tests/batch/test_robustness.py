"""Reliability under hostile conditions: the thirteen reproductions of docs/robustness.md, one test (or more) each.

Signals and worker processes are tested with real subprocesses; the linear-time fixes by
counting operations (the timings are in bench/run.py, as ratios).
"""

from __future__ import annotations

import copy
import io
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from legalcheck._batch.pool import BatchItem, Summary
from legalcheck._core.errors import CaseError, Location, Problem
from legalcheck._model.loader import load_case
from legalcheck._report.redact import Masker, redact_item
from legalcheck._report.reporters import html as _render_html

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "violating-late-forward.yaml"
AS_OF = "2025-12-01"
CliRun = Callable[..., tuple[int, str, str]]


def example_case() -> dict[str, Any]:
    """The example as a self-contained dict (its agencies inline, no registry file needed)."""
    case = load_case(EXAMPLE)
    data: dict[str, Any] = json.loads(case.model_dump_json(by_alias=True, exclude_none=True,
                                                           exclude={"agency_registry"}))
    return data


def write_case(path: Path, case: dict[str, Any]) -> Path:
    path.write_text(json.dumps(case, ensure_ascii=False), encoding="utf-8")
    return path


# --- 1 and 4: the output never destroys an input, is never read back, and is replaced atomically ----------------


def test_output_named_like_a_case_inside_an_input_directory_is_refused(cli: CliRun, tmp_path: Path) -> None:
    write_case(tmp_path / "a.json", example_case())
    code, _out, err = cli("check", str(tmp_path), "--as-of", AS_OF, "--format", "jsonl",
                          "-o", str(tmp_path / "report.jsonl"))
    assert code == 2 and "inside the input directory" in err and "report.jsonl" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.json"]  # nothing written, nothing read back


def test_output_not_named_like_a_case_inside_an_input_directory_is_written_once(cli: CliRun, tmp_path: Path) -> None:
    write_case(tmp_path / "a.json", example_case())
    for _ in range(2):  # the second run must not read the first run's report
        code, _out, err = cli("check", str(tmp_path), "--as-of", AS_OF, "--format", "html",
                              "-o", str(tmp_path / "report.html"))
        assert code == 1 and "共1件案件" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.json", "report.html"]


def test_output_that_is_an_input_is_refused_and_the_case_kept(cli: CliRun, tmp_path: Path) -> None:
    case_file = write_case(tmp_path / "a.json", example_case())
    before = case_file.read_bytes()
    code, _out, err = cli("check", str(case_file), "--as-of", AS_OF, "--format", "json", "-o", str(case_file))
    assert code == 2 and "is also an input" in err
    assert case_file.read_bytes() == before


@pytest.mark.parametrize("target", ["/nonexistent/dir/report.json", "/dev/full"])
def test_unwritable_output_is_a_usage_error_not_a_traceback(cli: CliRun, target: str) -> None:
    if not os.path.exists("/dev/full") and target == "/dev/full":
        pytest.skip("no /dev/full here")
    code, _out, err = cli("check", str(EXAMPLE), "--as-of", AS_OF, "--format", "json", "-o", target)
    assert code == 2 and f"cannot write {target}" in err and "Traceback" not in err


def test_a_failed_run_leaves_the_previous_report_and_no_temporary_file(cli: CliRun, tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    report = tmp_path / "out" / "report.json"
    report.parent.mkdir()
    report.write_text("previous report\n")
    from legalcheck._report.reporters import json as _render_json

    def broken(*_args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(_render_json, "write_json", broken)
    code, _out, err = cli("check", str(EXAMPLE), "--as-of", AS_OF, "--format", "json", "-o", str(report))
    assert code == 2 and "No space left on device" in err
    assert report.read_text() == "previous report\n"
    assert os.listdir(report.parent) == ["report.json"]


def test_out_of_memory_is_a_message_not_a_traceback(cli: CliRun, monkeypatch: pytest.MonkeyPatch) -> None:
    from legalcheck._report.reporters import json as _render_json

    def exhausted(*_args: object) -> None:
        raise MemoryError()

    monkeypatch.setattr(_render_json, "write_json", exhausted)
    code, _out, err = cli("check", str(EXAMPLE), "--as-of", AS_OF, "--format", "json")
    assert code == 2 and "out of memory" in err and "Traceback" not in err


# --- 4 and 5: signals, with real processes --------------------------------------------------------------------


def _children(pid: int) -> set[int]:
    found = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        children = (task / "children").read_text().split()
        found.update(int(child) for child in children)
    return found


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@pytest.fixture(scope="module")
def many_cases(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A JSON Lines file long enough that a run with two workers is still going after a second."""
    line = json.dumps(example_case(), ensure_ascii=False)
    path = tmp_path_factory.mktemp("many") / "cases.jsonl"
    path.write_text((line + "\n") * 19_000, encoding="utf-8")
    return path


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs /proc to list worker processes")
@pytest.mark.parametrize(("fmt", "signum", "expected"), [
    ("jsonl", signal.SIGTERM, 143), ("json", signal.SIGTERM, 143), ("text", signal.SIGINT, 130),
    ("html", signal.SIGINT, 130),
])
def test_signal_stops_workers_keeps_previous_output_and_exits_conventionally(
        many_cases: Path, tmp_path: Path, fmt: str, signum: int, expected: int) -> None:
    report = tmp_path / f"report.{fmt}"
    report.write_text("previous report\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    process = subprocess.Popen(
        [sys.executable, "-m", "legalcheck", "check", str(many_cases), "--as-of", AS_OF, "--engine", "native",
         "--format", fmt, "-j", "2", "-o", str(report)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, start_new_session=True)
    try:
        workers: set[int] = set()
        deadline = time.monotonic() + 60
        while len(workers) < 2 and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.1)
            workers = _children(process.pid)
        assert len(workers) >= 2, "the pool did not start"
        time.sleep(0.5)  # mid-run, the workers busy
        if signum == signal.SIGINT:
            os.killpg(process.pid, signum)  # Ctrl-C reaches the whole foreground process group
        else:
            os.kill(process.pid, signum)  # as `timeout` sends it: to the parent only
        _out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    assert process.returncode == expected, err.decode()
    stderr = err.decode()
    assert "Traceback" not in stderr and ("已中断" in stderr)
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(pid) for pid in workers), "orphaned workers"
    assert report.read_text() == "previous report\n"
    assert [p.name for p in tmp_path.iterdir()] == [report.name]


# --- 2: duplicate keys in JSON and JSON Lines are refused as in YAML ------------------------------------------


def test_duplicate_key_in_json_is_refused_with_line_and_field_as_in_yaml(cli: CliRun, tmp_path: Path) -> None:
    case = example_case()
    assert case["events"][2]["date"] == "2025-06-20"
    lines = json.dumps(case, ensure_ascii=False, indent=1).splitlines()
    first = lines.index('   "date": "2025-06-20",') + 1
    lines.insert(first, '   "date": "2025-06-05",')  # the last would win: the late forwarding would vanish
    (tmp_path / "dup.json").write_text("\n".join(lines) + "\n", encoding="utf-8")
    forwarded = json.dumps(case["events"][2]).replace('"date": "2025-06-20"', '"date": "2025-06-20", "date": '
                                                                              '"2025-06-05"')
    (tmp_path / "dup.jsonl").write_text(json.dumps(case, ensure_ascii=False) + "\n"
                                        + '{"id": "X", "events": [' + forwarded + "]}\n", encoding="utf-8")
    (tmp_path / "dup.yaml").write_text(yaml.safe_dump(case, allow_unicode=True).replace(
        "  date: '2025-06-20'\n", "  date: '2025-06-20'\n  date: '2025-06-05'\n"), encoding="utf-8")
    code, out, _err = cli("check", str(tmp_path), "--as-of", AS_OF, "--format", "jsonl")
    assert code == 2
    records = [json.loads(r) for r in out.splitlines()]
    problems = {r["source"]: r["problems"] for r in records if r.get("kind") == "input_error"}
    assert problems[str(tmp_path / "dup.json")] == [{
        "file": str(tmp_path / "dup.json"), "line": first + 1, "column": 4, "field": "events[2].date",
        "code": "duplicate-key", "message": f"duplicate key 'date' (first on line {first})"}]
    (jsonl,) = problems[str(tmp_path / "dup.jsonl") + ":2"]
    assert (jsonl["line"], jsonl["field"], jsonl["message"]) == (2, "events[0].date",
                                                                 "duplicate key 'date' (first on line 2)")
    (in_yaml,) = problems[str(tmp_path / "dup.yaml")]
    assert in_yaml["field"] == "events[2].date"
    assert in_yaml["message"] == f"duplicate key 'date' (first on line {in_yaml['line'] - 1})"
    assert [r["case_id"] for r in records if "case_id" in r] == [case["id"]]  # the good record of the JSONL


# --- 3 and 13: every directory entry is checked, rejected, or skipped and counted ----------------------------


def test_bad_file_names_dangling_links_and_fifos_are_located_errors_and_the_batch_goes_on(
        cli: CliRun, tmp_path: Path) -> None:
    write_case(tmp_path / "good.json", example_case())
    bad_name = os.fsencode(tmp_path) + b"/bad\xff.json"
    with open(bad_name, "wb") as handle:
        handle.write(json.dumps(example_case(), ensure_ascii=False).encode())
    (tmp_path / "dangling.yaml").symlink_to("missing.yaml")
    os.mkfifo(tmp_path / "pipe.json")
    (tmp_path / "notes.txt").write_text("not a case")
    (tmp_path / ".hidden.yaml").write_text("id: x")
    code, out, err = cli("check", str(tmp_path), "--as-of", AS_OF, "--format", "jsonl", "--jobs", "1")
    assert code == 2
    records = [json.loads(r) for r in out.splitlines()]
    errors = {r["source"]: r["problems"][0]["message"] for r in records if r.get("kind") == "input_error"}
    assert errors == {
        f"{tmp_path}/bad\\xff.json": "file name is not UTF-8 (a byte such as \\xff in it); rename the file",
        f"{tmp_path}/dangling.yaml": "no such file: a symbolic link to 'missing.yaml', which does not "
                                     "exist",
        f"{tmp_path}/pipe.json": "not a regular file (a FIFO, socket or device); not read",
    }
    assert [r["case_id"] for r in records if "case_id" in r] == ["LJ-HX-2025-0588"]
    assert "共4件案件：已检查1件，无法读取3件" in err
    assert "跳过2个目录项（不是案件文件）：隐藏文件（1件）、文件名不是案件文件（1件）" in err


def test_skipped_entries_are_counted_in_the_json_summary(cli: CliRun, tmp_path: Path) -> None:
    write_case(tmp_path / "good.json", example_case())
    (tmp_path / "README.md").write_text("notes")
    code, out, _err = cli("check", str(tmp_path), "--as-of", AS_OF, "--format", "json")
    assert code == 1 and json.loads(out)["summary"]["skipped"] == 1


def test_duplicate_case_ids_in_a_batch_are_warned_with_a_code(cli: CliRun, tmp_path: Path) -> None:
    write_case(tmp_path / "a.json", example_case())
    write_case(tmp_path / "b.json", example_case())
    code, _out, err = cli("check", str(tmp_path), "--as-of", AS_OF, "--format", "jsonl")
    assert code == 1  # a warning: both cases are checked
    assert f"warning [duplicate-case-id]: {tmp_path}/b.json: case id 'LJ-HX-2025-0588' is also the id of an " \
           "earlier input" in err
    code, _out, err = cli("check", str(tmp_path), "--as-of", AS_OF, "--format", "json", "--redact")
    assert "warning [duplicate-case-id]: 1 input(s) repeat the case id" in err and "LJ-HX" not in err


def test_duplicate_event_ids_are_an_error_naming_both(cli: CliRun, tmp_path: Path) -> None:
    case = example_case()
    case["events"][1]["id"] = "e1"
    case["events"][4]["id"] = "e1"
    path = write_case(tmp_path / "a.json", case)
    code, out, _err = cli("check", str(path), "--as-of", AS_OF, "--format", "jsonl")
    (problem,) = json.loads(out)["problems"]
    assert code == 2 and problem["field"] == "events[4].id"
    assert problem["message"] == "duplicate event id 'e1' (first at events[1])"


# --- 10: integers the engines cannot order are refused at load, for both engines ------------------------------


@pytest.mark.parametrize("engine", ["native", "durable"])
@pytest.mark.parametrize("headcount", [2**62, 10**999], ids=["2**62", "999 digits"])
def test_integers_over_the_limit_are_refused_at_load_by_both_engines(cli: CliRun, tmp_path: Path, engine: str,
                                                                     headcount: int) -> None:
    case = example_case()
    case["headcount"] = headcount
    path = write_case(tmp_path / "a.json", case)
    code, out, err = cli("check", str(path), "--as-of", AS_OF, "--engine", engine)
    if "durable" in err and "unavailable" in err:
        pytest.skip("durable engine not available")
    assert code == 2, out + err
    assert "headcount" in out and "超出范围（应 <= 1000000000）" in out and len(out) < 400


# --- 6 and 8: redaction is linear and reaches rejected inputs --------------------------------------------------


def test_redaction_compiles_the_pattern_of_known_values_once(monkeypatch: pytest.MonkeyPatch) -> None:
    from legalcheck._report import redact as _redact

    compiled = []
    real_compile = re.compile

    def counting(pattern: str, *args: Any) -> re.Pattern[str]:
        compiled.append(pattern)
        return real_compile(pattern, *args)

    masker = Masker()
    masker.token("陈秀英", "信访人")
    monkeypatch.setattr(_redact.re, "compile", counting)
    texts = [f"陈秀英第{n}次来电，电话139{n:08d}，身份证11010119900307{n:04d}" for n in range(300)]
    masked = [masker.text(text) for text in texts]
    assert len(compiled) == 1  # each new number found in text used to force a recompilation
    assert masked[299] == "〔信访人1〕第299次来电，电话〔电话300〕，身份证〔身份证号300〕"


def test_redact_masks_names_in_messages_keys_and_file_names_of_rejected_inputs(cli: CliRun, tmp_path: Path) -> None:
    case = example_case()
    case["headcount"] = "陈秀英"
    case["petitioners"][0]["王小明"] = "x"
    (tmp_path / "陈秀英的信访.json").write_text(json.dumps(case, ensure_ascii=False), encoding="utf-8")
    for fmt in ("text", "json", "jsonl", "markdown", "html"):
        code, out, err = cli("check", str(tmp_path), "--as-of", AS_OF, "--format", fmt, "--redact")
        assert code == 2
        for name in ("陈秀英", "王小明"):
            assert name not in out and name not in err, (fmt, name)
    _code, out, _err = cli("check", str(tmp_path), "--as-of", AS_OF, "--format", "jsonl", "--redact")
    problems = json.loads(out)["problems"]
    assert {p["field"] for p in problems} == {"headcount", "petitioners[0].〔键1〕"}
    assert all(p["file"] == f"{tmp_path}/〔文件名1〕.json" for p in problems)


def test_redacting_a_rejected_item_keeps_schema_words_and_dates() -> None:
    error = CaseError([Problem(Location("cases/a.yaml", 3, 5, "events[0].date"), "bad-date", {"value": "'2025-02-30'"}),
                       Problem(Location("cases/a.yaml", 4, 1, "channel"), "unknown-value",
                               {"value": "'陈秀英'", "choices": "letter, visit"})])
    masked = redact_item(BatchItem("cases/a.yaml", error=error))
    assert isinstance(masked.error, CaseError)
    assert [m for _, m in ((p.location, p.message) for p in masked.error.problems)] == ["invalid date '2025-02-30' (expected YYYY-MM-DD or 2025年4月7日)",
                                                     "〔值1〕 is not one of letter, visit"]


# --- 7: clipping an HTML label is linear ---------------------------------------------------------------------


def test_clipping_a_long_label_measures_each_character_a_bounded_number_of_times(
        monkeypatch: pytest.MonkeyPatch) -> None:
    measured = 0
    real = _render_html.text_width

    def counting(text: str, *args: Any) -> float:
        nonlocal measured
        measured += len(text)
        return real(text, *args)

    monkeypatch.setattr(_render_html, "text_width", counting)
    label = "临江市河西区住房和城乡建设局" * 2_300  # 32,200 characters
    clipped = _render_html._clip(label, 200.0)
    assert clipped.endswith("…") and real(clipped) <= 200.0 and label.startswith(clipped[:-1])
    assert measured <= len(clipped) + 2  # only the visible part; it was quadratic in the whole label


# --- 9: control, bidi and line-separator characters --------------------------------------------------------


def test_newline_in_a_case_id_cannot_forge_a_summary_line(cli: CliRun, tmp_path: Path) -> None:
    case = example_case()
    case["id"] = "X\n共0件案件：已检查0件，无法读取0件；违规0项\x1b]0;owned\x07\x1b[2J"
    path = write_case(tmp_path / "a.json", case)
    _code, out, _err = cli("check", str(path), "--as-of", AS_OF)
    assert [line for line in out.splitlines() if line.startswith("共")] == ["共1件案件：已检查1件，无法读取0件；违规2项"]
    assert "\x1b" not in out and "\x07" not in out and "\\x1b]0;owned\\x07\\x1b[2J" in out


@pytest.mark.parametrize("fmt", ["markdown", "html", "text"])
def test_bidi_override_is_shown_not_obeyed(cli: CliRun, tmp_path: Path, fmt: str) -> None:
    case = example_case()
    case["agencies"][3]["name"] = "\u202e局信访区西河"
    path = write_case(tmp_path / "a.json", case)
    _code, out, _err = cli("check", str(path), "--as-of", AS_OF, "--format", fmt)
    assert "\u202e" not in out and "\\u202e局信访区西河" in out


def test_jsonl_escapes_unicode_line_separators(cli: CliRun, tmp_path: Path) -> None:
    case = example_case()
    case["id"] = "A\u2028B\u2029C\x85D"
    write_case(tmp_path / "a.json", case)
    case["id"] = "E"
    case["headcount"] = "\u2028"  # a rejected input's error record quotes the value
    write_case(tmp_path / "b.json", case)
    _code, out, _err = cli("check", str(tmp_path), "--as-of", AS_OF, "--format", "jsonl")
    lines = out.splitlines()
    assert len(lines) == 2 and "\u2028" not in out and "\x85" not in out
    assert json.loads(lines[0])["case_id"] == "A\u2028B\u2029C\x85D"


# --- 12: --format json streams; markdown and html refuse above a documented size --------------------------


def test_json_report_is_written_as_the_items_come() -> None:
    from legalcheck._report.reporters.json import write_json

    stream = io.StringIO()
    report = _one_report()
    written_before: list[int] = []

    def items() -> Iterator[BatchItem]:
        for _ in range(5):
            written_before.append(stream.getvalue().count('"case_id"'))
            yield BatchItem(report.source or "", report=report)
        yield BatchItem("bad.yaml", error=CaseError.at("invalid date 'x'", file="bad.yaml"))

    summary = Summary()
    write_json(items(), summary, stream)
    assert written_before == [0, 1, 2, 3, 4]  # each report was out before the next one was asked for
    document = json.loads(stream.getvalue())
    assert len(document["reports"]) == 5 and len(document["errors"]) == 1


def _one_report() -> Any:
    import datetime as dt

    from legalcheck import Evaluator

    return Evaluator(engine="native").check(load_case(EXAMPLE), as_of=dt.date(2025, 12, 1), source=str(EXAMPLE))


@pytest.mark.parametrize("fmt", ["markdown", "html"])
def test_documents_over_the_size_limit_are_refused_pointing_to_jsonl(cli: CliRun, tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch,
                                                                     fmt: str) -> None:
    from legalcheck import _cli

    monkeypatch.setattr(_cli, "MAX_DOCUMENT_INPUTS", 2)
    for name in "abc":
        case = copy.deepcopy(example_case())
        case["id"] = name
        write_case(tmp_path / f"{name}.json", case)
    report = tmp_path.parent / f"{tmp_path.name}-report.{fmt}"
    report.write_text("previous")
    code, _out, err = cli("check", str(tmp_path), "--as-of", AS_OF, "--format", fmt, "-o", str(report))
    assert code == 2 and "at most 2 inputs" in err and "--format jsonl" in err
    assert report.read_text() == "previous"


# --- 11: usage errors of the deadline calculator ----------------------------------------------------------


@pytest.mark.parametrize("args", [
    ("9999-12-31", "1d"),
    ("2025-09-26", "5wd", "--extend", "999999999999999999999"),
    ("2025-09-26", "5wd", "--exclude", "2025-09-20..2025-09-15"),
])
def test_deadline_usage_errors_exit_2_without_traceback(cli: CliRun, args: tuple[str, ...]) -> None:
    code, _out, err = cli("deadline", *args)
    assert code == 2 and "Traceback" not in err and "Error:" in err


@pytest.mark.parametrize(("text", "repeated"), [
    (b'{"a":1,"b":{"c":2,"c":3}}', True),
    (b'{"a":1,"b":{"c":2,"d":3}}', False),
    (b'{"a" :1,"a":2}', True),  # a space before the colon: the hook parse
    (b'{"a":"x\\":y","b":1}', False),  # an escaped quote: the hook parse
    (b'{"a":"x\\":y","a":1}', True),
    (b'{"a":[{"k":1},{"k":2}]}', False),  # equal keys in different objects
    (b'{"a":[{"k":1,"k":2}]}', True),
    (b'{"\\u0061":1,"a":2}', True),  # the same key, escaped once
    ('{"é":1,"é":2}', True),
    (b"not json", False),
])
def test_duplicate_key_detection_is_exact_on_both_paths(text: str | bytes, repeated: bool) -> None:
    from legalcheck._core.safe_yaml import has_duplicate_keys

    assert has_duplicate_keys(text) is repeated
