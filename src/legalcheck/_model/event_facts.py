"""How an event kind declares the facts it contributes: the ``facts`` on its class in ``case.py``.

Engines see an event only as flat facts (``_facts/facts.py``). Every event has its position, its
day and its acting agency; beyond that, each kind says here which of its fields become facts and
how. Fact names and types follow from the declaration and the fields' annotations, so a new event
kind whose facts are copied fields, dates, agencies or facts already derived for another kind is
one class in ``case.py``; a fact computed in a new way also needs its computation in ``_facts``.
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass
from enum import Enum
from typing import Literal

from pydantic import BaseModel

FactType = Literal["str", "int", "bool", "list", "day"]


@dataclass(frozen=True, slots=True, kw_only=True)
class DerivedFact:
    """A fact computed from the event, the case or the timeline, not copied from one field.

    ``_facts/facts.py`` computes it by ``name``; ``tests/model/test_event_kinds.py`` checks that every
    declared derived fact has a computation there.
    """

    name: str
    type: FactType
    reads: tuple[str, ...]  # the event's own fields it is computed from
    meaning: str  # one line, for docs/rule-language.md


@dataclass(frozen=True, slots=True, kw_only=True)
class EventFacts:
    """The facts one event kind contributes beyond those every event has (``seq``, ``day``, ``agency``…)."""

    copied: tuple[str, ...] = ()  # fields copied as they are (an enum as its value); absent when not recorded
    dates: tuple[str, ...] = ()  # date fields, as day numbers named ``<field>_day``
    to_agency: bool = False  # ``to`` names an agency: ``to``, its ``to_*`` agency facts and relations
    from_agency: bool = False  # ``from_agency`` names an agency: ``from_agency``, ``from_kind``, ``from_is_superior``
    derived: tuple[DerivedFact, ...] = ()

    def fields_read(self) -> frozenset[str]:
        """The event fields these facts come from."""
        return frozenset((*self.copied, *self.dates, *(("to",) if self.to_agency else ()),
                          *(("from_agency",) if self.from_agency else ()),
                          *(name for fact in self.derived for name in fact.reads)))


# Derived facts more than one kind declares, or whose meaning is worth a name of its own.
REASONS_GIVEN = DerivedFact(name="reasons_given", type="bool", reads=("reasons",),
                            meaning="`reasons` is recorded and not blank")
RECIPIENTS = DerivedFact(name="recipients", type="list", reads=("to",), meaning="the bodies `to` lists")
TO_PERSON_IS_ACCUSED = DerivedFact(name="to_person_is_accused", type="bool", reads=("to_person",),
                                   meaning="`to_person` is one of the case's accused persons")
PERSON_HAS_DIRECT_INTEREST = DerivedFact(
    name="person_has_direct_interest", type="bool", reads=("person",),
    meaning="`staff_interests` records a direct interest of `person`")
DAYS_TO_CONCLUSION = DerivedFact(
    name="days_to_conclusion", type="int", reads=(),
    meaning="days from the replying agency's first receipt to its first conclusion (北京市信访条例第四十五条)")
REPLY_TO_KIND = DerivedFact(name="reply_to_kind", type="str", reads=(),
                            meaning="the kind of the latest opinion before the reply, which it answers")


def copied_fact_type(model: type[BaseModel], field: str) -> FactType:
    """The fact type of a copied field, from its annotation (``None`` left out: an absent fact).

    Dates are not copied but declared in ``dates``; a field with no single fact type is refused."""
    return _fact_type(model.model_fields[field].annotation, f"{model.__name__}.{field}")


def _fact_type(annotation: object, where: str) -> FactType:
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        found = {_fact_type(arg, where) for arg in typing.get_args(annotation) if arg is not type(None)}
        if len(found) == 1:
            return found.pop()
    elif typing.get_origin(annotation) is Literal:
        found = {_fact_type(type(value), where) for value in typing.get_args(annotation)}
        if len(found) == 1:
            return found.pop()
    elif annotation is bool:  # before int: bool is an int
        return "bool"
    elif annotation is int:
        return "int"
    elif annotation is str or (isinstance(annotation, type) and issubclass(annotation, Enum)):
        return "str"
    raise TypeError(f"{where}: no fact type for {annotation!r}")
