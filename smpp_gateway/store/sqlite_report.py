"""Route KPIs from the records (domain.md "Route KPIs"), computed in SQLite.

Every query reads one time window through a time index (``messages.received_at``,
``attempts.started_at``) and groups by route; a report never scans the whole table. Percentiles use the
nearest-rank method (the value at rank ceil(p * n / 100)), computed with window functions so only the
chosen rows leave SQLite. Submit KPIs count every submit_sm sent to a route: the message's last attempt
(in ``messages``) and the attempts that failed over (``attempts``). Probes are left out unless asked.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from typing import Final

from ..smpp.constants import MessageState
from . import Percentiles, RouteStats

_QUANTILES: Final = (50, 95, 99)

_SUBMITS: Final = """
    SELECT route, carrier_status AS status, timed_out, submit_latency AS latency FROM messages
    WHERE received_at >= :since AND received_at < :until AND route IS NOT NULL {probes}
    UNION ALL
    SELECT route, carrier_status, timed_out, latency FROM attempts
    WHERE started_at >= :since AND started_at < :until {probes}
"""

# Receipt outcome of an accepted message, by the receipt's message_state; no final state is "none".
_OUTCOMES: Final = {
    "delivered": (MessageState.DELIVERED,),
    "undeliverable": (MessageState.UNDELIVERABLE,),
    "expired": (MessageState.EXPIRED,),
    "rejected": (MessageState.REJECTED,),
    "other": (MessageState.DELETED, MessageState.UNKNOWN, MessageState.ACCEPTED, MessageState.SKIPPED),
}
_FINAL_STATES: Final = ", ".join(str(int(state)) for states in _OUTCOMES.values() for state in states)


def _states(states: tuple[MessageState, ...]) -> str:
    return ", ".join(str(int(state)) for state in states)


def _count(condition: str) -> str:
    return f"count(CASE WHEN {condition} THEN 1 END)"


_RECEIPT_COUNTS: Final = [
    *(_count(f"outcome = 'accepted' AND receipt_state IN ({_states(s)})") for s in _OUTCOMES.values()),
    _count(f"outcome = 'accepted' AND (receipt_state IS NULL OR receipt_state NOT IN ({_FINAL_STATES}))"),
]
_REWRITTEN: Final = _count(
    "sent_source IS NOT NULL AND (sent_source != source OR sent_source_ton != source_ton "
    "OR sent_source_npi != source_npi)"
)
_MESSAGES: Final = f"""
    SELECT route, count(*), {", ".join(_RECEIPT_COUNTS)}, {_REWRITTEN}
    FROM messages
    WHERE received_at >= :since AND received_at < :until AND route IS NOT NULL {{probes}}
    GROUP BY route
"""

_RECEIPT_DELAYS: Final = f"""
    SELECT route, receipt_latency FROM messages
    WHERE received_at >= :since AND received_at < :until AND route IS NOT NULL {{probes}}
        AND receipt_latency IS NOT NULL AND receipt_state IN ({_FINAL_STATES})
"""


def _percentiles(
    conn: sqlite3.Connection, values_sql: str, params: dict[str, float]
) -> dict[str, Percentiles]:
    """Nearest-rank percentiles per route over ``values_sql`` (rows of route, value)."""
    ranks = ", ".join(f"({q} * n + 99) / 100" for q in _QUANTILES)
    rows = conn.execute(
        f"""WITH v (route, value) AS ({values_sql}),
        ranked AS (
            SELECT route, value, row_number() OVER (PARTITION BY route ORDER BY value) AS rn,
                count(*) OVER (PARTITION BY route) AS n
            FROM v
        )
        SELECT route, n, rn, value FROM ranked WHERE rn IN ({ranks})""",
        params,
    ).fetchall()
    found: dict[str, dict[int, float]] = defaultdict(dict)
    counts: dict[str, int] = {}
    for route, n, rn, value in rows:
        found[route][rn] = value
        counts[route] = n
    result = {}
    for route, n in counts.items():
        p50, p95, p99 = (found[route][(q * n + 99) // 100] for q in _QUANTILES)
        result[route] = Percentiles(count=n, p50=p50, p95=p95, p99=p99)
    return result


def route_report(
    conn: sqlite3.Connection, since: float, until: float, *, include_probes: bool
) -> list[RouteStats]:
    probes = "" if include_probes else "AND is_probe = 0"
    params = {"since": since, "until": until}
    submits = _SUBMITS.format(probes=probes)
    totals = {
        route: (n, timeouts)
        for route, n, timeouts in conn.execute(
            f"SELECT route, count(*), {_count('timed_out')} FROM ({submits}) GROUP BY route", params
        )
    }
    errors: dict[str, dict[int, int]] = defaultdict(dict)
    for route, status, n in conn.execute(
        f"SELECT route, status, count(*) FROM ({submits}) WHERE status IS NOT NULL AND status != 0 "
        "GROUP BY route, status",
        params,
    ):
        errors[route][status] = n
    latencies = _percentiles(
        conn, f"SELECT route, latency FROM ({submits}) WHERE latency IS NOT NULL AND timed_out = 0", params
    )
    delays = _percentiles(conn, _RECEIPT_DELAYS.format(probes=probes), params)
    messages = {row[0]: row[1:] for row in conn.execute(_MESSAGES.format(probes=probes), params)}
    report = []
    for route in sorted(totals.keys() | messages.keys()):
        count, *outcomes, rewrites = messages.get(route, (0,) + (0,) * (len(_OUTCOMES) + 2))
        submitted, timeouts = totals.get(route, (0, 0))
        report.append(
            RouteStats(
                route=route,
                messages=count,
                submits=submitted,
                carrier_errors=dict(sorted(errors[route].items())),
                timeouts=timeouts,
                submit_latency=latencies.get(route, Percentiles()),
                receipts=dict(zip((*_OUTCOMES, "none"), outcomes, strict=True)),
                receipt_delay=delays.get(route, Percentiles()),
                sender_rewrites=rewrites,
            )
        )
    return report
