"""Tests of the working-day calendar: package data, bundled corrections, override files."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from datetime import date, timedelta
from pathlib import Path

import pytest

from legalcheck._core.errors import CalendarDataError, InputError
from legalcheck._core.paths import data_dir
from legalcheck._dates.calendar import Calendar, default_calendar, load_calendar

FIRST, LAST = date(2004, 1, 1), date(2026, 12, 31)

HEADER = """\
schema: legalcheck/calendar/1
source:
  title: 国务院办公厅关于2027年部分节假日安排的通知 (test data, not a real schedule)
  url_or_document_number: TEST-2027
  published: 2026-11-01
"""

# A made-up schedule for tests only; the project ships no data for 2027.
YEAR_2027 = HEADER + """\
years:
  2027:
    replace: true
    rest_days:
      - date: 2027-01-01
        name: 元旦
        name_en: New Year's Day
      - from: 2027-02-06
        to: 2027-02-12
        name: 春节
        name_en: Spring Festival
    make_up_working_days:
      - 2027-02-13
      - date: 2027-01-31
        name: 春节
        name_en: Spring Festival
"""


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(n) for n in range((last - first).days + 1)]


def write(tmp_path: Path, text: str, name: str = "override.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def line_of(text: str, needle: str) -> int:
    """1-based number of the first line containing ``needle``."""
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


@pytest.fixture(scope="module")
def cal() -> Calendar:
    return default_calendar()


# ----------------------------------------------------------------------------- package data

def test_2025_national_day_schedule(cal: Calendar) -> None:
    for d in days(date(2025, 10, 1), date(2025, 10, 8)):
        assert cal.is_rest_day(d) and not cal.is_working_day(d)
        assert cal.is_holiday(d)
    assert cal.rest_day_name(date(2025, 10, 1)) == "国庆节"
    assert cal.rest_day_name(date(2025, 10, 1), "en") == "National Day"
    assert cal.rest_day_name(date(2025, 10, 6)) == "中秋节"  # the package names the Mid-Autumn day
    for d in (date(2025, 9, 28), date(2025, 10, 11)):  # Sunday and Saturday made working days
        assert d.weekday() >= 5
        assert cal.is_working_day(d) and cal.is_make_up_working_day(d)
        assert cal.rest_day_name(d) is None
    assert cal.is_working_day(date(2025, 10, 9))
    assert not cal.is_make_up_working_day(date(2025, 10, 9))


def test_ordinary_weekend_is_a_rest_day_but_not_a_holiday(cal: Calendar) -> None:
    saturday = date(2025, 10, 18)
    assert cal.is_rest_day(saturday)
    assert not cal.is_holiday(saturday)
    assert cal.rest_day_name(saturday) == "周末"
    assert cal.rest_day_name(saturday, "en") == "weekend"
    assert cal.rest_day_name(date(2025, 10, 17)) is None


def test_covered_years_come_from_the_package_tables(cal: Calendar) -> None:
    assert cal.covered_years == tuple(range(2004, 2027))


def test_uncovered_year_raises_with_guidance(cal: Calendar) -> None:
    with pytest.raises(CalendarDataError) as caught:
        cal.is_working_day(date(2027, 3, 1))
    message = str(caught.value)
    assert "2027" in message
    assert "override file" in message
    assert str(data_dir("calendars")) in message
    assert "--calendar" in message
    assert isinstance(caught.value, InputError)


@pytest.mark.parametrize("d", [date(2003, 12, 31), date(1999, 10, 1), date(2027, 1, 1)])
def test_every_query_outside_coverage_raises(cal: Calendar, d: date) -> None:
    for query in (cal.is_working_day, cal.is_rest_day, cal.rest_day_name, cal.is_make_up_working_day,
                  cal.is_holiday):
        with pytest.raises(CalendarDataError, match=str(d.year)):
            query(d)


def test_next_working_day_stops_at_missing_data(cal: Calendar) -> None:
    assert cal.next_working_day(date(2025, 9, 30)) == date(2025, 10, 9)
    assert cal.next_working_day(date(2025, 10, 10)) == date(2025, 10, 11)  # make-up Saturday
    with pytest.raises(CalendarDataError, match="2027"):
        cal.next_working_day(date(2026, 12, 31))


def test_datetime_is_treated_as_its_date(cal: Calendar) -> None:
    from datetime import datetime
    assert not cal.is_working_day(datetime(2025, 10, 1, 9, 30))
    assert cal.is_make_up_working_day(datetime(2025, 9, 28, 23, 59))


def test_matches_chinesecalendar_is_workday_without_overrides() -> None:
    """Our reading of the package tables agrees with the package's own is_workday on every day."""
    import chinese_calendar

    raw = load_calendar(bundled=False)
    assert [d for d in days(FIRST, LAST) if raw.is_working_day(d) != chinese_calendar.is_workday(d)] == []


