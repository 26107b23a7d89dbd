"""The article coverage map: no provision is silently skipped, and no reason goes stale."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest
import yaml

from legalcheck._cli import main
from legalcheck._core.errors import RuleError
from legalcheck._core.paths import data_dir
from legalcheck._law.coverage import (
    ENCODED,
    LIABILITY_ONLY,
    MISSING,
    PARTLY_ENCODED,
    Coverage,
    build_coverage,
    coverage,
    load_coverage,
    render_markdown,
)
from legalcheck._law.duties import load_duties
from legalcheck._law.regulations import load_corpus
from legalcheck._law.rules import load_ruleset

ROOT = Path(__file__).resolve().parents[2]
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
    art22 = units[(22, 1)]  # partly: item 1's proposal to the Party committee and government is not recorded
    assert art22.status == PARTLY_ENCODED and "LC1003" in art22.rules  # type: ignore[attr-defined]
    assert units[(20, 3)].status == ENCODED  # type: ignore[attr-defined]
    art43 = units[(43, 1)]
    assert art43.status == LIABILITY_ONLY and "LC1001" in art43.liability_rules  # type: ignore[attr-defined]
    old = _units(cov, "xftl-2005")
    # every duty encoded: the reviewing organ is judged, or undetermined when the registry lacks the superior
    assert old[(34, 1)].status == ENCODED and "LC5014" in old[(34, 1)].rules  # type: ignore[attr-defined]
    assert old[(51, 1)].status == "commencement"  # type: ignore[attr-defined]


def test_the_beijing_table_covers_all_its_articles(cov: Coverage) -> None:
    units = _units(cov, "beijing-2006")
    inst = CORPUS.instrument("beijing-2006")
    assert len(inst.articles) == 70
    assert set(units) == {(a.number, p.number) for a in inst.articles for p in a.paragraphs}
    assert units[(50, 4)].status == ENCODED  # type: ignore[attr-defined]
    assert units[(1, 1)].status == "purpose"  # type: ignore[attr-defined]
    assert units[(52, 2)].status == "indeterminate-period"  # type: ignore[attr-defined]
    # Concrete provisions the pack does not encode say so; they are not counted as reasoned away.
    assert units[(34, 1)].status == "local-not-encoded"  # type: ignore[attr-defined]
    summary = next(i for i in cov.instruments if i.id == "beijing-2006").summary()
    assert summary["articles"]["total"] == 70 and summary["articles"][MISSING] == 0
    assert summary["articles"]["not-encoded"] > 0


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
    (location, message), = [(p.location, p.message) for p in info.value.problems]
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


# --- coverage per duty (rules/duties.yaml) --------------------------------------------------------


def _duties_copy(tmp_path: Path) -> Path:
    target = tmp_path / "duties.yaml"
    shutil.copy(data_dir("rules") / "duties.yaml", target)
    return target


def _duty_problems(path: Path) -> list[str]:
    cov = build_coverage(RULESET, CORPUS, load_coverage(), duties=load_duties(path))
    return list(cov.problems)


def _duty(cov: Coverage, instrument: str, article: int, paragraph: int, fragment: str) -> object:
    unit = _units(cov, instrument)[(article, paragraph)]
    (duty,) = [d for d in unit.duties if fragment in d.text]  # type: ignore[attr-defined]
    return duty


@pytest.mark.parametrize("instrument", ["xfgz-2022", "xftl-2005"])
def test_every_paragraph_is_split_into_duties(cov: Coverage, instrument: str) -> None:
    spec = load_duties()
    inst = CORPUS.instrument(instrument)
    listed = {(e.article, e.paragraph) for e in spec.instruments[instrument]}
    assert listed == {(a.number, p.number) for a in inst.articles for p in a.paragraphs}
    # Every paragraph with an 应当 / 不得 / 不予 clause has at least one duty.
    for article in inst.articles:
        for para in article.paragraphs:
            text = para.zh + "".join(i.zh for i in para.items)
            if any(word in text for word in ("应当", "不得", "不予")):
                unit = _units(cov, instrument)[(article.number, para.number)]
                assert unit.duties, (instrument, article.number, para.number)  # type: ignore[attr-defined]


def test_a_paragraph_with_no_duty_entry_fails(tmp_path: Path) -> None:
    path = _duties_copy(tmp_path)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["instruments"]["xfgz-2022"] = [e for e in data["instruments"]["xfgz-2022"]
                                        if (e["article"], e["paragraph"]) != (23, 1)]
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    problems = _duty_problems(path)
    assert any("xfgz-2022 Art. 23(1): no duty entry" in p for p in problems), problems


def test_an_encoded_duty_whose_rule_does_not_cite_the_paragraph_fails(tmp_path: Path) -> None:
    path = _duties_copy(tmp_path)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    entry = next(e for e in data["instruments"]["xfgz-2022"] if (e["article"], e["paragraph"]) == (23, 1))
    told = next(d for d in entry["duties"] if "告知信访人接收情况" in d["text"])
    told.update(status="encoded", rules=["LC1003"])  # LC1003 cites Art. 22(1), not Art. 23(1)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    problems = _duty_problems(path)
    assert any("LC1003 is named for this duty but does not cite xfgz-2022 Art. 23(1)" in p for p in problems), problems


def test_a_citing_rule_mapped_to_no_duty_fails(tmp_path: Path) -> None:
    path = _duties_copy(tmp_path)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    entry = next(e for e in data["instruments"]["xftl-2005"] if (e["article"], e["paragraph"]) == (34, 1))
    entry["duties"] = [d for d in entry["duties"] if "LC5014" not in d.get("rules", [])]
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    problems = _duty_problems(path)
    assert any("LC5014 cites this paragraph but no duty names it" in p for p in problems), problems


def test_a_duty_text_not_in_the_paragraph_fails(tmp_path: Path) -> None:
    path = _duties_copy(tmp_path)
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("应当予以登记", "应当立即登记", 1), encoding="utf-8")
    assert any("the duty's text is not in the paragraph" in p for p in _duty_problems(path))


def test_a_duty_with_the_wrong_fields_for_its_status_is_refused_with_its_line(tmp_path: Path) -> None:
    path = _duties_copy(tmp_path)
    lines = path.read_text(encoding="utf-8").split("\n")
    index = next(i for i, line in enumerate(lines) if "status: not-checkable" in line)
    lines[index] = lines[index].replace("not-checkable", "encoded")
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(RuleError) as info:
        load_duties(path)
    ((location, message),) = [(p.location, p.message) for p in info.value.problems]
    assert location.file == str(path) and location.line is not None and index + 1 - 4 <= location.line <= index + 1
    assert location.field is not None and location.field.startswith("instruments.")
    assert "names the rules that check it" in message


# The paragraphs the coverage review named as overstated: each now says which duty is not checked,
# and the duties encoded since (第二十三条第一款 in full, the 2005 rules) say which rules check them.
@pytest.mark.parametrize(("instrument", "article", "paragraph", "fragment", "status"), [
    ("xfgz-2022", 23, 1, "应当予以登记", "encoded"),
    ("xfgz-2022", 23, 1, "应当告知信访人接收情况以及处理途径和程序", "encoded"),
    ("xfgz-2022", 23, 1, "并告知信访人转送、交办去向", "encoded"),
    ("xfgz-2022", 23, 1, "应当告知信访人向有权处理的机关、单位提出", "encoded"),
    ("xfgz-2022", 22, 2, "应当转送同级政法部门依法处理", "encoded"),
    ("xfgz-2022", 22, 2, "应当释法明理", "encoded"),
    ("xfgz-2022", 24, 1, "由所涉及的机关、单位协商受理", "encoded"),
    ("xfgz-2022", 31, 1, "应当听取信访人陈述事实和理由", "partly-encoded"),
    ("xfgz-2022", 31, 1, "分别按照下列方式办理", "partly-encoded"),
    ("xfgz-2022", 34, 1, "情况复杂的", "partly-encoded"),
    ("xfgz-2022", 35, 1, "请求原办理机关、单位的上一级机关、单位复查", "encoded"),
    ("xfgz-2022", 36, 1, "向复查机关、单位的上一级机关、单位请求复核", "encoded"),
    ("xftl-2005", 21, 1, "应当予以登记", "encoded"),
    ("xftl-2005", 21, 1, "应当转送有权处理的行政机关", "encoded"),
    ("xftl-2005", 21, 1, "并抄送下一级人民政府信访工作机构", "partly-encoded"),
    ("xftl-2005", 21, 1, "不予受理，但应当告知信访人", "encoded"),
    ("xftl-2005", 23, 1, "不得将信访人的检举、揭发材料", "encoded"),
    ("xftl-2005", 24, 1, "由所涉及的行政机关协商受理", "encoded"),
    ("xftl-2005", 32, 1, "请求事由合理但缺乏法律依据的", "encoded"),
    ("xftl-2005", 32, 1, "请求缺乏事实根据", "encoded"),
    ("xftl-2005", 33, 1, "信访事项应当自受理之日起60日内办结", "encoded"),
    ("xftl-2005", 33, 1, "情况复杂的", "partly-encoded"),
    ("xftl-2005", 34, 1, "请求原办理行政机关的上一级行政机关复查", "encoded"),
    ("xftl-2005", 34, 1, "应当自收到复查请求之日起30日内提出复查意见", "encoded"),
    ("xftl-2005", 35, 1, "向复查机关的上一级行政机关请求复核", "encoded"),
    ("xftl-2005", 35, 1, "应当自收到复核请求之日起30日内提出复核意见", "encoded"),
])
def test_the_overstated_paragraphs_are_honest_per_duty(cov: Coverage, instrument: str, article: int,
                                                       paragraph: int, fragment: str, status: str) -> None:
    assert _duty(cov, instrument, article, paragraph, fragment).status == status  # type: ignore[attr-defined]
    unit = _units(cov, instrument)[(article, paragraph)]
    # A paragraph reads "encoded" only when every one of its duties is.
    all_encoded = all(d.status == "encoded" for d in unit.duties)  # type: ignore[attr-defined]
    assert unit.status == ("encoded" if all_encoded else PARTLY_ENCODED)  # type: ignore[attr-defined]


@pytest.mark.parametrize("fmt", ["text", "markdown", "json"])
def test_cli_coverage_shows_duties_in_every_format(capsys: pytest.CaptureFixture[str],
                                                   monkeypatch: pytest.MonkeyPatch, fmt: str) -> None:
    monkeypatch.setattr(sys, "argv", ["legalcheck", "coverage", "--instrument", "xftl-2005", "--format", fmt])
    with pytest.raises(SystemExit) as info:
        main()
    assert info.value.code in (0, None)
    out = capsys.readouterr().out
    assert "请求原办理行政机关的上一级行政机关复查" in out
    assert "not-encoded" in out and "partly-encoded" in out
    if fmt == "json":
        provisions = json.loads(out)["instruments"][0]["provisions"]
        art34 = next(p for p in provisions if p["article"] == 34)
        assert [d["status"] for d in art34["duties"]] == ["encoded", "encoded"]
        assert art34["duties"][0]["rules"] == ["LC5033", "LC5034"]
        assert art34["duties"][1]["rules"] == ["LC5014"]
