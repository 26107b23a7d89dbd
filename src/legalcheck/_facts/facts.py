"""Project a :class:`Case` onto flat facts, the only thing engines see.

One case fact and one fact per event. Facts are flat dicts of str, int, bool and
lists of str, so that every engine (a Python loop, durable-rules' JSON patterns) can
match them. Dates are proleptic ordinals (``date.toordinal()``) so that engines can
compare them as integers. A field that does not apply is absent, never ``None``.

Relations that need the agency tree (same level, superior, competent) are derived
here once, so rules compare plain fields instead of walking the tree.

A :class:`FactPlan` says which fields to compute and which events to keep: an evaluator asks
only for those its selected rules read (and those it reads itself), so that a check of a few
rules costs about what the same few checks written by hand would. Every field is computed the
same way whichever plan asks for it (``tests/evaluation/test_fuzz.py`` holds plans to ``EVERY_FACT``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection
from dataclasses import dataclass
from enum import Enum
from typing import Any

from pydantic import BaseModel

from .._model.case import EVENT_CLASSES, EVENT_KINDS, Case, Category, agency_index
from .._model.event_facts import EventFacts, copied_fact_type
from .conditions import Fact

# Case fields about the petitioners, in the order _petitioner_facts returns them: the Case properties
# of the same names, computed in one pass (tests/evaluation/test_fact_plans.py holds the two equal).
_PETITIONER_FIELDS = ("no_petitioner_notifiable", "petitioner_notifiable", "petitioner_particulars_unclear",
                      "petitioner_particulars_unrecorded")


def _petitioner_facts(case: Case) -> tuple[bool, bool, bool, bool]:
    """``no_petitioner_notifiable``, ``petitioner_notifiable``, ``petitioner_particulars_unclear`` and
    ``petitioner_particulars_unrecorded`` of ``case``."""
    petitioners = case.petitioners
    every_unclear, notifiable, some_unclear, unrecorded = True, False, False, not petitioners
    for petitioner in petitioners:
        name, address = petitioner.name, petitioner.address
        name_unclear, address_unclear = petitioner.name_unclear, petitioner.address_unclear
        if name_unclear or address_unclear:
            some_unclear = True
        else:
            every_unclear = False
            if name and address:
                notifiable = True
        if (not name and not name_unclear) or (not address and not address_unclear):
            unrecorded = True
    return bool(petitioners) and every_unclear, notifiable, some_unclear, unrecorded


def _value(member: Enum) -> Any:
    """``member.value``, read where the enum keeps it (``_value_``): on Python 3.11 the ``value``
    property runs Python code and cost more than the rest of copying a field."""
    return member._value_


@dataclass(frozen=True, slots=True)
class _CaseField:
    type: str  # "str", "int", "bool"
    # A value None: absent. No getter: computed apart (from the whole timeline, or the petitioners together).
    value: Callable[[Case], Any] | None


# Case field vocabulary. The rule loader rejects a rule that reads a field not listed here.
_CASE: dict[str, _CaseField] = {
    "category": _CaseField("str", lambda c: _value(c.category)),
    "channel": _CaseField("str", lambda c: _value(c.channel)),
    "form": _CaseField("str", lambda c: _value(c.effective_form)),
    "headcount": _CaseField("int", lambda c: c.headcount),
    "representatives_count": _CaseField("int", lambda c: len(c.representatives)),
    "litigation_related": _CaseField("bool", lambda c: c.flags.litigation_related),
    "statutory_procedure": _CaseField("str", lambda c: None if c.flags.statutory_procedure in (None, "none")
                                      else str(c.flags.statutory_procedure)),
    # Whether the file records the sorting of 第三十一条 at all ("none" included): not assessed is not "none".
    "statutory_procedure_recorded": _CaseField("bool", lambda c: c.flags.statutory_procedure is not None),
    "major_urgent": _CaseField("bool", lambda c: c.flags.major_urgent),
    "discipline_matter": _CaseField("bool", lambda c: c.flags.discipline_matter),
    "complex": _CaseField("bool", lambda c: c.flags.complex),
    # 第二十三条第二款 (2005 第二十二条): "not recorded" and "recorded as unclear" are different facts.
    # The petitioners' facts are computed together, in one pass over them (_petitioner_facts).
    **{name: _CaseField("bool", None) for name in _PETITIONER_FIELDS},
    "status": _CaseField("str", lambda c: c.status),
    "province": _CaseField("str", lambda c: c.province),
    "involved_agencies_count": _CaseField("int", lambda c: len(set(c.involved_agencies))),
    "has_competent_agencies": _CaseField("bool", lambda c: bool(c.competent_agencies)),
    "accused_recorded": _CaseField("bool", lambda c: bool(c.accused.agencies or c.accused.persons)),
    "states_request": _CaseField("bool", lambda c: bool(c.content.request)),
    "states_facts_and_reasons": _CaseField("bool", lambda c: bool(c.content.facts or c.content.reasons)),
    # 第十九条第一款: each element of the petition's content, and whether the file records any of it.
    "states_facts": _CaseField("bool", lambda c: bool(c.content.facts)),
    "states_reasons": _CaseField("bool", lambda c: bool(c.content.reasons)),
    "content_recorded": _CaseField("bool", lambda c: bool(c.content.request or c.content.facts
                                                          or c.content.reasons)),
    # 第二十八条第三款: staff_interests with a direct interest and no recusal event (as of the date checked).
    "unrecused_interested_staff": _CaseField("int", None),
    # 第二十四条第一款: present when the case lists two or more involved agencies.
    "involved_have_common_superior": _CaseField("bool", None),
    # 第二十四条第一款: a 协商 is recorded (as of the date checked), so the matter involves several agencies.
    "consultation_recorded": _CaseField("bool", None),
}
CASE_FIELDS: dict[str, str] = {name: spec.type for name, spec in _CASE.items()}

_AGENCY_FIELDS = {
    "": "str", "_kind": "str", "_level": "str", "_superior": "str", "_superiors": "list", "_ancestors": "list",
    "_competent": "bool", "_superior_of_competent": "bool", "_system_competent": "bool", "_involved": "bool",
    "_accused": "bool",
}

# 政法部门 under the 2022 Regulations (第二十二条第二款、第二十三条第四款).
POLITICAL_LEGAL_KINDS = frozenset({"political_legal", "public_security", "justice_administration"})

# Facts every event has: its position, its kind and day, and its acting agency.
_COMMON_EVENT_FIELDS: dict[str, str] = {
    "seq": "int", "index": "int", "kind": "str", "day": "day",
    **{f"agency{suffix}": kind for suffix, kind in _AGENCY_FIELDS.items()},
    "agency_notice_by_other_rules": "bool",
    # 第二十四条第一款: the acting agency is the common superior of the involved agencies.
    "agency_common_superior_of_involved": "bool",
}
# What ``to_agency`` and ``from_agency`` in an event kind's declaration add.
_TO_AGENCY_FIELDS: dict[str, str] = {
    **{f"to{suffix}": kind for suffix, kind in _AGENCY_FIELDS.items()},
    "to_same_level": "bool", "to_is_superior": "bool", "to_is_subordinate": "bool",
}
_FROM_AGENCY_FIELDS: dict[str, str] = {"from_agency": "str", "from_kind": "str", "from_is_superior": "bool"}


def kind_fact_types(model: type[BaseModel], declared: EventFacts) -> dict[str, str]:
    """The facts an event kind (its ``model`` and ``facts``) contributes beyond the common ones, with their types."""
    return {
        **{name: copied_fact_type(model, name) for name in declared.copied},
        **{f"{name}_day": "day" for name in declared.dates},
        **(_TO_AGENCY_FIELDS if declared.to_agency else {}),
        **(_FROM_AGENCY_FIELDS if declared.from_agency else {}),
        **{fact.name: fact.type for fact in declared.derived},
    }


def _event_vocabulary() -> dict[str, str]:
    vocabulary = dict(_COMMON_EVENT_FIELDS)
    for cls in EVENT_CLASSES:
        for name, kind in kind_fact_types(cls, cls.facts).items():
            if vocabulary.setdefault(name, kind) != kind:
                raise TypeError(f"event fact {name} is {vocabulary[name]} and, for {cls.__name__}, {kind}")
    return vocabulary


# Event field vocabulary: name -> type ("str", "int", "bool", "list", "day"), from the event classes.
EVENT_FIELDS: dict[str, str] = _event_vocabulary()

# Agency fields that depend on the case (its competent, involved and accused agencies).
# In _AGENCY_FIELDS order.
_PER_CASE_SUFFIXES = ("_competent", "_superior_of_competent", "_system_competent", "_involved", "_accused")


_TIMELINE_FIELDS = frozenset({"unrecused_interested_staff", "involved_have_common_superior",
                              "agency_common_superior_of_involved", "reply_to_kind", "consultation_recorded"})
# The event kinds each timeline fact is computed from (_add_sequence_facts): a plan that wants the
# fact keeps the events of these kinds.
_TIMELINE_KINDS: dict[str, frozenset[str]] = {
    "unrecused_interested_staff": frozenset({"recusal"}),
    "consultation_recorded": frozenset({"consultation"}),
    "reply_to_kind": frozenset({"opinion_issued", "review_opinion", "rereview_opinion", "reply_delivered"}),
}

# Event fields the evaluator reads whatever the rules: positions and dates, the acting and receiving
# agency (references and messages), hearing ends (excluded spans), report-back dates (designated
# periods) and extension days.
STRUCTURAL_EVENT_FIELDS = frozenset({"seq", "index", "kind", "day", "agency", "to", "end_day", "report_by_day",
                                     "days"})

DerivedValue = Callable[[Case, Any, "_Tree"], Any]  # None: the fact is absent


def _reasons_given(case: Case, event: Any, tree: _Tree) -> bool:
    return bool((event.reasons or "").strip())


def _recipients(case: Case, event: Any, tree: _Tree) -> list[str]:
    return list(event.to)


def _to_person_is_accused(case: Case, event: Any, tree: _Tree) -> bool | None:
    return None if event.to_person is None else event.to_person in case.accused.persons


def _person_has_direct_interest(case: Case, event: Any, tree: _Tree) -> bool:
    return any(s.person == event.person and s.direct_interest for s in case.staff_interests)


# How each derived event fact is computed, one event at a time; those in _TIMELINE_FIELDS are
# computed over the whole timeline instead (_add_sequence_facts).
_DERIVED: dict[str, DerivedValue] = {
    "reasons_given": _reasons_given,
    "recipients": _recipients,
    "to_person_is_accused": _to_person_is_accused,
    "person_has_direct_interest": _person_has_direct_interest,
    "days_to_conclusion": lambda case, event, tree: _days_to_conclusion(case, event),
}


@dataclass(frozen=True, slots=True)
class _KindPlan:
    """What to compute for the events of one kind."""

    copied: tuple[str, ...]  # fields copied as they are
    dates: dict[str, str]  # date field -> the name of its day-number fact
    to_agency: bool  # the kind's ``to`` names an agency (its id is a structural fact: always computed)
    from_agency: bool  # the kind's ``from_agency`` names an agency and some of its facts are wanted
    derived: dict[str, DerivedValue]  # fact name -> computation


def _kind_plan(declared: EventFacts, event: frozenset[str]) -> _KindPlan:
    return _KindPlan(copied=tuple(name for name in declared.copied if name in event),
                     dates={name: f"{name}_day" for name in declared.dates if f"{name}_day" in event},
                     to_agency=declared.to_agency,
                     from_agency=declared.from_agency and not event.isdisjoint(_FROM_AGENCY_FIELDS),
                     derived={fact.name: _DERIVED[fact.name] for fact in declared.derived
                              if fact.name in event and fact.name in _DERIVED})


@dataclass(frozen=True, slots=True)
class FactPlan:
    """The fields to compute and the events to keep; every other field and event is left out of the facts."""

    case: frozenset[str]  # the case fields wanted
    case_values: tuple[tuple[str, Callable[[Case], Any]], ...]  # those that have a getter
    petitioner: tuple[tuple[str, int], ...]  # wanted petitioner fields, by position in _petitioner_facts
    event: frozenset[str]
    by_kind: dict[str, _KindPlan]  # per kind kept
    agency: tuple[str, ...]  # agency field suffixes wanted under the "agency" prefix ("" is the id)
    to: tuple[str, ...]  # and under "to"
    agency_per_case: tuple[str, ...]  # those of them that depend on the case (_PER_CASE_SUFFIXES)
    to_per_case: tuple[str, ...]
    notice: bool  # agency_notice_by_other_rules is wanted
    kinds: frozenset[str] | None  # the kinds kept (those in by_kind); None: every kind
    timeline: frozenset[str]  # the wanted fields that need the whole timeline (_add_sequence_facts)

    @classmethod
    def reading(cls, case_fields: Collection[str], event_fields: Collection[str],
                kinds: Collection[str] | None = None) -> FactPlan:
        """A plan for rules that read ``case_fields``, and ``event_fields`` of events of ``kinds``
        (structural fields added; None: of every kind).

        Events of other kinds are left out, unless a wanted timeline fact is computed from them:
        the rules can neither anchor on them nor relate to them. The events kept keep their
        chronological order, so that ``after`` and ``before`` mean what they meant among all
        events; ``seq`` numbers them, so a plan for rules that read ``seq`` itself keeps every kind.
        """
        unknown = (set(case_fields) - set(CASE_FIELDS)) | (set(event_fields) - set(EVENT_FIELDS))
        if unknown:
            raise ValueError(f"not in the fact vocabulary: {', '.join(sorted(unknown))}")
        event = frozenset(event_fields) | STRUCTURAL_EVENT_FIELDS
        timeline = (frozenset(case_fields) | event) & _TIMELINE_FIELDS
        kept = None if kinds is None or "seq" in event_fields else frozenset(kinds).union(
            *(_TIMELINE_KINDS.get(name, ()) for name in timeline))
        return cls(case=frozenset(case_fields),
                   case_values=tuple((n, spec.value) for n, spec in _CASE.items()
                                     if n in case_fields and spec.value),
                   petitioner=tuple((n, i) for i, n in enumerate(_PETITIONER_FIELDS) if n in case_fields),
                   event=event,
                   by_kind={kind: _kind_plan(model.facts, event)
                            for kind, model in zip(EVENT_KINDS, EVENT_CLASSES, strict=True)
                            if kept is None or kind in kept},
                   agency=tuple(s for s in _AGENCY_FIELDS if f"agency{s}" in event),
                   to=tuple(s for s in _AGENCY_FIELDS if f"to{s}" in event),
                   agency_per_case=tuple(s for s in _PER_CASE_SUFFIXES if f"agency{s}" in event),
                   to_per_case=tuple(s for s in _PER_CASE_SUFFIXES if f"to{s}" in event),
                   notice="agency_notice_by_other_rules" in event,
                   kinds=kept, timeline=timeline)


EVERY_FACT = FactPlan.reading(CASE_FIELDS, EVENT_FIELDS)


@dataclass(slots=True)  # never changed; not frozen, which costs several times as much to build, once a case
class Facts:
    case: Fact
    events: tuple[Fact, ...]  # the events kept, in chronological order: events[i]["seq"] == i


def _notice_by_other_rules(kind: str, litigation_related: bool, accusation: bool) -> bool:
    """第二十三条第四款: political-legal organs on litigation relief and discipline organs on
    accusations notify under their own provisions, not under 第二十三条."""
    return (kind in POLITICAL_LEGAL_KINDS and litigation_related) or (kind == "discipline_inspection" and accusation)


class _Tree:
    """The case's agencies, the sets that derived fields test membership of, and the plan.

    Agency fields are memoised per registry (those that depend on the agencies alone, and on the
    two case flags the notice depends on) and per case (those that depend on the case's competent,
    involved and accused agencies); chains of superiors per case: a case's events name the same
    few agencies.
    """

    __slots__ = ("case", "agencies", "plan", "memo", "chains", "notice")

    def __init__(self, case: Case, plan: FactPlan) -> None:
        self.case = case
        self.agencies = agency_index(case.agencies)
        self.plan = plan
        self.memo: dict[tuple[str, str], Fact] = {}
        self.chains: dict[str, list[str]] = {}
        # What agency_notice_by_other_rules depends on besides the agency's kind.
        self.notice = ((bool(case.flags.litigation_related), case.category is Category.accusation)
                       if plan.notice else None)

    def ancestors(self, agency_id: str) -> list[str]:
        """Every agency above ``agency_id`` along any superior (双重领导), nearest first: each level
        of superiors before the next, ``superior`` before ``other_superiors``."""
        known = self.chains.get(agency_id)
        if known is not None:
            return known
        chain: list[str] = []
        level = [agency_id]
        while level:
            above: list[str] = []
            for member in level:
                agency = self.agencies.get(member)
                for superior in agency.superiors if agency is not None else ():
                    if superior != agency_id and superior not in chain:
                        chain.append(superior)
                        above.append(superior)
            level = above
        self.chains[agency_id] = chain
        return chain

    def fields(self, prefix: str, agency_id: str) -> Fact:
        """The planned agency fields under ``prefix``; shared between events, so never mutated."""
        plan = self.plan
        if prefix == "agency":
            key = (prefix, agency_id, plan.agency, self.notice)
            per_case = plan.agency_per_case
        else:
            key = (prefix, agency_id, plan.to, None)
            per_case = plan.to_per_case
        shared: Fact | None = self.agencies.derived.get(key)
        if shared is None:
            shared = self._shared_fields(*key)
        if not per_case:
            return shared
        known = self.memo.get((prefix, agency_id))
        if known is not None:
            return known
        out = dict(shared)
        competent = self.case.competent_agencies
        for suffix in per_case:
            if suffix == "_involved":
                out[f"{prefix}_involved"] = agency_id in self.case.involved_agencies
            elif suffix == "_accused":
                out[f"{prefix}_accused"] = agency_id in self.case.accused.agencies
            elif suffix == "_competent" and competent:
                out[f"{prefix}_competent"] = agency_id in competent
            elif suffix == "_superior_of_competent" and competent:
                out[f"{prefix}_superior_of_competent"] = any(
                    (c_agency := self.agencies.get(c)) is not None and agency_id in c_agency.superiors
                    for c in competent)
            elif suffix == "_system_competent" and competent:
                # 第二十三条 本系统: the agency itself or an agency below it (any superior line) is competent.
                out[f"{prefix}_system_competent"] = any(
                    c == agency_id or agency_id in self.ancestors(c) for c in competent)
        self.memo[(prefix, agency_id)] = out
        return out

    def _shared_fields(self, prefix: str, agency_id: str, wanted: tuple[str, ...],
                       notice: tuple[bool, bool] | None) -> Fact:
        """The fields that depend on the agencies alone, and the notice on ``notice`` (the case's
        litigation_related and whether it is an accusation) when given: shared by the cases of a registry
        (memoised by ``fields``)."""
        agency = self.agencies.get(agency_id)
        out: Fact = {prefix: agency_id}
        for suffix in wanted:
            if suffix == "_ancestors":
                out[f"{prefix}_ancestors"] = self.ancestors(agency_id)
            elif agency is None:
                continue
            elif suffix == "_kind":
                out[f"{prefix}_kind"] = agency.kind.value
            elif suffix == "_level":
                out[f"{prefix}_level"] = agency.level.value
            elif suffix == "_superior" and agency.superior is not None:
                out[f"{prefix}_superior"] = agency.superior
            elif suffix == "_superiors" and agency.superiors:
                out[f"{prefix}_superiors"] = list(agency.superiors)
        if notice is not None:
            out["agency_notice_by_other_rules"] = agency is not None and _notice_by_other_rules(
                agency.kind.value, *notice)
        self.agencies.derived[(prefix, agency_id, wanted, notice)] = out
        return out


def case_facts(case: Case, until: dt.date | None = None, *, plan: FactPlan = EVERY_FACT) -> Facts:
    """Facts of ``case`` as known on ``until``: later events are not yet known and left out."""
    case_fact: Fact = {}
    for name, getter in plan.case_values:
        value = getter(case)
        if value is not None:
            case_fact[name] = value
    if plan.petitioner:
        values = _petitioner_facts(case)
        for name, position in plan.petitioner:
            case_fact[name] = values[position]
    # The events kept, in chronological order (file order breaks ties).
    timeline = case.events
    kinds = plan.kinds
    kept: list[int] = []
    last: dt.date | None = None
    in_order = True
    for index, event in enumerate(timeline):
        day = event.date
        if until is not None and day > until:
            continue
        if kinds is None or event.kind in kinds:
            if last is not None and day < last:
                in_order = False
            last = day
            kept.append(index)
    if not in_order:
        kept.sort(key=lambda i: timeline[i].date)  # stable
    events: list[Fact] = []
    if kept or plan.timeline:
        tree = _Tree(case, plan)
        by_kind = plan.by_kind
        for seq, index in enumerate(kept):
            event = timeline[index]
            events.append(_event_fact(case, event, index, seq, tree, by_kind[event.kind]))
        if plan.timeline:
            _add_sequence_facts(case, case_fact, events, tree)
    return Facts(case_fact, tuple(events))


def _add_sequence_facts(case: Case, case_fact: Fact, events: list[Fact], tree: _Tree) -> None:
    """Facts that need the whole (dated) timeline or the whole set of involved agencies."""
    plan = tree.plan
    wanted = plan.timeline
    if "unrecused_interested_staff" in wanted:
        # 第二十八条第三款: a staff member with a direct interest counts as recused once any recusal
        # event names that person (events after the date checked are not known yet).
        recused = {event.person for event in (case.events[e["index"]] for e in events)
                   if event.kind == "recusal"}
        case_fact["unrecused_interested_staff"] = sum(
            1 for s in case.staff_interests if s.direct_interest and s.person not in recused)
    if "consultation_recorded" in wanted:
        case_fact["consultation_recorded"] = any(fact["kind"] == "consultation" for fact in events)
    involved = sorted(set(case.involved_agencies)) if ("involved_have_common_superior" in wanted
                                              or "agency_common_superior_of_involved" in wanted) else []
    if len(involved) >= 2:
        # 第二十四条第一款 共同的上一级机关、单位: the nearest agency in the superior chain of every
        # involved agency (agency registry), when two or more are involved.
        chains = [tree.ancestors(a) for a in involved]
        common = next((c for c in chains[0] if all(c in chain for chain in chains[1:])), None)
        if "involved_have_common_superior" in wanted:
            case_fact["involved_have_common_superior"] = common is not None
        if "agency_common_superior_of_involved" in wanted:
            for fact in events:
                fact["agency_common_superior_of_involved"] = common is not None and fact["agency"] == common
    if "reply_to_kind" in wanted:
        # 第三十五条、第三十六条第一款 书面答复: a reply answers the latest opinion before it.
        latest: str | None = None
        for fact in events:
            if fact["kind"] in ("opinion_issued", "review_opinion", "rereview_opinion"):
                latest = fact["kind"]
            elif fact["kind"] == "reply_delivered" and latest is not None:
                fact["reply_to_kind"] = latest


def _event_fact(case: Case, event: Any, index: int, seq: int, tree: _Tree, wanted: _KindPlan) -> Fact:
    plan = tree.plan
    # Read fields from the model's __dict__: getattr() on a field another event kind lacks makes
    # pydantic raise and catch AttributeError, which cost more than everything else here.
    data: dict[str, Any] = event.__dict__
    fact: Fact = {"seq": seq, "index": index, "kind": event.kind, "day": event.date.toordinal(),
                  **tree.fields("agency", event.agency)}
    to = data["to"] if wanted.to_agency else None
    if to is not None:
        fact.update(tree.fields("to", to))
        if "to_same_level" in plan.event:
            to_agency = tree.agencies.get(to)
            acting = tree.agencies.get(event.agency)
            if to_agency is not None and acting is not None:
                fact["to_same_level"] = to_agency.level == acting.level
        if "to_is_superior" in plan.event:
            acting = tree.agencies.get(event.agency)
            fact["to_is_superior"] = acting is not None and to in acting.superiors
        if "to_is_subordinate" in plan.event:
            fact["to_is_subordinate"] = event.agency in tree.ancestors(to)
    origin = data["from_agency"] if wanted.from_agency else None
    if origin is not None:
        if "from_agency" in plan.event:
            fact["from_agency"] = origin
        if "from_kind" in plan.event and (origin_agency := tree.agencies.get(origin)) is not None:
            fact["from_kind"] = _value(origin_agency.kind)
        if "from_is_superior" in plan.event:
            fact["from_is_superior"] = origin in tree.ancestors(event.agency)
    for name in wanted.copied:
        value = data[name]
        if value is not None:
            fact[name] = _value(value) if isinstance(value, Enum) else value
    for field, name in wanted.dates.items():
        fact[name] = data[field].toordinal()
    for name, compute in wanted.derived.items():
        value = compute(case, event, tree)
        if value is not None:
            fact[name] = value
    return fact


def _days_to_conclusion(case: Case, reply: Any) -> int | None:
    """Days from the replying agency's first receipt of the matter to its first conclusion
    (concluded or opinion_issued) up to the reply: 自收到信访请求之日起15日内已经办结 (北京市信访条例第四十五条)."""
    received = [e.date for e in case.events if e.kind == "received" and e.agency == reply.agency
                and e.date <= reply.date]
    concluded = [e.date for e in case.events if e.kind in ("concluded", "opinion_issued")
                 and e.agency == reply.agency and e.date <= reply.date]
    if received and concluded and min(concluded) >= min(received):
        return (min(concluded) - min(received)).days
    return None
