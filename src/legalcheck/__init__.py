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
"""

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
from ._core.version import __version__
from ._evaluation.evaluator import Evaluator
from ._model.case import AgencyRegistry, Case
from ._model.findings import Finding, Report, Undetermined

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
