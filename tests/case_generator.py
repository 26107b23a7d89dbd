"""Generated case files for property tests: valid cases over an agency tree with dates near
official holidays (``cases``), and the same with 1-3 mutations (``mutated``).

Shared by the fuzz test (tests/evaluation/test_fuzz.py) and the input round-trip tests
(tests/model/test_case_input.py). With LEGALCHECK_FUZZ_EXAMPLES=N the largest fuzz test runs N
examples and the others in proportion (``examples``).
"""

from __future__ import annotations

import datetime as dt
import os
import types
import typing
from enum import Enum
from typing import Any, Literal, Union

from hypothesis import HealthCheck
from hypothesis import strategies as st

from legalcheck._dates.calendar import default_calendar
from legalcheck._model.case import Event

SCALE = int(os.environ.get("LEGALCHECK_FUZZ_EXAMPLES", "0")) or None


CI_EXAMPLES = 1200  # of the largest test; the others run fewer, in proportion


def examples(default: int) -> int:
    """``default`` in CI; with LEGALCHECK_FUZZ_EXAMPLES=N the largest test runs N and the others in proportion."""
    return default if SCALE is None else max(default, SCALE * default // CI_EXAMPLES)


FUZZ = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                                  HealthCheck.filter_too_much])

EVENT_CLASSES: tuple[type[Any], ...] = tuple(Event.__origin__.__args__)  # type: ignore[attr-defined]
AGENCY_FIELDS = ("agency", "to", "from_agency", "handling_agency")
LEVELS = ("township", "county", "city", "province", "national")
KINDS = ("petition_bureau", "political_legal", "discipline_inspection", "party_committee", "government",
         "joint_conference", "other")

# Official rest days of 2022-2026 (holidays, not weekends): deadlines that cross or end on them
# are where the arithmetic is most often wrong.
_CALENDAR = default_calendar()
HOLIDAYS = tuple(d for d in (dt.date(2022, 1, 1) + dt.timedelta(days=n) for n in range(5 * 365))
                 if _CALENDAR.is_holiday(d))

def _dates(first: dt.date) -> st.SearchStrategy[dt.date]:
    """Days near an official holiday (mostly) or any day, from ``first`` to the end of 2026."""
    return st.one_of(
        st.builds(lambda d, k: d + dt.timedelta(days=k), st.sampled_from([h for h in HOLIDAYS if h >= first]),
                  st.integers(-20, 20)),
        st.dates(first, dt.date(2026, 12, 31)),
    )


dates = _dates(dt.date(2021, 6, 1))
dates_in_force = _dates(dt.date(2022, 5, 21))  # the 2022 regulations apply from 2022-05-01
texts = st.one_of(st.text(max_size=12), st.sampled_from(["王五", "某县某镇", "", " ", "Ω≈ç√", "🙂", "a\u202eb"]))


@st.composite
def agency_trees(draw: st.DrawFn) -> list[dict[str, Any]]:
    """3-10 agencies; each one's superior, when it has one, comes earlier (a tree)."""
    count = draw(st.integers(3, 10))
    agencies = []
    for index in range(count):
        kind = "petition_bureau" if index == 0 else draw(st.sampled_from(KINDS))  # most rules start at one
        agency: dict[str, Any] = {"id": f"ag{index}", "name": f"机关{index}", "level": draw(st.sampled_from(LEVELS)),
                                  "kind": kind}
        if index and draw(st.booleans()):
            agency["superior"] = f"ag{draw(st.integers(0, index - 1))}"
        agencies.append(agency)
    return agencies


def _value(draw: st.DrawFn, name: str, annotation: Any, ids: list[str], date: dt.date) -> Any:
    """A valid value for one event field, from its annotation."""
    origin = typing.get_origin(annotation)
    if origin in (Union, types.UnionType):
        members = [a for a in typing.get_args(annotation) if a is not type(None)]
        return _value(draw, name, members[0], ids, date)
    if name in AGENCY_FIELDS and annotation is str:
        return draw(st.sampled_from(ids))
    if origin is Literal:
        return draw(st.sampled_from(typing.get_args(annotation)))
    if origin is tuple:
        return draw(st.lists(st.sampled_from(typing.get_args(typing.get_args(annotation)[0])), max_size=3,
                             unique=True))
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return draw(st.sampled_from([m.value for m in annotation]))
    if annotation is bool:
        return draw(st.booleans())
    if annotation is int:
        return draw(st.integers(1, 60))
    if annotation is dt.date:  # report_by, end: after the event's own date
        return (date + dt.timedelta(days=draw(st.integers(0, 45)))).isoformat()
    return draw(texts)


# Every kind can occur; the ones most rules start from are drawn more often.
_COMMON = {"received": 6, "registered": 2, "forwarded": 3, "assigned": 2, "notified": 3, "accepted": 2}
WEIGHTED_CLASSES = tuple(cls for cls in EVENT_CLASSES
                         for _ in range(_COMMON.get(typing.get_args(cls.model_fields["kind"].annotation)[0], 1)))


