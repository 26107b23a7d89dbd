"""Period arithmetic that explains itself: when does "15日内" or "5个工作日内" end?

Legal basis (民法典, general rules unless a law provides otherwise, art. 204):
  * art. 201: the day of the triggering act is not counted; counting starts the next day.
  * art. 203: if the last day is a statutory rest day, the day after the rest ends is the
    last day. Chinese judicial practice reads 法定休假日 as including ordinary weekends
    (公休日), so any non-working day rolls over; see docs/calendar.md.

Calendar-day counting needs no calendar data; working-day counting and roll-over do,
and raise ``CalendarDataError`` for years without data.
"""

from __future__ import annotations

import functools
import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Literal

from .._core.bilingual import Bilingual
from .._core.memo import BoundedMemo
from .._core.vocabulary import DeadlineStatus, Lang, days_text, joined, period_text, pick, say, status_label, zh_date
from .calendar import Calendar

Unit = Literal["calendar_days", "working_days"]

MAX_AMOUNT = 10_000  # longer than any period in the regulations; bounds the day-by-day loops
_ONE = timedelta(days=1)


@dataclass(frozen=True)
class Period:
    amount: int
    unit: Unit

    def __post_init__(self) -> None:
        if isinstance(self.amount, bool) or not isinstance(self.amount, int) or not 1 <= self.amount <= MAX_AMOUNT:
            raise ValueError(f"a period needs a whole number of days from 1 to {MAX_AMOUNT}, got {self.amount!r}")
        if self.unit not in ("calendar_days", "working_days"):
            raise ValueError(f"unit must be 'calendar_days' or 'working_days', got {self.unit!r}")

    def describe(self, lang: Lang = "zh") -> str:
        return period_text(self.amount, self.unit, lang)

    def __str__(self) -> str:
        return f"{self.amount}{'wd' if self.unit == 'working_days' else 'd'}"


_DIGITS = "[0-9０-９]+"
_CALENDAR_UNITS = r"d|days?|calendar\s*days?|日|天|个?自然日"
_WORKING_UNITS = r"wd|working\s*days?|work\s*days?|workdays?|business\s*days?|个?工作日"
_PERIOD = re.compile(rf"({_DIGITS})\s*(?:(?P<wd>{_WORKING_UNITS})|(?P<cd>{_CALENDAR_UNITS}))\s*(?:内|以内)?",
                     re.IGNORECASE)


def parse_period(text: str) -> Period:
    """Read "15d", "15日", "15日内", "5wd", "5个工作日", "5 working days" (full-width digits too)."""
    match = _PERIOD.fullmatch(text.strip()) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f"cannot read period {text!r}: write a number and a unit, e.g. "
                         f"'15d', '15日', '5wd', '5个工作日' or '5 working days'")
    amount = int(match.group(1))  # int() reads full-width digits
    return Period(amount, "working_days" if match.group("wd") else "calendar_days")


@dataclass(frozen=True)
class DueDate:
    start: date
    period: Period | None  # None for a date fixed by an assigning body
    excluded_days: tuple[date, ...]
    extension_days: int
    strict_due: date  # the Nth counted day, plus any extension
    rolled_due: date | None  # None when roll-over is off or not needed
    effective_due: date
    holidays_crossed: tuple[tuple[date, Bilingual], ...]  # listed holidays in (start, effective_due], not weekends
    roll_over_applied: bool
    calendar_fingerprint: str
    # Weekend days made working days (调休上班日) in (start, effective_due]: they count as 工作日.
    adjusted_working_days: tuple[date, ...]
    # What writing the steps needs besides the dates above (which decide them): not compared.
    _counting: _Counting = field(compare=False, repr=False)

    @functools.cached_property
    def steps(self) -> tuple[Bilingual, ...]:
        """How the due date was counted, step by step (written when first read: most due dates
        computed while checking are met in time, and no report shows how they were counted)."""
        return _steps(self)


@dataclass(frozen=True)
class _Counting:
    calendar: Calendar  # the calendar counted with: the steps name its rest days
    spans: tuple[tuple[date, date], ...]  # the excluded spans as given
    roll_over: bool
    uncovered: tuple[int, ...]  # years in (start, effective_due] without holiday data


