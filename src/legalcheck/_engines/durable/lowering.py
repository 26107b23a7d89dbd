"""Lowering the condition language to durable atoms."""

from __future__ import annotations

from typing import Any, Literal

from ..._facts.conditions import AllOf, AnyOf, Compare, Not, Predicate, Ref
from .encodings import _eq_key, _order_key, _order_tag
from .errors import DurableEngineError, _Unsupported
from .expressions import _NEGATED_ORDER, _ORDER_OPS, _Atom, _combine, _Expr
from .limits import _ABSENT_LEFT, Role

# Helper properties, one letter each, suffixed with a field id (and element index):
#   t  type tag, "m" when absent                    (presence tests)
#   e  equality key, "m" when absent               (the fact being matched)
#   E  equality key, "M" when absent               (a referenced fact)
#   T  order class, "x" when absent or unordered   (the fact being matched)
#   U  order class, "y" when absent or unordered   (a referenced fact)
#   o  order key, 0 when absent or unordered
#   i  element keys i<id>_<n>, "m" beyond the list (the fact being matched)
#   I  element keys I<id>_<n>, "M" beyond the list (a referenced fact)
Helper = Literal["t", "e", "E", "T", "U", "o", "i", "I"]


class _FieldTable:
    """Short property ids for (role, field) and the helpers each fact kind must carry."""

    def __init__(self) -> None:
        self.ids: dict[tuple[Role, str], int] = {}
        self.needs: dict[tuple[Role, str], set[str]] = {}

    def prop(self, role: Role, name: str, helper: Helper, capacity: int) -> list[str]:
        fid = self.ids.setdefault((role, name), len(self.ids))
        self.needs.setdefault((role, name), set()).add(helper)
        if helper in ("i", "I"):
            return [f"{helper}{fid}_{n}" for n in range(capacity)]
        return [f"{helper}{fid}"]


