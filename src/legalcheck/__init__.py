"""legalcheck: check petition case files (信访事项) against China's Petition Work Regulations.

    >>> import legalcheck
    >>> case = legalcheck.load_case("examples/compliant-direct-letter.yaml")
    >>> report = legalcheck.check(case, as_of=datetime.date(2025, 12, 1))
    >>> [f.rule_id for f in report.findings]

For batches (files, directories, JSON Lines), ``check_paths`` yields one ``BatchItem`` per
input, in input order, with a report or the error that rejected it; memory stays flat.

The names below are imported when first used (``import legalcheck`` alone builds no model), so
that a command needing a few of them starts fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._core.version import __version__

if TYPE_CHECKING:
    from ._api import case_from_dict, check, is_compliant, iter_findings, load_case
    from ._batch.pool import BatchItem, BatchOptions, check_paths
    from ._core.errors import CaseError, InputError, LegalcheckError, UnvalidatedCaseError
    from ._evaluation.evaluator import Evaluator
    from ._model.case import Case
    from ._model.findings import Finding, Report, Undetermined

# Each public name and the module that defines it.
_EXPORTS = {
    "BatchItem": "._batch.pool",
    "BatchOptions": "._batch.pool",
    "Case": "._model.case",
    "CaseError": "._core.errors",
    "Evaluator": "._evaluation.evaluator",
    "Finding": "._model.findings",
    "InputError": "._core.errors",
    "LegalcheckError": "._core.errors",
    "Report": "._model.findings",
    "Undetermined": "._model.findings",
    "UnvalidatedCaseError": "._core.errors",
    "case_from_dict": "._api",
    "check": "._api",
    "check_paths": "._batch.pool",
    "is_compliant": "._api",
    "iter_findings": "._api",
    "load_case": "._api",
}

__all__ = [
    "BatchItem",
    "BatchOptions",
    "Case",
    "CaseError",
    "Evaluator",
    "Finding",
    "InputError",
    "LegalcheckError",
    "Report",
    "Undetermined",
    "UnvalidatedCaseError",
    "__version__",
    "case_from_dict",
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
