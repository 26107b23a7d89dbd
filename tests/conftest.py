"""Shared fixtures: one evaluator per engine for the whole session (building one compiles every rule)."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import settings

from legalcheck import Case, Evaluator
from legalcheck._cli import main
from legalcheck._core.paths import data_dir
from legalcheck._core.safe_yaml import Document
from legalcheck._engines.protocol import available_engines
from legalcheck._model.loader import case_from_document

ENGINES = available_engines()

# CI runs the property tests derandomized, so a landing never hinges on luck; local runs keep
# exploring new examples (and a longer fuzz run is one command, see tests/evaluation/test_fuzz.py).
settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


def pytest_configure(config: pytest.Config) -> None:
    """The compiled cache goes to a private directory for the run, never the user's ~/.cache
    (set before collection: some test modules build evaluators when imported)."""
    config.stash[_CACHE_DIR] = tempfile.mkdtemp(prefix="legalcheck-test-cache-")
    os.environ["LEGALCHECK_CACHE_DIR"] = config.stash[_CACHE_DIR]
    os.environ.pop("LEGALCHECK_NO_CACHE", None)


def pytest_unconfigure(config: pytest.Config) -> None:
    shutil.rmtree(config.stash.get(_CACHE_DIR, ""), ignore_errors=True)


_CACHE_DIR = pytest.StashKey[str]()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-goldens", action="store_true",
                     help="Rewrite the expected findings of examples/ from the current results (review the diff).")


@pytest.fixture(scope="session", params=ENGINES)
def evaluator(request: pytest.FixtureRequest) -> Evaluator:
    return Evaluator(engine=request.param)


@pytest.fixture(scope="session")
def native() -> Evaluator:
    return Evaluator(engine="native")


@pytest.fixture(scope="session")
def durable() -> Evaluator:
    """The durable-rules engine alone, for tests that compare it with the native one."""
    if "durable" not in ENGINES:
        pytest.skip("durable-rules not importable here")
    return Evaluator(engine="durable")


CliRun = Callable[..., tuple[int, str, str]]


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> CliRun:
    """Run ``legalcheck ARGS...`` in-process as the console script does: (exit code, stdout, stderr)."""
    def run(*args: str) -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "argv", ["legalcheck", *args])
        with pytest.raises(SystemExit) as info:
            main()
        captured = capsys.readouterr()
        code = info.value.code
        return (code if isinstance(code, int) else 0), captured.out, captured.err

    return run


def make_case(case_id: str, events: list[dict[str, Any]], **fields: Any) -> Case:
    """A validated letter complaint with one petitioner, its agencies from ``rules/agencies.yaml``
    (county-pb, county-hrss, …); ``fields`` add to or replace the case's fields."""
    data: dict[str, Any] = {
        "id": case_id, "agency_registry": "agencies.yaml", "channel": "letter", "category": "complaint",
        "petitioners": [{"name": "王五", "address": "某县某镇"}], "events": events, **fields}
    return case_from_document(Document(data, f"<{case_id}>", ""), base_dir=data_dir("rules"))
