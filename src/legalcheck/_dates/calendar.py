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
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

from .._core.bilingual import Bilingual
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


_TOP_KEYS = {"schema", "source", "years", "notes"}
_SOURCE_KEYS = {"title", "url_or_document_number", "published"}
_YEAR_KEYS = {"replace", "rest_days", "make_up_working_days", "notes"}
_REST_KEYS = {"date", "from", "to", "name", "name_en"}
_WORK_KEYS = {"date", "name", "name_en"}
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")  # not %A: that follows the locale
_MAX_SPAN_DAYS = 31  # no State Council rest period is longer; a longer span is a typo


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
    p = _Problems(doc)
    data = doc.data
    if not isinstance(data, dict):
        p.add((), "a calendar override file must be a mapping with schema, source and years")
        p.raise_if_any()
    _unknown_keys(p, data, _TOP_KEYS, ())
    if data.get("schema") != SCHEMA:
        p.add(("schema",), f"schema must be {SCHEMA!r}, got {data.get('schema')!r}")
    if "notes" in data and not isinstance(data["notes"], str):
        p.add(("notes",), "notes must be text")
    title = reference = published = ""
    source = data.get("source")
    if not isinstance(source, dict):
        p.add(("source",), "source is required: a mapping with title, url_or_document_number and published")
    else:
        _unknown_keys(p, source, _SOURCE_KEYS, ("source",))
        title = _text(p, source, "title", ("source",))
        reference = _text(p, source, "url_or_document_number", ("source",))
        day = _date(p, source.get("published"), ("source", "published"))
        published = day.isoformat() if day else ""
    years: list[_YearOverride] = []
    raw_years = data.get("years")
    if not isinstance(raw_years, dict) or not raw_years:
        p.add(("years",), "years is required: a mapping from a year (e.g. 2027) to its schedule")
    else:
        for key, body in raw_years.items():
            parsed = _parse_year(p, key, body)
            if parsed is not None:
                years.append(parsed)
    p.raise_if_any()
    return _Override(title, reference, published, tuple(years))


def _parse_year(p: _Problems, key: object, body: object) -> _YearOverride | None:
    where: PathKey = ("years", str(key))
    if isinstance(key, int) and not isinstance(key, bool):
        year = key
    elif isinstance(key, str) and key.isdigit():
        year = int(key)
    else:
        p.add(where, f"year must be a number such as 2027, got {key!r}")
        return None
    if not 1949 <= year <= 2999:
        p.add(where, f"year {year} is out of range")
        return None
    if not isinstance(body, dict):
        p.add(where, "each year must be a mapping with replace, rest_days and make_up_working_days")
        return None
    _unknown_keys(p, body, _YEAR_KEYS, where)
    if "notes" in body and not isinstance(body["notes"], str):
        p.add(where + ("notes",), "notes must be text")
    replace = body.get("replace")
    if not isinstance(replace, bool):
        p.add(where + ("replace",), "replace is required: true (this file gives the whole year) "
                                    "or false (it corrects single days of existing data)")
        replace = False
    rest: dict[date, Bilingual] = {}
    work: dict[date, Bilingual] = {}
    for i, item in enumerate(_list(p, body, "rest_days", where)):
        _parse_rest(p, year, item, where + ("rest_days", i), rest)
    for i, item in enumerate(_list(p, body, "make_up_working_days", where)):
        _parse_work(p, year, item, where + ("make_up_working_days", i), work, rest)
    if replace and not rest:
        p.add(where + ("rest_days",), f"replace: true needs the year's rest days; an empty list would "
                                      f"remove every holiday of {year}")
    if not replace and not rest and not work:
        p.add(where, "nothing to change: list rest_days or make_up_working_days")
    return _YearOverride(year, str(key), replace, rest, work)


