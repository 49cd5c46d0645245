"""Route testing's tables: probes, their verdicts and handset reports (schema, write ops, queries).

The write operations are values like every other record (``store.WriteOp``), applied by the batching
writer; ``sqlite_schema`` registers ``PROBE_MIGRATION`` and ``PROBE_WRITES``. The queries take a
``sqlite3.Connection``: the gateway and the ``report probes`` command each read through their own
read-only connection (WAL: readers never block the writer).

Tables:

* ``probes``: one row per probe, inserted when sent, updated when settled (and again if evidence
  arrives after that: a late report revises the verdicts). JSON columns hold short lists.
* ``probe_verdicts``: one row per (probe, verdict), rewritten with each settlement: what reports and
  SQL aggregates count (``report routes`` counts carrier sender rewrites from it).
* ``handset_reports``: every report received, matched (``probe_id``) or not.

This module imports only the standard library: ``store/__init__`` imports it for ``WriteOp``.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from operator import attrgetter
from typing import Any, Final


@dataclass(frozen=True, slots=True, kw_only=True)
class ProbeRecord:
    """A probe as sent. ``sender`` is the plan's; ``sent_sender`` what the carrier got."""

    probe_id: str
    code: str
    route: str
    msisdn: str
    sender: str
    sent_sender: str
    sent_text: str
    gateway_ids: tuple[str, ...]
    carrier: str | None
    submit_status: int
    submit_latency: float | None
    submitted_at: float
    deadline_at: float
    late_after: float
    duplicate_window: float


@dataclass(frozen=True, slots=True, kw_only=True)
class ProbeSettlement:
    """A probe's verdicts and the evidence they rest on (the first handset report, the receipts)."""

    probe_id: str
    settled_at: float
    verdicts: tuple[str, ...]
    findings: str  # JSON: [{"verdict": ..., "detail": {...}}, ...]
    receipt_states: tuple[int, ...]
    received_sender: str | None
    received_text: str | None
    handset_delay: float | None
    reports: int


@dataclass(frozen=True, slots=True, kw_only=True)
class ProbeVerdictsCleared:
    probe_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ProbeVerdict:
    probe_id: str
    route: str
    verdict: str
    decided_at: float


@dataclass(frozen=True, slots=True, kw_only=True)
class HandsetReportRecord:
    report_id: str
    msisdn: str
    sender: str
    text: str
    received_at: float
    reported_at: float
    probe_id: str | None = None
    match: str | None = None  # "code" or "similarity"
    score: float | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ProbesPurge:
    """Retention: forget probes sent before ``before`` (each table has its own op: one op is one
    statement)."""

    before: float


@dataclass(frozen=True, slots=True, kw_only=True)
class ProbeVerdictsPurge:
    before: float


@dataclass(frozen=True, slots=True, kw_only=True)
class HandsetReportsPurge:
    before: float


PROBE_OPS: Final = (
    ProbeRecord,
    ProbeSettlement,
    ProbeVerdictsCleared,
    ProbeVerdict,
    HandsetReportRecord,
    ProbesPurge,
    ProbeVerdictsPurge,
    HandsetReportsPurge,
)

