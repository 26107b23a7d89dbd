"""Real JSON and JSON Lines output validates against ``legalcheck schema --report``."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]  # no stubs in the test extras
import pytest
import yaml
from click.testing import CliRunner

from legalcheck._cli import cli
from legalcheck._core.paths import data_dir
from legalcheck._law.rules import load_ruleset

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
AS_OF = "2025-12-01"


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.stdout


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    code, text = invoke("schema", "--report")
    assert code == 0
    schema = json.loads(text)
    jsonschema.Draft202012Validator.check_schema(schema)  # pydantic writes 2020-12 ($defs, prefixItems)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """The examples, every rule's example cases (violations, notices, pending, roll-overs) and a rejected file."""
    directory = tmp_path_factory.mktemp("schema")
    for compiled in load_ruleset(data_dir("rules"), data_dir("packs")).rules:
        for example in compiled.rule.examples:
            case = dict(example.case)
            if "agency_registry" in case:
                case["agency_registry"] = str((compiled.source.parent / case["agency_registry"]).resolve())
            path = directory / f"{compiled.rule.id}-{example.name}.yaml"
            path.write_text(yaml.safe_dump(case, allow_unicode=True, sort_keys=False), encoding="utf-8")
    (directory / "rejected.yaml").write_text("id: x\nchannel: pigeon\n", encoding="utf-8")
    return [str(EXAMPLES), str(directory)]


def check(inputs: list[str], *args: str) -> str:
    code, text = invoke("check", *inputs, "--engine", "native", "--jobs", "1", "--as-of", AS_OF, *args)
    assert code == 2  # the rejected file
    return text


@pytest.fixture(scope="module")
def document(inputs: list[str]) -> dict[str, Any]:
    parsed: dict[str, Any] = json.loads(check(inputs, "--format", "json"))
    return parsed


def assert_valid(validator: jsonschema.Draft202012Validator, report: dict[str, Any]) -> None:
    errors = sorted(validator.iter_errors(report), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:5])


def test_json_reports_validate(validator: jsonschema.Draft202012Validator, document: dict[str, Any]) -> None:
    reports = document["reports"]
    assert len(reports) > 100 and len(document["errors"]) == 1
    kinds = {f["severity"] for r in reports for f in r["findings"]}
    statuses = {f["deadline"]["status"] for r in reports for f in r["findings"] if f["deadline"]}
    assert kinds == {"violation", "warning", "notice"} and {"late", "overdue", "met_by_roll_over"} <= statuses
    assert any(r["pending"] for r in reports) and any(r["packs"] for r in reports)
    for report in reports:
        assert_valid(validator, report)


def test_jsonl_lines_validate(validator: jsonschema.Draft202012Validator, inputs: list[str]) -> None:
    lines = [json.loads(line) for line in check(inputs, "--format", "jsonl").splitlines()]
    errors = [line for line in lines if line.get("kind") in ("input_error", "internal_error")]
    reports = [line for line in lines if line not in errors]
    assert len(reports) > 100 and len(errors) == 1
    for report in reports:
        assert_valid(validator, report)
    (error,) = errors
    assert set(error) >= {"source", "kind", "problems"} and error["kind"] == "input_error"
    assert all({"file", "line", "column", "field", "message"} <= set(p) for p in error["problems"])


def test_redacted_reports_validate(validator: jsonschema.Draft202012Validator, inputs: list[str]) -> None:
    for report in json.loads(check(inputs, "--format", "json", "--redact"))["reports"]:
        assert_valid(validator, report)


def test_schema_rejects_what_is_not_a_report(validator: jsonschema.Draft202012Validator,
                                             document: dict[str, Any]) -> None:
    """The schema has teeth: unknown keys, bad dates, bad severities and missing fields fail."""
    report = next(r for r in document["reports"] if any(f["deadline"] for f in r["findings"]))
    finding = next(i for i, f in enumerate(report["findings"]) if f["deadline"])
    mutations: list[Callable[[dict[str, Any]], object]] = [
        lambda r: r.update(extra=1),
        lambda r: r.update(as_of="2025-13-01"),
        lambda r: r["findings"][finding].update(severity="fatal"),
        lambda r: r["findings"][finding]["deadline"].pop("strict_due"),
        lambda r: r["counts"].update(violation="1"),
    ]
    for mutate in mutations:
        broken = copy.deepcopy(report)
        mutate(broken)
        assert not validator.is_valid(broken)
