"""The HTML report: self-contained, every piece of case text escaped, an SVG timeline per case, A4 print rules."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import yaml
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from legalcheck import Evaluator, load_case
from legalcheck._batch.pool import BatchItem, Summary
from legalcheck._cli import cli
from legalcheck._model.case import Case
from legalcheck._report.reporters.html import (
    MAX_LANES,
    MAX_SPANS,
    _place_labels,
    render_html,
    render_timeline,
    text_width,
)

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
AS_OF = "2025-12-01"

# Payloads that would run, or add elements or attributes, if any of them were not escaped.
SCRIPT = "<script>window.__xss='content'</script>"
IMG = "\"><img src=x onerror=\"window.__xss='note'\">"
SINGLE = "'><svg onload=alert(1)>"
HOSTILE: dict[str, Any] = {
    "id": f"XSS-{IMG}{SCRIPT}",
    "title": IMG,
    "channel": "letter",
    "category": "complaint",
    "petitioners": [{"name": SINGLE, "address": "某县某镇"}],
    "content": {"request": SCRIPT, "facts": "</svg></title><svg onload=alert(2)>", "reasons": "&amp; &lt;"},
    "agencies": [
        {"id": "pb", "name": f"{SCRIPT}县信访局", "level": "county", "kind": "petition_bureau"},
        {"id": "hrss", "name": f"{IMG}人社局", "level": "county", "kind": "other"},
    ],
    "events": [
        {"kind": "received", "date": "2025-03-03", "agency": "pb", "note": IMG},
        {"kind": "forwarded", "date": "2025-03-25", "agency": "pb", "to": "hrss", "note": SCRIPT + SINGLE},
    ],
}


def check(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["check", *args, "--engine", "native", "--jobs", "1"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.stdout


class Page(HTMLParser):
    """Every element, attribute and text node of a page, as a browser's parser sees them."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: Counter[str] = Counter()
        self.attributes: list[tuple[str, str, str]] = []
        self.texts: list[str] = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags[tag] += 1
        self.attributes.extend((tag, name, value or "") for name, value in attrs)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_data(self, data: str) -> None:
        self.texts.append(data)


def write_hostile(directory: Path) -> Path:
    path = directory / "hostile.yaml"
    path.write_text(yaml.safe_dump(HOSTILE, allow_unicode=True), encoding="utf-8")
    return path


def test_page_is_self_contained() -> None:
    _, page = check(str(EXAMPLES), "--as-of", AS_OF, "--format", "html")
    assert page.startswith("<!DOCTYPE html>")
    parsed = Page(page)
    assert parsed.tags["script"] == parsed.tags["img"] == parsed.tags["iframe"] == 0
    assert parsed.tags["style"] == 1 and parsed.tags["link"] == 1  # the inline stylesheet; the empty data: icon
    for tag, name, value in parsed.attributes:
        assert name != "src", tag
        if name == "href":
            assert value.startswith("#") or value == "data:,", value
    assert "@import" not in page and "url(" not in page and "@font-face" not in page
    csp = next(v for t, n, v in parsed.attributes if t == "meta" and n == "content" and "default-src" in v)
    assert "default-src 'none'" in csp and "script-src" not in csp
    # http(s) appears only as the SVG namespace name, which is never fetched.
    assert set(re.findall(r"https?://[^\s\"'<]+", page)) == {"http://www.w3.org/2000/svg"}


def test_every_piece_of_case_text_is_escaped(tmp_path: Path) -> None:
    _, page = check(str(write_hostile(tmp_path)), "--as-of", AS_OF, "--format", "html")
    parsed = Page(page)
    assert parsed.tags["script"] == parsed.tags["img"] == 0
    assert parsed.tags["svg"] == 1  # only our timeline; the payloads' <svg> stayed text
    assert not [(t, n) for t, n, _ in parsed.attributes if n.startswith("on")]
    text = "".join(parsed.texts)
    # The payloads come back as the very same text, in HTML, in SVG <text> and in SVG <title>.
    for payload in (SCRIPT, IMG, SINGLE, f"XSS-{IMG}{SCRIPT}", f"{SCRIPT}县信访局", "&amp; &lt;"):
        assert payload in text, payload
    svg = page[page.index("<svg"):page.index("</svg>")]
    svg_text = "".join(Page(svg).texts)
    assert f"{SCRIPT}县信访局" in svg_text and IMG in svg_text and SCRIPT + SINGLE in svg_text
    # In attributes too (aria-label carries the case id), nothing breaks out.
    labels = [v for t, n, v in parsed.attributes if n == "aria-label" and t == "section"]
    assert labels == [f"案件 XSS-{IMG}{SCRIPT}"]


