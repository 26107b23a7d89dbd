"""Lowered predicates: durable atoms under and/or."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal, Union


@dataclass(frozen=True, slots=True)
class _Atom:
    """``left <op> binding.right``: a durable reference expression (beta test)."""

    op: str  # "$eq", "$neq", "$lt", "$lte", "$gt", "$gte"
    left: str  # property of the fact the pattern binds
    binding: str  # pattern name of an earlier-bound fact: "c" (case fact) or "a" (anchor)
    right: str  # property of that fact

    def to_json(self) -> dict[str, Any]:
        test = {self.left: {self.binding: self.right}}
        return test if self.op == "$eq" else {self.op: test}


@dataclass(frozen=True, slots=True)
class _Group:
    op: Literal["$and", "$or"]
    items: tuple[_Expr, ...]

    def to_json(self, base: str) -> dict[str, Any]:
        return {self.op: [*(_to_json(item, base) for item in self.items), _neutral(self.op, base)]}


_Expr = Union[_Atom, _Group, bool]
_Linear = Union[_Atom, _Group]  # a group whose only nested group, if any, is its last item


def _neutral(op: str, base: str) -> dict[str, Any]:
    """An atom that cannot short-circuit a group of ``op``: "m" == "m" (true) for an and,
    "m" != "m" (false) for an or; "#m" is the constant "m" on every fact and ``base`` the
    rule's first pattern, bound before any pattern with expressions.

    Every group ends with one. durable's reduceExpressionSequence, after a short-circuiting
    atom, skips to the next END marker starting one entry too far: when the atom was the
    group's last, it runs past the group's END and off the expression array (heap
    overflow, garbage evaluation, segfault: jruizgit/rules#381, unmerged fix PR #386).
    """
    test = {"#m": {base: "#m"}}
    return test if op == "$and" else {"$neq": test}


def _to_json(expr: _Expr, base: str) -> dict[str, Any]:
    if isinstance(expr, bool):
        raise AssertionError("constants are folded before emission")
    if isinstance(expr, _Atom):
        return expr.to_json()
    return expr.to_json(base)


def _bindings(expr: _Expr) -> set[str]:
    if isinstance(expr, _Atom):
        return {expr.binding}
    if isinstance(expr, _Group):
        return set().union(*(_bindings(item) for item in expr.items))
    return set()


def _combine(op: Literal["$and", "$or"], items: Iterable[_Expr]) -> _Expr:
    """``$and``/``$or`` with constants folded and nested groups of the same kind flattened."""
    unit = op == "$and"  # True is neutral for and, False for or
    out: list[_Expr] = []
    for item in items:
        if isinstance(item, bool):
            if item != unit:
                return item  # and(.., False) / or(.., True)
            continue
        for part in item.items if isinstance(item, _Group) and item.op == op else (item,):
            if part not in out:  # x and x == x: fewer patterns and rules
                out.append(part)
    if not out:
        return unit
    if len(out) == 1:
        return out[0]
    return _Group(op, tuple(out))


_NEGATED_ORDER = {"$lt": "$gte", "$lte": "$gt", "$gt": "$lte", "$gte": "$lt"}
_ORDER_OPS = {"lt": "$lt", "le": "$lte", "gt": "$gt", "ge": "$gte"}
