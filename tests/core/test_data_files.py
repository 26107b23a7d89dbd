"""The project's data files (regulations, coverage, duties, calendar overrides) are pydantic models:
a broken file is refused with the loader's own error type (exit code 2), and each problem names
the file, the line and column, and the field path, as rule files do."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from legalcheck._core.errors import CalendarDataError, InputError, RegulationError, RuleError
from legalcheck._core.paths import data_dir
from legalcheck._dates.calendar import load_calendar
from legalcheck._law.coverage import load_coverage
from legalcheck._law.duties import load_duties
from legalcheck._law.regulations import load_corpus

REGULATION = """\
id: test-law
titles: {zh: 测试条例, en: Test Regulations}
short: {zh: 《测试条例》, en: Test Regulations (2020)}
issuer: {zh: 测试机关, en: Test Organ}
promulgated: 2020-01-01
effective_from: 2020-02-01
source: sources/test.md
item_marker: fullwidth
articles:
  - number: 1
    chapter: {zh: 第一章 总则, en: Chapter I General Provisions}
    paragraphs:
      - zh: 第一款。
        items:
          - number: 1
            zh: 第一项；
"""

CALENDAR = """\
schema: legalcheck/calendar/1
source:
  title: 测试通知
  url_or_document_number: TEST-2027
  published: 2026-11-01
years:
  2027:
    replace: true
    rest_days:
      - date: 2027-01-01
        name: 元旦
    make_up_working_days:
      - 2027-02-13
      - date: 2027-02-14
        name: 春节
