"""Working days and rest days in mainland China, from official State Council schedules.

Data comes from the ``chinesecalendar`` package (State Council holiday notices
2004-2026) plus YAML override files that supply or correct whole years (format:
``calendars/README.md``). Only the package's data tables are used, never its
helpers such as ``find_workday``: the rules here (weekend = rest unless it is a
listed make-up working day) are short enough to state and test ourselves.

A ``Calendar`` is immutable after construction, so one instance can be shared
freely between threads. Nothing is loaded at import time.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from types import MappingProxyType
from typing import Annotated, Any, Literal, Union

from pydantic import Discriminator, Field, Tag

from .._core.bilingual import Bilingual
from .._core.data_files import NON_EMPTY, DataModel, NonBlank, validate_model
from .._core.errors import CalendarDataError, InputError, Location
from .._core.paths import data_dir
from .._core.safe_yaml import Document, PathKey, load_document
from .._core.vocabulary import Lang

SCHEMA = "legalcheck/calendar/1"
PACKAGE = "chinesecalendar"



WEEKEND = Bilingual("周末", "weekend")

# chinesecalendar names holidays in English; these are the names used in State Council notices.
_PACKAGE_NAMES: Mapping[str, str] = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}


@dataclass(frozen=True)
class Source:
    """One input of a calendar, for audit receipts."""

    kind: Literal["package", "override"]
    name: str  # "chinesecalendar 1.11.0" or the override file's path
    sha256: str
    years: tuple[int, ...]
    title: str | None = None
    reference: str | None = None  # URL or document number, e.g. 国办发明电〔2005〕35号
    published: str | None = None
    replaced_years: tuple[int, ...] = ()  # years whose earlier data this file discarded


class Calendar:
    """Which days are working days, for the years with official data.

    Build one with ``load_calendar()`` (or ``default_calendar()``); the
    constructor takes already validated tables.
    """

    __slots__ = ("_rest", "_work", "_years", "_fingerprint", "_sources")

    def __init__(self, rest: Mapping[date, Bilingual], work: Mapping[date, Bilingual],
                 years: Iterable[int], sources: Sequence[Source], fingerprint: str) -> None:
        # Private copies behind read-only views: nobody can change a calendar after it is built.
        object.__setattr__(self, "_rest", MappingProxyType(dict(rest)))
        object.__setattr__(self, "_work", MappingProxyType(dict(work)))
        object.__setattr__(self, "_years", frozenset(years))
        object.__setattr__(self, "_sources", tuple(sources))
        object.__setattr__(self, "_fingerprint", fingerprint)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Calendar is immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError("Calendar is immutable")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Calendar) and other._fingerprint == self._fingerprint

    def __hash__(self) -> int:
        return hash(self._fingerprint)

    def __repr__(self) -> str:
        years = self.covered_years
        span = f"{years[0]}-{years[-1]}" if years else "none"
        return f"<Calendar years={span} fingerprint={self._fingerprint[:12]}>"

    _rest: Mapping[date, Bilingual]
    _work: Mapping[date, Bilingual]
    _years: frozenset[int]
    _sources: tuple[Source, ...]
    _fingerprint: str

    @property
    def covered_years(self) -> tuple[int, ...]:
        """Years with official data, ascending (need not be contiguous)."""
        return tuple(sorted(self._years))

    @property
    def fingerprint(self) -> str:
        """sha256 hex over the package version and data plus every override file, in load order."""
        return self._fingerprint

    @property
    def sources(self) -> tuple[Source, ...]:
        """What data this calendar was built from, in the order it was applied."""
        return self._sources

    def covers(self, d: date) -> bool:
        return _as_date(d).year in self._years

    def is_working_day(self, d: date) -> bool:
        d = self._checked(d)
        if d in self._work:
            return True
        if d in self._rest:
            return False
        return d.weekday() < 5

    def is_rest_day(self, d: date) -> bool:
        """Any non-working day: a listed holiday or an ordinary weekend."""
        return not self.is_working_day(d)

    def is_holiday(self, d: date) -> bool:
        """A rest day listed in an official schedule (法定节假日 and days moved next to it), not a plain weekend."""
        return self._checked(d) in self._rest

    def is_make_up_working_day(self, d: date) -> bool:
        """A Saturday or Sunday made a working day (调休上班日)."""
        return self._checked(d) in self._work

    def rest_day_name(self, d: date, lang: Lang = "zh") -> str | None:
        """Name of the rest day (e.g. 国庆节 / National Day, 周末 / weekend); None on a working day."""
        name = self.rest_day_label(d)
        return None if name is None else name.get(lang)

    def rest_day_label(self, d: date) -> Bilingual | None:
        """Like ``rest_day_name`` but with both languages."""
        d = self._checked(d)
        if d in self._work:
            return None
        if d in self._rest:
            return self._rest[d]
        return WEEKEND if d.weekday() >= 5 else None

    def make_up_for(self, d: date) -> Bilingual | None:
        """The holiday a make-up working day belongs to; None if ``d`` is not one."""
        return self._work.get(self._checked(d))

    def next_working_day(self, d: date) -> date:
        """First working day strictly after ``d``."""
        d = _as_date(d) + timedelta(days=1)
        while not self.is_working_day(d):  # raises once it runs past the covered years
            d += timedelta(days=1)
        return d

    def _checked(self, d: date) -> date:
        d = _as_date(d)
        if d.year not in self._years:
            raise missing_year_error(d.year, self.covered_years)
        return d


def missing_year_error(year: int, covered: Sequence[int]) -> CalendarDataError:
    """The error of a date in a year without official working-day data (code ``no-calendar-data``)."""
    return CalendarDataError.at(code="no-calendar-data", year=year,
                                span=f"{covered[0]}-{covered[-1]}" if covered else "none", schema=SCHEMA,
                                directory=data_dir("calendars"))


def _as_date(d: date) -> date:
    # datetime is a subclass of date but never equal to one: compare calendar days only.
    return d.date() if isinstance(d, datetime) else d


# --------------------------------------------------------------------------- loading

@functools.cache
def default_calendar() -> Calendar:
    """The package data plus the bundled override files; built once per process."""
    return load_calendar()


def load_calendar(extra: Sequence[Path] = (), *, bundled: bool = True) -> Calendar:
    """Build a calendar from the package data, the bundled overrides (unless ``bundled=False``)
    and ``extra`` override files or directories, applied in that order (later files win)."""
    rest, work, years, package_source = _package_data()
    hasher = hashlib.sha256()
    hasher.update(f"{SCHEMA}\n{package_source.name}\n{package_source.sha256}\n".encode())
    sources = [package_source]
    for path in _override_files(extra, bundled):
        doc = _load(path)
        override = _parse_override(doc)
        source = _apply(override, doc, rest, work, years)
        hasher.update(f"{source.sha256}\n".encode())
        sources.append(source)
    return Calendar(rest, work, years, sources, hasher.hexdigest())


def _override_files(extra: Sequence[Path], bundled: bool) -> list[Path]:
    found: list[Path] = []
    if bundled:
        found += _yaml_files(data_dir("calendars"))
    for item in extra:
        item = Path(item)
        found += _yaml_files(item) if item.is_dir() else [item]
    unique: dict[Path, Path] = {}
    for path in found:  # the same file given twice is applied once
        unique.setdefault(path.resolve(), path)
    return list(unique.values())


def _yaml_files(directory: Path) -> list[Path]:
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())


def _load(path: Path) -> Document:
    try:
        return load_document(path)
    except CalendarDataError:
        raise
    except InputError as exc:  # unreadable file or YAML syntax: still a calendar problem to the caller
        raise CalendarDataError(list(exc.problems)) from None


def _package_data() -> tuple[dict[date, Bilingual], dict[date, Bilingual], set[int], Source]:
    from chinese_calendar import constants  # lazily: no work at import time

    raw_rest: dict[date, str] = dict(constants.holidays)
    raw_work: dict[date, str] = dict(constants.workdays)
    # Coverage is what the package ships: a year is covered when its holidays are listed.
    years = {d.year for d in raw_rest}
    version = importlib.metadata.version(PACKAGE)
    digest = hashlib.sha256(repr((sorted(raw_rest.items()), sorted(raw_work.items()))).encode()).hexdigest()
    source = Source("package", f"{PACKAGE} {version}", digest, tuple(sorted(years)),
                    title="State Council holiday schedules as shipped by the chinesecalendar package")
    return ({d: _package_name(n) for d, n in raw_rest.items()},
            {d: _package_name(n) for d, n in raw_work.items()}, years, source)


def _package_name(english: str) -> Bilingual:
    return Bilingual(_PACKAGE_NAMES.get(english, english), english)


# --------------------------------------------------------------------------- override files

@dataclass(frozen=True)
class _YearOverride:
    year: int
    key: str  # the year as written in the file, to point at it in errors
    replace: bool
    rest: dict[date, Bilingual]
    work: dict[date, Bilingual]


@dataclass(frozen=True)
class _Override:
    title: str
    reference: str
    published: str
    years: tuple[_YearOverride, ...]


_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")  # not %A: that follows the locale
_MAX_SPAN_DAYS = 31  # no State Council rest period is longer; a longer span is a typo
_HINTS = {  # said when the field is missing
    "replace": "true (this file gives the whole year) or false (it corrects single days of existing data)",
    "name": "the holiday's name as in the notice, e.g. 春节",
}


class SourceFile(DataModel):
    """The notice an override file copies: title, document number or URL, date."""

    title: NonBlank
    url_or_document_number: NonBlank
    published: date


class RestDayFile(DataModel):
    """A rest day, ``{date, name}``, or a block of them, ``{from, to, name}`` (both ends included)."""

    day: date | None = Field(default=None, alias="date")
    first: date | None = Field(default=None, alias="from")
    last: date | None = Field(default=None, alias="to")
    name: NonBlank
    name_en: NonBlank | None = None


class WorkDayFile(DataModel):
    """A make-up working day (调休上班) naming the holiday it serves."""

    day: date = Field(alias="date")
    name: NonBlank | None = None
    name_en: NonBlank | None = None


def _entry_form(value: Any) -> str:
    return "named" if isinstance(value, dict) else "bare"


# A make-up working day: a bare date, or a mapping with its holiday's name.
WorkDayEntry = Annotated[Union[Annotated[date, Tag("bare")], Annotated[WorkDayFile, Tag("named")]],
                         Discriminator(_entry_form)]


class YearFile(DataModel):
    replace: bool  # true: the file gives the whole year; false: it corrects single days
    rest_days: tuple[RestDayFile, ...] | None = ()
    make_up_working_days: tuple[WorkDayEntry, ...] | None = ()
    notes: str | None = None


class OverrideFile(DataModel):
    """A calendar override file (``calendars/README.md``)."""

    schema_: str = Field(alias="schema")
    source: SourceFile
    years: Annotated[dict[str, YearFile], NON_EMPTY]  # a year such as 2027 -> its schedule
    notes: str | None = None


class _Problems:
    """Collects every problem in a file so the user sees them all at once."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.items: list[tuple[Location, str]] = []

    def add(self, path: PathKey, message: str) -> None:
        self.items.append((self.doc.locate(path), message))

    def raise_if_any(self) -> None:
        if self.items:
            raise CalendarDataError(self.items)


