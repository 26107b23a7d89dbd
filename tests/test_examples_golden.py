"""Golden tests: every file in examples/ with its expected findings in examples/_expected/.

Run ``pytest tests/test_examples_golden.py --update-goldens`` to rewrite the expected
files from the current results, then review the diff like any other change.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from legalcheck import Evaluator, Report, load_case

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted(p for p in (ROOT / "examples").glob("*.yaml") if not p.name.startswith("_"))
EXPECTED = ROOT / "examples" / "_expected"
DEFAULT_AS_OF = "2025-12-01"


def projection(report: Report) -> dict[str, Any]:
    """What a golden file pins down: every finding, pending and undetermined obligation, and the verdict."""
    def deadline(d: Any) -> dict[str, Any] | None:
        if d is None:
            return None
        return {"start": str(d.start), "period": d.period, "strict_due": str(d.strict_due),
                "rolled_due": str(d.rolled_due) if d.rolled_due else None,
                "effective_due": str(d.effective_due), "actual": str(d.actual) if d.actual else None,
                "status": d.status, "days_late": d.days_late}

    return {
        "as_of": str(report.as_of),
        "instruments": list(report.instruments),
        "findings": [{"rule_id": f.rule_id, "severity": f.severity, "instrument": f.instrument,
                      "citations": [c.label.zh for c in f.citations],
                      "events": [e.path for e in f.events], "deadline": deadline(f.deadline)}
                     for f in report.findings],
        "pending": [{"rule_id": p.rule_id, "trigger": p.trigger.path, "due": str(p.due) if p.due else None}
                    for p in report.pending],
        "undetermined": [{"rule_id": u.rule_id, "event": u.event.path if u.event else None,
                          "missing": [m.path for m in u.missing]} for u in report.undetermined],
        "verdict": report.verdict,
    }


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_matches_golden(evaluator: Evaluator, path: Path, request: pytest.FixtureRequest) -> None:
    expected_file = EXPECTED / f"{path.stem}.json"
    as_of = DEFAULT_AS_OF
    if expected_file.exists():
        as_of = json.loads(expected_file.read_text(encoding="utf-8"))["as_of"]
    report = evaluator.check(load_case(path), as_of=dt.date.fromisoformat(as_of))
    actual = projection(report)
    if request.config.getoption("--update-goldens"):
        EXPECTED.mkdir(exist_ok=True)
        expected_file.write_text(json.dumps(actual, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    assert expected_file.exists(), f"no golden file for {path.name}; run with --update-goldens"
    assert actual == json.loads(expected_file.read_text(encoding="utf-8"))


def test_examples_cover_compliant_and_violating_direct_and_forwarded_letter_and_visit() -> None:
    cases = [load_case(p) for p in EXAMPLES]
    assert len(cases) >= 6
    assert {c.channel.value for c in cases} >= {"letter", "visit"}
    assert {e.via for c in cases for e in c.events if e.kind == "received"} >= {"direct", "forwarded"}
    goldens = [json.loads((EXPECTED / f"{p.stem}.json").read_text(encoding="utf-8")) for p in EXAMPLES]
    assert any(not g["findings"] for g in goldens) and any(
        f["severity"] == "violation" for g in goldens for f in g["findings"])
