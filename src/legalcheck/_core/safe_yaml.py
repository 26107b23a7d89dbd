"""Safe loading of YAML and JSON documents, with limits and source positions.

Every case, rule, calendar and regulation file comes through here, so this is where
hostile input is stopped:

* only a safe loader is used (libyaml's C loader when present), and it constructs
  plain data only: mappings, lists, text, numbers, booleans and null. Any other tag
  (``!!python/object``, but also ``!!set``, ``!!binary``, ``!!timestamp``) is refused
  with its position before anything is constructed;
* a file is refused past ``Limits.max_bytes`` before it is read, and special files
  (devices, FIFOs) are never opened;
* nodes are counted with aliases expanded and nesting is bounded *before* the
  document is constructed, so a "billion laughs" file costs a few kilobytes to refuse;
* integers too long for ``int()`` (Python refuses over 4300 digits) are refused here.

Timestamps are not resolved by YAML: dates stay strings so that the case model
reports a bad date with its field path instead of the YAML constructor failing
without one. Positions of fields are looked up only when an error needs them, so
the hot path pays nothing for them.
"""

from __future__ import annotations

import bisect
import json
import os
import re
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pydantic_core
import yaml

from .errors import InputError, Location, Problem, ProblemCode

_BaseLoader: type[Any] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_CORE = "tag:yaml.org,2002:"
# JSON's data model, nothing more: whatever YAML can say beyond it is refused.
_PLAIN_TAGS = frozenset(_CORE + name for name in ("null", "bool", "int", "float", "str", "seq", "map"))
# "<<" merge keys only copy entries of other mappings: still plain data, and counted like aliases.
_NODE_TAGS = _PLAIN_TAGS | {_CORE + "merge"}


class _SafeLoader(_BaseLoader):  # type: ignore[misc]
    """Safe loader that leaves timestamps as strings and constructs JSON-like data only."""


_SafeLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != _CORE + "timestamp"]
    for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
}
# Belt and braces: the node walk below already refuses other tags before construction.
_SafeLoader.yaml_constructors = {
    tag: constructor for tag, constructor in _BaseLoader.yaml_constructors.items()
    if tag is None or tag in _PLAIN_TAGS
}


@dataclass(frozen=True)
class Limits:
    """Bounds on hostile input; a document past any of them is rejected, never half-read."""

    max_bytes: int = 5 * 1024 * 1024
    max_nodes: int = 200_000  # counted with aliases expanded: stops "billion laughs"
    max_depth: int = 64
    max_int_digits: int = 1_000  # far beyond any real value, far below int()'s own limit


DEFAULT_LIMITS = Limits()

PathKey = tuple[str | int, ...]
# (line, column) of a mapping key and of its value, 1-based; equal for list items and the root.
_Position = tuple[int, int, int, int]


@dataclass
class Document:
    """A parsed document plus what is needed to point at its fields."""

    data: Any
    file: str | None
    text: str
    line_offset: int = 0  # for a record inside a JSON Lines file
    syntax: str = "yaml"  # "json": positions come from a JSON scanner (YAML cannot read every JSON text)
    _positions: dict[PathKey, _Position] | None = field(default=None, repr=False)

    def locate(self, path: PathKey, *, key: bool = False) -> Location:
        """Location of the deepest existing node on ``path`` (1-based line and column).

        It points at the value when the value starts on the key's line (``date: 2025-02-30``
        points at ``2025-02-30``) and at the key otherwise (a block mapping below it), or
        always at the key with ``key=True`` (for an unknown key).
        """
        if not self.text:  # data given as data (a dict): no lines to point at, only the field
            return Location(self.file, None, None, format_path(path) or None)
        if self._positions is None:
            self._positions = _json_positions(self.text) if self.syntax == "json" else _positions_of(self.text)
        probe = tuple(path)
        while probe and probe not in self._positions:
            probe = probe[:-1]
        key_line, key_column, line, column = self._positions.get(probe, (1, 1, 1, 1))
        if key or line != key_line or probe != tuple(path):
            line, column = key_line, key_column
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


def shorten(value: Any, width: int = 60) -> str:
    """``repr`` of a value cut to ``width`` characters, so a 5 MB string never lands in a message."""
    text = repr(value)
    return text if len(text) <= width else text[: width - 5] + "…" + text[-4:]


def _check_size(size: int, file: str | None, limits: Limits) -> None:
    if size > limits.max_bytes:
        raise InputError.at(code="file-too-large", file=file, size=size, limit=limits.max_bytes)


