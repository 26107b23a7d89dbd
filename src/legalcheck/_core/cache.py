"""The compiled cache: what loading the bundled data produces (rules, regulations, the calendar, the
native engine's compiled queries, the durable-rules engine's compiled rulesets), kept between runs.

Loading and compiling 100-odd rule files and the regulations from YAML takes a few tenths of a
second, on every CLI run. The result is pickled into the user's cache directory and used again
while nothing it was built from has changed. The key of an entry hashes the *content* of every
file under the source directories, their locations (reports and errors name them), the code of
this package, its version and the Python version: editing any of them makes a new entry, never
a stale answer. The native engine's queries, compiled Python functions, are kept as code
objects (:func:`compiled_code`, in the format of ``.pyc`` files), keyed by their source text.

* Directory: ``$LEGALCHECK_CACHE_DIR``, else ``$XDG_CACHE_HOME/legalcheck``, else
  ``~/.cache/legalcheck``; never the source tree.
* At most four entries per kind are kept, the newest.
* Off with ``LEGALCHECK_NO_CACHE=1`` (the CLI's ``--no-cache`` sets it).
* An entry is written to a temporary file and renamed into place, so a reader sees a whole
  entry or none. An entry that cannot be read (corrupt, truncated, from another version of a
  class) is ignored and rebuilt; a directory that cannot be written leaves the run uncached.
* Pickles and code objects run code when loaded, so entries are read only from a directory owned by the current
  user and not writable by anyone else (it is created with mode 0700).
"""

from __future__ import annotations

import hashlib
import marshal
import os
import pickle
import stat
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from types import CodeType
from typing import Any, TypeVar

from .version import __version__

T = TypeVar("T")
_PACKAGE_DIR = Path(__file__).resolve().parent.parent
_code_fingerprint: str | None = None
KEPT_PER_KIND = 4  # entries kept per kind (say the bundled rules and a test copy): older ones are removed


def cache_dir() -> Path:
    """Where entries live (not created here)."""
    explicit = os.environ.get("LEGALCHECK_CACHE_DIR")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".cache"
    return base / "legalcheck"


def enabled() -> bool:
    return os.environ.get("LEGALCHECK_NO_CACHE", "") in ("", "0")


def _files(root: str, suffix: str = "") -> list[tuple[str, str]]:
    """``(name relative to root, path)`` of every file under ``root`` ending in ``suffix``, sorted by name.

    Strings and ``os.walk``, not ``Path.rglob``: a start lists some 200 files, and Path objects
    cost more than reading them.
    """
    if os.path.isfile(root):
        return [(os.path.basename(root), root)]
    found = []
    for directory, subdirectories, names in os.walk(root):
        subdirectories[:] = [d for d in subdirectories if d != "__pycache__"]
        prefix = os.path.relpath(directory, root)
        for name in names:
            if name.endswith(suffix):
                found.append((name if prefix == "." else f"{prefix}/{name}", os.path.join(directory, name)))
    return sorted(found)


def _hash_files(hasher: Any, files: list[tuple[str, str]]) -> None:
    for name, path in files:
        with open(path, "rb") as handle:
            content = handle.read()
        hasher.update(f"{name}\n".encode("utf-8", "surrogateescape"))
        hasher.update(hashlib.sha256(content).digest())


def _code() -> str:
    """The package's own code: a loader changed in a checkout changes what it builds."""
    global _code_fingerprint
    if _code_fingerprint is None:
        hasher = hashlib.sha256()
        _hash_files(hasher, _files(str(_PACKAGE_DIR), ".py"))
        _code_fingerprint = hasher.hexdigest()
    return _code_fingerprint


