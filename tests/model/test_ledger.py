"""Ledgers (信访台账) in: .xlsx and .csv rows read into cases through a mapping file.

Run ``pytest tests/model/test_ledger.py --update-goldens`` to rewrite examples/ledger/_expected.json
from the current results, then review the diff.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import shutil
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from legalcheck._batch.pool import BatchItem, BatchOptions, Summary, check_paths
from legalcheck._core.errors import InputError
from legalcheck._model.case import Received
from legalcheck._model.ledger import LedgerMapping, iter_inputs, load_mapping, parse_date, read_ledger

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "examples" / "ledger"
LEDGER = SAMPLE / "台账.xlsx"
MAPPING = SAMPLE / "台账映射.yaml"
GOLDEN = SAMPLE / "_expected.json"
AS_OF = dt.date(2025, 12, 1)
AGENCIES = ROOT / "examples" / "_agencies.yaml"


def _problems(item: BatchItem) -> list[str]:
    assert isinstance(item.error, InputError)
    return [f"{location}: {message}" for location, message in ((p.location, p.message) for p in item.error.problems)]


def _projection(item: BatchItem) -> dict[str, Any]:
    def relative(text: str) -> str:
        return text.replace(f"{ROOT}/", "")

    if item.report is None:
        return {"source": relative(item.source), "rejected": [relative(p) for p in _problems(item)]}
    report = item.report
    return {"source": relative(item.source), "case_id": report.case_id,
            "findings": [{"rule_id": f.rule_id, "severity": f.severity, "events": [e.path for e in f.events],
                          "due": str(f.deadline.effective_due) if f.deadline else None,
                          "status": f.deadline.status if f.deadline else None,
                          "days_late": f.deadline.days_late if f.deadline else None} for f in report.findings],
            "pending": [{"rule_id": p.rule_id, "due": str(p.due) if p.due else None} for p in report.pending]}


def _check(*paths: Path, mapping: Path | None = MAPPING) -> list[BatchItem]:
    return list(check_paths(list(paths), BatchOptions(as_of=AS_OF, engine="native", mapping=mapping)))


# --- the sample ledger ----------------------------------------------------------------------------


def test_sample_ledger_matches_golden(request: pytest.FixtureRequest) -> None:
    items = _check(LEDGER)
    actual = {"as_of": str(AS_OF), "matters": [_projection(item) for item in items]}
    if request.config.getoption("--update-goldens"):
        GOLDEN.write_text(json.dumps(actual, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    assert actual == json.loads(GOLDEN.read_text(encoding="utf-8"))


def test_sample_ledger_checks_every_good_row_and_names_each_bad_cell() -> None:
    items = _check(LEDGER)
    summary = Summary()
    for item in items:
        summary.add(item)
    rows = load_workbook(LEDGER, read_only=True).worksheets[0].max_row - 1
    assert rows >= 50
    assert (summary.found, summary.checked, summary.rejected) == (rows, rows - 2, 2)
    rejected = [problem for item in items if item.report is None for problem in _problems(item)]
    assert rejected == [
        f"{LEDGER}:案件!O18 (受理日期): invalid date '2025-02-30' (expected YYYY-MM-DD or 2025年4月7日)",
        f"{LEDGER}:案件!L43 (责任单位): unknown agency '区人设局'; did you mean '区人社局'?",
    ]
    assert summary.reasons == {"bad-date": 1, "unknown-agency": 1}  # the case files' codes
    assert summary.violations > 0
    assert {f.rule_id for item in items if item.report for f in item.report.findings} >= {"LC1003", "LC1007"}


def test_sample_ledger_is_what_the_committed_script_writes() -> None:
    spec = importlib.util.spec_from_file_location("make_ledger", SAMPLE / "make_ledger.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.build() == module.build()  # deterministic: no clock in the bytes
    committed = [list(row) for row in load_workbook(LEDGER).worksheets[0].iter_rows(min_row=2, values_only=True)]
    written = [[None if value == "" else value for value in row] for row in module.rows()]
    assert committed == written
    styles = {type(v).__name__ for row in written for v in row[8:11]}
    assert styles == {"datetime", "str"}  # real Excel dates and text dates, mixed
    assert any("年" in str(v) for row in written for v in row) and any(v is None for row in written for v in row)


def test_empty_date_cell_means_not_recorded() -> None:
    items = _check(LEDGER)
    open_matter = next(i for i in items if i.report is not None and i.report.pending)
    assert open_matter.report is not None
    # A matter with no reply yet: the docket holds the obligation, no event was invented for the empty cells.
    assert all(p.due is None or p.due > AS_OF for p in open_matter.report.pending)


# --- dates ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [dt.datetime(2025, 4, 7), dt.date(2025, 4, 7), "2025-04-07", "2025/4/7",
                                   "2025.4.7", "2025年4月7日", " 2025年 4月7日 "])
def test_date_styles(value: object) -> None:
    assert parse_date(value) == dt.date(2025, 4, 7)


@pytest.mark.parametrize("value", ["2025-02-30", "2025年13月1日", "4/7/2025", "下周一", 45754])
def test_bad_dates(value: object) -> None:
    with pytest.raises(ValueError) as info:
        parse_date(value)
    assert getattr(info.value, "code", None) == "bad-date"


# --- hand-made ledgers --------------------------------------------------------------------------------

HEADER = ["编号", "信访人", "渠道", "类别", "登记单位", "收到日期", "转送日期", "责任单位"]


def _mapping(tmp_path: Path, **changes: Any) -> Path:
    shutil.copy(AGENCIES, tmp_path / "_agencies.yaml")
    document: dict[str, Any] = {
        "schema": "legalcheck/ledger-mapping/1", "sheet": "案件", "case_id": "编号",
        "agency_registry": "_agencies.yaml",
        "columns": {"channel": "渠道", "category": "类别", "petitioner_name": "信访人", "competent_agencies": "责任单位"},
        "events": [
            {"kind": "received", "date": "收到日期", "agency": {"column": "登记单位"}},
            {"kind": "forwarded", "date": "转送日期", "agency": {"column": "登记单位"},
             "attributes": {"to": {"column": "责任单位"}}},
        ],
        "tables": {"channel": {"来信": "letter", "来访": "visit"}, "category": {"申诉求决": "complaint"},
                   "agency": {"区信访局": "hx-pb", "区人社局": "hx-hrss"}},
    }
    document.update(changes)
    path = tmp_path / "map.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    return path


def _workbook(path: Path, rows: list[list[object]], *, title: str = "案件",
              extra: dict[str, list[list[object]]] | None = None) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = title
    for row in rows:
        sheet.append(row)
    for name, extra_rows in (extra or {}).items():
        other = workbook.create_sheet(name)
        for row in extra_rows:
            other.append(row)
    workbook.save(path)
    return path


def test_late_forward_found_in_a_row(tmp_path: Path) -> None:
    ledger = _workbook(tmp_path / "l.xlsx", [HEADER, ["A-1", "王某", "来信", "申诉求决", "区信访局",
                                                      dt.datetime(2025, 6, 3), "2025年6月20日", "区人社局"]])
    [item] = _check(ledger, mapping=_mapping(tmp_path))
    assert item.report is not None and item.case is not None
    assert item.source == f"{ledger}:案件!2"
    assert [e.kind for e in item.case.events] == ["received", "forwarded"]
    late = [f for f in item.report.findings if f.rule_id == "LC1003"]
    assert late and late[0].deadline is not None and late[0].deadline.days_late == 2


def test_empty_cells_leave_fields_out(tmp_path: Path) -> None:
    ledger = _workbook(tmp_path / "l.xlsx", [HEADER, ["A-1", None, "来信", "申诉求决", "区信访局",
                                                      "2025-06-03", None, "区人社局"]])
    [item] = _check(ledger, mapping=_mapping(tmp_path))
    assert item.case is not None
    assert item.case.petitioners == ()  # the name was not recorded: no petitioner invented
    assert [e.kind for e in item.case.events] == ["received"]  # no forward recorded


def test_empty_required_field_is_named_by_cell(tmp_path: Path) -> None:
    ledger = _workbook(tmp_path / "l.xlsx", [HEADER, ["A-1", "王某", None, "申诉求决", "区信访局",
                                                      "2025-06-03", None, "区人社局"]])
    [item] = _check(ledger, mapping=_mapping(tmp_path))
    assert item.report is None
    assert _problems(item) == [f"{ledger}:案件!A2 (编号): required field is missing: channel"]


def test_bad_rows_never_stop_the_others_and_every_problem_is_named(tmp_path: Path) -> None:
    ledger = _workbook(tmp_path / "l.xlsx", [
        HEADER,
        ["A-1", "王某", "来函", "申诉求决", "区信访局", "2025-06-31", None, "区人社局"],
        [None, None, None, None, None, None, None, None],  # a blank row is no matter
        ["A-2", "李某", "来访", "申诉求决", "区信访局", "2025-06-03", "2025-06-05", "区人社局"],
        ["A-2", "张某", "来访", "申诉求决", "区信访局", "2025-06-03", "2025-06-05", "区人社局"],
        [None, "赵某", "来访", "申诉求决", "区信访局", "2025-06-03", "2025-06-05", "区人社局"],
    ])
    items = _check(ledger, mapping=_mapping(tmp_path))
    assert [i.source.rpartition("!")[2] for i in items] == ["2", "4", "5", "6"]
    assert _problems(items[0]) == [
        f"{ledger}:案件!C2 (渠道): '来函' is not one of 来信, 来访 (table 'channel')",
        f"{ledger}:案件!F2 (收到日期): invalid date '2025-06-31' (expected YYYY-MM-DD or 2025年4月7日)",
    ]
    assert items[1].report is not None
    assert _problems(items[2]) == [f"{ledger}:案件!A5 (编号): duplicate case number 'A-2' (first in row 4)"]
    assert _problems(items[3]) == [f"{ledger}:案件!A6 (编号): required field is missing"]


def test_missing_column_rejects_the_ledger_once(tmp_path: Path) -> None:
    ledger = _workbook(tmp_path / "l.xlsx", [[h for h in HEADER if h != "转送日期"], ["A-1"]])
    [item] = _check(ledger, mapping=_mapping(tmp_path))
    assert _problems(item) == [(f"{ledger}:案件!1:1 (转送日期): no column '转送日期' in the header row "
                                "(columns: 编号, 信访人, 渠道, 类别, 登记单位, 收到日期, 责任单位)")]


def test_csv_ledger_utf8_bom_and_gb18030(tmp_path: Path) -> None:
    lines = [",".join(HEADER), "A-1,王某,来信,申诉求决,区信访局,2025/6/3,2025年6月20日,区人社局"]
    mapping = _mapping(tmp_path, sheet=None)
    for encoding in ("utf-8-sig", "gb18030"):
        ledger = tmp_path / f"l-{encoding}.csv"
        ledger.write_text("\r\n".join(lines) + "\r\n", encoding=encoding)
        [item] = _check(ledger, mapping=mapping)
        assert item.source == f"{ledger}:2"
        assert item.report is not None and "LC1003" in {f.rule_id for f in item.report.findings}
    bad = tmp_path / "bad.csv"
    bad.write_text(lines[0] + "\nA-1,王某,来信,申诉求决,区信访局,2025-02-30,,区人社局\n", encoding="utf-8")
    [item] = _check(bad, mapping=mapping)
    assert _problems(item) == [f"{bad}:F2 (收到日期): invalid date '2025-02-30' (expected YYYY-MM-DD or 2025年4月7日)"]


def test_step_layout_grouped_by_case_number_with_agencies_from_a_sheet(tmp_path: Path) -> None:
    mapping = _mapping(
        tmp_path, layout="step", case_id="案件编号", events=[], agency_registry=None,
        columns={"channel": "渠道", "category": "类别"},
        steps={"kind": "环节", "date": "日期", "agency": {"column": "办理单位"},
               "attributes": {"to": {"column": "去向"}}},
        agency_sheet={"sheet": "机关", "id": "代码", "name": "名称", "level": "层级", "kind": "类型",
                      "superior": "上级"},
        tables={"kind": {"收到": "received", "转送": "forwarded"}, "channel": {"来信": "letter"},
                "category": {"申诉求决": "complaint"}, "agency_level": {"区县": "county"},
                "agency_kind": {"信访部门": "petition_bureau", "其他": "other"}})
    ledger = _workbook(tmp_path / "steps.xlsx", [
        ["案件编号", "渠道", "类别", "环节", "日期", "办理单位", "去向"],
        ["S-1", "来信", "申诉求决", "收到", "2025-06-03", "区信访局", None],
        ["S-2", "来信", "申诉求决", "收到", "2025-06-03", "区信访局", None],
        ["S-1", None, None, "转送", "2025-06-20", "区信访局", "区人社局"],
        ["S-2", None, None, "转交", "2025-06-05", "区信访局", "区人社局"],
    ], extra={"机关": [["代码", "名称", "层级", "类型", "上级"], ["pb", "区信访局", "区县", "信访部门", None],
                       ["hrss", "区人社局", "区县", "其他", None]]})
    items = _check(ledger, mapping=mapping)
    assert [i.source for i in items] == [f"{ledger}:案件!2", f"{ledger}:案件!3"]
    first = items[0]
    assert first.case is not None and first.report is not None
    assert [(e.kind, e.agency) for e in first.case.events] == [("received", "pb"), ("forwarded", "pb")]
    assert "LC1003" in {f.rule_id for f in first.report.findings}
    assert _problems(items[1]) == [f"{ledger}:案件!D5 (环节): '转交' is not one of 收到, 转送 (table 'kind')"]


def test_events_are_ordered_by_date_and_cells_follow(tmp_path: Path) -> None:
    mapping = load_mapping(_mapping(tmp_path, events=[
        {"kind": "forwarded", "date": "转送日期", "agency": {"column": "登记单位"},
         "attributes": {"to": {"column": "责任单位"}}},
        {"kind": "received", "date": "收到日期", "agency": {"column": "登记单位"}}]))
    ledger = _workbook(tmp_path / "l.xlsx", [HEADER, ["A-1", "王某", "来信", "申诉求决", "区信访局",
                                                      "2025-06-03", "2025-06-20", "区人社局"]])
    [record] = read_ledger(ledger, mapping, tmp_path).records
    assert record.case is not None
    assert isinstance(record.case.events[0], Received)
    assert (record.cells["events[0]"].ref, record.cells["events[1]"].ref) == ("案件!F2", "案件!G2")


# --- the mapping file -----------------------------------------------------------------------------------


def test_mapping_errors_are_located(tmp_path: Path) -> None:
    path = tmp_path / "map.yaml"
    path.write_text("schema: legalcheck/ledger-mapping/1\ncase_id: 编号\nagency_registry: a.yaml\n"
                    "events:\n  - {kind: recieved, date: 收到日期, agency: {column: 单位}}\nlayot: matter\n",
                    encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_mapping(path)
    messages = [f"{location}: {message}" for location, message in ((p.location, p.message) for p in info.value.problems)]
    assert any(m.startswith(f"{path}:5:") and "unknown event kind 'recieved'; did you mean 'received'?" in m
               for m in messages), messages
    assert any(m.startswith(f"{path}:6:1: layot:") and "did you mean 'layout'?" in m for m in messages), messages


def test_ledger_without_mapping_is_an_input_error(tmp_path: Path) -> None:
    ledger = _workbook(tmp_path / "l.xlsx", [HEADER])
    [unit] = list(iter_inputs([ledger], None))
    assert unit.error is not None and "needs a mapping file" in str(unit.error)


def test_sample_mapping_validates_against_the_published_schema() -> None:
    schema = LedgerMapping.model_json_schema(by_alias=True)
    jsonschema.validate(yaml.safe_load(MAPPING.read_text(encoding="utf-8")), schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"schema": "legalcheck/ledger-mapping/1", "case_id": "编号", "layout": "row"}, schema)


def test_cli_schema_mapping(cli) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = cli("schema", "--mapping")
    assert code == 0 and json.loads(out)["title"] == "LedgerMapping"


def test_cli_check_ledger_exit_code_and_summary(cli) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = cli("check", str(LEDGER), "--mapping", str(MAPPING), "--as-of", "2025-12-01",
                       "--engine", "native")
    assert code == 2  # two rows rejected
    assert f"{LEDGER}:案件!O18 (受理日期)：输入错误：日期 '2025-02-30' 无效（应写作 2025-04-07 或 2025年4月7日）" in out
    assert "已检查54件，无法读取2件" in out


def test_cli_examples_dir_leaves_out_the_ledger_directory(cli) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = cli("check", str(ROOT / "examples"), "--as-of", "2025-12-01", "--engine", "native")
    assert code == 1 and "台账映射" not in out and "无法读取0件" in out


def test_json_and_markdown_name_the_cell(cli) -> None:  # type: ignore[no-untyped-def]
    args = ("check", str(LEDGER), "--mapping", str(MAPPING), "--as-of", "2025-12-01", "--engine", "native")
    _, out, _ = cli(*args, "--format", "json")
    problems = [p for error in json.loads(out)["errors"] for p in error["problems"]]
    assert [(p["cell"], p["field"]) for p in problems] == [("案件!O18", "受理日期"), ("案件!L43", "责任单位")]
    _, out, _ = cli(*args, "--format", "markdown")
    assert "| 案件!O18 |" in out


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.integers(1, 28), st.integers(0, 20),
                          st.sampled_from(["ok", "bad date", "bad channel", "empty id", "blank"])),
                min_size=1, max_size=12))
def test_every_row_is_checked_or_rejected_alone(tmp_path: Path, rows: list[tuple[int, int, str]]) -> None:
    """found = checked + rejected, counted in matters; exactly the corrupted rows are rejected."""
    mapping = _mapping(tmp_path, sheet=None)
    lines = [",".join(HEADER)]
    for number, (day, delay, fault) in enumerate(rows):
        forwarded = dt.date(2025, 6, day) + dt.timedelta(days=delay)
        received = "2025-06-31" if fault == "bad date" else f"2025年6月{day}日"
        channel = "来函" if fault == "bad channel" else "来信"
        case_id = "" if fault == "empty id" else f"R-{number}"
        lines.append(",,,,,,," if fault == "blank" else
                     f"{case_id},王某,{channel},申诉求决,区信访局,{received},{forwarded.isoformat()},区人社局")
    ledger = tmp_path / "l.csv"
    ledger.write_text("\n".join(lines) + "\n", encoding="utf-8")
    items = _check(ledger, mapping=mapping)
    summary = Summary()
    for item in items:
        summary.add(item)
    faults = [fault for _, _, fault in rows if fault != "blank"]
    assert summary.found == len(faults) == summary.checked + summary.rejected
    assert [item.report is None for item in items] == [fault != "ok" for fault in faults]
    for item, (_day, delay, _fault) in zip(items, [r for r in rows if r[2] != "blank"], strict=True):
        if item.report is not None:  # LC1003: the bureau forwards within 15 days (rolled over a rest day)
            late = any(f.rule_id == "LC1003" and f.severity == "violation" for f in item.report.findings)
            if delay <= 15:
                assert not late
            if delay > 15 + 3:  # no roll-over in June 2025 spans more than 3 days
                assert late
