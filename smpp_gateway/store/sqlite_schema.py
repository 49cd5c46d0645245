"""The SQLite schema, its migrations, and the mapping between rows and record values.

Schema rules:

* Column names are the record fields' names, so statements and row conversions are derived from the
  dataclasses and cannot drift from them.
* Each index serves a named query and nothing else; every index is one more B-tree insert per row on
  the hot path. ``messages.received_at`` and ``attempts.started_at`` serve both the report windows and
  retention; ``*.gateway_id`` serve receipts (update by id) and the message story; ``pending(account,
  id)`` serves in-order delivery; ``id_mappings.lookup_key`` serves receipt lookup. Nothing on the hot
  path scans a table.
* Hot-path inserts append: rowids grow, gateway ids are time-ordered (``ids.py``), times grow. The key
  that is random is the carrier's message id (many carriers hand out UUIDs), and once a B-tree keyed
  by it outgrows a few hundred pages every insert dirties a page of its own: measured, mappings went
  from ~9 to ~40 CPU us each between an empty store and one with 5 million (WAL volume, checkpoints).
  So a mapping is filed under ``lookup_key = epoch << 32 | crc32(carrier, normalised id)``, where the
  epoch is a counter the writer moves on every ``MAPPING_EPOCH`` mappings: random inserts only ever
  land in the current epoch's region of the index, whose size does not depend on history. A lookup
  seeks the hash in each epoch, newest first (a recursive CTE that stops at the first hit), and checks
  carrier and id on the row, so a hash collision costs a row read, never a wrong answer.
* ``id_mappings`` has no time index: rows are appended in time order, so retention walks the oldest
  rowids (see ``PURGES``).
* A migration is appended, never edited: ``PRAGMA user_version`` counts the ones applied.
"""

from __future__ import annotations

import json
import sqlite3
import zlib
from collections.abc import Callable, Sequence
from dataclasses import fields
from operator import attrgetter
from typing import Any, Final

from ..smpp.constants import (
    CommandStatus,
    DataCoding,
    EsmClass,
    MessageState,
    Npi,
    RegisteredDelivery,
    Ton,
)
from . import (
    AttemptRecord,
    CarrierResult,
    IdMapping,
    MessageRecord,
    OptOut,
    OptOutRemoval,
    Outcome,
    PendingDelivery,
    PendingDone,
    PendingExpired,
    PendingKind,
    PendingRetry,
    ReceiptUpdate,
    normalize_carrier_id,
)
from .probes import PROBE_MIGRATION, PROBE_WRITES

_MAPPING_V1_COLUMNS: Final = (
    "gateway_id", "carrier", "carrier_message_id", "account", "route", "submitted_at", "registered_delivery",
    "source", "destination", "part_index", "part_count", "is_probe",
)  # fmt: skip

