"""Masking personal data in a checked item, for reports that leave the legal team (``check --redact``).

Masked: petitioners' names, addresses, ID-card numbers and phone numbers; representatives;
staff named in ``staff_interests`` and in ``person``/``to_person`` of events; accused
persons. An organisation's name is not personal data and is kept, except when it petitions
in an accusation matter: 第三十条第三款 forbids passing an accuser's identity to the accused,
so there the petitioner's identity is always masked, whoever the petitioner is. Agencies
(ids and names) are kept: they are the subject of the checks.

Each value becomes a numbered token such as ``〔信访人1〕``, the same token wherever the value
recurs in the item, so that the report stays readable (the accused person who received the
materials is visibly the accused). Tokens are numbered in a fixed traversal order, never
derived from the value (a hash of a name could be reversed by trying every name), so the
output is deterministic. Free text (title, content, notes, reasons, messages, case id,
source path, error messages) is scanned for every known value and for anything shaped like
an ID-card number, a mobile number or a landline.

Limits: a value is found in free text only as written in its own field (an address quoted
in part is not recognised), and one-character values are masked in their field but not
searched for in free text, where they would wipe out ordinary words.
"""

from __future__ import annotations

import dataclasses
import re

from pydantic import BaseModel

from ._batch import BatchItem
from ._case import Case, Category, Petitioner
from ._errors import InputError, LegalcheckError
from ._findings import Bilingual, FieldRef, Finding, Report

# Digits next to letters or digits are part of something else (a hash, a longer number).
_EDGE_BEFORE = r"(?<![0-9A-Za-z+])"
_EDGE_AFTER = r"(?![0-9A-Za-z])"
ID_NUMBER = re.compile(_EDGE_BEFORE + r"\d{17}[\dXx]" + _EDGE_AFTER)
MOBILE = re.compile(_EDGE_BEFORE + r"(?:\+?86[ -]?)?1[3-9]\d(?:[ -]?\d{4}){2}" + _EDGE_AFTER)
LANDLINE = re.compile(_EDGE_BEFORE + r"(?:\(0\d{2,3}\)|（0\d{2,3}）|0\d{2,3})[ -]?\d{7,8}(?:-\d{1,6})?" + _EDGE_AFTER)

_PERSON_FIELDS = (".person", ".to_person")  # FieldRef paths that carry a person's name


def _phone_key(value: str) -> str:
    """One key per number however it is written: digits only, without the +86 prefix."""
    digits = re.sub(r"\D", "", value)
    return digits[2:] if digits.startswith("86") and len(digits) == 13 else digits


class Masker:
    """Assigns tokens to personal values and masks them wherever they occur in text."""

    def __init__(self) -> None:
        self._tokens: dict[str, str] = {}
        self._counts: dict[str, int] = {}
        self._known: re.Pattern[str] | None = None

    def token(self, value: str, kind: str, *aliases: str) -> str:
        """The token of ``value`` (new ones numbered per kind); ``aliases`` are other spellings of it."""
        token = self._tokens.get(value) or next((self._tokens[a] for a in aliases if a in self._tokens), None)
        if token is None:
            count = self._counts.get(kind, 0) + 1
            self._counts[kind] = count
            token = f"〔{kind}{count}〕"
        for key in (value, *aliases):
            if key and key not in self._tokens:
                self._tokens[key] = token
                self._known = None
        return token

    def name(self, value: str | None, kind: str) -> str | None:
        return None if value is None else self.token(value, kind)

    def phone(self, value: str | None) -> str | None:
        return None if value is None else self.token(value, "电话", _phone_key(value))

    def id_number(self, value: str | None) -> str | None:
        return None if value is None else self.token(value, "身份证号", value.upper())

    def text(self, value: str) -> str:
        """``value`` with every known value and every ID-card or phone number replaced by its token."""
        if self._known is None:
            searchable = sorted((v for v in self._tokens if len(v) > 1), key=lambda v: (-len(v), v))
            self._known = re.compile("|".join(map(re.escape, searchable))) if searchable else re.compile(r"(?!)")
        value = self._known.sub(lambda m: self._tokens[m.group()], value)
        value = ID_NUMBER.sub(lambda m: self.token(m.group(), "身份证号", m.group().upper()), value)
        value = MOBILE.sub(lambda m: self.token(m.group(), "电话", _phone_key(m.group())), value)
        return LANDLINE.sub(lambda m: self.token(m.group(), "电话", _phone_key(m.group())), value)

    def optional(self, value: str | None) -> str | None:
        return None if value is None else self.text(value)


