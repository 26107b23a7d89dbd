"""An evaluator of a few rules computes only the facts they read, and finds what the full evaluator finds.

Each rule gets an evaluator of its own (its rule file alone, or its pack with that rule alone),
whose fact plan is the smallest there is. On generated cases (``case_generator.cases``) every one
must report for its rule exactly what the evaluator of every rule reports for it, and nothing it
does (the engine's queries, judging, the report) may read a fact outside its plan: the facts are
wrapped so that every read of a case or event field is checked against the plan.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
import yaml
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from case_generator import FUZZ, cases, examples
from legalcheck import Case, Evaluator, InputError
from legalcheck._core.paths import data_dir
from legalcheck._evaluation import evaluator as evaluation
from legalcheck._facts.conditions import case_fields_read, event_fields_read
from legalcheck._facts.facts import STRUCTURAL_EVENT_FIELDS, FactPlan, Facts, case_facts
from legalcheck._model.loader import case_from_json


class _Guarded(dict[str, Any]):
    """A fact that notes every field read outside ``allowed`` (present or not) in ``outside``."""

    def __init__(self, fact: dict[str, Any], allowed: frozenset[str], outside: set[str]) -> None:
        super().__init__(fact)
        self.allowed = allowed
        self.outside = outside

    def _note(self, key: str) -> None:
        if key not in self.allowed:
            self.outside.add(key)

    def __getitem__(self, key: str) -> Any:
        self._note(key)
        return super().__getitem__(key)

    def get(self, key: str, default: Any = None) -> Any:
        self._note(key)
        return super().get(key, default)

    def __contains__(self, key: object) -> bool:
        self._note(str(key))
        return super().__contains__(key)


@contextmanager
def _guarded_facts() -> Iterator[set[str]]:
    """While active, every evaluator's facts note reads outside its plan in the set yielded."""
    outside: set[str] = set()

    def guarded(case: Case, until: dt.date | None = None, *, plan: FactPlan) -> Facts:
        facts = case_facts(case, until, plan=plan)
        return Facts(_Guarded(facts.case, plan.case, outside),
                     tuple(_Guarded(event, plan.event, outside) for event in facts.events))

    with mock.patch.object(evaluation, "case_facts", guarded):
        yield outside


def _copy_shared(source: Path, target: Path) -> None:
    target.mkdir(parents=True)
    for path in source.iterdir():  # the files beside the rules, not the rules
        if path.is_file() and not path.name.startswith("LC"):
            shutil.copy(path, target / path.name)


def _one_rule(root: Path, rule_file: Path) -> tuple[str, tuple[str, ...], Evaluator]:
    """An evaluator of the rule in ``rule_file`` alone, with the packs to select for it.

    A pack's rule comes in its pack, which holds that rule alone, with the national rules it
    overrides (the loader requires them); a national rule comes without packs.
    """
    document = yaml.safe_load(rule_file.read_text(encoding="utf-8"))
    national = data_dir("rules")
    rules = root / rule_file.stem / "rules"
    _copy_shared(national, rules)
    for instrument in (p for p in national.iterdir() if p.is_dir()):
        (rules / instrument.name).mkdir()
        for other in instrument.glob("LC*.yaml"):
            if other == rule_file or other.name.split("-")[0] in document.get("overrides", ()):
                shutil.copy(other, rules / instrument.name / other.name)
    packs = root / rule_file.stem / "packs"
    packs.mkdir()
    selected: tuple[str, ...] = ()
    if rule_file.parent.parent == data_dir("packs"):
        _copy_shared(rule_file.parent, packs / rule_file.parent.name)
        shutil.copy(rule_file, packs / rule_file.parent.name / rule_file.name)
        selected = (rule_file.parent.name,)
    return document["id"], selected, Evaluator(engine="native", rules_dir=rules, packs_dir=packs)


@pytest.fixture(scope="module")
def one_rule_evaluators(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, tuple[str, ...], Evaluator]]:
    """(rule id, packs to select, evaluator of that rule alone) for every rule, national or of a pack."""
    root = tmp_path_factory.mktemp("one-rule")
    return [_one_rule(root, rule_file) for rule_file in sorted((*data_dir("rules").glob("*/LC*.yaml"),
                                                                 *data_dir("packs").glob("*/LC*.yaml")))]


def test_every_rule_has_an_evaluator_of_its_own(native: Evaluator,
                                                one_rule_evaluators: list[tuple[str, tuple[str, ...], Evaluator]]
                                                ) -> None:
    assert sorted(rule_id for rule_id, _, _ in one_rule_evaluators) == sorted(r.rule.id for r in native.ruleset.rules)


