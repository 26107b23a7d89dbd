"""legalcheck: check petition case files (信访事项) against China's Petition Work Regulations.

    >>> import legalcheck
    >>> case = legalcheck.load_case("examples/compliant-direct-letter.yaml")
    >>> report = legalcheck.check(case, as_of=datetime.date(2025, 12, 1))
    >>> [f.rule_id for f in report.findings]
"""

from ._api import check, is_compliant, iter_findings, load_case
from ._case import Case
from ._errors import CaseError, InputError, LegalcheckError
from ._evaluator import Evaluator
from ._findings import Finding, Report
from ._version import __version__

__all__ = [
    "Case",
    "CaseError",
    "Evaluator",
    "Finding",
    "InputError",
    "LegalcheckError",
    "Report",
    "__version__",
    "check",
    "is_compliant",
    "iter_findings",
    "load_case",
]