PROBE_MIGRATION: Final = (
    """CREATE TABLE probes (
        probe_id TEXT PRIMARY KEY,
        code TEXT NOT NULL,
        route TEXT NOT NULL,
        msisdn TEXT NOT NULL,
        sender TEXT NOT NULL,
        sent_sender TEXT NOT NULL,
        sent_text TEXT NOT NULL,
        gateway_ids TEXT NOT NULL,
        carrier TEXT,
        submit_status INTEGER NOT NULL,
        submit_latency REAL,
        submitted_at REAL NOT NULL,
        deadline_at REAL NOT NULL,
        late_after REAL NOT NULL,
        duplicate_window REAL NOT NULL,
        settled_at REAL,
        verdicts TEXT,
        findings TEXT,
        receipt_states TEXT NOT NULL DEFAULT '[]',
        received_sender TEXT,
        received_text TEXT,
        handset_delay REAL,
        reports INTEGER NOT NULL DEFAULT 0
    ) WITHOUT ROWID""",
    # Scorecard windows, the latest probes, retention.
    "CREATE INDEX probes_submitted_at ON probes (submitted_at)",
    # Probes still open when the gateway restarts (few: the partial index stays tiny).
    "CREATE INDEX probes_open ON probes (submitted_at) WHERE settled_at IS NULL",
    """CREATE TABLE probe_verdicts (
        probe_id TEXT NOT NULL,
        route TEXT NOT NULL,
        verdict TEXT NOT NULL,
        decided_at REAL NOT NULL,
        PRIMARY KEY (probe_id, verdict)
    ) WITHOUT ROWID""",
    "CREATE INDEX probe_verdicts_decided_at ON probe_verdicts (decided_at)",
    """CREATE TABLE handset_reports (
        id INTEGER PRIMARY KEY,
        report_id TEXT NOT NULL UNIQUE,
        msisdn TEXT NOT NULL,
        sender TEXT NOT NULL,
        text TEXT NOT NULL,
        received_at REAL NOT NULL,
        reported_at REAL NOT NULL,
        probe_id TEXT,
        match TEXT,
        score REAL
    )""",
    "CREATE INDEX handset_reports_probe_id ON handset_reports (probe_id) WHERE probe_id IS NOT NULL",
    "CREATE INDEX handset_reports_unmatched ON handset_reports (reported_at) WHERE probe_id IS NULL",
    "CREATE INDEX handset_reports_reported_at ON handset_reports (reported_at)",
)

PROBE_COLUMNS: Final = tuple(field.name for field in fields(ProbeRecord))
_SETTLEMENT_COLUMNS: Final = tuple(
    field.name for field in fields(ProbeSettlement) if field.name != "probe_id"
)
REPORT_COLUMNS: Final = tuple(field.name for field in fields(HandsetReportRecord))
SETTLED_COLUMNS: Final = _SETTLEMENT_COLUMNS
TABLES: Final = ("probes", "probe_verdicts", "handset_reports")


def _insert(table: str, columns: Sequence[str], verb: str = "INSERT") -> str:
    return f"{verb} INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"


def _probe_params(op: ProbeRecord) -> tuple[object, ...]:
    values = list(attrgetter(*PROBE_COLUMNS)(op))
    values[PROBE_COLUMNS.index("gateway_ids")] = json.dumps(list(op.gateway_ids))
    return tuple(values)


def _settlement_params(op: ProbeSettlement) -> tuple[object, ...]:
    values: list[object] = list(attrgetter(*_SETTLEMENT_COLUMNS)(op))
    values[_SETTLEMENT_COLUMNS.index("verdicts")] = json.dumps(list(op.verdicts))
    values[_SETTLEMENT_COLUMNS.index("receipt_states")] = json.dumps(list(op.receipt_states))
    return (*values, op.probe_id)


PROBE_WRITES: Final[dict[type, tuple[str, Callable[[Any], Sequence[object]]]]] = {
    ProbeRecord: (_insert("probes", PROBE_COLUMNS, "INSERT OR REPLACE"), _probe_params),
    ProbeSettlement: (
        f"UPDATE probes SET {', '.join(f'{c} = ?' for c in _SETTLEMENT_COLUMNS)} WHERE probe_id = ?",
        _settlement_params,
    ),
    ProbeVerdictsCleared: ("DELETE FROM probe_verdicts WHERE probe_id = ?", lambda op: (op.probe_id,)),
    ProbeVerdict: (
        _insert("probe_verdicts", ("probe_id", "route", "verdict", "decided_at"), "INSERT OR REPLACE"),
        attrgetter("probe_id", "route", "verdict", "decided_at"),
    ),
    HandsetReportRecord: (
        _insert("handset_reports", REPORT_COLUMNS, "INSERT OR IGNORE"),
        attrgetter(*REPORT_COLUMNS),
    ),
    # Retention through the time indexes; probe volumes are small (a few thousand rows a day).
    ProbesPurge: ("DELETE FROM probes WHERE submitted_at < ?", lambda op: (op.before,)),
    ProbeVerdictsPurge: ("DELETE FROM probe_verdicts WHERE decided_at < ?", lambda op: (op.before,)),
    HandsetReportsPurge: ("DELETE FROM handset_reports WHERE reported_at < ?", lambda op: (op.before,)),
}


