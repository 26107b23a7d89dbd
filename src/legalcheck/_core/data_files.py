"""The project's own data files (regulations, coverage, duties, calendar overrides) as pydantic models.

Each file's shape is a strict model (unknown keys refused, no coercion); :func:`validate_model`
validates a parsed :class:`Document` against it and turns every validation error into a problem
located by file, line, column and field path, which the loader raises as its own error type
(``RegulationError``, ``CalendarDataError``, ``RuleError``; :func:`parse_model` does both).
Checks that need more than one field or the file's surroundings (numbering, a source file on
disk) run after, on the model, and their problems are reported with the model's.
"""

from __future__ import annotations

import difflib
import json
import re
import typing
from collections.abc import Iterable, Mapping, Sized
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError
from pydantic_core import ErrorDetails

from .errors import InputError, Location
from .safe_yaml import Document, PathKey, shorten


class DataModel(BaseModel):
    """A part of a data file: unknown keys are errors, values are not coerced, the result is frozen."""

    # Built when first validated, not on every start (docs/performance.md).
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, defer_build=True)


class BilingualText(DataModel):
    """A text of a data file (rule, duty, coverage note) in Chinese, authoritative, and English, ours."""

    zh: Annotated[str, Field(min_length=1)]
    en: Annotated[str, Field(min_length=1)]


Model = TypeVar("Model", bound=BaseModel)
_DATE_SHAPE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _stripped(value: str) -> str:
    if not value.strip():
        raise ValueError("expected non-empty text")
    return value.strip()


NonBlank = Annotated[str, AfterValidator(_stripped)]  # text with something in it, kept without outer spaces

Collection = TypeVar("Collection", bound=Sized)


def _non_empty(value: Collection) -> Collection:
    # A validator, not min_length: pydantic adds a length error to every failing item's own.
    if not value:
        raise ValueError("must not be empty (leave the key out if there is nothing to list)")
    return value


NON_EMPTY = AfterValidator(_non_empty)  # Annotated[tuple[X, ...], NON_EMPTY]: a list with something in it


@dataclass(frozen=True)
class Parsed(Generic[Model]):
    """A file validated against its model: the model (None when the data does not fit it) and the problems."""

    model: Model | None
    problems: list[tuple[Location, str]]


def validate_model(model: type[Model], doc: Document, *, hints: Mapping[str, str] | None = None) -> Parsed[Model]:
    """``doc``'s data validated as ``model``, every problem located.

    When the only problems are unknown keys, the model of the data without them comes back as
    well, so that the loader's further checks still run and the file's problems are reported
    together. ``hints`` add a sentence to the message of a missing field, by the field's name.
    """
    if not isinstance(doc.data, dict):
        return Parsed(None, [(doc.locate(()), "expected a mapping (key: value) at the top level")])
    # Through JSON so that strict mode still parses ISO date strings (YAML leaves them as strings).
    text = json.dumps(doc.data)
    try:
        return Parsed(model.model_validate_json(text), [])
    except ValidationError as exc:
        data = json.loads(text)  # what was validated: keys as text, as the error paths have them
        problems = validation_problems(exc, doc, data, _keys(model), hints or {})
        if any(error["type"] != "extra_forbidden" for error in exc.errors()):
            return Parsed(None, problems)
        for error in exc.errors():
            _remove(data, _data_path(error["loc"], data))
        try:
            return Parsed(model.model_validate_json(json.dumps(data)), problems)
        except ValidationError:
            return Parsed(None, problems)


def parse_model(model: type[Model], doc: Document, error: type[InputError], *,
                hints: Mapping[str, str] | None = None) -> Model:
    """``doc``'s data validated as ``model``, or ``error`` naming every problem where it is."""
    parsed = validate_model(model, doc, hints=hints)
    if parsed.model is None or parsed.problems:
        raise error(parsed.problems)
    return parsed.model


def _remove(data: Any, path: PathKey) -> None:
    node = data
    for part in path[:-1]:
        node = node[part]
    del node[path[-1]]


def validation_problems(exc: ValidationError, doc: Document, data: Any, known_keys: Iterable[str],
                        hints: Mapping[str, str]) -> list[tuple[Location, str]]:
    """One located problem per validation error; ``data`` is what was validated (JSON values)."""
    return [(doc.locate(path, key=error["type"] == "extra_forbidden"), _message(error, path, known_keys, hints))
            for error in exc.errors() for path in (_data_path(error["loc"], data),)]


def _data_path(loc: tuple[int | str, ...], data: Any) -> PathKey:
    """The parts of pydantic's ``loc`` that are keys and indexes of the data: union tags and
    validator names are left out (a missing key, the last part, is kept)."""
    path: list[str | int] = []
    node = data
    for index, part in enumerate(loc):
        last = index == len(loc) - 1
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        elif not (last and isinstance(node, dict)):
            continue  # not in the data: a tag or a validator's name
        path.append(part)
    return tuple(path)


def _message(error: ErrorDetails, path: PathKey, known_keys: Iterable[str], hints: Mapping[str, str]) -> str:
    kind, value = error["type"], error.get("input")
    key = str(path[-1]) if path else ""
    if kind == "extra_forbidden":
        close = difflib.get_close_matches(key, sorted(known_keys), n=1)
        return f"unknown key {key!r}" + (f"; did you mean {close[0]!r}?" if close else "")
    if kind == "missing":
        return "required field is missing" + (f": {hints[key]}" if key in hints else "")
    if kind.startswith(("date_", "datetime_")):
        if isinstance(value, str) and _DATE_SHAPE.fullmatch(value):
            return f"{value} is not a calendar date"
        return f"expected a date YYYY-MM-DD, got {shorten(value)}"
    if kind == "value_error":
        return str(error["ctx"]["error"]) if "ctx" in error else error["msg"]
    return f"{error['msg']} (got {shorten(value)})"


def _keys(model: type[BaseModel]) -> set[str]:
    """Every key of ``model`` and of the models inside it, for suggestions."""
    found: set[str] = set()
    seen: set[type[BaseModel]] = set()
    todo = [model]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        for name, info in current.model_fields.items():
            found.add(info.alias or name)
            todo.extend(_models_in(info.annotation))
    return found


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [model for arg in typing.get_args(annotation) for model in _models_in(arg)]