def due(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["due", *args, "--format", "html"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.stdout


def test_docket_as_an_html_page() -> None:
    """``legalcheck due --format html``: the docket's columns as a table, then what cannot be determined yet."""
    code, page = due(str(EXAMPLES), "--as-of", "2025-11-28")
    assert code == 0 and page.startswith("<!DOCTYPE html>") and '<html lang="zh-CN">' in page
    parsed = Page(page)
    assert parsed.tags["script"] == parsed.tags["img"] == 0 and parsed.tags["style"] == 1
    assert "<h1>截至2025年11月28日的待办期限（1项）</h1>" in page
    header = re.findall(r"<th[^>]*>([^<]*)</th>", page[:page.index("</thead>")])
    assert header == ["届满日", "剩余天数", "案件", "应当办理的机关", "义务", "规则", "起算事件", "期限变动"]
    (row,) = re.findall(r"<tr><td>.*?</tr>", page[:page.index("<h2>")])
    assert [re.sub(r"<[^>]+>", "", cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row)] == [
        "2025年12月11日（星期四）", "13日", "LJ-HX-2025-1120", "河西区住房和城乡建设局",
        "转送、交办的信访事项属于本机关职权范围的，应当15日内书面告知信访人", "LC1007",
        "第4项事件（收到，2025年11月26日，河西区住房和城乡建设局）", "—"]
    assert "<h2>无法确定的义务（4项，须先补记案卷）</h2>" in page and "记载办理机关受理该信访事项的日期" in page
    assert "events[" not in page and "2025-12-11" not in page
    _, english = due(str(EXAMPLES), "--as-of", "2025-11-28", "--lang", "en")
    assert "<td><span class=\"date\">11 December 2025 (Thursday)</span></td><td class=\"num\">13 days</td>" in english
    _, later = due(str(EXAMPLES), "--as-of", "2025-11-28", "--within", "5")
    assert "<h1>截至2025年11月28日的待办期限（0项）</h1>" in later and "<table class=\"docket" not in later


def test_docket_page_escapes_case_text(tmp_path: Path) -> None:
    _, page = due(str(write_hostile(tmp_path)), "--as-of", "2025-03-26")
    parsed = Page(page)
    assert parsed.tags["script"] == parsed.tags["img"] == parsed.tags["svg"] == 0
    assert not [(t, n) for t, n, _ in parsed.attributes if n.startswith("on")]
    text = "".join(parsed.texts)
    assert f"XSS-{IMG}{SCRIPT}" in text and f"{SCRIPT}县信访局" in text  # the case id, the agency to act


def test_html_and_json_carry_the_same_findings() -> None:
    _, page = check(str(EXAMPLES), "--as-of", AS_OF, "--format", "html")
    _, raw = check(str(EXAMPLES), "--as-of", AS_OF, "--format", "json")
    reports = json.loads(raw)["reports"]
    parts = re.split(r'<section class="case" id="(case-\d+)"', page)[1:]
    assert len(parts) // 2 == len(reports)
    for section, report in zip(parts[1::2], reports, strict=True):
        found = Counter(re.findall(r'<article class="finding \w+"[^>]*><h4>.*?<span class="id">(LC\d{4})</span>', section))
        assert found == Counter(f["rule_id"] for f in report["findings"])
        assert section.count("<svg") == 1
    # The batch summary links to every case section.
    anchors = set(parts[0::2])
    assert set(re.findall(r'<a href="#(case-\d+)">', page)) == anchors


def test_timeline_marks_violated_pending_rolled_over_and_holidays() -> None:
    _, page = check(str(EXAMPLES / "violating-objection-after-holiday.yaml"), str(EXAMPLES / "open-docket.yaml"),
                    "--as-of", "2025-11-28", "--format", "html")
    holiday, docket = page.split('<section class="case"')[1:]
    assert holiday.count('class="tl-deadline violated"') == 1 and 'fill="#b71c1c"' in holiday
    assert holiday.count('class="tl-holiday"') == 8 and "国庆节" in holiday  # 10-01..10-08 shaded
    # The make-up Sunday 09-28 inside both periods, marked once, in the legend and the deadline rows;
    # the make-up Saturday 10-11 is after every due date.
    assert holiday.count('class="tl-adjusted"') == 1 and "<title>2025年9月28日（调休工作日）</title>" in holiday
    assert '<i class="swatch adjusted_working_day"></i>调休工作日' in holiday
    assert "期间内的调休工作日：2025年9月28日" in holiday and "2025年10月11日（调休" not in holiday
    assert 'class="tl-overrun"' in holiday and 'class="tl-actual"' in holiday
    assert docket.count('class="tl-deadline pending"') == 1 and 'stroke-dasharray="5 3"' in docket
    assert 'class="tl-as-of"' in docket and "截至 2025年11月28日" in docket
    assert docket.count('class="tl-event"') == 4
    # The chronology table beside it, since tooltips do not print.
    assert '<details class="chronology" open><summary>事件经过（4）</summary>' in docket
    assert "<td>转送 → 河西区住房和城乡建设局</td>" in docket


def test_timeline_strict_due_marker_when_rolled_over(native: Evaluator) -> None:
    case = Case.model_validate_json(json.dumps({
        "id": "roll", "channel": "letter", "category": "complaint",
        "agencies": [{"id": "pb", "name": "县信访局", "level": "county", "kind": "petition_bureau"},
                     {"id": "o", "name": "县人社局", "level": "county", "kind": "other"}],
        "events": [{"kind": "received", "date": "2025-09-20", "agency": "pb"},
                   {"kind": "forwarded", "date": "2025-10-09", "agency": "pb", "to": "o"}]}))
    report = native.check(case, as_of=dt.date(2025, 12, 1))
    svg = render_timeline(report, case, "zh", "t")
    assert 'class="tl-deadline met_by_roll_over"' in svg and 'class="tl-strict"' in svg
    assert "仅因期末顺延而按期" in svg


def test_english_page_shows_original_and_translation_side_by_side() -> None:
    _, page = check(str(EXAMPLES / "violating-late-forward.yaml"), "--as-of", AS_OF, "--format", "html",
                    "--lang", "en")
    assert '<html lang="en">' in page
    assert '<div class="cite-text two"><blockquote lang="zh-CN">' in page
    assert "Our translation (unofficial)" in page and "Upon receiving a petition matter" in page
    assert "各级党委和政府信访部门收到信访事项" in page


def test_prints_on_a4() -> None:
    _, page = check(str(EXAMPLES / "violating-late-forward.yaml"), "--as-of", AS_OF, "--format", "html")
    style = page[page.index("<style>"):page.index("</style>")]
    assert "@page { size: A4;" in style and "@media print" in style
    assert "section.case, section.appendix { break-before: page;" in style and "break-inside: avoid" in style
    assert re.search(r'<svg class="timeline"[^>]* width="700"', page)


def test_rejected_inputs_listed_with_file_line_and_field(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: bad\nchannel: letter\ncategory: nonsense\n", encoding="utf-8")
    code, page = check(str(bad), str(EXAMPLES / "open-docket.yaml"), "--as-of", AS_OF, "--format", "html")
    assert code == 2
    errors = page[page.index('<section class="errors"'):page.index("</section>", page.index('<section class="errors"'))]
    assert f"<td>{bad}</td><td class=\"num\">3</td>" in errors and "<code>category</code>" in errors


def test_items_without_a_case_still_get_a_timeline(native: Evaluator) -> None:
    """The library API may hand over a report alone; the timeline then shows the events the report cites."""
    case = Case.model_validate_json(json.dumps({
        "id": "c", "channel": "letter", "category": "complaint",
        "agencies": [{"id": "pb", "name": "县信访局", "level": "county", "kind": "petition_bureau"}],
        "events": [{"kind": "received", "date": "2025-03-03", "agency": "pb"}]}))
    report = native.check(case, as_of=dt.date(2025, 12, 1))
    summary = Summary()
    item = BatchItem("c.yaml", report=report)
    summary.add(item)
    page = render_html([item], summary, "en")
    assert page.count('class="tl-event"') == 1 and 'class="tl-deadline violated"' in page


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 740), st.floats(5, 300)), max_size=40), st.integers(1, 12))
def test_timeline_labels_never_overlap(points: list[tuple[float, float]], max_lanes: int) -> None:
    points.sort()
    placed = _place_labels([x for x, _ in points], [w for _, w in points], 748.0, max_lanes)
    boxes: dict[int, list[tuple[float, float]]] = {}
    for (x, width), spot in zip(points, placed, strict=True):
        if spot is None:  # no room in any lane: the event keeps only its dot
            assert len(boxes) == max_lanes
            continue
        lane, at, anchor = spot
        assert at == x and lane < max_lanes
        left, right = (x, x + width) if anchor == "start" else (x - width, x)
        assert right <= 748.0 or anchor == "end"
        for other_left, other_right in boxes.setdefault(lane, []):
            assert right <= other_left or other_right <= left, "two labels overlap in one lane"
        boxes[lane].append((left, right))


