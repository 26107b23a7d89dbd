"""Reading petition ledgers (信访台账): Excel or CSV sheets turned into cases by a mapping file.

A mapping file (:class:`LedgerMapping`, YAML, validated like every other input; JSON
Schema from ``legalcheck schema --mapping``; see docs/ledger.md) says which column holds
which case field or event date, how the ledger's own words translate (渠道 来信 ->
``letter``), where the agencies come from (a registry file or a sheet), and whether a row
is a matter or one handling step of a matter grouped by a case-number column.

* An empty cell means "not recorded": the field is left out of the case, so a rule that
  needs it cannot rest on it. An empty event date means the event is not recorded.
* Dates are real spreadsheet dates, ISO text (2025-04-07, 2025/4/7, 2025.4.7) or
  2025年4月7日; anything else is an error at that cell.
* Every problem names the file, sheet, cell and column header
  (``台账.xlsx:案件!F17 (受理日期): invalid date '2025-02-30'``) with the messages the case
  loader uses, so the batch summary files them under the same reasons. A bad row is
  rejected with all its problems; the other rows go on. Each matter is one input, so
  checked + rejected = matters found.

The workbook is read with openpyxl in read-only mode (bench/ledger_read.py: as fast as
the normal mode or faster, in 2 MB instead of 164 MB for 20,000 rows; docs/ledger.md). openpyxl is an optional extra
(``pip install 'legalcheck[xlsx]'``); CSV ledgers need nothing beyond the standard library.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import hashlib
import io
import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .._core.errors import CaseError, InputError, Location, Problem, ProblemCode
from .._core.safe_yaml import DEFAULT_LIMITS, Limits, decode, parse_yaml, read_bytes, shorten
from .case import EVENT_KINDS, Agency, Case
from .loader import (
    _REGISTRIES,
    LEDGER_SUFFIXES,
    CaseInput,
    Job,
    _BadReference,
    _clean_loc,
    _problem,
    is_ledger,
    iter_jobs,
)

MAX_PROBLEMS = 50
# A ledger holds thousands of matters, not one: 100 MB is some 900,000 rows of the sample's kind.
LEDGER_LIMITS = Limits(max_bytes=100 * 1024 * 1024)

Scalar = str | int | bool


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True,
                              defer_build=True)  # built when first validated: not on every start (docs/performance.md)


# --- the mapping file ---------------------------------------------------------------------


class FromColumn(_Model):
    """A value read from a column (by its header text), translated through a table."""

    column: Annotated[str, Field(min_length=1)]
    table: str | None = Field(default=None, description="translation table (default: the field's own name, "
                                                        "or 'agency' for fields naming an agency)")


class Constant(_Model):
    """The same value for every row (e.g. the petition bureau that receives every matter)."""

    value: Scalar


Source = FromColumn | Constant

_AGENCY_ATTRIBUTES = frozenset({"agency", "to", "from_agency", "handling_agency"})


class EventColumns(_Model):
    """One event per row whose date cell is filled (matter layout)."""

    kind: str = Field(description="event kind, e.g. received, forwarded, notified, accepted",
                      json_schema_extra={"enum": list(EVENT_KINDS)})
    date: str = Field(description="header of the column holding the event's date")
    agency: Source
    attributes: dict[str, Source] = Field(default_factory=dict,
                                          description="other event fields, e.g. to, via, subject, written")

    @field_validator("kind")
    @classmethod
    def _known_kind(cls, value: str) -> str:
        if value not in EVENT_KINDS:
            close = difflib.get_close_matches(value, EVENT_KINDS, n=1)
            raise ValueError(f"unknown event kind {value!r}" + (f"; did you mean {close[0]!r}?" if close else ""))
        return value


class StepColumns(_Model):
    """One event per row (step layout): the kind is read from a column, through the 'kind' table."""

    kind: str = Field(description="header of the column holding the step, e.g. 环节")
    date: str
    agency: Source
    attributes: dict[str, Source] = Field(default_factory=dict)


class CaseColumns(_Model):
    """Headers of the columns holding case fields; every one is optional."""

    title: str | None = None
    province: str | None = None
    channel: str | None = None
    form: str | None = None
    category: str | None = None
    status: str | None = None
    headcount: str | None = None
    petitioner_name: str | None = None
    petitioner_address: str | None = None
    petitioner_phone: str | None = None
    petitioner_id_number: str | None = None
    request: str | None = None
    facts: str | None = None
    reasons: str | None = None
    competent_agencies: str | None = Field(default=None, description="agencies separated by 、 , ; or newlines")
    litigation_related: str | None = None
    major_urgent: str | None = None
    discipline_matter: str | None = None
    complex: str | None = None
    statutory_procedure: str | None = None


class AgencySheet(_Model):
    """Agencies listed in a sheet of the ledger workbook."""

    sheet: str
    header_row: Annotated[int, Field(ge=1)] = 1
    id: str
    name: str
    level: str
    kind: str
    superior: str | None = None


class LedgerMapping(_Model):
    """How a ledger's columns become cases."""

    schema_: Literal["legalcheck/ledger-mapping/1"] = Field(alias="schema")
    sheet: str | None = Field(default=None, description="sheet of the ledger (default: the first)")
    header_row: Annotated[int, Field(ge=1)] = 1
    layout: Literal["matter", "step"] = "matter"
    case_id: str = Field(description="header of the case-number column")
    agency_registry: str | None = Field(default=None, description="agency registry file, relative to the mapping")
    agency_sheet: AgencySheet | None = None
    defaults: dict[str, Scalar] = Field(default_factory=dict, description="case fields set for every case")
    columns: CaseColumns = CaseColumns()
    events: tuple[EventColumns, ...] = ()
    steps: StepColumns | None = None
    tables: dict[str, dict[str, Scalar]] = Field(default_factory=dict,
                                                 description="translation tables: the ledger's words -> values")

    @model_validator(mode="after")
    def _consistent(self) -> LedgerMapping:
        if (self.agency_registry is None) == (self.agency_sheet is None):
            raise ValueError("give exactly one of agency_registry and agency_sheet")
        if self.layout == "step" and self.steps is None:
            raise ValueError("layout 'step' needs 'steps'")
        if self.layout == "matter" and self.steps is not None:
            raise ValueError("'steps' is only for layout 'step'")
        if self.layout == "matter" and not self.events:
            raise ValueError("layout 'matter' needs 'events'")
        return self

    def personal_columns(self) -> dict[str, str]:
        """Header -> kind of personal data, for redacting a copy of the ledger."""
        c = self.columns
        pairs = ((c.petitioner_name, "信访人"), (c.petitioner_address, "住址"), (c.petitioner_phone, "电话"),
                 (c.petitioner_id_number, "身份证号"))
        return {header: kind for header, kind in pairs if header is not None}

    def text_columns(self) -> tuple[str, ...]:
        """Headers of free-text columns, which may quote personal data."""
        c = self.columns
        return tuple(h for h in (c.title, c.request, c.facts, c.reasons) if h is not None)


