"""The annotated workbook (``--format xlsx``): read back with openpyxl, and opened by LibreOffice.

The office-suite test converts the workbook to CSV with headless LibreOffice Calc (every
sheet) and round-trips it through LibreOffice's own .xlsx writer, then checks that the
findings, the docket and the marked ledger (fills and comments) survive. It is skipped only
when no LibreOffice is installed, and then loudly; with ``LEGALCHECK_REQUIRE_OFFICE=1`` (CI,
once .ci/run has installed it) a missing LibreOffice is a failure instead.
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import warnings
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from openpyxl.workbook.workbook import Workbook

ROOT = Path(__file__).resolve().parents[2]
LEDGER = ROOT / "examples" / "ledger" / "台账.xlsx"
MAPPING = ROOT / "examples" / "ledger" / "台账映射.yaml"
SHEETS = ["摘要", "发现", "待办", "输入问题", "标注-案件"]


def _run(cli: Any, out: Path, *extra: str) -> tuple[int, str]:
    code, stdout, err = cli("check", str(LEDGER), "--mapping", str(MAPPING), "--as-of", "2025-12-01",
                            "--engine", "native", "--format", "xlsx", "--output", str(out), *extra)
    assert stdout == ""
    return code, err


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from legalcheck._cli import main

    out = tmp_path_factory.mktemp("xlsx") / "report.xlsx"
    argv = ["legalcheck", "check", str(LEDGER), "--mapping", str(MAPPING), "--as-of", "2025-12-01",
            "--engine", "native", "--format", "xlsx", "--output", str(out)]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("sys.argv", argv)
        with pytest.raises(SystemExit) as info:
            main()
    assert info.value.code == 2  # two rows rejected
    return out


def _rows(workbook: Workbook, title: str) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in workbook[title].iter_rows(values_only=True)]


def _expected() -> tuple[list[tuple[str, str, str]], int, int]:
    """(case, rule, severity) of every finding, pending and violation counts, from the library itself."""
    import datetime as dt

    from legalcheck._batch.pool import BatchOptions, check_paths

    findings, pending, violations = [], 0, 0
    for item in check_paths([LEDGER], BatchOptions(as_of=dt.date(2025, 12, 1), engine="native", mapping=MAPPING)):
        if item.report is not None:
            findings += [(item.report.case_id, f.rule_id, f.severity) for f in item.report.findings]
            pending += len(item.report.pending)
            violations += item.report.counts.violation
    return findings, pending, violations


def test_workbook_sheets_findings_docket_and_summary(report: Path) -> None:
    workbook = load_workbook(report)
    assert workbook.sheetnames == SHEETS
    findings, pending, violations = _expected()
    words = {"violation": "违规", "warning": "警示", "notice": "提示"}
    rows = _rows(workbook, "发现")
    assert rows[0][:4] == ("案件编号", "台账位置", "规则", "严重程度")
    assert [(r[0], r[2], r[3]) for r in rows[1:]] == [(c, r, words[s]) for c, r, s in findings]
    sheet = workbook["发现"]
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == f"A1:M{len(rows)}"
    late = next(r for r in rows[1:] if r[2] == "LC1003" and r[3] == "违规")
    assert late[4] == "《信访工作条例》第二十二条第一款" and late[6] == "15日"
    assert sheet.cell(rows.index(late) + 1, 8).is_date and isinstance(late[9], int) and late[9] > 0
    assert "应当在15日内转送或者交办" in late[11]
    docket = _rows(workbook, "待办")
    assert len(docket) - 1 == pending > 0
    assert [r[0] for r in docket[1:]] == sorted(r[0] for r in docket[1:])  # soonest first
    assert docket[0][-2:] == ("应当办理的机关", "期限变动") and all(r[-2] for r in docket[1:])
    findings_header = _rows(workbook, "发现")[0]
    assert findings_header[-1] == "相关事件"
    assert any(str(r[-1]).startswith("第") and "项事件（" in str(r[-1]) for r in _rows(workbook, "发现")[1:])
    summary = {r[0]: r[1] for r in _rows(workbook, "摘要") if r[0] is not None}
    assert (summary["案件总数"], summary["已检查"], summary["无法读取"], summary["违规"]) == (56, 54, 2, violations)
    assert "日期无效（1件）" in summary["无法读取的原因"]
    by_rule = {r[0]: r for r in _rows(workbook, "摘要") if isinstance(r[0], str) and r[0].startswith("LC")}
    assert by_rule["LC1003"][2] == sum(1 for _, rule, s in findings if rule == "LC1003" and s == "violation")
    by_agency = {r[0]: r[2] for r in _rows(workbook, "摘要") if isinstance(r[0], str) and r[1] is None and isinstance(r[2], int)}
    assert by_agency["河西区人力资源和社会保障局"] > 0
    for agency, count in by_agency.items():  # the findings sheet and the summary agree, agency by agency
        assert count == sum(1 for r in rows[1:] if r[5] == agency and r[3] == "违规")
    problems = _rows(workbook, "输入问题")
    assert [(r[2], r[3], r[4]) for r in problems[1:]] == [("案件!O18", "受理日期", "日期无效"),
                                                          ("案件!L43", "责任单位", "未知的机关")]


def test_ledger_copy_marks_offending_cells_with_comments(report: Path) -> None:
    workbook = load_workbook(report)
    copy = workbook["标注-案件"]
    original = load_workbook(LEDGER)["案件"]
    assert [[c.value for c in row] for row in copy.iter_rows()] == [[c.value for c in row]
                                                                     for row in original.iter_rows()]
    marked = {c.coordinate: c for row in copy.iter_rows() for c in row if c.comment is not None}
    assert marked["O18"].fill.fgColor.rgb.endswith("F4B084")
    assert "日期 '2025-02-30' 无效" in marked["O18"].comment.text
    assert "区人社局" in marked["L43"].comment.text
    findings, _, _ = _expected()
    late_forward = [c for c in marked.values() if "LC1003 违规" in c.comment.text]
    assert late_forward and all(c.column_letter == "K" for c in late_forward)  # 转送日期, the late act
    assert all(c.fill.fgColor.rgb.endswith("FFC7CE") for c in late_forward)
    assert "《信访工作条例》第二十二条第一款" in late_forward[0].comment.text
    cases_with_findings = {case for case, _, _ in findings}
    assert len({c.row for c in marked.values()}) == len(cases_with_findings) + 2  # + the two rejected rows


def test_redact_masks_the_workbook(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "redacted.xlsx"
    _run(cli, out, "--redact")
    workbook = load_workbook(out)
    original = load_workbook(LEDGER)["案件"]
    names = {row[1] for row in original.iter_rows(min_row=2, values_only=True)}
    phones = {str(row[2]) for row in original.iter_rows(min_row=2, values_only=True) if row[2]}
    texts = [str(c.value) for sheet in workbook for row in sheet.iter_rows() for c in row if c.value is not None]
    texts += [c.comment.text for sheet in workbook for row in sheet.iter_rows() for c in row if c.comment]
    assert not any(name in text for name in names for text in texts)
    assert not any(phone in text for phone in phones for text in texts)
    copy = _rows(workbook, "标注-案件")
    assert copy[1][1] == "〔信访人1〕" and copy[1][0] == "HX-2025-0001"  # case numbers and agencies kept


def test_xlsx_needs_output(cli) -> None:  # type: ignore[no-untyped-def]
    code, _, err = cli("check", str(LEDGER), "--mapping", str(MAPPING), "--format", "xlsx")
    assert code == 2 and "--output" in err


def test_case_files_to_xlsx_without_a_ledger(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "cases.xlsx"
    code, _, _ = cli("check", str(ROOT / "examples"), "--as-of", "2025-12-01", "--engine", "native",
                     "--format", "xlsx", "-o", str(out))
    assert code == 1
    workbook = load_workbook(out)
    assert workbook.sheetnames == SHEETS[:4]
    assert any(r[2] == "LC1003" for r in _rows(workbook, "发现")[1:])


# --- in a real office suite ---------------------------------------------------------------------------------


def find_soffice() -> str | None:
    return os.environ.get("LEGALCHECK_SOFFICE") or shutil.which("soffice") or shutil.which("libreoffice")


@pytest.fixture(scope="module")
def soffice() -> str:
    path = find_soffice()
    if path is None:
        reason = ("OFFICE-SUITE TEST SKIPPED: no LibreOffice found (install Debian's 'libreoffice-calc-nogui', or "
                  "set LEGALCHECK_SOFFICE); the workbook was NOT opened in an office suite")
        if os.environ.get("LEGALCHECK_REQUIRE_OFFICE") == "1":
            pytest.fail(reason.replace("SKIPPED", "FAILED") + " and LEGALCHECK_REQUIRE_OFFICE=1")
        warnings.warn(reason, UserWarning, stacklevel=1)
        pytest.skip(reason)
    return path


def _convert(soffice: str, source: Path, target: str, outdir: Path) -> None:
    # A private profile: no clash with a running LibreOffice or another test run.
    profile = (outdir / "profile").as_uri()
    result = subprocess.run([soffice, "--headless", "--norestore", f"-env:UserInstallation={profile}",
                             "--convert-to", target, "--outdir", str(outdir), str(source)],
                            capture_output=True, text=True, timeout=180, check=False)
    assert result.returncode == 0, result.stderr


def test_libreoffice_opens_the_workbook(soffice: str, report: Path, tmp_path: Path) -> None:
    # Every sheet to its own CSV (the last filter token, -1: all sheets; LibreOffice >= 7.2).
    _convert(soffice, report, "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1",
             tmp_path)
    sheets = {}
    for title in SHEETS:
        path = tmp_path / f"{report.stem}-{title}.csv"
        assert path.exists(), f"LibreOffice wrote no sheet {title}: {sorted(p.name for p in tmp_path.iterdir())}"
        with path.open(encoding="utf-8", newline="") as handle:
            sheets[title] = list(csv.reader(handle))
    findings, pending, _ = _expected()
    words = {"violation": "违规", "warning": "警示", "notice": "提示"}
    assert [(r[0], r[2], r[3]) for r in sheets["发现"][1:]] == [(c, r, words[s]) for c, r, s in findings]
    late = next(r for r in sheets["发现"][1:] if r[2] == "LC1003" and r[3] == "违规")
    assert late[7].count("-") == 2 and late[7].startswith("2025-")  # a real date, shown as a date
    assert len(sheets["待办"]) - 1 == pending
    assert sheets["标注-案件"][17][14] == "2025-02-30"  # the bad cell, as the office typed it
    assert sheets["输入问题"][1][2:4] == ["案件!O18", "受理日期"]

    # Saved again by LibreOffice itself: the marks and comments on the ledger copy survive.
    roundtrip = tmp_path / "roundtrip"
    roundtrip.mkdir()
    _convert(soffice, report, "xlsx:Calc MS Excel 2007 XML", roundtrip)
    copy = load_workbook(roundtrip / "report.xlsx")["标注-案件"]
    comments = {c.coordinate: c.comment.text for row in copy.iter_rows() for c in row if c.comment}
    assert "日期 '2025-02-30' 无效" in comments["O18"]
    assert any("LC1003" in text for text in comments.values())
    assert copy["O18"].fill.fgColor.rgb.endswith("F4B084")


def test_english_workbook(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "en.xlsx"
    _run(cli, out, "--lang", "en")
    workbook = load_workbook(out)
    assert workbook.sheetnames == ["Summary", "Findings", "Docket", "Input problems", "Marked-案件"]
    findings = _rows(workbook, "Findings")
    assert findings[0][:4] == ("Case", "Source", "Rule", "Severity")
    assert {r[3] for r in findings[1:]} <= {"violation", "warning", "notice"}
    assert all(r[4].startswith("《") for r in findings[1:])  # the article as cited, in Chinese
