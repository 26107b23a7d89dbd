"""Safe loading of YAML and JSON documents, with limits and source positions.

Only safe loaders are used (the C loader when libyaml is present). Timestamps are
not resolved by YAML: dates stay strings so that the case model reports a bad date
with its field path instead of the YAML constructor failing without one. Positions
of fields are looked up only when an error needs them, so the hot path pays nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ._errors import InputError, Location

_BaseLoader: type[Any] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _SafeLoader(_BaseLoader):  # type: ignore[misc]
    """Safe loader that leaves timestamps as strings."""


_SafeLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
}


@dataclass(frozen=True)
class Limits:
    """Bounds on hostile input; a document past any of them is rejected, never half-read."""

    max_bytes: int = 5 * 1024 * 1024
    max_nodes: int = 200_000  # counted with aliases expanded: stops "billion laughs"
    max_depth: int = 64


DEFAULT_LIMITS = Limits()

PathKey = tuple[str | int, ...]


@dataclass
class Document:
    """A parsed document plus what is needed to point at its fields."""

    data: Any
    file: str | None
    text: str
    line_offset: int = 0  # for a record inside a JSON Lines file
    _positions: dict[PathKey, tuple[int, int]] | None = field(default=None, repr=False)

    def locate(self, path: PathKey) -> Location:
        """Location of the deepest existing node on ``path`` (1-based line and column)."""
        if self._positions is None:
            self._positions = _positions_of(self.text)
        probe = tuple(path)
        while probe and probe not in self._positions:
            probe = probe[:-1]
        line, column = self._positions.get(probe, (1, 1))
        return Location(self.file, line + self.line_offset, column, format_path(path) or None)


def format_path(path: PathKey) -> str:
    """``("events", 3, "date")`` -> ``events[3].date``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _check_size(text: str, file: str | None, limits: Limits) -> None:
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > limits.max_bytes:
        raise InputError.at(f"file is {size} bytes, over the limit of {limits.max_bytes}", file=file)


def _count_nodes(root: yaml.Node, file: str | None, limits: Limits) -> None:
    """Count nodes with aliases expanded, iteratively, and enforce depth."""
    memo: dict[int, int] = {}

    def size(node: yaml.Node, depth: int) -> int:
        if depth > limits.max_depth:
            raise InputError.at(f"nesting deeper than {limits.max_depth} levels", file=file,
                                line=node.start_mark.line + 1, column=node.start_mark.column + 1)
        known = memo.get(id(node))
        if known is not None:
            return known
        total = 1
        if isinstance(node, yaml.SequenceNode):
            for child in node.value:
                total += size(child, depth + 1)
                if total > limits.max_nodes:
                    break
        elif isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                total += size(key, depth + 1) + size(value, depth + 1)
                if total > limits.max_nodes:
                    break
        memo[id(node)] = total
        if total > limits.max_nodes:
            raise InputError.at(
                f"document expands to more than {limits.max_nodes} nodes (YAML aliases?); refusing it",
                file=file, line=node.start_mark.line + 1, column=node.start_mark.column + 1)
        return total

    size(root, 0)


def _yaml_error(exc: yaml.YAMLError, file: str | None, line_offset: int = 0) -> InputError:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    message = f"YAML syntax error: {problem}" + (f" ({context})" if context else "")
    if mark is None:
        return InputError.at(message, file=file)
    return InputError.at(message, file=file, line=mark.line + 1 + line_offset, column=mark.column + 1)


def parse_yaml(text: str, file: str | None = None, *, limits: Limits = DEFAULT_LIMITS) -> Document:
    """Parse one YAML document safely and within ``limits``."""
    _check_size(text, file, limits)
    loader = _SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return Document(None, file, text)
        _count_nodes(node, file, limits)
        data = loader.construct_document(node)
    except yaml.YAMLError as exc:
        raise _yaml_error(exc, file) from None
    except RecursionError:
        raise InputError.at("document is nested too deeply", file=file) from None
    finally:
        loader.dispose()
    return Document(data, file, text)


def parse_json(text: str, file: str | None = None, *, limits: Limits = DEFAULT_LIMITS,
               line_offset: int = 0) -> Document:
    """Parse one JSON document; errors carry line and column."""
    _check_size(text, file, limits)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError.at(f"JSON syntax error: {exc.msg}", file=file, line=exc.lineno + line_offset,
                            column=exc.colno) from None
    except RecursionError:
        raise InputError.at("document is nested too deeply", file=file, line=1 + line_offset) from None
    _check_json_depth(data, file, limits, line_offset)
    return Document(data, file, text, line_offset)


def _check_json_depth(data: Any, file: str | None, limits: Limits, line_offset: int) -> None:
    stack: list[tuple[Any, int]] = [(data, 0)]
    count = 0
    while stack:
        value, depth = stack.pop()
        count += 1
        if depth > limits.max_depth:
            raise InputError.at(f"nesting deeper than {limits.max_depth} levels", file=file, line=1 + line_offset)
        if count > limits.max_nodes:
            raise InputError.at(f"document has more than {limits.max_nodes} nodes", file=file, line=1 + line_offset)
        if isinstance(value, dict):
            stack.extend((v, depth + 1) for v in value.values())
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value)


def read_text(path: Path, *, limits: Limits = DEFAULT_LIMITS) -> str:
    """Read a UTF-8 file, refusing oversized ones before reading them."""
    try:
        size = path.stat().st_size
        if size > limits.max_bytes:
            raise InputError.at(f"file is {size} bytes, over the limit of {limits.max_bytes}", file=path)
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InputError.at(f"not UTF-8 text (byte {exc.start})", file=path) from None
    except OSError as exc:
        raise InputError.at(f"cannot read file: {exc.strerror or exc}", file=path) from None


def load_document(path: Path, *, limits: Limits = DEFAULT_LIMITS) -> Document:
    """Load a ``.json`` file as JSON and anything else as YAML."""
    text = read_text(path, limits=limits)
    if path.suffix.lower() == ".json":
        return parse_json(text, str(path), limits=limits)
    return parse_yaml(text, str(path), limits=limits)


def _positions_of(text: str) -> dict[PathKey, tuple[int, int]]:
    """Map each field path to the 1-based (line, column) of its value (JSON parses as YAML here)."""
    positions: dict[PathKey, tuple[int, int]] = {}
    try:
        node = yaml.compose(text, Loader=_SafeLoader)
    except yaml.YAMLError:
        return positions
    if node is None:
        return positions
    stack: list[tuple[yaml.Node, PathKey]] = [(node, ())]
    seen: set[int] = set()
    while stack:
        current, path = stack.pop()
        positions.setdefault(path, (current.start_mark.line + 1, current.start_mark.column + 1))
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, yaml.MappingNode):
            for key, value in current.value:
                if isinstance(key, yaml.ScalarNode):
                    positions.setdefault(path + (key.value,), (key.start_mark.line + 1, key.start_mark.column + 1))
                    stack.append((value, path + (key.value,)))
        elif isinstance(current, yaml.SequenceNode):
            for index, value in enumerate(current.value):
                stack.append((value, path + (index,)))
    return positions
