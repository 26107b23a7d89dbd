"""The regulations corpus: verbatim official texts, article by article, and exact citations.

One YAML file per instrument lives in ``regulations/`` (``<id>.yaml``), next to a verbatim copy
of its official source text in ``regulations/sources/``. Each article holds its paragraphs (款)
in order; a paragraph may hold numbered items (项). Item text is stored without its
``（一）``/``(一)`` marker; the instrument's ``item_marker`` says how to put it back.

Citations follow Chinese drafting practice: ``第二十二条第一款第三项``; when an article has a
single paragraph the paragraph is not named (``第四十四条第二项``). English labels always name
the paragraph: ``Art. 22(1)(3)``, ``Art. 44(1)(2)``.

Dates: ``effective_until`` is the last day an instrument is in force (inclusive); absent means
no end is recorded. Nothing is read at import time; :func:`load_corpus` reads and validates.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from .._core.bilingual import Bilingual
from .._core.errors import Location, RegulationError
from .._core.paths import data_dir
from .._core.safe_yaml import Document, PathKey, load_document

__all__ = [
    "Article", "Bilingual", "Corpus", "Instrument", "Item", "Paragraph", "Provision",
    "chinese_numeral", "default_corpus", "load_corpus", "parse_chinese_numeral", "parse_label_zh",
]

# --------------------------------------------------------------------------- numerals

_DIGITS = "零一二三四五六七八九"


def chinese_numeral(n: int) -> str:
    """Chinese numeral as used in article labels: 1 -> 一, 12 -> 十二, 44 -> 四十四, 203 -> 二百零三.

    Defined for 1-9999 (11-19 are written 十一…十九; 110 is 一百一十, as in statute labels).
    """
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= 9999:
        raise ValueError(f"chinese_numeral() takes an integer from 1 to 9999, not {n!r}")
    out: list[str] = []
    gap = False
    for digit, unit in ((n // 1000, "千"), (n // 100 % 10, "百"), (n // 10 % 10, "十"), (n % 10, "")):
        if digit:
            if gap:
                out.append("零")
            out.append(_DIGITS[digit] + unit)
            gap = False
        elif out:
            gap = True
    text = "".join(out)
    return text[1:] if 10 <= n <= 19 else text


_UNITS = {"十": 10, "百": 100, "千": 1000}


def parse_chinese_numeral(text: str) -> int:
    """Inverse of :func:`chinese_numeral`; ASCII digits are accepted too. Raises ValueError."""
    if text.isascii() and text.isdigit():
        return int(text)
    if not text or any(ch not in _DIGITS and ch not in _UNITS for ch in text):
        raise ValueError(f"not a Chinese numeral: {text!r}")
    total, digit = 0, None
    for ch in text:
        if ch in _UNITS:
            total += (1 if digit is None else digit) * _UNITS[ch]
            digit = None
        else:
            digit = _DIGITS.index(ch)
    total += digit or 0
    if total < 1 or chinese_numeral(total) != text:
        raise ValueError(f"not a well-formed Chinese numeral: {text!r}")
    return total


_NUM = r"([零一二三四五六七八九十百千]+|[0-9]+)"
_LABEL = re.compile(rf"^第{_NUM}条(?:第{_NUM}款)?(?:第{_NUM}项|第[（(]{_NUM}[）)]项)?$")


def parse_label_zh(label: str) -> tuple[int, int | None, int | None]:
    """``第二十二条第一款第三项`` -> ``(22, 1, 3)``; ``第四十四条第二项`` -> ``(44, None, 2)``."""
    match = _LABEL.match(label.strip().replace(" ", ""))
    if match is None:
        raise RegulationError.at(f"not a citation label of the form 第X条[第X款][第X项]: {label!r}")
    article, paragraph, item, item_alt = match.groups()
    try:
        return (parse_chinese_numeral(article),
                parse_chinese_numeral(paragraph) if paragraph else None,
                parse_chinese_numeral(item or item_alt) if (item or item_alt) else None)
    except ValueError as exc:
        raise RegulationError.at(f"bad numeral in citation label {label!r}: {exc}") from None


# --------------------------------------------------------------------------- model


@dataclass(frozen=True)
class Item:
    """One 项. ``zh`` has no marker; a line break separates blocks of a multi-block item."""

    number: int
    zh: str
    en: str | None


@dataclass(frozen=True)
class Paragraph:
    """One 款: its own text plus its items (the lead-in ``zh`` excludes the items)."""

    number: int
    zh: str
    en: str | None
    items: tuple[Item, ...] = ()


@dataclass(frozen=True)
class Article:
    number: int
    chapter: Bilingual
    section: Bilingual | None
    paragraphs: tuple[Paragraph, ...]


_MARKERS = {"fullwidth": ("（", "）"), "ascii": ("(", ")")}


@dataclass(frozen=True)
class Instrument:
    id: str
    titles: Bilingual
    short: Bilingual  # citation form, e.g. 《信访工作条例》 / Regulations on Petition Work (2022)
    issuer: Bilingual
    document_number: Bilingual | None
    promulgated: date
    effective_from: date
    effective_until: date | None  # last day in force, inclusive
    source: str  # path of the official text, relative to the regulations directory
    source_path: Path
    source_sha256: str  # of the source file as loaded: reports' audit receipt names the text this run read
    item_marker: str  # "fullwidth" -> （一）, "ascii" -> (一)
    extract: bool  # only some articles are encoded; numbering need not start at 1
    translation_note: str | None
    notes: tuple[str, ...]
    articles: tuple[Article, ...]
    file: Path = field(compare=False)

    def article(self, number: int) -> Article | None:
        index = number - self.articles[0].number if self.articles else -1
        return self.articles[index] if 0 <= index < len(self.articles) else None

    def marker(self, item: int) -> str:
        """The printed marker of item ``item``: （三） or (三)."""
        left, right = _MARKERS[self.item_marker]
        return f"{left}{chinese_numeral(item)}{right}"

    def in_force_on(self, day: date) -> bool:
        return self.effective_from <= day and (self.effective_until is None or day <= self.effective_until)


@dataclass(frozen=True)
class Provision:
    """A resolved citation: an article, one of its paragraphs, or one item, with its text."""

    instrument: str
    article: int
    paragraph: int | None
    item: int | None
    zh: str
    en: str | None
    label_zh: str  # 第二十二条第一款第三项
    label_en: str  # Art. 22(1)(3)
    cite_zh: str  # 《信访工作条例》第二十二条第一款第三项
    cite_en: str  # Regulations on Petition Work (2022), Art. 22(1)(3)


def _paragraph_text(inst: Instrument, para: Paragraph) -> tuple[str, str | None]:
    zh = "\n".join([para.zh] + [inst.marker(it.number) + it.zh for it in para.items])
    parts = [para.en] + [f"({it.number}) {it.en}" if it.en else None for it in para.items]
    en = "\n".join(p for p in parts if p) if all(parts) else None
    return zh, en


@dataclass(frozen=True, eq=False)
class Corpus:
    directory: Path
    instruments: tuple[Instrument, ...]

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(inst.id for inst in self.instruments)

    def __iter__(self) -> Iterator[Instrument]:
        return iter(self.instruments)

    def instrument(self, instrument_id: str) -> Instrument:
        for inst in self.instruments:
            if inst.id == instrument_id:
                return inst
        raise RegulationError.at(f"unknown instrument {instrument_id!r} (known: {', '.join(self.ids)})")

    def resolve(self, instrument: str | Instrument, article: int, paragraph: int | None = None,
                item: int | None = None) -> Provision:
        """The provision cited; ``paragraph=None`` means the whole article (or, with ``item``,
        the only paragraph of a one-paragraph article). Raises RegulationError naming what is missing."""
        inst = instrument if isinstance(instrument, Instrument) else self.instrument(instrument)
        for name, value in (("article", article), ("paragraph", paragraph), ("item", item)):
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
                raise RegulationError.at(f"{inst.short.zh}: {name} must be a positive integer, not {value!r}")
        art = inst.article(article)
        art_zh = f"第{chinese_numeral(article)}条"
        if art is None:
            first, last = inst.articles[0].number, inst.articles[-1].number
            raise RegulationError.at(
                f"{inst.short.zh} has no {art_zh} (Art. {article}); its articles run "
                f"第{chinese_numeral(first)}条 to 第{chinese_numeral(last)}条")
        count = len(art.paragraphs)
        if paragraph is None and item is not None:
            if count != 1:
                raise RegulationError.at(
                    f"{inst.short.zh}{art_zh} has {count} paragraphs; say which paragraph item {item} is in")
            paragraph = 1
        if paragraph is not None and paragraph > count:
            raise RegulationError.at(f"{inst.short.zh}{art_zh} has {count} paragraph{'s' * (count != 1)}, "
                                     f"not {paragraph}")
        label_zh, label_en = art_zh, f"Art. {article}"
        if paragraph is None:
            texts = [_paragraph_text(inst, p) for p in art.paragraphs]
            zh = "\n".join(t[0] for t in texts)
            ens = [t[1] for t in texts]
            en = "\n".join(e for e in ens if e) if all(ens) else None
        else:
            para = art.paragraphs[paragraph - 1]
            if count > 1:
                label_zh += f"第{chinese_numeral(paragraph)}款"
            label_en += f"({paragraph})"
            if item is None:
                zh, en = _paragraph_text(inst, para)
            else:
                if not para.items:
                    raise RegulationError.at(f"{inst.short.zh}{label_zh} has no items, so no item {item}")
                if item > len(para.items):
                    raise RegulationError.at(f"{inst.short.zh}{label_zh} has {len(para.items)} items, not {item}")
                entry = para.items[item - 1]
                zh, en = entry.zh, entry.en
                label_zh += f"第{chinese_numeral(item)}项"
                label_en += f"({item})"
        return Provision(inst.id, article, paragraph, item, zh, en, label_zh, label_en,
                         inst.short.zh + label_zh, f"{inst.short.en}, {label_en}")

    def resolve_citation(self, citation: str) -> Provision:
        """Resolve ``《信访工作条例》第二十二条第一款第三项`` or ``xfgz-2022 第二十二条第二款``."""
        text = citation.strip()
        match = re.match(r"^(《[^》]+》|[a-z0-9]+(?:-[a-z0-9]+)*)\s*(第.*)$", text)
        if match is None:
            raise RegulationError.at(f"not a citation (《title》第X条… or <instrument id> 第X条…): {citation!r}")
        head, label = match.groups()
        if head.startswith("《"):
            found = [inst for inst in self.instruments if inst.short.zh == head]
            if not found:
                known = "、".join(inst.short.zh for inst in self.instruments)
                raise RegulationError.at(f"unknown instrument {head} in {citation!r} (known: {known})")
            inst = found[0]
        else:
            inst = self.instrument(head)
        return self.resolve(inst, *parse_label_zh(label))

    def instrument_in_force(self, on: date, candidates: Iterable[str]) -> Instrument:
        """The one instrument among ``candidates`` in force on ``on`` (e.g. xfgz-2022 vs xftl-2005)."""
        names = list(candidates)
        found = [inst for inst in (self.instrument(c) for c in names) if inst.in_force_on(on)]
        if len(found) != 1:
            what = "none" if not found else ", ".join(inst.id for inst in found)
            raise RegulationError.at(f"expected exactly one of {', '.join(names)} in force on {on.isoformat()}, "
                                     f"found {what}")
        return found[0]


# --------------------------------------------------------------------------- loading

_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_LEADING_LABEL = re.compile(r"^第[零一二三四五六七八九十百千]+条\s")
_LEADING_MARKER = re.compile(r"^[（(][零一二三四五六七八九十]+[）)]")
_PLACEHOLDERS = {"todo", "tbd", "fixme", "xxx", "...", "…", "n/a", "none", "null", "-"}

_TOP_REQUIRED = ("id", "titles", "short", "issuer", "promulgated", "effective_from", "source", "item_marker",
                 "articles")
_TOP_OPTIONAL = ("document_number", "effective_until", "extract", "translation_note", "notes")


class _Checker:
    """Validates one parsed file, collecting every problem with its location."""

    def __init__(self, doc: Document, directory: Path) -> None:
        self.doc = doc
        self.directory = directory
        self.problems: list[tuple[Location, str]] = []

    def fail(self, path: PathKey, message: str) -> None:
        self.problems.append((self.doc.locate(path), message))

    def mapping(self, value: Any, path: PathKey, required: tuple[str, ...],
                optional: tuple[str, ...] = ()) -> dict[str, Any] | None:
        if not isinstance(value, dict):
            self.fail(path, f"expected a mapping with keys {', '.join(required)}, got {_kind(value)}")
            return None
        for key in value:
            if key not in required and key not in optional:
                self.fail(path + (str(key),), f"unknown key {key!r} (allowed: {', '.join(required + optional)})")
        for key in required:
            if key not in value:
                self.fail(path + (key,), f"missing required key {key!r}")
        return {str(k): v for k, v in value.items()}

    def text(self, value: Any, path: PathKey, *, multiline: bool = False, english: bool = False) -> str | None:
        if not isinstance(value, str) or not value.strip():
            self.fail(path, f"expected non-empty text, got {_kind(value)}")
            return None
        lines = value.split("\n")
        if not multiline and len(lines) > 1:
            self.fail(path, "text must be on one line")
        elif any(line != line.strip() or not line for line in lines):
            self.fail(path, "text has leading/trailing whitespace or an empty line")
        elif english and value.strip().lower() in _PLACEHOLDERS:
            self.fail(path, f"placeholder {value!r} instead of a translation; leave 'en' out until there is one")
        return value

    def bilingual(self, value: Any, path: PathKey) -> Bilingual | None:
        data = self.mapping(value, path, ("zh", "en"))
        if data is None:
            return None
        zh, en = self.text(data.get("zh"), path + ("zh",)), self.text(data.get("en"), path + ("en",), english=True)
        return Bilingual(zh, en) if zh is not None and en is not None else None

    def day(self, value: Any, path: PathKey) -> date | None:
        if isinstance(value, str) and _DATE.match(value):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        self.fail(path, f"expected a date YYYY-MM-DD, got {value!r}")
        return None

    def number(self, value: Any, path: PathKey) -> int | None:
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            self.fail(path, f"expected a positive integer, got {value!r}")
            return None
        return value


def _kind(value: Any) -> str:
    return "nothing" if value is None else f"{type(value).__name__} {value!r}"[:80]


def _duplicate_keys(doc: Document) -> list[tuple[Location, str]]:
    """PyYAML keeps the last of two equal keys silently; report them instead."""
    loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        root = yaml.compose(doc.text, Loader=loader)
    except yaml.YAMLError:
        return []
    found: list[tuple[Location, str]] = []
    stack = [root] if root is not None else []
    while stack:
        node = stack.pop()
        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode):
                    if key.value in seen:
                        found.append((Location(doc.file, key.start_mark.line + 1, key.start_mark.column + 1,
                                               key.value), f"duplicate key {key.value!r}"))
                    seen.add(key.value)
                stack.append(value)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    return found


def _check_headings(check: _Checker, articles: list[Any], key: str) -> None:
    """A heading's zh must always carry the same en, and its articles must be consecutive."""
    names: dict[str, str] = {}
    closed: set[str] = set()
    previous: str | None = None
    for index, art in enumerate(articles):
        heading = art.section if key == "section" else art.chapter
        if heading is None:
            previous = None
            continue
        path: PathKey = ("articles", index, key)
        if names.setdefault(heading.zh, heading.en) != heading.en:
            check.fail(path + ("en",), f"{key} {heading.zh!r} is translated differently elsewhere: "
                                       f"{names[heading.zh]!r}")
        if heading.zh != previous:
            if heading.zh in closed:
                check.fail(path, f"{key} {heading.zh!r} resumes after another {key}; its articles must be together")
            if previous is not None:
                closed.add(previous)
        previous = heading.zh