def _short_tag(tag: str) -> str:
    return "!!" + tag[len(_CORE):] if tag.startswith(_CORE) else tag


_INT = _CORE + "int"
_MERGE = _CORE + "merge"


def _check_nodes(root: yaml.Node, file: str | None, limits: Limits, unique_keys: bool) -> None:
    """Refuse foreign tags, over-long integers, duplicate keys, alias cycles, deep nesting and alias bombs.

    Counts every node as often as aliases repeat it, but visits each node once (sizes
    are memoised), so a billion-laughs file is refused after a few hundred steps.
    Recursion depth is bounded by ``max_depth``. Scalars, most of any document, are
    checked inline rather than by a call each: this walk runs for every case file.
    """
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()
    max_nodes, max_digits = limits.max_nodes, limits.max_int_digits

    def fail(node: yaml.Node, code: ProblemCode, **args: object) -> InputError:
        # Only now is the field path worked out: the hot path carries none.
        location = Location(file, node.start_mark.line + 1, node.start_mark.column + 1,
                            format_path(_path_to(root, node)) or None)
        return InputError([Problem(location, code, {k: str(v) for k, v in args.items()})])

    def check_scalar(node: yaml.Node) -> None:
        if node.tag not in _NODE_TAGS:
            raise fail(node, "yaml-tag", tag=repr(_short_tag(node.tag)))
        if node.tag == _INT and len(node.value) > max_digits:
            raise fail(node, "number-too-long", digits=len(node.value), limit=max_digits)

    def size(node: yaml.Node, depth: int) -> int:
        known = sizes.get(id(node))
        if known is not None:
            return known
        if id(node) in open_nodes:
            raise fail(node, "alias-cycle")
        if depth > limits.max_depth:
            raise fail(node, "too-deep", limit=limits.max_depth)
        check_scalar(node)
        total = 1
        if isinstance(node, yaml.CollectionNode):
            open_nodes.add(id(node))
            if isinstance(node, yaml.MappingNode):
                if unique_keys:
                    _check_duplicates(node, fail)
                children = [child for pair in node.value for child in pair]
            else:
                children = node.value
            for child in children:
                if type(child) is yaml.ScalarNode:
                    check_scalar(child)
                    total += 1
                else:
                    total += size(child, depth + 1)
                if total > max_nodes:
                    break
            open_nodes.discard(id(node))
        sizes[id(node)] = total
        if total > max_nodes:
            raise fail(node, "too-many-nodes", limit=max_nodes)
        return total

    size(root, 0)


def _check_duplicates(node: yaml.MappingNode, fail: Callable[..., InputError]) -> None:
    """YAML keeps the last of two equal keys without a word; a case file must not lose a date that way."""
    # Keys brought in by "<<" merges may be overridden on purpose: only written keys count.
    keys = [key for key, _ in node.value if type(key) is yaml.ScalarNode and key.tag != _MERGE]
    if len({key.value for key in keys}) == len(keys):
        return
    first: dict[str, yaml.Node] = {}
    for key in keys:
        earlier = first.setdefault(key.value, key)
        if earlier is not key:
            raise fail(key, "duplicate-key", key=shorten(key.value), first_line=earlier.start_mark.line + 1)


def _path_to(root: yaml.Node, target: yaml.Node) -> PathKey:
    """The field path of ``target`` below ``root`` (the first one, if aliases give it several)."""
    stack: list[tuple[yaml.Node, PathKey]] = [(root, ())]
    seen: set[int] = set()
    while stack:
        node, path = stack.pop()
        if node is target:
            return path
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for key, value in reversed(node.value):
                name: str | int = key.value if isinstance(key, yaml.ScalarNode) else "?"
                if key is target:
                    return path + (name,)
                stack.append((value, path + (name,)))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((child, path + (index,)) for index, child in reversed(list(enumerate(node.value))))
    return ()


