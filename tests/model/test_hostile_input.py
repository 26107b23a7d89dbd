"""Hostile input: no code runs, no memory is exhausted, every refusal says why and where.

Nothing here asserts a duration: memory is measured with tracemalloc (what Python
allocates), which does not depend on how busy the machine is.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pytest

from legalcheck import CaseError, InputError
from legalcheck._batch.pool import BatchOptions, check_paths
from legalcheck._core.errors import CalendarDataError
from legalcheck._core.safe_yaml import DEFAULT_LIMITS, Limits, load_document, parse_json, parse_yaml
from legalcheck._dates.calendar import load_calendar
from legalcheck._model.loader import MAX_EVENTS, case_from_json, iter_cases, load_case

ROOT = Path(__file__).resolve().parents[2]
REGISTRY = ROOT / "examples" / "_agencies.yaml"
CASE_HEAD = f"id: x\nagency_registry: {REGISTRY}\nchannel: letter\ncategory: complaint\n"

# Nine levels of nine aliases: 9**9 (387 million) leaves once expanded, from 700 bytes.
BILLION_LAUGHS = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [" + ", ".join([f"*{chr(97 + i)}"] * 9) + "]\n" for i in range(8))


def peak_bytes(action: Callable[[], object]) -> tuple[int, BaseException | None]:
    """Peak memory Python allocates while ``action`` runs, and what it raised."""
    tracemalloc.start()
    error: BaseException | None = None
    try:
        action()
    except BaseException as exc:  # noqa: BLE001 - returned to the test
        error = exc
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return peak, error


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --- no code execution ------------------------------------------------------------------------------

PYTHON_TAGS = [
    "!!python/object/apply:os.mkdir [{marker}]",
    "!!python/object/new:os.mkdir [{marker}]",
    "!!python/name:os.mkdir",
    "!!python/module:os",
    "!python/object/apply:os.mkdir [{marker}]",
]


@pytest.mark.parametrize("tag", PYTHON_TAGS)
def test_python_tags_in_a_case_are_refused_and_never_run(tmp_path: Path, tag: str) -> None:
    marker = tmp_path / "executed"
    value = tag.format(marker=json.dumps(str(marker)))
    path = write(tmp_path, "a.yaml", CASE_HEAD + f"title: {value}\n")
    with pytest.raises(CaseError) as info:
        load_case(path)
    [(location, message)] = [(p.location, p.message) for p in info.value.problems]
    assert (location.line, location.column, location.field) == (5, 8, "title")
    assert message.endswith("is not allowed: these files hold plain data only "
                            "(mappings, lists, text, numbers, true/false, null)")
    assert not marker.exists()


def test_python_tag_message_names_the_tag(tmp_path: Path) -> None:
    path = write(tmp_path, "a.yaml", CASE_HEAD + "title: !!python/object/apply:os.system ['echo pwned']\n")
    with pytest.raises(CaseError) as info:
        load_case(path)
    assert str(info.value) == (f"{path}:5:8: title: YAML tag '!!python/object/apply:os.system' is not allowed: "
                               "these files hold plain data only (mappings, lists, text, numbers, true/false, null)")


@pytest.mark.parametrize("tag", ["!!set {a, b}", "!!binary aGVsbG8=", "!!timestamp 2025-01-01", "!!omap [a: 1]",
                                 "!custom x"])
def test_yaml_types_beyond_plain_data_are_refused(tmp_path: Path, tag: str) -> None:
    with pytest.raises(InputError, match=r"<input>:1:4: x: YAML tag '.*' is not allowed"):
        parse_yaml(f"x: {tag}\n")


def test_plain_data_and_merge_keys_still_load() -> None:
    doc = parse_yaml("base: &b {level: county, kind: other}\nitem: {<<: *b, id: x}\nn: 1\nf: 1.5\nt: true\nz: null\n")
    assert doc.data["item"] == {"level": "county", "kind": "other", "id": "x"}


def test_python_tag_in_a_calendar_file_is_refused(tmp_path: Path) -> None:
    marker = tmp_path / "executed"
    path = write(tmp_path, "c.yaml", f"schema: !!python/object/apply:os.mkdir [{json.dumps(str(marker))}]\n")
    with pytest.raises(CalendarDataError, match="is not allowed"):
        load_calendar([path])
    assert not marker.exists()


# --- alias expansion: "billion laughs" -------------------------------------------------------------


def test_billion_laughs_is_refused_with_a_clear_error() -> None:
    with pytest.raises(InputError) as info:
        parse_yaml(BILLION_LAUGHS, "bomb.yaml")
    assert str(info.value) == (f"bomb.yaml:6:4: f: document expands to more than {DEFAULT_LIMITS.max_nodes} nodes "
                               "(YAML aliases?); refusing it")


def test_billion_laughs_is_refused_without_allocating_much(tmp_path: Path) -> None:
    path = write(tmp_path, "bomb.yaml", BILLION_LAUGHS)
    peak, error = peak_bytes(lambda: load_case(path))
    assert isinstance(error, CaseError)
    assert peak < 2_000_000  # a few hundred nodes are composed; nothing is expanded


def test_billion_laughs_in_a_batch_is_one_rejected_file(tmp_path: Path) -> None:
    write(tmp_path, "bomb.yaml", BILLION_LAUGHS)
    items = list(check_paths([tmp_path], BatchOptions(as_of=dt.date(2025, 12, 1), engine="native")))
    assert [(i.report, type(i.error)) for i in items] == [(None, CaseError)]


def test_aliases_within_the_limit_are_fine() -> None:
    doc = parse_yaml("a: &a [1, 2, 3]\nb: [*a, *a, *a]\n")
    assert doc.data["b"] == [[1, 2, 3]] * 3


def test_an_alias_cycle_is_refused() -> None:
    with pytest.raises(InputError) as info:
        parse_yaml("a: &a [1, *a]\n")
    assert str(info.value) == "<input>:1:4: a: YAML alias refers to a node that contains it (a cycle); refusing it"


# --- nesting, size, counts ---------------------------------------------------------------------------


def test_deep_yaml_nesting_is_refused() -> None:
    with pytest.raises(InputError, match=f"nesting deeper than {DEFAULT_LIMITS.max_depth} levels"):
        parse_yaml("a: " + "[" * 100 + "]" * 100)


def test_very_deep_yaml_nesting_is_refused_by_the_parser_itself() -> None:
    peak, error = peak_bytes(lambda: parse_yaml("[" * 1_000_000))
    assert isinstance(error, InputError) and "nesting depth" in str(error)
    assert peak < 20_000_000


def test_deep_json_nesting_is_refused() -> None:
    with pytest.raises(InputError, match=f"nesting deeper than {DEFAULT_LIMITS.max_depth} levels"):
        parse_json('{"a": ' + "[" * 100 + "]" * 100 + "}")
    with pytest.raises(InputError, match="nesting deeper than"):
        parse_json("[" * 100_000 + "]" * 100_000)


def test_oversized_file_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    with open(path, "wb") as handle:  # sparse: 1 GB on paper, nothing on disk
        handle.truncate(1 << 30)
    peak, error = peak_bytes(lambda: load_case(path))
    assert str(error) == f"{path}: file is {1 << 30} bytes, over the limit of {DEFAULT_LIMITS.max_bytes}"
    assert peak < 1_000_000


def test_limits_can_be_tightened(tmp_path: Path) -> None:
    path = write(tmp_path, "a.yaml", CASE_HEAD)
    size = path.stat().st_size
    with pytest.raises(CaseError, match=f"file is {size} bytes, over the limit of 50"):
        load_case(path, limits=Limits(max_bytes=50))


def test_too_many_events_is_refused(tmp_path: Path) -> None:
    event = "  - {kind: registered, date: 2025-03-03, agency: hx-pb}\n"
    path = write(tmp_path, "a.yaml", CASE_HEAD + "events:\n" + event * (MAX_EVENTS + 1))
    with pytest.raises(CaseError) as info:
        load_case(path)
    assert str(info.value) == f"{path}:5:1: events: {MAX_EVENTS + 1} events, over the limit of {MAX_EVENTS}"


def test_too_many_events_in_json_is_refused_too() -> None:
    events = [{"kind": "registered", "date": "2025-03-03", "agency": "hx-pb"}] * (MAX_EVENTS + 1)
    text = json.dumps({"id": "x", "channel": "letter", "category": "complaint", "agency_registry": str(REGISTRY),
                       "events": events})
    with pytest.raises(CaseError, match=f"events: {MAX_EVENTS + 1} events, over the limit of {MAX_EVENTS}"):
        case_from_json(text, "a.json")


def test_huge_integers_are_refused_with_their_position() -> None:
    with pytest.raises(InputError) as info:
        parse_yaml("headcount: " + "9" * 5000 + "\n", "a.yaml")
    assert str(info.value) == "a.yaml:1:12: headcount: number with 5000 characters, over the limit of 1000"
    with pytest.raises(InputError) as info:
        parse_json('{"headcount":\n ' + "9" * 5000 + "}", "a.json")
    assert str(info.value) == "a.json:2:2: number with 5000 characters, over the limit of 1000"


def test_huge_integer_in_a_case_is_a_case_error() -> None:
    with pytest.raises(CaseError):
        case_from_json('{"id": "x", "headcount": ' + "9" * 5000 + "}", "a.json")


def test_huge_text_values_are_cut_short_in_messages(tmp_path: Path) -> None:
    path = write(tmp_path, "a.yaml", CASE_HEAD.replace("channel: letter", "channel: " + "x" * 1_000_000))
    with pytest.raises(CaseError) as info:
        load_case(path)
    assert len(str(info.value)) < 500


def test_duplicate_keys_are_refused_not_silently_overwritten(tmp_path: Path) -> None:
    path = write(tmp_path, "a.yaml", CASE_HEAD + "events:\n  - kind: received\n    date: 2025-03-03\n"
                                                 "    agency: hx-pb\n    date: 2025-03-04\n")
    with pytest.raises(CaseError) as info:
        load_case(path)
    assert str(info.value) == f"{path}:9:5: events[0].date: duplicate key 'date' (first on line 7)"


def test_unpaired_surrogate_in_json_is_a_located_case_error() -> None:
    text = '{"id": "x", "channel": "letter", "category": "complaint", "title": "\\ud800"}'
    with pytest.raises(CaseError) as info:
        case_from_json(text, "a.json")
    assert str(info.value) == "a.json:1:68: title: text is not valid Unicode (an unpaired surrogate such as \\ud800)"


# --- files that are not files ----------------------------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "cases.yaml"
    os.mkfifo(fifo)
    with pytest.raises(InputError) as info:
        load_document(fifo)
    assert str(info.value) == f"{fifo}: not a regular file"


def test_a_device_is_refused(tmp_path: Path) -> None:
    items = list(iter_cases(["/dev/zero"]))
    assert [str(i.error) for i in items] == ["/dev/zero: not a regular file"]


def test_agency_registry_must_be_a_registry_file(tmp_path: Path) -> None:
    # Not /etc/passwd, not /dev/zero: a registry's content is echoed in error messages.
    path = write(tmp_path, "a.yaml", CASE_HEAD.replace(str(REGISTRY), "/dev/zero"))
    with pytest.raises(CaseError) as info:
        load_case(path)
    assert str(info.value) == (f"{path}:2:18: agency_registry: agency registry must be a .yaml, .yml, .json file, "
                               "not /dev/zero")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_agency_registry_that_is_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "_agencies.yaml")
    path = write(tmp_path, "a.yaml", CASE_HEAD.replace(str(REGISTRY), "_agencies.yaml"))
    with pytest.raises(CaseError) as info:
        load_case(path)
    assert str(info.value) == f"{tmp_path / '_agencies.yaml'}: not a regular file"


def test_oversized_jsonl_line_is_rejected_and_the_next_lines_are_checked(tmp_path: Path) -> None:
    good = json.dumps({"id": "ok", "agency_registry": str(REGISTRY), "channel": "letter", "category": "complaint"})
    path = tmp_path / "cases.jsonl"
    path.write_text(good + "\n" + '{"title": "' + "x" * 5000 + '"}\n' + good + "\n", encoding="utf-8")
    items = list(iter_cases([path], limits=Limits(max_bytes=1000)))
    assert [(i.source, i.case is not None) for i in items] == [(f"{path}:1", True), (f"{path}:2", False),
                                                               (f"{path}:3", True)]
    assert str(items[1].error) == f"{path}:2: line is 5014 bytes, over the limit of 1000"


def test_bad_utf8_on_one_jsonl_line_rejects_only_that_line(tmp_path: Path) -> None:
    good = json.dumps({"id": "ok", "agency_registry": str(REGISTRY), "channel": "letter", "category": "complaint"})
    path = tmp_path / "cases.jsonl"
    path.write_bytes(good.encode() + b"\n" + b'{"id": "\xff"}\n' + good.encode() + b"\n")
    items = list(iter_cases([path]))
    assert [i.case is not None for i in items] == [True, False, True]
    assert str(items[1].error) == f"{path}:2:9: not UTF-8 text (byte 0xff at offset 8)"
