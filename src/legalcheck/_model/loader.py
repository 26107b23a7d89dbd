"""Reading case files: YAML, JSON and JSON Lines, with errors that point at the field.

Every problem becomes a :class:`CaseError` naming the file, the line, the column and
the field path (``cases/a.yaml:14:11: events[3].date: invalid date '2025-02-30'``),
with a "did you mean" for misspelt keys (among the keys valid at that place), event
kinds and enumerated values. No traceback for bad input.

Work is split so that batches can spread it over processes: :func:`iter_jobs` only
lists what is to be read (a file, or one line of a JSON Lines file, read by the
caller so that a bad line is reported by its number), and :func:`load_job` reads,
parses and validates one job wherever it runs.

JSON is validated straight from its bytes by pydantic; only when that fails is the
document parsed again the slow way, to say where and why.
"""

from __future__ import annotations

import copy
import datetime as dt
import difflib
import enum
import functools
import hashlib
import json
import os
import re
import threading
import time
import types
import typing
from collections.abc import Callable, Container, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, TypeVar, Union

from pydantic import BaseModel, ValidationError

from .._core.errors import CaseError, InputError, Location, Problem, ProblemCode, UnvalidatedCaseError
from .._core.memo import BoundedMemo
from .._core.safe_yaml import (
    DEFAULT_LIMITS,
    Document,
    Limits,
    decode,
    format_path,
    has_duplicate_keys,
    json_keys_at_most,
    parse,
    parse_json,
    parse_yaml,
    read_bytes,
    shorten,
)
from .._core.vocabulary import Lang
from .case import EVENT_KINDS, Agency, AgencyRegistry, Case, agency_index, agency_references
from .fields import parse_table

CASE_SUFFIXES = (".yaml", ".yml", ".json", ".jsonl")
REGISTRY_SUFFIXES = (".yaml", ".yml", ".json")
SKIP_MARKER = ".legalcheck-skip"  # a directory walk leaves out the directory holding this file
MAX_EVENTS = 10_000
MAX_PROBLEMS = 50  # per file: enough to fix a file in one go, not a 10 MB error report

_T = TypeVar("_T")
_M = TypeVar("_M", bound=BaseModel)


# --- describing validation errors --------------------------------------------------------


def _suggest(word: str, choices: Iterable[str]) -> str:
    """The closest of ``choices`` to a misspelt ``word``, quoted, or "" (Chinese words are short:
    one character of two wrong is still a likely slip, ``走方`` for ``走访``)."""
    if len(word) > 100:  # nobody misspells a key that long; difflib would only burn time
        return ""
    cutoff = 0.6 if word.isascii() else 0.5
    close = difflib.get_close_matches(word, sorted(choices), n=1, cutoff=cutoff)
    return repr(close[0]) if close else ""


def _labels_of(choices: Iterable[str]) -> list[str]:
    """The Chinese labels that name one of ``choices``."""
    wanted = set(choices)
    return [label for label, values in parse_table().items() if values & wanted]