def entry_key(kind: str, sources: Sequence[Path], detail: str = "") -> str:
    """The hash naming ``kind`` built from ``sources`` (files or directories, all read) and ``detail``."""
    hasher = hashlib.sha256()
    hasher.update(f"{kind}\n{__version__}\n{sys.version}\n{pickle.DEFAULT_PROTOCOL}\n{_code()}\n".encode())
    hasher.update(f"{len(detail)}\n{detail}\n".encode("utf-8", "surrogatepass"))
    for source in sources:
        root = os.path.realpath(source)
        hasher.update(f"root {root}\n".encode("utf-8", "surrogateescape"))
        if os.path.exists(root):
            _hash_files(hasher, _files(root))
    return hasher.hexdigest()


def _trusted(directory: Path) -> bool:
    """Owned by this user and writable by no one else: nobody else could have planted an entry."""
    try:
        info = directory.stat()
    except OSError:
        return False
    return (stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid()
            and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH))


def _read(path: Path, load: Callable[[bytes], object]) -> object | None:
    try:
        data = path.read_bytes()
        return load(data)
    except Exception:  # corrupt, truncated, unreadable, or classes that changed: rebuild
        return None


def _write(directory: Path, name: str, data: bytes) -> None:
    import tempfile  # only a run that builds an entry writes one

    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _trusted(directory):
            return
        handle, temporary = tempfile.mkstemp(prefix=f".{name}.", dir=directory)
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(data)
            os.replace(temporary, directory / name)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        kind, suffix = name.split("-", 1)[0], Path(name).suffix
        entries = sorted(directory.glob(f"{kind}-*{suffix}"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in entries[KEPT_PER_KIND:]:  # older builds of the same kind
            old.unlink(missing_ok=True)
    except Exception:  # noqa: S110 - a cache that cannot be written only costs the next run time
        pass


def _pickle(value: object) -> bytes:
    return pickle.dumps(value, protocol=pickle.DEFAULT_PROTOCOL)


def _unpickle(data: bytes) -> object:
    value: object = pickle.loads(data)  # noqa: S301 - our own entry, in a directory only this user can write
    return value


def cached(kind: str, sources: Sequence[Path], build: Callable[[], T], expected: type[T], *, detail: str = "") -> T:
    """``build()``, or its result from an earlier run when ``sources``, ``detail`` and the code are unchanged.

    ``expected`` is the type of the result: an entry holding anything else is rebuilt. ``detail``
    is what else the result depends on, such as the names of the sources as the caller spelt them.
    """
    if not enabled():
        return build()
    try:
        name = f"{kind}-{entry_key(kind, sources, detail)}.pickle"
    except OSError:  # a source that cannot be read: let the loader report it
        return build()
    directory = cache_dir()
    if _trusted(directory):
        found = _read(directory / name, _unpickle)
        if isinstance(found, expected):
            return found
    value = build()
    _write(directory, name, _pickle(value))
    return value


def compiled_code(kind: str, sources: Sequence[tuple[str, str]]) -> tuple[CodeType, ...]:
    """``compile(text, f"<{label}>", "exec")`` of every ``(label, text)`` (module source), or the code
    objects of an earlier run that compiled the same texts under the same labels.

    Keyed by the texts themselves (and the Python version, whose bytecode this is), so an entry is
    valid wherever the same texts are compiled; kept with :mod:`marshal`, the format of ``.pyc`` files.
    """
    def build() -> tuple[CodeType, ...]:
        return tuple(compile(text, f"<{label}>", "exec") for label, text in sources)

    if not enabled() or not sources:
        return build()
    hasher = hashlib.sha256(f"{kind}\n{sys.version}\n{marshal.version}\n".encode())
    for label, text in sources:
        hasher.update(f"{len(label)} {len(text)}\n{label}{text}".encode("utf-8", "surrogatepass"))
    name = f"{kind}-{hasher.hexdigest()}.marshal"
    directory = cache_dir()
    if _trusted(directory):
        found = _read(directory / name, marshal.loads)
        if (isinstance(found, tuple) and len(found) == len(sources)
                and all(isinstance(code, CodeType) for code in found)):
            return found
    codes = build()
    _write(directory, name, marshal.dumps(codes))
    return codes
