"""The durable-rules engine: queries compiled to durable-rules JSON rulesets.

It must return exactly what ``NativeEngine`` returns (``tests/test_engine_differential.py``
holds it to that). durable-rules 2.0.28 has defects that make a naive translation wrong
or crash the process; ``docs/engines.md`` explains each choice and links the upstream
issues. In short:

* Every comparison is a *reference* test (``left <op> other.right``) on helper properties
  that every fact always carries (type tags, equality and order keys, list element
  slots): durable aborts a whole assert (error 311) when a referenced property is
  missing, evaluates a mix of literal and reference tests under ``$or`` wrongly, and
  compares across types (``1 == "1"``). Literals are properties of the case fact.
* durable evaluates a nested ``$and``/``$or`` group correctly only when it is the last
  item of its parent, and reads past a group's end when its last test short-circuits.
  Predicates are lowered to negation normal form and cut into "linear" chains, each
  group closed by a neutral test; what cannot be linear becomes extra patterns bound to
  the same fact (conjunction) or extra rules (disjunction). Results are sets.
* Lists become fixed-size arrays of element keys: durable can neither iterate a
  referenced array nor use references inside ``$iany``.
* Rulesets are cut to fit durable's 64-slot alpha stack. Each engine has a private host
  with its timer threads disabled; each case is one batch per ruleset in a fresh state,
  deleted afterwards; matches are read through the C API (no per-match callbacks); one
  lock per engine; a fork hook rebuilds the host in a child process.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import threading
import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Union

from .._core.errors import LegalcheckError
from .._facts.conditions import AllOf, AnyOf, Compare, Not, Predicate, Query, QueryMatch, Ref
from .._facts.facts import Facts


class DurableEngineError(LegalcheckError):
    """durable-rules cannot express a query, rejected a fact, or failed internally."""


class _Unsupported(ValueError):
    """A value the encodings cannot represent (reported with its rule or field by callers)."""


# --- durable-rules 2.0.28 limits (src/rules/*.h) the compiler stays within ---------------
# MAX_SEQUENCE_EXPRESSIONS is 32 and the engine fails when a pattern's expression list
# *reaches* it, so 31 entries are usable: atoms, plus per group its start and END markers
# and a neutral atom (see _neutral). A pattern spends 3 on its outer ``$and`` and up to 2
# on the atoms the compiler adds (a chain nested in it as a group brings its own 3).
_CHAIN_BUDGET = 31 - 3 - 2
# handleAlpha walks the alpha network depth first with a 64-slot stack (MAX_STACK_SIZE).
# Reference nodes are never shared between rules, so every pattern hanging off the same
# entry node (one event kind, or one case fact) takes a slot when a fact arrives
# (one, as patterns never start with a group: see _pattern), and the chain being walked
# adds at most its own size. Rulesets are cut so that this stays below the budget.
_STACK_BUDGET = 56
_MAX_PATTERNS_PER_RULE = 16  # MAX_MESSAGE_FRAMES
_MAX_ALTERNATIVES = 64  # per predicate; beyond this a query is rejected as too complex
_MAX_RULES_PER_QUERY = 512
# One action may deliver up to ``cap`` matches of one rule at once (unsigned short).
_CAP = 65535
_MIN_ELEMENTS = 8  # element slots for list fields; grows (doubling) when a case needs more
_MAX_ORDER_INT = 2**62  # durable parses integers as C long long
_MAX_FACT_PROPS = 255  # MAX_OBJECT_PROPERTIES
_CASE_FACT_PROPS = 240  # id, sid, #q and #m take four more

_MISSING = object()
_STATE_RULE = "s"

# Sentinels for absent values. Left (the fact being matched) and right (a referenced fact)
# differ so that two absent values never compare equal; no real key starts with m/M/x/y.
_ABSENT_LEFT = "m"
_ABSENT_RIGHT = "M"
_UNORDERED_LEFT = "x"
_UNORDERED_RIGHT = "y"

Role = Literal["case", "event"]


# --- lowered predicates: durable atoms under and/or ----------------------------------------


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


# --- value encodings ------------------------------------------------------------------------


def _eq_key(value: Any) -> str:
    """A string equal for two values exactly when Python's ``==`` says they are equal.

    durable compares strings of two facts byte for byte over the raw JSON text, which is
    an injective encoding, so keys may hold any character.
    """
    if isinstance(value, (bool, int)):
        return f"n{int(value)}"  # True == 1 in Python
    if isinstance(value, str):
        return "s" + value
    if isinstance(value, list):
        return "l" + json.dumps([_eq_key(item) for item in value], ensure_ascii=False)
    if isinstance(value, tuple):
        return "t" + json.dumps([_eq_key(item) for item in value], ensure_ascii=False)
    raise _Unsupported(f"unsupported value {value!r} ({type(value).__name__})")


def _type_tag(value: Any) -> str:
    if isinstance(value, bool):
        return "b"
    if isinstance(value, int):
        return "i"
    if isinstance(value, str):
        return "s"
    if isinstance(value, list):
        return "l"
    if isinstance(value, tuple):
        return "u"
    raise _Unsupported(f"unsupported value {value!r} ({type(value).__name__})")


def _order_tag(value: Any) -> str | None:
    """The type class inside which ``<`` is defined (None: never ordered, e.g. bool)."""
    tag = _type_tag(value)
    return None if tag == "b" else tag


def _hex(text: str) -> str:
    # Fixed-width code points: byte order == code point order == Python's str order, and
    # the text holds only [0-9a-f], which durable's strncmp over raw JSON handles (it
    # mis-orders a string against a longer one that extends it with a char below '"').
    return text.encode("utf-32-be", "surrogatepass").hex()


def _order_key(value: Any) -> int | str:
    """A durable-comparable key ordered like ``value`` among values of its own type."""
    if isinstance(value, int) and not isinstance(value, bool):
        if abs(value) >= _MAX_ORDER_INT:
            raise _Unsupported(f"integer {value} is out of range for ordering")
        return value
    if isinstance(value, str):
        return _hex(value)
    if isinstance(value, (list, tuple)) and all(isinstance(item, str) for item in value):
        # '.' sorts above the '"' that ends a JSON string and below every hex digit, so a
        # list sorts before any list it is a proper prefix of, element by element.
        return "".join(_hex(item) + "." for item in value)
    raise _Unsupported(f"cannot order {value!r}")


# --- lowering the IR ------------------------------------------------------------------------

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


# --- cutting lowered predicates into durable-safe chains -----------------------------------


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


# --- compilation ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _RuleInfo:
    kind: Literal["state", "none", "anchor", "relation"]
    query: int
    relation: int = -1


@dataclass
class _Compiled:
    """Everything compiled for one element capacity: ruleset definitions and fact layout."""

    capacity: int
    rulesets: list[dict[str, dict[str, Any]]]  # rule name -> durable rule (without "run")
    rules: dict[str, list[_RuleInfo]]  # a rule made once may serve several queries
    kinds: frozenset[str]  # event kinds some pattern tests; other events are not sent
    event_codecs: tuple[_FieldCodec, ...]
    case_codecs: tuple[_FieldCodec, ...]
    case_facts: dict[int, tuple[dict[str, Any], tuple[str, ...]]]  # group -> (constants, case helpers)
    kind_hex: dict[str, str]
    # Per ruleset, the event kinds and case facts its patterns bind: only those are sent
    # to it (sending a ruleset facts it has no pattern for costs as much as matching).
    inputs: list[tuple[frozenset[str], frozenset[int]]]
    list_fields: tuple[tuple[Role, str], ...]  # fields stored as element slots


# (alpha entry node, durable pattern, stack slots its walk needs: 0 for a pattern with no
# reference test, which durable handles without pushing anything)
_Pattern = tuple[tuple[str, Any], dict[str, Any], int]


def _rule_patterns(group: int, when: list[_Linear] | None,
                   events: list[tuple[str, str, list[_Linear], dict[str, Any] | None]]) -> list[_Pattern]:
    """The patterns of one rule: case fact ``group`` as "c" (when needed), then event patterns.

    ``when`` holds the chains of the case condition (None: no case pattern unless an event
    chain reads a constant or a case field, which live on the case fact). ``events``
    holds (name, kind, chains, first test) per event pattern, in binding order.
    "c", when present, comes first: constants live on it and every later pattern may
    refer to it. Without it the first event pattern is the base the neutral atoms use.
    """
    needs_case = when is not None or any("c" in _bindings(chain) for _, _, chains, _ in events for chain in chains)
    base = "c" if needs_case else events[0][0]
    out: list[_Pattern] = []
    entry: tuple[str, Any]
    if needs_case:
        entry = ("case", group)
        out.append((entry, {"c": {"#q": group}}, 0))
        for n, chain in enumerate(when or []):
            out.append((entry, {f"w{n}": _pattern({"#q": group}, _chain_items(chain, base), base)}, _size(chain) + 2))
    for name, kind, chains, first in events:
        alpha = {"#h": _hex(kind)}
        entry = ("kind", kind)
        head = [first] if first is not None else []
        main = _chain_items(chains[0], base) if chains else []
        need = (_size(chains[0]) if chains else 0) + len(head)
        out.append((entry, {name: _pattern(alpha, head + main, base)}, need + 2 if need else 0))
        for n, chain in enumerate(chains[1:], start=1):
            same = {"#s": {name: "#s"}}  # another pattern over the same event (seq identifies it)
            out.append((entry, {f"{name}{n}": _pattern(alpha, [same, *_chain_items(chain, base)], base)},
                        _size(chain) + 3))
    return out


def _compile(queries: Sequence[Query], capacity: int) -> _Compiled:
    """Compile the queries to durable rulesets for lists of up to ``capacity`` elements.

    Per query: one rule per alternative of (`when`, anchor kind, anchor `where`) finding
    anchors, and one per (relation, anchor kind, related kind, alternative of the
    relation's `where`) finding (anchor, related) pairs. Relation rules do not repeat the
    anchor's conditions: a pair only counts when its anchor was found by an anchor rule.
    Identical rules (from different queries) are made once.

    The case is sent as a few "case facts", each carrying the case helpers and literal
    constants of a group of queries (durable allows 255 properties per fact).
    """
    table = _FieldTable()
    constants: dict[tuple[type, Any], str] = {}
    rules: dict[str, list[_RuleInfo]] = {}
    by_body: dict[str, str] = {}
    definitions: list[tuple[str, dict[str, Any], list[_Pattern]]] = []
    kinds: set[str] = set()
    groups: list[set[str]] = []  # properties of each case fact

    def add(info: _RuleInfo, patterns: list[_Pattern]) -> None:
        if len(patterns) > _MAX_PATTERNS_PER_RULE:
            raise DurableEngineError(f"rule {queries[info.query].rule_id}: needs {len(patterns)} durable "
                                     f"patterns, more than {_MAX_PATTERNS_PER_RULE}")
        # dist 0: the chains of one predicate are separate patterns bound to the same fact.
        body = {"all": [pattern for _, pattern, _ in patterns], "dist": 0, "cap": _CAP}
        key = json.dumps(body, sort_keys=True)
        name = by_body.get(key)
        if name is None:
            name = by_body[key] = f"r{len(by_body)}"
            rules[name] = []
            definitions.append((name, body, patterns))
        rules[name].append(info)

    for qi, query in enumerate(queries):
        lowering = _Lowering(table, constants, capacity, query.rule_id)
        when = _alternatives(lowering.lower(query.when, "case", frozenset({"case"}), False))
        anchor_where: list[list[_Linear]] = []
        relations: list[list[list[_Linear]]] = []
        if query.anchor is not None:
            anchor_where = _alternatives(lowering.lower(query.anchor.where, "event", frozenset({"case"}), False))
            relations = [_alternatives(lowering.lower(rel.pattern.where, "event", frozenset({"case", "anchor"}),
                                                      False)) for rel in query.relations]
        # The case fact holding this query's constants and case helpers.
        if len(lowering.case_props) > _CASE_FACT_PROPS:
            raise DurableEngineError(f"rule {query.rule_id}: reads {len(lowering.case_props)} case properties and "
                                     f"constants, more than a durable fact holds")
        if not groups or len(groups[-1] | lowering.case_props) > _CASE_FACT_PROPS:
            groups.append(set())
        groups[-1] |= lowering.case_props
        group = len(groups) - 1
        count = 0
        if query.anchor is None:
            for chains in when:
                add(_RuleInfo("none", qi), _rule_patterns(group, chains, []))
                count += 1
        else:
            anchor_kinds = list(dict.fromkeys(query.anchor.kinds))
            for chains in when:
                for kind in anchor_kinds:
                    for anchor_chains in anchor_where:
                        add(_RuleInfo("anchor", qi),
                            _rule_patterns(group, chains or None, [("a", kind, anchor_chains, None)]))
                        count += 1
            if count:  # some anchor can match: look for related events
                kinds.update(anchor_kinds)
                for ri, (rel, rel_alts) in enumerate(zip(query.relations, relations)):
                    order = {"$gt" if rel.order == "after" else "$lt": {"#s": {"a": "#s"}}}
                    for kind in anchor_kinds:
                        for rel_kind in dict.fromkeys(rel.pattern.kinds):
                            for rel_chains in rel_alts:
                                kinds.add(rel_kind)
                                add(_RuleInfo("relation", qi, ri), _rule_patterns(
                                    group, None, [("a", kind, [], None), ("r", rel_kind, rel_chains, order)]))
                                count += 1
        if count > _MAX_RULES_PER_QUERY:
            raise DurableEngineError(f"rule {query.rule_id}: needs more than {_MAX_RULES_PER_QUERY} durable rules")

    by_prop = {prop: value for (_, value), prop in constants.items()}
    case_facts = {}
    for group, props in enumerate(groups):
        fixed = {"id": f"c{group}", "#q": group, "#m": "m", **{p: by_prop[p] for p in sorted(props) if p in by_prop}}
        case_facts[group] = (fixed, tuple(sorted(p for p in props if p not in by_prop)))

    # Split rules over rulesets so that walking the alpha network below any entry node
    # (patterns hanging off it, plus the deepest walk of one of them) fits durable's stack.
    rulesets: list[dict[str, dict[str, Any]]] = []
    inputs: list[tuple[frozenset[str], frozenset[int]]] = []  # per ruleset: event kinds, case facts
    current: dict[str, dict[str, Any]] = {}
    load: dict[tuple[str, Any], tuple[int, int]] = {}  # entry -> (patterns, deepest walk)

    def close() -> None:
        rulesets.append(current)
        inputs.append((frozenset(key for role, key in load if role == "kind"),
                       frozenset(key for role, key in load if role == "case")))

    def grow(load: dict[tuple[str, Any], tuple[int, int]], patterns: list[_Pattern]
             ) -> dict[tuple[str, Any], tuple[int, int]]:
        grown = dict(load)
        for entry, _, need in patterns:
            count, deepest = grown.get(entry, (0, 0))
            grown[entry] = (count + (need > 0), max(deepest, need))
        return grown

    for name, definition, patterns in definitions:
        grown = grow(load, patterns)
        if current and any(count + deepest > _STACK_BUDGET for count, deepest in grown.values()):
            close()
            current, grown = {}, grow({}, patterns)
        current[name] = definition
        load = grown
    if current:
        close()
    # First rule of every ruleset: fires once per state, on the state fact durable creates
    # with a state's first fact. It guarantees an action is started (and so the state's
    # action context initialised) before the state is deleted; see _evaluate.
    rules[_STATE_RULE] = [_RuleInfo("state", -1)]
    rulesets = [{_STATE_RULE: {"all": [{"m": {"$s": 1}}], "cap": 1}, **ruleset} for ruleset in rulesets]

    def codecs(role: Role) -> tuple[_FieldCodec, ...]:
        return tuple(_FieldCodec(name, table.ids[(r, name)], frozenset(helpers), capacity)
                     for (r, name), helpers in table.needs.items() if r == role)

    event_codecs = codecs("event")
    event_props = 5 + sum(len(codec.absent) for codec in event_codecs)  # id, sid, #s, #h, #m
    if event_props > _MAX_FACT_PROPS:
        raise DurableEngineError(f"events would need {event_props} durable properties (lists of up to {capacity} "
                                 f"elements), more than the {_MAX_FACT_PROPS} a durable fact holds")

    return _Compiled(
        capacity=capacity, rulesets=rulesets, rules=rules, kinds=frozenset(kinds),
        event_codecs=event_codecs, case_codecs=codecs("case"), case_facts=case_facts,
        kind_hex={kind: _hex(kind) for kind in kinds}, inputs=inputs,
        list_fields=tuple(key for key, helpers in table.needs.items() if helpers & {"i", "I"}))


# --- facts ----------------------------------------------------------------------------------


_TAGS: dict[type, str] = {str: "s", bool: "b", int: "i", list: "l", tuple: "u"}


class _FieldCodec:
    """Writes the helper properties one field needs on one kind of fact (names precomputed)."""

    __slots__ = ("name", "absent", "t", "e", "E", "T", "U", "o", "i", "I")

    def __init__(self, name: str, fid: int, helpers: frozenset[str], capacity: int) -> None:
        def prop(helper: str) -> str | None:
            return f"{helper}{fid}" if helper in helpers else None

        def slots(helper: str) -> tuple[str, ...]:
            return tuple(f"{helper}{fid}_{n}" for n in range(capacity)) if helper in helpers else ()

        self.name = name
        self.t, self.e, self.E = prop("t"), prop("e"), prop("E")
        self.T, self.U, self.o = prop("T"), prop("U"), prop("o")
        self.i, self.I = slots("i"), slots("I")
        absent: dict[str, Any] = {}
        for key, sentinel in ((self.t, _ABSENT_LEFT), (self.e, _ABSENT_LEFT), (self.E, _ABSENT_RIGHT),
                              (self.T, _UNORDERED_LEFT), (self.U, _UNORDERED_RIGHT), (self.o, 0)):
            if key is not None:
                absent[key] = sentinel
        absent.update(dict.fromkeys(self.i, _ABSENT_LEFT))
        absent.update(dict.fromkeys(self.I, _ABSENT_RIGHT))
        self.absent = absent

    def encode(self, out: dict[str, Any], value: Any) -> None:
        """Write the helpers of a present value (absent values: ``out.update(self.absent)``)."""
        tag = _TAGS.get(type(value)) or _type_tag(value)  # subclasses take the slow path
        if self.t is not None:
            out[self.t] = tag
        if self.e is not None or self.E is not None:
            key = "s" + value if tag == "s" else _eq_key(value)
            if self.e is not None:
                out[self.e] = key
            if self.E is not None:
                out[self.E] = key
        if self.T is not None or self.U is not None or self.o is not None:
            ordered = tag != "b"
            if self.T is not None:
                out[self.T] = tag if ordered else _UNORDERED_LEFT
            if self.U is not None:
                out[self.U] = tag if ordered else _UNORDERED_RIGHT
            if self.o is not None:
                out[self.o] = _order_key(value) if ordered else 0
        if self.i:
            self._elements(out, self.i, value if tag in ("l", "u") else (), _ABSENT_LEFT)
        if self.I:
            if tag not in ("l", "u"):
                # Python would test a substring (or raise TypeError); durable can do neither.
                raise _Unsupported(f"'in' against field {self.name!r} needs a list, got {value!r}")
            self._elements(out, self.I, value, _ABSENT_RIGHT)

    @staticmethod
    def _elements(out: dict[str, Any], slots: tuple[str, ...], items: Sequence[Any], sentinel: str) -> None:
        count = len(items)
        for n, slot in enumerate(slots):
            out[slot] = _eq_key(items[n]) if n < count else sentinel


def _payloads(compiled: _Compiled, facts: Facts, events: list[dict[str, Any]], sid: str) -> list[str | None]:
    """Per ruleset, the facts of one case it has patterns for as one JSON array (None: no fact).

    One batch per ruleset: durable matches every fact before any match is read, so no
    rule sees a partial case, whatever order the events come in.
    """
    kind_hex = compiled.kind_hex
    encoded_events: list[tuple[str, str]] = []  # (kind, JSON): each fact is encoded once
    for index, event in enumerate(events):
        kind = event["kind"]
        fact: dict[str, Any] = {"id": f"e{index}", "sid": sid, "#s": event["seq"], "#h": kind_hex[kind], "#m": "m"}
        for codec in compiled.event_codecs:
            value = event.get(codec.name, _MISSING)
            if value is _MISSING:
                fact.update(codec.absent)
            else:
                codec.encode(fact, value)
        encoded_events.append((kind, _dumps(fact)))
    case_facts: dict[int, str] = {}
    if compiled.case_facts:
        case_values: dict[str, Any] = {}
        for codec in compiled.case_codecs:
            value = facts.case.get(codec.name, _MISSING)
            if value is _MISSING:
                case_values.update(codec.absent)
            else:
                codec.encode(case_values, value)
        for group, (fixed, props) in compiled.case_facts.items():
            case_fact = dict(fixed)
            case_fact["sid"] = sid
            for prop in props:
                case_fact[prop] = case_values[prop]
            case_facts[group] = _dumps(case_fact)
    out: list[str | None] = []
    for kinds, groups in compiled.inputs:
        batch = [fact for kind, fact in encoded_events if kind in kinds]
        batch += [case_facts[group] for group in groups]
        # An empty batch would make durable return a garbage state offset.
        out.append("[" + ",".join(batch) + "]" if batch else None)
    return out


_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False).encode


# --- the durable runtime of one engine in one process --------------------------------------


def _never_called(closure: Any) -> None:
    """durable's Ruleset wants a callable per rule; actions are read through the C API instead."""


_HOST_CLASS: Any = None


def _quiet_host() -> Any:
    """A private ``durable.engine.Host`` that starts no timer threads.

    ``Host.__init__`` calls ``self._run()``, which starts two ``threading.Timer`` threads
    re-arming every 0.2-0.5 s: one calls ``start_action`` on every ruleset and would run
    (and so consume) pending matches of our states concurrently with ``run``; the other
    dispatches durable timers, which we never use. Overriding ``_run`` starts neither.
    """
    global _HOST_CLASS
    if _HOST_CLASS is None:
        from durable import engine

        class QuietHost(engine.Host):  # type: ignore[misc]
            def _run(self) -> None:
                pass

        _HOST_CLASS = QuietHost
    return _HOST_CLASS()


_RULESET_IDS = itertools.count()


class _Runtime:
    """A private host and the ruleset handles created in it, per element capacity.

    Rulesets are never deleted: durable's ``delete_ruleset`` corrupts the heap and crashes
    the process (invalid free / segfault, reproduced with 2.0.28). An engine's rulesets
    therefore live as long as the process; build engines once and reuse them.
    """

    def __init__(self) -> None:
        from durable import engine

        self.native: Any = engine.durable_rules_engine  # the C extension durable.engine wraps
        self.host = _quiet_host()
        self.handles: dict[int, list[int]] = {}

    def handles_for(self, compiled: _Compiled) -> list[int]:
        handles = self.handles.get(compiled.capacity)
        if handles is None:
            handles = []
            for definition in compiled.rulesets:
                # Unique per process: engines and capacities never share a ruleset name.
                name = f"legalcheck{next(_RULESET_IDS)}"
                rules = {rule: {**body, "run": _never_called} for rule, body in definition.items()}
                try:
                    self.host.set_rulesets({name: rules})
                    handle = self.host.get_ruleset(name)._handle  # the C handle behind the Ruleset
                except Exception as exc:  # noqa: BLE001 - durable raises bare Exception types
                    raise DurableEngineError(f"durable-rules rejected a compiled ruleset: {exc}") from exc
                handles.append(handle)
            self.handles[compiled.capacity] = handles
        return handles


# --- fork safety ----------------------------------------------------------------------------

_ENGINES: weakref.WeakSet[DurableEngine] = weakref.WeakSet()
_FORK_HOOK: list[bool] = []


def _after_fork_in_child() -> None:
    # A forked child inherits the parent's locks (possibly held by a thread that does not
    # exist in the child) and a copy of its durable states; start both afresh.
    for engine in list(_ENGINES):
        engine._reset()


def _install_fork_hook() -> None:
    if not _FORK_HOOK and hasattr(os, "register_at_fork"):
        _FORK_HOOK.append(True)
        os.register_at_fork(after_in_child=_after_fork_in_child)


# --- the engine -----------------------------------------------------------------------------


@dataclass
class _Hits:
    """Matches read from durable's action messages, per query."""

    seqs: list[int]  # event seq by the index in its id ("e<index>")
    none: set[int] = field(default_factory=set)
    anchors: dict[int, set[int]] = field(default_factory=dict)
    related: dict[tuple[int, int, int], set[int]] = field(default_factory=dict)

    def collect(self, rules: dict[str, list[_RuleInfo]], message: str) -> None:
        """Read one action message: ``{"<rule>":[frame, ...]}``, a frame binding each
        pattern name to the fact's JSON exactly as we sent it.

        A regex finds the ids of the facts bound to "a" and "r" (one each per frame, in
        frame order) instead of decoding frames that carry whole facts: parsing them
        cost more than matching. It cannot match inside a value: a JSON string holds no
        bare quote, and no fact property is named "a" or "r".
        """
        infos = rules[message[2:message.index('"', 2)]]
        anchors = [self.seqs[int(index)] for index in _ANCHOR_ID.findall(message)]
        related: list[int] | None = None
        for info in infos:
            if info.kind == "none":
                self.none.add(info.query)
            elif info.kind == "anchor":
                self.anchors.setdefault(info.query, set()).update(anchors)
            elif info.kind == "relation":
                if related is None:
                    related = [self.seqs[int(index)] for index in _RELATED_ID.findall(message)]
                    if len(related) != len(anchors):
                        raise DurableEngineError("durable-rules returned a malformed match")
                for anchor, event in zip(anchors, related):
                    self.related.setdefault((info.query, info.relation, anchor), set()).add(event)


_ANCHOR_ID = re.compile(r'"a":\{"id":"e(\d+)"')
_RELATED_ID = re.compile(r'"r":\{"id":"e(\d+)"')


def _evaluate(native: Any, handle: int, payload: str, sid: str, compiled: _Compiled, hits: _Hits) -> None:
    """Assert one case into one ruleset, read every match, delete the case's state.

    The C API is used directly: ``Host.assert_facts`` raises MessageNotHandledException
    when any fact of a batch matches no pattern (normal here) before it runs the actions,
    and it runs one Python callback per match.
    """
    started = False
    try:
        # Result codes: 0 ok, 1 some fact matched no pattern (fine), 2 a fact with the same
        # id was already asserted (ids are unique per case: never), 3 deferred (only with a
        # queue callback, never set). Anything else raises durable_rules_engine.error.
        code, state = native.assert_facts(handle, payload)
        if code not in (0, 1):
            raise DurableEngineError(f"durable-rules refused the facts of a case (code {code})")
        result = native.start_action_for_state(handle, state)
        started = result is not None  # always true: the sentinel rule fires once per state
        messages = None if result is None else result[1]
        while messages is not None:
            hits.collect(compiled.rules, messages)
            messages = native.complete_and_start_action(handle, state)
    except DurableEngineError:
        raise
    except Exception as exc:  # noqa: BLE001 - durable_rules_engine.error, MemoryError
        raise DurableEngineError(f"durable-rules failed: {type(exc).__name__}: {exc}") from exc
    finally:
        # durable keeps every state until deleted: the 1,025th live state fails with
        # MemoryError, and later ones crash the process. But deleting a state on which no
        # action was ever started frees uninitialised pointers (createStateNode leaves
        # context.messages/stateFact unset): the sentinel rule guarantees one was started;
        # if not (an error came first) the state is left to the abandoned host.
        if started:
            native.delete_state(handle, sid)


class DurableEngine:
    """Evaluates queries with durable-rules; returns exactly what ``NativeEngine`` returns.

    Compiles once per engine (again only if a case has a list longer than the compiled
    element capacity). Safe to share between threads (runs are serialised by a lock),
    picklable, and usable after ``fork``: durable objects are created lazily in the
    process that runs the engine.
    """

    name = "durable"

    def __init__(self, queries: Sequence[Query]) -> None:
        self._queries = tuple(queries)
        self._compiled: dict[int, _Compiled] = {}
        self._base = self._compile(_MIN_ELEMENTS)  # validates every query up front
        self._sids = itertools.count()
        self._lock = threading.Lock()
        self._runtime: _Runtime | None = None
        _install_fork_hook()
        _ENGINES.add(self)

    def __getstate__(self) -> dict[str, Any]:
        return {"queries": self._queries}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["queries"])  # type: ignore[misc]

    def _reset(self) -> None:
        self._lock = threading.Lock()
        self._runtime = None

    def _compile(self, capacity: int) -> _Compiled:
        compiled = self._compiled.get(capacity)
        if compiled is None:
            compiled = self._compiled[capacity] = _compile(self._queries, capacity)
        return compiled

    def run(self, facts: Facts) -> list[QueryMatch]:
        base = self._base
        events = [event for event in facts.events if event["kind"] in base.kinds]
        if not base.rulesets or not (events or base.case_facts):
            # Nothing could match. (durable returns a garbage state offset for an empty batch.)
            return []
        capacity = self._capacity(facts, events)
        sid = str(next(self._sids))
        with self._lock:
            compiled = self._compile(capacity)
            try:
                payloads = _payloads(compiled, facts, events, sid)
            except _Unsupported as exc:
                raise DurableEngineError(f"durable engine: {exc}") from None
            if self._runtime is None:
                self._runtime = _Runtime()
            runtime = self._runtime
            hits = _Hits([event["seq"] for event in events])
            for handle, payload in zip(runtime.handles_for(compiled), payloads):
                if payload is None:
                    continue
                try:
                    _evaluate(runtime.native, handle, payload, sid, compiled, hits)
                except DurableEngineError:
                    # The state may be left alive (see _evaluate) or the ruleset damaged:
                    # abandon this host and its rulesets, the next run builds fresh ones.
                    self._runtime = None
                    raise
        return self._matches(hits, facts)

    def _capacity(self, facts: Facts, events: list[dict[str, Any]]) -> int:
        longest = 0
        for role, name in self._base.list_fields:
            for fact in [facts.case] if role == "case" else events:
                value = fact.get(name)
                if isinstance(value, (list, tuple)):
                    longest = max(longest, len(value))
        capacity = _MIN_ELEMENTS
        while capacity < longest:
            capacity *= 2
        return capacity

    def _matches(self, hits: _Hits, facts: Facts) -> list[QueryMatch]:
        """The hits as NativeEngine reports them (same order, same repetitions)."""
        kind_of = {event["seq"]: event["kind"] for event in facts.events}
        related_hits = hits.related
        matches: list[QueryMatch] = []
        for qi in sorted(hits.none.union(hits.anchors)):
            query = self._queries[qi]
            if query.anchor is None:
                matches.append(QueryMatch(query.rule_id, None, ()))
                continue
            anchor_kinds = query.anchor.kinds
            for anchor_seq in sorted(hits.anchors[qi]):
                related = tuple(
                    (rel.role, _with_multiplicity(related_hits.get((qi, ri, anchor_seq), ()), rel.pattern.kinds,
                                                  kind_of))
                    for ri, rel in enumerate(query.relations))
                match = QueryMatch(query.rule_id, anchor_seq, related)
                # NativeEngine visits an anchor once per occurrence of its kind in `kinds`.
                count = anchor_kinds.count(kind_of[anchor_seq]) if len(anchor_kinds) > 1 else 1
                matches.extend([match] * count)
        matches.sort(key=_match_order)
        return matches


def _match_order(match: QueryMatch) -> tuple[str, int]:
    return (match.rule_id, -1 if match.anchor_seq is None else match.anchor_seq)


def _with_multiplicity(seqs: Iterable[int], kinds: tuple[str, ...], kind_of: dict[int, str]) -> tuple[int, ...]:
    """Sorted seqs, each repeated once per occurrence of its kind in ``kinds`` (as native does)."""
    if len(kinds) == 1:  # every seq here has that kind
        return tuple(sorted(seqs))
    return tuple(sorted(seq for seq in seqs for _ in range(kinds.count(kind_of[seq]))))


__all__ = ["DurableEngine", "DurableEngineError"]