@dataclass(slots=True)  # never changed; not frozen, which costs 4x to build once per obligation checked
class DeadlineOutcome:
    status: DeadlineStatus
    effective_due: date
    actual: date | None
    as_of: date
    days_late: int | None  # calendar days after the effective due date (late / overdue)
    days_left: int | None  # calendar days until the effective due date (pending)


# --------------------------------------------------------------------------- computing

def compute_due(start: date, period: Period, calendar: Calendar, *,
                excluded: Sequence[tuple[date, date]] = (), extension_days: int = 0,
                roll_over: bool = True) -> DueDate:
    """Last day of ``period`` counted from ``start`` (which is not counted).

    ``excluded`` spans (both ends inclusive) do not count, e.g. hearing time under
    信访工作条例 第三十六条第二款; ``extension_days`` are calendar days added to the
    strict due date (approved extensions); ``roll_over`` applies 民法典 第二百零三条.
    """
    spans = _check_spans(excluded)
    if isinstance(extension_days, bool) or not isinstance(extension_days, int) or not 0 <= extension_days <= MAX_AMOUNT:
        raise ValueError(f"extension_days must be a whole number from 0 to {MAX_AMOUNT}, got {extension_days!r}")
    if period.unit == "calendar_days":
        last, skipped = _count_calendar_days(start, period.amount, spans)
    else:
        last, skipped = _count_working_days(start, period.amount, spans, calendar)
    if extension_days:
        last += timedelta(days=extension_days)
    return _finish(start, period, last, tuple(skipped), extension_days, calendar, roll_over, spans)


def designated_due(start: date, due: date, calendar: Calendar, *, roll_over: bool) -> DueDate:
    """A due date fixed by the assigning body (信访工作条例 第二十二条第一款第三项)."""
    if due < start:
        raise ValueError(f"designated due date {due} is before the start date {start}")
    return _finish(start, None, due, (), 0, calendar, roll_over, ())


def _check_spans(excluded: Sequence[tuple[date, date]]) -> tuple[tuple[date, date], ...]:
    for first, last in excluded:
        if last < first:
            raise ValueError(f"excluded span {first}..{last} ends before it begins")
    return tuple((first, last) for first, last in excluded)


def _excluded(d: date, spans: Sequence[tuple[date, date]]) -> tuple[date, date] | None:
    for first, last in spans:
        if first <= d <= last:
            return first, last
    return None


def _count_calendar_days(start: date, amount: int, spans: Sequence[tuple[date, date]]) -> tuple[date, list[date]]:
    # Day by day so excluded days lengthen the window; touches no calendar data.
    if not spans:
        return start + timedelta(days=amount), []
    d, counted, skipped = start, 0, []
    while counted < amount:
        d += _ONE
        if _excluded(d, spans):
            skipped.append(d)
        else:
            counted += 1
    return d, skipped


def _count_working_days(start: date, amount: int, spans: Sequence[tuple[date, date]],
                        calendar: Calendar) -> tuple[date, list[date]]:
    d, counted, skipped = start, 0, []
    while counted < amount:
        d += _ONE
        if spans and _excluded(d, spans):
            skipped.append(d)
        elif calendar.is_working_day(d):  # raises CalendarDataError for a year without data
            counted += 1
    return d, skipped


def _finish(start: date, period: Period | None, last: date, skipped: tuple[date, ...], extension_days: int,
            calendar: Calendar, roll_over: bool, spans: tuple[tuple[date, date], ...]) -> DueDate:
    rolled: date | None = None
    if roll_over and not calendar.is_working_day(last):  # needs data for the last day: raises if missing
        rolled = calendar.next_working_day(last)
    effective = rolled or last
    crossed, adjusted, uncovered = _holidays_between(start, effective, calendar)
    return DueDate(start, period, skipped, extension_days, last, rolled, effective, tuple(crossed),
                   rolled is not None, calendar.fingerprint, tuple(adjusted),
                   _Counting(calendar, spans, roll_over, tuple(uncovered)))


