"""durable-rules 2.0.28 limits (src/rules/*.h) the compiler stays within, and shared sentinels."""

from __future__ import annotations

from typing import Literal

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
