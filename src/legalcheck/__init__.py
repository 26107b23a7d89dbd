"""legalcheck: check petition case files (信访事项) against China's Petition Work Regulations.

    >>> import legalcheck
    >>> case = legalcheck.load_case("examples/compliant-direct-letter.yaml")
    >>> report = legalcheck.check(case, as_of=datetime.date(2025, 12, 1))
    >>> [f.rule_id for f in report.findings]

For batches (files, directories, JSON Lines), ``check_paths`` yields one ``BatchItem`` per
input, in input order, with a report or the error that rejected it; memory stays flat.
"""

from ._api import case_from_dict, check, is_compliant, iter_findings, load_case
from ._batch.pool import BatchItem, BatchOptions, check_paths
from ._core.errors import CaseError, InputError, LegalcheckError, UnvalidatedCaseError
from ._core.version import __version__
from ._evaluation.evaluator import Evaluator
from ._model.case import Case
from ._model.findings import Finding, Report, Undetermined

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
