"""The batching writer of records: the hot path appends, one thread writes.

The record types themselves are plain values in ``smpp_gateway.store`` (``MessageRecord``,
``IdMapping``, ``PendingDelivery``, ...), so every backend and every process can use them.

Theory of operation:

* **Rule 1: the event loop never waits for storage per message.** ``StoreWriter.append(op)`` puts a
  record value (``smpp_gateway.store.WriteOp``) on a thread-safe queue and returns. A dedicated thread
  owns the store's write connection: it drains the queue (up to ``max_batch`` operations), applies the
  batch in one transaction (group commit: one WAL append for many messages), and tells the loop once
  per batch, through ``loop.call_soon_threadsafe``, that what was waiting on it is committed.
* **Rule 2: nothing appended is dropped because the store failed.** When a batch fails with
  ``StoreUnavailable`` (disk full, I/O error, locked) the writer keeps the batch, turns ``healthy``
  false, fails every waiting ``barrier()`` with ``StoreUnavailable`` and retries the same batch with
  exponential backoff until it commits; then it is healthy again. The gateway refuses new traffic
  with a retryable status meanwhile (DESIGN principle 2): it must not acknowledge what it cannot record.
* **Rule 3: one bad operation does not wedge the writer.** A batch that fails for any other reason is
  applied one operation at a time; the operations the store rejects for good are logged and dropped
  (``dropped`` counts them). That is a bug to fix, never an outage to wait out.
* ``barrier()`` is the point where the gateway needs durability before it answers: it resolves when
  everything appended before it is committed; ``commit(op)`` is append + barrier for one operation and
  returns the id the store gave a ``PendingDelivery``. ``healthy`` also turns false when the backlog exceeds
  ``max_backlog``: a store that cannot keep up is as unable to record new traffic as a failed one.
* Reads run on a small pool of reader threads (``run_read``), each with its own connection; in WAL
  mode they never block the writer.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Final, TypeVar

from . import redact
from .store import OperationRejected, PendingDelivery, PurgeResult, Store, StoreUnavailable, WriteOp

__all__ = ["StoreWriter"]

log = logging.getLogger(__name__)
T = TypeVar("T")

# Operations per transaction. Large enough that the commit (one WAL append, no fsync in NORMAL mode)
# is amortised over many messages; small enough that one transaction holds the write lock for a few
# milliseconds and a waiting barrier is answered soon.
DEFAULT_MAX_BATCH: Final = 2000
# Uncommitted operations beyond which the writer reports itself unhealthy. The writer commits 20-30k
# operations/s (about 3 per message; tests/bench/bench_store.py on a busy 2-CPU VM), so this is several
# seconds behind: the disk is not keeping up, and acknowledging more would be acknowledging what may
# not be recorded. Held in memory meanwhile: about 300 bytes an operation, 60 MB at the bound.
DEFAULT_MAX_BACKLOG: Final = 200_000


# Marks, in a batch's list of pending ids, a PendingDelivery the store rejected.
_DROPPED: Final = -1


@dataclass(slots=True)
class _Waiter:
    """A barrier (op None) or a committed write: resolved when the batch that holds it commits."""

    future: asyncio.Future[Any]
    op: WriteOp | None = None


@dataclass(slots=True)
class _Call:
    fn: Callable[[Store], Any]
    future: asyncio.Future[Any]


class _Stop:
    pass


_STOP: Final = _Stop()


@dataclass(slots=True)
class _Batch:
    ops: list[WriteOp] = field(default_factory=list)
    # (future, ordinal of its PendingDelivery among the batch's, or None)
    waiters: list[tuple[asyncio.Future[Any], int | None]] = field(default_factory=list)
    pending_ops: int = 0
    call: _Call | None = None
    stop: bool = False

    def add(self, op: WriteOp) -> int | None:
        self.ops.append(op)
        if isinstance(op, PendingDelivery):
            self.pending_ops += 1
            return self.pending_ops - 1
        return None


class StoreWriter:
    """Owns the store's write connection on one thread; see the module docstring."""

    def __init__(
        self,
        store: Store,
        *,
        max_batch: int = DEFAULT_MAX_BATCH,
        max_backlog: int = DEFAULT_MAX_BACKLOG,
        retry_initial: float = 0.05,
        retry_max: float = 5.0,
        readers: int = 2,
        on_health_change: Callable[[bool], None] | None = None,
    ) -> None:
        self._store = store
        self._max_batch = max_batch
        self._max_backlog = max_backlog
        self._retry = (retry_initial, retry_max)
        self._on_health_change = on_health_change
        self._queue: queue.SimpleQueue[WriteOp | _Waiter | _Call | _Stop] = queue.SimpleQueue()
        self._readers = ThreadPoolExecutor(max_workers=readers, thread_name_prefix="store-reader")
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._done: asyncio.Future[None] | None = None
        self._abandon = threading.Event()
        self._waiting: set[asyncio.Future[Any]] = set()
        self._closing = False
        # Each counter has one writing thread: _appended the loop's, the others the writer's.
        self._appended = 0
        self._committed = 0
        self._dropped = 0
        self._store_ok = True
        self._last_error = ""

    # -- the loop's side ------------------------------------------------------------------------------

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        if self._thread is not None:
            raise RuntimeError("store writer already started")
        self._loop = loop
        self._done = loop.create_future()
        self._thread = threading.Thread(target=self._run, name="store-writer", daemon=True)
        self._thread.start()

    def append(self, op: WriteOp) -> None:
        """Queue one write. Never blocks, never fails because the store does; see ``healthy``."""
        self._count_append()
        self._queue.put(op)

    async def barrier(self) -> None:
        """Return when everything appended before this call is committed.

        Raises StoreUnavailable at once while the store is failing, and when it starts failing while
        waiting; the operations are kept and retried either way.
        """
        await self._wait(None)

    async def commit(self, op: WriteOp) -> int | None:
        """Append ``op`` and return once it (and everything before it) is committed: the id the store
        gave it for a PendingDelivery, else None.

        Raises StoreUnavailable, without appending, while the store is failing. When the store starts
        failing while waiting it raises too, but ``op`` stays queued and is written when the store
        recovers: a caller that then refuses its peer may see the peer's retry stored a second time
        (receipts prefer a duplicate to a loss). Raises OperationRejected if the store refused ``op``.
        """
        pending_id: int | None = await self._wait(op)
        return pending_id

    async def _wait(self, op: WriteOp | None) -> Any:
        self._check_open()
        if not self._store_ok:
            raise StoreUnavailable(self._last_error)
        if op is not None:
            self._count_append()
        future = asyncio.get_running_loop().create_future()
        self._waiting.add(future)
        self._queue.put(_Waiter(future, op))
        try:
            return await future
        finally:
            self._waiting.discard(future)

    def _count_append(self) -> None:
        self._check_open()
        self._appended += 1

    def _check_open(self) -> None:
        if self._closing:
            raise RuntimeError("store writer closed")

    @property
    def healthy(self) -> bool:
        """False while the store fails writes or the backlog is beyond ``max_backlog``."""
        return self._store_ok and self.backlog <= self._max_backlog

    @property
    def backlog(self) -> int:
        """Operations appended and not committed yet (kept in memory)."""
        return self._appended - self._committed - self._dropped

    @property
    def dropped(self) -> int:
        """Operations the store rejected for good (bugs), since start."""
        return self._dropped

    async def run_read(self, fn: Callable[[Store], T]) -> T:
        """Run ``fn(store)`` on a reader thread (its own connection) and return its result."""
        return await asyncio.get_running_loop().run_in_executor(self._readers, fn, self._store)

    async def run_write(self, fn: Callable[[Store], T]) -> T:
        """Run ``fn(store)`` on the writer thread, after everything appended before it is committed.

        For maintenance that must return a value (retention, trimming), not for the hot path. Like a
        barrier, it raises StoreUnavailable while the store fails, or when it starts failing before ``fn``
        ran (``fn`` is then skipped).
        """
        self._check_open()
        if not self._store_ok:
            raise StoreUnavailable(self._last_error)
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._waiting.add(future)
        self._queue.put(_Call(fn, future))
        try:
            return await future
        finally:
            self._waiting.discard(future)

    async def purge(
        self, before: float, now: float, *, batch_size: int = 1000, max_batches: int = 1000
    ) -> PurgeResult:
        """Retention: delete records older than ``before`` and pending deliveries expired by ``now``, in
        batches of at most ``batch_size`` rows per table, each its own transaction, so hot-path writes
        interleave between batches. Stops when a batch finds less than a full batch anywhere."""
        totals = PurgeResult()
        for _ in range(max_batches):
            done = await self.run_write(lambda store: store.purge(before, now, batch_size))
            totals += done
            if done.busiest < batch_size:
                break
        return totals

    # The timeout is an argument, not the caller's asyncio.timeout(): when it expires the writer thread
    # must be told to stop retrying, which a cancellation from outside cannot do.
    async def close(self, timeout: float) -> int:
        """Flush what was appended and stop the thread; return how many operations were left unwritten
        (0 unless the store kept failing until ``timeout``)."""
        self._closing = True
        if self._thread is not None and self._done is not None:
            self._queue.put(_STOP)
            try:
                await asyncio.wait_for(asyncio.shield(self._done), timeout)
            except TimeoutError:
                self._abandon.set()
                self._health_changed(False, f"store writer closed after {timeout} s: {self._last_error}")
        self._readers.shutdown(wait=False)
        if self.backlog:
            log.error("store writer closed, %d operations not written: %s", self.backlog, self._last_error)
        return self.backlog

    def _settle(self, batch: _Batch, ids: list[int], outcome: Any, failed: bool) -> None:
        for future, ordinal in batch.waiters:
            if future.done():
                continue
            if ordinal is None:
                future.set_result(None)
            elif ids[ordinal] == _DROPPED:
                future.set_exception(OperationRejected("the store rejected this operation"))
            else:
                future.set_result(ids[ordinal])
        call = batch.call
        if call is not None and not call.future.done():
            if failed:
                call.future.set_exception(outcome)
            else:
                call.future.set_result(outcome)

    def _health_changed(self, healthy: bool, error: str) -> None:
        if not healthy:
            for future in self._waiting:
                if not future.done():
                    future.set_exception(StoreUnavailable(error))
        if self._on_health_change is not None:
            self._on_health_change(healthy)

    def _stopped(self) -> None:
        # Nothing waits on the thread any more: a waiter added before the store failed was failed with
        # it, and one added after raised at once (_store_ok is false before the loop hears of it).
        if self._done is not None and not self._done.done():
            self._done.set_result(None)

    def _notify(self, callback: Callable[..., None], *args: Any) -> None:
        assert self._loop is not None
        try:
            self._loop.call_soon_threadsafe(callback, *args)
        except RuntimeError:  # the loop is closed: nobody is waiting any more
            log.debug("store writer: event loop closed, notification dropped")

    # -- the writer thread ----------------------------------------------------------------------------

    def _run(self) -> None:
        try:
            while True:
                batch = self._collect()
                ids = self._commit(batch.ops)
                if ids is None:
                    return  # abandoned by close(timeout)
                self._finish(batch, ids)
                if batch.stop:
                    return
        except Exception:  # a bug: say so, and make the gateway refuse traffic rather than lose it
            log.exception("store writer thread failed")
            self._set_store_ok(False, "store writer thread failed")
        finally:
            self._notify(self._stopped)

    def _collect(self) -> _Batch:
        """Block for the first item, then take what is queued, up to max_batch operations. A call or a
        stop ends the batch, so it runs after the operations queued before it."""
        batch = _Batch()
        item = self._queue.get()
        while True:
            if isinstance(item, _Waiter):
                ordinal = None if item.op is None else batch.add(item.op)
                batch.waiters.append((item.future, ordinal))
            elif isinstance(item, _Call):
                batch.call = item
                return batch
            elif isinstance(item, _Stop):
                batch.stop = True
                return batch
            else:
                batch.add(item)
            if len(batch.ops) >= self._max_batch:
                return batch
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return batch

    def _commit(self, ops: list[WriteOp]) -> list[int] | None:
        """Commit ``ops``, retrying while the store is unavailable; return the ids of the
        PendingDelivery operations in order (_DROPPED for a rejected one). None if abandoned first."""
        delay, retry_max = self._retry
        ids: list[int] = []
        while ops:
            try:
                ids.extend(self._store.write(ops))
            except StoreUnavailable as exc:
                self._set_store_ok(False, str(exc))
                if self._abandon.wait(delay):
                    return None
                delay = min(delay * 2, retry_max)
            except Exception:
                log.warning("store batch of %d operations failed; applying them one by one", len(ops))
                ops = self._commit_one_by_one(ops, ids)
            else:
                self._committed += len(ops)
                break
        self._set_store_ok(True, "")
        return ids

    def _commit_one_by_one(self, ops: list[WriteOp], ids: list[int]) -> list[WriteOp]:
        """Apply each operation alone, dropping those the store rejects; on StoreUnavailable return the
        operations not applied yet, for the retry loop."""
        for index, op in enumerate(ops):
            try:
                ids.extend(self._store.write([op]))
            except StoreUnavailable:
                return ops[index:]
            except Exception:
                log.exception("store rejected %s; dropped", redact.value(op))
                self._dropped += 1
                if isinstance(op, PendingDelivery):
                    ids.append(_DROPPED)
            else:
                self._committed += 1
        return []

    def _finish(self, batch: _Batch, ids: list[int]) -> None:
        call = batch.call
        outcome: Any = None
        failed = False
        # A call whose caller was already answered (the store failed meanwhile) is skipped.
        if call is not None and not call.future.done():
            try:
                outcome = call.fn(self._store)
            except Exception as exc:
                outcome, failed = exc, True
        if batch.waiters or call is not None:
            self._notify(self._settle, batch, ids, outcome, failed)

    def _set_store_ok(self, ok: bool, error: str) -> None:
        if ok == self._store_ok:
            return
        self._store_ok = ok
        self._last_error = error
        if ok:
            log.warning("store writable again")
        else:
            log.error("store unavailable, keeping %d operations and retrying: %s", self.backlog, error)
        self._notify(self._health_changed, ok, error)
