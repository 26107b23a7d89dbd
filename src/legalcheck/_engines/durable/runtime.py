"""The durable runtime of one engine in one process."""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any

from .errors import DurableEngineError

if TYPE_CHECKING:
    from .compiler import _Compiled


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

    A ruleset is created when a case first needs it (a single case needs a few of the
    rulesets: building all of them would double the first run's cost). Rulesets are never
    deleted: durable's ``delete_ruleset`` corrupts the heap and crashes the process
    (invalid free / segfault, reproduced with 2.0.28). An engine's rulesets therefore live
    as long as the process; build engines once and reuse them.
    """

    def __init__(self) -> None:
        from durable import engine

        self.native: Any = engine.durable_rules_engine  # the C extension durable.engine wraps
        self.host = _quiet_host()
        self.handles: dict[int, dict[int, int]] = {}  # capacity -> ruleset index -> handle

    def handle(self, compiled: _Compiled, index: int) -> int:
        """The handle of ruleset ``index`` of ``compiled``, created on first use."""
        handles = self.handles.setdefault(compiled.capacity, {})
        handle = handles.get(index)
        if handle is None:
            # Unique per process: engines and capacities never share a ruleset name.
            name = f"legalcheck{next(_RULESET_IDS)}"
            rules = {rule: {**body, "run": _never_called} for rule, body in compiled.rulesets[index].items()}
            try:
                self.host.set_rulesets({name: rules})
                handle = self.host.get_ruleset(name)._handle  # the C handle behind the Ruleset
            except Exception as exc:  # noqa: BLE001 - durable raises bare Exception types
                raise DurableEngineError(f"durable-rules rejected a compiled ruleset: {exc}") from exc
            handles[index] = handle
        return handle