def _parse_rest(p: _Problems, year: int, item: object, where: PathKey, rest: dict[date, Bilingual]) -> None:
    if not isinstance(item, dict):
        p.add(where, "a rest day is a mapping: {date, name} or {from, to, name}")
        return
    _unknown_keys(p, item, _REST_KEYS, where)
    name = _name(p, item, where, required=True)
    if "date" in item:
        if "from" in item or "to" in item:
            p.add(where, "give either date or from/to, not both")
            return
        first = last = _date(p, item["date"], where + ("date",), year)
    elif "from" in item and "to" in item:
        first = _date(p, item["from"], where + ("from",), year)
        last = _date(p, item["to"], where + ("to",), year)
        if first and last and not 0 <= (last - first).days < _MAX_SPAN_DAYS:
            p.add(where + ("to",), f"to must be on or after from and at most {_MAX_SPAN_DAYS} days later")
            return
    else:
        p.add(where, "a rest day needs date, or from and to")
        return
    if first is None or last is None or name is None:
        return
    d = first
    while d <= last:
        if d in rest:
            p.add(where, f"{d} is listed as a rest day twice")
        rest[d] = name
        d += timedelta(days=1)


def _parse_work(p: _Problems, year: int, item: object, where: PathKey,
                work: dict[date, Bilingual], rest: Mapping[date, Bilingual]) -> None:
    if isinstance(item, dict):
        _unknown_keys(p, item, _WORK_KEYS, where)
        d = _date(p, item.get("date"), where + ("date",), year)
        name = _name(p, item, where, required=False)
    else:  # a bare date
        d = _date(p, item, where, year)
        name = None
    if d is None:
        return
    field = where + ("date",) if isinstance(item, dict) else where
    if d.weekday() < 5:
        p.add(field, f"{d} is a {_WEEKDAYS[d.weekday()]}: a make-up working day must fall on a Saturday or Sunday "
                     f"(weekdays are working days anyway)")
    if d in rest:
        p.add(field, f"{d} is listed both as a rest day and as a make-up working day")
    if d in work:
        p.add(field, f"{d} is listed as a make-up working day twice")
    work[d] = name or Bilingual("调休上班日", "make-up working day")


def _unknown_keys(p: _Problems, mapping: Mapping[Any, Any], allowed: set[str], where: PathKey) -> None:
    for key in mapping:
        if key not in allowed:
            p.add(where + (str(key),), f"unknown key {key!r}; allowed: {', '.join(sorted(allowed))}")


def _list(p: _Problems, body: Mapping[str, Any], key: str, where: PathKey) -> list[Any]:
    value = body.get(key, [])
    if value is None:
        return []
    if not isinstance(value, list):
        p.add(where + (key,), f"{key} must be a list")
        return []
    return value


def _text(p: _Problems, mapping: Mapping[str, Any], key: str, where: PathKey) -> str:
    value = mapping.get(key)
    if not isinstance(value, str) or not value.strip():
        p.add(where + (key,), f"{key} is required and must be non-empty text")
        return ""
    return value.strip()


def _name(p: _Problems, item: Mapping[str, Any], where: PathKey, *, required: bool) -> Bilingual | None:
    zh = item.get("name")
    en = item.get("name_en")
    if zh is None and not required:
        if en is not None:
            p.add(where + ("name_en",), "name_en needs name")
        return None
    if not isinstance(zh, str) or not zh.strip():
        p.add(where + ("name",), "name is required: the holiday's name as in the notice, e.g. 春节")
        return None
    if en is not None and (not isinstance(en, str) or not en.strip()):
        p.add(where + ("name_en",), "name_en must be non-empty text")
        return None
    return Bilingual(zh.strip(), en.strip() if isinstance(en, str) else zh.strip())


def _date(p: _Problems, value: object, where: PathKey, year: int | None = None) -> date | None:
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        p.add(where, f"expected a date as YYYY-MM-DD, got {value!r}")
        return None
    try:
        d = date.fromisoformat(value)
    except ValueError:
        p.add(where, f"{value} is not a calendar date")
        return None
    if year is not None and d.year != year:
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
