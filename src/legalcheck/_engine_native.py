"""The native engine: a direct Python interpretation of compiled queries.

It is the fast path and the oracle the durable-rules engine is tested against.
"""

from __future__ import annotations

from collections.abc import Sequence

from ._conditions import Fact, Query, QueryMatch, holds
from ._facts import Facts


class NativeEngine:
    name = "native"

    def __init__(self, queries: Sequence[Query]) -> None:
        self._queries = tuple(queries)

    def run(self, facts: Facts) -> list[QueryMatch]:
        matches: list[QueryMatch] = []
        case_env: dict[str, Fact] = {"case": facts.case}
        by_kind: dict[str, list[Fact]] = {}
        for event in facts.events:
            by_kind.setdefault(event["kind"], []).append(event)
        for query in self._queries:
            if not holds(query.when, facts.case, case_env):
                continue
            if query.anchor is None:
                matches.append(QueryMatch(query.rule_id, None, ()))
                continue
            for kind in query.anchor.kinds:
                for anchor in by_kind.get(kind, ()):
                    if not holds(query.anchor.where, anchor, case_env):
                        continue
                    env = {"case": facts.case, "anchor": anchor}
                    related = tuple(
                        (relation.role, tuple(sorted(
                            event["seq"]
                            for related_kind in relation.pattern.kinds
                            for event in by_kind.get(related_kind, ())
                            if (event["seq"] > anchor["seq"] if relation.order == "after"
                                else event["seq"] < anchor["seq"])
                            and holds(relation.pattern.where, event, env))))
                        for relation in query.relations)
                    matches.append(QueryMatch(query.rule_id, anchor["seq"], related))
        matches.sort(key=lambda m: (m.rule_id, -1 if m.anchor_seq is None else m.anchor_seq))
        return matches
