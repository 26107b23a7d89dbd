"""JSON reporters: one document for a batch, or one line per case (JSON Lines)."""

from __future__ import annotations

import io
import json
import re
import tempfile
from collections.abc import Iterable, Sequence
from typing import Any, TextIO

from ..._batch.pool import BatchItem, Summary
from ..._core.errors import InputError
from ..._model.findings import REPORT_SCHEMA_ID
from ..registry import Destination, Reporter

BATCH_SCHEMA_ID = REPORT_SCHEMA_ID.replace("/report/", "/batch/")


def error_json(item: BatchItem) -> dict[str, Any]:
    assert item.error is not None
    if isinstance(item.error, InputError):
        problems = [{"file": p.location.file, "line": p.location.line, "column": p.location.column,
                     "field": p.location.field, **({"cell": p.location.cell} if p.location.cell is not None else {}),
                     "code": p.code, "message": p.message} for p in item.error.problems]
        return {"source": item.source, "kind": "input_error", "problems": problems}
    return {"source": item.source, "kind": "internal_error", "problems": [{"message": str(item.error)}]}


# Line breaks to a reader that splits on more than "\n" (Python's str.splitlines, JavaScript's
# line terminators): legal raw inside JSON strings, so escaped here; one record stays one line.
_LINE_BREAKS = re.compile("[\u0085\u2028\u2029]")


def _escape_line_breaks(text: str) -> str:
    # Outside strings JSON has no such characters, so every one found is inside a string.
    if "\u2028" not in text and "\u2029" not in text and "\x85" not in text:
        return text  # the usual text: three substring tests cost a fiftieth of the regular expression's scan
    return _LINE_BREAKS.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def render_jsonl_item(item: BatchItem) -> str:
    """One compact line; reports are serialised by pydantic-core directly, without a dict in between."""
    if item.report is not None:
        return _escape_line_breaks(item.report.model_dump_json()) + "\n"
    return _escape_line_breaks(json.dumps(error_json(item), ensure_ascii=False, separators=(",", ":"))) + "\n"


def _indented(value: Any, level: int) -> str:
    text = json.dumps(value, ensure_ascii=False, indent=2)
    return _escape_line_breaks(text.replace("\n", "\n" + " " * level))


def write_json(items: Iterable[BatchItem], summary: Summary, stream: TextIO) -> None:
    """The batch document, written report by report as ``items`` come: memory stays flat.

    ``summary`` is filled while ``items`` are consumed, so it comes last in the document.
    Errors are listed after the reports; they wait in a temporary file meanwhile (in memory
    up to a megabyte), not in a list.
    """
    stream.write(f'{{\n  "schema_id": {json.dumps(BATCH_SCHEMA_ID)},\n  "reports": [')
    with tempfile.SpooledTemporaryFile(max_size=1 << 20, mode="w+", encoding="utf-8") as errors:
        reports = error_count = 0
        for item in items:
            if item.report is not None:
                stream.write(("," if reports else "") + "\n    " + _indented(item.report.model_dump(mode="json"), 4))
                reports += 1
            else:
                errors.write(("," if error_count else "") + "\n    " + _indented(error_json(item), 4))
                error_count += 1
        stream.write(("\n  " if reports else "") + '],\n  "errors": [')
        errors.seek(0)
        while chunk := errors.read(1 << 16):
            stream.write(chunk)
    stream.write(("\n  " if error_count else "") + '],\n  "summary": ' + _indented({
        "found": summary.found, "checked": summary.checked, "rejected": summary.rejected,
        "violations": summary.violations, "undetermined": summary.undetermined,
        "skipped": sum(summary.skipped.values())}, 2) + "\n}\n")


def render_json(items: Sequence[BatchItem], summary: Summary) -> str:
    """The batch document as one string (see :func:`write_json`)."""
    buffer = io.StringIO()
    write_json(items, summary, buffer)
    return buffer.getvalue()


class JsonReporter(Reporter):
    """One JSON document for the batch, written report by report."""

    name = "json"
    order = 1

    def write(self, items: Iterable[BatchItem], summary: Summary, destination: Destination) -> None:
        assert destination.stream is not None
        write_json(items, summary, destination.stream)  # written as it goes: memory stays flat


REPORTER = JsonReporter()
