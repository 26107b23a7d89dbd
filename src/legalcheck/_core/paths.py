"""Where the bundled data (rules, regulations, calendars, packs) lives.

An installed wheel carries it under ``legalcheck/_data``; a source checkout keeps
it at the repository's top level, which is where contributors edit it.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent.parent  # legalcheck/, this module being in legalcheck/_core


def data_dir(name: str) -> Path:
    """Return the directory of bundled data ``name`` (``rules``, ``regulations``, ``calendars``, ``packs``)."""
    bundled = _PACKAGE_DIR / "_data" / name
    if bundled.is_dir():
        return bundled
    return _PACKAGE_DIR.parent.parent / name
