"""From queries to durable rulesets and a fact layout (``compile_queries``), in named phases."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from ..._core.memo import BoundedMemo
from ..._facts.conditions import Query
from .chains import _alternatives, _chain_items, _pattern, _size
from .encodings import _hex
from .errors import DurableEngineError
from .expressions import _bindings, _Linear
from .limits import (
    _CAP,
    _CASE_FACT_PROPS,
    _MAX_FACT_PROPS,
    _MAX_PATTERNS_PER_RULE,
    _MAX_RULES_PER_QUERY,
    _STACK_BUDGET,
    _STATE_RULE,
    Role,
)
from .lowering import _FieldTable, _Lowering
from .payloads import _dumps, _FieldCodec


@dataclass(frozen=True, slots=True)
class _RuleInfo:
    kind: Literal["state", "none", "anchor", "relation"]
    query: int
    relation: int = -1


@dataclass(frozen=True, slots=True)
class _RulesetInputs:
    """What one ruleset is sent, and when it is worth a state at all."""

    kinds: frozenset[str]  # event kinds its patterns bind: only those events are sent
    case_groups: frozenset[int]  # case facts its patterns bind
    # The event kinds every rule here binds (empty: rules on the case alone): a case not
    # holding all of them cannot fire any rule here, so the ruleset is skipped (creating and
    # deleting a state costs about 0.45 µs per pattern of the ruleset, matched or not).
    needs: frozenset[str]
    # Per alpha entry node (("kind", kind) or ("case", group)), the properties its patterns
    # read on facts entering there: their own tests, and the properties references name.
    reads: dict[tuple[str, Any], frozenset[str]]

    def wanted(self, present: frozenset[str]) -> bool:
        return self.needs <= present


@dataclass(frozen=True, slots=True)
class _CaseFactLayout:
    """One case fact as one ruleset is sent it: the properties its patterns read, no more."""

    group: int
    head: str  # id, "#q", "#m" and the constants read, as JSON without the closing brace
    props: tuple[str, ...]  # the case helpers read, added with the case's "sid"


@dataclass(frozen=True, slots=True)
class _BatchLayout:
    """The facts one ruleset is sent."""

    # Event kind -> the properties of its facts to send (None: all that any ruleset reads).
    event_keys: dict[str, tuple[str, ...] | None]
    case_facts: tuple[_CaseFactLayout, ...]


@dataclass
class _Compiled:
    """Everything compiled for one element capacity: ruleset definitions and fact layout."""

    capacity: int
    rulesets: list[dict[str, dict[str, Any]]]  # rule name -> durable rule (without "run")
    rules: dict[str, list[_RuleInfo]]  # a rule made once may serve several queries
    kinds: frozenset[str]  # event kinds some pattern tests; other events are not sent
    # Per event kind, the helpers some ruleset reads on its facts (each written once per event).
    event_codecs_by_kind: dict[str, tuple[_FieldCodec, ...]]
    case_codecs: tuple[_FieldCodec, ...]
    case_facts: dict[int, tuple[dict[str, Any], tuple[str, ...]]]  # group -> (constants, case helpers)
    kind_hex: dict[str, str]
    # Per ruleset, the event kinds and case facts its patterns bind: only those are sent
    # to it (sending a ruleset facts it has no pattern for costs as much as matching).
    inputs: list[_RulesetInputs]
    layouts: list[_BatchLayout]  # per ruleset, the properties of each fact it is sent
    list_fields: tuple[tuple[Role, str], ...]  # fields stored as element slots
    # Which rulesets a case with these event kinds can fire a rule in (cases repeat the same
    # few combinations; bounded like the codecs' values).
    _wanted: BoundedMemo[frozenset[str], tuple[bool, ...]] = field(
        default_factory=lambda: BoundedMemo(_KNOWN_COMBINATIONS), repr=False, compare=False)

    def wanted(self, present: frozenset[str]) -> tuple[bool, ...]:
        """Per ruleset, whether a case holding events of the kinds ``present`` is sent to it."""
        wanted = self._wanted.get(present)
        if wanted is None:
            wanted = self._wanted.keep(present, tuple(inputs.wanted(present) for inputs in self.inputs))
        return wanted


_KNOWN_COMBINATIONS = 4096

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


@dataclass
class _RuleBook:
    """The durable rules made so far: identical rules (from different queries) are made once."""

    queries: Sequence[Query]
    rules: dict[str, list[_RuleInfo]] = field(default_factory=dict)  # rule name -> the queries it serves
    by_body: dict[str, str] = field(default_factory=dict)  # rule body as JSON -> rule name
    definitions: list[tuple[str, dict[str, Any], list[_Pattern]]] = field(default_factory=list)

    def add(self, info: _RuleInfo, patterns: list[_Pattern]) -> None:
        if len(patterns) > _MAX_PATTERNS_PER_RULE:
            raise DurableEngineError(f"rule {self.queries[info.query].rule_id}: needs {len(patterns)} durable "
                                     f"patterns, more than {_MAX_PATTERNS_PER_RULE}")
        # dist 0: the chains of one predicate are separate patterns bound to the same fact.
        body = {"all": [pattern for _, pattern, _ in patterns], "dist": 0, "cap": _CAP}
        key = json.dumps(body, sort_keys=True)
        name = self.by_body.get(key)
        if name is None:
            name = self.by_body[key] = f"r{len(self.by_body)}"
            self.rules[name] = []
            self.definitions.append((name, body, patterns))
        self.rules[name].append(info)


@dataclass
class _Lowered:
    """What phase 1 produces: the rules, the field table, the constants and the case-fact groups."""

    book: _RuleBook
    table: _FieldTable
    constants: dict[tuple[type, Any], str]  # value -> property of the case fact holding it
    kinds: set[str]  # event kinds some pattern tests
    groups: list[set[str]]  # properties of each case fact


def compile_queries(queries: Sequence[Query], capacity: int) -> _Compiled:
    """Compile the queries to durable rulesets for lists of up to ``capacity`` elements.

    Per query: one rule per alternative of (`when`, anchor kind, anchor `where`) finding
    anchors, and one per (relation, anchor kind, related kind, alternative of the
    relation's `where`) finding (anchor, related) pairs. Relation rules do not repeat the
    anchor's conditions: a pair only counts when its anchor was found by an anchor rule.
    Identical rules (from different queries) are made once.

    The case is sent as a few "case facts", each carrying the case helpers and literal
    constants of a group of queries (durable allows 255 properties per fact).

    Five phases: the queries lowered to rules (``_lower_queries``), the case facts laid out
    (``_case_facts``), the rules spread over rulesets (``_split_rulesets``), the helpers
    each fact may carry (``_codecs``), and the properties each ruleset is sent of each
    fact (``_layouts``).
    """
    lowered = _lower_queries(queries, capacity)
    rulesets, inputs = _split_rulesets(lowered.book.definitions)
    rules = lowered.book.rules
    # First rule of every ruleset: fires once per state, on the state fact durable creates
    # with a state's first fact. It guarantees an action is started (and so the state's
    # action context initialised) before the state is deleted; see engine._evaluate.
    rules[_STATE_RULE] = [_RuleInfo("state", -1)]
    rulesets = [{_STATE_RULE: {"all": [{"m": {"$s": 1}}], "cap": 1}, **ruleset} for ruleset in rulesets]
    event_codecs = _codecs(lowered.table, "event", capacity)
    event_props = 5 + sum(len(codec.absent) for codec in event_codecs)  # id, sid, #s, #h, #m
    if event_props > _MAX_FACT_PROPS:
        raise DurableEngineError(f"events would need {event_props} durable properties (lists of up to {capacity} "
                                 f"elements), more than the {_MAX_FACT_PROPS} a durable fact holds")
    kinds = lowered.kinds
    case_facts = _case_facts(lowered.groups, lowered.constants)
    by_kind, layouts = _layouts(inputs, event_codecs, case_facts)
    return _Compiled(
        capacity=capacity, rulesets=rulesets, rules=rules, kinds=frozenset(kinds),
        event_codecs_by_kind=by_kind, case_codecs=_codecs(lowered.table, "case", capacity),
        case_facts=case_facts, kind_hex={kind: _hex(kind) for kind in kinds}, inputs=inputs, layouts=layouts,
        list_fields=tuple(key for key, helpers in lowered.table.needs.items() if helpers & {"i", "I"}))


def _lower_queries(queries: Sequence[Query], capacity: int) -> _Lowered:
    """Phase 1: each query's predicates lowered to atoms, cut into alternatives, made into rules.

    A query's constants and case helpers go on one case fact (a group), a new one started
    when they would not fit on the current one.
    """
    lowered = _Lowered(_RuleBook(queries), _FieldTable(), {}, set(), [])
    for qi, query in enumerate(queries):
        lowering = _Lowering(lowered.table, lowered.constants, capacity, query.rule_id)
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
        groups = lowered.groups
        if not groups or len(groups[-1] | lowering.case_props) > _CASE_FACT_PROPS:
            groups.append(set())
        groups[-1] |= lowering.case_props
        count = _query_rules(lowered, qi, query, len(groups) - 1, when, anchor_where, relations)
        if count > _MAX_RULES_PER_QUERY:
            raise DurableEngineError(f"rule {query.rule_id}: needs more than {_MAX_RULES_PER_QUERY} durable rules")
    return lowered


def _query_rules(lowered: _Lowered, qi: int, query: Query, group: int, when: list[list[_Linear]],
                 anchor_where: list[list[_Linear]], relations: list[list[list[_Linear]]]) -> int:
    """The rules of one query (anchor rules, then relation rules); returns how many."""
    book = lowered.book
    count = 0
    if query.anchor is None:
        for chains in when:
            book.add(_RuleInfo("none", qi), _rule_patterns(group, chains, []))
            count += 1
        return count
    anchor_kinds = list(dict.fromkeys(query.anchor.kinds))
    for chains in when:
        for kind in anchor_kinds:
            for anchor_chains in anchor_where:
                book.add(_RuleInfo("anchor", qi),
                         _rule_patterns(group, chains or None, [("a", kind, anchor_chains, None)]))
                count += 1
    if count:  # some anchor can match: look for related events
        lowered.kinds.update(anchor_kinds)
        for ri, (rel, rel_alts) in enumerate(zip(query.relations, relations)):
            order = {"$gt" if rel.order == "after" else "$lt": {"#s": {"a": "#s"}}}
            for kind in anchor_kinds:
                for rel_kind in dict.fromkeys(rel.pattern.kinds):
                    for rel_chains in rel_alts:
                        lowered.kinds.add(rel_kind)
                        book.add(_RuleInfo("relation", qi, ri), _rule_patterns(
                            group, None, [("a", kind, [], None), ("r", rel_kind, rel_chains, order)]))
                        count += 1
    return count


def _case_facts(groups: list[set[str]], constants: dict[tuple[type, Any], str]
                ) -> dict[int, tuple[dict[str, Any], tuple[str, ...]]]:
    """Phase 2: per case fact, its fixed part (id, constants) and the case helpers it carries."""
    by_prop = {prop: value for (_, value), prop in constants.items()}
    case_facts = {}
    for group, props in enumerate(groups):
        fixed = {"id": f"c{group}", "#q": group, "#m": "m", **{p: by_prop[p] for p in sorted(props) if p in by_prop}}
        case_facts[group] = (fixed, tuple(sorted(p for p in props if p not in by_prop)))
    return case_facts


# Per alpha entry node: (patterns hanging off it, the deepest walk of one of them).
_Load = dict[tuple[str, Any], tuple[int, int]]


def _grow(load: _Load, patterns: list[_Pattern]) -> _Load:
    grown = dict(load)
    for entry, _, need in patterns:
        count, deepest = grown.get(entry, (0, 0))
        grown[entry] = (count + (need > 0), max(deepest, need))
    return grown


def _needs(patterns: list[_Pattern]) -> frozenset[str]:
    """The event kinds a rule binds: it can fire only in a case holding all of them."""
    return frozenset(key for (role, key), _, _ in patterns if role == "kind")


def _split_rulesets(definitions: list[tuple[str, dict[str, Any], list[_Pattern]]]
                    ) -> tuple[list[dict[str, dict[str, Any]]], list[_RulesetInputs]]:
    """Phase 3: the rules spread over rulesets, one or more per set of event kinds the rules
    bind (the empty set: rules on the case alone), so that a case creates states only in
    rulesets it can fire a rule in, and so that walking the alpha network below any entry
    node (patterns hanging off it, plus the deepest walk of one of them) fits durable's
    stack; per ruleset, the event kinds and case facts its patterns bind."""
    by_needs: dict[frozenset[str], list[tuple[str, dict[str, Any], list[_Pattern]]]] = {}
    for rule in definitions:
        by_needs.setdefault(_needs(rule[2]), []).append(rule)
    parts: list[tuple[frozenset[str], list[tuple[str, dict[str, Any], list[_Pattern]]], _Load]] = []
    for needs in sorted(by_needs, key=sorted):
        part: list[tuple[str, dict[str, Any], list[_Pattern]]] = []
        load: _Load = {}
        for rule in by_needs[needs]:
            grown = _grow(load, rule[2])
            if part and any(count + deepest > _STACK_BUDGET for count, deepest in grown.values()):
                parts.append((needs, part, load))
                part, grown = [], _grow({}, rule[2])
            part.append(rule)
            load = grown
        parts.append((needs, part, load))
    rulesets = [{name: definition for name, definition, _ in part} for _, part, _ in parts]
    inputs = [_RulesetInputs(frozenset(key for role, key in load if role == "kind"),
                             frozenset(key for role, key in load if role == "case"),
                             needs, _reads([patterns for _, _, patterns in part]))
              for needs, part, load in parts]
    return rulesets, inputs


def _reads(rules: list[list[_Pattern]]) -> dict[tuple[str, Any], frozenset[str]]:
    """Per alpha entry node, the properties these rules' patterns read on facts entering there."""
    reads: dict[tuple[str, Any], set[str]] = {}
    for patterns in rules:
        bound = {name: entry for entry, pattern, _ in patterns for name in pattern}
        for entry, pattern, _ in patterns:
            for test in pattern.values():
                for left, binding, right in _tests(test):
                    reads.setdefault(entry, set()).add(left)
                    if binding is not None:
                        reads.setdefault(bound[binding], set()).add(right)
    return {entry: frozenset(props) for entry, props in reads.items()}


def _tests(expr: dict[str, Any]) -> Iterator[tuple[str, str | None, str]]:
    """(property tested, binding of the referenced fact or None for a literal, property referenced)."""
    for key, value in expr.items():
        if key in ("$and", "$or"):
            for item in value:
                yield from _tests(item)
        elif key.startswith("$"):  # a comparison wrapping one test: {"$lt": {left: {binding: right}}}
            yield from _tests(value)
        elif isinstance(value, dict):
            ((binding, right),) = value.items()
            yield key, binding, right
        else:
            yield key, None, ""


def _layouts(inputs: list[_RulesetInputs], event_codecs: tuple[_FieldCodec, ...],
             case_facts: dict[int, tuple[dict[str, Any], tuple[str, ...]]]
             ) -> tuple[dict[str, tuple[_FieldCodec, ...]], list[_BatchLayout]]:
    """Phase 5: per event kind, the helpers some ruleset reads on its facts; per ruleset, the
    properties of each fact it is sent (durable needs every property a reference names:
    error 311 otherwise; a property nothing reads only costs time)."""
    base_keys = ("id", "sid", "#s", "#h", "#m")
    kinds = {kind for ruleset in inputs for kind in ruleset.kinds}
    by_kind: dict[str, tuple[_FieldCodec, ...]] = {}
    all_keys: dict[str, tuple[str, ...]] = {}
    for kind in sorted(kinds):
        read = frozenset().union(*(ruleset.reads.get(("kind", kind), frozenset()) for ruleset in inputs))
        codecs = tuple(codec for codec in (codec.narrowed(read) for codec in event_codecs) if codec is not None)
        by_kind[kind] = codecs
        all_keys[kind] = base_keys + tuple(key for codec in codecs for key in codec.absent)
    layouts = []
    for ruleset in inputs:
        event_keys: dict[str, tuple[str, ...] | None] = {}
        for kind in ruleset.kinds:
            read = ruleset.reads.get(("kind", kind), frozenset())
            keys = tuple(key for key in all_keys[kind] if key in base_keys or key in read)
            event_keys[kind] = None if keys == all_keys[kind] else keys
        layout = []
        for group in sorted(ruleset.case_groups):
            read = ruleset.reads.get(("case", group), frozenset())
            fixed, props = case_facts[group]
            head = {key: value for key, value in fixed.items() if key in ("id", "#q", "#m") or key in read}
            layout.append(_CaseFactLayout(group, _dumps(head)[:-1], tuple(prop for prop in props if prop in read)))
        layouts.append(_BatchLayout(event_keys, tuple(layout)))
    return by_kind, layouts


def _codecs(table: _FieldTable, role: Role, capacity: int) -> tuple[_FieldCodec, ...]:
    """Phase 4: the helper properties each field needs on facts of ``role``."""
    return tuple(_FieldCodec(name, table.ids[(r, name)], frozenset(helpers), capacity)
                 for (r, name), helpers in table.needs.items() if r == role)
