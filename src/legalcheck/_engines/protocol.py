"""Engine selection: every engine turns compiled queries plus facts into matches."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal, Protocol

from .._core.errors import EngineUnavailable

if TYPE_CHECKING:  # names for annotations only: choosing an engine by name imports no model
    from .._facts.conditions import Query, QueryMatch
    from .._facts.facts import Facts

EngineName = Literal["durable", "native"]
ENGINE_NAMES: tuple[EngineName, ...] = ("durable", "native")


class Engine(Protocol):
    name: str

    def run(self, facts: Facts) -> list[QueryMatch]: ...


def durable_unavailable_reason() -> str | None:
    """Why durable-rules cannot run here, or None when it can."""
    try:
        import durable.engine  # noqa: F401
    except Exception as exc:  # an ImportError, or a broken C extension on a new Python
        return f"durable-rules is not importable here ({type(exc).__name__}: {exc})"
    return None


def available_engines() -> tuple[EngineName, ...]:
    return ENGINE_NAMES if durable_unavailable_reason() is None else ("native",)


def default_engine() -> EngineName:
    """durable-rules when it can run here (the engine users asked for), else the native one."""
    return "durable" if durable_unavailable_reason() is None else "native"


def make_engine(name: EngineName, queries: Sequence[Query]) -> Engine:
    if name == "native":
        from .native import NativeEngine

        return NativeEngine(queries)
    if name == "durable":
        reason = durable_unavailable_reason()
        if reason is not None:
            raise EngineUnavailable(f"engine 'durable' unavailable: {reason}; use --engine native")
        from .durable import DurableEngine

        return DurableEngine(queries)
    raise EngineUnavailable(f"unknown engine {name!r}; choose one of {', '.join(ENGINE_NAMES)}")
