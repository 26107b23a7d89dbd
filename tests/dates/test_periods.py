"""Tests of period arithmetic: counting, roll-over, exclusions, extensions, verdicts."""

from __future__ import annotations

import dataclasses
import random
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from legalcheck._core.errors import CalendarDataError
from legalcheck._dates import periods
from legalcheck._dates.calendar import Calendar, default_calendar, load_calendar
from legalcheck._dates.periods import (
    DueDate,
    Period,
    classify,
    compute_due,
    designated_due,
    explain,
    parse_period,
)

D = date
DAYS15 = Period(15, "calendar_days")
WD5 = Period(5, "working_days")


@pytest.fixture(scope="module")
def cal() -> Calendar:
    return default_calendar()


# ----------------------------------------------------------------------------- parsing

@pytest.mark.parametrize("text, amount, unit", [
    ("15d", 15, "calendar_days"),
    ("15日", 15, "calendar_days"),
    ("15日内", 15, "calendar_days"),
    ("60日", 60, "calendar_days"),
    ("60 天", 60, "calendar_days"),
    ("30 days", 30, "calendar_days"),
    ("1 day", 1, "calendar_days"),
    ("１５日", 15, "calendar_days"),  # full-width digits
    ("5wd", 5, "working_days"),
    ("5WD", 5, "working_days"),
    ("5个工作日", 5, "working_days"),
    ("5个工作日内", 5, "working_days"),
    ("5 working days", 5, "working_days"),
    ("  10 workdays ", 10, "working_days"),
])
def test_parse_period(text: str, amount: int, unit: str) -> None:
    assert parse_period(text) == Period(amount, unit)  # type: ignore[arg-type]


@pytest.mark.parametrize("text", ["", "15", "d", "fifteen days", "十五日", "15 weeks", "-5d", "1.5d", "0d",
                                  "99999d", "5wd5"])
def test_parse_period_rejects_with_a_clear_message(text: str) -> None:
    with pytest.raises(ValueError, match=r"period|whole number"):
        parse_period(text)


def test_period_validates_and_describes_itself() -> None:
    with pytest.raises(ValueError):
        Period(0, "calendar_days")
    with pytest.raises(ValueError):
        Period(5, "weeks")  # type: ignore[arg-type]
    assert WD5.describe("zh") == "5个工作日" and WD5.describe("en") == "5 working days"
    assert DAYS15.describe("zh") == "15日" and str(DAYS15) == "15d"
    assert parse_period(str(WD5)) == WD5


# ----------------------------------------------------------------------------- the 2025 National Day cases

def test_15_days_rolls_over_the_national_day_holiday(cal: Calendar) -> None:
    due = compute_due(D(2025, 9, 20), DAYS15, cal)
    assert due.strict_due == D(2025, 10, 5)
    assert due.rolled_due == D(2025, 10, 9)
    assert due.effective_due == D(2025, 10, 9)
    assert due.roll_over_applied
    crossed = dict(due.holidays_crossed)
    assert set(crossed) == {D(2025, 10, n) for n in range(1, 9)}  # no plain weekend in the list
    assert (crossed[D(2025, 10, 1)].zh, crossed[D(2025, 10, 1)].en) == ("国庆节", "National Day")
    zh = [s.zh for s in due.steps]
    assert any("起算日2025年9月20日不计入，自次日2025年9月21日开始计算" in s for s in zh)
    assert any("原届满日（未顺延）2025年10月5日为法定休假日（国庆节），顺延至休假日结束的次日2025年10月9日" in s for s in zh)
    assert zh[-1] == "届满日：2025年10月9日"
    assert not any(re.search(r"\d{4}-\d{2}-\d{2}", s) for s in zh)  # Chinese prose writes 年月日
    assert any("the start day 2025-09-20 is not counted" in s.en for s in due.steps)


def test_15_days_without_roll_over(cal: Calendar) -> None:
    due = compute_due(D(2025, 9, 20), DAYS15, cal, roll_over=False)
    assert due.strict_due == due.effective_due == D(2025, 10, 5)
    assert due.rolled_due is None and not due.roll_over_applied


