"""Rendering one item in the worker that checked it, for the streaming formats."""

from __future__ import annotations

from dataclasses import dataclass

from .._batch.pool import BatchItem, Output, _internal
from .._core.vocabulary import Lang
from .redact import redact_item
from .registry import lookup


@dataclass(frozen=True)
class Rendering:
    """How the CLI's streaming formats render one item; picklable, so it can run in a worker."""

    fmt: str  # a streaming format of the registry (text, jsonl)
    lang: Lang = "zh"
    verbose: bool = False
    redact: bool = False
    audit: bool = False  # field paths, hashes and versions with each case

    def __call__(self, item: BatchItem) -> Output:
        try:
            data = self._render(item)
        except Exception as exc:  # noqa: BLE001 - a renderer bug loses this item's report, not the batch
            item = BatchItem(item.source, error=_internal(exc))
            data = self._render(item)
        return Output(item.source, data,
                      item.report.counts.violation if item.report is not None else 0, item.error,
                      item.report.counts.undetermined if item.report is not None else 0,
                      item.report.case_id if item.report is not None else None)

    def _render(self, item: BatchItem) -> bytes:
        if self.redact:
            item = redact_item(item, with_case=False)  # text and JSON Lines show the report, not the case
        return lookup(self.fmt).render_item_bytes(item, self.lang, verbose=self.verbose, audit=self.audit)