MIGRATIONS: Final[tuple[tuple[str, ...], ...]] = (
    (
        """CREATE TABLE messages (
            id INTEGER PRIMARY KEY,
            gateway_id TEXT NOT NULL UNIQUE,
            account TEXT NOT NULL,
            received_at REAL NOT NULL,
            source TEXT NOT NULL,
            destination TEXT NOT NULL,
            source_ton INTEGER NOT NULL,
            source_npi INTEGER NOT NULL,
            outcome TEXT NOT NULL,
            status INTEGER NOT NULL,
            reasons TEXT NOT NULL,
            parts INTEGER NOT NULL,
            message_class TEXT,
            is_probe INTEGER NOT NULL,
            route TEXT,
            carrier TEXT,
            carrier_message_id TEXT,
            sent_source TEXT,
            sent_source_ton INTEGER,
            sent_source_npi INTEGER,
            carrier_status INTEGER,
            timed_out INTEGER NOT NULL,
            submit_latency REAL,
            attempts INTEGER NOT NULL,
            submitted_at REAL,
            receipt_state INTEGER,
            receipt_at REAL,
            receipt_latency REAL
        )""",
        "CREATE INDEX messages_received_at ON messages (received_at)",
        """CREATE TABLE attempts (
            id INTEGER PRIMARY KEY,
            gateway_id TEXT NOT NULL,
            route TEXT NOT NULL,
            carrier TEXT NOT NULL,
            started_at REAL NOT NULL,
            carrier_status INTEGER,
            timed_out INTEGER NOT NULL,
            latency REAL,
            is_probe INTEGER NOT NULL
        )""",
        "CREATE INDEX attempts_gateway_id ON attempts (gateway_id)",
        "CREATE INDEX attempts_started_at ON attempts (started_at)",
        """CREATE TABLE id_mappings (
            gateway_id TEXT NOT NULL,
            carrier TEXT NOT NULL,
            carrier_message_id TEXT NOT NULL,
            account TEXT NOT NULL,
            route TEXT NOT NULL,
            submitted_at REAL NOT NULL,
            registered_delivery INTEGER NOT NULL,
            source TEXT NOT NULL,
            destination TEXT NOT NULL,
            part_index INTEGER NOT NULL,
            part_count INTEGER NOT NULL,
            is_probe INTEGER NOT NULL,
            PRIMARY KEY (carrier, carrier_message_id)
        ) WITHOUT ROWID""",
        "CREATE INDEX id_mappings_gateway_id ON id_mappings (gateway_id)",
        "CREATE INDEX id_mappings_submitted_at ON id_mappings (submitted_at)",
        """CREATE TABLE pending (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL,
            account TEXT NOT NULL,
            payload BLOB NOT NULL,
            created_at REAL NOT NULL,
            next_attempt_at REAL NOT NULL,
            expires_at REAL NOT NULL,
            gateway_id TEXT,
            attempts INTEGER NOT NULL,
            last_error TEXT
        )""",
        "CREATE INDEX pending_account ON pending (account, id)",
        "CREATE INDEX pending_expires_at ON pending (expires_at)",
        "CREATE INDEX pending_gateway_id ON pending (gateway_id) WHERE gateway_id IS NOT NULL",
        """CREATE TABLE opt_outs (
            number TEXT NOT NULL,
            account TEXT NOT NULL,
            sender TEXT NOT NULL,
            created_at REAL NOT NULL,
            origin TEXT NOT NULL,
            PRIMARY KEY (number, account, sender)
        ) WITHOUT ROWID""",
        "CREATE INDEX opt_outs_account ON opt_outs (account)",
    ),
    PROBE_MIGRATION,  # 2: route testing (store/probes.py)
    (  # 3: id mappings found by epoch and hash; appended rowids instead of a random primary key
        """CREATE TABLE id_mappings_v3 (
            id INTEGER PRIMARY KEY,
            lookup_key INTEGER NOT NULL,
            gateway_id TEXT NOT NULL,
            carrier TEXT NOT NULL,
            carrier_message_id TEXT NOT NULL,
            account TEXT NOT NULL,
            route TEXT NOT NULL,
            submitted_at REAL NOT NULL,
            registered_delivery INTEGER NOT NULL,
            source TEXT NOT NULL,
            destination TEXT NOT NULL,
            part_index INTEGER NOT NULL,
            part_count INTEGER NOT NULL,
            is_probe INTEGER NOT NULL
        )""",
        f"""INSERT INTO id_mappings_v3 (lookup_key, {", ".join(_MAPPING_V1_COLUMNS)})
            SELECT carrier_hash(carrier, carrier_message_id), {", ".join(_MAPPING_V1_COLUMNS)}
            FROM id_mappings ORDER BY submitted_at""",
        "DROP TABLE id_mappings",
        "ALTER TABLE id_mappings_v3 RENAME TO id_mappings",
        "CREATE INDEX id_mappings_lookup_key ON id_mappings (lookup_key)",
        "CREATE INDEX id_mappings_gateway_id ON id_mappings (gateway_id)",
    ),
)
SCHEMA_VERSION: Final = len(MIGRATIONS)


def _names(record_type: type) -> tuple[str, ...]:
    return tuple(field.name for field in fields(record_type))


MESSAGE_COLUMNS: Final = _names(MessageRecord)
ATTEMPT_COLUMNS: Final = _names(AttemptRecord)
MAPPING_COLUMNS: Final = _names(IdMapping)
PENDING_COLUMNS: Final = tuple("id" if name == "pending_id" else name for name in _names(PendingDelivery))
OPT_OUT_COLUMNS: Final = _names(OptOut)
_CARRIER_RESULT_COLUMNS: Final = tuple(name for name in _names(CarrierResult) if name != "gateway_id")
_REASONS_INDEX: Final = MESSAGE_COLUMNS.index("reasons")
_MAPPING_ID_INDEX: Final = MAPPING_COLUMNS.index("carrier_message_id")