# --- reads ------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class StoredProbe:
    """A probe row: as sent, and (when settled) as judged."""

    sent: ProbeRecord
    settled_at: float | None
    verdicts: tuple[str, ...]
    findings: list[dict[str, Any]]
    receipt_states: tuple[int, ...]
    received_sender: str | None
    received_text: str | None
    handset_delay: float | None
    reports: int


_SELECT_PROBE: Final = f"SELECT {', '.join(PROBE_COLUMNS + SETTLED_COLUMNS)} FROM probes"


def _probe_from_row(row: Sequence[Any]) -> StoredProbe:
    sent = dict(zip(PROBE_COLUMNS, row[: len(PROBE_COLUMNS)], strict=True))
    sent["gateway_ids"] = tuple(json.loads(sent["gateway_ids"]))
    settled = dict(zip(SETTLED_COLUMNS, row[len(PROBE_COLUMNS) :], strict=True))
    return StoredProbe(
        sent=ProbeRecord(**sent),
        settled_at=settled["settled_at"],
        verdicts=tuple(json.loads(settled["verdicts"] or "[]")),
        findings=json.loads(settled["findings"] or "[]"),
        receipt_states=tuple(json.loads(settled["receipt_states"] or "[]")),
        received_sender=settled["received_sender"],
        received_text=settled["received_text"],
        handset_delay=settled["handset_delay"],
        reports=int(settled["reports"]),
    )


def probe(conn: sqlite3.Connection, probe_id: str) -> StoredProbe | None:
    rows = conn.execute(f"{_SELECT_PROBE} WHERE probe_id = ?", (probe_id,)).fetchall()
    return _probe_from_row(rows[0]) if rows else None


def probes_between(
    conn: sqlite3.Connection,
    since: float,
    until: float,
    *,
    route: str | None = None,
    settled_only: bool = False,
    limit: int = 10_000,
) -> list[StoredProbe]:
    """Probes sent in [since, until), newest first, at most ``limit``."""
    clauses = ["submitted_at >= ?", "submitted_at < ?"]
    params: list[object] = [since, until]
    if route is not None:
        clauses.append("route = ?")
        params.append(route)
    if settled_only:
        clauses.append("settled_at IS NOT NULL")
    sql = f"{_SELECT_PROBE} WHERE {' AND '.join(clauses)} ORDER BY submitted_at DESC LIMIT ?"
    return [_probe_from_row(row) for row in conn.execute(sql, (*params, limit))]


def open_probes(conn: sqlite3.Connection) -> list[StoredProbe]:
    """Probes not settled yet, oldest first (to re-arm their deadlines after a restart)."""
    sql = f"{_SELECT_PROBE} WHERE settled_at IS NULL ORDER BY submitted_at"
    return [_probe_from_row(row) for row in conn.execute(sql)]


def _report_from_row(row: Sequence[Any]) -> HandsetReportRecord:
    return HandsetReportRecord(**dict(zip(REPORT_COLUMNS, row, strict=True)))


def reports_for(conn: sqlite3.Connection, probe_id: str) -> list[HandsetReportRecord]:
    sql = f"SELECT {', '.join(REPORT_COLUMNS)} FROM handset_reports WHERE probe_id = ? ORDER BY received_at"
    return [_report_from_row(row) for row in conn.execute(sql, (probe_id,))]


def unmatched_reports(conn: sqlite3.Connection, limit: int) -> list[HandsetReportRecord]:
    sql = (
        f"SELECT {', '.join(REPORT_COLUMNS)} FROM handset_reports WHERE probe_id IS NULL "
        "ORDER BY reported_at DESC LIMIT ?"
    )
    return [_report_from_row(row) for row in conn.execute(sql, (limit,))]


def count_rows(conn: sqlite3.Connection, table: str) -> int:
    if table not in TABLES:
        raise ValueError(f"not a route-testing table: {table}")
    return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def receipt_states(conn: sqlite3.Connection, gateway_ids: Sequence[str]) -> tuple[int, ...]:
    """The receipt states recorded for a probe's parts (messages.receipt_state), for a restart."""
    if not gateway_ids:
        return ()
    marks = ", ".join("?" * len(gateway_ids))
    sql = f"SELECT receipt_state FROM messages WHERE gateway_id IN ({marks}) AND receipt_state IS NOT NULL"
    return tuple(int(row[0]) for row in conn.execute(sql, tuple(gateway_ids)))
