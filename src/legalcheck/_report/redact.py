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
import functools
import re
from typing import Any

from pydantic import BaseModel

from .._batch.pool import BatchItem
from .._core.errors import InputError, LegalcheckError
from .._model.case import Case, Category, Petitioner, event_free_text
from .._model.findings import Bilingual, FieldRef, Finding, Report

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

    def token(self, value: str, kind: str, *aliases: str, searchable: bool = True) -> str:
        """The token of ``value`` (new ones numbered per kind); ``aliases`` are other spellings of it.

        Values found in free text by their shape (``searchable=False``: ID-card and phone numbers)
        are found again by that shape, so they do not join the pattern of known values: a
        pattern recompiled for each new number made redaction quadratic in the text's size.
        """
        token = self._tokens.get(value) or next((self._tokens[a] for a in aliases if a in self._tokens), None)
        if token is None:
            count = self._counts.get(kind, 0) + 1
            self._counts[kind] = count
            token = f"〔{kind}{count}〕"
        for key in (value, *aliases):
            if key and key not in self._tokens:
                self._tokens[key] = token
                if searchable:
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
        value = ID_NUMBER.sub(lambda m: self.token(m.group(), "身份证号", m.group().upper(), searchable=False), value)
        value = MOBILE.sub(lambda m: self.token(m.group(), "电话", _phone_key(m.group()), searchable=False), value)
        return LANDLINE.sub(lambda m: self.token(m.group(), "电话", _phone_key(m.group()), searchable=False), value)

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
    _register_event_persons(case, masker)
    events = tuple(_event(masker, event) for event in case.events)
    content = case.content.model_copy(update={k: masker.optional(getattr(case.content, k))
                                              for k in ("request", "facts", "reasons")})
    return case.model_copy(update={
        "id": masker.text(case.id), "title": masker.optional(case.title), "petitioners": petitioners,
        "representatives": representatives, "accused": accused, "staff_interests": staff, "content": content,
        "events": events, "agency_registry": masker.optional(case.agency_registry),
    })


def _register_event_persons(case: Case, masker: Masker) -> None:
    for event in case.events:
        values = event.__dict__  # not getattr: a missing field costs pydantic a raised AttributeError
        for attr in ("person", "to_person"):
            if isinstance(value := values.get(attr), str):
                masker.token(value, "人员")


def register_case(case: Case, masker: Masker) -> None:
    """Give every personal value of ``case`` its token, in :func:`redact_case`'s order, masking no text.

    For output that shows the report but not the case (text, JSON Lines): the report's free
    text is then masked as it would be, without the cost of masking the case's own free text.
    """
    accusation = case.category == Category.accusation
    for petitioner in case.petitioners:
        _petitioner(masker, petitioner, accusation)
    for representative in case.representatives:
        masker.token(representative, "信访人")
    for person in case.accused.persons:
        masker.token(person, "被反映人")
    for staff in case.staff_interests:
        masker.token(staff.person, "工作人员")
    _register_event_persons(case, masker)


def _event(masker: Masker, event: BaseModel) -> BaseModel:
    values = event.__dict__
    update: dict[str, str | None] = {"note": masker.optional(values.get("note"))}
    for attr in ("person", "to_person"):
        if isinstance(value := values.get(attr), str):
            update[attr] = masker.token(value, "人员")
    for free_text in event_free_text(event):  # as the event's class declares them
        if isinstance(value := values.get(free_text), str):
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


@functools.cache
def _vocabulary() -> frozenset[str]:
    """Every key and enumerated value of the case schema: words of ours, never personal data."""
    words: set[str] = set()
    stack: list[Any] = [Case.model_json_schema(by_alias=True)]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            words.update(k for k in node.get("properties", {}) if isinstance(k, str))
            words.update(v for v in node.get("enum", ()) if isinstance(v, str))
            if isinstance(node.get("const"), str):
                words.add(node["const"])
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return frozenset(words)