def _insert(table: str, columns: Sequence[str], verb: str = "INSERT") -> str:
    return f"{verb} INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"


def _message_params(op: Any) -> tuple[object, ...]:
    values = list(_get_message(op))
    reasons = values[_REASONS_INDEX]
    values[_REASONS_INDEX] = json.dumps(list(reasons)) if reasons else "[]"
    return tuple(values)


def carrier_hash(carrier: str, normalized_id: str) -> int:
    """The low 32 bits of a mapping's lookup_key (see the module docstring); stable across processes."""
    return zlib.crc32(f"{carrier}\x00{normalized_id}".encode())


def mapping_params(op: IdMapping, epoch: int) -> tuple[object, ...]:
    """The values of MAPPING_INSERT for ``op`` filed under ``epoch``."""
    values = list(_get_mapping(op))
    normalized = normalize_carrier_id(values[_MAPPING_ID_INDEX])
    values[_MAPPING_ID_INDEX] = normalized
    return (*values, epoch << 32 | carrier_hash(op.carrier, normalized))


def _carrier_result_params(op: Any) -> tuple[object, ...]:
    return (*_get_carrier_result(op), op.gateway_id)


# sqlite3 binds an exact int, float, str or bytes at once; any other value (a bool, an enum member)
# goes through its adapter protocol, whose failed __adapt__ and __conform__ lookups cost about 3,000
# instructions a value: five values of every message record. An adapter registered for the exact type
# is one dict hit, and the stored value is the same int or text sqlite3 would have bound.
PLAIN_ADAPTERS: Final[dict[type, Callable[[Any], int | str]]] = {
    bool: int,
    Outcome: str,
    PendingKind: str,
    **dict.fromkeys((CommandStatus, DataCoding, EsmClass, MessageState, Npi, RegisteredDelivery, Ton), int),
}
for _type, _adapter in PLAIN_ADAPTERS.items():
    sqlite3.register_adapter(_type, _adapter)


_get_message = attrgetter(*MESSAGE_COLUMNS)
_get_attempt = attrgetter(*ATTEMPT_COLUMNS)
_get_mapping = attrgetter(*MAPPING_COLUMNS)
_get_pending = attrgetter(*(name for name in _names(PendingDelivery) if name != "pending_id"))
_get_opt_out = attrgetter(*OPT_OUT_COLUMNS)
_get_carrier_result = attrgetter(*_CARRIER_RESULT_COLUMNS)

# Retention: one bounded batch per table, oldest first, never a scan. Messages and attempts go through
# their time index; mappings, appended in time order, through their oldest rowids: of the ``batch``
# rowids from the oldest, those older than ``before`` (a mapping stored a little out of order waits
# for a later run).
PURGES: Final = {
    "messages": "DELETE FROM messages WHERE id IN "
    "(SELECT id FROM messages WHERE received_at < :before ORDER BY received_at LIMIT :batch)",
    "attempts": "DELETE FROM attempts WHERE id IN "
    "(SELECT id FROM attempts WHERE started_at < :before ORDER BY started_at LIMIT :batch)",
    "id_mappings": "DELETE FROM id_mappings "
    "WHERE id < (SELECT min(id) FROM id_mappings) + :batch AND submitted_at < :before",
}