def load_mapping(path: str | Path, *, limits: Limits = DEFAULT_LIMITS) -> LedgerMapping:
    """Read and validate a mapping file; every problem is located by line and field."""
    from .loader import validation_problems

    name = str(path)
    doc = parse_yaml(decode(read_bytes(Path(path), limits=limits), name), name, limits=limits, unique_keys=True)
    if not isinstance(doc.data, dict):
        raise InputError([Problem(doc.locate(()), "ledger-mapping",
                                  {"detail": "a ledger mapping must be a mapping at the top level"})])
    try:
        return LedgerMapping.model_validate_json(json.dumps(doc.data, ensure_ascii=False))
    except ValidationError as exc:
        raise InputError(validation_problems(exc, doc, LedgerMapping)) from None


# --- cells and values ---------------------------------------------------------------------

_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_TRUE = frozenset({"是", "有", "√", "✓", "y", "yes", "true", "1"})
_FALSE = frozenset({"否", "无", "×", "✗", "n", "no", "false", "0"})
_SEPARATORS = re.compile(r"[、,，;；\n]+")


class CellProblem(ValueError):
    """A cell whose value cannot be used: a problem code and its message's arguments."""

    def __init__(self, code: ProblemCode, **args: object) -> None:
        super().__init__(code)
        self.code = code
        self.problem_args = {k: str(v) for k, v in args.items()}


