"""The files of ``regulations/`` (one instrument each, parsed by :class:`InstrumentFile`): validated
and turned into the :class:`~legalcheck._law.regulations.Corpus`.

A module of its own because only building the corpus reads these files: a start whose corpus
comes from the compiled cache (``_core/cache.py``) never defines their models.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from .._core.bilingual import Bilingual
from .._core.data_files import NON_EMPTY, DataModel, validate_model
from .._core.errors import InputError, Location, Problem, RegulationError
from .._core.safe_yaml import Document, PathKey, load_document
from .regulations import Article, Corpus, Instrument, Item, Paragraph

_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_LEADING_LABEL = re.compile(r"^第[零一二三四五六七八九十百千]+条\s")
_LEADING_MARKER = re.compile(r"^[（(][零一二三四五六七八九十]+[）)]")
_PLACEHOLDERS = {"todo", "tbd", "fixme", "xxx", "...", "…", "n/a", "none", "null", "-"}


def _text(value: str, *, multiline: bool, english: bool) -> str:
    if not value.strip():
        raise ValueError("expected non-empty text")
    lines = value.split("\n")
    if not multiline and len(lines) > 1:
        raise ValueError("text must be on one line")
    if any(line != line.strip() or not line for line in lines):
        raise ValueError("text has leading/trailing whitespace or an empty line")
    if english and value.strip().lower() in _PLACEHOLDERS:
        raise ValueError(f"placeholder {value!r} instead of a translation; leave 'en' out until there is one")
    return value


def _line(value: str) -> str:
    return _text(value, multiline=False, english=False)


def _english_line(value: str) -> str:
    return _text(value, multiline=False, english=True)


def _item_text(value: str) -> str:
    if _LEADING_MARKER.match(value):
        raise ValueError("item text must not include its （一）/(一) marker")
    return _text(value, multiline=True, english=False)


def _english_block(value: str) -> str:
    return _text(value, multiline=True, english=True)


def _instrument_id(value: str) -> str:
    if not _ID.match(value):
        raise ValueError(f"id must be lower-case kebab-case (e.g. xfgz-2022), got {value!r}")
    return value


Line = Annotated[str, AfterValidator(_line)]
EnglishLine = Annotated[str, AfterValidator(_english_line)]
Positive = Annotated[int, Field(ge=1)]


class HeadingFile(DataModel):
    """A title, chapter or section heading: the official Chinese and our English."""

    zh: Line
    en: EnglishLine

    def bilingual(self) -> Bilingual:
        return Bilingual(self.zh, self.en)


class ItemFile(DataModel):
    """One 项, its text without the （一） marker; a line break separates blocks of one item."""

    number: Positive
    zh: Annotated[str, AfterValidator(_item_text)]
    en: Annotated[str, AfterValidator(_english_block)] | None = None


class ParagraphFile(DataModel):
    """One 款: its lead-in and, if it has any, its items."""

    zh: Line
    en: EnglishLine | None = None
    items: Annotated[tuple[ItemFile, ...], NON_EMPTY] | None = None  # leave the key out if none


class ArticleFile(DataModel):
    number: Positive
    chapter: HeadingFile
    section: HeadingFile | None = None
    paragraphs: Annotated[tuple[ParagraphFile, ...], NON_EMPTY]


class InstrumentFile(DataModel):
    """A file of ``regulations/``: one instrument, article by article."""

    id: Annotated[str, AfterValidator(_instrument_id)]
    titles: HeadingFile
    short: HeadingFile  # citation form, e.g. 《信访工作条例》
    issuer: HeadingFile
    document_number: HeadingFile | None = None
    promulgated: date
    effective_from: date
    effective_until: date | None = None  # last day in force, inclusive
    source: str  # the official text, relative to the regulations directory
    item_marker: Literal["fullwidth", "ascii"]  # （一） or (一)
    extract: bool = False  # only some articles are encoded; numbering need not start at 1
    translation_note: Line | None = None
    notes: tuple[Line, ...] = ()
    articles: Annotated[tuple[ArticleFile, ...], NON_EMPTY]


def _check_headings(fail: Callable[[PathKey, str], None], articles: Sequence[ArticleFile], key: str) -> None:
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
            fail(path + ("en",), f"{key} {heading.zh!r} is translated differently elsewhere: {names[heading.zh]!r}")
        if heading.zh != previous:
            if heading.zh in closed:
                fail(path, f"{key} {heading.zh!r} resumes after another {key}; its articles must be together")
            if previous is not None:
                closed.add(previous)
        previous = heading.zh


def _source_digest(spec: InstrumentFile, directory: Path, fail: Callable[[PathKey, str], None]) -> str:
    """The sha256 of the official text the file names, read now (reports name the text this run read)."""
    source = spec.source
    if not source or source.startswith("/") or "\\" in source or ".." in Path(source).parts:
        fail(("source",), f"source must be a relative path inside the regulations directory, got {source!r}")
        return ""
    try:
        return hashlib.sha256((directory / source).read_bytes()).hexdigest()
    except OSError as exc:
        fail(("source",), f"cannot read source file {source!r} under {directory}: {exc.strerror or exc}")
        return ""


def _parse_instrument(doc: Document, file: Path, directory: Path) -> Instrument:
    """The instrument of one file: its shape validated by :class:`InstrumentFile`, then what one
    field cannot say alone (dates in order, numbering, headings, the source text on disk)."""
    parsed = validate_model(InstrumentFile, doc)
    spec, problems = parsed.model, parsed.problems
    if spec is None:
        raise RegulationError(problems)

    def fail(path: PathKey, message: str) -> None:
        problems.append((doc.locate(path), message))

    if spec.id != file.stem:
        fail(("id",), f"id {spec.id!r} must match the file name ({file.stem}.yaml)")
    if spec.effective_from < spec.promulgated:
        fail(("effective_from",), f"effective_from {spec.effective_from} is before promulgated {spec.promulgated}")
    if spec.effective_until is not None and spec.effective_until < spec.effective_from:
        fail(("effective_until",), f"effective_until {spec.effective_until} (last day in force) is before "
                                   f"effective_from {spec.effective_from}")
    digest = _source_digest(spec, directory, fail)
    first = spec.articles[0].number
    if first != 1 and not spec.extract:
        fail(("articles", 0, "number"), f"the first article must be 1, not {first} "
                                        "(set extract: true for an instrument encoded in part)")
    for a_index, art in enumerate(spec.articles):
        if a_index and art.number != first + a_index:
            fail(("articles", a_index, "number"), f"articles must be numbered contiguously: expected "
                                                  f"{first + a_index}, found {art.number}")
        if _LEADING_LABEL.match(art.paragraphs[0].zh):
            fail(("articles", a_index, "paragraphs", 0, "zh"),
                 "paragraph text must not start with its article label 第X条")
        for p_index, para in enumerate(art.paragraphs):
            for i_index, item in enumerate(para.items or ()):
                if item.number != i_index + 1:
                    fail(("articles", a_index, "paragraphs", p_index, "items", i_index, "number"),
                         f"items must be numbered 1, 2, 3…: expected {i_index + 1}, found {item.number}")
    _check_headings(fail, spec.articles, "chapter")
    _check_headings(fail, spec.articles, "section")
    has_en = any(para.en is not None or any(item.en is not None for item in para.items or ())
                 for art in spec.articles for para in art.paragraphs)
    if has_en and spec.translation_note is None:
        fail(("translation_note",), "a file with English text must say in translation_note that it is an "
                                    "unofficial translation")
    if problems:
        raise RegulationError(problems)
    articles = tuple(
        Article(art.number, art.chapter.bilingual(), art.section.bilingual() if art.section else None,
                tuple(Paragraph(number, para.zh, para.en, tuple(Item(item.number, item.zh, item.en)
                                                                for item in para.items or ()))
                      for number, para in enumerate(art.paragraphs, 1)))
        for art in spec.articles)
    return Instrument(spec.id, spec.titles.bilingual(), spec.short.bilingual(), spec.issuer.bilingual(),
                      spec.document_number.bilingual() if spec.document_number else None, spec.promulgated,
                      spec.effective_from, spec.effective_until, spec.source, directory / spec.source, digest,
                      spec.item_marker, spec.extract, spec.translation_note, spec.notes, articles, file)


def read_corpus(directory: Path) -> Corpus:
    """Every instrument of ``directory``, validated; all problems are reported together."""
    files = sorted(directory.glob("*.yaml")) if directory.is_dir() else []
    if not files:
        raise RegulationError.at("no regulation files (*.yaml) found", file=directory)
    instruments: list[Instrument] = []
    problems: list[tuple[Location, str] | Problem] = []
    for file in files:
        try:
            instruments.append(_parse_instrument(load_document(file, unique_keys=True), file, directory))
        except InputError as exc:  # a RegulationError, or YAML that could not be read at all
            problems.extend(exc.problems)
    shorts: dict[str, str] = {}
    for inst in instruments:
        other = shorts.setdefault(inst.short.zh, inst.id)
        if other != inst.id:
            problems.append((Location(str(inst.file), field="short.zh"),
                             f"short citation {inst.short.zh} is already used by {other}"))
    if problems:
        raise RegulationError(problems)
    return Corpus(directory, tuple(instruments))
