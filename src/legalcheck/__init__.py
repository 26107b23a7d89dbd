"""legalcheck: check petition case files (信访事项) against China's Petition Work Regulations.

    >>> import legalcheck
    >>> case = legalcheck.load_case("examples/compliant-direct-letter.yaml")
    >>> report = legalcheck.check(case, as_of=datetime.date(2025, 12, 1))
    >>> [f.rule_id for f in report.findings]

For batches (files, directories, JSON Lines), ``check_paths`` yields one ``BatchItem`` per
input, in input order, with a report or the error that rejected it; memory stays flat.

``load_case`` reads a path, a dict, YAML or JSON text or bytes through one validation; bad
input raises ``CaseError``, whose ``problems`` each carry a ``Location`` and a stable ``code``
(``PROBLEM_CODES`` lists them with their meaning in Chinese and English).

The names below are imported when first used (``import legalcheck`` alone builds no model), so
that a command needing a few of them starts fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._core.version import __version__

if TYPE_CHECKING:
    from ._api import check, is_compliant, iter_findings, load_case
    from ._batch.pool import BatchItem, BatchOptions, check_paths
    from ._core.errors import (
        PROBLEM_CODES,
        CaseError,
        EngineUnavailable,
        InputError,
        LegalcheckError,
        Location,
        Problem,
        UnvalidatedCaseError,
    )
    from ._evaluation.evaluator import Evaluator
    from ._model.case import AgencyRegistry, Case
    from ._model.findings import Finding, Report, Undetermined

# Each public name and the module that defines it.
_EXPORTS = {
    "PROBLEM_CODES": "._core.errors",
    "AgencyRegistry": "._model.case",
    "BatchItem": "._batch.pool",
    "BatchOptions": "._batch.pool",
    "Case": "._model.case",
    "CaseError": "._core.errors",
    "EngineUnavailable": "._core.errors",
    "Evaluator": "._evaluation.evaluator",
    "Finding": "._model.findings",
    "InputError": "._core.errors",
    "LegalcheckError": "._core.errors",
    "Location": "._core.errors",
    "Problem": "._core.errors",
    "Report": "._model.findings",
    "Undetermined": "._model.findings",
    "UnvalidatedCaseError": "._core.errors",
    "check": "._api",
    "check_paths": "._batch.pool",
    "is_compliant": "._api",
    "iter_findings": "._api",
    "load_case": "._api",
}

__all__ = [
    "PROBLEM_CODES",
    "AgencyRegistry",
    "BatchItem",
    "BatchOptions",
    "Case",
    "CaseError",
    "EngineUnavailable",
    "Evaluator",
    "Finding",
    "InputError",
    "LegalcheckError",
    "Location",
    "Problem",
    "Report",
    "Undetermined",
    "UnvalidatedCaseError",
    "__version__",
    "check",
    "check_paths",
    "is_compliant",
    "iter_findings",
    "load_case",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'legalcheck' has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value  # the next lookup is a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})
