"""The Markdown report: the same findings as JSON, the article quoted, the deadline arithmetic, inert case text."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from legalcheck._cli import cli
from legalcheck._core.paths import data_dir
from legalcheck._law.rules import load_ruleset
from legalcheck._report.reporters.markdown import md

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
AS_OF = "2025-12-01"


def check(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["check", *args, "--engine", "native", "--jobs", "1"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.stdout


@pytest.fixture(scope="module")
def rule_examples(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every rule's example cases as files: each rule's violating, notice, pending and compliant shapes."""
    directory = tmp_path_factory.mktemp("rule-examples")
    for compiled in load_ruleset(data_dir("rules"), data_dir("packs")).rules:
        for example in compiled.rule.examples:
            case = dict(example.case)
            if "agency_registry" in case:  # relative to the rule file; the copy lives elsewhere
                case["agency_registry"] = str((compiled.source.parent / case["agency_registry"]).resolve())
            path = directory / f"{compiled.rule.id}-{example.name}.yaml"
            path.write_text(yaml.safe_dump(case, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return directory


def sections(markdown: str) -> dict[str, str]:
    """The case sections by anchor."""
    parts = re.split(r'^<a id="(case-\d+)"></a>$', markdown, flags=re.M)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def rule_ids(section: str) -> Counter[str]:
    return Counter(re.findall(r"^#### [✗!i] (LC\d{4}) ", section, flags=re.M))


def test_markdown_and_json_carry_the_same_findings(rule_examples: Path) -> None:
    paths = [str(EXAMPLES), str(rule_examples)]
    _, markdown = check(*paths, "--as-of", AS_OF, "--format", "markdown")
    _, raw = check(*paths, "--as-of", AS_OF, "--format", "json")
    reports = json.loads(raw)["reports"]
    found = sections(markdown)
    assert len(found) == len(reports) > 100
    for section, report in zip(found.values(), reports, strict=True):
        assert rule_ids(section) == Counter(f["rule_id"] for f in report["findings"]), report["case_id"]
        counts = report["counts"]
        assert (f"违规 {counts['violation']} · 警示 {counts['warning']} · 提示 {counts['notice']} · "
                f"待办 {counts['pending']}") in section
        docket = re.search(r"^### 待办事项（(\d+)）$", section, flags=re.M)
        assert docket is not None and int(docket.group(1)) == len(report["pending"])
        for pending in report["pending"]:
            assert f"| {pending['rule_id']} |" in section


def test_finding_quotes_article_liability_evidence_and_deadline() -> None:
    _, markdown = check(str(EXAMPLES / "violating-late-forward.yaml"), "--as-of", AS_OF, "--format", "markdown")
    _, raw = check(str(EXAMPLES / "violating-late-forward.yaml"), "--as-of", AS_OF, "--format", "json")
    report = json.loads(raw)["reports"][0]
    finding = next(f for f in report["findings"] if f["rule_id"] == "LC1003")
    assert "**依据** 《信访工作条例》第二十二条第一款" in markdown
    for line in finding["citations"][0]["text_zh"].splitlines():
        assert f"> {md(line)}" in markdown
    assert "**责任条款** 《信访工作条例》第四十三条" in markdown
    # Events as people name them; their field paths and the fields read only in the audit appendix.
    assert "- 第1项事件（收到，2025年6月3日，临江市河西区信访局）" in markdown
    body, appendix = markdown.split("## 附录：核查信息")
    assert "events[0]" not in body and "`events[0]`" in appendix
    assert "`events[0].agency_kind = petition_bureau`" in appendix
    assert "**期限计算** 15日，自2025年6月3日起算，至2025年6月18日届满；实际完成日为2025年6月20日，逾期2日" in body
    for row in ("| 起算日 | 2025年6月3日 |", "| 期间 | 15日 |", "| 原届满日（未顺延） | 2025年6月18日 |",
                "| 顺延后届满日 | — |", "| 实际完成日 | 2025年6月20日 |", "| 逾期 | 2日 |", "| 结论 | 逾期完成 |"):
        assert row in body
    for step in finding["deadline"]["steps"]:
        assert md(step["zh"]) in markdown
    # How the report was made: everything needed to reproduce it, in the appendix only.
    for value in (report["ruleset_sha256"], report["calendar_sha256"], report["source_sha256"],
                  report["regulations_sha256"][0][1], report["ruleset_version"], report["legalcheck_version"]):
        assert value in appendix and value not in body
    assert "| 期间末日顺延 | 适用（《中华人民共和国民法典》第二百零三条） |" in body
    assert "- 起算日不计入" in body  # readings applied, by title
    assert "| `start-day-not-counted` | **起算日不计入**" in appendix


def test_roll_over_shows_holidays_strict_and_rolled_due(rule_examples: Path) -> None:
    case = rule_examples / "LC1003-due-on-national-day-rolls-over.yaml"
    _, markdown = check(str(case), "--as-of", AS_OF, "--format", "markdown")
    assert "### 提示（1）" in markdown
    assert "| 原届满日（未顺延） | 2025年10月5日 |" in markdown and "| 顺延后届满日 | 2025年10月9日 |" in markdown
    assert "2025年10月1日（国庆节）" in markdown and "2025年10月6日（中秋节）" in markdown
    assert "原届满日（未顺延）为2025年10月5日，因末日为法定休假日顺延至2025年10月9日" in markdown
    assert "| 结论 | 仅因期末顺延而按期 |" in markdown
    _, english = check(str(case), "--as-of", AS_OF, "--format", "markdown", "--no-roll-over", "--lang", "en")
    assert "| Roll-over | does not apply |" in english and "### Violations (1)" in english


def test_pending_docket_and_open_deadlines() -> None:
    case = str(EXAMPLES / "open-docket.yaml")
    _, markdown = check(case, "--as-of", "2025-11-28", "--format", "markdown")
    assert "### 待办事项（1）" in markdown and "| 2025年12月11日（星期四） | 13日 |" in markdown
    _, later = check(case, "--as-of", "2025-12-31", "--format", "markdown")
    assert "| 截至该日仍未完成 | 2025年12月31日 |" in later and "| 结论 | 逾期未完成 |" in later


def test_english_quotes_the_chinese_original_and_our_translation() -> None:
    _, markdown = check(str(EXAMPLES / "violating-late-forward.yaml"), "--as-of", AS_OF, "--format", "markdown",
                        "--lang", "en")
    assert "**Provision** Regulations on Petition Work (2022), Art. 22(1)" in markdown
    assert "*Chinese original*" in markdown and "*Our translation (unofficial)*" in markdown
    assert "> 各级党委和政府信访部门收到信访事项" in markdown
    assert "> Upon receiving a petition matter" in markdown
    assert "| Due date before roll-over | 18 June 2025 |" in markdown and "| Late by | 2 days |" in markdown
    assert "- event 1 (received, 3 June 2025, " in markdown


def test_batch_summary_ranks_cases_counts_rules_and_agencies() -> None:
    _, markdown = check(str(EXAMPLES), "--as-of", AS_OF, "--format", "markdown")
    _, raw = check(str(EXAMPLES), "--as-of", AS_OF, "--format", "json")
    reports = json.loads(raw)["reports"]
    ranked = re.findall(r"^\| \[([^\]]+)\]\(#(case-\d+)\) \| (\d+) \| (\d+) \| (\d+) \| (\d+) \| (\d+) \|", markdown,
                        flags=re.M)
    assert len(ranked) == len(reports)
    # Violations first, then what may be a violation (undetermined), then warnings, notices, pending.
    keys = [(-int(v), -int(u), -int(w), -int(n), -int(p)) for _, _, v, w, n, p, u in ranked]
    assert keys == sorted(keys), "most serious first"
    assert any(int(u) for *_, u in ranked)  # the examples include an undetermined case
    anchors = set(sections(markdown))
    assert {anchor for _, anchor, *_ in ranked} == anchors
    by_rule = dict(re.findall(r"^\| (LC\d{4}) \| [^|]+ \| (\d+) \|", markdown, flags=re.M))
    violations = Counter(f["rule_id"] for r in reports for f in r["findings"] if f["severity"] == "violation")
    assert {rule: int(n) for rule, n in by_rule.items() if int(n)} == dict(violations)
    assert "### 按机关统计" in markdown and "| 临江市河西区信访局 |" in markdown
    single = check(str(EXAMPLES / "violating-late-forward.yaml"), "--as-of", AS_OF, "--format", "markdown")[1]
    assert "## 汇总" not in single


def test_rejected_files_listed_with_file_line_and_field(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    text = (EXAMPLES / "violating-late-forward.yaml").read_text(encoding="utf-8")
    text = text.replace("agency_registry: _agencies.yaml", f"agency_registry: {EXAMPLES / '_agencies.yaml'}")
    bad.write_text(text.replace("date: 2025-06-20", "date: 2025-06-31"), encoding="utf-8")
    code, markdown = check(str(bad), str(EXAMPLES / "open-docket.yaml"), "--as-of", AS_OF, "--format", "markdown")
    assert code == 2
    line = next(i for i, l in enumerate(text.splitlines(), 1) if "2025-06-20" in l)
    assert re.search(rf"^\| {re.escape(md(str(bad)))} \| {line} \| \d+ \| events\\\[2\\\]\.date \| 输入错误："
                     r"日期 '2025-06-31' 无效", markdown, flags=re.M), markdown  # in the report's language


HOSTILE: dict[str, Any] = {
    "id": "X|<script>alert('id')</script>",
    "title": "# 标题\n- 列表 | `code` [link](http://example.invalid) <img src=x onerror=alert(1)>",
    "channel": "letter",
    "category": "complaint",
    "petitioners": [{"name": "*王五*", "address": "某县"}],
    "content": {"request": "<script>alert('content')</script>\n1. 第一", "facts": "a | b\n\n## injected"},
    "agencies": [{"id": "pb", "name": "<b>县信访局</b>|", "level": "county", "kind": "petition_bureau"}],
    "events": [{"kind": "received", "date": "2025-03-03", "agency": "pb", "note": "x\n# y"}],
}


def test_case_text_is_inert(tmp_path: Path) -> None:
    case = tmp_path / "hostile.yaml"
    case.write_text(yaml.safe_dump(HOSTILE, allow_unicode=True), encoding="utf-8")
    _, markdown = check(str(case), "--as-of", AS_OF, "--format", "markdown")
    assert "<script" not in markdown and "<img" not in markdown and "<b>" not in markdown
    assert "&lt;script&gt;alert('content')&lt;/script&gt;<br>1\\. 第一" in markdown
    assert "\\# 标题<br>\\- 列表 \\| \\`code\\` \\[link\\](http://example.invalid)" in markdown
    assert not re.search(r"^#+ (y|injected)", markdown, flags=re.M)
    assert "&lt;b&gt;县信访局&lt;/b&gt;\\|" in markdown
    # Every row of every table has as many columns as its header: a "|" in case text is escaped.
    tables = re.findall(r"(?:^\|.*\n)+", markdown, flags=re.M)
    assert len(tables) >= 5
    for table in tables:
        assert len({len(re.findall(r"(?<!\\)\|", row)) for row in table.splitlines()}) == 1, table


def test_md_escaping() -> None:
    assert md("a|b") == "a\\|b"
    assert md("<x> & y") == "&lt;x&gt; &amp; y"
    assert md("# h\n- l\n1. n\n2) m") == "\\# h<br>\\- l<br>1\\. n<br>2\\) m"
    assert md("0.1.0 and 2025-06-03") == "0.1.0 and 2025-06-03"  # only a block-opening marker is escaped
    assert md("*a* _b_ `c` [d] ~e~") == "\\*a\\* \\_b\\_ \\`c\\` \\[d\\] \\~e\\~"


def test_holidays_crossed_are_named_in_the_reports_language() -> None:
    example = str(EXAMPLES / "violating-objection-after-holiday.yaml")
    _, english = check(example, "--as-of", AS_OF, "--format", "markdown", "--lang", "en")
    row = next(line for line in english.splitlines() if line.startswith("| Holidays crossed |"))
    assert "1 October 2025 (National Day)" in row and "6 October 2025 (Mid-autumn Festival)" in row
    assert not re.search(r"[\u4e00-\u9fff]", row), row
    _, chinese = check(example, "--as-of", AS_OF, "--format", "markdown")
    assert "2025年10月1日（国庆节）" in chinese and "2025年10月6日（中秋节）" in chinese