def test_5_working_days_across_the_holiday(cal: Calendar) -> None:
    due = compute_due(D(2025, 9, 26), WD5, cal)
    assert due.strict_due == due.effective_due == D(2025, 10, 10)
    assert due.rolled_due is None and not due.roll_over_applied
    counted = [s.zh for s in due.steps if re.match(r"第\d+个工作日为", s.zh)]
    assert len(counted) == 5
    assert counted[0].startswith("第1个工作日为2025年9月28日")  # the make-up Sunday counts
    assert "调休上班日" in counted[0] and "2025年9月27日（周末）" in counted[0]
    assert counted[3].startswith("第4个工作日为2025年10月9日") and "2025年10月1日（国庆节）" in counted[3]
    # The record lists the make-up Sunday as a working day crossed; Saturday 10-11 is after the due date.
    assert due.adjusted_working_days == (D(2025, 9, 28),)


def test_adjusted_working_days_of_a_calendar_day_period(cal: Calendar) -> None:
    # 2025-09-20 + 15日 ends 10-05 and rolls to 10-09: 09-28 lies inside, 10-11 outside.
    assert compute_due(D(2025, 9, 20), DAYS15, cal).adjusted_working_days == (D(2025, 9, 28),)
    assert compute_due(D(2025, 10, 3), WD5, cal).adjusted_working_days == (D(2025, 10, 11),)
    assert compute_due(D(2025, 10, 11), WD5, cal).adjusted_working_days == ()  # the start day is not counted


def test_5_working_days_starting_during_the_holiday(cal: Calendar) -> None:
    due = compute_due(D(2025, 10, 3), WD5, cal)
    assert due.effective_due == D(2025, 10, 14)  # 10-09, 10-10, 10-11 (make-up Sat), 10-13, 10-14


def test_60_days_with_and_without_extension(cal: Calendar) -> None:
    due = compute_due(D(2025, 8, 9), Period(60, "calendar_days"), cal)
    assert due.strict_due == D(2025, 10, 8)
    assert due.rolled_due == due.effective_due == D(2025, 10, 9)
    extended = compute_due(D(2025, 8, 9), Period(60, "calendar_days"), cal, extension_days=30)
    assert extended.strict_due == extended.effective_due == D(2025, 11, 7)  # added to 10-08, not 10-09
    assert extended.extension_days == 30 and extended.rolled_due is None
    assert any(s.zh == "延长30日：自2025年10月8日延长至2025年11月7日" for s in extended.steps)


def test_extension_landing_on_a_rest_day_rolls_over(cal: Calendar) -> None:
    due = compute_due(D(2025, 8, 9), Period(60, "calendar_days"), cal, extension_days=28)
    assert due.strict_due == D(2025, 11, 5)  # a Wednesday: no roll-over
    due = compute_due(D(2025, 8, 9), Period(60, "calendar_days"), cal, extension_days=31)
    assert due.strict_due == D(2025, 11, 8) and due.effective_due == D(2025, 11, 10)  # Saturday -> Monday


def test_hearing_time_is_excluded(cal: Calendar) -> None:
    hearing = (D(2025, 9, 15), D(2025, 9, 16))
    due = compute_due(D(2025, 9, 1), Period(30, "calendar_days"), cal, excluded=[hearing])
    assert due.strict_due == D(2025, 10, 3)
    assert due.excluded_days == (D(2025, 9, 15), D(2025, 9, 16))
    assert due.effective_due == D(2025, 10, 9)


def test_excluded_days_only_count_after_the_start_and_within_the_window(cal: Calendar) -> None:
    spans = [(D(2025, 8, 25), D(2025, 9, 2)), (D(2025, 12, 1), D(2025, 12, 5))]
    due = compute_due(D(2025, 9, 1), Period(30, "calendar_days"), cal, excluded=spans, roll_over=False)
    assert due.excluded_days == (D(2025, 9, 2),)
    assert due.strict_due == D(2025, 10, 2)


