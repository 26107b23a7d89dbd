"""JSON Lines: one compact report (or error) per line, rendered in the worker that checked it."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from pydantic import TypeAdapter

from ..._batch.pool import BatchItem
from ..._core.vocabulary import Lang
from ..._model.findings import Report
from ..registry import Reporter
from .json import render_jsonl_item


@dataclass(frozen=True)
class _Writer:
    reports: TypeAdapter[Report]
    # U+2028 and U+2029, and U+0085, in UTF-8: line breaks to some readers (Python's str.splitlines,
    # JavaScript), legal raw inside JSON strings, so escaped: one record stays one line. Two searches
    # with a literal prefix: a bytes substring test for these is three times slower on Chinese text,
    # whose UTF-8 is full of their last byte.
    separators: re.Pattern[bytes]
    next_line: re.Pattern[bytes]


@functools.cache
def _writer() -> _Writer:
    # A report serialised to UTF-8 bytes directly: model_dump_json decodes them to a str that the
    # worker then encodes again (a report is about 23 KB: the two cost a third of serialising it).
    return _Writer(TypeAdapter(Report), re.compile(b"\xe2\x80[\xa8\xa9]"), re.compile(b"\xc2\x85"))


def _escape(found: re.Match[bytes]) -> bytes:
    return f"\\u{ord(found.group().decode()):04x}".encode()


def report_line(report: Report) -> bytes:
    """A report as one JSON Lines record in UTF-8: the text ``render_jsonl_item`` gives, encoded."""
    writer = _writer()
    data = writer.reports.dump_json(report)
    for pattern in (writer.separators, writer.next_line):
        if pattern.search(data) is not None:
            data = pattern.sub(_escape, data)
    return data + b"\n"


class JsonlReporter(Reporter):
    name = "jsonl"
    order = 2
    streams = True

    def render_item(self, item: BatchItem, lang: Lang, *, verbose: bool = False, audit: bool = False) -> str:
        return render_jsonl_item(item)

    def render_item_bytes(self, item: BatchItem, lang: Lang, *, verbose: bool = False, audit: bool = False) -> bytes:
        if item.report is not None:
            return report_line(item.report)
        return render_jsonl_item(item).encode("utf-8")


REPORTER = JsonlReporter()