def _parse_override(doc: Document) -> _Override:
    """The file's shape validated by :class:`OverrideFile`, then what one field cannot say alone."""
    parsed = validate_model(OverrideFile, doc, hints=_HINTS)
    spec = parsed.model
    if spec is None:
        raise CalendarDataError(parsed.problems)
    p = _Problems(doc)
    p.items.extend(parsed.problems)
    if spec.schema_ != SCHEMA:
        p.add(("schema",), f"schema must be {SCHEMA!r}, got {spec.schema_!r}")
    years = [year for key, body in spec.years.items() if (year := _parse_year(p, key, body)) is not None]
    p.raise_if_any()
    source = spec.source
    return _Override(source.title, source.url_or_document_number, source.published.isoformat(), tuple(years))


def _parse_year(p: _Problems, key: str, body: YearFile) -> _YearOverride | None:
    where: PathKey = ("years", key)
    if not key.isdigit():
        p.add(where, f"year must be a number such as 2027, got {key!r}")
        return None
    year = int(key)
    if not 1949 <= year <= 2999:
        p.add(where, f"year {year} is out of range")
        return None
    rest: dict[date, Bilingual] = {}
    work: dict[date, Bilingual] = {}
    for i, item in enumerate(body.rest_days or ()):
        _add_rest(p, year, item, where + ("rest_days", i), rest)
    for i, entry in enumerate(body.make_up_working_days or ()):
        _add_work(p, year, entry, where + ("make_up_working_days", i), work, rest)
    if body.replace and not rest:
        p.add(where + ("rest_days",), f"replace: true needs the year's rest days; an empty list would "
                                      f"remove every holiday of {year}")
    if not body.replace and not rest and not work:
        p.add(where, "nothing to change: list rest_days or make_up_working_days")
    return _YearOverride(year, key, body.replace, rest, work)


