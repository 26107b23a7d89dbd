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
* Rules are grouped into rulesets by the event kinds they bind, cut to fit durable's
  64-slot alpha stack. Each engine has a private host with its timer threads disabled;
  each case is one batch per ruleset it can fire a rule in (holding only the properties
  that ruleset's patterns read) in a fresh state, deleted afterwards; matches are read
  through the C API (no per-match callbacks); one lock per engine; a fork hook rebuilds
  the host in a child process.

The package follows the path of a query, one module per step:

* ``errors``: ``DurableEngineError`` and the internal ``_Unsupported``;
* ``limits``: durable-rules 2.0.28's limits the compiler stays within, and the sentinels;
* ``expressions``: lowered predicates, durable atoms under and/or;
* ``encodings``: values as equality and order keys;
* ``lowering``: the condition language lowered to atoms (``_Lowering``);
* ``chains``: lowered predicates cut into durable-safe chains and patterns;
* ``compiler``: ``compile_queries``, in named phases, from queries to rulesets and a fact layout;
* ``payloads``: a case's facts encoded as one JSON batch per ruleset;
* ``runtime``: the private durable host of one engine in one process;
* ``engine``: ``DurableEngine`` (running a case, reading its matches) and fork safety.
"""

from __future__ import annotations

from .engine import DurableEngine
from .errors import DurableEngineError

__all__ = ["DurableEngine", "DurableEngineError"]
