"""``smpp-gateway report routes``: route KPIs over a window (domain.md "Route KPIs"), for people.

The figures come from ``Store.route_report`` (submits, carrier errors by status, timeouts, latency
percentiles, receipt outcomes, receipt delay, the gateway's own sender rewrites), plus one figure
from route testing when its table is in the store: probes whose sender reached the handset rewritten
by the carrier. Rates are computed here: carrier errors and timeouts over submits sent to the route
(failed-over attempts included), receipt outcome shares over the messages a carrier accepted.
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from ..metrics import status_label
from ..store import Percentiles, RouteStats
from .common import iso
from .tables import duration_text, percent, render_table

RECEIPT_OUTCOMES: Final = ("delivered", "undeliverable", "expired", "rejected", "other", "none")

# Route testing's verdicts, one row per (probe, verdict). The report needs a route, a verdict and a
# time column; the first of TIME_COLUMNS present is used, so a renamed column does not break reports.
PROBE_VERDICTS_TABLE: Final = "probe_verdicts"
TIME_COLUMNS: Final = ("decided_at", "created_at", "received_at")
SENDER_REWRITTEN: Final = "sender_rewritten"


@dataclass(frozen=True, slots=True, kw_only=True)
class CarrierErrors:
    status: int
    name: str
    count: int
    rate: float  # over the route's submits


@dataclass(frozen=True, slots=True, kw_only=True)
class RouteRow:
    route: str
    messages: int
    submits: int
    carrier_errors: tuple[CarrierErrors, ...]
    carrier_error_rate: float | None
    timeouts: int
    timeout_rate: float | None
    submit_latency: Percentiles
    receipts: dict[str, int]
    receipt_shares: dict[str, float | None]
    receipt_delay: Percentiles
    gateway_sender_rewrites: int
    carrier_sender_rewrites: int | None  # None: route testing has no verdicts table in this store


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def route_row(stats: RouteStats, carrier_rewrites: int | None) -> RouteRow:
    errors = tuple(
        CarrierErrors(status=status, name=status_label(status), count=n, rate=n / stats.submits)
        for status, n in sorted(stats.carrier_errors.items())
        if stats.submits
    )
    receipts = {outcome: stats.receipts.get(outcome, 0) for outcome in RECEIPT_OUTCOMES}
    accepted = sum(receipts.values())
    return RouteRow(
        route=stats.route,
        messages=stats.messages,
        submits=stats.submits,
        carrier_errors=errors,
        carrier_error_rate=_ratio(sum(stats.carrier_errors.values()), stats.submits),
        timeouts=stats.timeouts,
        timeout_rate=_ratio(stats.timeouts, stats.submits),
        submit_latency=stats.submit_latency,
        receipts=receipts,
        receipt_shares={outcome: _ratio(n, accepted) for outcome, n in receipts.items()},
        receipt_delay=stats.receipt_delay,
        gateway_sender_rewrites=stats.sender_rewrites,
        carrier_sender_rewrites=carrier_rewrites,
    )


def _empty(route: str) -> RouteStats:
    return RouteStats(
        route=route,
        messages=0,
        submits=0,
        carrier_errors={},
        timeouts=0,
        submit_latency=Percentiles(),
        receipts={},
        receipt_delay=Percentiles(),
        sender_rewrites=0,
    )


def combine(stats: Sequence[RouteStats], carrier_rewrites: dict[str, int] | None) -> list[RouteRow]:
    """One row per route with records or probe verdicts in the window, by route name."""
    by_route = {item.route: item for item in stats}
    for route in carrier_rewrites or {}:
        by_route.setdefault(route, _empty(route))
    found = carrier_rewrites
    return [
        route_row(by_route[route], None if found is None else found.get(route, 0))
        for route in sorted(by_route)
    ]


def carrier_sender_rewrites(path: Path, since: float, until: float) -> dict[str, int] | None:
    """Probes per route whose sender arrived rewritten, or None when route testing has no table here."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        columns = {row[1] for row in conn.execute(f"PRAGMA table_info({PROBE_VERDICTS_TABLE})")}
        time_column = next((name for name in TIME_COLUMNS if name in columns), None)
        if not {"route", "verdict"} <= columns or time_column is None:
            return None
        rows = conn.execute(
            f"SELECT route, count(*) FROM {PROBE_VERDICTS_TABLE} WHERE verdict = ? "
            f"AND {time_column} >= ? AND {time_column} < ? GROUP BY route",
            (SENDER_REWRITTEN, since, until),
        ).fetchall()
    finally:
        conn.close()
    return {str(route): int(n) for route, n in rows}