def _add_rest(p: _Problems, year: int, item: RestDayFile, where: PathKey, rest: dict[date, Bilingual]) -> None:
    if item.day is not None:
        if item.first is not None or item.last is not None:
            p.add(where, "give either date or from/to, not both")
            return
        first = last = _in_year(p, item.day, where + ("date",), year)
    elif item.first is not None and item.last is not None:
        first = _in_year(p, item.first, where + ("from",), year)
        last = _in_year(p, item.last, where + ("to",), year)
        if first and last and not 0 <= (last - first).days < _MAX_SPAN_DAYS:
            p.add(where + ("to",), f"to must be on or after from and at most {_MAX_SPAN_DAYS} days later")
            return
    else:
        p.add(where, "a rest day needs date, or from and to")
        return
    if first is None or last is None:
        return
    name = Bilingual(item.name, item.name_en or item.name)
    d = first
    while d <= last:
        if d in rest:
            p.add(where, f"{d} is listed as a rest day twice")
        rest[d] = name
        d += timedelta(days=1)


def _add_work(p: _Problems, year: int, entry: date | WorkDayFile, where: PathKey,
              work: dict[date, Bilingual], rest: Mapping[date, Bilingual]) -> None:
    if isinstance(entry, WorkDayFile):
        field: PathKey = where + ("date",)
        if entry.name is None and entry.name_en is not None:
            p.add(where + ("name_en",), "name_en needs name")
        d = _in_year(p, entry.day, field, year)
        name = Bilingual(entry.name, entry.name_en or entry.name) if entry.name is not None else None
    else:  # a bare date
        field = where
        d = _in_year(p, entry, field, year)
        name = None
    if d is None:
        return
    if d.weekday() < 5:
        p.add(field, f"{d} is a {_WEEKDAYS[d.weekday()]}: a make-up working day must fall on a Saturday or Sunday "
                     f"(weekdays are working days anyway)")
    if d in rest:
        p.add(field, f"{d} is listed both as a rest day and as a make-up working day")
    if d in work:
        p.add(field, f"{d} is listed as a make-up working day twice")
    work[d] = name or Bilingual("调休上班日", "make-up working day")


