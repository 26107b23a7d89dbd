"""Values as durable-comparable keys: equality keys, type tags, order keys."""

from __future__ import annotations

import json
from typing import Any

from .errors import _Unsupported
from .limits import _MAX_ORDER_INT


def _eq_key(value: Any) -> str:
    """A string equal for two values exactly when Python's ``==`` says they are equal.

    durable compares strings of two facts byte for byte over the raw JSON text, which is
    an injective encoding, so keys may hold any character.
    """
    if isinstance(value, (bool, int)):
        return f"n{int(value)}"  # True == 1 in Python
    if isinstance(value, str):
        return "s" + value
    if isinstance(value, list):
        return "l" + json.dumps([_eq_key(item) for item in value], ensure_ascii=False)
    if isinstance(value, tuple):
        return "t" + json.dumps([_eq_key(item) for item in value], ensure_ascii=False)
    raise _Unsupported(f"unsupported value {value!r} ({type(value).__name__})")


def _type_tag(value: Any) -> str:
    if isinstance(value, bool):
        return "b"
    if isinstance(value, int):
        return "i"
    if isinstance(value, str):
        return "s"
    if isinstance(value, list):
        return "l"
    if isinstance(value, tuple):
        return "u"
    raise _Unsupported(f"unsupported value {value!r} ({type(value).__name__})")


def _order_tag(value: Any) -> str | None:
    """The type class inside which ``<`` is defined (None: never ordered, e.g. bool)."""
    tag = _type_tag(value)
    return None if tag == "b" else tag


def _hex(text: str) -> str:
    # Fixed-width code points: byte order == code point order == Python's str order, and
    # the text holds only [0-9a-f], which durable's strncmp over raw JSON handles (it
    # mis-orders a string against a longer one that extends it with a char below '"').
    return text.encode("utf-32-be", "surrogatepass").hex()


def _order_key(value: Any) -> int | str:
    """A durable-comparable key ordered like ``value`` among values of its own type."""
    if isinstance(value, int) and not isinstance(value, bool):
        if abs(value) >= _MAX_ORDER_INT:
            raise _Unsupported(f"integer {value} is out of range for ordering")
        return value
    if isinstance(value, str):
        return _hex(value)
    if isinstance(value, (list, tuple)) and all(isinstance(item, str) for item in value):
        # '.' sorts above the '"' that ends a JSON string and below every hex digit, so a
        # list sorts before any list it is a proper prefix of, element by element.
        return "".join(_hex(item) + "." for item in value)
    raise _Unsupported(f"cannot order {value!r}")