def test_large_case_timeline_stays_bounded(native: Evaluator) -> None:
    """Hundreds of events on a few days: at most MAX_LANES label lanes, the rest said to be left out."""
    events = [{"kind": "received", "date": f"2025-03-0{1 + n % 5}", "agency": "pb", "note": f"n{n}"}
              for n in range(300)]
    case = Case.model_validate_json(json.dumps({
        "id": "big", "channel": "letter", "category": "complaint",
        "agencies": [{"id": "pb", "name": "县信访局", "level": "county", "kind": "petition_bureau"}],
        "events": events}))
    report = native.check(case, as_of=dt.date(2025, 12, 1))
    svg = render_timeline(report, case, "zh", "big")
    assert svg.count('class="tl-event"') == 300 and svg.count('class="tl-label"') <= MAX_LANES * 5
    deadlines = len([d for d in (*(f.deadline for f in report.findings), *(p.deadline for p in report.pending)) if d])
    assert "项事件未标注" in svg and f"另有{deadlines - MAX_SPANS}个期限未画出" in svg
    height = int(re.search(r'height="(\d+)"', svg).group(1))  # type: ignore[union-attr]
    assert height < 60 + MAX_LANES * 18 + MAX_SPANS * 32 + 60


def test_timeline_at_the_ends_of_the_calendar(native: Evaluator) -> None:
    """Dates at year 1 and 9999 are valid input; the axis must not step outside the calendar."""
    case = Case.model_validate_json(json.dumps({
        "id": "edge", "channel": "letter", "category": "complaint",
        "agencies": [{"id": "pb", "name": "县信访局", "level": "county", "kind": "other"}],
        "events": [{"kind": "registered", "date": "0001-01-01", "agency": "pb"},
                   {"kind": "registered", "date": "9999-01-15", "agency": "pb"},
                   {"kind": "registered", "date": "9999-12-31", "agency": "pb"}]}))
    base = native.check(Case.model_validate_json(json.dumps({
        "id": "edge", "channel": "letter", "category": "complaint"})), as_of=dt.date(2025, 1, 1))
    for as_of in (dt.date.min, dt.date.max, dt.date(9999, 6, 1)):
        for events in (case.events, case.events[:1], case.events[1:], case.events[2:]):
            report = base.model_copy(update={"as_of": as_of})
            svg = render_timeline(report, case.model_copy(update={"events": events}), "en", "edge")
            assert svg == "" or svg.startswith("<svg")


