"""The annotated workbook (``check --format xlsx --output report.xlsx``), written with openpyxl.

Sheets, in order:

* 摘要 (summary): found / checked / rejected, counts by severity, by rule and by agency;
* 发现 (findings): one row per finding, with filters and a frozen header row;
* 待办 (docket): the pending deadlines, soonest first;
* 输入问题 (input problems): every rejected row's problems, by sheet, cell and column;
* a copy of each checked ledger (``标注-案件``), each offending cell filled by severity with
  a comment quoting the finding (or the input problem).

Dates are real spreadsheet dates. With ``--redact`` the reports are already masked, and the
ledger copy masks the petitioner columns and free text the mapping names. Nothing legal is
computed here: every figure comes from the reports.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from .._batch.pool import BatchItem, Progress, Summary, reason_label, reason_of
from .._core.errors import InputError
from .._core.vocabulary import Lang, bi, pick, word
from .._model.findings import Finding
from .._model.ledger import Cell, LedgerMapping, is_ledger, load_mapping, read_ledger
from .docket import actor, moved
from .phrases import agency_label, deadline_period, event_name
from .reporters.markdown import tabulate

_FILLS = {
    "violation": PatternFill("solid", fgColor="FFC7CE"),
    "warning": PatternFill("solid", fgColor="FFEB9C"),
    "notice": PatternFill("solid", fgColor="DDEBF7"),
    "input": PatternFill("solid", fgColor="F4B084"),
}
_RANK = {"input": 0, "violation": 1, "warning": 2, "notice": 3}
_BOLD = Font(bold=True)
_DATE_FORMAT = "yyyy-mm-dd"
_SHEET_NAME_MAX = 31  # Excel's limit


def _label(zh: str, en: str, lang: Lang) -> str:
    return pick((zh, en), lang)


@dataclass
class _Mark:
    """What to write on one cell of a ledger copy."""

    severity: str
    notes: list[str]


def _offending_cell(finding: Finding, cells: dict[str, Cell]) -> Cell | None:
    """The cell of the act the finding judges: its last event (the late or forbidden act), else the case."""
    for event in reversed(finding.events):
        if event.path in cells:
            return cells[event.path]
    for ref in finding.fields:
        if ref.path in cells:
            return cells[ref.path]
    return cells.get("id")


def _finding_note(finding: Finding, lang: Lang) -> str:
    citation = finding.citations[0].label.zh if finding.citations else ""
    head = f"{finding.rule_id} {word(finding.severity, lang)}：{bi(finding.title, lang)}"
    return f"{head}\n{citation}\n{bi(finding.message, lang)}" if citation else f"{head}\n{bi(finding.message, lang)}"


def write_xlsx(items: Iterable[BatchItem], summary: Summary, output: Path, lang: Lang, *,
               paths: Sequence[Path] = (), mapping: Path | None = None, redact: bool = False,
               progress: Progress | None = None) -> None:
    """Count every item into ``summary`` and write the workbook to ``output``.

    The file is complete or absent: written beside ``output``, then renamed over it.
    """
    collected = []  # the summary sheet comes first and needs every item
    for item in items:
        summary.add(item)
        collected.append(item)
        if progress is not None:
            progress.update(summary)
    if progress is not None:
        progress.close()
    workbook = build_workbook(collected, summary, lang, paths=paths, mapping=mapping, redact=redact)
    directory = output.resolve().parent
    handle, temporary = tempfile.mkstemp(prefix=f".{output.name}.", suffix=".tmp", dir=directory)
    os.close(handle)
    try:
        workbook.save(temporary)
        os.replace(temporary, output)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def build_workbook(items: Sequence[BatchItem], summary: Summary, lang: Lang, *,
                   paths: Sequence[Path] = (), mapping: Path | None = None, redact: bool = False) -> Workbook:
    workbook = Workbook()
    summary_sheet = workbook.active
    assert summary_sheet is not None
    summary_sheet.title = _label("摘要", "Summary", lang)
    _summary(summary_sheet, items, summary, lang)
    _findings(workbook.create_sheet(_label("发现", "Findings", lang)), items, lang)
    _docket(workbook.create_sheet(_label("待办", "Docket", lang)), items, lang)
    _problems(workbook.create_sheet(_label("输入问题", "Input problems", lang)), items, lang)
    if mapping is not None:
        _ledger_copies(workbook, items, [p for p in paths if is_ledger(p)], mapping, lang, redact)
    return workbook


# --- summary, findings, docket, problems ----------------------------------------------------------


def _table(sheet: Worksheet, header: Sequence[str | None], rows: Sequence[Sequence[Any]], *, start_row: int = 1,
           filters: bool = False) -> None:
    for column, title in enumerate(header, 1):
        sheet.cell(start_row, column, title).font = _BOLD
    for offset, row in enumerate(rows, 1):
        for column, value in enumerate(row, 1):
            cell = sheet.cell(start_row + offset, column, value)
            if isinstance(value, dt.date):
                cell.number_format = _DATE_FORMAT
    if filters:
        last = get_column_letter(len(header))
        sheet.auto_filter.ref = f"A{start_row}:{last}{start_row + max(len(rows), 1)}"
        sheet.freeze_panes = sheet.cell(start_row + 1, 1).coordinate


def _widths(sheet: Worksheet, widths: Sequence[int]) -> None:
    for column, width in enumerate(widths, 1):
        sheet.column_dimensions[get_column_letter(column)].width = width


def _summary(sheet: Worksheet, items: Sequence[BatchItem], summary: Summary, lang: Lang) -> None:
    as_of = sorted({item.report.as_of for item in items if item.report is not None})
    sheet.cell(1, 1, _label("信访事项合规检查结果", "Petition compliance check", lang)).font = Font(bold=True, size=14)
    rows: list[tuple[str, Any]] = [
        (_label("检查基准日", "As of", lang), as_of[0] if len(as_of) == 1 else ", ".join(map(str, as_of))),
        (_label("案件总数", "Found", lang), summary.found),
        (_label("已检查", "Checked", lang), summary.checked),
        (_label("无法读取", "Could not be read", lang), summary.rejected),
    ]
    counts = {"violation": 0, "warning": 0, "notice": 0, "pending": 0}
    for item in items:
        if item.report is not None:
            for key in counts:
                counts[key] += getattr(item.report.counts, key)
    rows += [(word(key, lang), value) for key, value in counts.items()]
    if summary.reasons:
        rows.append((_label("无法读取的原因", "Could not be read because", lang),
                     summary.reasons_text(lang).partition(word("colon", lang))[2]))
    for offset, (label, value) in enumerate(rows, 3):
        sheet.cell(offset, 1, label).font = _BOLD
        cell = sheet.cell(offset, 2, value)
        if isinstance(value, dt.date):
            cell.number_format = _DATE_FORMAT
    tables = tabulate(items, lang)
    tally_header = [word("violation", lang), word("warning", lang), word("notice", lang), word("pending", lang),
                    _label("涉及案件数", "Cases", lang)]
    row = len(rows) + 5
    sheet.cell(row - 1, 1, _label("按规则", "By rule", lang)).font = _BOLD
    by_rule = [[rule_id, title, *(int(c) for c in tally.cells())] for rule_id, title, tally in tables.by_rule]
    _table(sheet, [_label("规则", "Rule", lang), _label("义务", "Obligation", lang), *tally_header], by_rule,
           start_row=row)
    row += len(by_rule) + 3
    sheet.cell(row - 1, 1, _label("按机关", "By agency", lang)).font = _BOLD
    by_agency = [[agency, None, *(int(c) for c in tally.cells())] for agency, tally in tables.by_agency]
    _table(sheet, [_label("机关", "Agency", lang), None, *tally_header], by_agency, start_row=row)
    _widths(sheet, (22, 60, 10, 10, 10, 10, 12))


def _finding_rows(items: Sequence[BatchItem], lang: Lang) -> list[list[Any]]:
    rows: list[list[Any]] = []
    for item in items:
        report = item.report
        if report is None:
            continue
        for finding in report.findings:
            deadline = finding.deadline
            # The agency the summary counts it under (that of its first event: the trigger or the act).
            agency = agency_label(finding.events[0]) if finding.events else word("whole_case", lang)
            rows.append([
                report.case_id, item.source, finding.rule_id, word(finding.severity, lang),
                "、".join(c.label.zh for c in finding.citations), agency,  # cited as in Chinese
                deadline_period(deadline, lang) if deadline is not None else None,
                deadline.effective_due if deadline is not None else None,
                deadline.actual if deadline is not None else None,
                deadline.days_late if deadline is not None else None,
                bi(finding.title, lang), bi(finding.message, lang),
                word("sep", lang).join(event_name(e, lang) for e in finding.events),
            ])
    return rows


FINDING_HEADER_ZH = ("案件编号", "台账位置", "规则", "严重程度", "条文", "机关", "期限", "届满日", "实际完成日",
                     "逾期天数", "义务", "说明", "相关事件")
FINDING_HEADER_EN = ("Case", "Source", "Rule", "Severity", "Article", "Agency", "Period", "Due", "Done on",
                     "Days late", "Obligation", "Message", "Events")


def _findings(sheet: Worksheet, items: Sequence[BatchItem], lang: Lang) -> None:
    header = [_label(zh, en, lang) for zh, en in zip(FINDING_HEADER_ZH, FINDING_HEADER_EN, strict=True)]
    _table(sheet, header, _finding_rows(items, lang), filters=True)
    _widths(sheet, (18, 28, 8, 8, 36, 26, 10, 12, 12, 9, 40, 90, 60))


def _docket(sheet: Worksheet, items: Sequence[BatchItem], lang: Lang) -> None:
    rows: list[list[Any]] = []
    for item in items:
        report = item.report
        if report is None:
            continue
        for pending in report.pending:
            rows.append([pending.due, pending.days_left, report.case_id, item.source, pending.rule_id,
                         bi(pending.title, lang), "、".join(c.label.zh for c in pending.citations),
                         agency_label(pending.trigger), pending.trigger.date, actor(pending), moved(pending, lang)])
    rows.sort(key=lambda r: (r[0] or dt.date.max, r[2], r[4]))
    header = [_label(zh, en, lang) for zh, en in (
        ("届满日", "Due"), ("剩余天数", "Days left"), ("案件编号", "Case"), ("台账位置", "Source"), ("规则", "Rule"),
        ("义务", "Obligation"), ("条文", "Article"), ("机关", "Agency"), ("起算事件日期", "Triggered on"),
        ("应当办理的机关", "Agency to act"), ("期限变动", "Moved by"))]
    _table(sheet, header, rows, filters=True)
    _widths(sheet, (12, 9, 18, 28, 8, 40, 36, 26, 12, 26, 16))


def _problems(sheet: Worksheet, items: Sequence[BatchItem], lang: Lang) -> None:
    rows: list[list[Any]] = []
    for item in items:
        if item.error is None:
            continue
        reason = reason_label(reason_of(item.error), lang)
        if isinstance(item.error, InputError):
            for problem in item.error.problems:
                location = problem.location
                rows.append([item.source, location.file, location.cell or location.line, location.field, reason,
                             problem.text(lang)])
        else:
            rows.append([item.source, None, None, None, reason, str(item.error)])
    header = [_label(zh, en, lang) for zh, en in (
        ("来源", "Source"), ("文件", "File"), ("单元格或行", "Cell or line"), ("列或字段", "Column or field"),
        ("类别", "Reason"), ("问题", "Problem"))]
    _table(sheet, header, rows, filters=True)
    _widths(sheet, (28, 28, 14, 18, 18, 70))


# --- the annotated ledger copies ------------------------------------------------------------------


def _ledger_copies(workbook: Workbook, items: Sequence[BatchItem], ledgers: Sequence[Path], mapping_path: Path,
                   lang: Lang, redact: bool) -> None:
    mapping = load_mapping(mapping_path)
    by_source = {item.source: item for item in items}
    for path in ledgers:
        try:
            ledger = read_ledger(path, mapping, mapping_path.parent)
        except InputError:
            continue  # the whole ledger was rejected: its problems are on the problems sheet
        marks: dict[str, _Mark] = {}
        for record in ledger.records:
            item = by_source.get(record.source)
            if item is None:
                continue
            if item.report is not None:
                for finding in item.report.findings:
                    cell = _offending_cell(finding, record.cells)
                    if cell is not None:
                        _mark(marks, cell.ref, finding.severity, _finding_note(finding, lang))
            elif isinstance(item.error, InputError):
                for problem in item.error.problems:
                    if problem.location.cell is not None:
                        _mark(marks, problem.location.cell, "input",
                              f"{word('input_error', lang)}：{problem.text(lang)}")
        title = _sheet_title(workbook, f"{_label('标注', 'Marked', lang)}-{ledger.sheet.name or path.stem}")
        copy = workbook.create_sheet(title)
        personal = _personal_columns(mapping, ledger.sheet.rows[mapping.header_row - 1]
                                     if len(ledger.sheet.rows) >= mapping.header_row else ())
        for row_number, values in enumerate(ledger.sheet.rows, 1):
            masked = _redact_row(values, personal) if redact and row_number > mapping.header_row else values
            for column, value in enumerate(masked, 1):
                if value is None:
                    continue
                cell = copy.cell(row_number, column, value)
                if isinstance(value, dt.datetime | dt.date):
                    cell.number_format = _DATE_FORMAT
                if row_number == mapping.header_row:
                    cell.font = _BOLD
        for ref, mark in marks.items():
            address = ref.rpartition("!")[2]
            cell = copy[address]
            cell.fill = _FILLS[mark.severity]
            comment = Comment("\n\n".join(mark.notes), "legalcheck")
            comment.width, comment.height = 420, 60 + 60 * len(mark.notes)
            cell.comment = comment
            cell.alignment = Alignment(wrap_text=False)
        copy.freeze_panes = copy.cell(mapping.header_row + 1, 1).coordinate


def _mark(marks: dict[str, _Mark], ref: str, severity: str, note: str) -> None:
    mark = marks.setdefault(ref, _Mark(severity, []))
    if _RANK[severity] < _RANK[mark.severity]:
        mark.severity = severity
    if note not in mark.notes:
        mark.notes.append(note)


def _sheet_title(workbook: Workbook, wanted: str) -> str:
    for char in "[]:*?/\\":
        wanted = wanted.replace(char, "_")
    title = wanted[:_SHEET_NAME_MAX]
    number = 2
    while title in workbook.sheetnames:
        suffix = f"-{number}"
        title = wanted[: _SHEET_NAME_MAX - len(suffix)] + suffix
        number += 1
    return title


def _personal_columns(mapping: LedgerMapping, header: Sequence[object]) -> dict[int, str]:
    """Column index -> what to mask there: a kind of personal value, or "" for free text."""
    wanted: dict[str, str] = dict(mapping.personal_columns())
    wanted.update({h: "" for h in mapping.text_columns()})
    return {index: wanted[str(value).strip()] for index, value in enumerate(header)
            if value is not None and str(value).strip() in wanted}


def _redact_row(values: Sequence[object], personal: dict[int, str]) -> list[object]:
    """The row with its personal values masked (tokens numbered per row, as reports number them per case)."""
    from .._model.ledger import cell_text, is_empty
    from .redact import Masker

    masker = Masker()
    out = list(values)
    ordered = sorted(personal.items(), key=lambda kv: (kv[1] == "", kv[0]))  # personal fields first, free text last
    for index, kind in ordered:
        if index >= len(out) or is_empty(out[index]):
            continue
        text = cell_text(out[index])
        if kind == "电话":
            out[index] = masker.phone(text)
        elif kind == "身份证号":
            out[index] = masker.id_number(text)
        elif kind:
            out[index] = masker.token(text, kind)
        else:
            out[index] = masker.text(text)
    return out