# ----------------------------------------------------------------------------- bundled correction

def test_2005_12_31_is_a_working_day_after_the_correction(cal: Calendar) -> None:
    d = date(2005, 12, 31)
    assert d.weekday() == 5
    assert cal.is_working_day(d)
    assert cal.is_make_up_working_day(d)
    made_up = cal.make_up_for(d)
    assert made_up is not None and made_up.zh == "元旦"
    assert load_calendar(bundled=False).is_rest_day(d)  # what the package itself says
    # the correction touches nothing else
    assert cal.is_rest_day(date(2006, 1, 1)) and cal.is_rest_day(date(2006, 1, 3))
    assert cal.is_rest_day(date(2005, 12, 25))


def test_correction_file_cites_its_source(cal: Calendar) -> None:
    corrections = [s for s in cal.sources if s.kind == "override" and s.name.endswith("cn-corrections.yaml")]
    assert len(corrections) == 1
    source = corrections[0]
    assert source.reference == "国办发明电〔2005〕35号"
    assert "2006" in (source.title or "")
    assert source.years == (2005,) and source.replaced_years == ()


def test_no_future_schedule_is_bundled(cal: Calendar) -> None:
    assert max(cal.covered_years) == 2026


# ----------------------------------------------------------------------------- holidays package

# Days on which the `holidays` package (China, public holidays + its substituted working
# weekends) and our calendar disagree, with why. The test fails if one appears that is not
# listed here or a listed one disappears, so every difference is looked at by a person.
DISAGREEMENTS_PACKAGE_ONLY = {
    date(2005, 12, 31): "chinesecalendar 1.11 misses the make-up working Saturday of 国办发明电〔2005〕35号; "
                        "`holidays` has it (New Year 2006 substituted from 2005-12-31)",
}
DISAGREEMENTS_WITH_CORRECTIONS: dict[date, str] = {}


def _holidays_disagreements(calendar: Calendar) -> dict[date, tuple[bool, bool]]:
    holidays = pytest.importorskip("holidays")
    # Only the public category: half-day observances (妇女节 ...) are not rest days for offices.
    # Substituted weekend working days (调休) are exposed through is_working_day/weekend_workdays;
    # a year's list can name days of the previous year, so all years are built together.
    reference = holidays.China(years=range(FIRST.year, LAST.year + 2), categories=("public",))
    return {d: (calendar.is_working_day(d), reference.is_working_day(d))
            for d in days(FIRST, LAST) if calendar.is_working_day(d) != reference.is_working_day(d)}


def test_holidays_package_agrees_except_listed_days(cal: Calendar) -> None:
    found = _holidays_disagreements(cal)
    assert set(found) == set(DISAGREEMENTS_WITH_CORRECTIONS), found


def test_holidays_package_disagrees_with_raw_chinesecalendar_only_where_listed() -> None:
    found = _holidays_disagreements(load_calendar(bundled=False))
    assert set(found) == set(DISAGREEMENTS_PACKAGE_ONLY), found
    assert found[date(2005, 12, 31)] == (False, True)


# ----------------------------------------------------------------------------- override files

def test_override_supplies_a_missing_year(tmp_path: Path) -> None:
    path = write(tmp_path, YEAR_2027)
    cal = load_calendar([path])
    assert 2027 in cal.covered_years
    assert cal.is_working_day(date(2027, 3, 1))
    assert cal.is_rest_day(date(2027, 2, 6)) and cal.rest_day_name(date(2027, 2, 6)) == "春节"
    assert cal.rest_day_name(date(2027, 2, 6), "en") == "Spring Festival"
    assert cal.is_make_up_working_day(date(2027, 2, 13))
    assert cal.is_make_up_working_day(date(2027, 1, 31))
    assert cal.is_rest_day(date(2027, 3, 6))  # an ordinary Saturday
    assert cal.sources[-1].name == str(path) and cal.sources[-1].replaced_years == (2027,)
    assert cal.is_working_day(date(2005, 12, 31))  # bundled correction still applied


