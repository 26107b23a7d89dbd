"""The command line as an operator uses it: output, exit codes, errors naming file and field."""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


def test_examples_dir_exits_1_and_cites_articles(cli) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = cli("check", str(EXAMPLES), "--as-of", "2025-12-01", "--engine", "native", "--jobs", "1")
    assert code == 1
    assert "《信访工作条例》第二十二条第一款" in out and "LC1003" in out
    assert "期限自2025年6月3日起算，15日，至2025年6月18日届满；逾期2日完成（实际完成日为2025年6月20日）。" in out


def test_compliant_example_exits_0(cli) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = cli("check", str(EXAMPLES / "compliant-direct-letter.yaml"), "--as-of", "2025-12-01")
    assert code == 0
    assert "未发现问题" in out


def test_english_output(cli) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = cli("check", str(EXAMPLES / "violating-late-forward.yaml"), "--as-of", "2025-12-01",
                       "--lang", "en")
    assert code == 1
    assert "Regulations on Petition Work (2022), Art. 22(1)" in out and "done 2 days late (on 2025-06-20)" in out


def test_malformed_file_exits_2_naming_file_line_and_field(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "bad.yaml"
    text = (EXAMPLES / "violating-late-forward.yaml").read_text(encoding="utf-8")
    text = text.replace("agency_registry: _agencies.yaml", f"agency_registry: {EXAMPLES / '_agencies.yaml'}")
    bad.write_text(text.replace("date: 2025-06-20", "date: 2025-06-31"), encoding="utf-8")
    code, out, _ = cli("check", str(bad), "--as-of", "2025-12-01")
    assert code == 2
    line = next(i for i, l in enumerate(bad.read_text(encoding="utf-8").splitlines(), 1) if "2025-06-31" in l)
    assert f"{bad}:{line}:" in out and "events[2].date" in out and "日期 '2025-06-31' 无效" in out


def test_one_bad_file_does_not_stop_the_batch(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "a-broken.yaml").write_text("id: [unclosed\n", encoding="utf-8")
    good = (EXAMPLES / "violating-litigation-letter.yaml").read_text(encoding="utf-8")
    (tmp_path / "b-good.yaml").write_text(
        good.replace("agency_registry: _agencies.yaml", f"agency_registry: {EXAMPLES / '_agencies.yaml'}"),
        encoding="utf-8")
    code, out, _ = cli("check", str(tmp_path), "--as-of", "2025-12-01", "--format", "json", "--jobs", "1")
    document = json.loads(out)
    assert code == 2
    assert document["summary"] == {"found": 2, "checked": 1, "rejected": 1, "violations": 1, "undetermined": 0,
                                   "skipped": 0}
    assert document["reports"][0]["findings"][0]["rule_id"] == "LC1004"
    assert document["errors"][0]["problems"][0]["line"] == 1


def test_json_and_jsonl_carry_the_receipt(cli) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = cli("check", str(EXAMPLES / "violating-late-forward.yaml"), "--as-of", "2025-12-01",
                       "--format", "jsonl", "--engine", "native")
    report = json.loads(out.splitlines()[0])
    assert code == 1
    assert report["engine"] == "native" and report["as_of"] == "2025-12-01" and report["roll_over"] is True
    assert len(report["ruleset_sha256"]) == 64 and len(report["source_sha256"]) == 64
    assert dict(report["regulations_sha256"])["xfgz-2022"]


def test_no_roll_over_turns_a_notice_into_a_violation(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    case = tmp_path / "roll.yaml"
    case.write_text(
        f"id: roll\nagency_registry: {EXAMPLES / '_agencies.yaml'}\nchannel: letter\ncategory: complaint\n"
        "petitioners: [{name: 甲, address: 乙}]\ncompetent_agencies: [hx-hrss]\nevents:\n"
        "  - {kind: received, date: 2025-09-20, agency: hx-pb}\n"
        "  - {kind: registered, date: 2025-09-20, agency: hx-pb}\n"
        "  - {kind: forwarded, date: 2025-10-09, agency: hx-pb, to: hx-hrss}\n", encoding="utf-8")
    code, out, _ = cli("check", str(case), "--as-of", "2025-12-01")
    assert code == 0 and "提示 LC1003" in out and "因末日为法定休假日顺延至2025年10月9日" in out
    assert "原届满日（未顺延）为2025年10月5日，顺延至2025年10月9日；于2025年10月9日完成，因期限顺延而未逾期。" in out
    code, out, _ = cli("check", str(case), "--as-of", "2025-12-01", "--no-roll-over")
    assert code == 1 and "违规 LC1003" in out and "逾期4日完成" in out
    assert "至2025年10月5日届满；逾期4日完成（实际完成日为2025年10月9日）。" in out


def test_due_docket(cli) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = cli("due", str(EXAMPLES), "--as-of", "2025-11-28")
    assert code == 0
    assert "2025年12月11日（星期四）  剩余天数：13日  LJ-HX-2025-1120  河西区住房和城乡建设局：" in out
    assert "起算事件：第4项事件（收到，2025年11月26日，河西区住房和城乡建设局）  期限变动：—" in out
    assert "events[" not in out and "2025-12-11" not in out
    code, out, _ = cli("due", str(EXAMPLES), "--as-of", "2025-11-28", "--format", "markdown", "--lang", "en")
    assert "| 11 December 2025 (Thursday) | 13 days | LJ-HX-2025-1120 | 河西区住房和城乡建设局 |" in out
    code, out, _ = cli("due", str(EXAMPLES), "--as-of", "2025-11-28", "--format", "json")
    (obligation,) = json.loads(out)["obligations"]
    assert obligation["agency"] == "hx-housing" and obligation["trigger"]["path"] == "events[3]"
    code, out, _ = cli("due", str(EXAMPLES), "--as-of", "2025-11-28", "--within", "5", "--format", "json")
    assert json.loads(out)["obligations"] == []


def test_deadline_calculator(cli) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = cli("deadline", "2025-09-26", "5wd")
    assert code == 0 and out.rstrip().endswith("届满日：2025年10月10日")
    code, out, _ = cli("deadline", "2025-09-20", "15d", "--lang", "en")
    assert "2025-10-05" in out and "2025-10-09" in out
    code, _, err = cli("deadline", "2025-09-20", "fifteen")
    assert code == 2 and "cannot read period" in err


def test_rules_list_and_show(cli) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = cli("rules", "list")
    assert code == 0 and "LC1003 petition-bureau-disposes-within-15-days" in out
    code, out, _ = cli("rules", "show", "LC1008")
    assert code == 0 and "自收到之日起5个工作日内提出异议" in out and "objection-on-working-day-6" in out
    code, _, err = cli("rules", "show", "LC9999")
    assert code == 2 and "no rule 'LC9999'" in err


def test_schema_commands(cli) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = cli("schema")
    assert code == 0 and "received" in json.loads(out)["$defs"]["Received"]["properties"]["kind"]["const"]
    code, out, _ = cli("schema", "--report")
    assert code == 0 and "findings" in json.loads(out)["properties"]


def test_version_names_engines(cli) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = cli("--version")
    assert code == 0 and "engines:" in out and "native" in out


def test_usage_error_exits_2(cli) -> None:  # type: ignore[no-untyped-def]
    code, _, err = cli("check", str(EXAMPLES), "--as-of", "yesterday")
    assert code == 2 and "not a date" in err


def test_year_without_calendar_data_is_an_error_naming_year_and_override(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    case = tmp_path / "y2027.yaml"
    case.write_text(
        f"id: y2027\nagency_registry: {EXAMPLES / '_agencies.yaml'}\nchannel: letter\ncategory: complaint\n"
        "petitioners: [{name: 甲, address: 乙}]\nevents:\n"
        "  - {kind: received, date: 2027-01-04, agency: hx-pb}\n", encoding="utf-8")
    code, out, _ = cli("check", str(case), "--as-of", "2027-03-01", "--engine", "native", "--jobs", "2")
    assert code == 2
    assert f"{case}: events[0].date：" in out and "2027" in out and "--calendar" in out
    override = tmp_path / "cn-2027.yaml"
    override.write_text(
        "schema: legalcheck/calendar/1\nsource: {title: test schedule, url_or_document_number: test, "
        "published: 2026-11-01}\nyears:\n  2027:\n    replace: true\n    rest_days:\n"
        "      - {date: 2027-01-01, name: 元旦}\n    make_up_working_days: []\n", encoding="utf-8")
    code, out, _ = cli("check", str(case), "--as-of", "2027-03-01", "--engine", "native",
                       "--calendar", str(override))
    assert code == 1 and "LC1003" in out


def test_public_batch_iterator_keeps_every_input() -> None:
    import datetime as dt

    import legalcheck

    items = list(legalcheck.check_paths([EXAMPLES], legalcheck.BatchOptions(as_of=dt.date(2025, 12, 1),
                                                                           engine="native")))
    assert [Path(i.source).name for i in items] == sorted(
        p.name for p in EXAMPLES.glob("*.yaml") if not p.name.startswith("_"))
    assert all(i.report is not None and i.error is None for i in items)