class _Lowering:
    """Lowers one query's predicates to atoms; notes the case-fact properties they read."""

    def __init__(self, table: _FieldTable, constants: dict[tuple[type, Any], str], capacity: int,
                 rule_id: str) -> None:
        self.table = table
        self.constants = constants  # shared by all queries: value -> property of the case fact
        self.capacity = capacity
        self.rule_id = rule_id
        self.case_props: set[str] = set()  # constants and case helpers this query reads

    def const(self, value: str | int) -> str:
        prop = self.constants.setdefault((type(value), value), f"k{len(self.constants)}")
        self.case_props.add(prop)
        return prop

    def prop(self, role: Role, name: str, helper: Helper) -> list[str]:
        props = self.table.prop(role, name, helper, self.capacity)
        if role == "case":
            self.case_props.update(props)
        return props

    def one(self, role: Role, name: str, helper: Helper) -> str:
        return self.prop(role, name, helper)[0]

    def fail(self, message: str) -> DurableEngineError:
        return DurableEngineError(f"rule {self.rule_id}: {message}")

    def lower(self, predicate: Predicate | None, role: Role, refs: frozenset[str], negate: bool) -> _Expr:
        """``predicate`` (or its negation) in negation normal form over durable atoms.

        ``refs`` are the bindings a Ref may name here; ``role`` is the kind of fact tested.
        """
        if predicate is None:
            return not negate
        if isinstance(predicate, Compare):
            return self.compare(predicate, role, refs, negate)
        if isinstance(predicate, Not):
            return self.lower(predicate.item, role, refs, not negate)
        if isinstance(predicate, (AllOf, AnyOf)):
            conjunction = isinstance(predicate, AllOf) != negate  # De Morgan
            items = [self.lower(item, role, refs, negate) for item in predicate.items]
            return _combine("$and" if conjunction else "$or", items)
        raise self.fail(f"unknown predicate {predicate!r}")

    def compare(self, cmp: Compare, role: Role, refs: frozenset[str], negate: bool) -> _Expr:
        value = cmp.value
        if cmp.op == "exists":
            # holds(): (field present) == value, whatever type value has.
            when_present = bool(True == value) != negate  # noqa: E712 - Python's ==, on purpose
            when_absent = bool(False == value) != negate  # noqa: E712
            if when_present and when_absent:
                return True
            if not (when_present or when_absent):
                return False
            return self.presence(role, cmp.field, present=when_present)
        if isinstance(value, Ref):
            if value.binding not in refs:
                raise self.fail(f"{cmp.field}: reference to {value.binding!r} is not bound here")
            return self.compare_ref(cmp, value, role, negate)
        return self.compare_literal(cmp, value, role, negate)

    def presence(self, role: Role, name: str, present: bool) -> _Atom:
        return _Atom("$neq" if present else "$eq", self.one(role, name, "t"), "c", self.const(_ABSENT_LEFT))

    def ref_presence(self, ref: Ref, present: bool) -> _Atom:
        # "#m" is a constant "m" on every fact: the left side must be a property of the
        # fact being matched, the absent tag of the referenced one is the right side.
        role, binding = self.ref_target(ref)
        return _Atom("$neq" if present else "$eq", "#m", binding, self.one(role, ref.field, "t"))

    @staticmethod
    def ref_target(ref: Ref) -> tuple[Role, str]:
        return ("case", "c") if ref.binding == "case" else ("event", "a")

    def compare_literal(self, cmp: Compare, value: Any, role: Role, negate: bool) -> _Expr:
        name, op = cmp.field, cmp.op
        try:
            if op in ("eq", "ne"):
                key = self.const(_eq_key(value))
                equal = _Atom("$neq" if negate == (op == "eq") else "$eq", self.one(role, name, "e"), "c", key)
                if op == "eq":
                    return equal  # "m" (absent) never equals a real key
                presence = self.presence(role, name, present=not negate)
                return _combine("$or" if negate else "$and", [presence, equal])
            if op in ("in", "not_in"):
                if not isinstance(value, (list, tuple)):
                    raise self.fail(f"{name}: {op!r} needs a list of values, got {value!r}")
                left = self.one(role, name, "e")
                keys = [self.const(_eq_key(item)) for item in value]
                member = negate == (op == "in")  # build "is not a member" when True
                atoms: list[_Expr] = [_Atom("$neq" if member else "$eq", left, "c", key) for key in keys]
                found = _combine("$and" if member else "$or", atoms)
                if op == "in":
                    return found
                presence = self.presence(role, name, present=not negate)
                return _combine("$or" if negate else "$and", [presence, found])
            if op == "contains":
                key = self.const(_eq_key(value))
                slots = self.prop(role, name, "i")
                return _combine("$and" if negate else "$or",
                                [_Atom("$neq" if negate else "$eq", slot, "c", key) for slot in slots])
            if op in _ORDER_OPS:
                tag = _order_tag(value)
                if tag is None:
                    return negate  # bool literal: ordering is never true
                order_key = self.const(_order_key(value))
                cls = self.const(tag)
                if negate:
                    return _combine("$or", [_Atom("$neq", self.one(role, name, "T"), "c", cls),
                                            _Atom(_NEGATED_ORDER[_ORDER_OPS[op]], self.one(role, name, "o"), "c",
                                                  order_key)])
                return _combine("$and", [_Atom("$eq", self.one(role, name, "T"), "c", cls),
                                         _Atom(_ORDER_OPS[op], self.one(role, name, "o"), "c", order_key)])
        except _Unsupported as exc:
            raise self.fail(f"{name}: {exc}") from None
        raise self.fail(f"{name}: unknown operator {op!r}")

    def compare_ref(self, cmp: Compare, ref: Ref, role: Role, negate: bool) -> _Expr:
        name, op = cmp.field, cmp.op
        target_role, binding = self.ref_target(ref)
        if op in ("eq", "ne"):
            equal = _Atom("$neq" if negate == (op == "eq") else "$eq", self.one(role, name, "e"), binding,
                          self.one(target_role, ref.field, "E"))
            if op == "eq":
                return equal  # "m" and "M" never equal each other or a real key
            guards = [self.presence(role, name, present=not negate), self.ref_presence(ref, present=not negate)]
            return _combine("$or" if negate else "$and", [*guards, equal])
        if op in ("in", "not_in"):
            # The referenced field must hold a list (checked per case when facts are encoded).
            left = self.one(role, name, "e")
            member = negate == (op == "in")
            atoms: list[_Expr] = [_Atom("$neq" if member else "$eq", left, binding, slot)
                                  for slot in self.prop(target_role, ref.field, "I")]
            found = _combine("$and" if member else "$or", atoms)
            if op == "in":
                return found
            guards = [self.presence(role, name, present=not negate), self.ref_presence(ref, present=not negate)]
            return _combine("$or" if negate else "$and", [*guards, found])
        if op == "contains":
            right = self.one(target_role, ref.field, "E")
            return _combine("$and" if negate else "$or",
                            [_Atom("$neq" if negate else "$eq", slot, binding, right)
                             for slot in self.prop(role, name, "i")])
        if op in _ORDER_OPS:
            same_class = _Atom("$neq" if negate else "$eq", self.one(role, name, "T"), binding,
                               self.one(target_role, ref.field, "U"))
            order_op = _NEGATED_ORDER[_ORDER_OPS[op]] if negate else _ORDER_OPS[op]
            ordered = _Atom(order_op, self.one(role, name, "o"), binding, self.one(target_role, ref.field, "o"))
            return _combine("$or" if negate else "$and", [same_class, ordered])
        raise self.fail(f"{name}: unknown operator {op!r}")