# --------------------------------------------------------------------------- explaining the count

def _steps(due: DueDate) -> tuple[Bilingual, ...]:
    """The steps of ``due``'s count, in order: the start, each counted (working) day or the Nth day,
    any extension, the roll-over, the holidays crossed, and the due date."""
    how = due._counting
    calendar = how.calendar
    start = due.start
    if due.period is None:
        steps = [Bilingual(f"交办机关于{zh_date(start)}交办，指定的办理期限届满日为{zh_date(due.strict_due)}",
                           f"the assigning body set the due date {due.strict_due} (assigned {start})")]
    else:
        steps = [_start_step(start)]
        counted = due.strict_due - timedelta(days=due.extension_days)
        if due.period.unit == "calendar_days":
            _calendar_day_steps(start, due.period.amount, counted, list(due.excluded_days), steps)
        else:
            _working_day_steps(start, due.period.amount, how.spans, calendar, steps)
        if due.extension_days:
            extension = due.extension_days
            steps.append(Bilingual(f"延长{extension}日：自{zh_date(counted)}延长至{zh_date(due.strict_due)}",
                                   f"extended by {extension} day{_s(extension)}: {counted} + {extension} "
                                   f"= {due.strict_due}"))
    last = due.strict_due
    if not how.roll_over:
        steps.append(_no_roll_over_step(last))
    elif due.rolled_due is None:
        steps.append(_working_last_day_step(last))
    else:
        label = calendar.rest_day_label(last)
        assert label is not None  # a last day that was rolled over is a rest day
        steps.append(_roll_over_step(last, label, calendar.is_holiday(last), due.rolled_due))
    if due.holidays_crossed:
        steps.append(_holidays_step(due.holidays_crossed))
    if how.uncovered:
        steps.append(Bilingual(f"{'、'.join(f'{year}年' for year in how.uncovered)}无放假安排数据，未列出该年的节假日",
                               f"no holiday data for {', '.join(map(str, how.uncovered))}; holidays of that year "
                               f"are not listed"))
    steps.append(_due_step(due.effective_due))
    return tuple(steps)


# The steps that recur across a batch (the same start, last and due dates, the same holidays
# crossed) are written once each: a step is a frozen value, shared by every due date that has it.
_STEP_CACHE = 4096


@functools.lru_cache(maxsize=_STEP_CACHE)
def _start_step(start: date) -> Bilingual:
    return Bilingual(f"起算日{zh_date(start)}不计入，自次日{zh_date(start + _ONE)}开始计算（民法典第二百零一条）",
                     f"the start day {start} is not counted; counting begins the next day, "
                     f"{start + _ONE} (Civil Code art. 201)")


@functools.lru_cache(maxsize=_STEP_CACHE)
def _nth_day_step(start: date, amount: int, last: date) -> Bilingual:
    return Bilingual(f"第{amount}日为{zh_date(last)}", f"day {amount}: {start} + {amount} = {last}")


@functools.lru_cache(maxsize=_STEP_CACHE)
def _working_last_day_step(last: date) -> Bilingual:
    return Bilingual(f"期间最后一日{zh_date(last)}为工作日，无需顺延",
                     f"the last day {last} is a working day; no roll-over")


@functools.lru_cache(maxsize=_STEP_CACHE)
def _roll_over_step(last: date, label: Bilingual, holiday: bool, rolled: date) -> Bilingual:
    kind_zh, kind_en = ("法定休假日", "a statutory rest day") if holiday else ("休息日", "a rest day")
    return Bilingual(f"原届满日（未顺延）{zh_date(last)}为{kind_zh}（{label.zh}），顺延至休假日结束的次日"
                     f"{zh_date(rolled)}"
                     f"（民法典第二百零三条）",
                     f"the last day {last} is {kind_en} ({label.en}); it moves to the day after the "
                     f"rest ends, {rolled} (Civil Code art. 203)")


@functools.lru_cache(maxsize=_STEP_CACHE)
def _no_roll_over_step(last: date) -> Bilingual:
    return Bilingual(f"本期间不适用顺延，期间最后一日{zh_date(last)}即为届满日",
                     f"roll-over does not apply to this period; the last day is {last}")


