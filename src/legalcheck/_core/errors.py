"""The library's own errors. Bad input never surfaces as a bare Python exception."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Location:
    """Where a problem is: file, 1-based line and column, and the field path inside the document.

    In a spreadsheet, ``cell`` says where instead of line and column (``案件!F17``), and
    ``field`` names the column's header: ``ledger.xlsx:案件!F17 (受理日期)``.
    """

    file: str | None = None
    line: int | None = None
    column: int | None = None
    field: str | None = None
    cell: str | None = None

    def __str__(self) -> str:
        where = self.file or "<input>"
        if self.cell is not None:
            where += f":{self.cell}"
            return f"{where} ({self.field})" if self.field else where
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return f"{where}: {self.field}" if self.field else where


class LegalcheckError(Exception):
    """Base class of every error legalcheck raises on purpose."""

    exit_code = 3
    code = "legalcheck-error"  # stable, for programs; subclasses that callers branch on set their own


class InputError(LegalcheckError):
    """Bad input (case, rule, calendar or regulation file): exit code 2.

    ``problems`` holds one ``(Location, message)`` pair per problem found, so a
    file with three bad fields reports all three at once.
    """

    exit_code = 2

    def __init__(self, problems: list[tuple[Location, str]]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(f"{loc}: {msg}" for loc, msg in problems))

    def __reduce__(self) -> tuple[type[InputError], tuple[list[tuple[Location, str]]]]:
        # Errors cross process boundaries in batch runs; rebuild from problems, not the message.
        return (type(self), (list(self.problems),))

    @classmethod
    def at(cls, message: str, *, file: str | Path | None = None, line: int | None = None,
           column: int | None = None, field: str | None = None) -> InputError:
        return cls([(Location(str(file) if file is not None else None, line, column, field), message)])


class CaseError(InputError):
    """A case file cannot be read or does not match the case model."""


class UnvalidatedCaseError(CaseError):
    """A ``Case`` that did not go through the loader's validation reached the evaluator.

    Raised by ``check`` / ``is_compliant`` / ``Evaluator`` when an agency the case refers to
    (an event's agency, a superior, ``competent_agencies``, …) is not among its agencies, or
    ids repeat: typically a ``Case`` built with ``Case.model_validate`` whose
    ``agency_registry`` was never merged. Load with ``legalcheck.load_case`` or
    ``legalcheck.case_from_dict`` instead. Exit code 2; ``code`` is stable.
    """

    code = "case-not-validated"


class RuleError(InputError):
    """A rule file does not match the rule schema or cites something that does not exist."""


class CalendarDataError(InputError):
    """No official working-day data for a year, or a bad calendar override file."""


class RegulationError(InputError):
    """A regulation file is malformed or a citation does not resolve."""


class EngineUnavailable(LegalcheckError):
    """The requested evaluation engine cannot run on this interpreter."""

    exit_code = 2
