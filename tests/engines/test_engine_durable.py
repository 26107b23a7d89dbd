"""The durable-rules engine: the defects of durable-rules 2.0.28 it neutralises, one test each.

Every behavioural test compares with the native engine, the oracle. The random query and
case generators below model the project's vocabulary (``_facts.py``) and are also the
throughput benchmark: ``python tests/engines/test_engine_durable.py`` prints cases/second of both
engines on 40 queries and 15-event cases (no timing is asserted in tests).
"""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import pickle
import random
import subprocess
import sys
import threading
import time
from typing import Any, Literal

import pytest

pytest.importorskip("durable")

from legalcheck._core.errors import LegalcheckError  # noqa: E402
from legalcheck._engines import durable as _engine_durable  # noqa: E402
from legalcheck._engines.durable import DurableEngine, DurableEngineError  # noqa: E402
from legalcheck._engines.native import NativeEngine  # noqa: E402
from legalcheck._engines.protocol import make_engine  # noqa: E402
from legalcheck._facts.conditions import (  # noqa: E402
    AllOf,
    AnyOf,
    Compare,
    EventPattern,
    Not,
    Predicate,
    Query,
    QueryMatch,
    Ref,
    Relation,
)
from legalcheck._facts.facts import Facts  # noqa: E402

# --- a realistic query set and realistic cases -----------------------------------------------

KINDS = ("received", "registered", "forwarded", "assigned", "notified", "accepted", "refused",
         "extension", "hearing", "opinion_issued", "reply_delivered", "concluded", "review_requested",
         "review_opinion", "disclosed", "recusal", "objection")
AGENCIES = ("city", "district_a", "district_b", "province", "bureau")
LEVELS = ("province", "city", "county")
CATEGORIES = ("complaint", "suggestion", "opinion", "request")


def realistic_queries(count: int = 40, seed: int = 7) -> list[Query]:
    """Queries shaped like the rule files: a case condition, an anchor event, and the
    events that must (or must not) follow it, with deadlines compared as day numbers."""
    rng = random.Random(seed)
    queries = []
    for n in range(count):
        anchor_kind = rng.choice(KINDS[:6])
        follow = rng.sample(KINDS[4:], 2)
        when: Predicate | None = rng.choice([
            None,
            Compare("category", "in", tuple(rng.sample(CATEGORIES, 2))),
            AllOf((Compare("headcount", "ge", 5), Compare("form", "eq", "visit"))),
            Not(Compare("litigation_related", "eq", True)),
            AnyOf((Compare("major_urgent", "eq", True), Compare("complex", "eq", True))),
        ])
        anchor_where: Predicate | None = rng.choice([
            None,
            Compare("agency_level", "eq", rng.choice(LEVELS)),
            AllOf((Compare("agency_competent", "eq", True), Compare("written", "ne", False))),
            Compare("via", "in", ("direct", "forwarded")),
        ])
        deadline = Compare("day", "le", Ref("anchor", "report_by_day" if n % 5 == 0 else "end_day"))
        relations = (
            Relation("done", EventPattern((follow[0],), AllOf((
                Compare("agency", "eq", Ref("anchor", "agency")),
                AnyOf((deadline, Compare("approved", "eq", True))),
            ))), "after"),
            Relation("sent", EventPattern((follow[1], "reply_delivered"), AnyOf((
                Compare("recipients", "contains", rng.choice(AGENCIES)),
                Compare("to", "in", Ref("anchor", "agency_ancestors")),
                Compare("to_is_superior", "eq", True),
            ))), "after"),
            Relation("before", EventPattern(("received",), Compare("day", "lt", Ref("anchor", "day"))), "before"),
        )[: 1 + n % 3]
        queries.append(Query(f"R{n % 30:02d}", when, EventPattern((anchor_kind,), anchor_where), relations))
    queries.append(Query("CASE", Compare("states_request", "eq", False), None))
    return queries


