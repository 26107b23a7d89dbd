"""The compiled cache (``_core/cache.py``): never stale, never in the way.

conftest.py points ``LEGALCHECK_CACHE_DIR`` at a private directory for the whole run; these
tests point it at their own.
"""

from __future__ import annotations

import datetime as dt
import marshal
import os
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from legalcheck import Evaluator
from legalcheck._core import cache
from legalcheck._core.paths import data_dir
from legalcheck._dates import calendar as calendar_module
from legalcheck._dates.calendar import Calendar, load_calendar
from legalcheck._engines.native import NativeEngine
from legalcheck._evaluation import evaluator as evaluator_module
from legalcheck._facts.conditions import Compare, Query
from legalcheck._facts.facts import Facts
from legalcheck._law.rules import RuleSet

RULE = "LC1003"


@pytest.fixture
def rules(tmp_path: Path) -> Path:
    copy = tmp_path / "rules"
    shutil.copytree(data_dir("rules"), copy)
    return copy


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "cache"
    monkeypatch.setenv("LEGALCHECK_CACHE_DIR", str(directory))
    monkeypatch.delenv("LEGALCHECK_NO_CACHE", raising=False)
    return directory


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The rules directories actually loaded from their files (not from the cache)."""
    seen: list[Path] = []
    real: Callable[..., RuleSet] = evaluator_module.load_ruleset

    def counting(rules_dir: Path, packs_dir: Path | None = None) -> RuleSet:
        seen.append(rules_dir)
        return real(rules_dir, packs_dir)

    monkeypatch.setattr(evaluator_module, "load_ruleset", counting)
    return seen


def title(evaluator: Evaluator) -> str:
    return evaluator.ruleset.by_id(RULE).rule.title.zh


def rule_file(rules: Path) -> Path:
    return next(rules.glob(f"*/{RULE}-*.yaml"))


def entries(directory: Path) -> list[Path]:
    return sorted(directory.glob("ruleset-*.pickle"))


def test_an_unchanged_rule_set_comes_from_the_cache(rules: Path, cache_dir: Path, loads: list[Path]) -> None:
    first = Evaluator(engine="native", rules_dir=rules)
    assert len(loads) == 1 and len(entries(cache_dir)) == 1
    second = Evaluator(engine="native", rules_dir=rules)
    assert len(loads) == 1, "loaded from the files again although nothing changed"
    assert second.ruleset.fingerprint == first.ruleset.fingerprint
    assert [r.rule for r in second.ruleset.rules] == [r.rule for r in first.ruleset.rules]


def test_an_edited_rule_is_seen_on_the_next_load(rules: Path, cache_dir: Path, loads: list[Path]) -> None:
    before = Evaluator(engine="native", rules_dir=rules)
    path = rule_file(rules)
    old = title(before)
    path.write_text(path.read_text(encoding="utf-8").replace(f"zh: {old}", f"zh: {old}（已修改）", 1),
                    encoding="utf-8")
    after = Evaluator(engine="native", rules_dir=rules)
    assert title(after) == f"{old}（已修改）"
    assert after.ruleset.fingerprint != before.ruleset.fingerprint
    assert len(loads) == 2
    path.write_text(path.read_text(encoding="utf-8").replace("（已修改）", "", 1), encoding="utf-8")
    assert title(Evaluator(engine="native", rules_dir=rules)) == old  # the first entry again, still valid


def test_a_new_file_in_a_source_directory_changes_the_key(rules: Path) -> None:
    key = cache.entry_key("ruleset", (rules,))
    (rules / "notes.txt").write_text("anything", encoding="utf-8")
    assert cache.entry_key("ruleset", (rules,)) != key


@pytest.mark.parametrize("damage", [b"", b"not a pickle", b"\x80\x05garbage"])
def test_a_corrupt_entry_is_ignored_and_rebuilt(rules: Path, cache_dir: Path, loads: list[Path],
                                                damage: bytes) -> None:
    expected = title(Evaluator(engine="native", rules_dir=rules))
    (entry,) = entries(cache_dir)
    entry.write_bytes(damage)
    assert title(Evaluator(engine="native", rules_dir=rules)) == expected
    assert len(loads) == 2
    assert entry.read_bytes() != damage  # rewritten whole
    Evaluator(engine="native", rules_dir=rules)
    assert len(loads) == 2


def test_an_entry_of_the_wrong_type_is_rebuilt(rules: Path, cache_dir: Path, loads: list[Path]) -> None:
    Evaluator(engine="native", rules_dir=rules)
    (entry,) = entries(cache_dir)
    entry.write_bytes(b"\x80\x04K\x01.")  # pickle of the int 1
    assert title(Evaluator(engine="native", rules_dir=rules))
    assert len(loads) == 2


def test_an_unwritable_cache_directory_still_works(rules: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                  loads: list[Path]) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv("LEGALCHECK_CACHE_DIR", str(blocker / "cache"))  # cannot be created (root or not)
    assert title(Evaluator(engine="native", rules_dir=rules))
    assert title(Evaluator(engine="native", rules_dir=rules))
    assert len(loads) == 2


def test_a_directory_others_can_write_is_not_read(rules: Path, cache_dir: Path, loads: list[Path]) -> None:
    Evaluator(engine="native", rules_dir=rules)
    cache_dir.chmod(0o777)  # anyone could have planted an entry: pickles run code when loaded
    Evaluator(engine="native", rules_dir=rules)
    assert len(loads) == 2


def test_no_cache_reads_and_writes_nothing(rules: Path, cache_dir: Path, loads: list[Path],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEGALCHECK_NO_CACHE", "1")
    Evaluator(engine="native", rules_dir=rules)
    Evaluator(engine="native", rules_dir=rules)
    assert len(loads) == 2 and not cache_dir.exists()


def test_the_cli_no_cache_option(cli: Callable[..., tuple[int, str, str]], cache_dir: Path,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LEGALCHECK_NO_CACHE", raising=False)
    example = Path(__file__).resolve().parents[2] / "examples" / "compliant-direct-letter.yaml"
    code, out, _err = cli("--no-cache", "check", str(example), "--engine", "native", "--as-of", "2025-12-01")
    assert code == 0 and "compliant-direct-letter.yaml" in out
    assert not cache_dir.exists()
    assert os.environ["LEGALCHECK_NO_CACHE"] == "1"  # worker processes inherit it


def test_the_default_directory_follows_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("LEGALCHECK_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache.cache_dir() == tmp_path / "legalcheck"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache.cache_dir() == tmp_path / "home" / ".cache" / "legalcheck"


def test_the_source_tree_is_never_written(cache_dir: Path) -> None:
    Evaluator(engine="native")
    root = Path(__file__).resolve().parents[2]
    assert not any(root.rglob("*.pickle"))
    assert entries(cache_dir)


# --- the native engine's compiled queries ------------------------------------------------------------


def code_entries(directory: Path) -> list[Path]:
    return sorted(directory.glob("native-*.marshal"))


@pytest.fixture
def compiles(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The labels of the queries compiled from their source (not taken from the cache)."""
    seen: list[str] = []

    def counting(text: str, filename: str, mode: str) -> Any:
        seen.append(filename)
        return compile(text, filename, mode)

    monkeypatch.setattr(cache, "compile", counting, raising=False)  # shadows the builtin in that module only
    return seen


