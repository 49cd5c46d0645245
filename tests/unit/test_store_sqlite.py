"""SqliteStore against a real SQLite file in a temp dir: records, mappings, pending deliveries,
opt-outs, retention, reports, schema, query plans and every error translation."""

from __future__ import annotations

import ast
import re
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smpp_gateway.smpp.constants import MessageState
from smpp_gateway.store import (
    AttemptRecord,
    CarrierResult,
    IdMapping,
    MessageRecord,
    OperationRejected,
    OptOut,
    OptOutRemoval,
    Outcome,
    PendingDelivery,
    PendingDone,
    PendingExpired,
    PendingKind,
    PendingRetry,
    Percentiles,
    PurgeResult,
    ReceiptUpdate,
    Store,
    StoreUnavailable,
    normalize_carrier_id,
)
from smpp_gateway.store import sqlite_schema as schema
from smpp_gateway.store.sqlite import _INDEPENDENT_INSERTS, SqliteStore, _runs, _translate


def message(gateway_id: str, **changes: Any) -> MessageRecord:
    base = MessageRecord(
        gateway_id=gateway_id,
        account="demo",
        received_at=1000.0,
        source="ACME",
        source_ton=5,
        destination="33612345678",
        route="fr-direct",
        carrier="direct",
        carrier_message_id=f"c-{gateway_id}",
        sent_source="ACME",
        sent_source_ton=5,
        carrier_status=0,
        submit_latency=0.05,
        attempts=1,
        submitted_at=1000.05,
    )
    return replace(base, **changes)


def mapping(gateway_id: str, carrier_id: str, **changes: Any) -> IdMapping:
    base = IdMapping(
        gateway_id=gateway_id,
        carrier="direct",
        carrier_message_id=carrier_id,
        account="demo",
        route="fr-direct",
        submitted_at=1000.0,
        registered_delivery=1,
        source="ACME",
        destination="33612345678",
    )
    return replace(base, **changes)


def pending(account: str = "demo", **changes: Any) -> PendingDelivery:
    base = PendingDelivery(
        kind=PendingKind.RECEIPT,
        account=account,
        payload=b"\x00\x01deliver_sm",
        created_at=1000.0,
        next_attempt_at=1000.0,
        expires_at=5000.0,
        gateway_id="g1",
    )
    return replace(base, **changes)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteStore]:
    db = SqliteStore(tmp_path / "gateway.sqlite")
    yield db
    db.close()


def test_sqlite_store_is_a_store(store: SqliteStore) -> None:
    backend: Store = store
    assert backend.message("nope") is None


# -- records ---------------------------------------------------------------------------------------


def test_message_record_round_trips_every_field(store: SqliteStore) -> None:
    record = message(
        "g1",
        reasons=("sender.ton_npi: corrected 1/1 -> 5/0", "content.phishing: monitor 0.4"),
        outcome=Outcome.ACCEPTED,
        message_class="marketing",
        is_probe=True,
        timed_out=True,
        receipt_state=MessageState.DELIVERED,
        receipt_at=1010.0,
        receipt_latency=9.95,
        parts=3,
    )
    store.write([record])
    assert store.message("g1") == record


@pytest.mark.parametrize(
    ("value_type", "adapter"), schema.PLAIN_ADAPTERS.items(), ids=lambda v: getattr(v, "__name__", "")
)
def test_bools_and_enum_members_are_stored_as_their_plain_values(value_type: type, adapter: Any) -> None:
    conn = sqlite3.connect(":memory:")
    for value in [True, False] if value_type is bool else list(value_type):  # type: ignore[call-overload]
        plain = adapter(value)
        assert type(plain) in (int, str)
        assert plain == value
        stored = conn.execute("SELECT ?, typeof(?)", (value, value)).fetchone()
        assert stored == (plain, "integer" if type(plain) is int else "text")


def test_carrier_result_and_receipt_update_change_the_record(store: SqliteStore) -> None:
    store.write([message("g1", route=None, carrier=None, carrier_status=None, attempts=0)])
    store.write(
        [
            CarrierResult(
                gateway_id="g1",
                outcome=Outcome.FAILED,
                status=0x45,
                route="fr-slow",
                carrier="slow",
                carrier_status=0x58,
                submit_latency=0.3,
                attempts=2,
                submitted_at=1000.3,
            ),
            ReceiptUpdate(gateway_id="g1", receipt_state=5, receipt_at=1020.0, receipt_latency=19.7),
        ]
    )
    got = store.message("g1")
    assert got is not None
    assert (got.outcome, got.status, got.route, got.carrier, got.carrier_status, got.attempts) == (
        Outcome.FAILED,
        0x45,
        "fr-slow",
        "slow",
        0x58,
        2,
    )
    assert (got.receipt_state, got.receipt_at, got.receipt_latency) == (5, 1020.0, 19.7)


