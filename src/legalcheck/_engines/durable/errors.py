"""The engine's errors."""

from __future__ import annotations

from ..._core.errors import LegalcheckError


class DurableEngineError(LegalcheckError):
    """durable-rules cannot express a query, rejected a fact, or failed internally."""


class _Unsupported(ValueError):
    """A value the encodings cannot represent (reported with its rule or field by callers)."""