def realistic_case(rng: random.Random, events: int = 15) -> Facts:
    case = {
        "category": rng.choice(CATEGORIES), "channel": rng.choice(("letter", "online", "visit")),
        "form": rng.choice(("letter", "visit", "online")), "headcount": rng.randint(1, 9),
        "representatives_count": rng.randint(0, 5), "litigation_related": rng.random() < 0.2,
        "major_urgent": rng.random() < 0.1, "complex": rng.random() < 0.2, "no_petitioner_notifiable": False,
        "petitioner_notifiable": rng.random() < 0.9, "petitioner_particulars_unrecorded": rng.random() < 0.1,
        "petitioner_particulars_unclear": False,
        "status": rng.choice(("open", "closed")), "involved_agencies_count": rng.randint(1, 3),
        "has_competent_agencies": True, "states_request": rng.random() < 0.9,
        "states_facts_and_reasons": True,
    }
    if rng.random() < 0.7:
        case["province"] = "广东省"
    day = 738000
    out = []
    for seq in range(events):
        day += rng.randint(0, 6)
        agency, to = rng.sample(AGENCIES, 2)
        event: dict[str, Any] = {
            "seq": seq, "index": seq, "kind": rng.choice(KINDS), "day": day,
            "agency": agency, "agency_kind": "government", "agency_level": rng.choice(LEVELS),
            "agency_ancestors": rng.sample(AGENCIES, rng.randint(0, 3)), "agency_involved": rng.random() < 0.5,
            "agency_accused": False, "agency_competent": rng.random() < 0.6,
        }
        if rng.random() < 0.5:
            event.update(to=to, to_is_superior=rng.random() < 0.5, to_same_level=rng.random() < 0.5)
        if rng.random() < 0.4:
            event["recipients"] = rng.sample(AGENCIES, rng.randint(1, 3))
        for name, value in (("via", rng.choice(("direct", "forwarded", "assigned"))), ("written", rng.random() < 0.7),
                            ("approved", rng.random() < 0.5), ("end_day", day + rng.randint(0, 30)),
                            ("report_by_day", day + rng.randint(0, 60)), ("days", rng.randint(1, 60))):
            if rng.random() < 0.4:
                event[name] = value
        out.append(event)
    return Facts(case, tuple(out))


def realistic_cases(count: int, seed: int = 1) -> list[Facts]:
    rng = random.Random(seed)
    return [realistic_case(rng) for _ in range(count)]


QUERIES = realistic_queries()


@pytest.fixture(scope="module")
def engines() -> tuple[DurableEngine, NativeEngine]:
    return DurableEngine(QUERIES), NativeEngine(QUERIES)


def test_realistic_query_set_matches_native(engines: tuple[DurableEngine, NativeEngine]) -> None:
    durable, native = engines
    cases = realistic_cases(300)
    results = [durable.run(facts) for facts in cases]
    assert results == [native.run(facts) for facts in cases]
    assert sum(len(r) for r in results) > 1000  # the set really matches things


def test_make_engine_builds_the_durable_engine() -> None:
    engine = make_engine("durable", QUERIES)
    assert engine.name == "durable"
    facts = realistic_cases(5, seed=3)
    assert [engine.run(f) for f in facts] == [NativeEngine(QUERIES).run(f) for f in facts]


# --- 1. a private host per engine, unique ruleset names ------------------------------------


def test_each_engine_has_a_private_host_and_unique_rulesets() -> None:
    first_queries = QUERIES[:10]
    second_queries = [Query("OTHER", None, EventPattern(("received",), Compare("via", "eq", "direct")))]
    first, second = DurableEngine(first_queries), DurableEngine(second_queries)
    cases = realistic_cases(20, seed=5)
    for facts in cases:  # interleaved: neither engine sees the other's rules
        assert first.run(facts) == NativeEngine(first_queries).run(facts)
        assert second.run(facts) == NativeEngine(second_queries).run(facts)
    assert first._runtime is not None and second._runtime is not None
    host_a, host_b = first._runtime.host, second._runtime.host
    assert host_a is not host_b
    from durable import lang

    assert host_a is not lang._main_host and host_b is not lang._main_host  # not durable's global host
    names_a, names_b = set(host_a._ruleset_directory), set(host_b._ruleset_directory)
    assert names_a and names_b and not names_a & names_b
    # Same queries, two engines: still distinct rulesets (names are unique per instance).
    third = DurableEngine(first_queries)
    third.run(cases[0])
    assert third._runtime is not None and not set(third._runtime.host._ruleset_directory) & names_a


