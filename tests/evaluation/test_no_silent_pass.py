"""Metamorphic test against silent passes: removing a recorded fact never turns a violation into silence.

For every rule of severity ``violation`` and every one of its violating examples, each
recorded fact is deleted in turn (an optional case field, a petitioner's particular, an
optional event field, a whole event). Every mutated case that still validates must leave the
rule a violation, make it *undetermined*, or leave it pending on the docket: never compliant
without comment. Run on every engine.

Two kinds of deletion are outside the property, by construction (``_exempt``):

- the act the rule judges: an event of the rule's anchor kind (an obligation's trigger, a
  forbidden act) or of a forbid rule's ``after`` kind (the earlier act that makes a later one a
  breach). Without it the file records no act for the rule to judge; where a later act shows
  the premise anyway (an opinion with no acceptance before it), the rule has an undetermined
  clause, and the tests below name those cases;
- a field whose case-model default is a value, not "nothing" (``flags.*``, ``status``,
  ``via``, ``same_facts_as_concluded``, …): omitting it records the default. For the boolean
  flags that is a decision, not a limit of the model: each marks an exception the law attaches
  duties to, and an unrecorded exception is read as absent (reading
  exceptional-circumstances-recorded-when-present). ``flags.statutory_procedure`` has no such
  default: left out, it is not recorded, and the rules that turn on it say undetermined.

What still escapes is listed in ``KNOWN_GAPS`` with the reason; the test fails both on a new
escape and on a listed gap that no longer escapes, so the list stays exact.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from typing import Any, get_args

import pytest

from legalcheck import Evaluator
from legalcheck._core.errors import CaseError
from legalcheck._core.paths import data_dir
from legalcheck._core.safe_yaml import Document
from legalcheck._law.rules import CompiledRule, Example, load_ruleset
from legalcheck._model.case import Case, Event, Flags
from legalcheck._model.loader import case_from_document

RULESET = load_ruleset(data_dir("rules"), data_dir("packs"))
VIOLATING = [(compiled, example) for compiled in RULESET.rules if compiled.rule.severity == "violation"
             for example in compiled.rule.examples if example.expect == "violation"]
EVENT_CLASSES = {cls.model_fields["kind"].annotation.__args__[0]: cls for cls in get_args(get_args(Event)[0])}
NEVER_DELETED = {"id", "schema", "agency_registry", "agencies", "channel", "category"}  # required or not a fact

Deletion = tuple[str, Callable[[dict[str, Any]], None]]

# (rule id, example name, deletion) -> why it still passes silently, by decision: the law does not
# make every case turn on the fact, so "not recorded" is read as "none" (see the reason).
_STAFF = ("staff_interests lists handling staff with a direct interest, the exception that 第二十八条第三款 "
          "(2005 第三十条) attaches recusal to; none recorded is read as none (reading exceptional-circumstances-"
          "recorded-when-present): asking every file to record that no handler has an interest would make nearly "
          "every closed case undetermined")
_ACCUSED = ("an accusation's accused are what it names: once the file names an accused person (or agency), the "
            "other kind left out is read as none of that kind named. Reading it as 'not recorded' would make every "
            "accusation against an official that is forwarded anywhere undetermined, since the registry cannot tell "
            "whether the receiving agency is the official's unit; with nobody named at all the rule is undetermined")
KNOWN_GAPS: dict[tuple[str, str, str], str] = {
    ("LC2015", "interested-handler-never-recused", "staff_interests"): _STAFF,
    ("LC5022", "interested-officer-never-recused", "staff_interests"): _STAFF,
    ("LC2016", "accusation-forwarded-to-accused-bureau", "accused.agencies"): _ACCUSED,
    ("LC2016", "accuser-name-disclosed-to-accused-official", "accused.persons"): _ACCUSED,
}


def _defaulted(model: Any, name: str) -> bool:
    field = model.model_fields.get(name)
    return field is not None and not field.is_required() and isinstance(field.default, (bool, str, int))


def deletions(case: dict[str, Any]) -> Iterator[Deletion]:
    """Every single deletion of a recorded fact, labelled by its field path."""
    for key, value in case.items():
        if key in NEVER_DELETED:
            continue
        if key == "events":
            for i, event in enumerate(value):
                yield f"events[{i}]", lambda c, i=i: c["events"].pop(i)
                for name in event:
                    if name not in ("kind", "date", "agency"):
                        yield f"events[{i}].{name}", lambda c, i=i, name=name: c["events"][i].pop(name)
            continue
        if isinstance(value, dict):
            for name in value:
                yield f"{key}.{name}", lambda c, key=key, name=name: c[key].pop(name)
        elif key == "petitioners":
            for i, petitioner in enumerate(value):
                for name in petitioner:
                    yield f"petitioners[{i}].{name}", lambda c, i=i, name=name: c["petitioners"][i].pop(name)
        yield key, lambda c, key=key: c.pop(key)


def _exempt(compiled: CompiledRule, case: dict[str, Any], label: str) -> bool:
    query = compiled.query
    judged = set(query.anchor.kinds) if query.anchor is not None else set()
    judged |= {kind for r in query.relations if r.role == "prior" for kind in r.pattern.kinds}
    if label.startswith("events["):
        index = int(label[7:label.index("]")])
        event = case["events"][index]
        if "." not in label:
            return event["kind"] in judged
        return _defaulted(EVENT_CLASSES[event["kind"]], label.rsplit(".", 1)[1])
    if label.startswith("flags"):
        return label == "flags" or _defaulted(Flags, label.split(".", 1)[1])
    return "." not in label and "[" not in label and _defaulted(Case, label)


def outcome(evaluator: Evaluator, compiled: CompiledRule, example: Example, data: dict[str, Any]) -> str | None:
    """The rule's outcome on ``data``: violation, undetermined, pending, compliant; None if ``data`` is invalid."""
    try:
        case = case_from_document(Document(data, str(compiled.source), ""), base_dir=compiled.source.parent)
    except CaseError:
        return None
    report = evaluator.check(case, as_of=example.as_of, roll_over=example.roll_over,
                             packs=[compiled.pack] if compiled.pack else None)
    rule_id = compiled.rule.id
    if any(f.rule_id == rule_id and f.severity == "violation" for f in report.findings):
        return "violation"
    if any(u.rule_id == rule_id for u in report.undetermined):
        return "undetermined"
    if any(p.rule_id == rule_id for p in report.pending):
        return "pending"
    return "compliant"


