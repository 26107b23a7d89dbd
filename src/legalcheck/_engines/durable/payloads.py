"""A case's facts, encoded as one JSON batch per ruleset."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..._core.memo import BoundedMemo
from ..._facts.facts import Facts
from .encodings import _eq_key, _order_key, _type_tag
from .errors import _Unsupported
from .limits import _ABSENT_LEFT, _ABSENT_RIGHT, _MISSING, _UNORDERED_LEFT, _UNORDERED_RIGHT

if TYPE_CHECKING:
    from .compiler import _Compiled


_TAGS: dict[type, str] = {str: "s", bool: "b", int: "i", list: "l", tuple: "u"}
_KNOWN_VALUES = 4096  # per field: values whose helpers are kept


class _FieldCodec:
    """Writes the helper properties one field needs on one kind of fact (names precomputed)."""

    __slots__ = ("name", "fid", "helpers", "capacity", "absent", "t", "e", "E", "T", "U", "o", "i", "I", "_known")

    def __init__(self, name: str, fid: int, helpers: frozenset[str], capacity: int) -> None:
        def prop(helper: str) -> str | None:
            return f"{helper}{fid}" if helper in helpers else None

        def slots(helper: str) -> tuple[str, ...]:
            return tuple(f"{helper}{fid}_{n}" for n in range(capacity)) if helper in helpers else ()

        self.name = name
        self.fid, self.helpers, self.capacity = fid, helpers, capacity
        self.t, self.e, self.E = prop("t"), prop("e"), prop("E")
        self.T, self.U, self.o = prop("T"), prop("U"), prop("o")
        self.i, self.I = slots("i"), slots("I")
        absent: dict[str, Any] = {}
        for key, sentinel in ((self.t, _ABSENT_LEFT), (self.e, _ABSENT_LEFT), (self.E, _ABSENT_RIGHT),
                              (self.T, _UNORDERED_LEFT), (self.U, _UNORDERED_RIGHT), (self.o, 0)):
            if key is not None:
                absent[key] = sentinel
        absent.update(dict.fromkeys(self.i, _ABSENT_LEFT))
        absent.update(dict.fromkeys(self.I, _ABSENT_RIGHT))
        self.absent = absent
        # The helpers of each value seen, by (type, value): cases repeat the same agencies, kinds and
        # flags, and a lookup costs a fraction of encoding. Bounded; the type keeps True apart from 1.
        self._known: BoundedMemo[tuple[type, Any], dict[str, Any]] = BoundedMemo(_KNOWN_VALUES)

    def narrowed(self, props: frozenset[str]) -> _FieldCodec | None:
        """A codec writing only the helpers of which some property is in ``props`` (None: none is)."""
        helpers = frozenset(helper for helper in self.helpers
                            if any(key in props for key in _FieldCodec(self.name, self.fid, frozenset(helper),
                                                                         self.capacity).absent))
        if helpers == self.helpers:
            return self
        return _FieldCodec(self.name, self.fid, helpers, self.capacity) if helpers else None

    def encode(self, out: dict[str, Any], value: Any) -> None:
        """Write the helpers of a present value (absent values: ``out.update(self.absent)``)."""
        kind = type(value)
        if kind is str or kind is int or kind is bool:
            key = (kind, value)
            helpers = self._known.get(key)
            if helpers is None:
                helpers = {}
                self._encode(helpers, value)  # raises before anything is kept for a value it cannot encode
                self._known.keep(key, helpers)
            out.update(helpers)
            return
        self._encode(out, value)

    def _encode(self, out: dict[str, Any], value: Any) -> None:
        tag = _TAGS.get(type(value)) or _type_tag(value)  # subclasses take the slow path
        if self.t is not None:
            out[self.t] = tag
        if self.e is not None or self.E is not None:
            key = "s" + value if tag == "s" else _eq_key(value)
            if self.e is not None:
                out[self.e] = key
            if self.E is not None:
                out[self.E] = key
        if self.T is not None or self.U is not None or self.o is not None:
            ordered = tag != "b"
            if self.T is not None:
                out[self.T] = tag if ordered else _UNORDERED_LEFT
            if self.U is not None:
                out[self.U] = tag if ordered else _UNORDERED_RIGHT
            if self.o is not None:
                out[self.o] = _order_key(value) if ordered else 0
        if self.i:
            self._elements(out, self.i, value if tag in ("l", "u") else (), _ABSENT_LEFT)
        if self.I:
            if tag not in ("l", "u"):
                # Python would test a substring (or raise TypeError); durable can do neither.
                raise _Unsupported(f"'in' against field {self.name!r} needs a list, got {value!r}")
            self._elements(out, self.I, value, _ABSENT_RIGHT)

    @staticmethod
    def _elements(out: dict[str, Any], slots: tuple[str, ...], items: Sequence[Any], sentinel: str) -> None:
        count = len(items)
        for n, slot in enumerate(slots):
            out[slot] = _eq_key(items[n]) if n < count else sentinel


def _payloads(compiled: _Compiled, facts: Facts, events: list[dict[str, Any]], sid: str) -> list[str | None]:
    """Per ruleset, the facts of one case it has patterns for as one JSON array (None: no fact,
    or no rule of the ruleset the case can fire).

    One batch per ruleset: durable matches every fact before any match is read, so no
    rule sees a partial case, whatever order the events come in. A fact carries only the
    properties some pattern reads (on it, or through a reference to it): durable walks
    every property of a fact at every alpha node it reaches, and parses and copies it.
    """
    kind_hex = compiled.kind_hex
    event_codecs = compiled.event_codecs_by_kind
    encoded_events: list[tuple[str, dict[str, Any], str]] = []  # (kind, fact, JSON): encoded once
    for index, event in enumerate(events):
        kind = event["kind"]
        fact: dict[str, Any] = {"id": f"e{index}", "sid": sid, "#s": event["seq"], "#h": kind_hex[kind], "#m": "m"}
        for codec in event_codecs[kind]:
            value = event.get(codec.name, _MISSING)
            if value is _MISSING:
                fact.update(codec.absent)
            else:
                codec.encode(fact, value)
        encoded_events.append((kind, fact, _dumps(fact)))
    case_values: dict[str, Any] = {}
    if compiled.case_facts:
        for codec in compiled.case_codecs:
            value = facts.case.get(codec.name, _MISSING)
            if value is _MISSING:
                case_values.update(codec.absent)
            else:
                codec.encode(case_values, value)
    out: list[str | None] = []
    for wanted, layout in zip(compiled.wanted(frozenset([event["kind"] for event in events])), compiled.layouts):
        if not wanted:
            out.append(None)  # no rule here can fire for this case: no state, no facts
            continue
        event_keys = layout.event_keys
        batch = []
        for kind, fact, text in encoded_events:
            if kind in event_keys:
                keys = event_keys[kind]
                batch.append(text if keys is None else _dumps({key: fact[key] for key in keys}))
        for case_fact in layout.case_facts:
            # The same text as the fixed part, "sid" and the case's helpers in one object: the
            # fixed part (id and the constants) is encoded once, when compiled.
            rest = {"sid": sid}
            for prop in case_fact.props:
                rest[prop] = case_values[prop]
            batch.append(case_fact.head + "," + _dumps(rest)[1:])
        # An empty batch would make durable return a garbage state offset.
        out.append("[" + ",".join(batch) + "]" if batch else None)
    return out


_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False).encode