def test_a_plan_is_what_the_compiled_queries_read(
        one_rule_evaluators: list[tuple[str, tuple[str, ...], Evaluator]]) -> None:
    """Not written by hand: the case and event fields of the rule's queries (its own and its
    ``undetermined`` clauses'), and the structural event fields judging and reports read."""
    for rule_id, packs, evaluator in one_rule_evaluators:
        queries = [q for r in evaluator.ruleset.for_packs(packs).rules for q in r.queries]
        plan = evaluator._engine_for(packs).plan
        assert plan.case == set().union(*map(case_fields_read, queries)), rule_id
        assert plan.event == set().union(*map(event_fields_read, queries)) | STRUCTURAL_EVENT_FIELDS, rule_id


def _items(report: Any, rule_ids: set[str]) -> dict[str, list[Any]]:
    return {part: [item.model_dump(mode="json") for item in getattr(report, part) if item.rule_id in rule_ids]
            for part in ("findings", "pending", "undetermined", "met")}


def _last_day(case: dict[str, Any]) -> dt.date:
    return max((dt.date.fromisoformat(e["date"]) for e in case.get("events", [])), default=dt.date(2025, 1, 1))


@settings(max_examples=examples(150), **FUZZ)  # type: ignore[arg-type]
@given(case=cases(), offset=st.integers(-10, 60))
def test_an_evaluator_of_one_rule_finds_what_the_full_evaluator_finds_reading_only_its_plan(
        native: Evaluator, one_rule_evaluators: list[tuple[str, tuple[str, ...], Evaluator]],
        case: dict[str, Any], offset: int) -> None:
    try:
        parsed = case_from_json(json.dumps(case, ensure_ascii=False), "fuzz.json")
    except InputError:
        assume(False)  # e.g. a generated reference the model refuses
        raise
    as_of = _last_day(case) + dt.timedelta(days=offset)
    full: dict[tuple[str, ...], Any] = {}
    for packs in ((), ("beijing",)):
        try:
            full[packs] = native.check(parsed, as_of=as_of, packs=packs, met=True)
        except InputError as exc:  # no calendar data for a deadline: refused as a whole
            full[packs] = type(exc)
    with _guarded_facts() as outside:
        for rule_id, packs, evaluator in one_rule_evaluators:
            try:
                alone = evaluator.check(parsed, as_of=as_of, packs=packs, met=True)
            except InputError as exc:
                # Only a rule that needs the missing calendar data refuses; the full evaluator then refuses too.
                assert full[packs] is type(exc), rule_id
                continue
            if not isinstance(full[packs], type):
                held = {r.rule.id for r in evaluator.ruleset.rules}  # with the rules a pack's rule overrides
                assert _items(alone, held) == _items(full[packs], held), rule_id
            assert evaluator.is_compliant(parsed, as_of=as_of, packs=packs) is alone.compliant, rule_id
            assert not outside, f"{rule_id} read {sorted(outside)}, outside its fact plan"


def test_the_guard_notes_a_field_a_rule_reads_outside_its_plan(
        one_rule_evaluators: list[tuple[str, tuple[str, ...], Evaluator]], monkeypatch: pytest.MonkeyPatch) -> None:
    """The property above can fail: a plan without a field LC1006 reads (``via``) is caught."""
    _, packs, lc1006 = next(e for e in one_rule_evaluators if e[0] == "LC1006")
    cached = lc1006._engine_for(packs)
    narrowed = FactPlan.reading(cached.plan.case, cached.plan.event - {"via"}, cached.plan.kinds)
    monkeypatch.setitem(lc1006._engines, packs, dataclasses.replace(cached, plan=narrowed))
    case = case_from_json(json.dumps({
        "id": "guard", "channel": "letter", "category": "complaint",
        "petitioners": [{"name": "王五", "address": "某县某镇"}],
        "agencies": [{"id": "county-hrss", "name": "县人社局", "level": "county", "kind": "government"}],
        "events": [{"kind": "received", "date": "2025-03-03", "agency": "county-hrss", "via": "direct"}]},
        ensure_ascii=False), "guard.json")
    with _guarded_facts() as outside:
        lc1006.is_compliant(case, as_of=dt.date(2025, 12, 1), packs=packs)
    assert outside == {"via"}


_PETITIONER_FIELDS = ("no_petitioner_notifiable", "petitioner_notifiable", "petitioner_particulars_unclear",
                      "petitioner_particulars_unrecorded")


@settings(max_examples=examples(200), **FUZZ)  # type: ignore[arg-type]
@given(petitioners=st.lists(st.fixed_dictionaries({}, optional={
    "name": st.sampled_from(["王五", ""]), "address": st.sampled_from(["某县某镇", ""]),
    "name_unclear": st.booleans(), "address_unclear": st.booleans()}), max_size=3))
def test_the_petitioners_facts_computed_in_one_pass_are_the_case_properties(petitioners: list[dict[str, Any]]) -> None:
    case = Case.model_validate_json(json.dumps({"id": "p", "channel": "letter", "category": "complaint",
                                                "petitioners": petitioners}))
    facts = case_facts(case).case
    assert {name: facts[name] for name in _PETITIONER_FIELDS} == {name: getattr(case, name)
                                                                  for name in _PETITIONER_FIELDS}
