"""Writing a report file safely: never over an input, never half a file in place of the last one.

* The report goes to a temporary file beside the target (``.NAME.XXXX.tmp``: hidden, so a
  directory walk never reads it as a case) and is renamed over the target only when it is
  complete. Ctrl-C, SIGTERM, a full disk or a crash leave the previous report as it was.
* A target that is not a regular file (``/dev/stdout``, ``/dev/null``, a FIFO) cannot be
  replaced by a rename: it is written directly.
* A target the run would read as an input (one of the input files, or a case-named file
  inside an input directory) is refused before anything is read.
* Failures to create, write or rename become an :class:`OutputError` (exit code 2), never
  a traceback.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TextIO

from .._core.errors import LegalcheckError
from .._model.loader import CASE_SUFFIXES


class OutputError(LegalcheckError):
    """The report cannot be written where asked (a missing directory, a full disk, no permission)."""

    exit_code = 2


def _describe(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__


def _resolved(path: Path) -> Path:
    return Path(os.path.abspath(path)).resolve(strict=False)


def refuse_output_among_inputs(output: Path, inputs: Sequence[Path]) -> None:
    """Raise :class:`OutputError` when the run would read ``output`` as one of its inputs.

    A report inside an input directory is fine unless it is named like a case file
    (``report.jsonl`` would be read back, growing without end; ``report.html`` would not).
    """
    target = _resolved(output)
    case_named = target.suffix.lower() in CASE_SUFFIXES and not target.name.startswith((".", "_"))
    for raw in inputs:
        source = _resolved(raw)
        if source == target:
            raise OutputError(f"--output {output} is also an input: the report would replace the case file; "
                              "write it elsewhere")
        if case_named and source.is_dir() and target.is_relative_to(source):
            raise OutputError(f"--output {output} lies inside the input directory {raw} and is named like a case "
                              f"file ({target.suffix}): it would be read back as input; write it outside {raw} "
                              "or give it another name")


@contextlib.contextmanager
def atomic_output(target: Path) -> Iterator[TextIO]:
    """A text stream whose content replaces ``target`` only if the block completes without an exception."""
    try:
        info = os.stat(target)
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise OutputError(f"cannot write {target}: {_describe(exc)}") from None
    if info is not None and not stat.S_ISREG(info.st_mode):
        yield from _direct(target)
        return
    directory = target.parent if str(target.parent) else Path(".")
    try:
        descriptor, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise OutputError(f"cannot write {target}: {_describe(exc)}") from None
    try:
        # mkstemp creates the file 0600; a report gets the mode an ordinary new file would have.
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(descriptor, (info.st_mode & 0o7777) if info is not None else 0o666 & ~umask)
        with open(descriptor, "w", encoding="utf-8") as stream:
            yield stream
        os.replace(temporary, target)
    except OSError as exc:
        _remove(temporary)
        raise OutputError(f"cannot write {target}: {_describe(exc)}") from None
    except BaseException:
        _remove(temporary)
        raise


def _direct(target: Path) -> Iterator[TextIO]:
    try:
        with open(target, "w", encoding="utf-8") as stream:
            yield stream
    except OSError as exc:
        raise OutputError(f"cannot write {target}: {_describe(exc)}") from None


def _remove(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)