@functools.lru_cache(maxsize=_STEP_CACHE)
def _due_step(effective: date) -> Bilingual:
    return Bilingual(f"届满日：{zh_date(effective)}", f"due date: {effective}")


def _calendar_day_steps(start: date, amount: int, last: date, skipped: list[date], steps: list[Bilingual]) -> None:
    if skipped:
        steps.append(Bilingual(f"不计入期间的日期（排除期间内）：{_dates(skipped, 'zh')}，共{len(skipped)}日",
                               f"days not counted (inside an excluded span): {_dates(skipped, 'en')}, "
                               f"{len(skipped)} in total"))
        steps.append(Bilingual(f"第{amount}日为{zh_date(last)}（另有{len(skipped)}日不计入）",
                               f"day {amount}: {start} + {amount} + {len(skipped)} excluded = {last}"))
    else:
        steps.append(_nth_day_step(start, amount, last))


def _working_day_steps(start: date, amount: int, spans: Sequence[tuple[date, date]], calendar: Calendar,
                       steps: list[Bilingual]) -> None:
    d, counted = start, 0
    passed: list[tuple[date, str, str]] = []  # days skipped since the last counted day: (day, zh, en)
    while counted < amount:
        d += _ONE
        span = _excluded(d, spans)
        if span:
            passed.append((d, f"排除期间{zh_date(span[0])}至{zh_date(span[1])}",
                           f"excluded span {span[0]}..{span[1]}"))
            continue
        label = calendar.rest_day_label(d)
        if label is not None:
            passed.append((d, label.zh, label.en))
            continue
        counted += 1
        make_up = calendar.make_up_for(d)
        zh = f"第{counted}个工作日为{zh_date(d)}" + (f"（{make_up.zh}调休上班日）" if make_up else "")
        en = f"working day {counted}: {d}" + (f" (make-up working day for {make_up.en})" if make_up else "")
        if passed:
            zh += "；跳过" + "、".join(f"{zh_date(p)}（{z}）" for p, z, _ in passed)
            en += "; skipped " + ", ".join(f"{p} ({e})" for p, _, e in passed)
        steps.append(Bilingual(zh, en))
        passed = []


@functools.lru_cache(maxsize=_STEP_CACHE)
def _holidays_step(crossed: tuple[tuple[date, Bilingual], ...]) -> Bilingual:
    """The step naming the holidays a period crosses (the same few runs recur across a batch)."""
    return Bilingual(f"期间内的法定节假日：{_group_names(crossed, 'zh')}",
                     f"statutory holidays within the period: {_group_names(crossed, 'en')}")


def _holidays_between(start: date, end: date, calendar: Calendar
                      ) -> tuple[list[tuple[date, Bilingual]], list[date], list[int]]:
    """The listed holidays in (start, end], the make-up working days (调休上班日) in it, and the
    years in it the calendar has no data for."""
    crossed: list[tuple[date, Bilingual]] = []
    adjusted: list[date] = []
    uncovered: list[int] = []
    first = start + _ONE
    for year in range(first.year, end.year + 1 if first <= end else first.year):
        if not calendar.covers(date(year, 1, 1)):  # a strict calendar-day count may run through such a year
            uncovered.append(year)
            continue
        listed = _listed_days_of(calendar, year)
        low = bisect_left(listed.holidays, first) if year == first.year else 0
        high = bisect_right(listed.holidays, end) if year == end.year else len(listed.holidays)
        crossed.extend(zip(listed.holidays[low:high], listed.labels[low:high]))
        low = bisect_left(listed.make_up, first) if year == first.year else 0
        high = bisect_right(listed.make_up, end) if year == end.year else len(listed.make_up)
        adjusted.extend(listed.make_up[low:high])
    return crossed, adjusted, uncovered


@dataclass(frozen=True)
class _ListedDays:
    """A year's listed holidays (with their names) and make-up working days, each in date order."""

    holidays: list[date]
    labels: list[Bilingual]
    make_up: list[date]


