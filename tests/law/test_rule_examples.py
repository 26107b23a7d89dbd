"""Every rule's own examples, run on every available engine.

A violating example must yield a finding of that rule, a compliant one none, a
pending one an entry on the docket, a notice one only notices.
"""

from __future__ import annotations

import pytest

from legalcheck import Evaluator
from legalcheck._core.paths import data_dir
from legalcheck._core.safe_yaml import Document
from legalcheck._law.rules import CompiledRule, Example, load_ruleset
from legalcheck._model.loader import case_from_document

RULESET = load_ruleset(data_dir("rules"), data_dir("packs"))
CASES = [(compiled, example) for compiled in RULESET.rules for example in compiled.rule.examples]


def outcome(evaluator: Evaluator, compiled: CompiledRule, example: Example) -> str:
    case = case_from_document(Document(example.case, str(compiled.source), ""), base_dir=compiled.source.parent)
    packs = [compiled.pack] if compiled.pack else None
    report = evaluator.check(case, as_of=example.as_of, roll_over=example.roll_over, packs=packs)
    mine = [f for f in report.findings if f.rule_id == compiled.rule.id]
    if mine:
        return "notice" if all(f.severity == "notice" for f in mine) else "violation"
    if any(u.rule_id == compiled.rule.id for u in report.undetermined):
        return "undetermined"
    if any(p.rule_id == compiled.rule.id for p in report.pending):
        return "pending"
    return "compliant"


@pytest.mark.parametrize(("compiled", "example"), CASES,
                         ids=[f"{c.rule.id}-{e.name}" for c, e in CASES])
def test_rule_example(evaluator: Evaluator, compiled: CompiledRule, example: Example) -> None:
    assert outcome(evaluator, compiled, example) == example.expect


def test_every_rule_has_both_kinds_of_example() -> None:
    for compiled in RULESET.rules:
        expects = {e.expect for e in compiled.rule.examples}
        assert "compliant" in expects and expects & {"violation", "notice"}, compiled.rule.id


def test_reports_carry_the_readings_they_applied_and_no_others(native: Evaluator) -> None:
    """Each report's readings: those its findings used, those that selected its instruments, the standing
    ones, plus roll-over when it was on, in readings.yaml order."""
    seen: set[str] = set()
    for compiled, example in CASES:
        case = case_from_document(Document(example.case, str(compiled.source), ""), base_dir=compiled.source.parent)
        for roll_over in (True, False):
            report = native.check(case, as_of=example.as_of, roll_over=roll_over,
                                  packs=[compiled.pack] if compiled.pack else None)
            used = ({r for f in report.findings for r in f.readings} | ({"roll-over-rest-day"} if roll_over else set())
                    | set(report.selection_readings) | {r.id for r in RULESET.readings.values() if r.standing})
            assert [r.id for r in report.readings] == [r for r in RULESET.readings if r in used]
            assert all(r.text.zh and r.text.en for r in report.readings)
            seen |= used
    assert len(seen) >= 3  # the examples exercise several readings, not just roll-over
