"""Case text made inert for a terminal, a Markdown viewer or a browser.

Case files are input from outside: a case id or an agency name may carry an ANSI/OSC escape
sequence (which retitles or clears a terminal), a newline (which forges a line of the report,
such as a false summary), or a bidirectional control such as U+202E (which shows
``2025-06-20`` as ``02-60-5202``). Every such character is shown as a visible escape
(``\\x1b``, ``\\u202e``) instead of being written raw. Ordinary text, CJK included, passes
unchanged and costs one regular-expression search.
"""

from __future__ import annotations

import re

# C0 and C1 controls, DEL, bidirectional embeddings, overrides, isolates and marks, line and
# paragraph separators, and the byte-order mark (invisible, and it breaks a line's first field).
_CONTROLS = "\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff"
_ANY = re.compile(f"[{_CONTROLS}]")
# The same without tab and line breaks: for formats where a line break in a value is markup-safe.
_BUT_LINES = re.compile("[" + _CONTROLS.replace("\x00-\x1f", "\x00-\x08\x0b\x0c\x0e-\x1f") + "]")


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def neutralise(text: str) -> str:
    """``text`` as one line with every control and bidi character escaped (for the terminal)."""
    return _ANY.sub(_visible, text) if _ANY.search(text) else text


def neutralise_inline(text: str) -> str:
    """Like :func:`neutralise` but keeping tab, CR and LF, which Markdown and HTML escaping handle."""
    return _BUT_LINES.sub(_visible, text) if _BUT_LINES.search(text) else text
