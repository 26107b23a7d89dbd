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
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from .._core.bilingual import Bilingual
from .._core.errors import RegulationError
from .._core.paths import data_dir

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


@functools.cache
def _label() -> re.Pattern[str]:
    """The pattern of a citation label, compiled on first use (reports cite without parsing labels)."""
    return re.compile(rf"^第{_NUM}条(?:第{_NUM}款)?(?:第{_NUM}项|第[（(]{_NUM}[）)]项)?$")


def parse_label_zh(label: str) -> tuple[int, int | None, int | None]:
    """``第二十二条第一款第三项`` -> ``(22, 1, 3)``; ``第四十四条第二项`` -> ``(44, None, 2)``."""
    match = _label().match(label.strip().replace(" ", ""))
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


def _load(directory: Path) -> Corpus:
    from .regulation_files import read_corpus  # only a build reads the files

    return read_corpus(directory)


@functools.cache
def default_corpus() -> Corpus:
    """The bundled corpus, loaded and validated once per process."""
    return _load(data_dir("regulations"))


def load_corpus(directory: Path | None = None) -> Corpus:
    """Load and validate every ``*.yaml`` in ``directory`` (default: the bundled regulations)."""
    return default_corpus() if directory is None else _load(Path(directory))
