"""Reading case files: YAML, JSON and JSON Lines, with errors that point at the field.

Every problem becomes a :class:`CaseError` naming the file, the line and the field
path (``cases/a.yaml:14: events[3].date: invalid date '2025-02-30'``), with a
"did you mean" for misspelt keys and event kinds. No traceback for bad input.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from . import _case
from ._case import EVENT_KINDS, AgencyRegistry, Case, agency_references
from ._errors import CaseError, InputError, Location
from ._yaml import DEFAULT_LIMITS, Document, Limits, format_path, load_document, parse_json, read_text

CASE_SUFFIXES = (".yaml", ".yml", ".json", ".jsonl")
MAX_EVENTS = 10_000


def _all_keys() -> set[str]:
    keys: set[str] = set()
    for value in vars(_case).values():
        if isinstance(value, type) and issubclass(value, BaseModel):
            keys.update(field.alias or name for name, field in value.model_fields.items())
    return keys


_KEYS = _all_keys()


def _suggest(word: str, choices: Sequence[str] | set[str]) -> str:
    close = difflib.get_close_matches(word, sorted(choices), n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


def _describe(error: Any) -> str:
    kind, loc, value = error["type"], error["loc"], error.get("input")
    if kind == "extra_forbidden":
        return f"unknown key {loc[-1]!r}" + _suggest(str(loc[-1]), _KEYS)
    if kind == "union_tag_invalid":
        tag = error.get("ctx", {}).get("tag", "")
        return f"unknown event kind {tag!r}" + _suggest(str(tag), EVENT_KINDS)
    if kind == "union_tag_not_found":
        return "event has no 'kind'; one of: " + ", ".join(EVENT_KINDS)
    if kind == "missing":
        return "required field is missing"
    if kind.startswith("date"):
        return f"invalid date {value!r} (expected YYYY-MM-DD)"
    message = str(error["msg"]).removeprefix("Value error, ")
    if kind in ("value_error", "assertion_error"):
        return message
    return f"{message} (got {value!r})" if not isinstance(value, dict | list) else message


def _clean_loc(loc: tuple[Any, ...]) -> tuple[str | int, ...]:
    """Drop pydantic's discriminator tags (``events.3.received.date`` -> ``events[3].date``)."""
    cleaned: list[str | int] = []
    for index, part in enumerate(loc):
        if isinstance(part, str) and index > 0 and isinstance(loc[index - 1], int) and part in EVENT_KINDS:
            continue
        cleaned.append(part)
    return tuple(cleaned)


def validation_problems(exc: ValidationError, doc: Document) -> list[tuple[Location, str]]:
    return [(doc.locate(_clean_loc(error["loc"])), _describe(error)) for error in exc.errors()]


