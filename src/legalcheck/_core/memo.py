"""``BoundedMemo``: values built once per key and kept for reuse, with bounded memory.

Batches repeat the same few due dates, texts, registries and combinations of event kinds, so
several layers keep what they built; over millions of cases each such memo must stay bounded.
"""

from __future__ import annotations

from typing import TypeVar

_Key = TypeVar("_Key")
_Value = TypeVar("_Value")


class BoundedMemo(dict[_Key, _Value]):
    """A dict that forgets everything when a new entry would make it hold more than ``limit``.

    Clearing all at once, rather than evicting the oldest, keeps a hit as cheap as a dict lookup;
    the few values a batch keeps using are built again at once.
    """

    __slots__ = ("limit",)

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit

    def keep(self, key: _Key, value: _Value) -> _Value:
        """Store ``value`` under ``key`` (first forgetting everything if full) and return it."""
        if len(self) >= self.limit:
            self.clear()
        self[key] = value
        return value