def _unwrap(annotation: Any) -> Any:
    """``Annotated[X, ...]`` -> X, ``X | None`` -> X (a union of several models stays a union)."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            members = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(members) != 1:
                return annotation
            annotation = members[0]
        else:
            return annotation


def _keys_at(root: type[BaseModel], loc: tuple[Any, ...]) -> list[str] | None:
    """The keys valid in the mapping that ``loc`` (pydantic's, event tags included) lies in."""
    current: Any = root
    for part in loc[:-1]:
        current = _unwrap(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            fields = {f.alias or name: f for name, f in current.model_fields.items()}
            if part not in fields:
                return None
            current = fields[part].annotation
        elif typing.get_origin(current) is tuple and isinstance(part, int):
            current = typing.get_args(current)[0]
        elif typing.get_origin(current) in (Union, types.UnionType) and isinstance(part, str):
            tagged = [m for m in typing.get_args(current) if isinstance(m, type) and issubclass(m, BaseModel)
                      and "kind" in m.model_fields and typing.get_args(m.model_fields["kind"].annotation) == (part,)]
            if not tagged:
                return None
            current = tagged[0]
        else:
            return None
    current = _unwrap(current)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return [f.alias or name for name, f in current.model_fields.items()]
    return None


_QUOTED = re.compile(r"'([^']*)'")
# pydantic's "<type>_type" / "<type>_parsing" errors: what was expected, in English and Chinese.
_EXPECTED = {"bool": ("true or false", "true 或 false"), "int": ("a whole number", "整数"),
             "float": ("a number", "数字"), "string": ("text", "文本"), "str": ("text", "文本"),
             "tuple": ("a list", "列表"), "list": ("a list", "列表"), "model": ("a mapping", "映射（键: 值）"),
             "dict": ("a mapping", "映射（键: 值）"), "date": ("a date", "日期")}
_BOUNDS = {"less_than_equal": ("le", "<="), "less_than": ("lt", "<"), "greater_than_equal": ("ge", ">="),
           "greater_than": ("gt", ">")}
# Codes the case model's own validators raise (PydanticCustomError), passed through as they are.
_MODEL_CODES = frozenset({"date-order", "missing-origin"})


def _problem(error: Any, root: type[BaseModel]) -> tuple[ProblemCode, dict[str, object]]:
    """The code of one pydantic error and the arguments of its message."""
    kind, loc, value = error["type"], error["loc"], error.get("input")
    ctx = error.get("ctx") or {}
    if kind == "extra_forbidden":
        keys = _keys_at(root, loc)
        return "unknown-field", {"key": shorten(loc[-1]),
                                 "suggestion": _suggest(str(loc[-1]), keys if keys is not None else [])}
    if kind == "union_tag_invalid":
        tag = str(ctx.get("tag", ""))
        return "unknown-event-kind", {"kind": shorten(tag),
                                      "suggestion": _suggest(tag, [*EVENT_KINDS, *_labels_of(EVENT_KINDS)])}
    if kind == "union_tag_not_found":
        return "missing-kind", {}
    if kind == "missing":
        return "missing-field", {}
    if kind.startswith("date_") and (kind != "date_type" or isinstance(value, str)):
        return "bad-date", {"value": shorten(value)}
    if kind == "string_unicode":
        return "not-unicode", {}
    if kind in ("enum", "literal_error") and isinstance(value, str):
        choices = _QUOTED.findall(str(ctx.get("expected", "")))
        return "unknown-value", {"value": shorten(value), "choices": ", ".join(choices),
                                 "suggestion": _suggest(value, [*choices, *_labels_of(choices)])}
    if kind in _MODEL_CODES:
        return typing.cast(ProblemCode, kind), dict(ctx)
    if kind in _BOUNDS:
        name, op = _BOUNDS[kind]
        return "out-of-range", {"value": shorten(value), "op": op, "bound": ctx.get(name)}
    if kind in ("too_short", "too_long", "string_too_short", "string_too_long"):
        short = "short" in kind
        return "bad-length", {"value": shorten(value), "op": ">=" if short else "<=",
                              "bound": ctx.get("min_length" if short else "max_length")}
    expected = _EXPECTED.get(kind.split("_")[0]) if kind.endswith(("_type", "_parsing", "_from_float")) else None
    if expected is not None:
        return "wrong-type", {"expected": expected[0], "expected_zh": expected[1], "value": shorten(value)}
    message = str(error["msg"]).removeprefix("Value error, ")
    if kind in ("value_error", "assertion_error") or isinstance(value, dict | list):
        return "invalid-value", {"detail": message}
    return "invalid-value", {"detail": f"{message} (got {shorten(value)})"}


def _clean_loc(loc: tuple[Any, ...]) -> tuple[str | int, ...]:
    """Drop pydantic's discriminator tags (``events.3.received.date`` -> ``events[3].date``)."""
    cleaned: list[str | int] = []
    for index, part in enumerate(loc):
        if isinstance(part, str) and index > 0 and isinstance(loc[index - 1], int) and part in EVENT_KINDS:
            continue
        cleaned.append(part)
    return tuple(cleaned)


def validation_problems(exc: ValidationError, doc: Document, root: type[BaseModel] = Case) -> list[Problem]:
    """One :class:`Problem` per validation error, at most ``MAX_PROBLEMS``."""
    errors = exc.errors()
    problems = []
    for error in errors[:MAX_PROBLEMS]:
        path = _clean_loc(error["loc"])
        if error["type"] == "union_tag_invalid":
            path += ("kind",)  # point at the misspelt kind, not at the whole event
        code, args = _problem(error, root)
        problems.append(Problem(doc.locate(path, key=error["type"] == "extra_forbidden"), code,
                                {k: str(v) for k, v in args.items() if v is not None}))
    if len(errors) > MAX_PROBLEMS:
        problems.append(Problem(Location(doc.file), "more-problems", {"count": str(len(errors) - MAX_PROBLEMS)}))
    return problems


# --- Chinese values ---------------------------------------------------------------------

_ZH_DATE = re.compile(r"^\s*(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日\s*$")


def _zh_date(text: str) -> str | None:
    """``2025年4月7日`` -> ``2025-04-07``; None for anything else (an impossible date stays as written)."""
    match = _ZH_DATE.match(text)
    if match is None:
        return None
    try:
        return dt.date(int(match[1]), int(match[2]), int(match[3])).isoformat()
    except ValueError:
        return None


def _normalise(data: Any, exc: ValidationError) -> tuple[bool, list[tuple[tuple[str | int, ...], str, list[str]]]]:
    """Replace, in ``data``, each value the errors of ``exc`` refused that is a Chinese label of an
    allowed value (or a date written 2025年4月7日) by its identifier. Returns whether anything
    changed, and the labels that name several allowed values (path, label, the values).

    Only ever called after validation failed: canonical input never pays for it.
    """
    changed = False
    ambiguous: list[tuple[tuple[str | int, ...], str, list[str]]] = []
    for error in exc.errors():
        kind, value = error["type"], error.get("input")
        path = _clean_loc(error["loc"])
        if kind == "union_tag_invalid":
            value, path, choices = (error.get("ctx") or {}).get("tag"), path + ("kind",), list(EVENT_KINDS)
        elif kind in ("enum", "literal_error"):
            choices = _QUOTED.findall(str((error.get("ctx") or {}).get("expected", "")))
        elif kind.startswith("date_") and isinstance(value, str):
            iso = _zh_date(value)
            if iso is not None and _replace(data, path, iso):
                changed = True
            continue
        else:
            continue
        if not isinstance(value, str):
            continue
        named = sorted(parse_table().get(value.strip(), frozenset()) & set(choices))
        if len(named) == 1:
            changed = _replace(data, path, named[0]) or changed
        elif len(named) > 1:
            ambiguous.append((path, value, named))
    return changed, ambiguous


def _replace(data: Any, path: tuple[str | int, ...], value: str) -> bool:
    """Set the value at ``path`` in ``data``; False when there is no such place."""
    if not path:
        return False
    for part in path[:-1]:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return False
    last = path[-1]
    if isinstance(data, dict) and last in data:
        data[last] = value
        return True
    if isinstance(data, list) and isinstance(last, int) and 0 <= last < len(data):
        data[last] = value
        return True
    return False


def _validate(model: type[_M], data: Any, doc: Document) -> _M:
    """``data`` validated as ``model``; values written as Chinese labels or dates are normalised first,
    and only when validation as written fails."""
    try:
        return model.model_validate_json(json.dumps(data, ensure_ascii=False))
    except ValidationError as first:
        exc = first
    working = copy.deepcopy(data)
    for _round in range(4):  # an event kind fixed reveals its fields' errors: a few rounds at most
        changed, ambiguous = _normalise(working, exc)
        if ambiguous:
            raise CaseError([Problem(doc.locate(path), "ambiguous-value",
                                     {"value": shorten(label), "choices": ", ".join(values)})
                             for path, label, values in ambiguous][:MAX_PROBLEMS])
        if not changed:
            break
        try:
            return model.model_validate_json(json.dumps(working, ensure_ascii=False))
        except ValidationError as again:
            exc = again
    raise CaseError(validation_problems(exc, doc, model))


# --- agency registries ------------------------------------------------------------------

REGISTRY_SCHEMA = "legalcheck/agencies/1"


class _BadReference(Exception):
    """The case's ``agency_registry`` cannot be used; the caller says where the case names it."""

    def __init__(self, code: ProblemCode, **args: object) -> None:
        super().__init__(code)
        self.code = code
        self.args_ = {k: str(v) for k, v in args.items()}


class _RegistryCache:
    """Agency registries shared by many case files are read once per file version.

    The hot path is one dict lookup: the file is ``stat``-ed again at most once a
    second (a registry edited during a run is picked up within a second), and the
    joined path is remembered, not rebuilt per case. A registry that fails to load is
    cached as its problems, so a million JSON Lines records naming a broken registry
    parse it once (each still gets a fresh exception: re-raising one object would grow
    its traceback without end).
    """

    RECHECK_SECONDS = 1.0

    def __init__(self) -> None:
        self._lock = threading.Lock()
        # (base dir, name as written) -> (path, file version, registry or its problems, last stat)
        self._items: BoundedMemo[tuple[str, str], tuple[Path, tuple[int, int, int], _Loaded, float]] = BoundedMemo(256)

    def get(self, base_dir: Path, name: str) -> _Registry:
        key = (str(base_dir), name)
        now = time.monotonic()
        entry = self._items.get(key)  # one read of a dict is atomic: only changes need the lock
        if entry is None or now - entry[3] > self.RECHECK_SECONDS:
            entry = self._refresh(key, entry, base_dir / name, now)
        loaded = entry[2]
        if isinstance(loaded, _Registry):
            return loaded
        raise CaseError(list(loaded))

    def _refresh(self, key: tuple[str, str], entry: tuple[Path, tuple[int, int, int], _Loaded, float] | None,
                 path: Path, now: float) -> tuple[Path, tuple[int, int, int], _Loaded, float]:
        if path.suffix.lower() not in REGISTRY_SUFFIXES:
            # Not just any file on the machine: its content would be echoed in error messages.
            raise _BadReference("registry-not-allowed", suffixes=", ".join(REGISTRY_SUFFIXES), path=path)
        try:
            info = os.stat(path)
        except OSError:
            raise _BadReference("registry-not-found", path=path) from None
        version = (info.st_ino, info.st_size, info.st_mtime_ns)
        loaded = entry[2] if entry is not None and entry[1] == version else self._load(path)
        fresh = (path, version, loaded, now)
        with self._lock:
            self._items.keep(key, fresh)
        return fresh

    @staticmethod
    def _load(path: Path) -> _Loaded:
        try:
            doc = parse(decode(read_bytes(path), str(path)), path, unique_keys=True)
            return _registry_of(doc)
        except InputError as exc:
            return exc.problems


def _registry_of(doc: Document) -> _Registry:
    """A parsed document validated as an agency registry."""
    if not isinstance(doc.data, dict) or not isinstance(doc.data.get("agencies"), list):
        raise CaseError([Problem(doc.locate(()), "not-a-registry")])
    return _registry_from(_validate(AgencyRegistry, doc.data, doc).agencies)


def is_registry(data: Any) -> bool:
    """Whether parsed data declares itself an agency registry (``schema: legalcheck/agencies/1``)."""
    return isinstance(data, dict) and data.get("schema") == REGISTRY_SCHEMA


@dataclass(frozen=True)
class _Registry:
    """A loaded registry plus what every case that uses it would otherwise recompute."""

    agencies: tuple[Agency, ...]
    ids: frozenset[str]
    superiors: frozenset[str]
    # No id twice and every superior listed: then a case using the registry as its only agencies
    # is sound once its own references resolve (decided once per registry, not per case).
    closed: bool


def _registry_from(agencies: tuple[Agency, ...]) -> _Registry:
    ids = frozenset(a.id for a in agencies)
    superiors = frozenset(s for a in agencies for s in a.superiors)
    return _Registry(agencies, ids, superiors, len(ids) == len(agencies) and superiors <= ids)


_Loaded = Union[_Registry, tuple[Problem, ...]]
_REGISTRIES = _RegistryCache()

# A registry given to ``load_case``: a path, its data, or a validated AgencyRegistry.
RegistrySource = Union[str, "os.PathLike[str]", Mapping[str, Any], AgencyRegistry]


def _given_registry(registry: RegistrySource, base_dir: Path) -> _Registry:
    if isinstance(registry, AgencyRegistry):
        return _registry_from(registry.agencies)
    if isinstance(registry, Mapping):
        return _registry_of(Document(_plain(registry), "<registry>", ""))
    try:
        return _REGISTRIES.get(base_dir, os.fspath(registry))
    except _BadReference as exc:
        raise CaseError([Problem(Location(os.fspath(registry)), exc.code, exc.args_)]) from None


# --- one case ---------------------------------------------------------------------------


def case_from_document(doc: Document, *, base_dir: Path | None = None, registry: _Registry | None = None) -> Case:
    """Validate a parsed document as a case, merge its agency registry, check references."""
    data = doc.data
    if not isinstance(data, dict):
        raise CaseError([Problem(doc.locate(()), "not-a-mapping")])
    if is_registry(data):
        raise CaseError([Problem(doc.locate(("schema",)), "registry-not-a-case")])
    events = data.get("events")
    if isinstance(events, list) and len(events) > MAX_EVENTS:
        raise CaseError([Problem(doc.locate(("events",)), "too-many-events",
                                 {"count": str(len(events)), "limit": str(MAX_EVENTS)})])
    try:
        case = _validate(Case, data, doc)
    except CaseError:
        bad_text = _find_unpaired_surrogate(data)  # JSON can escape one; pydantic then rejects the whole text
        if bad_text is not None:
            raise CaseError([Problem(doc.locate(bad_text), "not-unicode")]) from None
        raise
    return _resolve_agencies(case, lambda: doc, base_dir if base_dir is not None else _base_dir(doc.file), registry)


def case_from_json(raw: bytes | str, file: str | None, *, line_offset: int = 0, base_dir: Path | None = None,
                   limits: Limits = DEFAULT_LIMITS, registry: _Registry | None = None) -> Case:
    """A case from JSON text: validated straight from the bytes, parsed again only to explain a failure."""
    size = len(raw) if isinstance(raw, bytes) else len(raw.encode("utf-8", "surrogatepass"))
    if size > limits.max_bytes:
        raise CaseError.at(code="line-too-large" if line_offset else "file-too-large", size=size,
                           limit=limits.max_bytes, file=file, line=1 + line_offset if line_offset else None)

    def slow_document() -> Document:
        text = decode(raw, file, line_offset=line_offset) if isinstance(raw, bytes) else raw
        return parse_json(text, file, limits=limits, line_offset=line_offset, unique_keys=True)

    try:
        case = Case.model_validate_json(raw)
    except ValidationError:
        # The slow path says where: JSON syntax errors with line and column, then field errors; and
        # values written as Chinese labels are normalised there.
        return case_from_document(_as_case_error(slow_document), base_dir=base_dir, registry=registry)
    if _repeats_a_key(raw, case):  # pydantic keeps the last of two equal keys: a date would silently change
        return case_from_document(_as_case_error(slow_document), base_dir=base_dir, registry=registry)
    if len(case.events) > MAX_EVENTS:
        raise CaseError([Problem(slow_document().locate(("events",)), "too-many-events",
                                 {"count": str(len(case.events)), "limit": str(MAX_EVENTS)})])
    return _resolve_agencies(case, slow_document, base_dir if base_dir is not None else _base_dir(file), registry)


def _repeats_a_key(raw: bytes | str, case: Case) -> bool:
    """Whether the JSON text ``case`` was just validated from repeats a key in one object.

    Every object of a valid case text became a model that forbids other keys, and a model
    records each key it was given once (``model_fields_set``): when the text writes no more keys
    than the case's models were given, none repeats, and no second parse is needed. Any other
    text is parsed to be sure.
    """
    data = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw
    plans = _key_plans(type(case))
    if plans is not None and json_keys_at_most(data, _keys_given(case, plans)):
        return False
    return has_duplicate_keys(data)


# Per model class, the fields that may hold models: (name, True for a tuple of them).
_KeyPlan = tuple[tuple[str, bool], ...]


def _keys_given(model: BaseModel, plans: Mapping[type, _KeyPlan]) -> int:
    """How many keys the objects ``model`` and the models in it were validated from held, each once."""
    count = 0
    stack = [model]
    while stack:
        current = stack.pop()
        given = current.__pydantic_fields_set__  # what model_fields_set returns, without a property call per model
        count += len(given)
        for name, many in plans[type(current)]:
            if name in given:
                value = getattr(current, name)
                if not many:
                    if value is not None:
                        stack.append(value)
                    continue
                for item in value:  # mostly events, which hold no models: counted here, not stacked
                    if plans[type(item)]:
                        stack.append(item)
                    else:
                        count += len(item.__pydantic_fields_set__)
    return count


@functools.cache
def _key_plans(root: type[BaseModel]) -> dict[type, _KeyPlan] | None:
    """The plan of ``root`` and of every model it may hold; None when some JSON object it accepts
    would not become such a model (a dict, ``Any``, a model keeping unknown keys): then the keys
    given to models no longer count the keys of the text."""
    plans: dict[type, _KeyPlan] = {}
    pending: list[type[BaseModel]] = [root]
    while pending:
        cls = pending.pop()
        if cls in plans:
            continue
        if cls.model_config.get("extra") != "forbid":
            return None
        plan = []
        for name, field in cls.model_fields.items():
            held = _models_held(field.annotation)
            if held is None:
                return None
            models, many = held
            if models:
                plan.append((name, many))
                pending.extend(models)
        plans[cls] = tuple(plan)
    return plans


_SCALARS = (str, int, float, bool, dt.date, enum.Enum, type(None))


def _models_held(annotation: Any) -> tuple[tuple[type[BaseModel], ...], bool] | None:
    """The models a field of this type holds and whether as a tuple of them (``(), False`` for plain
    values); None for a type that could hold a JSON object otherwise, or mixes models and values."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is Annotated:
        return _models_held(args[0])
    if origin is typing.Literal:
        return (), False
    if origin in (Union, types.UnionType):
        members = [_models_held(arg) for arg in args if arg is not type(None)]
        if any(m is None or m[1] for m in members):
            return None
        models = tuple(model for m in members if m is not None for model in m[0])
        if models and len(models) != len(members):  # a model or a plain value: not worth telling apart
            return None
        return models, False
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        item = _models_held(args[0])
        if item is None or item[1]:
            return None
        return item[0], bool(item[0])
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return (annotation,), False
    if isinstance(annotation, type) and issubclass(annotation, _SCALARS):
        return (), False
    return None


def _as_case_error(make: Callable[[], _T]) -> _T:
    """``make()``, with a plain InputError (unreadable file, syntax) raised as the CaseError it is here."""
    try:
        return make()
    except CaseError:
        raise
    except InputError as exc:
        raise CaseError(list(exc.problems)) from None


@functools.lru_cache(maxsize=64)
def _base_dir_of(file: str) -> Path:
    return Path(file).parent  # cached: a JSON Lines file asks once per record


def _base_dir(file: str | None) -> Path:
    return _base_dir_of(file) if file else Path.cwd()


def _unique_event_ids(case: Case, document: Callable[[], Document]) -> None:
    """Event ids name an event for the report and for other events: two with one id are an error."""
    ids = [event.id for event in case.events if event.id is not None]
    if len(set(ids)) == len(ids):
        return
    first: dict[str, int] = {}
    for index, event in enumerate(case.events):
        if event.id is None:
            continue
        earlier = first.setdefault(event.id, index)
        if earlier != index:
            raise CaseError([Problem(document().locate(("events", index, "id")), "duplicate-event-id",
                                     {"id": shorten(event.id), "first": str(earlier)})])


def _share_registry(case: Case, agencies: tuple[Agency, ...]) -> None:
    """Make ``case`` hold a registry's ``agencies`` (the registry's own tuple) and name no registry.

    The same fields and ``model_fields_set`` as ``model_copy(update=...)`` gives, set in place: the
    case was validated a moment ago by the caller and nothing else holds it yet, and a copy of it
    was a tenth of the cost of loading a JSON Lines record.
    """
    case.__dict__.update(agencies=agencies, agency_registry=None)
    case.model_fields_set.update(("agencies", "agency_registry"))


def _resolve_agencies(case: Case, document: Callable[[], Document], base_dir: Path,
                      given: _Registry | None = None) -> Case:
    """Merge the registry (``given``, else the one the case names) and check every agency reference;
    ``document()`` is only called on error. The case returned holds its agencies and names no registry.

    ``case`` must be one just validated by the caller, held by nothing else: it may be completed in place.
    """
    _unique_event_ids(case, document)
    registry = given
    if registry is None and case.agency_registry is not None:
        try:
            registry = _REGISTRIES.get(base_dir, case.agency_registry)
        except _BadReference as exc:
            raise CaseError([Problem(document().locate(("agency_registry",)), exc.code, exc.args_)]) from None
    if registry is not None and not case.agencies:  # the usual shape: every agency from the registry
        _share_registry(case, registry.agencies)
        if registry.closed and _references_resolve(case, registry.ids):
            return case  # decided by reading each reference once, without building a set of them
        known = registry.ids
        references = referenced_agencies(case, with_superiors=False) | registry.superiors
        duplicate = len(known) != len(registry.agencies)
    else:
        if registry is not None:  # the case's own entries win over the registry's
            own = {a.id for a in case.agencies}
            case = case.model_copy(update={"agencies": case.agencies + tuple(
                a for a in registry.agencies if a.id not in own), "agency_registry": None})
        known = frozenset(a.id for a in case.agencies)
        references = referenced_agencies(case)
        duplicate = len(known) != len(case.agencies)
    if not duplicate and references <= known:
        return case  # the common case, decided without building a path per reference
    bad = [(path, ref) for path, ref in agency_references(case) if ref not in known]
    doc = document()
    problems = [Problem(doc.locate(path), "unknown-agency", {"id": shorten(ref), "suggestion": _suggest(ref, known)})
                for path, ref in bad]
    if duplicate:
        problems.append(Problem(doc.locate(("agencies",)), "duplicate-agency-id"))
    raise CaseError(problems[:MAX_PROBLEMS])


# Event fields that name an agency: the same list as ``_case.agency_references`` (a test holds them equal).
_EVENT_AGENCY_FIELDS = ("agency", "to", "from_agency", "handling_agency")


def referenced_agencies(case: Case, *, with_superiors: bool = True) -> set[str]:
    """The ids ``agency_references(case)`` yields, found faster.

    ``getattr(event, name, None)`` on a pydantic model that lacks ``name`` goes through
    ``__getattr__`` and a raised AttributeError, which made reference checking cost five
    times the validation itself; the field values are read from ``__dict__`` here.
    """
    ids = {s for a in case.agencies for s in a.superiors} if with_superiors else set()
    ids.update(case.competent_agencies, case.involved_agencies, case.accused.agencies)
    ids.update(s.agency for s in case.staff_interests)
    for event in case.events:
        values = event.__dict__
        for name in _EVENT_AGENCY_FIELDS:
            value = values.get(name)
            if isinstance(value, str):
                ids.add(value)
    return ids


def _plain(value: Any) -> Any:
    """Data as JSON holds it: dates as ISO text, enums as their values, tuples as lists (a dict
    from a program may hold ``datetime.date`` or ``Channel.visit``)."""
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", by_alias=True, exclude_none=True)
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise CaseError([Problem(Location(), "not-json-value", {"detail": f"{type(value).__name__} is not a JSON value"})])


_AGENCY_FIELDS_OF: dict[type, tuple[str, ...]] = {}


def _references_resolve(case: Case, index: Container[str]) -> bool:
    """``referenced_agencies(case, with_superiors=False) <= index``, without building the set:
    this runs before every check, so it reads each event class's agency fields once."""
    for group in (case.competent_agencies, case.involved_agencies, case.accused.agencies):
        for agency_id in group:
            if agency_id not in index:
                return False
    for interest in case.staff_interests:
        if interest.agency not in index:
            return False
    fields_of = _AGENCY_FIELDS_OF
    for event in case.events:
        names = fields_of.get(type(event))
        if names is None:
            names = fields_of[type(event)] = tuple(n for n in _EVENT_AGENCY_FIELDS if n in type(event).model_fields)
        values = event.__dict__
        for name in names:
            value = values[name]
            if isinstance(value, str) and value not in index:
                return False
    return True


def case_from_dict(data: Mapping[str, Any], *, base_dir: str | Path | None = None,
                   registry: _Registry | None = None) -> Case:
    """Validate a mapping (e.g. parsed JSON) as a case, as ``load_case`` does a file.

    ``agency_registry`` is resolved against ``base_dir`` (default: the working directory).
    """
    return case_from_document(Document(_plain(data), None, ""), base_dir=Path(base_dir) if base_dir is not None
                              else None, registry=registry)


# Anything ``load_case`` reads: a path, a mapping, YAML or JSON text, bytes, or a Case to validate.
CaseSource = Union[str, "os.PathLike[str]", bytes, Mapping[str, Any], Case]


def load_case(source: CaseSource, *, registry: RegistrySource | None = None, base_dir: str | Path | None = None,
              lang: Lang = "en", limits: Limits = DEFAULT_LIMITS) -> Case:
    """One case from any source, through one validation; see ``legalcheck.load_case``."""
    try:
        return _load_source(source, registry, base_dir, limits)
    except InputError as exc:
        error = exc if isinstance(exc, CaseError) else CaseError(list(exc.problems))
        raise error.in_language(lang) from None


def _load_source(source: CaseSource, registry: RegistrySource | None, base_dir: str | Path | None,
                 limits: Limits) -> Case:
    base = Path(base_dir) if base_dir is not None else None
    given = _given_registry(registry, base or Path.cwd()) if registry is not None else None
    if isinstance(source, Case):
        return case_from_dict(source.model_dump(mode="json", by_alias=True), base_dir=base, registry=given)
    if isinstance(source, Mapping):
        return case_from_dict(source, base_dir=base, registry=given)
    if isinstance(source, bytes) or isinstance(source, str) and _is_text(source):
        raw = source.encode("utf-8", "surrogatepass") if isinstance(source, str) else source
        if raw.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
            return case_from_json(raw, None, base_dir=base, limits=limits, registry=given)
        text = _as_case_error(lambda: decode(raw, None))
        doc = _as_case_error(lambda: parse_yaml(text, None, limits=limits, unique_keys=True))
        return case_from_document(doc, base_dir=base, registry=given)
    if isinstance(source, str | os.PathLike):
        return _load_file(Path(source), limits, base_dir=base, registry=given)[0]
    raise CaseError([Problem(Location(), "unsupported-source",
                             {"detail": f"{type(source).__name__} (give a path, a dict, YAML or JSON text, "
                                        "or bytes)"})])


def _is_text(source: str) -> bool:
    """A ``str`` is case text (not a path) when it spans lines or is a JSON object."""
    return "\n" in source or source.lstrip().startswith("{")


def require_validated(case: Case) -> None:
    """Raise :class:`UnvalidatedCaseError` unless every agency the case refers to is one of its agencies.

    That is what the loader guarantees (registry merged, references checked); a ``Case`` built
    directly from a dict may not satisfy it and would otherwise be checked against no agencies.
    """
    index = agency_index(case.agencies)
    closed = index.derived.get(_CLOSED)
    if closed is None:  # once per agencies tuple: a registry's tuple is shared by every case using it
        closed = index.derived[_CLOSED] = len(index) == len(case.agencies) and all(
            a.superior is None or a.superior in index for a in case.agencies)
    if closed and _references_resolve(case, index):
        return
    problems = [Problem(Location(None, None, None, format_path(path)), "unknown-agency",
                        {"id": shorten(ref), "suggestion": _suggest(ref, index)})
                for path, ref in agency_references(case) if ref not in index]
    if len(index) != len(case.agencies):
        problems.append(Problem(Location(None, None, None, "agencies"), "duplicate-agency-id"))
    registry = f" (agency_registry {shorten(case.agency_registry)} was not merged)" \
        if case.agency_registry is not None else ""
    problems.insert(0, Problem(Location(), "case-not-validated", {"id": shorten(case.id), "registry": registry}))
    raise UnvalidatedCaseError(problems[:MAX_PROBLEMS])


_CLOSED = "agencies_closed_under_superior"


def _find_unpaired_surrogate(data: Any) -> tuple[str | int, ...] | None:
    """Path of the first string (key or value) that cannot be encoded as UTF-8 (JSON allows ``"\\ud800"``)."""
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(data, ())]
    while stack:
        value, path = stack.pop()
        if isinstance(value, str):
            if not _encodable(value):
                return path
        elif isinstance(value, dict):
            for key, item in value.items():
                if isinstance(key, str) and not _encodable(key):
                    return path + (key,)
                stack.append((item, path + (key,)))
        elif isinstance(value, list):
            stack.extend((item, path + (index,)) for index, item in enumerate(value))
    return None


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _load_file(path: Path, limits: Limits, *, base_dir: Path | None = None,
               registry: _Registry | None = None) -> tuple[Case, str]:
    """A case file and the sha256 of its bytes (read once for both)."""
    raw = _as_case_error(lambda: read_bytes(path, limits=limits))
    digest = hashlib.sha256(raw).hexdigest()
    if path.suffix.lower() == ".json":
        return case_from_json(raw, str(path), limits=limits, base_dir=base_dir, registry=registry), digest
    text = _as_case_error(lambda: decode(raw, str(path)))
    doc = _as_case_error(lambda: parse_yaml(text, str(path), limits=limits, unique_keys=True))
    return case_from_document(doc, base_dir=base_dir, registry=registry), digest