def _in_year(p: _Problems, d: date, where: PathKey, year: int) -> date | None:
    if d.year != year:
        p.add(where, f"{d} is outside the year {year} it is listed under")
        return None
    return d


def _apply(override: _Override, doc: Document, rest: dict[date, Bilingual], work: dict[date, Bilingual],
           years: set[int]) -> Source:
    """Merge one validated file into the tables (which only ``load_calendar`` holds)."""
    p = _Problems(doc)
    for y in override.years:
        if not y.replace and y.year not in years:
            p.add(("years", y.key, "replace"), f"{y.year} has no data to correct; use replace: true "
                                                f"and list the whole year's schedule")
    p.raise_if_any()
    for y in override.years:
        if y.replace:  # the file is the whole truth for this year
            for table in (rest, work):
                for d in [d for d in table if d.year == y.year]:
                    del table[d]
            years.add(y.year)
        for d, name in y.rest.items():
            work.pop(d, None)
            rest[d] = name
        for d, name in y.work.items():
            rest.pop(d, None)
            work[d] = name
    digest = hashlib.sha256(doc.text.encode("utf-8", "surrogatepass")).hexdigest()
    return Source("override", doc.file or "<input>", digest, tuple(sorted(y.year for y in override.years)),
                  override.title, override.reference, override.published,
                  tuple(sorted(y.year for y in override.years if y.replace)))
