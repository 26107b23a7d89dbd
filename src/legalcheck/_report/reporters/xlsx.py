"""The annotated Excel workbook (needs the ``xlsx`` extra, openpyxl; imported when written)."""

from __future__ import annotations

from collections.abc import Iterable

from ..._batch.pool import BatchItem, Summary
from ..registry import Destination, Reporter


class XlsxReporter(Reporter):
    name = "xlsx"
    order = 5
    writes_file = "workbook"

    def write(self, items: Iterable[BatchItem], summary: Summary, destination: Destination) -> None:
        from ..workbook import write_xlsx

        assert destination.output is not None
        write_xlsx(items, summary, destination.output, destination.lang, paths=destination.paths,
                   mapping=destination.mapping, redact=destination.redact, progress=destination.progress)


REPORTER = XlsxReporter()
