"""The article coverage map: no provision is silently skipped, and no reason goes stale."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest
import yaml

from legalcheck._cli import main
from legalcheck._coverage import (
    ENCODED, LIABILITY_ONLY, MISSING, Coverage, build_coverage, coverage, load_coverage, render_markdown,
)
from legalcheck._errors import RuleError
from legalcheck._paths import data_dir
from legalcheck._regulations import load_corpus
from legalcheck._rules import load_ruleset

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "coverage.md"
RULESET = load_ruleset(data_dir("rules"), data_dir("packs"))
CORPUS = load_corpus()


@pytest.fixture(scope="module")
def cov() -> Coverage:
    return coverage(ruleset=RULESET, corpus=CORPUS)


def _units(cov: Coverage, instrument: str) -> dict[tuple[int, int], object]:
    inst = next(i for i in cov.instruments if i.id == instrument)
    return {(u.article, u.paragraph): u for u in inst.units}


def _spec_copy(tmp_path: Path) -> Path:
    target = tmp_path / "coverage.yaml"
    shutil.copy(data_dir("rules") / "coverage.yaml", target)
    return target


def _edit(path: Path, instrument: str, change: object) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data["instruments"][instrument]["entries"])  # type: ignore[operator]
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


# --- the bundled map ------------------------------------------------------------------------------


def test_every_paragraph_has_a_rule_or_a_reason(cov: Coverage) -> None:
    missing = [p for p in cov.problems if "gives no reason" in p]
    assert not missing, "provisions with neither a rule nor a reason in rules/coverage.yaml:\n" + "\n".join(missing)


def test_no_reason_is_stale(cov: Coverage) -> None:
    stale = [p for p in cov.problems if "stale" in p]
    assert not stale, "rules/coverage.yaml explains provisions that rules now cite:\n" + "\n".join(stale)


def test_map_has_no_other_problems(cov: Coverage) -> None:
    assert cov.ok, "\n".join(cov.problems)


@pytest.mark.parametrize("instrument", ["xfgz-2022", "xftl-2005"])
def test_complete_instruments_list_every_article_and_paragraph(cov: Coverage, instrument: str) -> None:
    inst = CORPUS.instrument(instrument)
    expected = {(a.number, p.number) for a in inst.articles for p in a.paragraphs}
    assert set(_units(cov, instrument)) == expected
    assert all(u.status != MISSING for u in _units(cov, instrument).values())  # type: ignore[attr-defined]


def test_encoded_and_liability_statuses_come_from_the_rules(cov: Coverage) -> None:
    units = _units(cov, "xfgz-2022")
    art22 = units[(22, 1)]
    assert art22.status == ENCODED and "LC1003" in art22.rules  # type: ignore[attr-defined]
    art43 = units[(43, 1)]
    assert art43.status == LIABILITY_ONLY and "LC1001" in art43.liability_rules  # type: ignore[attr-defined]
    old = _units(cov, "xftl-2005")
    assert old[(34, 1)].status == ENCODED and old[(34, 1)].rules == ("LC5014", "LC5033", "LC5034")  # type: ignore[attr-defined]
    assert old[(51, 1)].status == "commencement"  # type: ignore[attr-defined]


def test_pack_instrument_lists_only_what_is_cited_or_explained(cov: Coverage) -> None:
    units = _units(cov, "beijing-2006")
    assert units[(50, 4)].status == ENCODED  # type: ignore[attr-defined]
    assert (1, 1) not in units  # neither cited nor listed
    assert units[(52, 2)].status == "indeterminate-period"  # type: ignore[attr-defined]


def test_every_rule_citation_appears_in_the_map(cov: Coverage) -> None:
    listed = {(i.id, u.article, u.paragraph) for i in cov.instruments for u in i.units}
    for compiled in RULESET.rules:
        for spec in compiled.rule.citations:
            if spec.instrument in {i.id for i in cov.instruments}:
                paragraph = spec.paragraph or 1
                assert (spec.instrument, spec.article, paragraph) in listed, (compiled.rule.id, spec)


def test_docs_coverage_md_is_up_to_date(cov: Coverage) -> None:
    expected = render_markdown(cov)
    assert DOC.is_file(), "run: legalcheck coverage --format markdown -o docs/coverage.md"
    assert DOC.read_text(encoding="utf-8") == expected, \
        "docs/coverage.md is out of date; run: legalcheck coverage --format markdown -o docs/coverage.md"


# --- the checks themselves ------------------------------------------------------------------------


def test_removing_a_reason_leaves_a_gap(tmp_path: Path) -> None:
    path = _spec_copy(tmp_path)
    _edit(path, "xfgz-2022", lambda entries: entries.remove(next(e for e in entries if e["article"] == 49)))
    result = build_coverage(RULESET, CORPUS, load_coverage(path))
    assert any("xfgz-2022 Art. 49 (第四十九条): no rule cites it" in p for p in result.problems)
    assert _units(result, "xfgz-2022")[(49, 1)].status == MISSING  # type: ignore[attr-defined]


def test_a_reason_for_an_encoded_paragraph_is_stale(tmp_path: Path) -> None:
    path = _spec_copy(tmp_path)
    note = {"zh": "过时的理由", "en": "a stale reason"}
    _edit(path, "xfgz-2022", lambda entries: entries.append(
        {"article": 22, "paragraph": 1, "reason": "principle", "note": note}))
    result = build_coverage(RULESET, CORPUS, load_coverage(path))
    assert any("stale" in p and "Art. 22(1)" in p and "LC1003" in p for p in result.problems)


def test_a_reason_for_a_liability_provision_is_stale(tmp_path: Path) -> None:
    path = _spec_copy(tmp_path)
    note = {"zh": "责任条款", "en": "liability"}
    _edit(path, "xftl-2005", lambda entries: entries.append({"article": 41, "reason": "principle", "note": note}))
    result = build_coverage(RULESET, CORPUS, load_coverage(path))
    assert any("stale" in p and "Art. 41" in p for p in result.problems)


def test_an_article_reason_is_stale_once_any_paragraph_is_cited(tmp_path: Path) -> None:
    path = _spec_copy(tmp_path)

    def widen(entries: list[dict[str, object]]) -> None:
        entries[:] = [e for e in entries if e["article"] != 20]
        entries.append({"article": 20, "reason": "principle", "note": {"zh": "整条", "en": "whole article"}})

    _edit(path, "xfgz-2022", widen)
    result = build_coverage(RULESET, CORPUS, load_coverage(path))
    assert any("stale" in p and "Art. 20" in p and "paragraph(s) 1, 2, 3" in p for p in result.problems)


def test_an_unknown_reason_code_is_refused_with_its_line(tmp_path: Path) -> None:
    path = _spec_copy(tmp_path)
    _edit(path, "xfgz-2022", lambda entries: entries[0].update(reason="too-hard"))
    with pytest.raises(RuleError) as info:
        load_coverage(path)
    (location, message), = info.value.problems
    assert location.line is not None and "unknown reason 'too-hard'" in message


def test_derived_statuses_cannot_be_written_as_reasons(tmp_path: Path) -> None:
    path = _spec_copy(tmp_path)
    _edit(path, "xfgz-2022", lambda entries: entries[0].update(reason=LIABILITY_ONLY))
    with pytest.raises(RuleError, match="derived from the rules"):
        load_coverage(path)


def test_a_provision_that_does_not_exist_is_reported(tmp_path: Path) -> None:
    path = _spec_copy(tmp_path)
    note = {"zh": "不存在", "en": "does not exist"}
    _edit(path, "xfgz-2022", lambda entries: entries.append({"article": 99, "reason": "principle", "note": note}))
    result = build_coverage(RULESET, CORPUS, load_coverage(path))
    assert any("Art. 99: no such provision" in p for p in result.problems)


# --- the command ----------------------------------------------------------------------------------


def _run(args: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    monkeypatch.setattr(sys, "argv", ["legalcheck", *args])
    with pytest.raises(SystemExit) as info:
        main()
    code = info.value.code
    return (code if isinstance(code, int) else 0), capsys.readouterr().out


def test_cli_json_lists_every_2022_provision(capsys: pytest.CaptureFixture[str],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    code, out = _run(["coverage", "--instrument", "xfgz-2022", "--format", "json"], capsys, monkeypatch)
    assert code == 0
    document = json.loads(out)
    (inst,) = document["instruments"]
    assert inst["id"] == "xfgz-2022"
    total = sum(len(a.paragraphs) for a in CORPUS.instrument("xfgz-2022").articles)
    assert len(inst["provisions"]) == inst["summary"]["paragraphs"]["total"] == total
    first = inst["provisions"][0]
    assert first["label"]["zh"] == "第一条" and first["status"] == "purpose" and first["note"]["en"]


def test_cli_text_names_rules_and_reasons(capsys: pytest.CaptureFixture[str],
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    code, out = _run(["coverage", "--instrument", "xftl-2005"], capsys, monkeypatch)
    assert code == 0
    assert "第三十四条" in out and "LC5014" in out and "commencement" in out
    assert "xfgz-2022" not in out


def test_cli_unknown_instrument_is_bad_input(capsys: pytest.CaptureFixture[str],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    code, _ = _run(["coverage", "--instrument", "nope"], capsys, monkeypatch)
    assert code == 2