def test_excluded_working_days_are_skipped(cal: Calendar) -> None:
    due = compute_due(D(2025, 9, 26), WD5, cal, excluded=[(D(2025, 9, 29), D(2025, 9, 29))])
    assert due.excluded_days == (D(2025, 9, 29),)
    assert due.effective_due == D(2025, 10, 11)  # the make-up Saturday is the 5th working day


def test_bad_arguments(cal: Calendar) -> None:
    with pytest.raises(ValueError, match="ends before"):
        compute_due(D(2025, 9, 1), DAYS15, cal, excluded=[(D(2025, 9, 5), D(2025, 9, 4))])
    with pytest.raises(ValueError, match="extension_days"):
        compute_due(D(2025, 9, 1), DAYS15, cal, extension_days=-1)
    with pytest.raises(ValueError, match="before the start"):
        designated_due(D(2025, 9, 1), D(2025, 8, 31), cal, roll_over=True)


def test_designated_due_date(cal: Calendar) -> None:
    due = designated_due(D(2025, 9, 20), D(2025, 10, 4), cal, roll_over=True)
    assert due.period is None
    assert due.strict_due == D(2025, 10, 4) and due.effective_due == D(2025, 10, 9)
    assert "交办机关" in due.steps[0].zh
    kept = designated_due(D(2025, 9, 20), D(2025, 10, 4), cal, roll_over=False)
    assert kept.effective_due == D(2025, 10, 4)


def test_weekend_roll_over_is_explained_as_a_rest_day(cal: Calendar) -> None:
    due = compute_due(D(2025, 10, 3), DAYS15, cal)  # 10-18 is an ordinary Saturday
    assert due.strict_due == D(2025, 10, 18) and due.effective_due == D(2025, 10, 20)
    assert any("为休息日（周末）" in s.zh for s in due.steps)
    assert any("(weekend)" in s.en for s in due.steps)


def test_due_date_is_frozen(cal: Calendar) -> None:
    due = compute_due(D(2025, 9, 20), DAYS15, cal)
    with pytest.raises(dataclasses.FrozenInstanceError):
        due.strict_due = D(2025, 1, 1)  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        due.steps[0].zh = ""  # type: ignore[misc]
    assert due.calendar_fingerprint == cal.fingerprint


# ----------------------------------------------------------------------------- years without data

def test_strict_calendar_days_need_no_calendar_data(cal: Calendar) -> None:
    due = compute_due(D(2027, 3, 1), DAYS15, cal, roll_over=False)
    assert due.strict_due == due.effective_due == D(2027, 3, 16)
    assert due.holidays_crossed == ()
    assert any("2027年无放假安排数据" in s.zh for s in due.steps)


def test_period_running_into_a_year_without_data(cal: Calendar) -> None:
    due = compute_due(D(2026, 12, 20), DAYS15, cal, roll_over=False)
    assert due.effective_due == D(2027, 1, 4)
    with pytest.raises(CalendarDataError, match="2027"):
        compute_due(D(2026, 12, 20), DAYS15, cal)


def test_roll_over_and_working_days_need_data(cal: Calendar) -> None:
    with pytest.raises(CalendarDataError, match="2027"):
        compute_due(D(2027, 3, 1), DAYS15, cal)
    with pytest.raises(CalendarDataError, match="2027"):
        compute_due(D(2027, 3, 1), WD5, cal)
    with pytest.raises(CalendarDataError, match="--calendar"):
        compute_due(D(2026, 12, 28), WD5, cal)  # 12-29..12-31 count, then 2027 is needed


def test_an_override_file_makes_2027_work(tmp_path: Path) -> None:
    path = tmp_path / "cn-2027.yaml"
    path.write_text("""\
schema: legalcheck/calendar/1
source: {title: test schedule, url_or_document_number: TEST, published: 2026-11-01}
years:
  2027:
    replace: true
    rest_days:
      - {from: 2027-02-06, to: 2027-02-12, name: 春节}
    make_up_working_days: [2027-02-13]
""", encoding="utf-8")
    cal = load_calendar([path])
    due = compute_due(D(2027, 2, 1), Period(5, "calendar_days"), cal)
    assert due.strict_due == D(2027, 2, 6) and due.effective_due == D(2027, 2, 13)  # make-up Saturday
    assert compute_due(D(2027, 2, 5), WD5, cal).effective_due == D(2027, 2, 18)  # 13, 15, 16, 17, 18