def parse_date(value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    match = _DATE.match(text)
    if match is None:
        raise CellProblem("bad-date", value=shorten(value))
    try:
        return dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        raise CellProblem("bad-date", value=shorten(text)) from None


def parse_bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise CellProblem("unknown-value", value=shorten(value), choices="是, 否")


def cell_text(value: object) -> str:
    """A cell as text: whole numbers without '.0' (phone numbers typed as numbers), dates in ISO."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def is_empty(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# --- reading sheets -----------------------------------------------------------------------


@dataclass(frozen=True)
class Sheet:
    """One sheet's rows as values (row 1 first); ``name`` is None for a CSV file."""

    name: str | None
    rows: list[tuple[object, ...]]


def _column_letter(column: int) -> str:
    letters = ""
    number = column + 1
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def cell_ref(sheet: str | None, row: int, column: int) -> str:
    """``案件!F17`` (1-based row, 0-based column), or ``F17`` in a CSV file."""
    return f"{sheet}!{_column_letter(column)}{row}" if sheet is not None else f"{_column_letter(column)}{row}"


def read_sheets(path: Path, names: Sequence[str | None]) -> tuple[list[Sheet], str]:
    """The named sheets (None: the first) and the sha256 of the file; CSV files have one sheet."""
    raw = read_bytes(path, limits=LEDGER_LIMITS)  # a regular file, bounded
    digest = hashlib.sha256(raw).hexdigest()
    if path.suffix.lower() == ".csv":
        if len(names) > 1:
            raise InputError.at(code="ledger-no-sheet", sheet=repr(names[1]), sheets="a CSV ledger has one sheet; "
                                "use agency_registry", file=path)
        text = _decode_csv(raw, str(path))
        rows: list[tuple[object, ...]] = [tuple(r) for r in csv.reader(io.StringIO(text, newline=""))]
        return [Sheet(None, rows)], digest
    try:
        from openpyxl import load_workbook
    except ImportError:
        raise InputError.at(code="missing-extra", what="reading .xlsx ledgers", package="openpyxl",
                            extra="legalcheck[xlsx]",
                            file=path) from None
    try:
        workbook = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - zipfile, XML and openpyxl errors alike: not a workbook
        raise InputError.at(code="not-a-workbook", detail=type(exc).__name__, file=path) from None
    try:
        sheets = []
        for name in names:
            title = name if name is not None else workbook.sheetnames[0]
            if title not in workbook.sheetnames:
                raise InputError.at(code="ledger-no-sheet", sheet=repr(title), sheets=", ".join(workbook.sheetnames),
                                    file=path)
            sheets.append(Sheet(title, [tuple(r) for r in workbook[title].iter_rows(values_only=True)]))
        return sheets, digest
    finally:
        workbook.close()


def _decode_csv(raw: bytes, name: str) -> str:
    # Excel saves CSV as UTF-8 with a BOM, or in the system code page (GB18030 on Chinese Windows).
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return raw.decode("gb18030")
        except UnicodeDecodeError:
            raise InputError.at(code="not-utf8-or-gb18030", file=name) from None


# --- from rows to cases -------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """Where a case field came from: the cell and its column header."""

    ref: str
    header: str


@dataclass
class LedgerRecord:
    """One matter: the case built from its row(s), or the problems that rejected it."""

    source: str  # 台账.xlsx:案件!7 (the matter's first row)
    case_id: str | None
    rows: list[int]
    case: Case | None = None
    problems: list[Problem] = field(default_factory=list)
    cells: dict[str, Cell] = field(default_factory=dict)  # "events[3]", "channel", "id" -> its cell


class _Header:
    def __init__(self, sheet: Sheet, row: int, file: str) -> None:
        self.sheet, self.row, self.file = sheet, row, file
        values = sheet.rows[row - 1] if len(sheet.rows) >= row else ()
        self.columns: dict[str, int] = {}
        for index, value in enumerate(values):
            if not is_empty(value):
                self.columns.setdefault(cell_text(value), index)

    def require(self, headers: Sequence[str]) -> None:
        missing = [h for h in headers if h not in self.columns]
        if missing:
            known = ", ".join(self.columns) or "none"
            raise InputError([Problem(Location(self.file, cell=f"{self.sheet.name}!{self.row}:{self.row}"
                                               if self.sheet.name is not None else f"{self.row}:{self.row}",
                                               field=h), "ledger-no-column", {"column": repr(h), "columns": known})
                              for h in missing])


class _RowReader:
    """Reads one row's cells through the mapping, collecting problems instead of stopping."""

    def __init__(self, builder: _Builder, row_number: int, values: tuple[object, ...]) -> None:
        self.builder, self.row, self.values = builder, row_number, values
        self.problems: list[Problem] = []

    def cell(self, header: str) -> tuple[object, Cell]:
        index = self.builder.header.columns[header]
        value = self.values[index] if index < len(self.values) else None
        return value, Cell(cell_ref(self.builder.sheet.name, self.row, index), header)

    def fail(self, where: Cell, code: ProblemCode, **args: object) -> None:
        self.problems.append(Problem(Location(self.builder.file, cell=where.ref, field=where.header), code,
                                     {k: str(v) for k, v in args.items()}))

    def failed(self, where: Cell, exc: CellProblem) -> None:
        self.fail(where, exc.code, **exc.problem_args)

    def translate(self, value: object, table: str | None, where: Cell) -> Scalar | None:
        """The value after the translation table, or None (with a problem) if the table has no such word."""
        tables = self.builder.mapping.tables
        raw: Scalar = value if isinstance(value, bool | int) else cell_text(value)
        if table is None or table not in tables:
            return raw
        words = tables[table]
        if isinstance(raw, str) and raw in words:
            return words[raw]
        if raw in set(words.values()):
            return raw  # already the value itself
        self.fail(where, "ledger-unknown-word", value=shorten(raw), choices=", ".join(words), table=repr(table),
                  suggestion=_suggest(str(raw), words))
        return None

    def agency(self, value: object, where: Cell) -> str | None:
        text = cell_text(value)
        agency_id = self.builder.agency_ids.get(text)
        if agency_id is None:
            translated = self.builder.mapping.tables.get("agency", {}).get(text)
            agency_id = self.builder.agency_ids.get(str(translated)) if translated is not None else None
        if agency_id is None:
            self.fail(where, "unknown-agency", id=shorten(text),
                      suggestion=_suggest(text, [*self.builder.agency_ids,
                                                 *self.builder.mapping.tables.get("agency", {})]))
        return agency_id

    def source(self, spec: FromColumn | Constant, name: str, where_default: Cell) -> tuple[Any, Cell] | None:
        """A field from a column (None if the cell is empty) or a constant."""
        if isinstance(spec, Constant):
            value: object = spec.value
            where = where_default
            if name in _AGENCY_ATTRIBUTES:
                agency = self.agency(value, where)
                return (agency, where) if agency is not None else None
            return value, where
        value, where = self.cell(spec.column)
        if is_empty(value):
            return None
        if name in _AGENCY_ATTRIBUTES and spec.table is None:
            agency = self.agency(value, where)
            return (agency, where) if agency is not None else None
        if name in ("written", "on_the_spot", "approved_by_head", "petitioner_told_reason", "adopted",
                    "document_made", "direct_interest", "approved", "same_facts_as_concluded", "states_request",
                    "states_facts_and_reasons", "states_opinion", "states_legal_basis"):
            translated_bool = self.translate(value, spec.table, where) if spec.table else value
            try:
                return parse_bool(translated_bool), where
            except CellProblem as exc:
                self.failed(where, exc)
                return None
        if name in ("report_by", "end"):
            try:
                return parse_date(value).isoformat(), where
            except CellProblem as exc:
                self.failed(where, exc)
                return None
        if name == "days":
            try:
                return int(cell_text(value)), where
            except ValueError:
                self.fail(where, "wrong-type", expected="a whole number of days", expected_zh="整数天数",
                          value=shorten(value))
                return None
        translated = self.translate(value, spec.table or name, where)
        return (translated, where) if translated is not None else None

    def event(self, kind: str, date_header: str, agency: FromColumn | Constant,
              attributes: dict[str, FromColumn | Constant]) -> tuple[dict[str, Any], Cell] | None:
        value, where = self.cell(date_header)
        if is_empty(value):
            return None  # not recorded
        try:
            date = parse_date(value)
        except CellProblem as exc:
            self.failed(where, exc)
            return None
        event: dict[str, Any] = {"kind": kind, "date": date.isoformat()}
        found = self.source(agency, "agency", where)
        if found is not None:
            event["agency"] = found[0]
        for name, spec in attributes.items():
            got = self.source(spec, name, where)
            if got is not None:
                event[name] = got[0]
        return event, where


def _suggest(word: str, choices: Sequence[str] | dict[str, Scalar]) -> str:
    close = difflib.get_close_matches(word, sorted(choices), n=1) if len(word) <= 100 else []
    return repr(close[0]) if close else ""


_BOOL_FIELDS = ("litigation_related", "major_urgent", "discipline_matter", "complex")


class _Builder:
    """Turns a sheet's rows into :class:`LedgerRecord` objects, one per matter."""

    def __init__(self, mapping: LedgerMapping, sheet: Sheet, file: str, agencies: tuple[Agency, ...]) -> None:
        self.mapping, self.sheet, self.file = mapping, sheet, file
        self.agencies = agencies
        self.agency_ids: dict[str, str] = {}
        for agency in agencies:  # an agency is named by its id or its full name
            self.agency_ids.setdefault(agency.id, agency.id)
            self.agency_ids.setdefault(agency.name, agency.id)
        self.header = _Header(sheet, mapping.header_row, file)
        self.header.require(self._headers())

    def _headers(self) -> list[str]:
        m = self.mapping
        headers = [m.case_id] + [h for h in m.columns.model_dump().values() if h is not None]
        specs: list[tuple[str, FromColumn | Constant, dict[str, FromColumn | Constant]]] = [
            (e.date, e.agency, e.attributes) for e in m.events]
        if m.steps is not None:
            headers.append(m.steps.kind)
            specs.append((m.steps.date, m.steps.agency, m.steps.attributes))
        for date, agency, attributes in specs:
            headers.append(date)
            headers.extend(s.column for s in (agency, *attributes.values()) if isinstance(s, FromColumn))
        return list(dict.fromkeys(headers))

    def records(self) -> Iterator[LedgerRecord]:
        rows = [(number, values) for number, values in enumerate(self.sheet.rows, 1)
                if number > self.mapping.header_row and not all(is_empty(v) for v in values)]
        if self.mapping.layout == "matter":
            seen: dict[str, int] = {}
            for number, values in rows:
                yield self._record([(number, values)], seen)
            return
        groups: dict[str, list[tuple[int, tuple[object, ...]]]] = {}
        orphans: list[tuple[int, tuple[object, ...]]] = []
        index = self.header.columns[self.mapping.case_id]
        for number, values in rows:
            key = cell_text(values[index]) if index < len(values) and not is_empty(values[index]) else None
            if key is None:
                orphans.append((number, values))
            else:
                groups.setdefault(key, []).append((number, values))
        merged = [*groups.values(), *([row] for row in orphans)]
        for group in sorted(merged, key=lambda g: g[0][0]):
            yield self._record(group, {})

    def _record(self, group: list[tuple[int, tuple[object, ...]]], seen: dict[str, int]) -> LedgerRecord:
        m = self.mapping
        first = group[0][0]
        sheet_label = self.sheet.name if self.sheet.name is not None else ""
        source = f"{self.file}:{sheet_label}!{first}" if sheet_label else f"{self.file}:{first}"
        readers = [_RowReader(self, number, values) for number, values in group]
        head = readers[0]
        raw_id, id_cell = head.cell(m.case_id)
        record = LedgerRecord(source, None if is_empty(raw_id) else cell_text(raw_id), [n for n, _ in group])
        record.cells["id"] = id_cell
        data: dict[str, Any] = dict(m.defaults)
        if record.case_id is None:
            head.fail(id_cell, "missing-field")
        else:
            data["id"] = record.case_id
            if record.case_id in seen:
                head.fail(id_cell, "ledger-duplicate-case", id=shorten(record.case_id), first=seen[record.case_id])
            seen.setdefault(record.case_id, first)
        self._case_fields(readers, data, record)
        events: list[dict[str, Any]] = []
        if m.layout == "matter":
            for spec in m.events:
                got = head.event(spec.kind, spec.date, spec.agency, spec.attributes)
                if got is not None:
                    record.cells[f"events[{len(events)}]"] = got[1]
                    events.append(got[0])
        else:
            assert m.steps is not None
            steps = m.steps
            for reader in readers:
                value, where = reader.cell(steps.kind)
                if is_empty(value):
                    reader.fail(where, "missing-field")
                    continue
                kind = reader.translate(value, "kind", where)
                if kind is None:
                    continue
                if kind not in EVENT_KINDS:
                    reader.fail(where, "unknown-event-kind", kind=shorten(kind),
                                suggestion=_suggest(str(kind), EVENT_KINDS))
                    continue
                got = reader.event(str(kind), steps.date, steps.agency, steps.attributes)
                if got is not None:
                    record.cells[f"events[{len(events)}]"] = got[1]
                    events.append(got[0])
        # Same-day events keep their column (or row) order; otherwise the timeline runs by date.
        order = sorted(range(len(events)), key=lambda i: events[i]["date"])
        record.cells.update({f"events[{new}]": record.cells[f"events[{old}]"] for new, old in enumerate(order)})
        data["events"] = [events[i] for i in order]
        data["agencies"] = []  # filled after validation: the shared tuple, validated once
        # A misspelt agency used by several events is one problem, named once.
        record.problems = list(dict.fromkeys(p for reader in readers for p in reader.problems))
        if record.problems:
            record.problems = record.problems[:MAX_PROBLEMS]
            return record
        try:
            case = Case.model_validate_json(json.dumps(data, ensure_ascii=False))
        except ValidationError as exc:
            record.problems = self._validation_problems(exc, record)
            return record
        record.case = case.model_copy(update={"agencies": self.agencies})
        return record

    def _case_fields(self, readers: list[_RowReader], data: dict[str, Any], record: LedgerRecord) -> None:
        columns = self.mapping.columns

        def first(header: str | None) -> tuple[_RowReader, object, Cell] | None:
            if header is None:
                return None
            for reader in readers:  # step layout: the first row of the matter that fills it
                value, where = reader.cell(header)
                if not is_empty(value):
                    return reader, value, where
            return None

        for name in ("title", "province", "channel", "form", "category", "status", "statutory_procedure"):
            got = first(getattr(columns, name))
            if got is None:
                continue
            reader, value, where = got
            translated = reader.translate(value, name, where)
            if translated is not None:
                target = ("flags", "statutory_procedure") if name == "statutory_procedure" else (name,)
                _put(data, target, translated)
                record.cells[".".join(target)] = where
        got = first(columns.headcount)
        if got is not None:
            reader, value, where = got
            try:
                data["headcount"] = int(cell_text(value))
                record.cells["headcount"] = where
            except ValueError:
                reader.fail(where, "wrong-type", expected="a whole number", expected_zh="整数", value=shorten(value))
        petitioner: dict[str, str] = {}
        for name in ("name", "address", "phone", "id_number"):
            got = first(getattr(columns, f"petitioner_{name}"))
            if got is not None:
                petitioner[name] = cell_text(got[1])
                record.cells[f"petitioners[0].{name}"] = got[2]
        if petitioner:
            data["petitioners"] = [petitioner]
        for name in ("request", "facts", "reasons"):
            got = first(getattr(columns, name))
            if got is not None:
                _put(data, ("content", name), cell_text(got[1]))
                record.cells[f"content.{name}"] = got[2]
        for name in _BOOL_FIELDS:
            got = first(getattr(columns, name))
            if got is not None:
                reader, value, where = got
                try:
                    _put(data, ("flags", name), parse_bool(reader.translate(value, name, where) or value))
                    record.cells[f"flags.{name}"] = where
                except CellProblem as exc:
                    reader.failed(where, exc)
        got = first(columns.competent_agencies)
        if got is not None:
            reader, value, where = got
            ids = [reader.agency(part.strip(), where) for part in _SEPARATORS.split(cell_text(value)) if part.strip()]
            data["competent_agencies"] = [i for i in ids if i is not None]
            record.cells["competent_agencies"] = where

    def _validation_problems(self, exc: ValidationError, record: LedgerRecord) -> list[Problem]:
        problems = []
        fallback = record.cells["id"]
        for error in exc.errors()[:MAX_PROBLEMS]:
            path = _clean_loc(error["loc"])
            where = fallback
            for length in range(len(path), 0, -1):  # the deepest part of the path that came from a cell
                key = _path_key(path[:length])
                if key in record.cells:
                    where = record.cells[key]
                    break
            code, args = _problem(error, Case)
            if error["type"] == "missing" and len(path) == 1:
                args["missing"] = path[0]  # a case field no column gave
            problems.append(Problem(Location(self.file, cell=where.ref, field=where.header), code,
                                    {k: str(v) for k, v in args.items() if v is not None}))
        return problems


def _path_key(path: tuple[str | int, ...]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _put(data: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    for part in path[:-1]:
        data = data.setdefault(part, {})
    data[path[-1]] = value


# --- agencies -----------------------------------------------------------------------------


def _agencies(mapping: LedgerMapping, mapping_dir: Path, sheet: Sheet | None, file: str) -> tuple[Agency, ...]:
    if mapping.agency_registry is not None:
        try:
            return _REGISTRIES.get(mapping_dir, mapping.agency_registry).agencies
        except _BadReference as exc:
            raise InputError([Problem(Location(file, field="agency_registry"), exc.code, exc.args_)]) from None
    spec = mapping.agency_sheet
    assert spec is not None and sheet is not None
    header = _Header(sheet, spec.header_row, file)
    headers = {"id": spec.id, "name": spec.name, "level": spec.level, "kind": spec.kind}
    if spec.superior is not None:
        headers["superior"] = spec.superior
    header.require(list(headers.values()))
    agencies: list[Agency] = []
    problems: list[Problem] = []
    for number, values in enumerate(sheet.rows, 1):
        if number <= spec.header_row or all(is_empty(v) for v in values):
            continue
        entry: dict[str, str] = {}
        for name, column in headers.items():
            index = header.columns[column]
            value = values[index] if index < len(values) else None
            if is_empty(value):
                continue
            text = cell_text(value)
            table = mapping.tables.get(f"agency_{name}", {})
            entry[name] = str(table.get(text, text))
        try:
            agencies.append(Agency.model_validate_json(json.dumps(entry, ensure_ascii=False)))
        except ValidationError as exc:
            for error in exc.errors():
                name = str(error["loc"][0]) if error["loc"] else "id"
                column = headers.get(name, spec.id)
                ref = cell_ref(sheet.name, number, header.columns[column])
                code, args = _problem(error, Agency)
                problems.append(Problem(Location(file, cell=ref, field=column), code,
                                        {k: str(v) for k, v in args.items() if v is not None}))
    ids = {a.id for a in agencies}
    for agency in agencies:
        if agency.superior is not None and agency.superior not in ids:
            problems.append(Problem(Location(file, cell=sheet.name, field=spec.superior), "unknown-superior",
                                    {"id": shorten(agency.superior), "agency": agency.id}))
    if problems:
        raise CaseError(problems[:MAX_PROBLEMS])
    return tuple(agencies)


# --- the entry points ---------------------------------------------------------------------


@dataclass(frozen=True)
class Ledger:
    records: list[LedgerRecord]
    sheet: Sheet  # the sheet of matters, as read
    sha256: str  # of the file


def read_ledger(path: str | Path, mapping: LedgerMapping, mapping_dir: Path) -> Ledger:
    """Every matter of a ledger, in row order; raises InputError when the whole ledger is unusable."""
    file = str(path)
    names: list[str | None] = [mapping.sheet]
    if mapping.agency_sheet is not None:
        names.append(mapping.agency_sheet.sheet)
    sheets, digest = read_sheets(Path(path), names)
    agencies = _agencies(mapping, mapping_dir, sheets[1] if len(sheets) > 1 else None, file)
    builder = _Builder(mapping, sheets[0], file, agencies)
    return Ledger(list(builder.records()), sheets[0], digest)


def iter_inputs(paths: Sequence[str | Path], mapping_path: Path | None, *,
                limits: Limits = DEFAULT_LIMITS) -> Iterator[Job | CaseInput]:
    """Like :func:`iter_jobs`, with every ledger (.xlsx, .csv) read through ``mapping_path`` into cases."""
    mapping: LedgerMapping | None = None
    mapping_error: InputError | None = None
    if mapping_path is not None:
        try:
            mapping = load_mapping(mapping_path, limits=limits)
        except InputError as exc:
            mapping_error = exc
    for raw in paths:
        if not is_ledger(raw):
            yield from iter_jobs([raw], limits=limits)
            continue
        name = str(raw)
        if mapping is None:
            error = mapping_error or InputError.at(code="ledger-needs-mapping", file=name)
            yield CaseInput(name, None, error)
            continue
        assert mapping_path is not None
        try:
            ledger = read_ledger(raw, mapping, mapping_path.parent)
        except InputError as exc:
            yield CaseInput(name, None, exc)
            continue
        for record in ledger.records:
            if record.case is not None:
                yield CaseInput(record.source, record.case, None, ledger.sha256)
            else:
                yield CaseInput(record.source, None, CaseError(record.problems))


__all__ = ["LEDGER_SUFFIXES", "Ledger", "LedgerMapping", "LedgerRecord", "is_ledger", "iter_inputs", "load_mapping",
           "parse_date", "read_ledger"]