def test_override_directory_is_read_in_name_order(tmp_path: Path) -> None:
    write(tmp_path, YEAR_2027, "a.yaml")
    write(tmp_path, HEADER + "years:\n  2027:\n    replace: false\n    rest_days:\n"
                             "      - {date: 2027-03-01, name: 测试}\n", "b.yml")
    (tmp_path / "notes.txt").write_text("not a calendar", encoding="utf-8")
    cal = load_calendar([tmp_path])
    assert cal.rest_day_name(date(2027, 3, 1)) == "测试"  # b.yml corrects a.yaml


def test_replace_true_discards_the_package_data_for_that_year(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + "years:\n  2025:\n    replace: true\n    rest_days:\n"
                                    "      - {date: 2025-01-01, name: 元旦}\n")
    cal = load_calendar([path])
    assert cal.is_working_day(date(2025, 10, 1))  # National Day is gone: the file is the whole year
    assert cal.is_rest_day(date(2025, 9, 28))  # and so is the make-up Sunday
    assert cal.is_rest_day(date(2025, 1, 1))


def test_patch_can_turn_a_weekend_rest_day_into_a_working_day_and_back(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + "years:\n  2025:\n    replace: false\n    rest_days:\n"
                                    "      - {date: 2025-09-28, name: 测试}\n")
    cal = load_calendar([path])
    assert cal.is_rest_day(date(2025, 9, 28)) and not cal.is_make_up_working_day(date(2025, 9, 28))


def test_patch_of_a_year_without_data_is_refused(tmp_path: Path) -> None:
    text = HEADER + "years:\n  2027:\n    replace: false\n    make_up_working_days: [2027-02-13]\n"
    path = write(tmp_path, text)
    with pytest.raises(CalendarDataError) as caught:
        load_calendar([path])
    (loc, message), = [(p.location, p.message) for p in caught.value.problems]
    assert (loc.file, loc.line, loc.field) == (str(path), line_of(text, "replace"), "years.2027.replace")
    assert "replace: true" in message


BAD_FILES = {
    "make-up day on a Wednesday": (
        YEAR_2027.replace("      - 2027-02-13\n", "      - 2027-02-03\n"),
        "2027-02-03", "years.2027.make_up_working_days[0]", "Saturday or Sunday"),
    "day both rest and working": (
        YEAR_2027.replace("      - 2027-02-13\n", "      - 2027-02-07\n"),
        "2027-02-07", "years.2027.make_up_working_days[0]", "both"),
    "unknown key": (
        YEAR_2027.replace("    replace: true\n", "    replace: true\n    holidays: []\n"),
        "holidays:", "years.2027.holidays", "unknown key"),
    "date outside the year": (
        YEAR_2027.replace("      - date: 2027-01-01\n", "      - date: 2028-01-01\n"),
        "2028-01-01", "years.2027.rest_days[0].date", "outside the year 2027"),
    "unknown top-level key": (
        YEAR_2027 + "extra: 1\n", "extra:", "extra", "unknown key"),
    "bad date": (
        YEAR_2027.replace("      - 2027-02-13\n", "      - 2027-02-30\n"),
        "2027-02-30", "years.2027.make_up_working_days[0]", "not a calendar date"),
    "reversed span": (
        YEAR_2027.replace("        to: 2027-02-12\n", "        to: 2027-02-01\n"),
        "to: 2027-02-01", "years.2027.rest_days[1].to", "on or after"),
    "missing name": (
        YEAR_2027.replace("      - date: 2027-01-01\n        name: 元旦\n        name_en: New Year's Day\n",
                          "      - date: 2027-01-01\n"),
        "- date: 2027-01-01", "years.2027.rest_days[0].name", "required field is missing: the holiday's name"),
    "missing replace": (
        YEAR_2027.replace("    replace: true\n", ""), "  2027:", "years.2027.replace", "required field is missing: true (this file gives the whole year)"),
    "wrong schema": (
        YEAR_2027.replace("legalcheck/calendar/1", "legalcheck/calendar/9"),
        "schema:", "schema", "schema must be"),
    "missing source field": (
        YEAR_2027.replace("  url_or_document_number: TEST-2027\n", ""),
        "source:", "source.url_or_document_number", "required"),
    "year not a number": (
        YEAR_2027.replace("  2027:\n", "  next:\n"), "next:", "years.next", "year must be a number"),
    "empty replacement": (
        HEADER + "years:\n  2027:\n    replace: true\n    rest_days: []\n",
        "rest_days", "years.2027.rest_days", "remove every holiday"),
}


