"""Every report names the instruments that governed the case's acts, and what selected them.

"Governed" is the act-by-act selection (reading instrument-by-date-of-act): the instruments whose
rules (national, or a selected pack's) were in force on the date of at least one act the case
records up to the as-of date. It holds for clean reports too, in every format.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from conftest import CliRun, make_case
from legalcheck import Evaluator
from legalcheck._core.errors import RuleError
from legalcheck._core.paths import data_dir
from legalcheck._law.rules import load_ruleset
from legalcheck._model.case import Case

ROOT = Path(__file__).resolve().parents[2]
CLEAN = str(ROOT / "examples" / "compliant-direct-letter.yaml")


def forwarded_case(case_id: str, events: list[dict[str, Any]], **fields: Any) -> Case:
    """A case whose competent agency is the one its matter is forwarded to (county-hrss)."""
    return make_case(case_id, events, competent_agencies=["county-hrss"], **fields)


def forwarded(received: str, forwarded_on: str) -> list[dict[str, Any]]:
    return [{"kind": "received", "date": received, "agency": "county-pb"},
            {"kind": "registered", "date": received, "agency": "county-pb"},
            {"kind": "forwarded", "date": forwarded_on, "agency": "county-pb", "to": "county-hrss"}]


def test_a_clean_2025_case_names_the_2022_regulations_and_hashes_their_text(evaluator: Evaluator) -> None:
    report = evaluator.check(forwarded_case("clean-2025", forwarded("2025-06-03", "2025-06-10")),
                             as_of=dt.date(2025, 12, 1))
    assert report.findings == () and report.compliant
    (governing,) = report.governing
    assert (governing.instrument, governing.pack) == ("xfgz-2022", None)
    assert governing.in_force_from == dt.date(2022, 5, 1) and governing.in_force_until is None
    assert governing.from_source is not None and governing.from_source.label.zh == "《信访工作条例》第五十条"
    assert (governing.acts, governing.first_act, governing.last_act) == (3, dt.date(2025, 6, 3), dt.date(2025, 6, 10))
    assert report.instruments == ("xfgz-2022",)
    assert [i for i, _ in report.regulations_sha256] == ["xfgz-2022"]
    # Why the 2005 Regulations did not govern: the act-by-act reading and the reading on their end.
    assert report.selection_readings == ("instrument-by-date-of-act", "xftl-2005-until-2022-04-30")
    assert {"instrument-by-date-of-act", "xftl-2005-until-2022-04-30"} <= {r.id for r in report.readings}


def test_every_report_names_the_standing_readings_whatever_it_finds(evaluator: Evaluator) -> None:
    standing = tuple(r.id for r in load_ruleset(data_dir("rules")).readings.values() if r.standing)
    assert standing == ("exceptional-circumstances-recorded-when-present",)
    clean = evaluator.check(forwarded_case("clean", forwarded("2025-06-03", "2025-06-10")), as_of=dt.date(2025, 12, 1))
    late = evaluator.check(forwarded_case("late", forwarded("2025-06-03", "2025-07-30")), as_of=dt.date(2025, 12, 1))
    assert clean.compliant and not late.compliant
    for report in (clean, late):
        assert report.standing_readings == standing
        assert set(standing) <= {r.id for r in report.readings}


def test_a_clean_2021_case_rests_the_end_of_the_2005_regulations_on_a_reading(evaluator: Evaluator) -> None:
    report = evaluator.check(forwarded_case("clean-2021", forwarded("2021-03-01", "2021-03-05")),
                             as_of=dt.date(2021, 12, 1))
    assert report.findings == ()
    (governing,) = report.governing
    assert governing.instrument == "xftl-2005"
    assert governing.in_force_until == dt.date(2022, 4, 30)
    assert governing.until_source is None and governing.until_reading == "xftl-2005-until-2022-04-30"
    assert governing.from_source is not None and governing.from_source.label.zh == "《信访条例》第五十一条"
    assert report.selection_readings == ("instrument-by-date-of-act", "xftl-2005-until-2022-04-30")
    assert [i for i, _ in report.regulations_sha256] == ["xftl-2005"]


def test_a_matter_straddling_2022_05_01_is_governed_by_both_act_by_act(evaluator: Evaluator) -> None:
    report = evaluator.check(forwarded_case("straddle", forwarded("2022-04-25", "2022-05-05")),
                             as_of=dt.date(2022, 12, 1))
    assert [(g.instrument, g.acts) for g in report.governing] == [("xftl-2005", 2), ("xfgz-2022", 1)]
    assert report.instruments == ("xfgz-2022", "xftl-2005")
    assert dict(report.regulations_sha256).keys() == {"xfgz-2022", "xftl-2005"}


def test_a_beijing_case_names_the_pack_with_its_reading(evaluator: Evaluator) -> None:
    report = evaluator.check(forwarded_case("bj-2021", forwarded("2021-03-01", "2021-03-05"), province="北京市"),
                             as_of=dt.date(2021, 12, 1))
    assert [(g.instrument, g.pack) for g in report.governing] == [("xftl-2005", None), ("beijing-2006", "beijing")]
    beijing = report.governing[1]
    assert beijing.in_force_from == dt.date(2007, 1, 1) and beijing.in_force_until == dt.date(2022, 4, 30)
    assert beijing.from_source is not None and beijing.from_source.label.zh == "《北京市信访条例》第七十条"
    assert beijing.until_reading == "beijing-pack-until-2022-04-30"
    assert "beijing-pack-until-2022-04-30" in report.selection_readings
    assert "beijing-2006" in dict(report.regulations_sha256)


def test_events_after_the_as_of_date_do_not_govern(evaluator: Evaluator) -> None:
    report = evaluator.check(forwarded_case("later", forwarded("2022-04-25", "2022-05-05")), as_of=dt.date(2022, 4, 28))
    assert [g.instrument for g in report.governing] == ["xftl-2005"]


def test_a_case_with_no_act_says_nothing_governed(evaluator: Evaluator) -> None:
    report = evaluator.check(forwarded_case("empty", []), as_of=dt.date(2025, 12, 1))
    assert report.governing == () and report.selection_readings == ()


@pytest.mark.parametrize("fmt", ["text", "markdown", "html"])
def test_every_human_format_names_the_governing_instrument_of_a_clean_case(cli: CliRun, fmt: str) -> None:
    code, out, _ = cli("check", CLEAN, "--as-of", "2025-12-01", "--format", fmt)
    assert code == 0
    assert "适用的规定" in out
    assert "《信访工作条例》：其规则适用于2022年5月1日以后的行为（起始日依据《信访工作条例》第五十条）" in out
    assert "按每一行为的日期选择适用的规定" in out  # the reading, by its title
    # A clean verdict rests on taking unrecorded exceptional circumstances as absent: it says so.
    assert "每项检查所依口径" in out and "例外情形以案卷记载为准，未记载的视为不存在" in out
    code, out, _ = cli("check", CLEAN, "--as-of", "2025-12-01", "--format", fmt, "--lang", "en")
    assert "Regulations on Petition Work (2022): its rules apply to acts from 1 May 2022" in out


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_json_receipts_of_a_clean_case_name_and_hash_the_governing_instrument(cli: CliRun, fmt: str) -> None:
    code, out, _ = cli("check", CLEAN, "--as-of", "2025-12-01", "--format", fmt)
    assert code == 0
    report = json.loads(out)["reports"][0] if fmt == "json" else json.loads(out.splitlines()[0])
    assert report["findings"] == []
    assert report["instruments"] == ["xfgz-2022"]
    assert [name for name, _ in report["regulations_sha256"]] == ["xfgz-2022"]
    assert report["governing"][0]["instrument"] == "xfgz-2022"
    assert report["governing"][0]["from_source"]["label"]["zh"] == "《信访工作条例》第五十条"
    assert report["selection_readings"][0] == "instrument-by-date-of-act"
    assert report["standing_readings"] == ["exceptional-circumstances-recorded-when-present"]
    assert "exceptional-circumstances-recorded-when-present" in {r["id"] for r in report["readings"]}


def test_an_instrument_whose_rules_end_needs_a_source_or_a_reading(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(data_dir("rules"), rules)
    ruleset_file = rules / "ruleset.yaml"
    text = ruleset_file.read_text(encoding="utf-8")
    ruleset_file.write_text(text.replace("    until_reading: xftl-2005-until-2022-04-30\n", ""), encoding="utf-8")
    with pytest.raises(RuleError) as info:
        load_ruleset(rules, data_dir("packs"))
    assert any("give until_source or until_reading for xftl-2005" in message
               and loc.file == str(ruleset_file) and loc.field == "instruments.xftl-2005"
               for loc, message in ((p.location, p.message) for p in info.value.problems))


def test_an_unknown_reading_for_an_end_is_refused(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(data_dir("rules"), rules)
    ruleset_file = rules / "ruleset.yaml"
    text = ruleset_file.read_text(encoding="utf-8")
    ruleset_file.write_text(text.replace("until_reading: xftl-2005-until-2022-04-30",
                                         "until_reading: xftl-2005-until-2022-04-31"), encoding="utf-8")
    with pytest.raises(RuleError) as info:
        load_ruleset(rules, data_dir("packs"))
    assert any("unknown reading 'xftl-2005-until-2022-04-31'" in message
               and loc.field == "instruments.xftl-2005.until_reading" for loc, message in ((p.location, p.message) for p in info.value.problems))