def _petitioner(masker: Masker, petitioner: Petitioner, accusation: bool) -> Petitioner:
    keep_name = petitioner.organization and not accusation
    return petitioner.model_copy(update={
        "name": petitioner.name if keep_name else masker.name(petitioner.name, "信访人"),
        "address": masker.name(petitioner.address, "住址"),
        "id_number": masker.id_number(petitioner.id_number),
        "phone": masker.phone(petitioner.phone),
    })


def redact_case(case: Case, masker: Masker) -> Case:
    """The case with personal values replaced by tokens; structure, dates and agencies unchanged."""
    accusation = case.category == Category.accusation
    # Register every personal value first, in a fixed order, so that free text below finds them all.
    petitioners = tuple(_petitioner(masker, p, accusation) for p in case.petitioners)
    representatives = tuple(masker.token(r, "信访人") for r in case.representatives)
    accused = case.accused.model_copy(update={"persons": tuple(masker.token(p, "被反映人")
                                                                for p in case.accused.persons)})
    staff = tuple(s.model_copy(update={"person": masker.token(s.person, "工作人员")}) for s in case.staff_interests)
    for event in case.events:
        for attr in ("person", "to_person"):
            if isinstance(value := getattr(event, attr, None), str):
                masker.token(value, "人员")
    events = tuple(_event(masker, event) for event in case.events)
    content = case.content.model_copy(update={k: masker.optional(getattr(case.content, k))
                                              for k in ("request", "facts", "reasons")})
    return case.model_copy(update={
        "id": masker.text(case.id), "title": masker.optional(case.title), "petitioners": petitioners,
        "representatives": representatives, "accused": accused, "staff_interests": staff, "content": content,
        "events": events, "agency_registry": masker.optional(case.agency_registry),
    })


def _event(masker: Masker, event: BaseModel) -> BaseModel:
    update: dict[str, str | None] = {"note": masker.optional(getattr(event, "note", None))}
    for attr in ("person", "to_person"):
        if isinstance(value := getattr(event, attr, None), str):
            update[attr] = masker.token(value, "人员")
    # Free text: an objection's reasons, an extension's reason (a refusal's reason is a fixed vocabulary).
    free_text = {"objection": "reasons", "extension": "reason"}.get(str(getattr(event, "kind", "")))
    if free_text is not None and isinstance(value := getattr(event, free_text, None), str):
        update[free_text] = masker.text(value)
    return event.model_copy(update=update)


def _bilingual(masker: Masker, text: Bilingual) -> Bilingual:
    return Bilingual(zh=masker.text(text.zh), en=masker.text(text.en))


def _field(masker: Masker, ref: FieldRef) -> FieldRef:
    if ref.path.endswith(_PERSON_FIELDS):
        return ref.model_copy(update={"value": masker.token(ref.value, "人员")})
    return ref.model_copy(update={"value": masker.text(ref.value)})


def _finding(masker: Masker, finding: Finding) -> Finding:
    # Titles, grounds and citations are the rules' and the law's words; events name agencies.
    return finding.model_copy(update={"message": _bilingual(masker, finding.message),
                                      "fields": tuple(_field(masker, f) for f in finding.fields)})


def redact_report(report: Report, masker: Masker) -> Report:
    return report.model_copy(update={
        "case_id": masker.text(report.case_id), "source": masker.optional(report.source),
        "findings": tuple(_finding(masker, f) for f in report.findings),
    })


def _error(masker: Masker, error: LegalcheckError) -> LegalcheckError:
    """Error messages quote input values (``got '13800001111'``); mask them like any text."""
    if isinstance(error, InputError):
        problems = [(dataclasses.replace(loc, file=masker.optional(loc.file), field=masker.optional(loc.field)),
                     masker.text(message)) for loc, message in error.problems]
        try:
            return type(error)(problems)
        except TypeError:  # a subclass with another constructor
            return InputError(problems)
    masked = LegalcheckError(masker.text(str(error)))
    masked.exit_code = error.exit_code
    return masked


def redact_item(item: BatchItem) -> BatchItem:
    """``item`` with personal data masked in its case, its report (or error) and its source path.

    Deterministic: the same item always gives the same output.
    """
    masker = Masker()
    case = redact_case(item.case, masker) if item.case is not None else None
    report = redact_report(item.report, masker) if item.report is not None else None
    error = _error(masker, item.error) if item.error is not None else None
    return BatchItem(source=masker.text(item.source), report=report, error=error, case=case)