def _yaml_error(exc: yaml.YAMLError, text: str, file: str | None) -> InputError:
    if isinstance(exc, yaml.reader.ReaderError):  # a character YAML does not allow, e.g. a raw control character
        line, column = _line_column(text, exc.position)
        return InputError.at(code="yaml-syntax", detail=f"{exc.reason} (character U+{exc.character:04X})"
                             if isinstance(exc.character, int) else exc.reason, file=file, line=line, column=column)
    problem_mark = getattr(exc, "problem_mark", None)
    context_mark = getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    if context and context_mark is not None and context_mark is not problem_mark and (
            problem_mark is None or context_mark.index != problem_mark.index):
        context += f" that starts at line {context_mark.line + 1}, column {context_mark.column + 1}"
    detail = f"{problem}" + (f" ({context})" if context else "")
    mark = problem_mark or context_mark
    if problem_mark is not None and context_mark is not None and problem_mark.index >= len(text.rstrip()):
        # Nothing is wrong at the end of the file: what is wrong is what was left open, e.g. "id: [a".
        mark = context_mark
    if mark is None:
        return InputError.at(code="yaml-syntax", detail=detail, file=file)
    return InputError.at(code="yaml-syntax", detail=detail, file=file, line=mark.line + 1, column=mark.column + 1)


def parse_yaml(text: str, file: str | None = None, *, limits: Limits = DEFAULT_LIMITS,
               unique_keys: bool = False) -> Document:
    """Parse one YAML document safely and within ``limits``; with ``unique_keys`` a repeated key is an error."""
    _check_size(len(text.encode("utf-8", "surrogatepass")), file, limits)
    loader = _SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return Document(None, file, text)
        _check_nodes(node, file, limits, unique_keys)
        data = loader.construct_document(node)
    except yaml.YAMLError as exc:
        raise _yaml_error(exc, text, file) from None
    except RecursionError:
        raise InputError.at(code="too-deep", file=file, limit=limits.max_depth) from None
    finally:
        loader.dispose()
    return Document(data, file, text)


_LONG_NUMBER = re.compile(r"-?\d{1000,}")


class _DuplicateKey(Exception):
    """Raised from inside ``json.loads`` at the first object with a repeated key."""


def _unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    data = dict(pairs)
    if len(data) != len(pairs):
        raise _DuplicateKey()
    return data


_SPACE_BEFORE_COLON = re.compile(rb'"[ \t\r\n]+:')


def json_keys_at_most(data: bytes, count: int) -> bool:
    """Whether the JSON text ``data`` writes at most ``count`` keys (a key repeated in one object
    counting each time), as far as its bytes alone tell; False when they do not.

    Every key is followed by a colon outside any string, so the text's colons bound its keys. When
    strings hold colons too, a closer bound: with no space before a colon every key ends in ``":``.
    A parse that finds ``count`` keys, each object's once, thus proves that none repeats.
    """
    return data.count(b":") <= count or (
        _SPACE_BEFORE_COLON.search(data) is None and data.count(b'":') <= count)


def has_duplicate_keys(raw: str | bytes) -> bool:
    """Whether a JSON text repeats a key in one object (``json.loads`` would keep the last without a word).

    Fast for the usual text (see :func:`json_keys_at_most`): a parse keeps one of two equal keys,
    so when the text writes no more keys than it has, none repeats. Any other text is parsed with
    a hook that compares each object's keys.
    """
    data = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw
    try:
        parsed = pydantic_core.from_json(data)
    except ValueError:
        pass  # the slow way below says whether it is JSON at all
    else:
        if json_keys_at_most(data, _count_keys(parsed)):
            return False
    try:
        json.loads(raw, object_pairs_hook=_unique_pairs)
    except _DuplicateKey:
        return True
    except (ValueError, RecursionError):
        return False  # not JSON at all: the parser that reads it says so
    return False


def _count_keys(data: Any) -> int:
    count = 0
    stack = [data]
    while stack:
        value = stack.pop()
        if type(value) is dict:
            count += len(value)
            stack.extend(value.values())
        elif type(value) is list:
            stack.extend(value)
    return count


def _duplicate_key_error(text: str, file: str | None, line_offset: int) -> InputError:
    duplicates: list[tuple[PathKey, tuple[int, int], tuple[int, int]]] = []
    _json_positions(text, duplicates)
    if not duplicates:
        return InputError.at(code="duplicate-key", file=file, line=1 + line_offset, key="?", first_line="?")
    path, (line, column), (first_line, _) = duplicates[0]
    return InputError.at(code="duplicate-key", key=shorten(path[-1]), first_line=first_line + line_offset, file=file,
                         line=line + line_offset, column=column, field=format_path(path))