def channel_is(value: str) -> NativeEngine:
    """An engine of one case-wide query: the case's channel is ``value``."""
    return NativeEngine([Query("LC9999", Compare("channel", "eq", value), None)])


def matches(engine: NativeEngine, channel: str) -> bool:
    return bool(engine.run(Facts({"channel": channel}, ())))


def test_a_warm_start_compiles_no_query(cache_dir: Path, compiles: list[str]) -> None:
    first = NativeEngine(Evaluator(engine="native").ruleset.for_packs(()).rules[0].queries)
    assert compiles and len(code_entries(cache_dir)) == 1
    compiled = len(compiles)
    queries = Evaluator(engine="native").ruleset.for_packs(()).rules[0].queries
    again = NativeEngine(queries)
    assert len(compiles) == compiled, "compiled again although no query changed"
    assert [q.rule_id for q in again._queries] == [q.rule_id for q in first._queries]
    assert again._queries[0].run.__code__.co_filename == f"<{queries[0].rule_id}>"


def test_an_edited_query_is_compiled_again(cache_dir: Path, compiles: list[str]) -> None:
    letter = channel_is("letter")
    visit = channel_is("visit")
    assert matches(letter, "letter") and not matches(letter, "visit")
    assert matches(visit, "visit") and not matches(visit, "letter")
    assert len(compiles) == 2 and len(code_entries(cache_dir)) == 2