# Per (calendar, year): its listed days in order, so that a period bisects them instead of
# asking the calendar about each of its days. Bounded: a process uses a calendar or two.
_LISTED: BoundedMemo[tuple[str, int], _ListedDays] = BoundedMemo(256)


def _listed_days_of(calendar: Calendar, year: int) -> _ListedDays:
    key = (calendar.fingerprint, year)
    known = _LISTED.get(key)
    if known is None:
        known = _ListedDays([], [], [])
        day, last = date(year, 1, 1), date(year, 12, 31)
        while day <= last:
            if calendar.is_holiday(day):
                label = calendar.rest_day_label(day)
                assert label is not None  # a listed holiday always has a name
                known.holidays.append(day)
                known.labels.append(label)
            elif calendar.is_make_up_working_day(day):
                known.make_up.append(day)
            day += _ONE
        _LISTED.keep(key, known)
    return known


def _group_names(crossed: Sequence[tuple[date, Bilingual]], lang: Lang) -> str:
    """Runs of consecutive days with the same name, e.g. "2025年10月1日至2025年10月5日（国庆节）"."""
    runs: list[tuple[date, date, str]] = []
    for d, label in crossed:
        name = label.get(lang)
        if runs and runs[-1][2] == name and runs[-1][1] + _ONE == d:
            runs[-1] = (runs[-1][0], d, name)
        else:
            runs.append((d, d, name))
    return joined([say("dated_name", lang, date=_span(a, b, lang), name=n) for a, b, n in runs], lang)


def _span(first: date, last: date, lang: Lang) -> str:
    return _dated(first, lang) if first == last else say("date_span", lang, first=_dated(first, lang),
                                                           last=_dated(last, lang))


def _dated(day: date, lang: Lang) -> str:
    """Dates in the explanation: 2025年10月1日 in Chinese; ISO in English, as the deadline steps write them."""
    return pick((zh_date(day), day.isoformat()), lang)


# --------------------------------------------------------------------------- judging

def classify(due: DueDate, actual: date | None, as_of: date) -> DeadlineOutcome:
    """Was the act done in time (``actual``), or, if not done, is it overdue at ``as_of``?"""
    effective = due.effective_due
    if actual is not None:
        if actual <= due.strict_due:
            return DeadlineOutcome("met", effective, actual, as_of, None, None)
        if actual <= effective:  # only possible when the due date rolled over
            return DeadlineOutcome("met_by_roll_over", effective, actual, as_of, None, None)
        return DeadlineOutcome("late", effective, actual, as_of, (actual - effective).days, None)
    if as_of > effective:
        return DeadlineOutcome("overdue", effective, None, as_of, (as_of - effective).days, None)
    return DeadlineOutcome("pending", effective, None, as_of, None, (effective - as_of).days)


def explain(due: DueDate, outcome: DeadlineOutcome | None = None, lang: Lang = "zh") -> str:
    """Text a person reads: what was counted, how, and (with ``outcome``) the verdict."""
    if lang not in ("zh", "en"):
        raise ValueError(f"lang must be 'zh' or 'en', got {lang!r}")
    if due.period is None:
        head = say("explain_designated", lang, start=_dated(due.start, lang))
    else:
        head = say("explain_period", lang, period=due.period.describe(lang), start=_dated(due.start, lang))
    lines = [head]
    lines += [f"  {i}. {step.get(lang)}" for i, step in enumerate(due.steps, 1)]
    if outcome is not None:
        verdict = say("explain_result", lang, status=status_label(outcome.status, lang))
        if outcome.actual is not None:
            verdict += say("explain_done", lang, actual=_dated(outcome.actual, lang))
        if outcome.days_late is not None:
            verdict += say("explain_late", lang, days=days_text(outcome.days_late, lang))
        if outcome.days_left is not None:
            verdict += say("explain_left", lang, as_of=_dated(outcome.as_of, lang),
                           days=days_text(outcome.days_left, lang))
        lines.append(verdict)
    return "\n".join(lines)


def _dates(days: Sequence[date], lang: Lang) -> str:
    return joined([_dated(day, lang) for day in days], lang)


def _s(n: int) -> str:
    return "" if n == 1 else "s"