_QUOTED = re.compile(r"'(?:[^'\\]|\\.)*'" + r'|"(?:[^"\\]|\\.)*"')
_DATE_LIKE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}")
_SAFE_NAME = re.compile(r"[A-Za-z0-9._-]*")
_FIELD_PART = re.compile(r"\[\d+\]|[^.\[\]]+")


def _ours(value: str) -> bool:
    return value in _vocabulary() or _DATE_LIKE.fullmatch(value) is not None


def _rejected_text(masker: Masker, message: str) -> str:
    """A rejected input's message: no case taught us its names, so every quoted input value is masked.

    Messages quote the offending value (``got '陈秀英'``, ``unknown key '陈秀英'``); quoted
    schema words (keys, enumerated values, event kinds) and dates stay, being ours or harmless.
    """
    def mask(match: re.Match[str]) -> str:
        return match.group() if _ours(match.group()[1:-1]) else masker.token(match.group()[1:-1], "值")

    return masker.text(_QUOTED.sub(mask, message))


def _rejected_field(masker: Masker, field: str | None) -> str | None:
    """``events[2].陈秀英`` -> ``events[2].〔键1〕``: a key the schema does not know may be anything."""
    if field is None:
        return None
    return _FIELD_PART.sub(lambda m: m.group() if m.group().startswith("[") or _ours(m.group())
                           else masker.token(m.group(), "键"), field)


def _rejected_file(masker: Masker, file: str | None) -> str | None:
    """Each part of a rejected input's path that is not plain ASCII (or holds a number) becomes a token.

    A name in Latin letters (pinyin) cannot be told from any other file name and is kept.
    """
    if file is None:
        return None
    parts = file.split("/")
    for index, part in enumerate(parts):
        stem, dot, suffix = part.partition(".") if index == len(parts) - 1 else (part, "", "")
        masked = masker.text(stem)
        if masked != stem or _SAFE_NAME.fullmatch(stem) is None:
            parts[index] = masker.token(stem, "文件名") + dot + suffix
    return "/".join(parts)


def _error(masker: Masker, error: LegalcheckError) -> LegalcheckError:
    """Error messages quote input values (``got '13800001111'``), keys and file names; mask them all."""
    if isinstance(error, InputError):
        problems = [dataclasses.replace(p, location=dataclasses.replace(
                        p.location, file=_rejected_file(masker, p.location.file),
                        field=_rejected_field(masker, p.location.field)),
                        args={k: _rejected_text(masker, v) for k, v in p.args.items()}) for p in error.problems]
        try:
            return type(error)(problems)
        except TypeError:  # a subclass with another constructor
            return InputError(problems)
    masked = LegalcheckError(_rejected_text(masker, str(error)))
    masked.exit_code = error.exit_code
    return masked


def redact_item(item: BatchItem, *, with_case: bool = True) -> BatchItem:
    """``item`` with personal data masked in its case, its report (or error) and its source path.

    Deterministic: the same item always gives the same output. ``with_case=False`` drops the
    case instead of masking it, for output that does not show it (text, JSON Lines): its
    personal values are still learnt, so the report is masked exactly as with the case.
    """
    masker = Masker()
    case = None
    if item.case is not None and with_case:
        case = redact_case(item.case, masker)
    elif item.case is not None:
        register_case(item.case, masker)
    report = redact_report(item.report, masker) if item.report is not None else None
    error = _error(masker, item.error) if item.error is not None else None
    source = masker.text(item.source) if item.error is None else _rejected_source(masker, item.source)
    return BatchItem(source=source, report=report, error=error, case=case)


def _rejected_source(masker: Masker, source: str) -> str:
    path, colon, line = source.rpartition(":")  # "cases/a.jsonl:12": a record of a JSON Lines file
    if colon and line.isdigit():
        return f"{_rejected_file(masker, path)}:{line}"
    return _rejected_file(masker, source) or source
