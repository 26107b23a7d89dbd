"""JSON Lines: one compact report (or error) per line, rendered in the worker that checked it."""

from __future__ import annotations

from ..._batch.pool import BatchItem
from ..._core.vocabulary import Lang
from ..registry import Reporter
from .json import render_jsonl_item


class JsonlReporter(Reporter):
    name = "jsonl"
    order = 2
    streams = True

    def render_item(self, item: BatchItem, lang: Lang, *, verbose: bool = False, audit: bool = False) -> str:
        return render_jsonl_item(item)


REPORTER = JsonlReporter()
