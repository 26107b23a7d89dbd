"""JSON reporters: one document for a batch, or one line per case (JSON Lines)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from ._batch import BatchItem, Summary
from ._errors import InputError
from ._findings import REPORT_SCHEMA_ID

BATCH_SCHEMA_ID = REPORT_SCHEMA_ID.replace("/report/", "/batch/")


def error_json(item: BatchItem) -> dict[str, Any]:
    assert item.error is not None
    if isinstance(item.error, InputError):
        problems = [{"file": loc.file, "line": loc.line, "column": loc.column, "field": loc.field,
                     **({"cell": loc.cell} if loc.cell is not None else {}),
                     "message": message} for loc, message in item.error.problems]
        return {"source": item.source, "kind": "input_error", "problems": problems}
    return {"source": item.source, "kind": "internal_error", "problems": [{"message": str(item.error)}]}


def render_jsonl_item(item: BatchItem) -> str:
    """One compact line; reports are serialised by pydantic-core directly, without a dict in between."""
    if item.report is not None:
        return item.report.model_dump_json() + "\n"
    return json.dumps(error_json(item), ensure_ascii=False, separators=(",", ":")) + "\n"


def render_json(items: Sequence[BatchItem], summary: Summary) -> str:
    document = {
        "schema_id": BATCH_SCHEMA_ID,
        "summary": {"found": summary.found, "checked": summary.checked, "rejected": summary.rejected,
                    "violations": summary.violations},
        "reports": [item.report.model_dump(mode="json") for item in items if item.report is not None],
        "errors": [error_json(item) for item in items if item.report is None],
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"