# ----------------------------------------------------------------------------- classify

@pytest.fixture(scope="module")
def rolled(cal: Calendar) -> DueDate:
    return compute_due(D(2025, 9, 20), DAYS15, cal)  # strict 10-05, rolled 10-09


@pytest.fixture(scope="module")
def plain(cal: Calendar) -> DueDate:
    return compute_due(D(2025, 9, 26), WD5, cal)  # 10-10, no roll-over


AS_OF = D(2025, 12, 31)


def test_classify_done_around_a_plain_due_date(plain: DueDate) -> None:
    assert classify(plain, D(2025, 10, 9), AS_OF).status == "met"
    on_time = classify(plain, D(2025, 10, 10), AS_OF)
    assert on_time.status == "met" and on_time.days_late is None and on_time.days_left is None
    late = classify(plain, D(2025, 10, 11), AS_OF)
    assert late.status == "late" and late.days_late == 1 and late.actual == D(2025, 10, 11)


def test_classify_done_around_a_rolled_due_date(rolled: DueDate) -> None:
    assert classify(rolled, D(2025, 10, 5), AS_OF).status == "met"
    assert classify(rolled, D(2025, 10, 6), AS_OF).status == "met_by_roll_over"
    assert classify(rolled, D(2025, 10, 9), AS_OF).status == "met_by_roll_over"
    late = classify(rolled, D(2025, 10, 10), AS_OF)
    assert late.status == "late" and late.days_late == 1


def test_without_roll_over_the_day_after_strict_due_is_late(cal: Calendar) -> None:
    strict = compute_due(D(2025, 9, 20), DAYS15, cal, roll_over=False)
    assert classify(strict, D(2025, 10, 5), AS_OF).status == "met"
    outcome = classify(strict, D(2025, 10, 6), AS_OF)
    assert outcome.status == "late" and outcome.days_late == 1


def test_classify_not_done(rolled: DueDate) -> None:
    pending = classify(rolled, None, D(2025, 10, 9))
    assert pending.status == "pending" and pending.days_left == 0 and pending.days_late is None
    assert classify(rolled, None, D(2025, 9, 21)).days_left == 18
    overdue = classify(rolled, None, D(2025, 10, 10))
    assert overdue.status == "overdue" and overdue.days_late == 1 and overdue.days_left is None
    assert overdue.as_of == D(2025, 10, 10) and overdue.effective_due == D(2025, 10, 9)


# ----------------------------------------------------------------------------- explain

def test_explain_in_both_languages(rolled: DueDate) -> None:
    zh = explain(rolled)
    assert zh.splitlines()[0] == "期间：15日，自2025年9月20日起算"
    assert "2025年10月9日" in zh and "顺延" in zh and "结论" not in zh
    en = explain(rolled, classify(rolled, D(2025, 10, 10), AS_OF), lang="en")
    assert en.splitlines()[0] == "period: 15 days from 2025-09-20"
    assert "Civil Code art. 203" in en
    assert en.splitlines()[-1] == "result: done late (done 2025-10-10), 1 day after the due date"
    assert explain(rolled, classify(rolled, None, D(2025, 10, 1))).splitlines()[-1] == \
        "结论：期限未届满，截至2025年10月1日尚余8日"  # the status in the words every report uses
    with pytest.raises(ValueError):
        explain(rolled, lang="fr")  # type: ignore[arg-type]


def test_explain_has_one_numbered_line_per_step(plain: DueDate) -> None:
    lines = explain(plain, lang="en").splitlines()
    assert len(lines) == 1 + len(plain.steps)
    assert lines[-1] == f"  {len(plain.steps)}. due date: 2025-10-10"