# --- 2. one state per case, deleted afterwards ---------------------------------------------


def test_more_than_2000_cases_through_one_engine(engines: tuple[DurableEngine, NativeEngine]) -> None:
    # durable raises MemoryError at the 1,025th live state and crashes later.
    durable, native = engines
    cases = realistic_cases(60, seed=11)
    for n in range(2100):
        facts = cases[n % len(cases)]
        result = durable.run(facts)
        if n < len(cases):
            assert result == native.run(facts)
    assert durable.run(cases[0]) == native.run(cases[0])


def test_more_than_2000_cases_through_several_engines() -> None:
    query_sets = [QUERIES[i::3] for i in range(3)]
    pairs = [(DurableEngine(q), NativeEngine(q)) for q in query_sets]
    cases = realistic_cases(40, seed=12)
    for n in range(2100):
        facts = cases[n % len(cases)]
        for durable, native in pairs:
            result = durable.run(facts)
            if n % 500 == 0:
                assert result == native.run(facts)


def test_states_are_deleted_after_each_run(engines: tuple[DurableEngine, NativeEngine]) -> None:
    durable, _ = engines
    facts = realistic_cases(1, seed=13)[0]
    durable.run(facts)
    runtime = durable._runtime
    assert runtime is not None
    last_sid = str(next(durable._sids) - 1)
    assert any(runtime.handles.values())
    for handles in runtime.handles.values():
        for handle in handles.values():
            with pytest.raises(Exception):  # noqa: B017 - durable raises a bare Exception: "sid not found"
                runtime.native.get_state(handle, last_sid)


# --- 3. results never depend on the order of facts ------------------------------------------


def test_event_order_in_the_fact_list_does_not_matter(engines: tuple[DurableEngine, NativeEngine]) -> None:
    durable, native = engines
    rng = random.Random(21)
    for facts in realistic_cases(100, seed=21):
        expected = native.run(facts)
        for _ in range(3):
            shuffled = list(facts.events)
            rng.shuffle(shuffled)  # seq values are kept
            assert durable.run(Facts(facts.case, tuple(shuffled))) == expected


# --- 4. durable's exceptions never reach users ----------------------------------------------


def test_cases_that_match_nothing_return_no_matches() -> None:
    # Host.assert_facts would raise MessageNotHandledException for such a batch.
    queries = [Query("R", Compare("category", "eq", "none"), EventPattern(("hearing",), None))]
    engine = DurableEngine(queries)
    facts = Facts({"category": "complaint"}, tuple({"seq": i, "kind": "received", "day": i} for i in range(5)))
    assert engine.run(facts) == [] == NativeEngine(queries).run(facts)
    assert engine.run(Facts({}, ())) == []


def test_cases_without_any_fact_for_durable() -> None:
    # These rules need no case fact, and the case has no event of their kinds: nothing is
    # sent (durable returns a garbage state offset for an empty batch and then crashes).
    queries = [Query("R", None, EventPattern(("hearing",), None),
                     (Relation("r", EventPattern(("hearing",), Compare("day", "gt", Ref("anchor", "day"))), "after"),))]
    engine = DurableEngine(queries)
    for facts in (Facts({}, ()), Facts({"category": "complaint"},
                                        tuple({"seq": i, "kind": "received", "day": i} for i in range(3)))):
        assert engine.run(facts) == [] == NativeEngine(queries).run(facts)


def test_identical_facts_do_not_collide() -> None:
    # durable silently drops (MessageObservedException) a fact whose content or id equals
    # one already asserted: every fact gets a unique id, and identical cases can repeat.
    queries = [Query("R", None, EventPattern(("received",), None),
                     (Relation("next", EventPattern(("received",), None), "after"),))]
    engine = DurableEngine(queries)
    events = tuple({"seq": i, "kind": "received", "day": 1, "via": "direct"} for i in range(4))
    facts = Facts({"category": "complaint"}, events)
    expected = NativeEngine(queries).run(facts)
    assert len(expected) == 4
    for _ in range(3):
        assert engine.run(facts) == expected