@pytest.mark.parametrize("damage", [b"", b"not marshal", marshal.dumps(1), marshal.dumps((1, 2))])
def test_a_corrupt_code_entry_is_ignored_and_rebuilt(cache_dir: Path, compiles: list[str], damage: bytes) -> None:
    channel_is("letter")
    (entry,) = code_entries(cache_dir)
    entry.write_bytes(damage)
    engine = channel_is("letter")
    assert matches(engine, "letter") and not matches(engine, "visit")
    assert len(compiles) == 2
    assert entry.read_bytes() != damage  # rewritten whole
    channel_is("letter")
    assert len(compiles) == 2


def test_no_cache_compiles_every_time_and_writes_nothing(cache_dir: Path, compiles: list[str],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEGALCHECK_NO_CACHE", "1")
    channel_is("letter")
    channel_is("letter")
    assert len(compiles) == 2 and not cache_dir.exists()


# --- the durable-rules engine's compiled rulesets ------------------------------------------------------


@pytest.fixture
def lowered(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many queries were compiled to durable rulesets from scratch (not taken from the cache)."""
    from legalcheck._engines.durable import engine as durable_engine

    seen: list[int] = []
    real = durable_engine.compile_queries

    def counting(queries: Sequence[Any], capacity: int) -> Any:
        seen.append(len(queries))
        return real(queries, capacity)

    monkeypatch.setattr(durable_engine, "compile_queries", counting)
    return seen


def durable_entries(directory: Path) -> list[Path]:
    return sorted(directory.glob("durable-*.pickle"))


def compiled_shape(engine: Any) -> tuple[Any, ...]:
    """What a durable engine was compiled to: its rulesets, what each rule stands for, its case facts."""
    base = engine._base
    return base.rulesets, base.rules, base.layouts, base.kinds, base.inputs


def test_durable_rulesets_compiled_once_are_taken_from_the_cache(cache_dir: Path, lowered: list[int]) -> None:
    pytest.importorskip("durable.engine")
    from legalcheck._engines.durable import DurableEngine

    queries = Evaluator(engine="native").ruleset.for_packs(()).rules[0].queries
    first = DurableEngine(queries)
    assert lowered == [len(queries)] and len(durable_entries(cache_dir)) == 1
    again = DurableEngine(queries)
    assert lowered == [len(queries)], "compiled again although no query changed"
    assert compiled_shape(again) == compiled_shape(first)


def test_an_edited_query_is_compiled_to_durable_again(cache_dir: Path, lowered: list[int]) -> None:
    pytest.importorskip("durable.engine")
    from legalcheck._engines.durable import DurableEngine
    from legalcheck._facts.conditions import Query

    letter = Query("LC9999", Compare("channel", "eq", "letter"), None)
    visit = Query("LC9999", Compare("channel", "eq", "visit"), None)
    assert compiled_shape(DurableEngine([letter])) != compiled_shape(DurableEngine([visit]))  # the constant differs
    assert lowered == [1, 1] and len(durable_entries(cache_dir)) == 2


def test_a_corrupt_durable_entry_is_ignored_and_rebuilt(cache_dir: Path, lowered: list[int]) -> None:
    pytest.importorskip("durable.engine")
    from legalcheck._engines.durable import DurableEngine

    queries = Evaluator(engine="native").ruleset.for_packs(()).rules[0].queries
    expected = compiled_shape(DurableEngine(queries))
    (entry,) = durable_entries(cache_dir)
    entry.write_bytes(b"not a pickle")
    assert compiled_shape(DurableEngine(queries)) == expected
    assert lowered == [len(queries)] * 2 and entry.read_bytes() != b"not a pickle"


# --- the calendar ------------------------------------------------------------------------------------

OVERRIDE = """\
schema: legalcheck/calendar/1
source: {title: 测试通知, url_or_document_number: TEST-2027, published: 2026-11-01}
years:
  2027:
    replace: true
    rest_days: [{date: 2027-01-01, name: 元旦}]
"""
NEW_YEAR, NEXT_DAY = dt.date(2027, 1, 1), dt.date(2027, 1, 4)  # a Friday and the Monday after


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Path, ...]]:
    """The override files of every calendar built from its files (not taken from the cache)."""
    seen: list[tuple[Path, ...]] = []
    real = calendar_module._build

    def counting(files: Sequence[Path]) -> Calendar:
        seen.append(tuple(files))
        return real(files)

    monkeypatch.setattr(calendar_module, "_build", counting)
    return seen


def calendar_entries(directory: Path) -> list[Path]:
    return sorted(directory.glob("calendar-*.pickle"))


def test_an_edited_calendar_file_is_seen_on_the_next_load(tmp_path: Path, cache_dir: Path,
                                                          builds: list[tuple[Path, ...]]) -> None:
    path = tmp_path / "cn-2027.yaml"
    path.write_text(OVERRIDE, encoding="utf-8")
    first = load_calendar([path])
    assert first.is_holiday(NEW_YEAR) and not first.is_holiday(NEXT_DAY)
    assert load_calendar([path]) == first and len(builds) == 1 and len(calendar_entries(cache_dir)) == 1
    path.write_text(OVERRIDE.replace("2027-01-01", "2027-01-04"), encoding="utf-8")
    second = load_calendar([path])
    assert second.is_holiday(NEXT_DAY) and not second.is_holiday(NEW_YEAR)
    assert second.fingerprint != first.fingerprint and len(builds) == 2
    assert second.sources[0] == first.sources[0]  # the package's data, the same


def test_a_cached_calendar_names_its_files_as_given(tmp_path: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch,
                                                    builds: list[tuple[Path, ...]]) -> None:
    (tmp_path / "cn-2027.yaml").write_text(OVERRIDE, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert load_calendar([tmp_path / "cn-2027.yaml"]).sources[-1].name == str(tmp_path / "cn-2027.yaml")
    assert load_calendar([Path("cn-2027.yaml")]).sources[-1].name == "cn-2027.yaml"  # the receipt's words
    assert len(builds) == 2


def test_a_corrupt_calendar_entry_is_ignored_and_rebuilt(cache_dir: Path, builds: list[tuple[Path, ...]]) -> None:
    expected = load_calendar()
    (entry,) = calendar_entries(cache_dir)
    entry.write_bytes(b"\x80\x05garbage")
    rebuilt = load_calendar()
    assert rebuilt == expected and rebuilt.sources == expected.sources and len(builds) == 2
    assert rebuilt.rest_day_label(dt.date(2025, 10, 1)) == expected.rest_day_label(dt.date(2025, 10, 1))
    assert entry.read_bytes() != b"\x80\x05garbage"
    assert load_calendar() == expected and len(builds) == 2