@st.composite
def events(draw: st.DrawFn, ids: list[str], date: dt.date) -> dict[str, Any]:
    cls = draw(st.sampled_from(WEIGHTED_CLASSES))
    event: dict[str, Any] = {}
    for name, field in cls.model_fields.items():
        if name == "date":
            event["date"] = date.isoformat()
        elif field.is_required() or draw(st.booleans()):
            event[name] = _value(draw, name, field.annotation, ids, date)
    if event.get("via", "direct") != "direct" and "from_agency" not in event:
        event["from_agency"] = draw(st.sampled_from(ids))  # Received's own rule
    return event


@st.composite
def cases(draw: st.DrawFn) -> dict[str, Any]:
    agencies = draw(agency_trees())
    ids = [a["id"] for a in agencies]
    case: dict[str, Any] = {
        "id": f"fuzz-{draw(st.integers(0, 10**6))}",
        "channel": draw(st.sampled_from(["letter", "online", "phone", "fax", "email", "visit"])),
        "category": draw(st.sampled_from(["suggestion", "accusation", "complaint"])),
        "agencies": agencies,
    }
    # A timeline: from a date near a holiday, each event a few days after the one before.
    day = draw(dates_in_force if draw(st.integers(0, 9)) else dates)
    case["events"] = []
    for _ in range(draw(st.integers(1, 8))):  # no events at all: the mutations drop them
        day += dt.timedelta(days=draw(st.integers(0, 12)))
        case["events"].append(draw(events(ids, day)))
    if draw(st.integers(0, 3)):  # mostly with a named petitioner: an unclear identity exempts many rules
        case["petitioners"] = [{"name": "王五", "address": "某县某镇"}]
    elif draw(st.booleans()):
        case["petitioners"] = draw(st.lists(st.fixed_dictionaries(
            {}, optional={"name": st.sampled_from(["王五", "李四"]), "address": st.sampled_from(["某县某镇"])}),
            max_size=2))
    if draw(st.booleans()):
        case["flags"] = draw(st.fixed_dictionaries({}, optional={
            "litigation_related": st.booleans(), "major_urgent": st.booleans(), "discipline_matter": st.booleans(),
            "complex": st.booleans(),
            "statutory_procedure": st.sampled_from(["litigation", "arbitration", "party_appeal", "administrative",
                                                    "law_enforcement"])}))
    for key in ("competent_agencies", "involved_agencies"):
        if draw(st.booleans()):
            case[key] = draw(st.lists(st.sampled_from(ids), max_size=3, unique=True))
    if draw(st.booleans()):
        case["headcount"] = draw(st.integers(1, 12))
        case["representatives"] = draw(st.lists(st.sampled_from(["甲", "乙", "丙", "丁", "戊", "己"]), max_size=6))
    if draw(st.booleans()):
        case["province"] = draw(st.sampled_from(["北京市", "江东省"]))
    if draw(st.booleans()):
        case["status"] = draw(st.sampled_from(["open", "closed"]))
    return case


# --- mutations -----------------------------------------------------------------------------------

ODD_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=20),
    st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
    st.sampled_from(["2025-02-30", "2025-13-01", "0001-01-01", "9999-12-31", "2025-1-1", "yesterday",
                     "x" * 100_000, "\x00", "🙂" * 50, "ag99", 10**30, -1, 0]),
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            out.extend(_paths(item, prefix + (key,)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            out.extend(_paths(item, prefix + (index,)))
    return out


def _parent(case: Any, path: tuple[Any, ...]) -> Any:
    for part in path[:-1]:
        case = case[part]
    return case


@st.composite
def mutated(draw: st.DrawFn) -> dict[str, Any]:
    """A generated case with 1-3 mutations: dates swapped, fields dropped or retyped, unknown keys, ..."""
    case = draw(cases())
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(case)
        action = draw(st.sampled_from(["swap-dates", "drop", "retype", "unknown-key", "unicode", "huge", "reference",
                                       "many-events"]))
        raw_events = case.get("events")
        listed: list[Any] = raw_events if isinstance(raw_events, list) else []
        dated = [e for e in listed if isinstance(e, dict) and "date" in e]
        if action == "swap-dates" and len(dated) >= 2:
            i, j = draw(st.permutations(range(len(dated))))[:2]
            dated[i]["date"], dated[j]["date"] = dated[j]["date"], dated[i]["date"]
        elif action == "drop" and paths:
            path = draw(st.sampled_from(paths))
            del _parent(case, path)[path[-1]]
        elif action == "retype" and paths:
            path = draw(st.sampled_from(paths))
            _parent(case, path)[path[-1]] = draw(ODD_VALUES)
        elif action == "unknown-key":
            targets = [case] + [e for e in listed if isinstance(e, dict)]
            draw(st.sampled_from(targets))[draw(st.sampled_from(["dat", "agncy", "zzz", "kind ", "", "日期"]))] = 1
        elif action == "unicode" and paths:
            path = draw(st.sampled_from(paths))
            _parent(case, path)[path[-1]] = draw(st.text(min_size=1, max_size=10))
        elif action == "huge":
            case[draw(st.sampled_from(["id", "title", "headcount"]))] = draw(st.sampled_from(
                ["x" * 300, "长" * 100_000, 10**40, 2**63]))
        elif action == "reference" and dated:
            draw(st.sampled_from(dated))["agency"] = draw(st.sampled_from(["nowhere", "", "AG0", "ag0 "]))
        elif action == "many-events" and listed:
            case["events"] = listed * draw(st.integers(2, 40))
    return case
