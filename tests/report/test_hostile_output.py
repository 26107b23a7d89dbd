"""Property: hostile strings in any free-text field of a case never take control of any output format.

Generated strings mix control characters (C0, C1, ESC sequences), bidirectional overrides
and isolates, Unicode line separators, Markdown and HTML markup, and ordinary CJK text, and
go into every free-text field at once: case id, title, content, petitioner, representative,
accused person, agency name, event notes. Each format is then checked for what it promises
(docs/robustness.md): text keeps its line structure and shows no raw control character;
Markdown and HTML show none either and never pass markup through; JSON Lines stays one
line per record for any line-splitting reader; JSON parses and keeps the values exactly.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from legalcheck import Case, Evaluator
from legalcheck._batch.pool import BatchItem, Summary
from legalcheck._model.loader import load_case
from legalcheck._report.reporters.html import render_html
from legalcheck._report.reporters.json import render_json, render_jsonl_item
from legalcheck._report.reporters.jsonl import _has_separator, report_line
from legalcheck._report.reporters.markdown import render_markdown
from legalcheck._report.reporters.text import render_item, render_summary

AS_OF = dt.date(2025, 12, 1)
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "violating-late-forward.yaml"
HOSTILE = ("\x1b]0;owned\x07", "\x1b[2J", "\n", "\r", "\t", "\x00", "\x85", "\u2028", "\u2029", "\u202e",
           "\u2066", "\u200f", "\ufeff", "<script>alert(1)</script>", "<img src=x onerror=y>", "**", "# ", "|",
           "`", "[a](javascript:b)", "&amp;", "共0件案件", "陈秀英", "2025-06-20", "\\")
# Raw in no format but for line structure: C0 (but tab, LF, CR), DEL, C1, bidi, separators, BOM.
UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"
                    "\ufeff]")
piece = st.one_of(st.sampled_from(HOSTILE), st.text(alphabet=st.characters(codec="utf-8"), max_size=4))
hostile_text = st.lists(piece, min_size=1, max_size=6).map("".join).filter(lambda s: s.strip() != "")

_EVALUATOR = Evaluator(engine="native")


def example_case() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(load_case(EXAMPLE).model_dump_json(by_alias=True, exclude_none=True,
                                                                        exclude={"agency_registry"}))
    return data


def _with_text(values: list[str]) -> dict[str, Any]:
    case = example_case()
    take = iter(values)
    case["id"] = next(take)[:200]
    case["title"] = next(take)
    case["content"] = {"request": next(take), "facts": next(take), "reasons": next(take)}
    case["petitioners"][0]["name"] = next(take)
    case["petitioners"][0]["address"] = next(take)
    case["representatives"] = [next(take)]
    case["accused"] = {"persons": [next(take)]}
    for agency in case["agencies"]:
        if agency["id"] in ("hx-pb", "hx-housing"):
            agency["name"] = next(take)
    for event in case["events"]:
        event["note"] = next(take)
    return case


FIELDS = 10 + 2 + len(example_case()["events"])


def _item(case: dict[str, Any]) -> BatchItem:
    model = Case.model_validate_json(json.dumps(case))
    report = _EVALUATOR.check(model, as_of=AS_OF, source="cases/a.json")
    return BatchItem("cases/a.json", report=report, case=model)


def _baseline() -> BatchItem:
    return _item(_with_text(["x"] * FIELDS))


BASELINE = _baseline()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(hostile_text, min_size=FIELDS, max_size=FIELDS))
def test_hostile_strings_take_control_of_no_format(values: list[str]) -> None:
    case = _with_text(values)
    item = _item(case)
    summary = Summary()
    summary.add(item)

    text = render_item(item, "zh", verbose=True) + render_summary(summary, "zh")
    baseline = render_item(BASELINE, "zh", verbose=True) + render_summary(summary, "zh")
    assert UNSAFE.search(text) is None and "\r" not in text and "\t" not in text
    assert text.count("\n") == baseline.count("\n")  # no value adds, ends or forges a line
    assert [line for line in text.splitlines() if line.startswith("共")] == ["共1件案件：已检查1件，无法读取0件；违规2项"]

    for document in (render_markdown([item], summary, "zh"), render_html([item], summary, "zh")):
        assert UNSAFE.search(document) is None
        assert "<script" not in document and "<img" not in document

    line = render_jsonl_item(item)
    assert line.endswith("\n") and len(line.splitlines()) == 1 and re.search("[\u2028\u2029\x85]", line) is None
    assert json.loads(line)["case_id"] == case["id"]
    assert item.report is not None and report_line(item.report) == line.encode("utf-8")  # as workers send it

    whole = render_json([item], summary)
    assert re.search("[\u2028\u2029\x85]", whole) is None
    assert json.loads(whole)["reports"][0]["case_id"] == case["id"]


_PIECES = st.sampled_from([b"\xe2", b"\x80", b"\xa8", b"\xa9", b"\xc2", b"\x85", b"\xe2\x80\x9c", "信访".encode(),
                           "\u2028".encode(), "\u2029".encode(), "\u0085".encode(), b"a"])


@settings(max_examples=2000, deadline=None)
@given(st.lists(_PIECES, max_size=12).map(b"".join))
def test_the_separator_scan_finds_what_a_regular_expression_finds(data: bytes) -> None:
    assert _has_separator(data) == (re.search(b"\xe2\x80[\xa8\xa9]|\xc2\x85", data) is not None)
