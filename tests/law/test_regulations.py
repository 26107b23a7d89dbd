"""The regulations corpus: YAML against the verbatim sources, dates, citations, loader errors."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from legalcheck._core.errors import RegulationError
from legalcheck._core.paths import data_dir
from legalcheck._law.regulations import (
    Corpus,
    Instrument,
    Provision,
    chinese_numeral,
    default_corpus,
    load_corpus,
    parse_chinese_numeral,
    parse_label_zh,
)

REGULATIONS = data_dir("regulations")

SOURCES = {  # instrument id -> (source file, sha256 of the verbatim official text)
    "xfgz-2022": ("xinfang-gongzuo-tiaoli-2022.md", "14885b8a6157d5092a21d8e242b9eb2c427ed64496da57a4e11cdfd043dd1869"),
    "xftl-2005": ("xinfang-tiaoli-2005.md", "496881b32cfd872dbaa32cbc039cb0827b1a1968319fcfa2b59ef1724a9db67a"),
    "beijing-2006": ("beijing-xinfang-tiaoli.md", "650b528dda5168135f120478f54dd0534a6be5c924852412db5c8eb0bd733cbc"),
    "shanghai-2018": ("shanghai-xinfang-tiaoli-2018.md",
                      "d3c47621c65319798867729ddfc14a54b2b078f1d9d6cd77c8f747e43a2f4984"),
    "minfadian-2020": ("minfadian-qijian.md", "4957c0eb196d25af2f7b99202526dc85c3da9354e66a7f900e34fc67b9f451cc"),
}


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    return load_corpus()


# --------------------------------------------------------------------------- the source, parsed here

_ARTICLE_START = re.compile(r"^(第[一二三四五六七八九十百零千]+条) ")


@dataclass
class SourceArticle:
    label: str
    text: str
    chapter: str | None
    section: str | None
    lines: list[str] = field(default_factory=list)


def parse_source(path: Path) -> list[SourceArticle]:
    """Split a source into article blocks: from a line starting 第X条 up to the next article or heading.

    Text after a heading and before the first article is the rest of the heading (the Beijing
    source splits one chapter title over two lines)."""
    lines = path.read_text(encoding="utf-8").split("\n")
    if "<!-- INFO END -->" in lines:
        lines = lines[lines.index("<!-- INFO END -->") + 1:]
    articles: list[SourceArticle] = []
    chapter = section = None
    heading_kind: str | None = None
    current: SourceArticle | None = None
    for line in lines:
        if line.startswith("#"):
            title = " ".join(line.lstrip("#").split())
            heading_kind = "section" if re.match(r"^第.+节", title) else "chapter"
            if heading_kind == "chapter":
                chapter, section = title, None
            else:
                section = title
            current = None
            continue
        match = _ARTICLE_START.match(line)
        if match:
            current = SourceArticle(match.group(1), "", chapter, section, [line])
            articles.append(current)
            heading_kind = None
        elif current is not None:
            current.lines.append(line)
        elif line.strip():
            assert heading_kind is not None, f"{path.name}: text outside any article: {line!r}"
            if heading_kind == "chapter":
                chapter = f"{chapter}{line.strip()}"
            else:
                section = f"{section}{line.strip()}"
    for article in articles:
        article.text = "\n".join(article.lines).rstrip("\n")
    return articles


def reconstruct(inst: Instrument, number: int) -> str:
    """An article as the source lays it out: label, space, blocks separated by blank lines."""
    article = inst.article(number)
    assert article is not None
    blocks: list[str] = []
    for paragraph in article.paragraphs:
        blocks.append(paragraph.zh)
        for item in paragraph.items:
            blocks.append(inst.marker(item.number) + item.zh.replace("\n", "\n\n"))
    return f"第{chinese_numeral(number)}条 " + "\n\n".join(blocks)


# --------------------------------------------------------------------------- (a) YAML == source


def test_every_instrument_has_its_source(corpus: Corpus) -> None:
    assert set(corpus.ids) == set(SOURCES)
    for inst in corpus:
        file_name, digest = SOURCES[inst.id]
        assert inst.source == f"sources/{file_name}"
        assert inst.source_path == REGULATIONS / "sources" / file_name
        assert inst.source_sha256 == digest == hashlib.sha256(inst.source_path.read_bytes()).hexdigest()


@pytest.mark.parametrize("instrument_id", sorted(SOURCES))
def test_articles_reconstruct_source_exactly(corpus: Corpus, instrument_id: str) -> None:
    inst = corpus.instrument(instrument_id)
    source = parse_source(inst.source_path)
    assert [a.label for a in source] == [f"第{chinese_numeral(a.number)}条" for a in inst.articles]
    for src, article in zip(source, inst.articles):
        assert reconstruct(inst, article.number) == src.text, f"{instrument_id} {src.label}"
        assert article.chapter.zh == src.chapter, f"{instrument_id} {src.label}"
        assert (article.section.zh if article.section else None) == src.section, f"{instrument_id} {src.label}"


def test_source_parser_sees_split_beijing_heading(corpus: Corpus) -> None:
    source = parse_source(corpus.instrument("beijing-2006").source_path)
    art29 = next(a for a in source if a.label == "第二十九条")
    assert art29.chapter == "第五章 人民代表大会及其常务委员会信访事项的受理和办理"


def test_ambiguous_structures(corpus: Corpus) -> None:
    # 2022 Art. 22: lead-in + items 1-3, then a second paragraph.
    art22 = corpus.instrument("xfgz-2022").article(22)
    assert art22 is not None
    assert [len(p.items) for p in art22.paragraphs] == [3, 0]
    assert art22.paragraphs[1].zh.startswith("各级党委和政府信访部门对收到的涉法涉诉信件")
    # 2005 Art. 21: the block between items (三) and (四) continues item 3; 前款 = paragraph 1.
    art21 = corpus.instrument("xftl-2005").article(21)
    assert art21 is not None
    assert [len(p.items) for p in art21.paragraphs] == [4, 0]
    assert art21.paragraphs[0].items[2].zh.split("\n")[1].startswith("县级以上人民政府信访工作机构要定期")
    assert art21.paragraphs[1].zh.startswith("按照前款第(二)项至第(四)项规定")
    # Shanghai Art. 45: two paragraphs, each with its own items 1-5.
    art45 = corpus.instrument("shanghai-2018").article(45)
    assert art45 is not None
    assert [len(p.items) for p in art45.paragraphs] == [5, 5]
    # 2005 Art. 6: items belong to paragraph 2.
    art6 = corpus.instrument("xftl-2005").article(6)
    assert art6 is not None and [len(p.items) for p in art6.paragraphs] == [0, 6]


def test_cross_references_resolve(corpus: Corpus) -> None:
    """Every 本条例第X条[第X款][第X项] in the texts points at something that exists."""
    pattern = re.compile(r"本条例((?:第[一二三四五六七八九十百零]+条)(?:第[一二三四五六七八九十]+款)?"
                         r"(?:第[一二三四五六七八九十]+项)?)")
    seen = 0
    for inst in corpus:
        for article in inst.articles:
            for paragraph in article.paragraphs:
                for text in [paragraph.zh] + [item.zh for item in paragraph.items]:
                    for label in pattern.findall(text):
                        corpus.resolve(inst, *parse_label_zh(label))
                        seen += 1
    assert seen >= 8


# --------------------------------------------------------------------------- (b) dates and counts


def test_instrument_metadata(corpus: Corpus) -> None:
    new = corpus.instrument("xfgz-2022")
    assert (new.promulgated, new.effective_from, new.effective_until) == (date(2022, 2, 25), date(2022, 5, 1), None)
    assert new.short.zh == "《信访工作条例》" and new.short.en == "Regulations on Petition Work (2022)"
    assert len(new.articles) == 50 and new.item_marker == "fullwidth"
    old = corpus.instrument("xftl-2005")
    assert (old.promulgated, old.effective_from, old.effective_until) == (
        date(2005, 1, 10), date(2005, 5, 1), date(2022, 4, 30))
    assert len(old.articles) == 51 and old.item_marker == "ascii"
    assert old.document_number is not None and "第431号" in old.document_number.zh
    assert len(corpus.instrument("beijing-2006").articles) == 70
    assert corpus.instrument("beijing-2006").effective_from == date(2007, 1, 1)
    assert len(corpus.instrument("shanghai-2018").articles) == 53
    civil = corpus.instrument("minfadian-2020")
    assert [a.number for a in civil.articles] == [200, 201, 202, 203, 204] and civil.extract
    assert civil.effective_from == date(2021, 1, 1)


def test_in_force(corpus: Corpus) -> None:
    pair = ["xfgz-2022", "xftl-2005"]
    assert corpus.instrument_in_force(date(2022, 4, 30), pair).id == "xftl-2005"
    assert corpus.instrument_in_force(date(2022, 5, 1), pair).id == "xfgz-2022"
    with pytest.raises(RegulationError, match="found none"):
        corpus.instrument_in_force(date(2004, 1, 1), pair)
    assert not corpus.instrument("xftl-2005").in_force_on(date(2022, 5, 1))


def test_default_corpus_is_cached() -> None:
    assert load_corpus() is default_corpus() is load_corpus()


# --------------------------------------------------------------------------- (c) resolve


def test_resolve_item_of_single_paragraph_article(corpus: Corpus) -> None:
    for p in (corpus.resolve("xfgz-2022", 44, item=2), corpus.resolve("xfgz-2022", 44, 1, 2),
              corpus.resolve_citation("《信访工作条例》第四十四条第二项")):
        assert p.zh == "对属于其职权范围的信访事项不予受理；"
        assert p.label_zh == "第四十四条第二项" and p.cite_zh == "《信访工作条例》第四十四条第二项"
        assert p.label_en == "Art. 44(1)(2)"
        assert p.cite_en == "Regulations on Petition Work (2022), Art. 44(1)(2)"
        assert p.en == "refusing to accept a petition matter within its remit;"


def test_resolve_paragraphs_and_items(corpus: Corpus) -> None:
    p = corpus.resolve("xfgz-2022", 23, 3)
    assert p.label_zh == "第二十三条第三款" and p.label_en == "Art. 23(3)"
    assert p.zh.startswith("对党委和政府信访部门或者本系统上级机关、单位转送、交办的信访事项")
    assert "5个工作日内提出异议" in p.zh
    p = corpus.resolve("xfgz-2022", 22, 2)
    assert p.cite_zh == "《信访工作条例》第二十二条第二款"
    assert p.zh.startswith("各级党委和政府信访部门对收到的涉法涉诉信件")
    p = corpus.resolve("xfgz-2022", 22, 1, 3)
    assert p.cite_zh == "《信访工作条例》第二十二条第一款第三项" and p.label_en == "Art. 22(1)(3)"
    assert p.zh.startswith("对转送信访事项中的重要情况") and not p.zh.startswith("（")
    p = corpus.resolve("xftl-2005", 33)
    assert p.cite_zh == "《信访条例》第三十三条" and p.zh.startswith("信访事项应当自受理之日起60日内办结")
    p = corpus.resolve("minfadian-2020", 203, 1)
    assert p.cite_zh == "《中华人民共和国民法典》第二百零三条第一款" and p.en is not None


def test_resolve_whole_article_joins_paragraphs_with_markers(corpus: Corpus) -> None:
    p = corpus.resolve("xfgz-2022", 22)
    lines = p.zh.split("\n")
    assert len(lines) == 5 and lines[1].startswith("（一）") and lines[3].startswith("（三）")
    assert p.en is not None and p.en.split("\n")[1].startswith("(1) ")
    old = corpus.resolve("xftl-2005", 42, item=3)
    assert old.label_zh == "第四十二条第三项"
    assert corpus.resolve("xftl-2005", 42).zh.split("\n")[3].startswith("(三)")
    assert corpus.resolve("shanghai-2018", 1).en is None  # not translated: no English, no placeholder


def test_resolve_citation_forms(corpus: Corpus) -> None:
    assert corpus.resolve_citation("xfgz-2022 第二十二条第二款").label_zh == "第二十二条第二款"
    assert corpus.resolve_citation("《信访条例》第二十一条第一款第(三)项").item == 3
    assert parse_label_zh("第二十二条第一款第（三）项") == (22, 1, 3)
    assert parse_label_zh("第22条") == (22, None, None)


@pytest.mark.parametrize(("args", "message"), [
    (("xfgz-2022", 22, 3), "《信访工作条例》第二十二条 has 2 paragraphs, not 3"),
    (("xfgz-2022", 51), "《信访工作条例》 has no 第五十一条"),
    (("xfgz-2022", 22, 1, 4), "《信访工作条例》第二十二条第一款 has 3 items, not 4"),
    (("xfgz-2022", 23, 1, 1), "《信访工作条例》第二十三条第一款 has no items"),
    (("xfgz-2022", 22, None, 1), "第二十二条 has 2 paragraphs; say which paragraph item 1 is in"),
    (("xfgz-2022", 0), "article must be a positive integer"),
    (("xftl-2005", 44, 3), "《信访条例》第四十四条 has 2 paragraphs, not 3"),
    (("minfadian-2020", 199), "its articles run 第二百条 to 第二百零四条"),
    (("no-such-law", 1), "unknown instrument 'no-such-law'"),
])
def test_resolve_errors(corpus: Corpus, args: tuple[Any, ...], message: str) -> None:
    with pytest.raises(RegulationError) as info:
        corpus.resolve(*args)
    assert message in str(info.value)


def test_resolve_citation_errors(corpus: Corpus) -> None:
    with pytest.raises(RegulationError, match="unknown instrument 《信访法》"):
        corpus.resolve_citation("《信访法》第一条")
    with pytest.raises(RegulationError, match="not a citation label"):
        corpus.resolve_citation("《信访工作条例》第二十二款")


def test_chinese_numerals() -> None:
    expected = {1: "一", 10: "十", 11: "十一", 20: "二十", 22: "二十二", 44: "四十四", 100: "一百",
                101: "一百零一", 110: "一百一十", 115: "一百一十五", 200: "二百", 203: "二百零三",
                250: "二百五十", 300: "三百", 1001: "一千零一"}
    for number, text in expected.items():
        assert chinese_numeral(number) == text
        assert parse_chinese_numeral(text) == number
    assert all(parse_chinese_numeral(chinese_numeral(n)) == n for n in range(1, 301))
    for bad in (0, -1, 10000):
        with pytest.raises(ValueError):
            chinese_numeral(bad)
    with pytest.raises(ValueError):
        parse_chinese_numeral("一十")


# --------------------------------------------------------------------------- (d) translations


def _untranslated(inst: Instrument, numbers: list[int] | None = None) -> list[str]:
    missing = []
    for article in inst.articles:
        if numbers is not None and article.number not in numbers:
            continue
        for paragraph in article.paragraphs:
            if paragraph.en is None:
                missing.append(f"Art. {article.number}({paragraph.number})")
            missing += [f"Art. {article.number}({paragraph.number})({item.number})"
                        for item in paragraph.items if item.en is None]
    return missing


def test_translations_present(corpus: Corpus) -> None:
    assert _untranslated(corpus.instrument("xfgz-2022")) == []
    required_2005 = [6, *range(14, 25), *range(26, 37), *range(40, 46)]
    assert _untranslated(corpus.instrument("xftl-2005"), required_2005) == []
    beijing = [22, 23, 26, *range(29, 53), 56]  # acceptance, notification, time limits, replies, review
    assert _untranslated(corpus.instrument("beijing-2006"), beijing) == []
    assert _untranslated(corpus.instrument("minfadian-2020")) == []
    for inst in corpus:
        if any(p.en for a in inst.articles for p in a.paragraphs):
            assert inst.translation_note is not None and "unofficial" in inst.translation_note


def _en(provision: Provision) -> str:
    assert provision.en is not None, provision.cite_en
    return provision.en


def test_translation_terms(corpus: Corpus) -> None:
    """Key terms are rendered the agreed way in the 2022 text."""
    assert "refuse to accept" in _en(corpus.resolve("xfgz-2022", 19, 3))
    assert "notify the petitioner in writing" in _en(corpus.resolve("xfgz-2022", 23, 2))
    assert "raise an objection" in _en(corpus.resolve("xfgz-2022", 23, 3))
    assert "handling opinion" in _en(corpus.resolve("xfgz-2022", 31, 1, 6))
    assert "re-review" in _en(corpus.resolve("xfgz-2022", 36, 1))
    assert "concluded within 60 days" in _en(corpus.resolve("xfgz-2022", 34))


# --------------------------------------------------------------------------- (e) loader errors

GOOD = """\
id: test-law
titles: {zh: 测试条例, en: Test Regulations}
short: {zh: 《测试条例》, en: Test Regulations (2020)}
issuer: {zh: 测试机关, en: Test Organ}
promulgated: 2020-01-01
effective_from: 2020-02-01
source: sources/test.md
item_marker: fullwidth
translation_note: Unofficial translation.
articles:
  - number: 1
    chapter: {zh: 第一章 总则, en: Chapter I General Provisions}
    paragraphs:
      - zh: 第一款。
        en: Paragraph one.
        items:
          - number: 1
            zh: 第一项；
      - zh: 第二款。
  - number: 2
    chapter: {zh: 第一章 总则, en: Chapter I General Provisions}
    paragraphs:
      - zh: 本条例自2020年2月1日起施行。
