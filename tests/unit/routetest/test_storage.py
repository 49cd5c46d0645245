"""Route testing's tables through the SQLite store: write ops, queries, retention, migration."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from smpp_gateway.store import MessageRecord, ReceiptUpdate
from smpp_gateway.store import probes as q
from smpp_gateway.store.sqlite import SqliteStore
from smpp_gateway.store.sqlite_schema import SCHEMA_VERSION


def sent(probe_id: str, at: float, route: str = "r1") -> q.ProbeRecord:
    return q.ProbeRecord(
        probe_id=probe_id,
        code="K7Q2M",
        route=route,
        msisdn="33612000001",
        sender="ACME",
        sent_sender="ACME",
        sent_text="[K7Q2M] hello",
        gateway_ids=(f"{probe_id}-g1", f"{probe_id}-g2"),
        carrier="c1",
        submit_status=0,
        submit_latency=0.01,
        submitted_at=at,
        deadline_at=at + 60,
        late_after=30.0,
        duplicate_window=5.0,
    )


def settlement(probe_id: str, verdicts: tuple[str, ...], at: float) -> q.ProbeSettlement:
    return q.ProbeSettlement(
        probe_id=probe_id,
        settled_at=at,
        verdicts=verdicts,
        findings=json.dumps([{"verdict": v, "detail": {}} for v in verdicts]),
        receipt_states=(2,),
        received_sender="ACME",
        received_text="[K7Q2M] hello",
        handset_delay=1.5,
        reports=1,
    )


@pytest.fixture
def store(tmp_path: Path) -> SqliteStore:
    return SqliteStore(tmp_path / "s.sqlite")


def reader(store: SqliteStore) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{store.path}?mode=ro", uri=True)


def test_the_route_testing_migration_is_applied(store: SqliteStore) -> None:
    conn = reader(store)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION >= 2
    assert all(q.count_rows(conn, table) == 0 for table in q.TABLES)
    with pytest.raises(ValueError, match="not a route-testing table"):
        q.count_rows(conn, "messages")


def test_probe_sent_then_settled_then_revised(store: SqliteStore) -> None:
    store.write([sent("p1", 100.0), sent("p2", 200.0), sent("p3", 300.0, route="r2")])
    store.write([settlement("p1", ("delivered_intact",), 110.0)])
    conn = reader(store)
    one = q.probe(conn, "p1")
    assert one is not None
    assert one.sent == sent("p1", 100.0)
    assert (one.settled_at, one.verdicts, one.receipt_states, one.handset_delay) == (
        110.0,
        ("delivered_intact",),
        (2,),
        1.5,
    )
    assert one.findings == [{"verdict": "delivered_intact", "detail": {}}]
    assert q.probe(conn, "nope") is None
    assert [p.sent.probe_id for p in q.open_probes(conn)] == ["p2", "p3"]
    store.write([settlement("p1", ("late", "duplicated"), 150.0)])
    revised = q.probe(conn, "p1")
    assert revised is not None
    assert revised.verdicts == ("late", "duplicated")


def test_probes_between_filters_and_orders(store: SqliteStore) -> None:
    store.write([sent("p1", 100.0), sent("p2", 200.0), sent("p3", 300.0, route="r2")])
    store.write([settlement("p2", ("not_delivered",), 260.0)])
    conn = reader(store)
    assert [p.sent.probe_id for p in q.probes_between(conn, 0, 1000)] == ["p3", "p2", "p1"]
    assert [p.sent.probe_id for p in q.probes_between(conn, 150, 1000, route="r1")] == ["p2"]
    assert [p.sent.probe_id for p in q.probes_between(conn, 0, 1000, settled_only=True)] == ["p2"]
    assert [p.sent.probe_id for p in q.probes_between(conn, 0, 300)] == ["p2", "p1"]
    assert len(q.probes_between(conn, 0, 1000, limit=1)) == 1
    unsettled = q.probe(conn, "p1")
    assert unsettled is not None
    assert (unsettled.settled_at, unsettled.verdicts, unsettled.findings) == (None, (), [])


def test_verdict_rows_are_replaced_with_each_settlement(store: SqliteStore) -> None:
    store.write([sent("p1", 100.0)])
    for verdicts in (("not_delivered", "fake_receipt"), ("sender_rewritten",)):
        store.write(
            [q.ProbeVerdictsCleared(probe_id="p1")]
            + [q.ProbeVerdict(probe_id="p1", route="r1", verdict=v, decided_at=120.0) for v in verdicts]
        )
    rows = reader(store).execute("SELECT route, verdict, decided_at FROM probe_verdicts").fetchall()
    assert rows == [("r1", "sender_rewritten", 120.0)]


def test_reports_matched_and_unmatched(store: SqliteStore) -> None:
    def report(report_id: str, at: float, probe_id: str | None) -> q.HandsetReportRecord:
        return q.HandsetReportRecord(
            report_id=report_id,
            msisdn="33612000001",
            sender="ACME",
            text="x",
            received_at=at,
            reported_at=at + 0.1,
            probe_id=probe_id,
            match="code" if probe_id else None,
            score=1.0 if probe_id else None,
        )

    store.write(
        [report("a", 10.0, "p1"), report("b", 5.0, "p1"), report("c", 7.0, None), report("d", 8.0, None)]
    )
    store.write([report("a", 99.0, None)])  # the same report again: kept once
    conn = reader(store)
    assert [r.report_id for r in q.reports_for(conn, "p1")] == ["b", "a"]
    assert [r.report_id for r in q.unmatched_reports(conn, 10)] == ["d", "c"]
    assert [r.report_id for r in q.unmatched_reports(conn, 1)] == ["d"]


def test_receipt_states_of_a_probes_parts(store: SqliteStore) -> None:
    records = [
        MessageRecord(gateway_id=gid, account="probe", received_at=1.0, source="ACME", destination="336")
        for gid in ("g1", "g2", "g3")
    ]
    store.write(records)
    store.write([ReceiptUpdate(gateway_id="g1", receipt_state=2, receipt_at=2.0, receipt_latency=1.0)])
    conn = reader(store)
    assert q.receipt_states(conn, ["g1", "g2"]) == (2,)
    assert q.receipt_states(conn, []) == ()


def test_retention(store: SqliteStore) -> None:
    store.write([sent("old", 100.0), sent("new", 500.0)])
    store.write(
        [
            q.ProbeVerdict(probe_id=p, route="r1", verdict="late", decided_at=t)
            for p, t in (("old", 110.0), ("new", 510.0))
        ]
    )
    store.write(
        [
            q.HandsetReportRecord(
                report_id=f"r{t}", msisdn="1", sender="s", text="t", received_at=t, reported_at=t
            )
            for t in (100.0, 500.0)
        ]
    )
    store.write(
        [q.ProbesPurge(before=300.0), q.ProbeVerdictsPurge(before=300.0), q.HandsetReportsPurge(before=300.0)]
    )
    conn = reader(store)
    assert [q.count_rows(conn, table) for table in q.TABLES] == [1, 1, 1]
    assert q.probe(conn, "new") is not None
