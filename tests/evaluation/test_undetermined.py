"""The third outcome, undetermined, end to end; and the gate that keeps unvalidated cases out.

A rule that applies but lacks a recorded fact says so: in the report model (list, counts,
verdict), in every format, in the batch summary, in the docket, in the exit code (4) and in
``is_compliant``. A ``Case`` whose agencies do not resolve never reaches the evaluator.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

import legalcheck
from legalcheck import Evaluator, Report, UnvalidatedCaseError
from legalcheck._core.errors import RuleError
from legalcheck._core.paths import data_dir
from legalcheck._law.rules import load_ruleset
from legalcheck._model.findings import Counts

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
UNDETERMINED = EXAMPLES / "undetermined-missing-premises.yaml"
AS_OF = dt.date(2025, 12, 1)
CliRun = Callable[..., tuple[int, str, str]]  # the ``cli`` fixture of conftest.py


def _raw(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(json.dumps(yaml.safe_load(path.read_text(encoding="utf-8")), default=str))
    return data


# --- the validation gate ------------------------------------------------------------------


def test_a_case_built_from_a_dict_without_its_registry_is_refused(evaluator: Evaluator) -> None:
    case = legalcheck.Case.model_validate_json(json.dumps(_raw(EXAMPLES / "violating-late-forward.yaml")))
    for attempt in (lambda: evaluator.check(case, as_of=AS_OF), lambda: evaluator.is_compliant(case, as_of=AS_OF)):
        with pytest.raises(UnvalidatedCaseError) as info:
            attempt()
        assert info.value.code == "case-not-validated"
        assert info.value.exit_code == 2
        assert isinstance(info.value, legalcheck.CaseError)
        messages = [message for _loc, message in ((p.location, p.message) for p in info.value.problems)]
        assert "agency_registry '_agencies.yaml' was not merged" in messages[0]
        assert any(loc.field == "events[0].agency" for loc, _m in ((p.location, p.message) for p in info.value.problems))


def test_the_library_verbs_refuse_it_too() -> None:
    case = legalcheck.Case.model_validate_json(json.dumps(_raw(EXAMPLES / "violating-late-forward.yaml")))
    with pytest.raises(UnvalidatedCaseError):
        legalcheck.check(case, as_of=AS_OF, engine="native")
    with pytest.raises(UnvalidatedCaseError):
        legalcheck.is_compliant(case, as_of=AS_OF, engine="native")


def test_case_from_dict_validates_like_load_case(evaluator: Evaluator) -> None:
    case = legalcheck.load_case(_raw(EXAMPLES / "violating-late-forward.yaml"), base_dir=EXAMPLES)
    report = evaluator.check(case, as_of=AS_OF)
    assert [f.rule_id for f in report.findings] == ["LC1003", "LC1007"]
    assert report == evaluator.check(legalcheck.load_case(EXAMPLES / "violating-late-forward.yaml"), as_of=AS_OF)


def test_a_dict_case_with_every_agency_inline_needs_no_loader(evaluator: Evaluator) -> None:
    data = _raw(EXAMPLES / "violating-late-forward.yaml")
    registry = yaml.safe_load((EXAMPLES / "_agencies.yaml").read_text(encoding="utf-8"))
    data.pop("agency_registry")
    data["agencies"] = registry["agencies"]
    case = legalcheck.Case.model_validate_json(json.dumps(data))
    assert [f.rule_id for f in evaluator.check(case, as_of=AS_OF).findings] == ["LC1003", "LC1007"]


# --- the report ------------------------------------------------------------------------------


def test_undetermined_items_name_the_rule_the_law_and_the_missing_facts(evaluator: Evaluator) -> None:
    report = evaluator.check(legalcheck.load_case(UNDETERMINED), as_of=AS_OF)
    assert report.verdict == "undetermined" and report.compliant is False
    assert report.counts.violation == 0 and report.counts.undetermined == len(report.undetermined) == 4
    by_rule = {u.rule_id: u for u in report.undetermined}
    assert set(by_rule) == {"LC1007", "LC1008", "LC1015", "LC2023"}
    assert [m.path for m in by_rule["LC2023"].missing] == ["events[+accepted]"]
    assert [m.path for m in by_rule["LC1008"].missing] == ["competent_agencies"]
    assert by_rule["LC2023"].citations[0].label.zh == "《信访工作条例》第三十四条"
    assert by_rule["LC2023"].event is not None and by_rule["LC2023"].event.kind == "opinion_issued"
    assert "2025年7月10日" in by_rule["LC2023"].message.zh and "请记载" in by_rule["LC2023"].message.zh
    assert by_rule["LC2023"].record.zh == "记载办理机关受理该信访事项的日期"
    assert "xfgz-2022" in report.instruments
    assert evaluator.is_compliant(legalcheck.load_case(UNDETERMINED), as_of=AS_OF) is False


def test_a_petitioner_whose_address_was_not_entered_is_named(native: Evaluator) -> None:
    data = _raw(ROOT / "rules/xfgz-2022/LC1006-direct-petition-written-notice-within-15-days.yaml")
    example = next(e for e in data["examples"] if e["name"] == "joint-petitioner-address-not-entered-no-notice")
    case = legalcheck.load_case(example["case"], base_dir=ROOT / "rules/xfgz-2022")
    (item,) = [u for u in native.check(case, as_of=AS_OF).undetermined if u.rule_id == "LC1006"]
    assert [m.path for m in item.missing] == ["petitioners[1].address"]  # petitioners[0] is recorded unclear


def test_the_exception_needs_every_petitioner_recorded_unclear(native: Evaluator) -> None:
    data = _raw(ROOT / "rules/xfgz-2022/LC1006-direct-petition-written-notice-within-15-days.yaml")
    base = next(e for e in data["examples"] if e["name"] == "joint-petitioner-address-not-entered-no-notice")["case"]

    def outcome(petitioners: list[dict[str, Any]]) -> tuple[list[str], list[str]]:
        case = legalcheck.load_case({**base, "petitioners": petitioners}, base_dir=ROOT / "rules/xfgz-2022")
        report = native.check(case, as_of=AS_OF)
        return ([f.rule_id for f in report.findings if f.rule_id == "LC1006"],
                [u.rule_id for u in report.undetermined if u.rule_id == "LC1006"])

    unclear = {"name": "甲", "address_unclear": True}
    assert outcome([unclear, {"name": "乙", "address_unclear": True}]) == ([], [])  # the exception applies
    assert outcome([unclear, {"name": "乙"}]) == ([], ["LC1006"])  # one never entered: cannot tell
    assert outcome([unclear, {"name": "乙", "address": "某县"}, {"name": "丙"}]) == (["LC1006"], [])  # one notifiable
    assert outcome([]) == ([], ["LC1006"])  # no petitioner recorded at all


def test_the_verdict_must_agree_with_the_counts(native: Evaluator) -> None:
    report = native.check(legalcheck.load_case(UNDETERMINED), as_of=AS_OF)
    data = report.model_dump()
    data.update(verdict="compliant", compliant=True)
    with pytest.raises(ValidationError):
        Report.model_validate(data)
    data.update(verdict="undetermined", compliant=False, counts=Counts().model_dump())
    with pytest.raises(ValidationError):
        Report.model_validate(data)


# --- every format, the summary, the docket, the exit code --------------------------------------


def test_exit_code_4_when_only_undetermined(cli: CliRun) -> None:
    code, out, _ = cli("check", str(UNDETERMINED), "--as-of", "2025-12-01", "--engine", "native")
    assert code == 4
    assert "未发现问题" not in out
    assert "无法确定 LC2023" in out and "应当记载：记载办理机关受理该信访事项的日期" in out
    assert out.rstrip().endswith("违规0项，无法确定4项")
    code, out, _ = cli("check", str(UNDETERMINED), "--as-of", "2025-12-01", "--engine", "native", "--audit")
    assert "events[+accepted]" in out  # the missing field's path, for an auditor


def test_violations_outrank_undetermined_and_clean_is_0(cli: CliRun, tmp_path: Path) -> None:
    for name in ("violating-late-forward.yaml", "undetermined-missing-premises.yaml", "_agencies.yaml"):
        shutil.copy(EXAMPLES / name, tmp_path / name)
    code, _out, _ = cli("check", str(tmp_path), "--as-of", "2025-12-01", "--engine", "native")
    assert code == 1
    code, out, _ = cli("check", str(EXAMPLES / "compliant-direct-letter.yaml"), "--as-of", "2025-12-01",
                       "--engine", "native")
    assert code == 0 and "未发现问题" in out


@pytest.mark.parametrize("fmt", ["json", "jsonl", "markdown", "html"])
def test_every_format_shows_the_undetermined_items(cli: CliRun, fmt: str) -> None:
    code, out, err = cli("check", str(UNDETERMINED), "--as-of", "2025-12-01", "--engine", "native",
                         "--format", fmt)
    assert code == 4
    assert "无法确定4项" in err  # the summary on stderr counts them
    if fmt in ("json", "jsonl"):
        document = json.loads(out)
        report = document if fmt == "jsonl" else document["reports"][0]
        assert report["verdict"] == "undetermined" and report["compliant"] is False
        assert report["counts"]["undetermined"] == 4
        item = next(u for u in report["undetermined"] if u["rule_id"] == "LC2023")
        assert item["citations"][0]["article"] == 34 and item["missing"] == [{"path": "events[+accepted]"}]
        if fmt == "json":
            assert document["summary"]["undetermined"] == 4
    else:
        assert "因案卷缺少事实而无法确定的义务（4）" in out
        assert "记载办理机关受理该信访事项的日期" in out
        assert "events[+accepted]" in out.split("附录：核查信息")[1]  # the path, in the audit appendix
        assert "未发现问题" not in out


def test_the_english_text_says_undetermined(cli: CliRun) -> None:
    code, out, _ = cli("check", str(UNDETERMINED), "--as-of", "2025-12-01", "--engine", "native", "--lang", "en")
    assert code == 4 and "undetermined LC2023" in out and "No findings" not in out
    assert "Please record the date on which the handling agency accepted the matter." in out


def test_the_docket_lists_undetermined_obligations(cli: CliRun) -> None:
    code, out, _ = cli("due", str(UNDETERMINED), "--as-of", "2025-12-01")
    assert code == 0
    assert "无法确定的义务（4项，须先补记案卷）" in out and "LC2023" in out
    assert "应当记载：记载办理机关受理该信访事项的日期" in out
    code, out, _ = cli("due", str(UNDETERMINED), "--as-of", "2025-12-01", "--format", "json")
    assert [u["rule_id"] for u in json.loads(out)["undetermined"]] == ["LC1007", "LC1008", "LC1015", "LC2023"]


# --- the rule language ---------------------------------------------------------------------------


@pytest.fixture
def rules_copy(tmp_path: Path) -> Path:
    target = tmp_path / "rules"
    shutil.copytree(data_dir("rules"), target)
    return target


def _lc1008(rules_dir: Path) -> Path:
    return next(rules_dir.glob("xfgz-2022/LC1008-*.yaml"))


def _edit_clause(path: Path, **change: Any) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["undetermined"][0].update(change)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


@pytest.mark.parametrize(("change", "expected"), [
    ({"missing": ["competent agencies"]}, "is not a field path"),
    ({"missing": ["events[+acepted]"]}, "unknown event kind in 'events[+acepted]'; did you mean 'accepted'?"),
    ({"record": {"zh": "记载有权处理的机关。", "en": "record the competent agencies"}}, "no final full stop"),
    ({"when": {"has_competent_agencys": False}}, "unknown field 'has_competent_agencys'"),
    ({"unless_after": [{"event": "objection"}]}, "do not apply with 'unmet: true'"),
])
def test_bad_undetermined_clauses_are_refused_with_their_location(rules_copy: Path, change: dict[str, Any],
                                                                    expected: str) -> None:
    path = _lc1008(rules_copy)
    _edit_clause(path, **change)
    with pytest.raises(RuleError) as info:
        load_ruleset(rules_copy)
    assert any(expected in message and str(path) in str(loc) and "undetermined" in str(loc)
               for loc, message in ((p.location, p.message) for p in info.value.problems)), info.value.problems


def test_a_rule_with_clauses_needs_an_undetermined_example(rules_copy: Path) -> None:
    path = _lc1008(rules_copy)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["examples"] = [e for e in data["examples"] if e["expect"] != "undetermined"]
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with pytest.raises(RuleError, match="needs an example that expects 'undetermined'"):
        load_ruleset(rules_copy)


@pytest.mark.parametrize("rule_id", ["LC1020", "LC3002", "LC3005", "LC5033", "LC5035"])
def test_a_warning_rule_that_cannot_decide_makes_the_verdict_undetermined(evaluator: Evaluator, rule_id: str) -> None:
    """Not knowing whether a warning applies is still not knowing: the case is not reported compliant."""
    rules = ROOT / "rules"
    compiled = next(r for r in load_ruleset(rules).rules if r.rule.id == rule_id)
    assert compiled.rule.severity == "warning"
    example = next(e for e in compiled.rule.examples if e.expect == "undetermined")
    case = legalcheck.load_case(json.loads(json.dumps(example.case, default=str)), base_dir=compiled.source.parent)
    report = evaluator.check(case, as_of=example.as_of)
    item = next(u for u in report.undetermined if u.rule_id == rule_id)
    assert [m.path for m in item.missing] in (["agencies.superior"], ["competent_agencies"])
    assert report.compliant is False and report.verdict in ("undetermined", "violation")
    assert not any(f.rule_id == rule_id for f in report.findings)
