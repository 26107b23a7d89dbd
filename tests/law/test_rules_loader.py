"""The rule loader: bundled rules are valid and cite real text; bad rule files are refused precisely."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from legalcheck._core.errors import RuleError
from legalcheck._core.paths import data_dir
from legalcheck._law.regulations import load_corpus
from legalcheck._law.rules import load_ruleset

RULES = data_dir("rules")
RULESET = load_ruleset(RULES, data_dir("packs"))
CORPUS = load_corpus()


@pytest.mark.parametrize("compiled", RULESET.rules, ids=[r.rule.id for r in RULESET.rules])
def test_citations_resolve_and_grounds_are_verbatim(compiled: object) -> None:
    rule = compiled.rule  # type: ignore[attr-defined]
    texts = [CORPUS.resolve(c.instrument, c.article, c.paragraph, c.item).zh for c in rule.citations]
    for spec in rule.liability:
        CORPUS.resolve(spec.instrument, spec.article, spec.paragraph, spec.item)
    assert any(rule.grounds.zh in text for text in texts), f"{rule.id}: grounds not found verbatim in its citations"


def test_rule_in_force_matches_its_instrument() -> None:
    for compiled in RULESET.rules:
        rule = compiled.rule
        instrument = CORPUS.instrument(rule.instrument)
        assert rule.effective_from >= instrument.effective_from, rule.id
        if instrument.effective_until is not None:
            assert rule.effective_until is not None and rule.effective_until <= instrument.effective_until, rule.id


def test_readings_cite_real_provisions() -> None:
    for reading in RULESET.readings.values():
        for spec in reading.grounds:
            CORPUS.resolve(spec.instrument, spec.article, spec.paragraph, spec.item)


@pytest.fixture
def rules_copy(tmp_path: Path) -> Path:
    target = tmp_path / "rules"
    shutil.copytree(RULES, target)
    return target


def _edit(path: Path, change: dict[str, object]) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data.update(change)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _one_rule(rules_dir: Path) -> Path:
    return sorted(rules_dir.glob("xfgz-2022/LC1003-*.yaml"))[0]


def _problems(rules_dir: Path) -> list[str]:
    with pytest.raises(RuleError) as info:
        load_ruleset(rules_dir, None)
    return [f"{loc}: {msg}" for loc, msg in ((p.location, p.message) for p in info.value.problems)]


def test_unknown_key_is_named_with_suggestion(rules_copy: Path) -> None:
    path = _one_rule(rules_copy)
    _edit(path, {"severty": "violation"})
    [problem] = _problems(rules_copy)
    assert str(path) in problem and "severty" in problem and "did you mean 'severity'" in problem


def test_unknown_fact_field_is_named_with_line(rules_copy: Path) -> None:
    path = _one_rule(rules_copy)
    text = path.read_text(encoding="utf-8").replace("agency_kind: petition_bureau", "agency_knd: petition_bureau")
    path.write_text(text, encoding="utf-8")
    [problem] = _problems(rules_copy)
    line = next(i for i, l in enumerate(text.splitlines(), 1) if "agency_knd" in l)
    assert f"{path}:{line}:" in problem
    assert "unknown field 'agency_knd'" in problem and "did you mean 'agency_kind'" in problem


def test_unknown_event_kind(rules_copy: Path) -> None:
    path = _one_rule(rules_copy)
    path.write_text(path.read_text(encoding="utf-8").replace("event: received", "event: recieved"), encoding="utf-8")
    [problem] = _problems(rules_copy)
    assert "unknown event kind 'recieved'" in problem and "did you mean 'received'" in problem


def test_bad_id_and_name(rules_copy: Path) -> None:
    path = _one_rule(rules_copy)
    _edit(path, {"id": "X12", "name": "Not_Kebab"})
    problems = "\n".join(_problems(rules_copy))
    assert "rule id 'X12'" in problems and "not kebab-case" in problems


def test_retired_id_is_refused(rules_copy: Path) -> None:
    (rules_copy / "retired.yaml").write_text(
        "retired:\n  - {id: LC1003, name: old-rule, retired_on: 2026-01-01, reason: split in two}\n", encoding="utf-8")
    problems = "\n".join(_problems(rules_copy))
    assert "LC1003 is retired and never reused" in problems


def test_duplicate_id_is_refused(rules_copy: Path) -> None:
    source = _one_rule(rules_copy)
    twin = source.with_name("LC1003-a-twin-rule.yaml")
    text = source.read_text(encoding="utf-8").replace("name: petition-bureau-disposes-within-15-days",
                                                      "name: a-twin-rule")
    twin.write_text(text, encoding="utf-8")
    assert any("duplicate rule id LC1003" in p for p in _problems(rules_copy))


def test_examples_must_include_compliant_and_violating(rules_copy: Path) -> None:
    path = _one_rule(rules_copy)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["examples"] = [e for e in data["examples"] if e["expect"] == "violation"] * 2
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    assert any("at least one compliant" in p for p in _problems(rules_copy))


def test_bad_period_and_message_placeholder(rules_copy: Path) -> None:
    path = _one_rule(rules_copy)
    text = path.read_text(encoding="utf-8").replace("period: 15d", "period: 15 days").replace("{agency}", "{agent}", 1)
    path.write_text(text, encoding="utf-8")
    problems = "\n".join(_problems(rules_copy))
    assert "period '15 days'" in problems and "placeholder {agent}" in problems


def test_no_code_execution_from_rule_files(rules_copy: Path) -> None:
    path = _one_rule(rules_copy)
    path.write_text("!!python/object/apply:os.system ['echo pwned']\n", encoding="utf-8")
    [problem] = _problems(rules_copy)
    assert problem.startswith(f"{path}:1:1:") and "python/object" in problem


def test_file_name_must_match_id_and_name(rules_copy: Path) -> None:
    path = _one_rule(rules_copy)
    path.rename(path.with_name("LC1003-renamed.yaml"))
    assert any("file name should be LC1003-petition-bureau-disposes-within-15-days.yaml" in p
               for p in _problems(rules_copy))


def test_unless_before_is_validated_at_load(rules_copy: Path) -> None:
    path = sorted(rules_copy.glob("xfgz-2022/LC2029-*.yaml"))[0]
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("where: {outcome: [agreed,", "where: {outcom: [agreed,"), encoding="utf-8")
    [problem] = _problems(rules_copy)
    line = next(i for i, l in enumerate(text.splitlines(), 1) if "where: {outcome: [agreed," in l)
    assert f"{path}:{line}:" in problem and "check.forbid.unless_before.where" in problem
    assert "unknown field 'outcom'" in problem and "did you mean 'outcome'" in problem


def test_unless_before_needs_a_forbidden_event(rules_copy: Path) -> None:
    path = sorted(rules_copy.glob("xfgz-2022/LC1014-*.yaml"))[0]
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["check"]["forbid"]["unless_before"] = {"event": "registered"}
    _edit(path, data)
    [problem] = _problems(rules_copy)
    assert str(path) in problem and "'unless_before' needs 'event'" in problem
