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
from enum import Enum
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
    # 第十九条第一款: each element of the petition's content, and whether the file records any of it.
    "states_facts": "bool",
    "states_reasons": "bool",
    "content_recorded": "bool",
    # 第二十八条第三款: staff_interests with a direct interest and no recusal event (as of the date checked).
    "unrecused_interested_staff": "int",
    # 第二十四条第一款: present when the case lists two or more involved agencies.
    "involved_have_common_superior": "bool",
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
    "approved_by_review_committee": "bool", "petitioner_consented_to_oral": "bool", "adopted": "bool",
    "agency_common_superior_of_involved": "bool", "reply_to_kind": "str",
    "days_to_conclusion": "int",
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
           "person", "to_person", "handling_agency", "same_facts_as_concluded",
           "approved_by_review_committee", "petitioner_consented_to_oral", "adopted")


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
        "states_facts": bool(case.content.facts),
        "states_reasons": bool(case.content.reasons),
        "content_recorded": bool(case.content.request or case.content.facts or case.content.reasons),
    }
    if case.flags.statutory_procedure is not None:
        case_fact["statutory_procedure"] = case.flags.statutory_procedure.value
    if case.province is not None:
        case_fact["province"] = case.province
    events = tuple(_event_fact(case, index, seq, tree) for seq, index in enumerate(chronological(case, until)))
    _add_sequence_facts(case, case_fact, events, tree)
    return Facts(case_fact, events)


def _add_sequence_facts(case: Case, case_fact: Fact, events: tuple[Fact, ...], tree: _Tree) -> None:
    """Facts that need the whole (dated) timeline or the whole set of involved agencies."""
    # 第二十八条第三款: a staff member with a direct interest counts as recused once any recusal
    # event names that person (events after the date checked are not known yet).
    recused = {e["person"] for e in events if e["kind"] == "recusal" and "person" in e}
    case_fact["unrecused_interested_staff"] = sum(
        1 for s in case.staff_interests if s.direct_interest and s.person not in recused)
    # 第二十四条第一款 共同的上一级机关、单位: the nearest agency in the superior chain of every
    # involved agency (agency registry), when two or more are involved.
    if len(tree.involved) >= 2:
        chains = [tree.ancestors(a) for a in sorted(tree.involved)]
        common = next((c for c in chains[0] if all(c in chain for chain in chains[1:])), None)
        case_fact["involved_have_common_superior"] = common is not None
        for fact in events:
            fact["agency_common_superior_of_involved"] = common is not None and fact["agency"] == common
    # 第三十五条、第三十六条第一款 书面答复: a reply answers the latest opinion before it.
    latest: str | None = None
    for fact in events:
        if fact["kind"] in ("opinion_issued", "review_opinion", "rereview_opinion"):
            latest = fact["kind"]
        elif fact["kind"] == "reply_delivered" and latest is not None:
            fact["reply_to_kind"] = latest


def _event_fact(case: Case, index: int, seq: int, tree: _Tree) -> Fact:
    event: Any = case.events[index]
    # Read fields from the model's __dict__: getattr() on a field another event kind lacks makes
    # pydantic raise and catch AttributeError, which cost more than everything else here.
    data: dict[str, Any] = event.__dict__
    fact: Fact = {"seq": seq, "index": index, "kind": event.kind, "day": event.date.toordinal()}
    fact.update(tree.fields("agency", event.agency))
    # 第二十三条第四款: political-legal organs on litigation relief and discipline organs on accusations
    # notify under their own provisions, not under 第二十三条.
    fact["agency_notice_by_other_rules"] = (
        (fact.get("agency_kind") == "political_legal" and case.flags.litigation_related)
        or (fact.get("agency_kind") == "discipline_inspection" and case.category.value == "accusation"))
    to = data.get("to")
    if isinstance(to, str):
        fact.update(tree.fields("to", to))
        to_agency = tree.agencies.get(to)
        if to_agency is not None and "agency_level" in fact:
            fact["to_same_level"] = to_agency.level.value == fact["agency_level"]
        fact["to_is_superior"] = fact.get("agency_superior") == to
        fact["to_is_subordinate"] = event.agency in fact["to_ancestors"]
    elif isinstance(to, tuple):
        fact["recipients"] = list(to)
    origin = data.get("from_agency")
    if origin is not None:
        fact["from_agency"] = origin
        if (origin_agency := tree.agencies.get(origin)) is not None:
            fact["from_kind"] = origin_agency.kind.value
        fact["from_is_superior"] = origin in fact["agency_ancestors"]
    for name in _COPIED:
        value = data.get(name)
        if value is not None:
            fact[name] = value.value if isinstance(value, Enum) else value
    if event.kind in ("objection", "suggestion_feedback"):
        fact["reasons_given"] = bool((event.reasons or "").strip())
    elif event.kind == "hearing":
        fact["end_day"] = event.end.toordinal()
    elif event.kind == "assigned":
        fact["report_by_day"] = event.report_by.toordinal()
    elif event.kind == "disclosed" and event.to_person is not None:
        fact["to_person_is_accused"] = event.to_person in case.accused.persons
    elif event.kind == "reply_delivered":
        # Days from the replying agency's first receipt of the matter to its first conclusion
        # (concluded or opinion_issued) up to the reply: 自收到信访请求之日起15日内已经办结 (北京市信访条例第四十五条).
        received = [e.date for e in case.events if e.kind == "received" and e.agency == event.agency
                    and e.date <= event.date]
        concluded = [e.date for e in case.events if e.kind in ("concluded", "opinion_issued")
                     and e.agency == event.agency and e.date <= event.date]
        if received and concluded and min(concluded) >= min(received):
            fact["days_to_conclusion"] = (min(concluded) - min(received)).days
    elif event.kind == "recusal":
        fact["person_has_direct_interest"] = any(
            s.person == event.person and s.direct_interest for s in case.staff_interests)
    return fact