# Epoch size: the region of the lookup_key index that random inserts land in holds at most this many
# entries (~350 leaf pages, what an empty store's index has during a benchmark run). A lookup seeks
# once per epoch, newest first: a receipt 10 minutes after its submit at 1000 messages/s seeks 6
# times; an unknown id seeks every epoch, 50 seeks (~0.1 ms) for 5 million mappings.
MAPPING_EPOCH: Final = 100_000
MAPPING_INSERT: Final = _insert("id_mappings", (*MAPPING_COLUMNS, "lookup_key"))
# Probe the epochs newest first; the recursion stops at the first hit (``found``) or past the oldest
# epoch. The bounds are computed once, in the first row (about 1 us a probe; measured).
MAPPING_LOOKUP: Final = f"""
    WITH RECURSIVE probe (epoch, oldest, found) AS (
        SELECT (SELECT max(lookup_key) FROM id_mappings) >> 32,
            (SELECT min(lookup_key) FROM id_mappings) >> 32, NULL
        UNION ALL
        SELECT epoch - 1, oldest, (
            SELECT id FROM id_mappings
            WHERE lookup_key = (probe.epoch << 32 | :hash) AND carrier = :carrier AND carrier_message_id = :id
            ORDER BY id DESC LIMIT 1
        )
        FROM probe
        WHERE found IS NULL AND epoch >= oldest
    )
    SELECT {", ".join(MAPPING_COLUMNS)} FROM id_mappings
    WHERE id = (SELECT found FROM probe WHERE found IS NOT NULL)
"""

# One statement per operation type, and how to get its parameters: the writer groups consecutive
# operations of one type into one executemany. (IdMapping is written by SqliteStore, which owns the
# epoch counter.)
WRITES: Final[dict[type, tuple[str, Callable[[Any], Sequence[object]]]]] = {
    MessageRecord: (_insert("messages", MESSAGE_COLUMNS), _message_params),
    AttemptRecord: (_insert("attempts", ATTEMPT_COLUMNS), _get_attempt),
    CarrierResult: (
        f"UPDATE messages SET {', '.join(f'{c} = ?' for c in _CARRIER_RESULT_COLUMNS)} WHERE gateway_id = ?",
        _carrier_result_params,
    ),
    ReceiptUpdate: (
        "UPDATE messages SET receipt_state = ?, receipt_at = ?, receipt_latency = ? WHERE gateway_id = ?",
        lambda op: (op.receipt_state, op.receipt_at, op.receipt_latency, op.gateway_id),
    ),
    PendingDelivery: (_insert("pending", PENDING_COLUMNS[:-1]), _get_pending),
    PendingDone: ("DELETE FROM pending WHERE id = ?", lambda op: (op.pending_id,)),
    PendingExpired: ("DELETE FROM pending WHERE id = ?", lambda op: (op.pending_id,)),
    PendingRetry: (
        "UPDATE pending SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE id = ?",
        lambda op: (op.next_attempt_at, op.last_error, op.pending_id),
    ),
    OptOut: (_insert("opt_outs", OPT_OUT_COLUMNS, "INSERT OR IGNORE"), _get_opt_out),
    OptOutRemoval: (
        "DELETE FROM opt_outs WHERE number = ? AND account = ? AND sender = ?",
        lambda op: (op.number, op.account, op.sender),
    ),
    **PROBE_WRITES,
}


def message_from_row(row: Sequence[Any]) -> MessageRecord:
    values = dict(zip(MESSAGE_COLUMNS, row, strict=True))
    values["reasons"] = tuple(json.loads(values["reasons"]))
    values["outcome"] = Outcome(values["outcome"])
    values["is_probe"] = bool(values["is_probe"])
    values["timed_out"] = bool(values["timed_out"])
    return MessageRecord(**values)


def attempt_from_row(row: Sequence[Any]) -> AttemptRecord:
    values = dict(zip(ATTEMPT_COLUMNS, row, strict=True))
    values["is_probe"] = bool(values["is_probe"])
    values["timed_out"] = bool(values["timed_out"])
    return AttemptRecord(**values)


def mapping_from_row(row: Sequence[Any]) -> IdMapping:
    values = dict(zip(MAPPING_COLUMNS, row, strict=True))
    values["is_probe"] = bool(values["is_probe"])
    return IdMapping(**values)


def pending_from_row(row: Sequence[Any]) -> PendingDelivery:
    values = dict(zip(PENDING_COLUMNS, row, strict=True))
    values["pending_id"] = values.pop("id")
    values["kind"] = PendingKind(values["kind"])
    values["payload"] = bytes(values["payload"])
    return PendingDelivery(**values)


def opt_out_from_row(row: Sequence[Any]) -> OptOut:
    return OptOut(**dict(zip(OPT_OUT_COLUMNS, row, strict=True)))