def test_a_batch_is_atomic_a_rejected_operation_rolls_back_all(store: SqliteStore) -> None:
    store.write([message("g1")])
    with pytest.raises(OperationRejected, match="UNIQUE"):
        store.write([message("g2"), mapping("g2", "c2"), message("g1")])
    assert store.message("g2") is None
    assert store.mapping_by_carrier_id("direct", "c2") is None


def test_interleaved_operations_of_one_batch_apply_as_if_in_order(store: SqliteStore) -> None:
    attempt = AttemptRecord(gateway_id="g1", route="fr", carrier="slow", started_at=1000.0, timed_out=True)
    store.write(
        [
            message("g1"),
            mapping("g1", "c1"),
            attempt,
            ReceiptUpdate(gateway_id="g1", receipt_state=2, receipt_at=1010.0, receipt_latency=10.0),
            message("g2"),
            mapping("g2", "c2"),
            OptOut(number="33612345678", account="demo"),
            OptOutRemoval(number="33612345678", account="demo"),
            message("g3"),
            OptOut(number="33612345679", account="demo"),
            ReceiptUpdate(gateway_id="g3", receipt_state=5, receipt_at=1020.0, receipt_latency=20.0),
        ]
    )
    first, third = store.message("g1"), store.message("g3")
    assert first is not None
    assert first.receipt_state == 2
    assert third is not None
    assert third.receipt_state == 5
    assert store.mapping_by_carrier_id("direct", "c2") is not None
    assert [optout.number for optout in store.opt_outs()] == ["33612345679"]
    assert store.message_story("g1") is not None


# Two independent insert types and two others: the regrouping is all the property needs.
_KINDS = (MessageRecord, IdMapping, OptOut, ReceiptUpdate)


@given(st.lists(st.tuples(st.sampled_from(_KINDS), st.integers()), max_size=40))
def test_runs_reorder_only_independent_inserts_and_keep_each_type_in_order(
    ops: list[tuple[type, int]],
) -> None:
    # Stand-ins of the operation types: _runs looks only at type(op).
    values = [kind.__new__(kind) for kind, _ in ops]
    position = {id(value): index for index, value in enumerate(values)}
    groups = list(_runs(values))  # type: ignore[arg-type]
    flat = [value for _, group in groups for value in group]
    assert sorted(position[id(value)] for value in flat) == list(range(len(values)))
    assert all(type(value) is kind for kind, group in groups for value in group)
    order = [position[id(value)] for value in flat]
    for later, after in enumerate(order):
        for before in order[:later]:
            kinds = {type(values[before]), type(values[after])}
            if not kinds <= _INDEPENDENT_INSERTS or len(kinds) == 1:
                assert before < after  # only two independent inserts of different types may swap


def test_an_unknown_operation_is_rejected(store: SqliteStore) -> None:
    with pytest.raises(OperationRejected, match="not a store operation: str"):
        store.write(["DROP TABLE messages"])  # type: ignore[list-item]


# -- id mappings -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "normal"),
    [("0A1f", "a1f"), (" 00123\x00", "123"), ("000", "0"), ("", ""), ("6a2B-ff", "6a2b-ff")],
)
def test_normalize_carrier_id(raw: str, normal: str) -> None:
    assert normalize_carrier_id(raw) == normal


def test_mapping_is_found_by_carrier_id_in_any_spelling_and_by_gateway_id(store: SqliteStore) -> None:
    parts = [mapping("g1", f"00AB{i}", part_index=i, part_count=2) for i in (2, 1)]
    store.write(parts)
    found = store.mapping_by_carrier_id("direct", "ab1")
    assert found == replace(parts[1], carrier_message_id="ab1")
    assert [m.part_index for m in store.mappings_for("g1")] == [1, 2]
    assert store.mapping_by_carrier_id("other-carrier", "ab1") is None


def test_a_reused_carrier_id_finds_the_mapping_of_the_newest_epoch(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "s.sqlite", mapping_epoch=1)
    store.write([mapping("old", "77"), mapping("new", "077", submitted_at=2000.0)])
    found = store.mapping_by_carrier_id("direct", "77")
    assert found is not None
    assert (found.gateway_id, found.submitted_at) == ("new", 2000.0)
    store.close()