# ----------------------------------------------------------------------------- properties

def _reference_working_days(first: date, last: date) -> set[date]:
    """Working days straight from the package tables plus the one bundled correction."""
    from chinese_calendar import constants

    out = set()
    d = first
    while d <= last:
        if d in constants.workdays or (d.weekday() < 5 and d not in constants.holidays):
            out.add(d)
        d += timedelta(days=1)
    out.add(date(2005, 12, 31))  # calendars/cn-corrections.yaml
    return out


WORKING = _reference_working_days(date(2004, 1, 1), date(2026, 12, 31))


@settings(max_examples=300, deadline=None)
@given(start=st.dates(date(2004, 1, 1), date(2026, 6, 30)), amount=st.integers(1, 60),
       gap=st.integers(1, 40), length=st.integers(0, 10), use_span=st.booleans())
def test_working_day_count_matches_brute_force(start: date, amount: int, gap: int, length: int,
                                               use_span: bool) -> None:
    span = (start + timedelta(gap), start + timedelta(gap + length))
    spans = [span] if use_span else []
    d, counted, skipped = start, 0, []
    while counted < amount:  # the obvious way: walk day by day
        d += timedelta(days=1)
        if spans and span[0] <= d <= span[1]:
            skipped.append(d)
        elif d in WORKING:
            counted += 1
    due = compute_due(start, Period(amount, "working_days"), default_calendar(), excluded=spans)
    assert due.strict_due == due.effective_due == d
    assert due.excluded_days == tuple(skipped)
    assert not due.roll_over_applied


@settings(max_examples=300, deadline=None)
@given(start=st.dates(date(2004, 1, 1), date(2026, 6, 30)), amount=st.integers(1, 120),
       extension=st.integers(0, 30))
def test_calendar_day_count_and_roll_over(start: date, amount: int, extension: int) -> None:
    cal = default_calendar()
    due = compute_due(start, Period(amount, "calendar_days"), cal, extension_days=extension)
    assert due.strict_due == start + timedelta(days=amount + extension)
    assert cal.is_working_day(due.effective_due)
    if due.rolled_due is None:
        assert due.effective_due == due.strict_due
    else:  # every day from the strict due up to the rolled one is a rest day
        assert due.rolled_due > due.strict_due
        d = due.strict_due
        while d < due.rolled_due:
            assert d not in WORKING
            d += timedelta(days=1)
    assert all(cal.is_holiday(d) and start < d <= due.effective_due for d, _ in due.holidays_crossed)
    assert all(cal.is_make_up_working_day(d) and start < d <= due.effective_due for d in due.adjusted_working_days)
    assert len(due.adjusted_working_days) == sum(
        cal.is_make_up_working_day(start + timedelta(days=n)) for n in range(1, (due.effective_due - start).days + 1))


def test_holidays_crossed_are_those_a_day_by_day_walk_finds() -> None:
    """``_holidays_between`` bisects each year's listed holidays and make-up working days; walking
    every day must agree,
    also across years without data and for empty spans."""
    calendar = load_calendar()

    def walk(start: date, end: date) -> tuple[list[tuple[date, object]], list[date], list[int]]:
        crossed: list[tuple[date, object]] = []
        adjusted: list[date] = []
        uncovered: list[int] = []
        day = start + timedelta(days=1)
        while day <= end:
            if not calendar.covers(day):
                if day.year not in uncovered:
                    uncovered.append(day.year)
            elif calendar.is_holiday(day):
                crossed.append((day, calendar.rest_day_label(day)))
            elif calendar.is_make_up_working_day(day):
                adjusted.append(day)
            day += timedelta(days=1)
        return crossed, adjusted, uncovered

    rng = random.Random(20251201)
    years = calendar.covered_years
    for _ in range(3000):
        start = date(rng.randint(years[0] - 2, years[-1] + 1), 1, 1) + timedelta(days=rng.randint(0, 364))
        end = start + timedelta(days=rng.randint(-3, 800))
        assert periods._holidays_between(start, end, calendar) == walk(start, end), (start, end)
