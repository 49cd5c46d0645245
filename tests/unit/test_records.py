"""StoreWriter on a real event loop and a real SQLite file: group commit, barriers, ids, a real
SQLITE_FULL (outage kept and recovered), rejected operations, backlog, maintenance calls, shutdown."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, cast

import pytest

from smpp_gateway.records import StoreWriter, _Stop
from smpp_gateway.store import (
    MessageRecord,
    OperationRejected,
    PendingDelivery,
    PendingKind,
    Store,
    StoreUnavailable,
    WriteOp,
)
from smpp_gateway.store.sqlite import SqliteStore

WAIT = 10.0  # seconds: a bound on every await, never a wait in itself


def message(gateway_id: str, received_at: float = 1000.0, padding: int = 0) -> MessageRecord:
    return MessageRecord(
        gateway_id=gateway_id,
        account="demo",
        received_at=received_at,
        source="ACME",
        destination="33612345678",
        reasons=("x" * padding,) if padding else (),
    )


def pending(payload: bytes = b"deliver_sm") -> PendingDelivery:
    return PendingDelivery(
        kind=PendingKind.RECEIPT,
        account="demo",
        payload=payload,
        created_at=1.0,
        next_attempt_at=1.0,
        expires_at=9.0,
    )


class CountingStore:
    """A SqliteStore that counts write() calls: one per transaction."""

    def __init__(self, inner: SqliteStore) -> None:
        self.inner = inner
        self.batches: list[int] = []

    def write(self, ops: Sequence[WriteOp]) -> list[int]:
        self.batches.append(len(ops))
        return self.inner.write(ops)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


class ScriptedStore:
    """A store whose write() answers from a script: the path through one-by-one retries."""

    def __init__(self, answer: Callable[[Sequence[WriteOp]], Exception | None]) -> None:
        self.answer = answer
        self.written: list[WriteOp] = []

    def write(self, ops: Sequence[WriteOp]) -> list[int]:
        error = self.answer(ops)
        if error is not None:
            raise error
        self.written.extend(ops)
        return []


@pytest.fixture
def sqlite(tmp_path: Path) -> Iterator[SqliteStore]:
    store = SqliteStore(tmp_path / "gateway.sqlite")
    yield store
    store.close()


@pytest.fixture
def health() -> asyncio.Queue[bool]:
    return asyncio.Queue()


@pytest.fixture
async def writer(sqlite: SqliteStore, health: asyncio.Queue[bool]) -> AsyncIterator[StoreWriter]:
    w = StoreWriter(sqlite, retry_initial=0.001, retry_max=0.01, on_health_change=health.put_nowait)
    w.start(asyncio.get_running_loop())
    yield w
    await w.close(timeout=WAIT)


def cap_size(store: SqliteStore, spare_pages: int = 2) -> None:
    pages = int(store._connection().execute("PRAGMA page_count").fetchone()[0])
    store.set_max_size((pages + spare_pages) * 4096)


def healthy(w: StoreWriter) -> bool:
    return w.healthy  # read through a call: the value changes between two reads


async def queued(w: StoreWriter, size: int) -> None:
    """Let tasks started before the writer reach its queue (a few loop turns, bounded)."""
    for _ in range(10):
        if w._queue.qsize() == size:
            return
        await asyncio.sleep(0)
    raise AssertionError(f"queue holds {w._queue.qsize()} items, expected {size}")


async def next_health(health: asyncio.Queue[bool]) -> bool:
    async with asyncio.timeout(WAIT):
        return await health.get()


# -- the normal path -------------------------------------------------------------------------------


async def test_barrier_returns_when_everything_before_it_is_committed(writer: StoreWriter) -> None:
    for i in range(300):
        writer.append(message(f"g{i}"))
    async with asyncio.timeout(WAIT):
        await writer.barrier()
        assert writer.backlog == 0
        found = await writer.run_read(lambda s: [s.message(f"g{i}") for i in (0, 299)])
    assert [m.gateway_id for m in found if m] == ["g0", "g299"]
    assert writer.healthy


async def test_appends_are_group_committed_in_batches_of_max_batch(sqlite: SqliteStore) -> None:
    counting = CountingStore(sqlite)
    w = StoreWriter(cast(Store, counting), max_batch=1000)
    for i in range(4500):
        w.append(message(f"g{i}"))
    waiters = [asyncio.ensure_future(w.barrier()) for _ in range(3)]
    await queued(w, 4503)
    notifications: list[object] = []
    original = w._notify

    def spy(callback: Callable[..., None], *args: Any) -> None:
        notifications.append(callback)
        original(callback, *args)

    w._notify = spy  # type: ignore[method-assign]
    w.start(asyncio.get_running_loop())
    async with asyncio.timeout(WAIT):
        await asyncio.gather(*waiters)
    assert counting.batches == [1000, 1000, 1000, 1000, 500]
    assert notifications == [w._settle]  # one notification for the batch that held the barriers
    assert await w.close(timeout=WAIT) == 0


async def test_commit_returns_the_id_the_store_gave_a_pending_delivery(writer: StoreWriter) -> None:
    async with asyncio.timeout(WAIT):
        first = await writer.commit(pending(b"1"))
        writer.append(pending(b"2"))
        third = await writer.commit(pending(b"3"))
        assert await writer.commit(message("g1")) is None
        due = await writer.run_read(lambda s: s.due_pending("demo", 5.0, 10))
    assert first is not None
    assert third is not None
    assert [d.pending_id for d in due] == [first, first + 1, third]


async def test_run_write_runs_after_the_appends_and_returns_or_raises(writer: StoreWriter) -> None:
    writer.append(message("g1"))
    async with asyncio.timeout(WAIT):
        assert await writer.run_write(lambda s: s.message("g1")) is not None

        def broken(store: Store) -> None:
            raise ValueError("bug in maintenance")

        with pytest.raises(ValueError, match="bug in maintenance"):
            await writer.run_write(broken)


async def test_run_read_passes_store_errors_on(writer: StoreWriter) -> None:
    def failing(store: Store) -> None:
        raise StoreUnavailable("SQLITE_IOERR")

    async with asyncio.timeout(WAIT):
        with pytest.raises(StoreUnavailable):
            await writer.run_read(failing)


async def test_purge_runs_bounded_batches_until_done(writer: StoreWriter) -> None:
    for i in range(25):
        writer.append(message(f"old{i}", received_at=float(i)))
    writer.append(message("new", received_at=5000.0))
    async with asyncio.timeout(WAIT):
        result = await writer.purge(before=100.0, now=0.0, batch_size=10)
        left = await writer.run_read(lambda s: s.route_report(0.0, 9999.0, include_probes=True))
    assert result.messages == 25
    for i in range(25):
        writer.append(message(f"again{i}", received_at=float(i)))
    async with asyncio.timeout(WAIT):
        capped = await writer.purge(before=100.0, now=0.0, batch_size=10, max_batches=2)
    assert capped.messages == 20  # stopped at max_batches; the next run takes the rest
    assert left == []  # the kept record has no route: nothing to report, but it is there
    assert await writer.run_read(lambda s: s.message("new")) is not None


# -- outages: a real SQLITE_FULL -------------------------------------------------------------------


async def test_disk_full_keeps_the_operations_and_recovers(
    writer: StoreWriter, sqlite: SqliteStore, health: asyncio.Queue[bool]
) -> None:
    cap_size(sqlite)
    for i in range(200):
        writer.append(message(f"g{i}", padding=500))
    assert await next_health(health) is False
    assert not writer.healthy
    # The writer may have committed a first batch into the spare pages before the cap bit: what is
    # kept is everything else, and nothing is lost either way (checked after recovery below).
    kept = writer.backlog
    assert 0 < kept <= 200
    with pytest.raises(StoreUnavailable, match="SQLITE_FULL"):
        await writer.barrier()
    with pytest.raises(StoreUnavailable):
        await writer.commit(message("refused"))
    assert writer.backlog == kept  # a refused commit() appends nothing
    writer.append(message("during-outage"))

    sqlite.set_max_size(None)  # the operator freed the disk
    assert await next_health(health) is True
    async with asyncio.timeout(WAIT):
        await writer.barrier()
        stored = await writer.run_read(lambda s: [s.message(f"g{i}") is not None for i in range(200)])
        assert await writer.run_read(lambda s: s.message("during-outage")) is not None
        assert await writer.run_read(lambda s: s.message("refused")) is None
    assert all(stored)
    assert (writer.backlog, writer.healthy, writer.dropped) == (0, True, 0)


async def test_a_waiting_barrier_fails_when_the_store_starts_failing(
    sqlite: SqliteStore, health: asyncio.Queue[bool]
) -> None:
    cap_size(sqlite)
    w = StoreWriter(sqlite, retry_initial=0.001, retry_max=0.01, on_health_change=health.put_nowait)
    for i in range(200):
        w.append(message(f"g{i}", padding=500))
    waiting = asyncio.ensure_future(w.barrier())
    committing = asyncio.ensure_future(w.commit(pending()))
    await queued(w, 202)  # both wait behind the operations before the store is ever tried
    w.start(asyncio.get_running_loop())
    async with asyncio.timeout(WAIT):
        with pytest.raises(StoreUnavailable):
            await waiting
        with pytest.raises(StoreUnavailable):
            await committing
    assert await next_health(health) is False
    sqlite.set_max_size(None)
    assert await next_health(health) is True
    assert await w.close(timeout=WAIT) == 0
    assert sqlite.pending_count("demo") == 1  # kept and written, as commit() documents


async def test_maintenance_is_refused_or_skipped_while_the_store_fails(
    sqlite: SqliteStore, health: asyncio.Queue[bool]
) -> None:
    cap_size(sqlite)
    w = StoreWriter(sqlite, retry_initial=0.001, retry_max=0.01, on_health_change=health.put_nowait)
    for i in range(200):
        w.append(message(f"g{i}", padding=500))
    ran: list[str] = []
    queued_call = asyncio.ensure_future(w.run_write(lambda s: ran.append("queued before the outage")))
    await queued(w, 201)
    w.start(asyncio.get_running_loop())
    async with asyncio.timeout(WAIT):
        with pytest.raises(StoreUnavailable):
            await queued_call
    assert await next_health(health) is False
    with pytest.raises(StoreUnavailable):
        await w.run_write(lambda s: ran.append("asked during the outage"))
    sqlite.set_max_size(None)
    assert await next_health(health) is True
    assert await w.close(timeout=WAIT) == 0
    assert ran == []  # its caller was already answered: skipped


async def test_close_gives_up_after_its_timeout_and_reports_what_is_lost(
    sqlite: SqliteStore, health: asyncio.Queue[bool]
) -> None:
    cap_size(sqlite)
    w = StoreWriter(sqlite, retry_initial=0.001, retry_max=0.01, on_health_change=health.put_nowait)
    w.start(asyncio.get_running_loop())
    for i in range(200):
        w.append(message(f"g{i}", padding=500))
    assert await next_health(health) is False
    assert await w.close(timeout=0.05) == 200
    assert w._thread is not None
    w._thread.join(timeout=WAIT)
    assert not w._thread.is_alive()


# -- operations the store rejects ------------------------------------------------------------------


async def test_a_rejected_operation_is_dropped_and_the_rest_committed(writer: StoreWriter) -> None:
    writer.append(message("g1"))
    writer.append(message("g1"))  # duplicate gateway id: a bug upstream
    writer.append(message("g2"))
    async with asyncio.timeout(WAIT):
        await writer.barrier()
        with pytest.raises(OperationRejected):
            await writer.commit(_null_payload())
        assert await writer.run_read(lambda s: s.message("g2")) is not None
    assert (writer.dropped, writer.backlog, writer.healthy) == (2, 0, True)


def _null_payload() -> PendingDelivery:
    value = pending()
    object.__setattr__(value, "payload", None)  # NOT NULL column: the store rejects it
    return value


async def test_an_outage_during_one_by_one_retries_keeps_the_rest() -> None:
    calls: list[int] = []

    def answer(ops: Sequence[WriteOp]) -> Exception | None:
        calls.append(len(ops))
        if len(ops) > 1 and any(isinstance(op, MessageRecord) and op.gateway_id == "bad" for op in ops):
            return OperationRejected("bad")
        if len(ops) == 1 and ops[0] == message("bad"):
            return OperationRejected("bad")
        if len(calls) == 3:  # the store fails once, right after the bad operation
            return StoreUnavailable("SQLITE_IOERR")
        return None

    scripted = ScriptedStore(answer)
    w = StoreWriter(cast(Store, scripted), retry_initial=0.001)
    for name in ("bad", "a", "b"):
        w.append(message(name))
    w.start(asyncio.get_running_loop())
    async with asyncio.timeout(WAIT):
        await w.barrier()
    assert calls == [3, 1, 1, 2]
    assert [op.gateway_id for op in scripted.written if isinstance(op, MessageRecord)] == ["a", "b"]
    assert (w.dropped, w.backlog) == (1, 0)
    assert await w.close(timeout=WAIT) == 0


# -- bounds, lifecycle, bugs -----------------------------------------------------------------------


async def test_a_backlog_beyond_its_bound_is_unhealthy(sqlite: SqliteStore) -> None:
    w = StoreWriter(sqlite, max_backlog=10)
    for i in range(11):
        w.append(message(f"g{i}"))
    assert not healthy(w)
    w.start(asyncio.get_running_loop())
    async with asyncio.timeout(WAIT):
        await w.barrier()
    assert healthy(w)
    assert await w.close(timeout=WAIT) == 0


async def test_lifecycle_errors(writer: StoreWriter, sqlite: SqliteStore) -> None:
    with pytest.raises(RuntimeError, match="already started"):
        writer.start(asyncio.get_running_loop())
    writer.append(message("last"))
    assert await writer.close(timeout=WAIT) == 0
    assert sqlite.message("last") is not None
    with pytest.raises(RuntimeError, match="closed"):
        writer.append(message("too-late"))
    with pytest.raises(RuntimeError, match="closed"):
        await writer.barrier()
    with pytest.raises(RuntimeError, match="closed"):
        await writer.commit(message("too-late"))
    with pytest.raises(RuntimeError, match="closed"):
        await writer.run_write(lambda s: None)
    assert await writer.close(timeout=WAIT) == 0  # closing twice is harmless


async def test_close_without_start_reports_what_was_never_written(sqlite: SqliteStore) -> None:
    w = StoreWriter(sqlite)
    w.append(message("g1"))
    assert await w.close(timeout=WAIT) == 1


async def test_a_bug_in_the_writer_thread_turns_it_unhealthy(
    sqlite: SqliteStore, health: asyncio.Queue[bool], caplog: pytest.LogCaptureFixture
) -> None:
    w = StoreWriter(sqlite, on_health_change=health.put_nowait)

    def broken() -> None:
        raise RuntimeError("bug")

    w._collect = broken  # type: ignore[assignment,method-assign]
    with caplog.at_level(logging.ERROR, logger="smpp_gateway.records"):
        w.start(asyncio.get_running_loop())
        assert await next_health(health) is False
    assert "store writer thread failed" in caplog.text
    assert not w.healthy
    assert await w.close(timeout=WAIT) == 0


async def test_notifications_to_a_closed_loop_are_dropped(sqlite: SqliteStore) -> None:
    other = asyncio.new_event_loop()
    w = StoreWriter(sqlite)
    w.start(other)
    other.close()
    w._queue.put(_Stop())
    assert w._thread is not None
    w._thread.join(timeout=WAIT)
    assert not w._thread.is_alive()
