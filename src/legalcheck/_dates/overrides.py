"""Calendar override files (``calendars/*.yaml``, format: ``calendars/README.md``): parsed, checked and
merged into the tables ``load_calendar`` builds.

A module of its own because only building a calendar reads these files: a start whose calendar
comes from the compiled cache (``_core/cache.py``) never defines their models.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, Any, Union

from pydantic import Discriminator, Field, Tag

from .._core.bilingual import Bilingual
from .._core.data_files import NON_EMPTY, DataModel, NonBlank, validate_model
from .._core.errors import CalendarDataError, InputError, Location
from .._core.safe_yaml import Document, PathKey, load_document
from .calendar import SCHEMA, Source


def apply_file(path: Path, rest: dict[date, Bilingual], work: dict[date, Bilingual], years: set[int]) -> Source:
    """Read, validate and merge the override file ``path`` into the tables; what it was, for the receipt."""
    doc = _load(path)
    return _apply(_parse_override(doc), doc, rest, work, years)


def _load(path: Path) -> Document:
    try:
        return load_document(path)
    except CalendarDataError:
        raise
    except InputError as exc:  # unreadable file or YAML syntax: still a calendar problem to the caller
        raise CalendarDataError(list(exc.problems)) from None


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
