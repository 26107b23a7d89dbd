"""Cutting lowered predicates into durable-safe chains, and chains into patterns."""

from __future__ import annotations

from typing import Any, Literal

from .errors import DurableEngineError
from .expressions import _Atom, _Expr, _Group, _Linear, _neutral, _to_json
from .limits import _CHAIN_BUDGET, _MAX_ALTERNATIVES


def _size(expr: _Linear) -> int:
    """Entries the expression takes in a pattern's expression list (markers included)."""
    if isinstance(expr, _Atom):
        return 1
    return 3 + sum(_size(item) for item in expr.items if not isinstance(item, bool))  # op, neutral, END


def _alternatives(expr: _Expr) -> list[list[_Linear]]:
    """``expr`` as an OR of alternatives, each an AND of linear chains within budget.

    One alternative becomes one rule; each chain one pattern (all bound to the same fact).
    """
    if expr is True:
        return [[]]
    if expr is False:
        return []
    if isinstance(expr, _Atom):
        return [[expr]]
    assert isinstance(expr, _Group)
    if expr.op == "$and":
        combos: list[list[_Linear]] = [[]]
        for item in expr.items:
            options = _alternatives(item)
            combos = [combo + option for combo in combos for option in options]
            if len(combos) > _MAX_ALTERNATIVES:
                raise DurableEngineError(f"predicate needs more than {_MAX_ALTERNATIVES} durable rules")
        return [_pack("$and", combo) for combo in combos]
    singles: list[_Linear] = []
    out: list[list[_Linear]] = []
    for item in expr.items:
        options = _alternatives(item)
        if len(options) == 1 and len(options[0]) == 1:
            singles.append(options[0][0])
        else:
            out.extend(options)
    out.extend([chain] for chain in _pack("$or", singles))
    if len(out) > _MAX_ALTERNATIVES:
        raise DurableEngineError(f"predicate needs more than {_MAX_ALTERNATIVES} durable rules")
    return out


def _pack(op: Literal["$and", "$or"], chains: list[_Linear]) -> list[_Linear]:
    """Regroup chains joined by ``op`` into linear chains within budget.

    Each output chain is ``op(atoms..., group)`` with at most one nested group, placed
    last (durable stops evaluating a group after a nested group that is not last).
    For ``$and`` the outputs are conjoined (several patterns), for ``$or`` disjoined
    (several rules).
    """
    atoms: list[_Atom] = []
    groups: list[_Group] = []
    for chain in chains:
        parts: tuple[_Expr, ...] = chain.items if isinstance(chain, _Group) and chain.op == op else (chain,)
        for part in parts:
            if isinstance(part, _Atom):
                atoms.append(part)
            else:
                assert isinstance(part, _Group)
                groups.append(part)
    out: list[_Linear] = []
    for group in groups:
        room = max(_CHAIN_BUDGET - 3 - _size(group), 0)
        taken, atoms = atoms[:room], atoms[room:]
        out.append(_Group(op, (*taken, group)) if taken else group)
    step = _CHAIN_BUDGET - 3
    for start in range(0, len(atoms), step):
        chunk = atoms[start:start + step]
        out.append(chunk[0] if len(chunk) == 1 else _Group(op, tuple(chunk)))
    return out


def _chain_items(chain: _Linear, base: str) -> list[dict[str, Any]]:
    """The chain as items of a pattern's outer ``$and`` (an and-chain is flattened into it)."""
    if isinstance(chain, _Group) and chain.op == "$and":
        return [_to_json(item, base) for item in chain.items]
    return [_to_json(chain, base)]


def _pattern(alpha: dict[str, Any], items: list[dict[str, Any]], base: str) -> dict[str, Any]:
    """A pattern: the literal alpha test, then reference tests, under one ``$and``.

    The literal test comes first: it is the only non-reference test, so it adds no entry
    to the expression list, and the alpha network is keyed on it. durable never shares
    reference nodes between rules and pushes every first-level node of every pattern
    below that key onto a 64-slot stack when a fact arrives, so a pattern must not start
    with a group (all its branches would be pushed at once): a neutral atom goes first.
    """
    if not items:
        return alpha
    lead = [_neutral("$and", base)] if next(iter(items[0])) in ("$and", "$or") else []
    return {"$and": [alpha, *lead, *items, _neutral("$and", base)]}