@pytest.mark.parametrize("case", list(BAD_FILES), ids=list(BAD_FILES))
def test_bad_override_file_names_file_line_and_field(tmp_path: Path, case: str) -> None:
    text, needle, field, words = BAD_FILES[case]
    path = write(tmp_path, text)
    with pytest.raises(CalendarDataError) as caught:
        load_calendar([path])
    problems = [(p.location, p.message) for p in caught.value.problems]
    assert any(loc.field == field for loc, _ in problems), problems
    loc, message = next((loc, msg) for loc, msg in problems if loc.field == field)
    assert loc.file == str(path)
    assert loc.line == line_of(text, needle)
    assert words in message
    assert f"{path}:{loc.line}" in str(caught.value)


def test_all_problems_of_a_file_are_reported_together(tmp_path: Path) -> None:
    text = YEAR_2027.replace("      - 2027-02-13\n", "      - 2027-02-03\n").replace(
        "    replace: true\n", "    replace: true\n    holidays: []\n")
    with pytest.raises(CalendarDataError) as caught:
        load_calendar([write(tmp_path, text)])
    fields = {loc.field for loc, _ in ((p.location, p.message) for p in caught.value.problems)}
    assert {"years.2027.holidays", "years.2027.make_up_working_days[0]"} <= fields


def test_yaml_syntax_error_and_missing_file_are_calendar_errors(tmp_path: Path) -> None:
    with pytest.raises(CalendarDataError) as caught:
        load_calendar([write(tmp_path, "schema: [unclosed\n")])
    assert caught.value.problems[0].location.line is not None
    with pytest.raises(CalendarDataError, match="no such file"):
        load_calendar([tmp_path / "absent.yaml"])


def test_override_files_never_execute_code(tmp_path: Path) -> None:
    marker = tmp_path / "executed"
    text = YEAR_2027 + f"notes: !!python/object/apply:os.system ['touch {marker}']\n"
    with pytest.raises(CalendarDataError):
        load_calendar([write(tmp_path, text)])
    assert not marker.exists()


def test_top_level_must_be_a_mapping(tmp_path: Path) -> None:
    with pytest.raises(CalendarDataError, match="mapping"):
        load_calendar([write(tmp_path, "- 2027-01-01\n")])


# ----------------------------------------------------------------------------- identity, sharing

def test_fingerprint_tracks_the_data(tmp_path: Path) -> None:
    base = load_calendar()
    assert len(base.fingerprint) == 64 and int(base.fingerprint, 16) >= 0
    assert load_calendar().fingerprint == base.fingerprint  # deterministic
    assert load_calendar(bundled=False).fingerprint != base.fingerprint
    path = write(tmp_path, YEAR_2027)
    with_2027 = load_calendar([path])
    assert with_2027.fingerprint != base.fingerprint
    path.write_text(YEAR_2027.replace("TEST-2027", "TEST-2027b"), encoding="utf-8")
    assert load_calendar([path]).fingerprint != with_2027.fingerprint
    assert load_calendar([path, path]).fingerprint == load_calendar([path]).fingerprint  # applied once
    assert base == load_calendar() and hash(base) == hash(load_calendar())


def test_sources_list_the_package_first(cal: Calendar) -> None:
    assert cal.sources[0].kind == "package"
    assert cal.sources[0].name.startswith("chinesecalendar ")
    assert cal.sources[0].years == tuple(range(2004, 2027))


def test_calendar_is_immutable(cal: Calendar) -> None:
    with pytest.raises(AttributeError):
        cal._years = frozenset()
    with pytest.raises(TypeError):
        cal._rest[date(2025, 10, 9)] = cal._rest[date(2025, 10, 1)]  # type: ignore[index]
    assert cal.is_working_day(date(2025, 10, 9))


def test_default_calendar_is_cached() -> None:
    assert default_calendar() is default_calendar()


def test_calendar_can_be_shared_between_threads(cal: Calendar) -> None:
    from concurrent.futures import ThreadPoolExecutor

    every_day = days(date(2024, 1, 1), date(2025, 12, 31))
    expected = [cal.is_working_day(d) for d in every_day]
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: [cal.is_working_day(d) for d in every_day], range(8)))
    assert all(r == expected for r in results)


def test_import_loads_no_data() -> None:
    code = "import sys, legalcheck._dates.calendar, legalcheck._dates.periods; print('chinese_calendar' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_readme_example_file_is_valid(tmp_path: Path) -> None:
    """The template shown in calendars/README.md loads (with its year filled in)."""
    readme = (data_dir("calendars") / "README.md").read_text(encoding="utf-8")
    block = readme.split("```yaml\n", 1)[1].split("```", 1)[0]
    cal = load_calendar([write(tmp_path, textwrap.dedent(block))])
    assert 2027 in cal.covered_years
