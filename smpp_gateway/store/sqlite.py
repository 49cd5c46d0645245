"""SqliteStore: the embedded backend of the Store protocol (one machine, one file, WAL).

Theory of operation:

* **One connection per thread.** A connection is opened lazily for each thread that calls the store
  (the writer thread, each reader thread, the report command) and kept in a thread-local. SQLite in
  WAL mode lets any number of readers run while one writer commits; readers see the last committed
  state and never block the writer, so reports can run against the live gateway.
* **Durability.** ``journal_mode=WAL`` with ``synchronous=NORMAL``: a commit is appended to the WAL and
  the WAL is fsynced only at checkpoints. That is durable across a crash of the *process* (SIGKILL,
  segfault: the WAL is in the OS page cache and is replayed at the next open); only an OS crash or a
  power loss can lose the last transactions, and even then the database is never corrupted. FULL would
  fsync on every commit, which group commit makes cheap but not free; the gateway's guarantee is about
  its own crashes. Use ``synchronous="FULL"`` where power loss must not lose receipts.
* **Errors.** Every sqlite3 error leaves as ``StoreUnavailable`` (disk full, I/O, locked, read-only,
  cannot open: retry later) or ``OperationRejected`` (anything else: the operation itself is wrong).
* **Size cap.** ``max_size_bytes`` (``PRAGMA max_page_count``) makes the store fail as "full" before the
  disk does; ``set_max_size`` changes it at run time, applied by each thread before its next statement.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Final, Literal

from . import (
    AttemptRecord,
    IdMapping,
    MessageRecord,
    MessageStory,
    OperationRejected,
    OptOut,
    PendingDelivery,
    PendingKind,
    PurgeResult,
    RouteStats,
    StoreError,
    StoreUnavailable,
    WriteOp,
    normalize_carrier_id,
)
from . import sqlite_report as report
from . import sqlite_schema as schema

log = logging.getLogger(__name__)

# The statements by operation type; IdMapping's parameters come from SqliteStore._mapping_rows, which
# owns the epoch counter.
_WRITES: Final[dict[type, tuple[str, Callable[[Any], Sequence[object]]]]] = {
    **schema.WRITES,
    IdMapping: (schema.MAPPING_INSERT, lambda op: ()),
}

# Inserts into tables no other operation of this group reads or changes: within a stretch of them,
# their relative order does not matter, so each type is written by one executemany (the submit path
# appends a message and its id mapping in turn, which would otherwise be a statement per row).
_INDEPENDENT_INSERTS: Final = frozenset({MessageRecord, AttemptRecord, IdMapping})


def _runs(ops: Sequence[WriteOp]) -> Iterator[tuple[type, list[WriteOp]]]:
    """``ops`` as (type, operations) groups to apply in order: consecutive operations of one type,
    and, within a stretch of ``_INDEPENDENT_INSERTS``, all of one type together."""
    gathered: dict[type, list[WriteOp]] = {}
    for op_type, group in itertools.groupby(ops, type):
        if op_type in _INDEPENDENT_INSERTS:
            gathered.setdefault(op_type, []).extend(group)
            continue
        yield from gathered.items()
        gathered = {}
        yield op_type, list(group)
    yield from gathered.items()


# Primary result codes that mean "the environment failed, the same statement may succeed later":
# BUSY, LOCKED, NOMEM, READONLY, INTERRUPT, IOERR, CORRUPT, FULL, CANTOPEN, PROTOCOL, NOTADB.
_TRANSIENT_CODES: Final = frozenset({5, 6, 7, 8, 9, 10, 11, 13, 14, 15, 26})
# SQLite's own ceiling for max_page_count: "no cap".
_NO_PAGE_LIMIT: Final = 4294967294


def _translate(exc: sqlite3.Error) -> StoreError:
    code = getattr(exc, "sqlite_errorcode", None)
    # Errors raised by the sqlite3 module itself carry no code (closed connection, bad parameter).
    transient = (
        isinstance(exc, sqlite3.OperationalError) if code is None else (code & 0xFF) in _TRANSIENT_CODES
    )
    name = getattr(exc, "sqlite_errorname", type(exc).__name__)
    error_type = StoreUnavailable if transient else OperationRejected
    return error_type(f"{name}: {exc}")


@contextlib.contextmanager
def _translated() -> Iterator[None]:
    try:
        yield
    except sqlite3.Error as exc:
        raise _translate(exc) from exc


class SqliteStore:
    """The Store protocol on one SQLite file. Safe to share between threads (one connection each).

    ``read_only`` opens for reports (no migration; the schema must be current). ``busy_timeout``: how
    long a statement waits for another process's lock before failing as unavailable. ``cache_mib``:
    page cache per connection, grown on demand; the hot path touches index tails and the current
    mapping epoch, a few MiB. ``synchronous``: see the module docstring. ``max_size_bytes``: the size
    cap. ``mapping_epoch``: id mappings per epoch (``sqlite_schema.MAPPING_EPOCH``; tests shrink it).
    """

    def __init__(
        self,
        path: str | Path,
        *,
        read_only: bool = False,
        busy_timeout: float = 5.0,
        cache_mib: int = 16,
        synchronous: Literal["NORMAL", "FULL"] = "NORMAL",
        max_size_bytes: int | None = None,
        mapping_epoch: int = schema.MAPPING_EPOCH,
    ) -> None:
        self.path = Path(path)
        self.read_only = read_only
        self._busy_timeout_ms = int(busy_timeout * 1000)
        self._cache_kib = cache_mib * 1024
        self._synchronous = synchronous
        self._max_size_bytes = max_size_bytes
        self._local = threading.local()
        self._lock = threading.Lock()
        self._connections: list[sqlite3.Connection] = []
        self._closed = False
        self._mapping_epoch = mapping_epoch
        self._epoch_lock = threading.Lock()
        self._epoch: int | None = None
        self._epoch_fill = 0
        self._prepare()

    # -- connections ---------------------------------------------------------------------------------

    def _prepare(self) -> None:
        """Create or migrate the schema (writable store), or check it is current (read-only store)."""
        conn = self._connection()
        with _translated():
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > schema.SCHEMA_VERSION:
                raise OperationRejected(f"{self.path}: schema version {version} is newer than this program")
            if self.read_only:
                if version != schema.SCHEMA_VERSION:
                    raise OperationRejected(
                        f"{self.path}: schema version {version}, this program reads {schema.SCHEMA_VERSION}"
                    )
                return
            conn.execute("PRAGMA journal_mode = WAL")
            if version < schema.SCHEMA_VERSION:
                self._migrate(conn)

    def _migrate(self, conn: sqlite3.Connection) -> None:
        conn.create_function("carrier_hash", 2, schema.carrier_hash, deterministic=True)  # migration 3
        with self._transaction(conn):
            # Re-read under the write lock: another process may have migrated meanwhile.
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > schema.SCHEMA_VERSION:
                raise OperationRejected(f"{self.path}: schema version {version} is newer than this program")
            for number, statements in enumerate(schema.MIGRATIONS[version:], start=version + 1):
                for statement in statements:
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {number}")
                log.info("store %s migrated to schema version %d", self.path, number)

    def _open(self) -> sqlite3.Connection:
        target = f"file:{self.path}?mode=ro" if self.read_only else str(self.path)
        with _translated():
            conn = sqlite3.connect(
                target, uri=self.read_only, isolation_level=None, check_same_thread=False, timeout=0
            )
            try:
                conn.execute(f"PRAGMA busy_timeout = {self._busy_timeout_ms}")
                conn.execute(f"PRAGMA synchronous = {self._synchronous}")
                conn.execute(f"PRAGMA cache_size = -{self._cache_kib}")
            except sqlite3.Error:
                conn.close()
                raise
        with self._lock:
            self._connections.append(conn)
        return conn

    def _connection(self) -> sqlite3.Connection:
        if self._closed:
            raise OperationRejected(f"{self.path}: store closed")
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._open()
            self._local.conn = conn
            self._local.max_size = None
        if self._local.max_size != self._max_size_bytes:
            self._apply_max_size(conn)
        return conn

    def _apply_max_size(self, conn: sqlite3.Connection) -> None:
        wanted = self._max_size_bytes
        with _translated():
            page_size = conn.execute("PRAGMA page_size").fetchone()[0]
            pages = _NO_PAGE_LIMIT if wanted is None else max(1, wanted // page_size)
            conn.execute(f"PRAGMA max_page_count = {pages}")
        self._local.max_size = wanted

    def set_max_size(self, max_size_bytes: int | None) -> None:
        """Cap the database size (None: no cap). Each thread applies it before its next statement."""
        self._max_size_bytes = max_size_bytes

    @contextlib.contextmanager
    def _transaction(self, conn: sqlite3.Connection) -> Iterator[None]:
        # IMMEDIATE takes the write lock up front: a writer never fails half-way on a lock upgrade.
        with _translated():
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise

    @contextlib.contextmanager
    def _snapshot(self) -> Iterator[sqlite3.Connection]:
        """A read transaction: several queries see one consistent state."""
        conn = self._connection()
        with _translated():
            conn.execute("BEGIN")
            try:
                yield conn
            finally:
                conn.execute("COMMIT")

    def close(self) -> None:
        """Close every thread's connection. Call after the threads using the store have stopped."""
        self._closed = True
        with self._lock:
            connections, self._connections = self._connections, []
        for conn in connections:
            conn.close()

    # -- writes --------------------------------------------------------------------------------------

    def write(self, ops: Sequence[WriteOp]) -> list[int]:
        conn = self._connection()
        pending_ids: list[int] = []
        with self._transaction(conn):
            for op_type, group in _runs(ops):
                try:
                    statement, params = _WRITES[op_type]
                except KeyError:
                    raise OperationRejected(f"not a store operation: {op_type.__name__}") from None
                if op_type is PendingDelivery:  # one by one, to learn each row's id
                    pending_ids.extend(
                        int(conn.execute(statement, params(op)).lastrowid or 0) for op in group
                    )
                elif op_type is IdMapping:
                    conn.executemany(statement, self._mapping_rows(conn, group))
                else:
                    conn.executemany(statement, [params(op) for op in group])
        return pending_ids

    def _mapping_rows(self, conn: sqlite3.Connection, ops: Iterable[Any]) -> list[tuple[object, ...]]:
        """MAPPING_INSERT values, moving the epoch on every ``mapping_epoch`` mappings. A store that
        starts opens a new epoch, after the newest one in the file."""
        rows = []
        with self._epoch_lock:
            if self._epoch is None:
                newest = conn.execute("SELECT max(lookup_key) FROM id_mappings").fetchone()[0]
                self._epoch = 0 if newest is None else (newest >> 32) + 1
            for op in ops:
                if self._epoch_fill >= self._mapping_epoch:
                    self._epoch, self._epoch_fill = self._epoch + 1, 0
                self._epoch_fill += 1
                rows.append(schema.mapping_params(op, self._epoch))
        return rows

    def purge(self, before: float, now: float, batch_size: int) -> PurgeResult:
        conn = self._connection()
        with self._transaction(conn):
            counts = {
                table: conn.execute(statement, {"before": before, "batch": batch_size}).rowcount
                for table, statement in schema.PURGES.items()
            }
            expired = self._expire_pending(conn, now, batch_size)
        return PurgeResult(
            messages=counts["messages"],
            attempts=counts["attempts"],
            mappings=counts["id_mappings"],
            expired_receipts=expired.get(PendingKind.RECEIPT, 0),
            expired_mo=expired.get(PendingKind.MO, 0),
        )

    def _expire_pending(self, conn: sqlite3.Connection, now: float, batch_size: int) -> dict[str, int]:
        rows = conn.execute(
            "SELECT id, kind FROM pending WHERE expires_at <= ? ORDER BY expires_at LIMIT ?",
            (now, batch_size),
        ).fetchall()
        conn.executemany("DELETE FROM pending WHERE id = ?", [(row[0],) for row in rows])
        counts: dict[str, int] = {}
        for _, kind in rows:
            counts[kind] = counts.get(kind, 0) + 1
        return counts

    def trim_pending(self, account: str, keep: int) -> int:
        conn = self._connection()
        with self._transaction(conn):
            cursor = conn.execute(
                "DELETE FROM pending WHERE account = ? AND id <= "
                "(SELECT id FROM pending WHERE account = ? ORDER BY id DESC LIMIT 1 OFFSET ?)",
                (account, account, keep),
            )
            return cursor.rowcount

    # -- reads ---------------------------------------------------------------------------------------

    def _all(self, sql: str, params: Sequence[object] | Mapping[str, object]) -> list[Any]:
        conn = self._connection()
        with _translated():
            return conn.execute(sql, params).fetchall()

    def message(self, gateway_id: str) -> MessageRecord | None:
        rows = self._all(
            f"SELECT {', '.join(schema.MESSAGE_COLUMNS)} FROM messages WHERE gateway_id = ?", (gateway_id,)
        )
        return schema.message_from_row(rows[0]) if rows else None

    def message_story(self, gateway_id: str) -> MessageStory | None:
        with self._snapshot():
            story = MessageStory(
                record=self.message(gateway_id),
                attempts=tuple(
                    schema.attempt_from_row(row)
                    for row in self._all(
                        f"SELECT {', '.join(schema.ATTEMPT_COLUMNS)} FROM attempts WHERE gateway_id = ? "
                        "ORDER BY started_at",
                        (gateway_id,),
                    )
                ),
                mappings=tuple(self.mappings_for(gateway_id)),
                pending=tuple(
                    schema.pending_from_row(row)
                    for row in self._all(
                        f"SELECT {', '.join(schema.PENDING_COLUMNS)} FROM pending WHERE gateway_id = ? "
                        "ORDER BY id",
                        (gateway_id,),
                    )
                ),
            )
        if story.record is None and not (story.attempts or story.mappings or story.pending):
            return None
        return story

    def mapping_by_carrier_id(self, carrier: str, carrier_message_id: str) -> IdMapping | None:
        """The mapping of the newest epoch holding this carrier id (see sqlite_schema)."""
        normalized = normalize_carrier_id(carrier_message_id)
        rows = self._all(
            schema.MAPPING_LOOKUP,
            {"hash": schema.carrier_hash(carrier, normalized), "carrier": carrier, "id": normalized},
        )
        return schema.mapping_from_row(rows[0]) if rows else None

    def mappings_for(self, gateway_id: str) -> list[IdMapping]:
        rows = self._all(
            f"SELECT {', '.join(schema.MAPPING_COLUMNS)} FROM id_mappings WHERE gateway_id = ? "
            "ORDER BY part_index",
            (gateway_id,),
        )
        return [schema.mapping_from_row(row) for row in rows]

    def due_pending(self, account: str, now: float, limit: int) -> list[PendingDelivery]:
        # Walks pending_account in id order and skips rows not due yet: few, since only deliveries that
        # just failed are rescheduled.
        rows = self._all(
            f"SELECT {', '.join(schema.PENDING_COLUMNS)} FROM pending "
            "WHERE account = ? AND next_attempt_at <= ? ORDER BY id LIMIT ?",
            (account, now, limit),
        )
        return [schema.pending_from_row(row) for row in rows]

    def pending_count(self, account: str) -> int:
        rows = self._all("SELECT count(*) FROM pending WHERE account = ?", (account,))
        return int(rows[0][0])

    def pending_counts(self) -> dict[PendingKind, int]:
        # A scan of the pending table, which is bounded per account (max_pending_per_account).
        rows = self._all("SELECT kind, count(*) FROM pending GROUP BY kind", ())
        counts = dict.fromkeys(PendingKind, 0)
        counts.update({PendingKind(kind): int(n) for kind, n in rows})
        return counts

    def is_opted_out(self, number: str, account: str, sender: str) -> bool:
        rows = self._all(
            "SELECT 1 FROM opt_outs WHERE number = ? AND account IN (?, '') AND sender IN (?, '') LIMIT 1",
            (number, account, sender),
        )
        return bool(rows)

    def opt_outs(self, account: str | None = None) -> list[OptOut]:
        columns = ", ".join(schema.OPT_OUT_COLUMNS)
        if account is None:
            rows = self._all(f"SELECT {columns} FROM opt_outs ORDER BY number, account, sender", ())
        else:
            rows = self._all(
                f"SELECT {columns} FROM opt_outs WHERE account = ? ORDER BY number, sender", (account,)
            )
        return [schema.opt_out_from_row(row) for row in rows]

    def route_report(self, since: float, until: float, *, include_probes: bool = False) -> list[RouteStats]:
        with self._snapshot() as conn, _translated():
            return report.route_report(conn, since, until, include_probes=include_probes)

    def integrity_check(self) -> list[str]:
        """``PRAGMA integrity_check``: ["ok"] when the file is sound."""
        return [str(row[0]) for row in self._all("PRAGMA integrity_check", ())]