def test_text_width_counts_wide_characters_double() -> None:
    assert text_width("信访局") == 36  # 1em each at 12px
    assert abs(text_width("LC1003") - 6 * 7.2) < 1e-9  # 0.6em each


def test_timeline_draws_every_deadline_and_an_extension_after_the_original_due_date() -> None:
    """Met deadlines too; an extended period as the original span, the extension, and the original due date."""
    _, page = check(str(EXAMPLES / "compliant-extension-30-days.yaml"), "--as-of", AS_OF, "--format", "html")
    svg = page[page.index("<svg"):page.index("</svg>")]
    assert svg.count('class="tl-deadline met"') >= 4 and "按期完成" in svg
    extended = next(g for g in svg.split("<g ") if "LC2023" in g and "tl-deadline" in g)
    assert 'class="tl-extension"' in extended and 'class="tl-original-due"' in extended
    assert "60日，延长30日，共90日" in extended
    assert "按期完成" in page[page.index('<p class="legend">'):]  # the legend names every kind of span
    _, raw = check(str(EXAMPLES / "compliant-extension-30-days.yaml"), "--as-of", AS_OF, "--format", "json")
    assert json.loads(raw)["reports"][0]["met"] == []  # JSON lists only what the check was asked for


def test_check_keeps_met_deadlines_only_when_asked(native: Evaluator) -> None:
    case = load_case(EXAMPLES / "compliant-extension-30-days.yaml")
    plain = native.check(case, as_of=dt.date(2025, 12, 1))
    full = native.check(case, as_of=dt.date(2025, 12, 1), met=True)
    assert plain.met == () and full.model_copy(update={"met": ()}) == plain  # nothing else changes
    assert {m.rule_id for m in full.met} >= {"LC2023", "LC1006"}
    assert all(m.deadline.status == "met" for m in full.met)
    extended = next(m for m in full.met if m.rule_id == "LC2023")
    assert extended.deadline.extension_days == 30 and extended.trigger.kind == "accepted"
