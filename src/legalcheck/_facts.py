"""Project a :class:`Case` onto flat facts, the only thing engines see.

One case fact and one fact per event. Facts are flat dicts of str, int, bool and
lists of str, so that every engine (a Python loop, durable-rules' JSON patterns) can
match them. Dates are proleptic ordinals (``date.toordinal()``) so that engines can
compare them as integers. A field that does not apply is absent, never ``None``.

Relations that need the agency tree (same level, superior, competent) are derived
here once, so rules compare plain fields instead of walking the tree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from ._case import Agency, Case
from ._conditions import Fact

# Field vocabulary: name -> type ("str", "int", "bool", "list", "day").
# The rule loader rejects a rule that reads a field not listed here.
CASE_FIELDS: dict[str, str] = {
    "category": "str",
    "channel": "str",
    "form": "str",
    "headcount": "int",
    "representatives_count": "int",
    "litigation_related": "bool",
    "statutory_procedure": "str",
    "major_urgent": "bool",
    "discipline_matter": "bool",
    "complex": "bool",
    "identity_unclear": "bool",
    "status": "str",
    "province": "str",
    "involved_agencies_count": "int",
    "has_competent_agencies": "bool",
    "states_request": "bool",
    "states_facts_and_reasons": "bool",
}

_AGENCY_FIELDS = {
    "": "str", "_kind": "str", "_level": "str", "_superior": "str", "_ancestors": "list",
    "_competent": "bool", "_superior_of_competent": "bool", "_involved": "bool", "_accused": "bool",
}

EVENT_FIELDS: dict[str, str] = {
    "seq": "int", "index": "int", "kind": "str", "day": "day",
    **{f"agency{suffix}": kind for suffix, kind in _AGENCY_FIELDS.items()},
    **{f"to{suffix}": kind for suffix, kind in _AGENCY_FIELDS.items()},
    "agency_notice_by_other_rules": "bool",
    "to_same_level": "bool", "to_is_superior": "bool", "to_is_subordinate": "bool",
    "from_agency": "str", "from_kind": "str", "from_is_superior": "bool",
    "via": "str", "subject": "str", "written": "bool", "on_the_spot": "bool",
    "reasons_given": "bool", "approved": "bool", "reason": "str", "procedure": "str",
    "days": "int", "approved_by_head": "bool", "petitioner_told_reason": "bool",
    "end_day": "day", "report_by_day": "day",
    "states_request": "bool", "states_facts_and_reasons": "bool", "states_opinion": "bool",
    "states_legal_basis": "bool", "assessment": "str", "outcome": "str",
    "type": "str", "document_made": "bool", "recipients": "list", "person": "str",
    "person_has_direct_interest": "bool", "to_person": "str", "to_person_is_accused": "bool",
    "handling_agency": "str", "same_facts_as_concluded": "bool",
}


@dataclass(frozen=True, slots=True)
class Facts:
    case: Fact
    events: tuple[Fact, ...]  # events[i]["seq"] == i: chronological order


def chronological(case: Case, until: dt.date | None = None) -> list[int]:
    """Indexes of ``case.events`` dated up to ``until``, in chronological order (file order breaks ties)."""
    indexes = [i for i, e in enumerate(case.events) if until is None or e.date <= until]
    return sorted(indexes, key=lambda i: (case.events[i].date, i))


@dataclass(frozen=True, slots=True)
class _Tree:
    """The case's agencies and the sets that derived fields test membership of."""

    agencies: dict[str, Agency]
    competent: frozenset[str]
    involved: frozenset[str]
    accused: frozenset[str]

    def ancestors(self, agency_id: str) -> list[str]:
        chain: list[str] = []
        current = self.agencies.get(agency_id)
        while current is not None and current.superior is not None and current.superior not in chain:
            chain.append(current.superior)
            current = self.agencies.get(current.superior)
        return chain

    def fields(self, prefix: str, agency_id: str) -> Fact:
        agency = self.agencies.get(agency_id)
        out: Fact = {prefix: agency_id, f"{prefix}_ancestors": self.ancestors(agency_id),
                     f"{prefix}_involved": agency_id in self.involved,
                     f"{prefix}_accused": agency_id in self.accused}
        if agency is not None:
            out[f"{prefix}_kind"] = agency.kind.value
            out[f"{prefix}_level"] = agency.level.value
            if agency.superior is not None:
                out[f"{prefix}_superior"] = agency.superior
        if self.competent:
            out[f"{prefix}_competent"] = agency_id in self.competent
            out[f"{prefix}_superior_of_competent"] = any(
                (c_agency := self.agencies.get(c)) is not None and c_agency.superior == agency_id
                for c in self.competent)
        return out


