"""The report formats: one :class:`Reporter` per module of ``legalcheck._report.reporters``.

A new format is one module there that defines ``REPORTER``; the CLI's ``--format`` choices,
its output loop and the worker-side :class:`~legalcheck._report.rendering.Rendering` all ask
this registry, never a list of names.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
from abc import ABC
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, TextIO

if TYPE_CHECKING:  # looking a format up loads no batch machinery: its reporter imports what it writes
    from .._batch.pool import BatchItem, Progress, Summary
    from .._core.vocabulary import Lang


@dataclass(frozen=True)
class Destination:
    """Where a document format writes, and the run's settings it may need."""

    lang: Lang
    stream: TextIO | None = None  # text formats
    output: Path | None = None  # file formats (``writes_file``)
    paths: tuple[Path, ...] = ()  # the inputs, for formats that copy them (the annotated ledger)
    mapping: Path | None = None
    redact: bool = False
    audit: bool = False  # field paths, hashes and versions beside each case (the appendix has them anyway)
    progress: Progress | None = field(default=None, compare=False)


class Reporter(ABC):
    """One report format.

    A streaming format renders each item on its own, in the worker that checked it
    (``render_item``), then writes a trailer (``write_end``). A document format gets every
    item in order (``write``); when ``collects`` is set, the CLI gathers them first, within
    its limit of inputs per document. A ``writes_file`` format counts the items into the
    summary itself and writes ``Destination.output``.
    """

    name: ClassVar[str]
    order: ClassVar[int]  # place in the list of --format choices
    streams: ClassVar[bool] = False
    collects: ClassVar[bool] = False
    writes_file: ClassVar[str | None] = None  # what a file format writes ("workbook"): needs --output

    def render_item(self, item: BatchItem, lang: Lang, *, verbose: bool = False, audit: bool = False) -> str:
        raise TypeError(f"--format {self.name} is not rendered item by item")

    def render_item_bytes(self, item: BatchItem, lang: Lang, *, verbose: bool = False, audit: bool = False) -> bytes:
        """``render_item`` as UTF-8, what workers send and the CLI writes (a format may make it directly)."""
        return self.render_item(item, lang, verbose=verbose, audit=audit).encode("utf-8")

    def write_end(self, summary: Summary, lang: Lang, stream: TextIO) -> None:  # noqa: B027 - optional hook
        """What a streaming format writes after the last item (nothing by default)."""

    def write(self, items: Iterable[BatchItem], summary: Summary, destination: Destination) -> None:
        raise TypeError(f"--format {self.name} is written item by item")


@functools.cache
def _registry() -> dict[str, Reporter]:
    import pkgutil

    from . import reporters

    found: list[Reporter] = []
    for module_info in pkgutil.iter_modules(reporters.__path__):
        module = importlib.import_module(f"{reporters.__name__}.{module_info.name}")
        reporter = getattr(module, "REPORTER", None)
        if isinstance(reporter, Reporter):
            found.append(reporter)
    return {reporter.name: reporter for reporter in sorted(found, key=lambda r: r.order)}


def names() -> tuple[str, ...]:
    """Every format's name, in the order ``--format`` lists them."""
    return tuple(_registry())


@functools.cache
def lookup(name: str) -> Reporter:
    """The reporter of format ``name`` (``KeyError`` for an unknown name); asked once per rendered item."""
    # A run needs one format, and importing every reporter costs more than checking a case: the
    # module named after the format is tried alone first, the whole registry only otherwise.
    from . import reporters

    if name.isidentifier() and importlib.util.find_spec(f"{reporters.__name__}.{name}") is not None:
        reporter = getattr(importlib.import_module(f"{reporters.__name__}.{name}"), "REPORTER", None)
        if isinstance(reporter, Reporter) and reporter.name == name:
            return reporter
    return _registry()[name]
