"""Routing: the route table, candidates and failover, sender-rewrite policy, route health. Pure.

No asyncio, no transport, no clock reads (``now`` is monotonic seconds passed in), no I/O. The gateway
asks ``RouteTable.candidates`` for the (route, carrier) pairs to try, applies each route's sender
policy with ``apply_sender_policy``, reports carrier answers with ``RouteTable.record_result`` and logs
and counts the ``CircuitEvent`` transitions it gets back. The rules live in the module headers:
table.py (matching, order, carriers, health in candidates), health.py (circuit breaker), sender.py
(sender policy), explain.py (``routes explain``).
"""

from .explain import Criterion, ExplainLine, Outcome, explain, render_text, to_dicts
from .health import (
    CircuitBreaker,
    CircuitEvent,
    CircuitState,
    HealthPolicy,
    SlidingWindow,
    counts_against_health,
)
from .sender import SenderDecision, address_for, apply_sender_policy
from .table import Candidate, CountryOf, RouteEntry, RouteTable, RouteTableError, normalise_number

__all__ = [
    "Candidate",
    "CircuitBreaker",
    "CircuitEvent",
    "CircuitState",
    "CountryOf",
    "Criterion",
    "ExplainLine",
    "HealthPolicy",
    "Outcome",
    "RouteEntry",
    "RouteTable",
    "RouteTableError",
    "SenderDecision",
    "SlidingWindow",
    "address_for",
    "apply_sender_policy",
    "counts_against_health",
    "explain",
    "normalise_number",
    "render_text",
    "to_dicts",
]