# --- many cases -------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseInput:
    """One case read from a file (or one line of a JSON Lines file), or the error that stopped it."""

    source: str  # "path" or "path:line" for JSON Lines
    case: Case | None
    error: InputError | None
    sha256: str | None = None


@dataclass(frozen=True, slots=True)
class Job:
    """One case to read: a whole file, or one line of a JSON Lines file (``text`` holds its bytes)."""

    source: str
    path: str
    line: int = 0
    text: bytes | None = None


# Told about each directory entry that is neither checked nor rejected: (path as text, why not).
SkipCallback = Callable[[str, str], None]


def printable_path(path: str | Path) -> str:
    """``path`` as valid text: bytes that are not UTF-8 (kept by the OS as surrogates) shown as ``\\xff``."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def _bad_name(path: str | Path) -> InputError | None:
    if _encodable(str(path)):
        return None
    return InputError.at(code="file-name-not-utf8",
                         file=printable_path(path))


def iter_case_files(paths: Sequence[str | Path], *, on_skip: SkipCallback | None = None,
                    ) -> Iterator[Path | InputError]:
    """Case files under ``paths``, directories recursively, in a deterministic order.

    Hidden files, files named ``_*`` and files that declare themselves agency registries
    (``schema: legalcheck/agencies/1``, whatever their name) under a directory are not cases,
    nor is anything in a directory holding a ``.legalcheck-skip`` file
    (e.g. a ledger with its mapping file, examples/ledger/). Directories are walked one
    at a time with sorted entries, so memory is bounded by the largest directory, not by
    the whole tree; symlinked directories are not followed (no loops). Every entry is
    accounted for: a case file (yielded), an error (a name that is not UTF-8, a dangling
    link or a FIFO named like a case file), or skipped with its reason, told to ``on_skip``.
    """
    for raw in paths:
        path = Path(raw)
        if (bad := _bad_name(path)) is not None:
            yield bad
        elif path.is_dir():
            yield from _walk(path, on_skip or _ignore)
        elif path.is_file():
            yield path
        elif path.exists():
            yield InputError.at(code="not-regular-file", file=path)
        else:
            yield InputError.at(code="not-found", file=path)


def _ignore(_path: str, _reason: str) -> None:
    pass


def _walk(root: Path, on_skip: SkipCallback) -> Iterator[Path | InputError]:
    pending = [root]
    while pending:
        directory = pending.pop()
        try:
            with os.scandir(directory) as scan:
                listed = list(scan)
        except OSError as exc:
            yield InputError.at(code="unreadable", what="directory", detail=exc.strerror or exc,
                                file=printable_path(directory))
            continue
        if any(e.name == SKIP_MARKER for e in listed):
            on_skip(printable_path(directory), f"directory marked {SKIP_MARKER}")
            continue
        entries = sorted(listed, key=lambda e: e.name)
        subdirectories = []
        for entry in entries:
            try:
                outcome = _classify(entry)
            except OSError as exc:
                outcome = InputError.at(code="unreadable", what="file", detail=exc.strerror or exc,
                                        file=printable_path(entry.path))
            if isinstance(outcome, str):
                on_skip(printable_path(entry.path), outcome)
            elif outcome is True:
                subdirectories.append(Path(entry.path))
            elif outcome is False:
                yield Path(entry.path)
            else:
                yield outcome
        pending.extend(reversed(subdirectories))  # visit them in name order, depth first


def _classify(entry: os.DirEntry[str]) -> bool | str | InputError:
    """True: a directory to walk; False: a case file; a reason to skip it; or the error that rejects it."""
    name = entry.name
    if name.startswith("."):
        return "hidden"
    if name.startswith("_"):
        return "shared (_*), e.g. an agency registry"
    if entry.is_dir(follow_symlinks=False):
        return True
    case_named = os.path.splitext(name)[1].lower() in CASE_SUFFIXES
    if not case_named:
        return "directory link (not followed)" if entry.is_dir() else "not a case file (name)"
    if (bad := _bad_name(entry.path)) is not None:
        return bad
    if entry.is_file():
        return REGISTRY_SKIP if _declares_registry(entry.path) else False
    if entry.is_symlink() and not os.path.exists(entry.path):
        return InputError.at(code="broken-link", target=shorten(os.readlink(entry.path)), file=entry.path)
    return InputError.at(code="not-regular-file", detail=" (a FIFO, socket or device); not read", file=entry.path)


REGISTRY_SKIP = "agency registry (schema legalcheck/agencies/1)"
_REGISTRY_HEAD = re.compile(rb'^(?:\xef\xbb\xbf)?\s*\{?\s*"?schema"?\s*:\s*["\']?legalcheck/agencies/1\b', re.MULTILINE)
_HEAD_BYTES = 4096


def _declares_registry(path: str) -> bool:
    """Whether a file states ``schema: legalcheck/agencies/1`` near its top: an agency registry, whatever
    its name (``清河县机构.yaml``), used by the cases that name it and never checked as a case."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(_HEAD_BYTES)
    except OSError:
        return False  # reading it as a case will say what is wrong
    return _REGISTRY_HEAD.search(head) is not None