def parse_json(text: str, file: str | None = None, *, limits: Limits = DEFAULT_LIMITS,
               line_offset: int = 0, unique_keys: bool = False) -> Document:
    """Parse one JSON document; errors carry line and column; with ``unique_keys`` a repeated key is an error."""
    _check_size(len(text.encode("utf-8", "surrogatepass")), file, limits)
    try:
        data = json.loads(text, object_pairs_hook=_unique_pairs) if unique_keys else json.loads(text)
    except _DuplicateKey:
        raise _duplicate_key_error(text, file, line_offset) from None
    except json.JSONDecodeError as exc:
        raise InputError.at(code="json-syntax", detail=exc.msg, file=file, line=exc.lineno + line_offset,
                            column=exc.colno) from None
    except RecursionError:
        raise InputError.at(code="too-deep", limit=limits.max_depth, file=file, line=1 + line_offset) from None
    except ValueError:  # int() refuses a number of more than 4300 digits
        found = _LONG_NUMBER.search(text)
        line, column = _line_column(text, found.start() if found else 0)
        raise InputError.at(code="number-too-long", digits=len(found.group()) if found else "too many",
                            limit=limits.max_int_digits, file=file, line=line + line_offset,
                            column=column) from None
    _check_json_depth(data, file, limits, line_offset)
    return Document(data, file, text, line_offset, "json")


def _line_column(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _check_json_depth(data: Any, file: str | None, limits: Limits, line_offset: int) -> None:
    stack: list[tuple[Any, int]] = [(data, 0)]
    count = 0
    while stack:
        value, depth = stack.pop()
        count += 1
        if depth > limits.max_depth:
            raise InputError.at(code="too-deep", limit=limits.max_depth, file=file, line=1 + line_offset)
        if count > limits.max_nodes:
            raise InputError.at(code="too-many-nodes", limit=limits.max_nodes, file=file, line=1 + line_offset)
        if isinstance(value, dict):
            stack.extend((v, depth + 1) for v in value.values())
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value)


def read_bytes(path: Path, *, limits: Limits = DEFAULT_LIMITS) -> bytes:
    """The bytes of a regular file, refusing oversized ones before reading them.

    Devices and FIFOs are refused unopened: ``/dev/zero`` would never end and a FIFO
    would block. The read itself is bounded too, in case the file grows meanwhile.
    """
    name = str(path)
    try:
        with open(path, "rb", opener=_open_regular) as handle:
            size = os.fstat(handle.fileno()).st_size
            _check_size(size, name, limits)
            # Not read(max_bytes + 1): that allocates the whole limit up front, for any file.
            data = handle.read(min(size, limits.max_bytes) + 1)
            if len(data) > size:  # it grew since fstat: read on, still bounded
                data += handle.read(limits.max_bytes + 1 - len(data))
    except _NotRegular:
        raise InputError.at(code="not-regular-file", file=name) from None
    except FileNotFoundError:
        raise InputError.at(code="not-found", file=name) from None
    except OSError as exc:
        raise InputError.at(code="unreadable", what="file", detail=exc.strerror or exc, file=name) from None
    _check_size(len(data), name, limits)
    return data


class _NotRegular(Exception):
    pass


def _open_regular(path: str, flags: int) -> int:
    # O_NONBLOCK: opening a FIFO must not wait for a writer before we can refuse it.
    fd = os.open(path, flags | getattr(os, "O_NONBLOCK", 0))
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise _NotRegular
    return fd


def decode(data: bytes, file: str | None, *, line_offset: int = 0) -> str:
    """UTF-8 text (a leading byte-order mark is dropped), or an error pointing at the bad byte."""
    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        start = exc.start + len(data) - len(body)
        before = data[:start]
        line = before.count(b"\n") + 1
        column = len(before[before.rfind(b"\n") + 1:].decode("utf-8", "replace")) + 1
        raise InputError.at(code="not-utf8", byte=f"{data[start]:02x}", offset=start, file=file,
                            line=line + line_offset, column=column) from None


def read_text(path: Path, *, limits: Limits = DEFAULT_LIMITS) -> str:
    """Read a UTF-8 file, refusing oversized and special files before reading them."""
    return decode(read_bytes(path, limits=limits), str(path))


def parse(text: str, path: Path, *, limits: Limits = DEFAULT_LIMITS, unique_keys: bool = False) -> Document:
    """Parse ``text`` as JSON for a ``.json`` file and as YAML otherwise."""
    if path.suffix.lower() == ".json":
        return parse_json(text, str(path), limits=limits, unique_keys=unique_keys)
    return parse_yaml(text, str(path), limits=limits, unique_keys=unique_keys)


