"""The project's own data files (regulations, coverage, duties, calendar overrides) as pydantic models.

Each file's shape is a strict model (unknown keys refused, no coercion); :func:`parse_model`
validates a parsed :class:`Document` against it and turns every validation error into a problem
located by file, line, column and field path, raised as the loader's own error type
(``RegulationError``, ``CalendarDataError``, ``RuleError``). Checks that need more than one
field or the file's surroundings (numbering, a source file on disk) run after, on the model.
"""

from __future__ import annotations

import difflib
import json
import typing
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic_core import ErrorDetails

from .errors import InputError, Location
from .safe_yaml import Document, PathKey, shorten


class DataModel(BaseModel):
    """A part of a data file: unknown keys are errors, values are not coerced, the result is frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


Model = TypeVar("Model", bound=BaseModel)


def parse_model(model: type[Model], doc: Document, error: type[InputError], *,
                hints: Mapping[str, str] | None = None) -> Model:
    """``doc``'s data validated as ``model``; an ``error`` naming every problem where it is.

    ``hints`` add a sentence to the message of a missing field, by the field's name.
    """
    if not isinstance(doc.data, dict):
        raise error([(doc.locate(()), "expected a mapping (key: value) at the top level")])
    # Through JSON so that strict mode still parses ISO date strings (YAML leaves them as strings).
    text = json.dumps(doc.data)
    try:
        return model.model_validate_json(text)
    except ValidationError as exc:
        raise error(validation_problems(exc, doc, json.loads(text), _keys(model), hints or {})) from None


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
        return f"{shorten(value)} is not a calendar date (expected a date YYYY-MM-DD)"
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