# Inputs read through a mapping file (``_model/ledger.py``), not as case files. Known here, beside
# the other decisions on what an input is, so that a run without ledgers never imports the reader.
LEDGER_SUFFIXES = (".xlsx", ".xlsm", ".csv")


def is_ledger(path: str | Path) -> bool:
    return Path(path).suffix.lower() in LEDGER_SUFFIXES


def iter_jobs(paths: Sequence[str | Path], *, limits: Limits = DEFAULT_LIMITS,
              on_skip: SkipCallback | None = None) -> Iterator[Job | CaseInput]:
    """What to read under ``paths``, in order; a path that cannot be listed or read yields its error."""
    for item in iter_case_files(paths, on_skip=on_skip):
        if isinstance(item, InputError):
            yield CaseInput(str(item.problems[0].location.file), None, item)
        elif item.suffix.lower() == ".jsonl":
            yield from _jsonl_jobs(item, limits)
        else:
            yield Job(str(item), str(item))


def _jsonl_jobs(path: Path, limits: Limits) -> Iterator[Job | CaseInput]:
    """One job per non-blank line. Lines are read with a bound, so a 10 GB line costs 5 MB."""
    name = str(path)
    try:
        handle = open(path, "rb")
    except OSError as exc:
        yield CaseInput(name, None, CaseError.at(code="unreadable", what="file", detail=exc.strerror or exc,
                                                 file=name))
        return
    with handle:
        yield from jsonl_jobs_from(name, handle, limits)


