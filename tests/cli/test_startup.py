"""What one CLI run loads and does before its command: a legal officer checks one file at a time,
and an integrating system starts workers often (docs/performance.md, "Fast start"). The imports
are listed in a fresh interpreter each, so that what earlier tests imported cannot hide one.
"""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from conftest import CliRun

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "violating-late-forward.yaml"

# Run the console script's command line in a fresh interpreter, then list what it imported.
_RUN = """
import json, sys
from legalcheck._cli import main
listing, sys.argv = sys.argv[1], ["legalcheck", *sys.argv[2:]]
try:
    main()
except SystemExit as exit:
    code = exit.code
with open(listing, "w", encoding="utf-8") as handle:
    json.dump({"exit": code, "modules": sorted(sys.modules)}, handle)
"""


def modules_of(tmp_path: Path, *args: str) -> tuple[int, str, set[str]]:
    """Exit code, standard output and the modules loaded by ``legalcheck ARGS...``."""
    listing = tmp_path / "modules.json"
    done = subprocess.run([sys.executable, "-c", _RUN, str(listing), *args], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}, check=False, timeout=120)
    assert listing.exists(), done.stderr
    found = json.loads(listing.read_text(encoding="utf-8"))
    return found["exit"], done.stdout, set(found["modules"])


@pytest.mark.parametrize("engine", ["native", None])
def test_checking_one_case_starts_no_worker_machinery_and_reads_no_ledger(tmp_path: Path, engine: str | None) -> None:
    chosen = ("--engine", engine) if engine else ()
    code, out, modules = modules_of(tmp_path, "check", str(EXAMPLE), "--as-of", "2025-12-01", *chosen)
    assert code == 1 and "LC1003" in out  # the case was checked and reported
    assert "legalcheck._evaluation.evaluator" in modules
    # The default --jobs is the number of cores, but one input never needs a pool.
    assert not {"multiprocessing", "concurrent.futures", "concurrent.futures.process"} & modules
    assert "legalcheck._model.ledger" not in modules


def test_a_deadline_builds_no_case_or_report_model(tmp_path: Path) -> None:
    code, out, modules = modules_of(tmp_path, "deadline", "2025-09-26", "5wd")
    assert code == 0 and "2025年10月10日" in out
    assert not {"legalcheck._model.case", "legalcheck._model.findings", "legalcheck._law.rules",
                "multiprocessing"} & modules


def test_the_garbage_collector_runs_while_a_command_does(cli: CliRun, monkeypatch: pytest.MonkeyPatch) -> None:
    """Paused while the command line is read (what it imports lives as long as the process), never
    while a command runs: a long batch must not keep its garbage."""
    from legalcheck._dates import calendar

    seen: list[bool] = []
    real = calendar.load_calendar

    def watching(*args: Any, **kwargs: Any) -> calendar.Calendar:
        seen.append(gc.isenabled())
        return real(*args, **kwargs)

    monkeypatch.setattr(calendar, "load_calendar", watching)
    assert gc.isenabled()
    code, out, _err = cli("deadline", "2025-09-26", "5wd")
    assert code == 0 and "2025年10月10日" in out
    assert seen == [True] and gc.isenabled()
    assert cli("--version")[0] == 0 and gc.isenabled()  # a run that ends before any command


def test_the_garbage_collector_runs_while_cases_are_checked(cli: CliRun, monkeypatch: pytest.MonkeyPatch) -> None:
    """check and due start it once their evaluator is built, before the first input."""
    from legalcheck._evaluation.evaluator import Evaluator

    seen: list[bool] = []
    real = Evaluator.check

    def watching(self: Evaluator, *args: Any, **kwargs: Any) -> Any:
        seen.append(gc.isenabled())
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Evaluator, "check", watching)
    code, out, _err = cli("check", str(EXAMPLE), "--as-of", "2025-12-01", "--engine", "native", "--jobs", "1")
    assert code == 1 and "LC1003" in out
    code, out, _err = cli("due", str(EXAMPLE), "--as-of", "2025-06-05")
    assert code == 0
    assert seen == [True, True] and gc.isenabled()