def load_document(path: Path, *, limits: Limits = DEFAULT_LIMITS, unique_keys: bool = False) -> Document:
    """Load a ``.json`` file as JSON and anything else as YAML (see ``parse_yaml`` for ``unique_keys``)."""
    return parse(read_text(path, limits=limits), path, limits=limits, unique_keys=unique_keys)


def _positions_of(text: str) -> dict[PathKey, _Position]:
    """Map each field path to where its key and its value start (JSON parses as YAML here)."""
    positions: dict[PathKey, _Position] = {}
    try:
        node = yaml.compose(text, Loader=_SafeLoader)
    except yaml.YAMLError:
        return positions
    if node is None:
        return positions

    def start(n: yaml.Node) -> tuple[int, int]:
        return n.start_mark.line + 1, n.start_mark.column + 1

    positions[()] = (*start(node), *start(node))
    stack: list[tuple[yaml.Node, PathKey]] = [(node, ())]
    seen: set[int] = set()
    while stack:
        current, path = stack.pop()
        if id(current) in seen:  # an alias: its children were placed under the anchor's path
            continue
        seen.add(id(current))
        if isinstance(current, yaml.MappingNode):
            for key, value in current.value:
                if isinstance(key, yaml.ScalarNode):
                    child = path + (key.value,)
                    positions.setdefault(child, (*start(key), *start(value)))
                    stack.append((value, child))
        elif isinstance(current, yaml.SequenceNode):
            for index, value in enumerate(current.value):
                positions.setdefault(path + (index,), (*start(value), *start(value)))
                stack.append((value, path + (index,)))
    return positions


_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_JSON_SCALAR = re.compile(r"[^\s,:\]\}]+")


def _json_positions(text: str, duplicates: list[tuple[PathKey, tuple[int, int], tuple[int, int]]] | None = None,
                    ) -> dict[PathKey, _Position]:
    """Like ``_positions_of`` for JSON text, which is valid here (it has been parsed already).

    A small scanner rather than YAML: YAML refuses some valid JSON (escaped surrogates,
    keys over 1024 characters), and then every error would point at line 1. Each key
    that repeats one of its object is added to ``duplicates`` as (path, where, where first).
    """
    positions: dict[PathKey, _Position] = {}
    newlines = [index for index, char in enumerate(text) if char == "\n"]

    def at(offset: int) -> tuple[int, int]:
        line = bisect.bisect_left(newlines, offset)
        return line + 1, offset - (newlines[line - 1] + 1 if line else 0) + 1

    # One frame per open container: [path, is_object, next index or current key, key position, expecting a key]
    stack: list[list[Any]] = []

    def value_at(offset: int) -> PathKey:
        line, column = at(offset)
        if not stack:
            path: PathKey = ()
            positions.setdefault(path, (line, column, line, column))
            return path
        frame = stack[-1]
        if frame[1]:
            path = frame[0] + (frame[2],)
            positions.setdefault(path, (*frame[3], line, column))
        else:
            path = frame[0] + (frame[2],)
            frame[2] += 1
            positions.setdefault(path, (line, column, line, column))
        return path

    offset, end = 0, len(text)
    try:
        while offset < end:
            char = text[offset]
            if char in " \t\r\n":
                offset += 1
            elif char == '"':
                match = _JSON_STRING.match(text, offset)
                assert match is not None
                if stack and stack[-1][1] and stack[-1][4]:
                    stack[-1][2], stack[-1][3], stack[-1][4] = json.loads(match.group()), at(offset), False
                    earlier = positions.get(stack[-1][0] + (stack[-1][2],))
                    if duplicates is not None and earlier is not None:
                        duplicates.append((stack[-1][0] + (stack[-1][2],), stack[-1][3], earlier[:2]))
                else:
                    value_at(offset)
                offset = match.end()
            elif char in "{[":
                stack.append([value_at(offset), char == "{", 0, (1, 1), char == "{"])
                offset += 1
            elif char in "}]":
                stack.pop()
                offset += 1
            elif char == ",":
                if stack and stack[-1][1]:
                    stack[-1][4] = True
                offset += 1
            elif char == ":":
                offset += 1
            else:
                match = _JSON_SCALAR.match(text, offset)
                assert match is not None
                value_at(offset)
                offset = match.end()
    except (AssertionError, IndexError, ValueError):
        pass  # not valid JSON after all: what was found so far still helps
    return positions
