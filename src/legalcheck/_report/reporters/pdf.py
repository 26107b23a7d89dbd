"""The HTML report as a PDF (needs the ``pdf`` extra, WeasyPrint; imported when written).

The same page as ``--format html``, laid out by WeasyPrint with its print rules: A4, each case
from a new page (the first after the batch summary), the audit appendix last. Nothing is
fetched: the page has no external resources, and the URL fetcher refuses any that appeared.
The file is complete or absent: written beside ``--output``, then renamed over it.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import NoReturn

from ..._batch.pool import BatchItem, Summary
from ..registry import Destination, Reporter
from .html import render_html


def _no_fetching(url: str, *args: object, **kwargs: object) -> NoReturn:
    raise ValueError(f"the report fetches nothing: {url[:80]}")


def write_pdf(html: str, output: Path) -> None:
    from weasyprint import HTML  # type: ignore[import-untyped]  # optional extra, no stubs

    directory = output.resolve().parent
    handle, temporary = tempfile.mkstemp(prefix=f".{output.name}.", suffix=".tmp", dir=directory)
    os.close(handle)
    try:
        HTML(string=html, url_fetcher=_no_fetching).write_pdf(temporary)
        os.replace(temporary, output)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


class PdfReporter(Reporter):
    """The HTML report printed to PDF (A4), for supervisors and files."""

    name = "pdf"
    order = 6
    writes_file = "PDF"

    def write(self, items: Iterable[BatchItem], summary: Summary, destination: Destination) -> None:
        assert destination.output is not None
        collected = []
        for item in items:
            summary.add(item)
            collected.append(item)
            if destination.progress is not None:
                destination.progress.update(summary)
        if destination.progress is not None:
            destination.progress.close()
        write_pdf(render_html(collected, summary, destination.lang), destination.output)


REPORTER = PdfReporter()
