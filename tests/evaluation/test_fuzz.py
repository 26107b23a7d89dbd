"""Fuzzing the whole path, file text to report: valid cases and every kind of mutation.

Properties:
* whatever the text, loading and checking either give a report or raise one of the
  library's documented errors (InputError and its subclasses: CaseError,
  CalendarDataError, ...), never another exception;
* on every valid case the native and durable-rules engines give the same report;
* the loader's fast reference check finds exactly what ``agency_references`` finds.

Cases are generated from the case model itself (every event kind with its fields), over
an agency tree, with dates near official holidays. A few thousand examples run in CI;
a longer run is one command::

    LEGALCHECK_FUZZ_EXAMPLES=100000 pytest tests/evaluation/test_fuzz.py

(the largest test runs that many examples, the others in proportion; without it, about 2,500
examples in all, under a minute on 2 cores).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
import yaml
from hypothesis import assume, event, given, settings
from hypothesis import strategies as st

from case_generator import CI_EXAMPLES, FUZZ, cases, dates, examples, mutated
from legalcheck import Case, Evaluator, InputError, Report
from legalcheck._core.safe_yaml import parse_json, parse_yaml
from legalcheck._facts.facts import CASE_FIELDS, EVENT_FIELDS, FactPlan, case_facts
from legalcheck._model.case import EVENT_KINDS, agency_references
from legalcheck._model.loader import case_from_document, case_from_json, referenced_agencies


def _text(case: dict[str, Any], syntax: str) -> str:
    if syntax == "json":
        return json.dumps(case, ensure_ascii=False)
    return yaml.safe_dump(case, allow_unicode=True, sort_keys=False)


def load(text: str, syntax: str) -> Case:
    if syntax == "json":
        return case_from_json(text.encode("utf-8", "surrogatepass"), "fuzz.json")
    return case_from_document(parse_yaml(text, "fuzz.yaml", unique_keys=True))


as_of_dates = st.one_of(st.dates(dt.date(2022, 6, 1), dt.date(2026, 12, 31)),
                        st.builds(lambda d, k: d + dt.timedelta(days=k), dates, st.integers(0, 60)))


def _report_or_documented_error(evaluator: Evaluator, text: str, syntax: str, as_of: dt.date) -> Report | InputError:
    try:
        return evaluator.check(load(text, syntax), as_of=as_of)
    except InputError as exc:  # CaseError, CalendarDataError, ...: documented, with a location
        assert exc.problems and all(isinstance(message, str) and message for _, message in ((p.location, p.message) for p in exc.problems))
        return exc


# --- properties -------------------------------------------------------------------------------------


@settings(max_examples=examples(CI_EXAMPLES), **FUZZ)  # type: ignore[arg-type]
@given(case=mutated(), syntax=st.sampled_from(["json", "yaml"]), as_of=as_of_dates)
def test_mutated_cases_give_a_report_or_a_documented_error(native: Evaluator, case: dict[str, Any], syntax: str,
                                                           as_of: dt.date) -> None:
    try:
        text = _text(case, syntax)
    except (ValueError, yaml.YAMLError):
        assume(False)  # the mutation made something neither JSON nor YAML can write
    outcome = _report_or_documented_error(native, text, syntax, as_of)
    event("report" if isinstance(outcome, Report) else f"refused: {type(outcome).__name__}")


@settings(max_examples=examples(300), **FUZZ)  # type: ignore[arg-type]
@given(text=st.one_of(st.text(max_size=200), st.binary(max_size=200).map(lambda b: b.decode("latin-1"))),
       syntax=st.sampled_from(["json", "yaml"]))
def test_arbitrary_text_gives_a_case_or_a_documented_error(text: str, syntax: str) -> None:
    try:
        load(text, syntax)
    except InputError:
        pass


def _last_day(case: dict[str, Any]) -> dt.date:
    days = [dt.date.fromisoformat(e["date"]) for e in case.get("events", [])]
    return max(days, default=dt.date(2025, 1, 1))


@settings(max_examples=examples(400), **FUZZ)  # type: ignore[arg-type]
@given(case=cases(), as_of=as_of_dates, offset=st.one_of(st.none(), st.integers(-10, 60)))
def test_engines_agree_on_every_valid_case(native: Evaluator, durable: Evaluator, case: dict[str, Any],
                                          as_of: dt.date, offset: int | None) -> None:
    if offset is not None:  # mostly judged shortly after the timeline: deadlines pending, met, just missed
        as_of = _last_day(case) + dt.timedelta(days=offset)
    try:
        parsed = case_from_json(json.dumps(case, ensure_ascii=False), "fuzz.json")
    except InputError:
        assume(False)  # e.g. a generated reference the model refuses; mutations cover those
        raise
    outcomes: list[Any] = []
    for evaluator in (native, durable):
        try:
            outcomes.append(evaluator.check(parsed, as_of=as_of).model_dump(mode="json", exclude={"engine"}))
        except InputError as exc:  # both must then refuse the same way (e.g. no calendar data)
            outcomes.append(str(exc))
    assert outcomes[0] == outcomes[1]
    first = outcomes[0]
    event("refused by both" if isinstance(first, str) else
          f"{min(len(first['findings']), 3)}+ findings, {min(len(first['pending']), 3)}+ pending")


@settings(max_examples=examples(300), **FUZZ)  # type: ignore[arg-type]
@given(case=cases(), syntax=st.sampled_from(["json", "yaml"]))
def test_json_fast_path_and_the_slow_path_agree(case: dict[str, Any], syntax: str) -> None:
    text = _text(case, syntax)
    parse = parse_json if syntax == "json" else parse_yaml
    # PyYAML's emitter folds some line breaks (U+0085, U+2028) in quoted text: not what is tested here.
    assume(parse(text, "a." + syntax).data == case)
    try:
        fast = case_from_json(json.dumps(case, ensure_ascii=False), "a.json")
    except InputError as exc:
        with pytest.raises(InputError) as slow:
            case_from_document(parse(text, "a." + syntax))
        assert [m for _, m in ((p.location, p.message) for p in slow.value.problems)] == [m for _, m in ((p.location, p.message) for p in exc.problems)]
        return
    assert case_from_document(parse(text, "a." + syntax)) == fast


@settings(max_examples=examples(300), **FUZZ)  # type: ignore[arg-type]
@given(case=cases())
def test_fast_reference_check_finds_what_agency_references_finds(case: dict[str, Any]) -> None:
    try:
        parsed = Case.model_validate_json(json.dumps(case))
    except Exception:  # noqa: BLE001 - only valid models matter here
        assume(False)
        raise
    assert referenced_agencies(parsed) == {ref for _, ref in agency_references(parsed)}


def _parsed(case: dict[str, Any]) -> Case:
    try:
        return case_from_json(json.dumps(case, ensure_ascii=False), "fuzz.json")
    except InputError:
        assume(False)  # e.g. a generated reference the model refuses; mutations cover those
        raise


@settings(max_examples=examples(300), **FUZZ)  # type: ignore[arg-type]
@given(case=cases(), as_of=as_of_dates,
       case_fields=st.sets(st.sampled_from(sorted(CASE_FIELDS))),
       event_fields=st.sets(st.sampled_from(sorted(EVENT_FIELDS))),
       kinds=st.none() | st.sets(st.sampled_from(sorted(EVENT_KINDS))))
def test_a_fact_plan_computes_its_fields_as_every_plan_does(case: dict[str, Any], as_of: dt.date,
                                                           case_fields: set[str], event_fields: set[str],
                                                           kinds: set[str] | None) -> None:
    """Facts for a few rules are the complete facts cut down to the fields and kinds those rules read:
    the events of the kinds kept, in the same order, numbered anew."""
    parsed = _parsed(case)
    plan = FactPlan.reading(case_fields, event_fields, kinds)
    every, some = case_facts(parsed, until=as_of), case_facts(parsed, until=as_of, plan=plan)
    assert some.case == {k: v for k, v in every.case.items() if k in case_fields}
    if kinds is not None and "seq" not in event_fields:
        assert plan.kinds is not None and plan.kinds >= kinds
    kept = [e for e in every.events if plan.kinds is None or e["kind"] in plan.kinds]
    assert some.events == tuple({**{k: v for k, v in e.items() if k in plan.event}, "seq": seq}
                                for seq, e in enumerate(kept))


def test_a_fact_plan_refuses_fields_outside_the_vocabulary() -> None:
    with pytest.raises(ValueError, match="not in the fact vocabulary: agency_colour"):
        FactPlan.reading({"category"}, {"agency_colour"})


@settings(max_examples=examples(300), **FUZZ)  # type: ignore[arg-type]
@given(case=cases(), as_of=as_of_dates, roll_over=st.booleans())
def test_is_compliant_decides_as_the_report_does(native: Evaluator, case: dict[str, Any], as_of: dt.date,
                                                 roll_over: bool) -> None:
    parsed = _parsed(case)
    try:
        report = native.check(parsed, as_of=as_of, roll_over=roll_over)
    except InputError:
        with pytest.raises(InputError):
            native.is_compliant(parsed, as_of=as_of, roll_over=roll_over)
        return
    assert native.is_compliant(parsed, as_of=as_of, roll_over=roll_over) is report.compliant
    event("compliant" if report.compliant else "not compliant")