"""


def _write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "sources").mkdir(exist_ok=True)
    (tmp_path / "sources" / "test.md").write_text("第一条 第一款。\n", encoding="utf-8")
    (tmp_path / "test-law.yaml").write_text(text, encoding="utf-8")
    return tmp_path


def _error(tmp_path: Path, text: str) -> str:
    with pytest.raises(RegulationError) as info:
        load_corpus(_write(tmp_path, text))
    return str(info.value)


def test_minimal_file_loads(tmp_path: Path) -> None:
    corpus = load_corpus(_write(tmp_path, GOOD))
    assert corpus.resolve("test-law", 1, 1, 1).cite_zh == "《测试条例》第一条第一款第一项"
    assert corpus.resolve("test-law", 1, 2).en is None


@pytest.mark.parametrize(("old", "new", "field", "message"), [
    ("item_marker: fullwidth\n", "item_marker: fullwidth\nrepealed: yes\n", "repealed", "unknown key 'repealed'"),
    ("        en: Paragraph one.\n", "        en: Paragraph one.\n        note: x\n",
     "articles[0].paragraphs[0].note", "unknown key 'note'"),
    ("  - number: 2\n", "  - chapter_no: 2\n", "articles[1].number", "required field is missing"),
    ("  - number: 2\n", "  - number: 3\n", "articles[1].number", "expected 2, found 3"),
    ("effective_from: 2020-02-01", "effective_from: 2020-02-30", "effective_from", "2020-02-30 is not a calendar date"),
    ("promulgated: 2020-01-01", "promulgated: 1 Jan 2020", "promulgated", "expected a date YYYY-MM-DD"),
    ("effective_from: 2020-02-01", "effective_from: 2020-02-01\neffective_until: 2019-12-31",
     "effective_until", "before effective_from"),
    ("          - number: 1\n", "          - number: 2\n", "articles[0].paragraphs[0].items[0].number",
     "expected 1, found 2"),
    ("        en: Paragraph one.\n", "        en: TODO\n", "articles[0].paragraphs[0].en", "placeholder"),
    ("id: test-law", "id: other-law", "id", "must match the file name"),
    ("source: sources/test.md", "source: ../outside.md", "source", "relative path inside"),
    ("source: sources/test.md", "source: sources/missing.md", "source", "cannot read source file"),
    ("            zh: 第一项；", "            zh: （一）第一项；", "articles[0].paragraphs[0].items[0].zh", "marker"),
    ("      - zh: 第一款。", "      - zh: 第一条 第一款。", "articles[0].paragraphs[0].zh", "article label"),
    ("    chapter: {zh: 第一章 总则, en: Chapter I General Provisions}\n    paragraphs:\n      - zh: 本条例",
     "    chapter: {zh: 第一章 总则, en: Chapter One}\n    paragraphs:\n      - zh: 本条例",
     "articles[1].chapter.en", "translated differently"),
    ("item_marker: fullwidth\n", "item_marker: fullwidth\nitem_marker: ascii\n", "item_marker", "duplicate key"),
])
def test_loader_errors_name_file_line_and_field(tmp_path: Path, old: str, new: str, field: str,
                                                message: str) -> None:
    assert old in GOOD
    text = _error(tmp_path, GOOD.replace(old, new, 1))
    assert message in text
    assert re.search(rf"test-law\.yaml:\d+:\d+: {re.escape(field)}: ", text), text


def test_loader_reports_every_problem_at_once(tmp_path: Path) -> None:
    bad = GOOD.replace("promulgated: 2020-01-01", "promulgated: 2020-13-01").replace("item_marker: fullwidth",
                                                                                     "item_marker: round")
    with pytest.raises(RegulationError) as info:
        load_corpus(_write(tmp_path, bad))
    assert {loc.field for loc, _ in ((p.location, p.message) for p in info.value.problems)} == {"promulgated", "item_marker"}
    assert all(loc.line for loc, _ in ((p.location, p.message) for p in info.value.problems))


def test_loader_rejects_empty_directory(tmp_path: Path) -> None:
    with pytest.raises(RegulationError, match="no regulation files"):
        load_corpus(tmp_path)
