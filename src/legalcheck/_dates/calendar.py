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
import importlib.util
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

from .._core.bilingual import Bilingual
from .._core.cache import cached
from .._core.errors import CalendarDataError
from .._core.paths import data_dir
from .._core.vocabulary import Lang

SCHEMA = "legalcheck/calendar/1"
PACKAGE = "chinesecalendar"
MODULE = "chinese_calendar"  # the package's import name

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

    def __reduce__(self) -> tuple[type[Calendar], tuple[Any, ...]]:
        # Built again through __init__ (it is immutable), as the compiled cache loads it.
        return Calendar, (dict(self._rest), dict(self._work), self._years, self._sources, self._fingerprint)

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
    and ``extra`` override files or directories, applied in that order (later files win).

    Kept in the compiled cache (``_core/cache.py``) while the package's files and the override
    files are unchanged; the files' names, as the receipt records them, are part of the key.
    """
    files = _override_files(extra, bundled)
    package = _package_dir()
    if package is None:  # not installed: building reports it
        return _build(files)
    return cached("calendar", (package, *files), lambda: _build(files), Calendar,
                  detail="\n".join(map(str, files)))


def _build(files: Sequence[Path]) -> Calendar:
    from .overrides import apply_file  # only a build reads override files

    rest, work, years, package_source = _package_data()
    hasher = hashlib.sha256()
    hasher.update(f"{SCHEMA}\n{package_source.name}\n{package_source.sha256}\n".encode())
    sources = [package_source]
    for path in files:
        source = apply_file(path, rest, work, years)
        hasher.update(f"{source.sha256}\n".encode())
        sources.append(source)
    return Calendar(rest, work, years, sources, hasher.hexdigest())


def _package_dir() -> Path | None:
    """The directory of the chinesecalendar package's files, found without importing it."""
    spec = importlib.util.find_spec(MODULE)
    locations = spec.submodule_search_locations if spec is not None else None
    return Path(next(iter(locations))) if locations else None


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


def _package_data() -> tuple[dict[date, Bilingual], dict[date, Bilingual], set[int], Source]:
    import importlib.metadata

    from chinese_calendar import constants  # lazily: no work at import time

    raw_rest: dict[date, str] = dict(constants.holidays)
    raw_work: dict[date, str] = dict(constants.workdays)
    # Coverage is what the package ships: a year is covered when its holidays are listed.
    years = {d.year for d in raw_rest}
    version = importlib.metadata.version(PACKAGE)
    digest = hashlib.sha256(repr((sorted(raw_rest.items()), sorted(raw_work.items()))).encode()).hexdigest()
    source = Source("package", f"{PACKAGE} {version}", digest, tuple(sorted(years)),
                    title="State Council holiday schedules as shipped by the chinesecalendar package")
    names = {english: _package_name(english) for english in {*raw_rest.values(), *raw_work.values()}}
    return ({d: names[n] for d, n in raw_rest.items()}, {d: names[n] for d, n in raw_work.items()}, years, source)


def _package_name(english: str) -> Bilingual:
    return Bilingual(_PACKAGE_NAMES.get(english, english), english)