def jsonl_jobs_from(name: str, handle: Any, limits: Limits) -> Iterator[Job | CaseInput]:
    """The jobs of an open binary JSON Lines stream named ``name`` (a path or a URL), line by line."""
    number = 0
    while True:
        try:
            line = handle.readline(limits.max_bytes + 1)
        except OSError as exc:
            yield CaseInput(f"{name}:{number + 1}", None,
                            CaseError.at(code="unreadable", what="file", detail=exc.strerror or exc, file=name,
                                         line=number + 1))
            return
        if not line:
            return
        number += 1
        if number == 1 and line.startswith(b"\xef\xbb\xbf"):
            line = line[3:]
        if len(line) > limits.max_bytes and not line.endswith(b"\n"):
            size = len(line) + _skip_line(handle)
            yield CaseInput(f"{name}:{number}", None, CaseError.at(
                code="line-too-large", size=size, limit=limits.max_bytes, file=name, line=number))
            continue
        if line.strip():
            yield Job(f"{name}:{number}", name, number, line)


def _skip_line(handle: Any) -> int:
    skipped = 0
    while chunk := handle.readline(1 << 20):
        skipped += len(chunk)
        if chunk.endswith(b"\n"):
            break
    return skipped


def load_job(job: Job, *, limits: Limits = DEFAULT_LIMITS) -> CaseInput:
    """Read, parse and validate one job; bad input becomes the job's error, never an exception."""
    try:
        if job.text is not None:
            # The digest covers the line as stored; the line end is no part of the record.
            case = case_from_json(job.text.rstrip(b"\r\n"), job.path, line_offset=job.line - 1, limits=limits)
            return CaseInput(job.source, case, None, hashlib.sha256(job.text).hexdigest())
        case, digest = _load_file(Path(job.path), limits)
        return CaseInput(job.source, case, None, digest)
    except InputError as exc:
        return CaseInput(job.source, None, exc)


def iter_cases(paths: Sequence[str | Path], *, limits: Limits = DEFAULT_LIMITS) -> Iterator[CaseInput]:
    """Every case under ``paths``; a bad file yields its error and the rest go on."""
    for job in iter_jobs(paths, limits=limits):
        yield job if isinstance(job, CaseInput) else load_job(job, limits=limits)


__all__ = ["CaseInput", "Job", "case_from_document", "case_from_json", "format_path", "iter_case_files",
           "iter_cases", "iter_jobs", "load_case", "load_job"]