# -- renderings -----------------------------------------------------------------------------------


def _percentiles(value: Percentiles, quantiles: Sequence[str]) -> dict[str, float | int | None]:
    found: dict[str, float | int | None] = {"count": value.count}
    found.update({name: getattr(value, name) for name in quantiles})
    return found


def row_dict(row: RouteRow) -> dict[str, object]:
    return {
        "route": row.route,
        "messages": row.messages,
        "submits": row.submits,
        "carrier_error_rate": row.carrier_error_rate,
        "carrier_errors": [
            {"status": e.status, "name": e.name, "count": e.count, "rate": e.rate} for e in row.carrier_errors
        ],
        "timeouts": row.timeouts,
        "timeout_rate": row.timeout_rate,
        "submit_latency_seconds": _percentiles(row.submit_latency, ("p50", "p95", "p99")),
        "receipts": row.receipts,
        "receipt_shares": row.receipt_shares,
        "receipt_delay_seconds": _percentiles(row.receipt_delay, ("p50", "p95")),
        "sender_rewrites": {"gateway": row.gateway_sender_rewrites, "carrier": row.carrier_sender_rewrites},
    }


def render_json(rows: Sequence[RouteRow], since: float, until: float, include_probes: bool) -> str:
    document = {
        "since": iso(since),
        "until": iso(until),
        "include_probes": include_probes,
        "routes": [row_dict(row) for row in rows],
    }
    return json.dumps(document, indent=2)


CSV_COLUMNS: Final = (
    "route",
    "messages",
    "submits",
    "carrier_error_rate",
    "carrier_errors",
    "timeouts",
    "timeout_rate",
    "submit_p50_s",
    "submit_p95_s",
    "submit_p99_s",
    *(f"{outcome}_share" for outcome in RECEIPT_OUTCOMES),
    "receipt_delay_p50_s",
    "receipt_delay_p95_s",
    "gateway_sender_rewrites",
    "carrier_sender_rewrites",
)


def _blank(value: object) -> object:
    return "" if value is None else value


def render_csv(rows: Sequence[RouteRow]) -> str:
    """One line per route; carrier errors as NAME=count pairs joined by ';'."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        latency, delay = row.submit_latency, row.receipt_delay
        values = (
            row.route,
            row.messages,
            row.submits,
            row.carrier_error_rate,
            ";".join(f"{e.name}={e.count}" for e in row.carrier_errors),
            row.timeouts,
            row.timeout_rate,
            latency.p50,
            latency.p95,
            latency.p99,
            *(row.receipt_shares[outcome] for outcome in RECEIPT_OUTCOMES),
            delay.p50,
            delay.p95,
            row.gateway_sender_rewrites,
            row.carrier_sender_rewrites,
        )
        writer.writerow([_blank(value) for value in values])
    return out.getvalue().rstrip("\n")


TABLE_HEADER: Final = (
    "route",
    "msgs",
    "submits",
    "err%",
    "errors",
    "t/o",
    "p50",
    "p95",
    "p99",
    "dlvrd",
    "undeliv",
    "expired",
    "none",
    "rcpt p50",
    "rcpt p95",
    "rewr gw",
    "rewr carrier",
)


def _table_cells(row: RouteRow) -> list[str]:
    latency, delay, shares = row.submit_latency, row.receipt_delay, row.receipt_shares
    errors = " ".join(f"{e.name.removeprefix('ESME_')}:{e.count}" for e in row.carrier_errors)
    return [
        row.route,
        str(row.messages),
        str(row.submits),
        percent(row.carrier_error_rate),
        errors or "-",
        str(row.timeouts),
        duration_text(latency.p50),
        duration_text(latency.p95),
        duration_text(latency.p99),
        *(percent(shares[outcome]) for outcome in ("delivered", "undeliverable", "expired", "none")),
        duration_text(delay.p50),
        duration_text(delay.p95),
        str(row.gateway_sender_rewrites),
        "n/a" if row.carrier_sender_rewrites is None else str(row.carrier_sender_rewrites),
    ]


def render_text(rows: Sequence[RouteRow], since: float, until: float) -> str:
    title = f"routes from {iso(since)} to {iso(until)}"
    if not rows:
        return f"{title}: no traffic"
    table = render_table(TABLE_HEADER, [_table_cells(row) for row in rows], left=(0, 4))
    notes = (
        "err%: carrier errors over submits (failed-over attempts included); t/o: timeouts; p50-p99: "
        "submit latency;\nreceipt shares over accepted messages; rewr carrier: probes whose sender was "
        "rewritten (n/a: no route tests)"
    )
    return f"{title}\n{table}\n{notes}"