_COPIED = ("via", "subject", "written", "on_the_spot", "approved", "reason", "procedure", "days",
           "approved_by_head", "petitioner_told_reason", "states_request", "states_facts_and_reasons",
           "states_opinion", "states_legal_basis", "assessment", "outcome", "type", "document_made",
           "person", "to_person", "handling_agency", "same_facts_as_concluded")


def case_facts(case: Case, until: dt.date | None = None) -> Facts:
    """Facts of ``case`` as known on ``until``: later events are not yet known and left out."""
    tree = _Tree({a.id: a for a in case.agencies}, frozenset(case.competent_agencies),
                 frozenset(case.involved_agencies), frozenset(case.accused.agencies))
    case_fact: Fact = {
        "category": case.category.value,
        "channel": case.channel.value,
        "form": case.effective_form.value,
        "headcount": case.headcount,
        "representatives_count": len(case.representatives),
        "litigation_related": case.flags.litigation_related,
        "major_urgent": case.flags.major_urgent,
        "discipline_matter": case.flags.discipline_matter,
        "complex": case.flags.complex,
        "identity_unclear": case.identity_unclear,
        "status": case.status,
        "involved_agencies_count": len(tree.involved),
        "has_competent_agencies": bool(tree.competent),
        "states_request": bool(case.content.request),
        "states_facts_and_reasons": bool(case.content.facts or case.content.reasons),
    }
    if case.flags.statutory_procedure is not None:
        case_fact["statutory_procedure"] = case.flags.statutory_procedure.value
    if case.province is not None:
        case_fact["province"] = case.province
    events = tuple(_event_fact(case, index, seq, tree) for seq, index in enumerate(chronological(case, until)))
    return Facts(case_fact, events)


def _event_fact(case: Case, index: int, seq: int, tree: _Tree) -> Fact:
    event: Any = case.events[index]
    fact: Fact = {"seq": seq, "index": index, "kind": event.kind, "day": event.date.toordinal()}
    fact.update(tree.fields("agency", event.agency))
    # 第二十三条第四款: political-legal organs on litigation relief and discipline organs on accusations
    # notify under their own provisions, not under 第二十三条.
    fact["agency_notice_by_other_rules"] = (
        (fact.get("agency_kind") == "political_legal" and case.flags.litigation_related)
        or (fact.get("agency_kind") == "discipline_inspection" and case.category.value == "accusation"))
    to = getattr(event, "to", None)
    if isinstance(to, str):
        fact.update(tree.fields("to", to))
        to_agency = tree.agencies.get(to)
        if to_agency is not None and "agency_level" in fact:
            fact["to_same_level"] = to_agency.level.value == fact["agency_level"]
        fact["to_is_superior"] = fact.get("agency_superior") == to
        fact["to_is_subordinate"] = event.agency in fact["to_ancestors"]
    elif isinstance(to, tuple):
        fact["recipients"] = list(to)
    origin = getattr(event, "from_agency", None)
    if origin is not None:
        fact["from_agency"] = origin
        if (origin_agency := tree.agencies.get(origin)) is not None:
            fact["from_kind"] = origin_agency.kind.value
        fact["from_is_superior"] = origin in fact["agency_ancestors"]
    for name in _COPIED:
        value = getattr(event, name, None)
        if value is not None:
            fact[name] = value.value if hasattr(value, "value") else value
    if event.kind == "objection":
        fact["reasons_given"] = bool((event.reasons or "").strip())
    elif event.kind == "hearing":
        fact["end_day"] = event.end.toordinal()
    elif event.kind == "assigned":
        fact["report_by_day"] = event.report_by.toordinal()
    elif event.kind == "disclosed" and event.to_person is not None:
        fact["to_person_is_accused"] = event.to_person in case.accused.persons
    elif event.kind == "recusal":
        fact["person_has_direct_interest"] = any(
            s.person == event.person and s.direct_interest for s in case.staff_interests)
    return fact
