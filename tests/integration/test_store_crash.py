"""SIGKILL under load: a child process writes records, id mappings and pending deliveries through the
StoreWriter and prints each batch number once its barrier says it is committed; the test kills it in
the middle of writing, twice, then reopens the file. The database must pass integrity_check and hold
every batch the child reported: WAL + synchronous=NORMAL is durable across process crashes.

Run as a script, this file is the child: ``python test_store_crash.py DB ROUND``.
"""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
from pathlib import Path

from smpp_gateway.records import StoreWriter
from smpp_gateway.store import IdMapping, MessageRecord, PendingDelivery, PendingKind, ReceiptUpdate
from smpp_gateway.store.sqlite import SqliteStore

BATCH = 200  # messages per reported batch
REPORTED_BEFORE_KILL = 25  # batches the child reports before each SIGKILL
OUTSTANDING = 8  # batches appended but not yet confirmed: the writer always has work when killed


def _batch_ops(round_: int, batch: int) -> list[MessageRecord | IdMapping | PendingDelivery | ReceiptUpdate]:
    ops: list[MessageRecord | IdMapping | PendingDelivery | ReceiptUpdate] = []
    for i in range(BATCH):
        gateway_id = f"r{round_}-{batch:06d}-{i:04d}"
        ops.append(
            MessageRecord(
                gateway_id=gateway_id,
                account="crash",
                received_at=float(batch),
                source="ACME",
                destination="33612345678",
                route="fr-direct",
                carrier="direct",
                carrier_message_id=f"C{round_}x{batch}x{i}",
            )
        )
        ops.append(
            IdMapping(
                gateway_id=gateway_id,
                carrier="direct",
                carrier_message_id=f"C{round_}x{batch}x{i}",
                account="crash",
                route="fr-direct",
                submitted_at=float(batch),
            )
        )
    first = f"r{round_}-{batch:06d}-0000"
    ops.append(ReceiptUpdate(gateway_id=first, receipt_state=2, receipt_at=1.0, receipt_latency=1.0))
    ops.append(
        PendingDelivery(
            kind=PendingKind.RECEIPT,
            account="crash",
            payload=first.encode(),
            created_at=0.0,
            next_attempt_at=0.0,
            expires_at=1e12,
            gateway_id=first,
        )
    )
    return ops


async def _child(path: str, round_: int) -> None:
    writer = StoreWriter(SqliteStore(path))
    writer.start(asyncio.get_running_loop())
    slots = asyncio.Semaphore(OUTSTANDING)

    async def confirm(batch: int) -> None:
        await writer.barrier()
        print(batch, flush=True)
        slots.release()

    tasks = set()
    batch = 0
    while True:  # until killed
        await slots.acquire()
        for op in _batch_ops(round_, batch):
            writer.append(op)
        task = asyncio.ensure_future(confirm(batch))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
        batch += 1


def _run_and_kill(db: Path, round_: int) -> list[int]:
    child = subprocess.Popen(
        [sys.executable, __file__, str(db), str(round_)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    reported: list[int] = []
    try:
        while len(reported) < REPORTED_BEFORE_KILL:
            line = child.stdout.readline()
            assert line, f"child ended early: {child.stderr.read() if child.stderr else ''}"
            reported.append(int(line))
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
        child.stdout.close()
        if child.stderr is not None:
            child.stderr.close()
    assert child.returncode == -signal.SIGKILL
    return reported


def test_sigkill_under_load_keeps_every_committed_batch(tmp_path: Path) -> None:
    db = tmp_path / "crash.sqlite"
    reported = {round_: _run_and_kill(db, round_) for round_ in (0, 1)}

    assert Path(f"{db}-wal").exists()  # killed before any clean close: the next open replays the WAL
    store = SqliteStore(db)
    try:
        assert store.integrity_check() == ["ok"]
        conn = store._connection()
        for round_, batches in reported.items():
            for batch in batches:
                prefix = f"r{round_}-{batch:06d}-"
                count = conn.execute(
                    "SELECT count(*) FROM messages WHERE gateway_id >= ? AND gateway_id < ?",
                    (prefix, prefix + "~"),
                ).fetchone()[0]
                assert count == BATCH, (round_, batch)
                last = store.mapping_by_carrier_id("direct", f"C{round_}x{batch}x{BATCH - 1}")
                assert last is not None
                assert last.gateway_id == f"{prefix}{BATCH - 1:04d}"
                first = store.message(f"{prefix}0000")
                assert first is not None
                assert first.receipt_state == 2
        pending = {bytes(row[0]) for row in conn.execute("SELECT payload FROM pending")}
        expected = {f"r{r}-{b:06d}-0000".encode() for r, batches in reported.items() for b in batches}
        assert expected <= pending
    finally:
        store.close()


def test_the_killed_file_opens_read_only_for_reports(tmp_path: Path) -> None:
    db = tmp_path / "crash.sqlite"
    batches = _run_and_kill(db, 0)
    reader = SqliteStore(db, read_only=True)
    try:
        routes = reader.route_report(0.0, 1e9)
        assert routes[0].route == "fr-direct"
        assert routes[0].messages >= len(batches) * BATCH
    finally:
        reader.close()


if __name__ == "__main__":
    asyncio.run(_child(sys.argv[1], int(sys.argv[2])))