def test_deleting_a_recorded_fact_never_passes_a_violation_silently(evaluator: Evaluator) -> None:
    escapes: set[tuple[str, str, str]] = set()
    tried = 0
    for compiled, example in VIOLATING:
        assert outcome(evaluator, compiled, example, example.case) == "violation", (compiled.rule.id, example.name)
        for label, delete in deletions(example.case):
            if _exempt(compiled, example.case, label):
                continue
            mutated = copy.deepcopy(example.case)
            delete(mutated)
            result = outcome(evaluator, compiled, example, mutated)
            if result is None:
                continue
            tried += 1
            if result == "compliant":
                escapes.add((compiled.rule.id, example.name, label))
    assert tried > 300  # the property is exercised, not vacuous
    new = sorted(escapes - KNOWN_GAPS.keys())
    assert not new, "silent passes (fix the rule with an undetermined clause, or list in KNOWN_GAPS with why):\n" + \
        "\n".join(map(str, new))
    stale = sorted(KNOWN_GAPS.keys() - escapes)
    assert not stale, "listed gaps no longer escape; remove them from KNOWN_GAPS:\n" + "\n".join(map(str, stale))


def test_every_rule_has_a_compliant_and_a_violating_twin() -> None:
    """Boundary pairs: each rule's examples include a compliant case and a violating (or notice) one;
    a rule that can be undetermined also shows an undetermined case."""
    for compiled in RULESET.rules:
        expects = {example.expect for example in compiled.rule.examples}
        assert "compliant" in expects, compiled.rule.id
        assert expects & {"violation", "notice"}, compiled.rule.id
        if compiled.rule.undetermined:
            assert "undetermined" in expects, compiled.rule.id


@pytest.mark.parametrize(("rule_id", "example_name"), [
    ("LC2023", "opinion-four-months-after-receipt-no-acceptance-recorded"),
    ("LC1008", "no-competent-agency-recorded-no-objection"),
    ("LC1007", "no-competent-agency-recorded-no-notice"),
    ("LC1006", "joint-petitioner-address-not-entered-no-notice"),
    ("LC1030", "concluded-without-acceptance-or-opinion-recorded"),
    ("LC2013", "complaint-not-sorted-closed-without-routing"),
    ("LC2014", "opinion-on-complaint-not-sorted"),
    ("LC5003", "route-not-assessed-forwarded-without-telling"),
    ("LC5004", "work-office-accepts-matter-route-not-assessed"),
    ("LC1020", "competent-agency-not-recorded-accepted"),
    ("LC3002", "original-agency-without-superior-in-registry"),
    ("LC3005", "reviewing-agency-without-superior-in-registry"),
    ("LC5033", "original-agency-without-superior-in-registry"),
    ("LC5035", "reviewing-agency-without-superior-in-registry"),
])
def test_the_silent_passes_of_the_issue_are_undetermined(evaluator: Evaluator, rule_id: str,
                                                         example_name: str) -> None:
    compiled = RULESET.by_id(rule_id)
    example = next(e for e in compiled.rule.examples if e.name == example_name)
    assert outcome(evaluator, compiled, example, example.case) == "undetermined"