class _RegistryCache:
    """Agency registries shared by many case files are read once per (path, mtime)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: dict[tuple[str, int], AgencyRegistry] = {}

    def get(self, path: Path, referrer: Document) -> AgencyRegistry:
        try:
            key = (str(path.resolve()), path.stat().st_mtime_ns)
        except OSError:
            raise CaseError([(referrer.locate(("agency_registry",)), f"agency registry not found: {path}")]) from None
        with self._lock:
            cached = self._items.get(key)
        if cached is not None:
            return cached
        doc = load_document(path)
        try:
            registry = AgencyRegistry.model_validate_json(json.dumps(doc.data))
        except ValidationError as exc:
            raise CaseError(validation_problems(exc, doc)) from None
        with self._lock:
            if len(self._items) > 256:
                self._items.clear()
            self._items[key] = registry
        return registry


_REGISTRIES = _RegistryCache()


def case_from_document(doc: Document, *, base_dir: Path | None = None) -> Case:
    """Validate a parsed document as a case, merge its agency registry, check references."""
    data = doc.data
    if not isinstance(data, dict):
        raise CaseError([(doc.locate(()), "a case file must be a mapping at the top level")])
    events = data.get("events")
    if isinstance(events, list) and len(events) > MAX_EVENTS:
        raise CaseError([(doc.locate(("events",)), f"{len(events)} events, over the limit of {MAX_EVENTS}")])
    try:
        case = Case.model_validate_json(json.dumps(data, ensure_ascii=False, default=str))
    except ValidationError as exc:
        raise CaseError(validation_problems(exc, doc)) from None
    if case.agency_registry is not None:
        directory = base_dir if base_dir is not None else (Path(doc.file).parent if doc.file else Path.cwd())
        registry = _REGISTRIES.get(directory / case.agency_registry, doc)
        own = {a.id for a in case.agencies}
        merged = case.agencies + tuple(a for a in registry.agencies if a.id not in own)
        case = case.model_copy(update={"agencies": merged})
    known = {a.id for a in case.agencies}
    problems = [(doc.locate(path), f"unknown agency {ref!r}" + _suggest(ref, known))
                for path, ref in agency_references(case) if ref not in known]
    if len({a.id for a in case.agencies}) != len(case.agencies):
        problems.append((doc.locate(("agencies",)), "agency ids must be unique"))
    if problems:
        raise CaseError(problems)
    return case


def load_case(path: str | Path, *, limits: Limits = DEFAULT_LIMITS) -> Case:
    """Load one case file (``.yaml``, ``.yml`` or ``.json``)."""
    return case_from_document(load_document(Path(path), limits=limits))


@dataclass(frozen=True)
class CaseInput:
    """One case read from a file (or one line of a JSON Lines file), or the error that stopped it."""

    source: str  # "path" or "path:line" for JSON Lines
    case: Case | None
    error: InputError | None
    sha256: str | None = None


def iter_case_files(paths: Sequence[str | Path]) -> Iterator[Path | InputError]:
    """Case files under ``paths``, directories recursively, in a deterministic order."""
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            # Hidden files and files named "_*" (shared agency registries) are not cases.
            yield from sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in CASE_SUFFIXES
                              and not any(part.startswith((".", "_")) for part in p.relative_to(path).parts))
        elif path.is_file():
            yield path
        else:
            yield InputError.at("no such file or directory", file=path)


def iter_cases(paths: Sequence[str | Path], *, limits: Limits = DEFAULT_LIMITS) -> Iterator[CaseInput]:
    """Every case under ``paths``; a bad file yields its error and the rest go on."""
    for item in iter_case_files(paths):
        if isinstance(item, InputError):
            yield CaseInput(str(item.problems[0][0].file), None, item)
            continue
        if item.suffix.lower() == ".jsonl":
            yield from _iter_jsonl(item, limits)
            continue
        try:
            text = read_text(item, limits=limits)
            digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
            yield CaseInput(str(item), load_case(item, limits=limits), None, digest)
        except InputError as exc:
            yield CaseInput(str(item), None, exc)


def _iter_jsonl(path: Path, limits: Limits) -> Iterator[CaseInput]:
    try:
        handle = path.open(encoding="utf-8")
    except OSError as exc:
        yield CaseInput(str(path), None, InputError.at(f"cannot read file: {exc.strerror}", file=path))
        return
    with handle:
        for number, line in enumerate(_lines(handle, path), start=1):
            if isinstance(line, InputError):
                yield CaseInput(f"{path}:{number}", None, line)
                return
            if not line.strip():
                continue
            source = f"{path}:{number}"
            try:
                doc = parse_json(line, str(path), limits=limits, line_offset=number - 1)
                case = case_from_document(doc, base_dir=path.parent)
                yield CaseInput(source, case, None, hashlib.sha256(line.encode("utf-8")).hexdigest())
            except InputError as exc:
                yield CaseInput(source, None, exc)


def _lines(handle: Any, path: Path) -> Iterator[str | InputError]:
    try:
        yield from handle
    except UnicodeDecodeError as exc:
        yield InputError.at(f"not UTF-8 text (byte {exc.start})", file=path)


__all__ = ["CaseInput", "case_from_document", "format_path", "iter_case_files", "iter_cases", "load_case"]