def _parse_instrument(doc: Document, file: Path,
                      directory: Path) -> tuple[Instrument | None, list[tuple[Location, str]]]:
    check = _Checker(doc, directory)
    check.problems.extend(_duplicate_keys(doc))
    top = check.mapping(doc.data, (), _TOP_REQUIRED, _TOP_OPTIONAL)
    if top is None:
        return None, check.problems
    ident = top.get("id")
    if not isinstance(ident, str) or not _ID.match(ident):
        check.fail(("id",), f"id must be lower-case kebab-case (e.g. xfgz-2022), got {ident!r}")
    elif ident != file.stem:
        check.fail(("id",), f"id {ident!r} must match the file name ({file.stem}.yaml)")
    titles = check.bilingual(top.get("titles"), ("titles",))
    short = check.bilingual(top.get("short"), ("short",))
    issuer = check.bilingual(top.get("issuer"), ("issuer",))
    docno = check.bilingual(top["document_number"], ("document_number",)) if "document_number" in top else None
    promulgated = check.day(top.get("promulgated"), ("promulgated",))
    start = check.day(top.get("effective_from"), ("effective_from",))
    until = check.day(top["effective_until"], ("effective_until",)) if "effective_until" in top else None
    if promulgated and start and start < promulgated:
        check.fail(("effective_from",), f"effective_from {start} is before promulgated {promulgated}")
    if start and until and until < start:
        check.fail(("effective_until",), f"effective_until {until} (last day in force) is before "
                                         f"effective_from {start}")
    source = top.get("source")
    source_path = directory
    source_sha256 = ""
    if not isinstance(source, str) or not source or source.startswith("/") or "\\" in source \
            or ".." in Path(source).parts:
        check.fail(("source",), f"source must be a relative path inside the regulations directory, got {source!r}")
    else:
        source_path = directory / source
        try:
            source_sha256 = hashlib.sha256(source_path.read_bytes()).hexdigest()
        except OSError as exc:
            check.fail(("source",), f"cannot read source file {source!r} under {directory}: {exc.strerror or exc}")
    marker = top.get("item_marker")
    if marker not in _MARKERS:
        check.fail(("item_marker",), f"item_marker must be one of {', '.join(_MARKERS)}, got {marker!r}")
    extract = top.get("extract", False)
    if not isinstance(extract, bool):
        check.fail(("extract",), f"extract must be true or false, got {extract!r}")
        extract = False
    note = check.text(top["translation_note"], ("translation_note",)) if "translation_note" in top else None
    notes_raw = top.get("notes", [])
    notes: list[str] = []
    if not isinstance(notes_raw, list):
        check.fail(("notes",), "notes must be a list of texts")
    else:
        notes = [n for i, n in enumerate(notes_raw) if check.text(n, ("notes", i)) is not None]

    articles: list[Article] = []
    raw_articles = top.get("articles")
    has_en = False
    if not isinstance(raw_articles, list) or not raw_articles:
        check.fail(("articles",), "articles must be a non-empty list")
        raw_articles = []
    expected: int | None = None
    for a_index, raw in enumerate(raw_articles):
        a_path: PathKey = ("articles", a_index)
        data = check.mapping(raw, a_path, ("number", "chapter", "paragraphs"), ("section",))
        if data is None:
            continue
        number = check.number(data.get("number"), a_path + ("number",)) if "number" in data else None
        if number is not None:
            if expected is None and number != 1 and not extract:
                check.fail(a_path + ("number",), f"the first article must be 1, not {number} "
                                                 "(set extract: true for an instrument encoded in part)")
            elif expected is not None and number != expected:
                check.fail(a_path + ("number",), f"articles must be numbered contiguously: expected {expected}, "
                                                 f"found {number}")
            expected = number + 1
        elif expected is not None:
            expected += 1
        chapter = check.bilingual(data.get("chapter"), a_path + ("chapter",))
        section = check.bilingual(data["section"], a_path + ("section",)) if "section" in data else None
        paragraphs: list[Paragraph] = []
        raw_paras = data.get("paragraphs")
        if not isinstance(raw_paras, list) or not raw_paras:
            if "paragraphs" in data:
                check.fail(a_path + ("paragraphs",), "paragraphs must be a non-empty list")
            raw_paras = []
        for p_index, raw_p in enumerate(raw_paras):
            p_path = a_path + ("paragraphs", p_index)
            pdata = check.mapping(raw_p, p_path, ("zh",), ("en", "items"))
            if pdata is None:
                continue
            zh = check.text(pdata.get("zh"), p_path + ("zh",))
            if zh is not None and p_index == 0 and _LEADING_LABEL.match(zh):
                check.fail(p_path + ("zh",), "paragraph text must not start with its article label 第X条")
            en = check.text(pdata["en"], p_path + ("en",), english=True) if "en" in pdata else None
            has_en = has_en or en is not None
            items: list[Item] = []
            raw_items = pdata.get("items", [])
            if not isinstance(raw_items, list) or ("items" in pdata and not raw_items):
                check.fail(p_path + ("items",), "items must be a non-empty list (leave the key out if none)")
                raw_items = []
            for i_index, raw_i in enumerate(raw_items):
                i_path = p_path + ("items", i_index)
                idata = check.mapping(raw_i, i_path, ("number", "zh"), ("en",))
                if idata is None:
                    continue
                i_number = check.number(idata.get("number"), i_path + ("number",)) if "number" in idata else None
                if i_number is not None and i_number != i_index + 1:
                    check.fail(i_path + ("number",), f"items must be numbered 1, 2, 3…: expected {i_index + 1}, "
                                                     f"found {i_number}")
                i_zh = check.text(idata.get("zh"), i_path + ("zh",), multiline=True)
                if i_zh is not None and _LEADING_MARKER.match(i_zh):
                    check.fail(i_path + ("zh",), "item text must not include its （一）/(一) marker")
                i_en = check.text(idata["en"], i_path + ("en",), multiline=True, english=True) \
                    if "en" in idata else None
                has_en = has_en or i_en is not None
                if i_zh is not None:
                    items.append(Item(i_index + 1, i_zh, i_en))
            if zh is not None:
                paragraphs.append(Paragraph(p_index + 1, zh, en, tuple(items)))
        if number is not None and chapter is not None and paragraphs:
            articles.append(Article(number, chapter, section, tuple(paragraphs)))
    _check_headings(check, articles, "chapter")
    _check_headings(check, articles, "section")
    if has_en and note is None:
        check.fail(("translation_note",), "a file with English text must say in translation_note that it is "
                                          "an unofficial translation")
    if check.problems or titles is None or short is None or issuer is None or promulgated is None \
            or start is None or not isinstance(ident, str):
        return None, check.problems
    return Instrument(ident, titles, short, issuer, docno, promulgated, start, until, str(source), source_path,
                      source_sha256, str(marker), bool(extract), note, tuple(notes), tuple(articles), file), []


def _load(directory: Path) -> Corpus:
    files = sorted(directory.glob("*.yaml")) if directory.is_dir() else []
    if not files:
        raise RegulationError.at("no regulation files (*.yaml) found", file=directory)
    instruments: list[Instrument] = []
    problems: list[tuple[Location, str]] = []
    for file in files:
        inst, found = _parse_instrument(load_document(file), file, directory)
        problems.extend(found)
        if inst is not None:
            instruments.append(inst)
    shorts: dict[str, str] = {}
    for inst in instruments:
        other = shorts.setdefault(inst.short.zh, inst.id)
        if other != inst.id:
            problems.append((Location(str(inst.file), field="short.zh"),
                             f"short citation {inst.short.zh} is already used by {other}"))
    if problems:
        raise RegulationError(problems)
    return Corpus(directory, tuple(instruments))


@functools.cache
def default_corpus() -> Corpus:
    """The bundled corpus, loaded and validated once per process."""
    return _load(data_dir("regulations"))


def load_corpus(directory: Path | None = None) -> Corpus:
    """Load and validate every ``*.yaml`` in ``directory`` (default: the bundled regulations)."""
    return default_corpus() if directory is None else _load(Path(directory))