def test_durable_failures_become_legalcheck_errors(engines: tuple[DurableEngine, NativeEngine],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    durable, native = engines
    facts = realistic_cases(1, seed=31)[0]
    durable.run(facts)
    runtime = durable._runtime
    assert runtime is not None
    native_module = runtime.native

    class Broken:
        def __getattr__(self, name: str) -> Any:
            return getattr(native_module, name)

        def assert_facts(self, handle: int, payload: str) -> Any:
            raise native_module.error("Could not assert facts, error code: 303")

    monkeypatch.setattr(runtime, "native", Broken())
    with pytest.raises(DurableEngineError, match="error code: 303") as caught:
        durable.run(facts)
    assert isinstance(caught.value, LegalcheckError)
    monkeypatch.undo()
    assert durable._runtime is None  # abandoned; the next run builds a fresh host
    assert durable.run(facts) == native.run(facts)


def test_unsupported_queries_are_rejected_when_the_engine_is_built() -> None:
    with pytest.raises(DurableEngineError, match="needs a list"):
        DurableEngine([Query("R", Compare("category", "in", "complaint"), None)])  # substring test
    with pytest.raises(DurableEngineError, match="not bound"):
        DurableEngine([Query("R", Compare("category", "eq", Ref("anchor", "kind")), None)])
    with pytest.raises(DurableEngineError, match="not bound"):
        DurableEngine([Query("R", None, EventPattern(("received",), Compare("day", "gt", Ref("anchor", "day"))))])


def test_in_against_a_reference_to_a_non_list_is_an_error() -> None:
    queries = [Query("R", None, EventPattern(("received",), None),
                     (Relation("x", EventPattern(("accepted",), Compare("agency", "in", Ref("anchor", "to"))),
                               "after"),))]
    engine = DurableEngine(queries)
    lists = Facts({}, ({"seq": 0, "kind": "received", "day": 0, "to": ["a"]},
                       {"seq": 1, "kind": "accepted", "day": 0, "agency": "a"}))
    assert engine.run(lists) == NativeEngine(queries).run(lists)
    text = Facts({}, ({"seq": 0, "kind": "received", "day": 0, "to": "abc"},
                      {"seq": 1, "kind": "accepted", "day": 0, "agency": "a"}))
    with pytest.raises(DurableEngineError, match="needs a list"):  # native: substring test
        engine.run(text)


# --- 5. no timer threads --------------------------------------------------------------------


def test_no_background_threads_are_started() -> None:
    before = set(threading.enumerate())
    engine = DurableEngine(QUERIES[:5])
    for facts in realistic_cases(10, seed=41):
        engine.run(facts)
    time.sleep(0.3)  # durable's timers would have fired by now (0.1 s, then every 0.2-0.5 s)
    assert set(threading.enumerate()) <= before
    assert engine._runtime is not None
    host = engine._runtime.host
    assert not hasattr(host, "_d_timer") and not hasattr(host, "_t_timer")


# --- 6. threads -----------------------------------------------------------------------------


def test_four_threads_share_one_engine(engines: tuple[DurableEngine, NativeEngine]) -> None:
    durable, native = engines
    cases = realistic_cases(100, seed=51)
    expected = [native.run(facts) for facts in cases]
    failures: list[str] = []

    def work(worker: int) -> None:
        for n in range(500):
            index = (n * 7 + worker) % len(cases)
            if durable.run(cases[index]) != expected[index]:
                failures.append(f"worker {worker}, case {index}")

    threads = [threading.Thread(target=work, args=(worker,)) for worker in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []


# --- 7. worker processes --------------------------------------------------------------------

_WORKER_ENGINE: DurableEngine | None = None


def _set_worker_engine(engine: DurableEngine) -> None:
    global _WORKER_ENGINE
    _WORKER_ENGINE = engine


def _run_in_worker(facts: Facts) -> list[QueryMatch]:
    assert _WORKER_ENGINE is not None
    return _WORKER_ENGINE.run(facts)


@pytest.mark.parametrize("method", ["fork", "spawn", "forkserver"])
def test_worker_processes(method: str, engines: tuple[DurableEngine, NativeEngine]) -> None:
    if method not in multiprocessing.get_all_start_methods():
        pytest.skip(f"no {method} here")
    durable, native = engines
    cases = realistic_cases(40, seed=61)
    durable.run(cases[0])  # the parent has a live host; a forked child must not reuse it
    context = multiprocessing.get_context(method)
    if method == "fork":
        _set_worker_engine(durable)  # inherited by the children
        pool = concurrent.futures.ProcessPoolExecutor(2, mp_context=context)
    else:  # the engine is pickled: its queries only, durable objects are rebuilt there
        pool = concurrent.futures.ProcessPoolExecutor(2, mp_context=context, initializer=_set_worker_engine,
                                                      initargs=(durable,))
    with pool:
        results = list(pool.map(_run_in_worker, cases))
    assert results == [native.run(facts) for facts in cases]


def test_engine_pickles_without_durable_objects(engines: tuple[DurableEngine, NativeEngine]) -> None:
    durable, native = engines
    facts = realistic_cases(1, seed=71)[0]
    durable.run(facts)
    copy = pickle.loads(pickle.dumps(durable))
    assert copy._runtime is None
    assert copy.run(facts) == native.run(facts)


# --- compilation corner cases ---------------------------------------------------------------


def _compare_on_random_cases(queries: list[Query], count: int = 60, seed: int = 81) -> None:
    durable, native = DurableEngine(queries), NativeEngine(queries)
    for facts in realistic_cases(count, seed=seed):
        assert durable.run(facts) == native.run(facts)


def test_wide_and_deep_predicates_are_split_within_durable_limits() -> None:
    # durable allows 31 entries per pattern and evaluates a nested group correctly only
    # when it is last: wide ors become several rules, wide ands several patterns.
    def days(ref: Literal["case", "anchor"]) -> list[Predicate]:
        return [Compare("day", "eq", Ref(ref, "day" if ref == "anchor" else "headcount")) if n % 7 == 0
                else Compare("days", "eq", n) for n in range(40)]

    pairs = tuple(AllOf((Compare("via", "eq", "direct"), Compare("days", "ge", n))) for n in range(12))
    nested = Not(AllOf(tuple(AnyOf((Compare("written", "eq", n % 2 == 0), Compare("days", "lt", n))) for n in range(10))))
    queries = [
        Query("WIDE_OR", None, EventPattern(("received",), AnyOf(tuple(days("case"))))),
        Query("WIDE_AND", None, EventPattern(("received",), AllOf(tuple(Not(d) for d in days("case"))))),
        Query("OR_OF_ANDS", None, EventPattern(("accepted",), AnyOf(pairs))),
        Query("NESTED", AnyOf((Compare("headcount", "gt", 3), Not(Compare("province", "exists", True)))),
              EventPattern(("received", "accepted"), nested),
              (Relation("r", EventPattern(("accepted", "refused", "hearing"), AnyOf(tuple(days("anchor")))),
                        "after"),)),
    ]
    _compare_on_random_cases(queries)


def test_many_queries_on_one_kind_are_spread_over_rulesets() -> None:
    # Patterns below one alpha entry share durable's 64-slot stack.
    queries = [Query(f"Q{n}", None, EventPattern(("received",), Compare("days", "ne", n)),
                     (Relation("r", EventPattern(("received",), Compare("agency", "eq", Ref("anchor", "agency"))),
                               "after"),))
               for n in range(80)]
    engine = DurableEngine(queries)
    assert len(engine._base.rulesets) > 1
    _compare_on_random_cases(queries, count=20)



class _AssertSpy:
    """The durable C module, recording the ruleset handle of every ``assert_facts``."""

    def __init__(self, native: Any) -> None:
        self.native = native
        self.asserted: list[int] = []

    def assert_facts(self, handle: int, payload: str) -> Any:
        self.asserted.append(handle)
        return self.native.assert_facts(handle, payload)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.native, name)


def test_a_ruleset_gets_a_state_only_when_the_case_holds_the_kinds_one_of_its_rules_binds() -> None:
    # Creating and deleting a state costs in proportion to the ruleset's patterns, matched or
    # not: rules are grouped by the event kinds they bind, and a case lacking one of a
    # ruleset's kinds sends that ruleset nothing, even when it holds events of the others.
    queries = [
        Query("A", None, EventPattern(("received",), None),
              (Relation("r", EventPattern(("accepted",), Compare("day", "gt", Ref("anchor", "day"))), "after"),)),
        Query("B", Compare("category", "eq", "complaint"), EventPattern(("accepted",), None)),
        Query("C", Compare("category", "eq", "complaint"), None),
    ]
    engine = DurableEngine(queries)
    native = NativeEngine(queries)
    inputs = engine._base.inputs
    assert [sorted(ruleset.needs) for ruleset in inputs] == [[], ["accepted"], ["accepted", "received"], ["received"]]
    engine.run(Facts({}, ()))  # creates the runtime
    runtime = engine._runtime
    assert runtime is not None
    assert list(runtime.handles[engine._base.capacity]) == [0]  # a ruleset is created when first needed
    spy = _AssertSpy(runtime.native)
    runtime.native = spy
    handles = [runtime.handle(engine._base, index) for index in range(len(inputs))]
    accepted_only = Facts({"category": "complaint"}, ({"seq": 0, "kind": "accepted", "day": 3},))
    both = Facts({"category": "complaint"}, ({"seq": 0, "kind": "received", "day": 1},
                                             {"seq": 1, "kind": "accepted", "day": 3}))
    for facts, used in ((accepted_only, [0, 1]), (both, [0, 1, 2, 3])):
        spy.asserted.clear()
        assert engine.run(facts) == native.run(facts)
        assert spy.asserted == [handles[index] for index in used]
    assert [match.rule_id for match in engine.run(both)] == ["A", "B", "C"]


def test_a_ruleset_is_sent_only_the_properties_its_patterns_read() -> None:
    # durable walks every property of a fact at each alpha node it reaches: a helper or a
    # constant that no pattern of a ruleset reads is left out of what that ruleset is sent.
    import json

    from legalcheck._engines.durable.payloads import _payloads

    queries = [
        Query("R", None, EventPattern(("received",), Compare("agency", "eq", "city"))),
        Query("A", None, EventPattern(("accepted",), Compare("days", "gt", 3))),
    ]
    engine = DurableEngine(queries)
    base = engine._base
    facts = Facts({}, ({"seq": 0, "kind": "received", "day": 1, "agency": "city", "days": 5},
                       {"seq": 1, "kind": "accepted", "day": 2, "agency": "city", "days": 5}))
    assert engine.run(facts) == NativeEngine(queries).run(facts)
    received, accepted = ([json.loads(payload) for payload in _payloads(base, facts, list(facts.events), "0")
                           if payload is not None and base.kind_hex[kind] in payload] for kind in ("received", "accepted"))
    [[received_event, received_case]] = received
    [[accepted_event, accepted_case]] = accepted
    agency, days = (next(codec for codec in base.event_codecs_by_kind[kind] if codec.name == name)
                    for kind, name in (("received", "agency"), ("accepted", "days")))
    assert set(agency.absent) <= set(received_event) and not set(days.absent) & set(received_event)
    assert set(days.absent) <= set(accepted_event) and not set(agency.absent) & set(accepted_event)
    assert "scity" in received_case.values() and "scity" not in accepted_case.values()  # the constants
    assert 3 not in received_case.values()

def test_many_wide_patterns_on_one_kind_fit_the_alpha_stack() -> None:
    # durable fails with error 303 when a fact's walk of the alpha network needs more than
    # 64 stack slots; every pattern below an entry node takes one, a wide or more.
    rng = random.Random(5)
    queries = []
    for n in range(150):
        where = AnyOf(tuple(Compare("days", "eq", rng.randint(0, 60)) for _ in range(rng.randint(1, 20))))
        relation = Relation("r", EventPattern(("received",), AnyOf((
            Compare("agency", "eq", Ref("anchor", "to")), Compare("days", "lt", Ref("case", "headcount")),
            Not(Compare("approved", "eq", True))))), rng.choice(("after", "before")))
        queries.append(Query(f"Q{n}", Compare("headcount", "ne", n % 9), EventPattern(("received",), where),
                             (relation,)))
    _compare_on_random_cases(queries, count=40)


def test_lists_longer_than_the_compiled_capacity() -> None:
    queries = [Query("R", Compare("province", "exists", True), EventPattern(("received",), None), (
        Relation("in", EventPattern(KINDS, Compare("agency", "in", Ref("anchor", "agency_ancestors"))), "after"),
        Relation("has", EventPattern(KINDS, Compare("recipients", "contains", Ref("anchor", "agency"))), "after"),
    ))]
    engine, native = DurableEngine(queries), NativeEngine(queries)
    long = [f"agency{n}" for n in range(40)] + list(AGENCIES)
    for facts in realistic_cases(30, seed=91):
        events = tuple({**e, "agency_ancestors": long[-(3 + e["seq"] * 3):], "recipients": long[e["seq"]:]}
                       for e in facts.events)
        case = Facts(facts.case, events)
        assert engine.run(case) == native.run(case)
    assert max(engine._compiled) >= 64  # recompiled for the longest list


def test_duplicate_kinds_and_rule_ids_are_kept_like_native() -> None:
    queries = [
        Query("SAME", None, EventPattern(("received", "received", "accepted"), None),
              (Relation("r", EventPattern(("accepted", "accepted"), None), "after"),)),
        Query("SAME", Compare("category", "exists", True), EventPattern(("accepted",), None)),
        Query("SAME", None, None),
    ]
    _compare_on_random_cases(queries)


def test_values_durable_would_compare_across_types() -> None:
    # durable: 1 == "1", True == "true", "ab" > "ab c"; Python: none of these.
    queries = [
        Query("INT_STR", None, EventPattern(("received",), Compare("via", "eq", Ref("case", "headcount")))),
        Query("BOOL_INT", None, EventPattern(("received",), Compare("written", "eq", 1))),
        Query("BOOL_ORDER", None, EventPattern(("received",), Compare("written", "gt", False))),
        Query("PREFIX", None, EventPattern(("received",), Compare("agency", "lt", "district_a x"))),
        # A list literal (rule files give tuples): Python compares it element by element.
        Query("LIST_EQ", None, EventPattern(("received",), Compare("recipients", "eq", ["city"]))),  # type: ignore[arg-type]
    ]
    durable, native = DurableEngine(queries), NativeEngine(queries)
    cases = [
        Facts({"headcount": 1}, ({"seq": 0, "kind": "received", "day": 0, "via": "1", "written": True,
                                  "agency": "district_a", "recipients": ["city"]},
                                 {"seq": 1, "kind": "received", "day": 0, "via": 1, "written": 1,
                                  "agency": "district_a!", "recipients": ("city",)})),
        *realistic_cases(30, seed=95),
    ]
    for facts in cases:
        assert durable.run(facts) == native.run(facts)


# --- no import-time side effects --------------------------------------------------------------


def test_importing_the_module_does_not_import_durable() -> None:
    code = "import sys, legalcheck._engines.durable; print('durable' in sys.modules)"
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert output.strip() == "False"


def test_module_exports() -> None:
    assert _engine_durable.__all__ == ["DurableEngine", "DurableEngineError"]


# --- throughput (run this file as a script) ----------------------------------------------------


def throughput(engines: dict[str, Any], cases: list[Facts], rounds: int = 7) -> dict[str, float]:
    """Cases per CPU second per engine: both run in this thread, so process CPU time is
    their work whatever else loads the machine; rounds interleaved, the best one kept."""
    best = dict.fromkeys(engines, 0.0)
    for _ in range(rounds):
        for name, engine in engines.items():
            start = time.process_time()
            for facts in cases:
                engine.run(facts)
            best[name] = max(best[name], len(cases) / max(time.process_time() - start, 1e-9))
    return best


if __name__ == "__main__":
    cases = realistic_cases(300, seed=2024)
    durable_engine, native_engine = DurableEngine(QUERIES), NativeEngine(QUERIES)
    durable_engine.run(cases[0])  # build the rulesets outside the measurement
    print(f"{len(QUERIES)} queries, {len(cases[0].events)} events per case, "
          f"{len(durable_engine._base.rules) - 1} durable rules in {len(durable_engine._base.rulesets)} rulesets")
    rates = throughput({"native": native_engine, "durable": durable_engine}, cases)
    print(f"native:  {rates['native']:8.0f} cases per CPU second")
    print(f"durable: {rates['durable']:8.0f} cases per CPU second ({rates['native'] / rates['durable']:.1f}x slower)")