def test_mappings_are_filed_in_epochs_and_found_in_any(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    store = SqliteStore(path, mapping_epoch=2)
    store.write([mapping(f"g{i}", f"c{i}") for i in range(5)])
    store.close()
    store = SqliteStore(path, mapping_epoch=2)  # a restart opens a new epoch
    store.write([mapping("g5", "c5")])
    conn = store._connection()
    epochs = [key >> 32 for (key,) in conn.execute("SELECT lookup_key FROM id_mappings ORDER BY id")]
    assert epochs == [0, 0, 1, 1, 2, 3]
    found = [store.mapping_by_carrier_id("direct", f"C{i}") for i in range(6)]
    assert [m.gateway_id if m else None for m in found] == [f"g{i}" for i in range(6)]
    assert store.mapping_by_carrier_id("direct", "unknown") is None
    store.close()


def test_migration_3_refiles_existing_mappings(tmp_path: Path) -> None:
    path = tmp_path / "v2.sqlite"
    with sqlite3.connect(path) as raw:
        for statement in (*schema.MIGRATIONS[0], *schema.MIGRATIONS[1]):
            raw.execute(statement)
        raw.execute(
            "INSERT INTO id_mappings (gateway_id, carrier, carrier_message_id, account, route, submitted_at, "
            "registered_delivery, source, destination, part_index, part_count, is_probe) "
            "VALUES ('g1', 'direct', 'ab', 'demo', 'fr-direct', 1.0, 1, 'ACME', '336', 1, 1, 0)"
        )
        raw.execute("PRAGMA user_version = 2")
    store = SqliteStore(path)
    found = store.mapping_by_carrier_id("direct", "0AB")
    assert found is not None
    assert (found.gateway_id, found.submitted_at) == ("g1", 1.0)
    store.write([mapping("g2", "cd")])
    assert store.mappings_for("g2") != []
    store.close()


def test_hash_collisions_never_return_a_wrong_mapping(
    store: SqliteStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(schema, "carrier_hash", lambda carrier, normalized: 7)  # everything collides
    store.write([mapping("g1", "a1"), mapping("g2", "b2"), mapping("g3", "a1", carrier="slow")])
    found = [
        store.mapping_by_carrier_id(c, i) for c, i in (("direct", "a1"), ("direct", "b2"), ("slow", "a1"))
    ]
    assert [m.gateway_id if m else None for m in found] == ["g1", "g2", "g3"]
    assert store.mapping_by_carrier_id("direct", "c3") is None


def test_mapping_retention_skips_a_newer_row_stored_out_of_order(store: SqliteStore) -> None:
    store.write([mapping("new", "1", submitted_at=5000.0), mapping("old", "2", submitted_at=1.0)])
    assert store.purge(before=100.0, now=0.0, batch_size=10).mappings == 1
    assert [m.gateway_id for m in (store.mapping_by_carrier_id("direct", i) for i in "12") if m] == ["new"]


# -- pending deliveries ----------------------------------------------------------------------------


def test_pending_deliveries_come_out_in_order_per_account(store: SqliteStore) -> None:
    ids = store.write(
        [pending(payload=bytes([i]), kind=PendingKind.MO if i % 2 else PendingKind.RECEIPT) for i in range(5)]
    )
    ids += store.write([pending("other")])
    assert ids == sorted(ids)
    due = store.due_pending("demo", now=1000.0, limit=3)
    assert [d.payload for d in due] == [b"\x00", b"\x01", b"\x02"]
    assert [d.pending_id for d in due] == ids[:3]
    assert due[1].kind is PendingKind.MO
    assert store.pending_count("demo") == 5
    assert store.pending_counts() == {PendingKind.RECEIPT: 4, PendingKind.MO: 2}


def test_retry_reschedules_and_done_or_expired_forget(store: SqliteStore) -> None:
    first, second, third = store.write([pending(), pending(), pending()])
    store.write(
        [
            PendingRetry(pending_id=first, next_attempt_at=1060.0, last_error="deliver_sm_resp 0x08"),
            PendingDone(pending_id=second),
        ]
    )
    assert [d.pending_id for d in store.due_pending("demo", now=1000.0, limit=10)] == [third]
    retried = store.due_pending("demo", now=1060.0, limit=10)[0]
    assert (retried.pending_id, retried.attempts, retried.last_error) == (first, 1, "deliver_sm_resp 0x08")
    store.write([PendingExpired(pending_id=first), PendingExpired(pending_id=third)])
    assert store.pending_count("demo") == 0
    assert store.pending_counts() == {PendingKind.RECEIPT: 0, PendingKind.MO: 0}


def test_trim_pending_keeps_the_newest(store: SqliteStore) -> None:
    ids = store.write([pending(payload=bytes([i])) for i in range(6)])
    store.write([pending("other")])
    assert store.trim_pending("demo", keep=4) == 2
    assert [d.pending_id for d in store.due_pending("demo", 1000.0, 10)] == ids[2:]
    assert store.trim_pending("demo", keep=4) == 0
    assert store.pending_count("other") == 1


# -- opt-outs --------------------------------------------------------------------------------------


def test_opt_outs_match_exactly_or_by_wildcard(store: SqliteStore) -> None:
    store.write(
        [
            OptOut(number="33611111111", account="demo", sender="36123", created_at=1.0),
            OptOut(number="33622222222", account="demo", created_at=2.0),
            OptOut(number="33633333333", created_at=3.0, origin="operator"),
        ]
    )
    assert store.is_opted_out("33611111111", "demo", "36123")
    assert not store.is_opted_out("33611111111", "demo", "ACME")
    assert store.is_opted_out("33622222222", "demo", "anything")
    assert not store.is_opted_out("33622222222", "shop", "anything")
    assert store.is_opted_out("33633333333", "shop", "SHOP")
    assert [o.number for o in store.opt_outs("demo")] == ["33611111111", "33622222222"]
    assert len(store.opt_outs()) == 3


def test_opt_out_twice_keeps_the_first_and_removal_is_exact(store: SqliteStore) -> None:
    store.write([OptOut(number="336", account="demo", created_at=1.0)])
    store.write([OptOut(number="336", account="demo", created_at=9.0)])
    assert store.opt_outs() == [OptOut(number="336", account="demo", created_at=1.0)]
    store.write([OptOutRemoval(number="336", account="demo", sender="x")])
    assert store.is_opted_out("336", "demo", "x")
    store.write([OptOutRemoval(number="336", account="demo")])
    assert not store.is_opted_out("336", "demo", "x")


# -- retention -------------------------------------------------------------------------------------


def test_purge_deletes_old_rows_in_bounded_batches(store: SqliteStore) -> None:
    old = [message(f"old{i}", received_at=float(i)) for i in range(25)]
    store.write([*old, message("new", received_at=5000.0)])
    store.write([mapping(f"old{i}", f"{i}", submitted_at=float(i)) for i in range(25)])
    store.write([AttemptRecord(gateway_id="old1", route="r", carrier="c", started_at=1.0)])
    store.write([pending(expires_at=10.0), pending(expires_at=10.0, kind=PendingKind.MO), pending()])
    first = store.purge(before=100.0, now=20.0, batch_size=10)
    assert first == PurgeResult(messages=10, attempts=1, mappings=10, expired_receipts=1, expired_mo=1)
    assert first.total == 23
    assert first.busiest == 10
    assert store.message("old0") is None
    assert store.message("old10") is not None
    second = store.purge(before=100.0, now=20.0, batch_size=10)
    third = store.purge(before=100.0, now=20.0, batch_size=10)
    assert (second.busiest, third.busiest) == (10, 5)
    assert (second + third).messages == (second + third).mappings == 15
    assert store.message("new") is not None
    assert store.pending_count("demo") == 1


# -- reports ---------------------------------------------------------------------------------------


def test_route_report_computes_the_route_kpis(store: SqliteStore) -> None:
    records = [
        message(f"d{i}", submit_latency=float(i), receipt_state=2, receipt_latency=float(i))
        for i in range(1, 101)
    ]
    records += [
        message("u", receipt_state=MessageState.UNDELIVERABLE),
        message("e", receipt_state=MessageState.EXPIRED),
        message("r", receipt_state=MessageState.REJECTED, sent_source="33700000001", sent_source_ton=1),
        message("o", receipt_state=MessageState.UNKNOWN),
        message("n", receipt_state=MessageState.ENROUTE),
        message("t", outcome=Outcome.FAILED, carrier_status=None, timed_out=True, submit_latency=None),
        message("x", outcome=Outcome.FAILED, carrier_status=0x58, submit_latency=0.5),
        message("probe", is_probe=True, submit_latency=999.0),
        message("rejected", outcome=Outcome.REJECTED, status=0x0A, route=None, carrier=None),
        message("late", received_at=9999.0),
    ]
    attempts = [
        AttemptRecord(gateway_id="d1", route="fr-slow", carrier="slow", started_at=1000.0, carrier_status=8),
        AttemptRecord(gateway_id="d2", route="fr-slow", carrier="slow", started_at=1000.0, timed_out=True),
    ]
    store.write([*records, *attempts])
    direct, slow = store.route_report(since=1000.0, until=2000.0)
    assert direct.route == "fr-direct"
    assert (direct.messages, direct.submits, direct.timeouts) == (107, 107, 1)
    assert direct.carrier_errors == {0x58: 1}
    # Nearest rank of 106: ranks 53, 101 and 105; six sub-second latencies sort first.
    assert direct.submit_latency == Percentiles(count=106, p50=47.0, p95=95.0, p99=99.0)
    assert direct.receipts == {
        "delivered": 100,
        "undeliverable": 1,
        "expired": 1,
        "rejected": 1,
        "other": 1,
        "none": 1,
    }
    assert direct.receipt_delay == Percentiles(count=100, p50=50.0, p95=95.0, p99=99.0)
    assert direct.sender_rewrites == 1
    assert (slow.route, slow.messages, slow.submits, slow.timeouts, slow.carrier_errors) == (
        "fr-slow",
        0,
        2,
        1,
        {8: 1},
    )
    assert slow.submit_latency == Percentiles()
    assert set(slow.receipts.values()) == {0}


def test_route_report_counts_probes_only_when_asked(store: SqliteStore) -> None:
    store.write([message("c", submit_latency=1.0), message("p", is_probe=True, submit_latency=3.0)])
    assert store.route_report(0.0, 2000.0)[0].submit_latency == Percentiles(
        count=1, p50=1.0, p95=1.0, p99=1.0
    )
    with_probes = store.route_report(0.0, 2000.0, include_probes=True)[0]
    assert (with_probes.messages, with_probes.submit_latency.p99) == (2, 3.0)
    assert store.route_report(3000.0, 4000.0) == []


def test_message_story_tells_everything_known_about_an_id(store: SqliteStore) -> None:
    attempt = AttemptRecord(
        gateway_id="g1", route="fr-slow", carrier="slow", started_at=999.0, carrier_status=8
    )
    store.write([message("g1"), attempt, mapping("g1", "c1"), pending(gateway_id="g1")])
    story = store.message_story("g1")
    assert story is not None
    assert story.record == message("g1")
    assert story.attempts == (attempt,)
    assert [m.carrier_message_id for m in story.mappings] == ["c1"]
    assert [p.gateway_id for p in story.pending] == ["g1"]
    assert store.message_story("unknown") is None
    store.write([mapping("g2", "c2")])
    orphan = store.message_story("g2")
    assert orphan is not None
    assert orphan.record is None


# -- schema, connections, query plans --------------------------------------------------------------


def test_schema_is_migrated_once_in_wal_with_normal_sync(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    SqliteStore(path).close()
    with sqlite3.connect(path) as raw:
        assert raw.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    store = SqliteStore(path)
    conn = store._connection()
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == 5000
    assert store.integrity_check() == ["ok"]
    store.close()


def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    with sqlite3.connect(path) as raw:
        raw.execute(f"PRAGMA user_version = {schema.SCHEMA_VERSION + 1}")
    with pytest.raises(OperationRejected, match="newer than this program"):
        SqliteStore(path)


def test_a_migration_rechecks_the_version_under_the_write_lock(store: SqliteStore) -> None:
    conn = store._connection()
    conn.execute(f"PRAGMA user_version = {schema.SCHEMA_VERSION + 1}")  # another program, meanwhile
    with pytest.raises(OperationRejected, match="newer than this program"):
        store._migrate(conn)
    assert not conn.in_transaction


def test_read_only_store_reads_the_live_database_and_refuses_writes(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    writer = SqliteStore(path)
    reader = SqliteStore(path, read_only=True)
    writer.write([message("g1")])
    assert reader.message("g1") == message("g1")
    with pytest.raises(StoreUnavailable, match="READONLY"):
        reader.write([message("g2")])
    writer.close()
    reader.close()


def test_read_only_store_refuses_an_unmigrated_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.sqlite"
    sqlite3.connect(path).close()
    with pytest.raises(OperationRejected, match="schema version 0"):
        SqliteStore(path, read_only=True)


def test_each_thread_gets_its_own_connection(store: SqliteStore) -> None:
    seen: list[sqlite3.Connection] = []
    thread = threading.Thread(target=lambda: seen.append(store._connection()))
    thread.start()
    thread.join(timeout=5)
    assert len(seen) == 1
    assert seen[0] is not store._connection()


HOT_PATH = [
    (schema.WRITES[MessageRecord][0], "messages"),
    (schema.WRITES[CarrierResult][0], "messages"),
    (schema.WRITES[ReceiptUpdate][0], "messages"),
    (schema.WRITES[PendingDone][0], "pending"),
    (schema.WRITES[PendingRetry][0], "pending"),
    (schema.MAPPING_LOOKUP, "id_mappings"),
    ("SELECT * FROM id_mappings WHERE gateway_id = ?", "id_mappings"),
    ("SELECT * FROM messages WHERE gateway_id = ?", "messages"),
    ("SELECT * FROM attempts WHERE gateway_id = ?", "attempts"),
    ("SELECT * FROM pending WHERE account = ? AND next_attempt_at <= ? ORDER BY id LIMIT ?", "pending"),
    *((statement, table) for table, statement in schema.PURGES.items()),
    ("SELECT id FROM pending WHERE expires_at <= ? ORDER BY expires_at LIMIT ?", "pending"),
    ("SELECT 1 FROM opt_outs WHERE number = ? AND account IN (?, '') AND sender IN (?, '')", "opt_outs"),
]


@pytest.mark.parametrize(("statement", "table"), HOT_PATH, ids=[f"{i}" for i in range(len(HOT_PATH))])
def test_hot_path_and_retention_never_scan_a_table(store: SqliteStore, statement: str, table: str) -> None:
    conn = store._connection()
    named = re.findall(r":(\w+)", statement)
    params = dict.fromkeys(named) if named else [None] * statement.count("?")
    plan = " | ".join(row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {statement}", params))
    assert f"SCAN {table}" not in plan, plan
    assert "USING" in plan or plan == "", plan


# -- errors ----------------------------------------------------------------------------------------


def test_disk_full_is_unavailable_and_recovers_when_the_cap_is_lifted(store: SqliteStore) -> None:
    conn = store._connection()
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    store.set_max_size((pages + 2) * 4096)
    big = [message(f"g{i}", reasons=("x" * 500,)) for i in range(200)]
    with pytest.raises(StoreUnavailable, match="SQLITE_FULL"):
        store.write(big)
    assert store.message("g0") is None
    assert not conn.in_transaction
    store.set_max_size(None)
    store.write(big)
    assert store.message("g199") is not None


def test_an_unopenable_path_is_unavailable(tmp_path: Path) -> None:
    with pytest.raises(StoreUnavailable, match=r"CANTOPEN|unable to open"):
        SqliteStore(tmp_path / "no-such-dir" / "s.sqlite")


def test_a_locked_database_is_unavailable(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    store = SqliteStore(path, busy_timeout=0.0)
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    with pytest.raises(StoreUnavailable, match="BUSY"):
        store.write([message("g1")])
    other.execute("ROLLBACK")
    other.close()
    store.write([message("g1")])
    store.close()


def test_a_closed_store_rejects_use(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "s.sqlite")
    store.close()
    with pytest.raises(OperationRejected, match="closed"):
        store.message("g1")
    errors: list[Exception] = []

    def other_thread() -> None:
        try:
            store.message("g1")
        except OperationRejected as exc:
            errors.append(exc)

    thread = threading.Thread(target=other_thread)
    thread.start()
    thread.join(timeout=5)
    assert len(errors) == 1


def test_a_corrupt_file_is_unavailable(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    path.write_bytes(b"this is not a database" * 300)
    with pytest.raises(StoreUnavailable, match="NOTADB"):
        SqliteStore(path)


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (sqlite3.OperationalError("no code"), StoreUnavailable),
        (sqlite3.ProgrammingError("Cannot operate on a closed database."), OperationRejected),
        (sqlite3.InterfaceError("bad parameter"), OperationRejected),
    ],
)
def test_errors_without_a_code_are_translated_by_type(error: sqlite3.Error, expected: type) -> None:
    assert type(_translate(error)) is expected


def test_the_store_package_has_no_asyncio() -> None:
    # records.py is the only bridge between the loop and storage; store/ stays synchronous.
    package = Path(schema.__file__).parent
    offenders = []
    for path in sorted(package.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] == "asyncio"]
    assert offenders == []
