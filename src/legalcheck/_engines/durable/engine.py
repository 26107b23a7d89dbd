"""The engine: running one case through the rulesets, reading its matches; fork safety."""

from __future__ import annotations

import itertools
import os
import re
import threading
import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..._core.cache import cached
from ..._facts.conditions import Query, QueryMatch
from ..._facts.facts import Facts
from .compiler import _Compiled, _RuleInfo, compile_queries
from .errors import DurableEngineError, _Unsupported
from .limits import _MIN_ELEMENTS
from .payloads import _payloads
from .runtime import _Runtime

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


def _compiled_queries(queries: tuple[Query, ...], capacity: int) -> _Compiled:
    """``compile_queries``, or its result from an earlier run that compiled the same queries.

    Keyed by the queries' text (frozen records of plain values, so their ``repr`` is all there is
    to them) and the package's code: about 20 ms a start saved for 2.5 ms of unpickling.
    """
    if not queries:
        return compile_queries(queries, capacity)
    return cached("durable", (), lambda: compile_queries(queries, capacity), _Compiled,
                  detail=f"{capacity}\n{queries!r}")


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
            compiled = self._compiled[capacity] = _compiled_queries(self._queries, capacity)
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
            for index, payload in enumerate(payloads):
                if payload is None:
                    continue
                try:
                    _evaluate(runtime.native, runtime.handle(compiled, index), payload, sid, compiled, hits)
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