"""


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def problems(error: InputError) -> list[str]:
    """``file:line:column: field: message``, one per problem, as the command line prints them."""
    assert error.exit_code == 2
    return str(error).splitlines()


def regulation_error(tmp_path: Path, text: str) -> RegulationError:
    (tmp_path / "sources").mkdir(exist_ok=True)
    (tmp_path / "sources" / "test.md").write_text("第一条 第一款。\n", encoding="utf-8")
    (tmp_path / "test-law.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(RegulationError) as info:
        load_corpus(tmp_path)
    return info.value


def test_the_test_regulation_loads(tmp_path: Path) -> None:
    (tmp_path / "sources").mkdir()
    (tmp_path / "sources" / "test.md").write_text("第一条 第一款。\n", encoding="utf-8")
    (tmp_path / "test-law.yaml").write_text(REGULATION, encoding="utf-8")
    assert load_corpus(tmp_path).resolve("test-law", 1, 1, 1).zh == "第一项；"


def test_a_regulations_misspelt_key_is_named_with_a_suggestion_and_the_missing_key(tmp_path: Path) -> None:
    text = REGULATION.replace("item_marker: fullwidth", "item_markr: fullwidth")
    file = tmp_path / "test-law.yaml"
    assert problems(regulation_error(tmp_path, text)) == [
        f"{file}:1:1: item_marker: required field is missing",
        f"{file}:{line_of(text, 'item_markr')}:1: item_markr: unknown key 'item_markr'; did you mean 'item_marker'?",
    ]


def test_a_regulations_wrong_type_deep_in_the_file_is_named_by_its_path(tmp_path: Path) -> None:
    text = REGULATION.replace("          - number: 1\n", "          - number: 一\n")
    file = tmp_path / "test-law.yaml"
    assert problems(regulation_error(tmp_path, text)) == [
        f"{file}:{line_of(text, 'number: 一')}:21: articles[0].paragraphs[0].items[0].number: "
        "Input should be a valid integer (got '一')"]


def test_an_unknown_key_and_a_cross_field_problem_are_reported_together(tmp_path: Path) -> None:
    text = REGULATION.replace("id: test-law", "id: other-law").replace("promulgated:", "promulgate:")
    lines = problems(regulation_error(tmp_path, text))
    assert [line.split(": ", 2)[1] for line in lines] == ["promulgated", "promulgate"]
    text = REGULATION.replace("id: test-law", "id: other-law") + "repealed: yes\n"
    lines = problems(regulation_error(tmp_path, text))
    assert [line.split(": ", 2)[1:] for line in lines] == [
        ["repealed", "unknown key 'repealed'"],
        ["id", "id 'other-law' must match the file name (test-law.yaml)"]]


def test_a_broken_coverage_file_names_line_and_field(tmp_path: Path) -> None:
    source = data_dir("rules") / "coverage.yaml"
    text = source.read_text(encoding="utf-8")
    needle = "  - article: 1\n"
    assert needle in text
    path = tmp_path / "coverage.yaml"
    path.write_text(text.replace(needle, "  - article: 一\n", 1), encoding="utf-8")
    with pytest.raises(RuleError) as info:
        load_coverage(path)
    line = line_of(path.read_text(encoding="utf-8"), "article: 一")
    column = path.read_text(encoding="utf-8").splitlines()[line - 1].index("一") + 1
    [problem] = problems(info.value)
    assert problem.startswith(f"{path}:{line}:{column}: instruments.xfgz-2022.entries[0].article: ")
    assert problem.endswith("Input should be a valid integer (got '一')")


def test_a_coverage_file_of_another_schema_is_refused_at_its_schema(tmp_path: Path) -> None:
    text = (data_dir("rules") / "coverage.yaml").read_text(encoding="utf-8")
    path = tmp_path / "coverage.yaml"
    path.write_text(text.replace("schema: legalcheck/coverage/1", "schema: legalcheck/coverage/2"), encoding="utf-8")
    with pytest.raises(RuleError) as info:
        load_coverage(path)
    [problem] = problems(info.value)
    assert problem.startswith(f"{path}:{line_of(text, 'schema: legalcheck')}:9: schema: ")
    assert "legalcheck/coverage/1" in problem


def test_a_broken_duties_file_names_line_and_field(tmp_path: Path) -> None:
    text = (data_dir("rules") / "duties.yaml").read_text(encoding="utf-8")
    needle = "status: not-checkable"
    index = text.index(needle)
    path = tmp_path / "duties.yaml"
    path.write_text(text[:index] + "stauts: not-checkable" + text[index + len(needle):], encoding="utf-8")
    with pytest.raises(RuleError) as info:
        load_duties(path)
    line = text[:index].count("\n") + 1
    lines = problems(info.value)
    assert any(p.startswith(f"{path}:{line}:") and "stauts: unknown key 'stauts'; did you mean 'status'?" in p
               for p in lines), lines
    assert any(".status: required field is missing" in p for p in lines), lines


def calendar_error(tmp_path: Path, text: str) -> CalendarDataError:
    path = tmp_path / "cn-2027.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CalendarDataError) as info:
        load_calendar([path])
    return info.value


def test_the_test_calendar_loads(tmp_path: Path) -> None:
    path = tmp_path / "cn-2027.yaml"
    path.write_text(CALENDAR, encoding="utf-8")
    calendar = load_calendar([path])
    assert calendar.is_holiday(dt.date(2027, 1, 1)) and calendar.is_make_up_working_day(dt.date(2027, 2, 14))


def test_a_named_make_up_day_with_a_bad_date_is_named_by_its_date_field(tmp_path: Path) -> None:
    text = CALENDAR.replace("date: 2027-02-14", "date: 2027-02-30")
    file = tmp_path / "cn-2027.yaml"
    assert problems(calendar_error(tmp_path, text)) == [
        f"{file}:{line_of(text, '2027-02-30')}:15: years.2027.make_up_working_days[1].date: "
        "2027-02-30 is not a calendar date"]


def test_a_bare_make_up_day_is_named_by_its_place_in_the_list(tmp_path: Path) -> None:
    text = CALENDAR.replace("- 2027-02-13", "- 13 Feb 2027")
    file = tmp_path / "cn-2027.yaml"
    assert problems(calendar_error(tmp_path, text)) == [
        f"{file}:{line_of(text, '13 Feb')}:9: years.2027.make_up_working_days[0]: "
        "expected a date YYYY-MM-DD, got '13 Feb 2027'"]


def test_a_calendars_misspelt_key_and_a_weekday_make_up_day_are_reported_together(tmp_path: Path) -> None:
    text = CALENDAR.replace("- 2027-02-13", "- 2027-02-10").replace("    replace: true\n",
                                                                    "    replace: true\n    holiday: []\n")
    lines = problems(calendar_error(tmp_path, text))
    assert [line.split(": ", 2)[1] for line in lines] == ["years.2027.holiday", "years.2027.make_up_working_days[0]"]
    assert "unknown key 'holiday'" in lines[0] and "Wednesday" in lines[1]
