"""Storage behind one interface: the records, id mappings, pending deliveries and opt-outs that must
outlive the process.

Theory of operation:

* Every write is a value (a frozen dataclass of primitive fields, the ``WriteOp`` union). A backend's
  ``write(ops)`` applies a sequence of them atomically, in order: all of them or none. The batching
  writer (``smpp_gateway.records.StoreWriter``) feeds it one batch per transaction, so the hot path only
  builds values and never waits for a disk.
* Reads are plain synchronous methods. They may run on any thread; a backend gives each thread its own
  connection.
* A backend reports "cannot write or read now, retry later" (disk full, I/O error, database locked or
  unreachable) as ``StoreUnavailable``, and "this operation can never succeed" (a bug or bad data) as
  ``OperationRejected``. The writer keeps and retries the first, drops and logs the second.
* Times are wall-clock epoch seconds passed in by the caller; latencies are seconds. The store reads
  no clock.

The embedded backend is ``smpp_gateway.store.sqlite.SqliteStore``; scale-out backends (Redis for the
shared state, PostgreSQL for the records) implement the same ``Store`` protocol.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol, TypeAlias

from ..smpp.frozen import fast_init
from .probes import (
    HandsetReportRecord,
    HandsetReportsPurge,
    ProbeRecord,
    ProbeSettlement,
    ProbesPurge,
    ProbeVerdict,
    ProbeVerdictsCleared,
    ProbeVerdictsPurge,
)


class StoreError(Exception):
    """Base of the store's errors."""


class StoreUnavailable(StoreError):
    """The store cannot take writes (or answer reads) now: disk full, I/O error, locked, unreachable.

    Transient by contract: the operation is kept and retried, and the gateway refuses new traffic with
    a retryable status meanwhile.
    """


class OperationRejected(StoreError):
    """The store refused one operation for good (constraint violation, bad value): a bug, not an outage."""


class Outcome(StrEnum):
    """What became of a submitted message, as the client was told."""

    ACCEPTED = "accepted"  # a carrier accepted it; the client got our message_id
    REJECTED = "rejected"  # a check refused it; the client got the check's status
    FAILED = "failed"  # no route, or every candidate refused or timed out; the client may retry


class PendingKind(StrEnum):
    RECEIPT = "receipt"
    MO = "mo"


@fast_init
@dataclass(frozen=True, slots=True, kw_only=True)
class MessageRecord:
    """Everything the gateway decided about one (possibly concatenated) message.

    The carrier fields describe the last carrier attempt; earlier attempts that failed over to another
    route are ``AttemptRecord``s. ``source*`` is the sender as the client sent it, ``sent_source*`` as
    the carrier got it (None when the message never left). ``reasons`` holds check verdicts and rewrite
    notes ("sender.ton_npi: corrected 5/0"). ``carrier_status`` None with ``timed_out`` means no answer.
    """

    gateway_id: str
    account: str
    received_at: float
    source: str
    destination: str
    source_ton: int = 0
    source_npi: int = 0
    outcome: Outcome = Outcome.ACCEPTED
    status: int = 0
    reasons: tuple[str, ...] = ()
    parts: int = 1
    message_class: str | None = None
    is_probe: bool = False
    route: str | None = None
    carrier: str | None = None
    carrier_message_id: str | None = None
    sent_source: str | None = None
    sent_source_ton: int | None = None
    sent_source_npi: int | None = None
    carrier_status: int | None = None
    timed_out: bool = False
    submit_latency: float | None = None
    attempts: int = 0
    submitted_at: float | None = None
    receipt_state: int | None = None
    receipt_at: float | None = None
    receipt_latency: float | None = None


@fast_init
@dataclass(frozen=True, slots=True, kw_only=True)
class AttemptRecord:
    """A carrier attempt that did not end the message's journey: an error or a timeout that was
    followed by another candidate route. Route KPIs count it with the message's last attempt."""

    gateway_id: str
    route: str
    carrier: str
    started_at: float
    carrier_status: int | None = None
    timed_out: bool = False
    latency: float | None = None
    is_probe: bool = False


@fast_init
@dataclass(frozen=True, slots=True, kw_only=True)
class CarrierResult:
    """Update a recorded message with the outcome of its (last) carrier attempt."""

    gateway_id: str
    outcome: Outcome
    status: int
    route: str | None
    carrier: str | None
    carrier_message_id: str | None = None
    sent_source: str | None = None
    sent_source_ton: int | None = None
    sent_source_npi: int | None = None
    carrier_status: int | None = None
    timed_out: bool = False
    submit_latency: float | None = None
    attempts: int = 1
    submitted_at: float | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ReceiptUpdate:
    """Record the receipt a carrier sent for a message (message_state value, when, delay since submit)."""

    gateway_id: str
    receipt_state: int
    receipt_at: float
    receipt_latency: float | None


@fast_init
@dataclass(frozen=True, slots=True, kw_only=True)
class IdMapping:
    """Our message_id for one part <-> the carrier's id for it: how a receipt finds its client.

    ``carrier_message_id`` is stored and looked up normalised (``normalize_carrier_id``). When a carrier
    reuses an id, the lookup finds the newest mapping.
    """

    gateway_id: str
    carrier: str
    carrier_message_id: str
    account: str
    route: str
    submitted_at: float
    registered_delivery: int = 0
    source: str = ""
    destination: str = ""
    part_index: int = 1
    part_count: int = 1
    is_probe: bool = False


@fast_init
@dataclass(frozen=True, slots=True, kw_only=True)
class PendingDelivery:
    """A receipt or MO message stored for a client that is not bound (or did not acknowledge it).

    ``payload`` is opaque to the store: the caller's serialisation of the deliver_sm to send (the
    receipts module encodes it with the SMPP codec). ``pending_id`` is assigned by the store when it
    stores the delivery (its value on insert is ignored); an account's deliveries come out in
    ``pending_id`` order.
    """

    kind: PendingKind
    account: str
    payload: bytes
    created_at: float
    next_attempt_at: float
    expires_at: float
    gateway_id: str | None = None
    attempts: int = 0
    last_error: str | None = None
    pending_id: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class PendingDone:
    """The client acknowledged a pending delivery: forget it."""

    pending_id: int


@dataclass(frozen=True, slots=True, kw_only=True)
class PendingRetry:
    """The delivery failed (error status or timeout): attempts + 1, try again at ``next_attempt_at``."""

    pending_id: int
    next_attempt_at: float
    last_error: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class PendingExpired:
    """The delivery ran out of attempts or time: drop it (the caller counts it)."""

    pending_id: int


@dataclass(frozen=True, slots=True, kw_only=True)
class OptOut:
    """A number that asked to stop receiving marketing from an account or a sender.

    An empty ``account`` or ``sender`` is a wildcard: ("33612345678", "demo", "") blocks every sender of
    the account ``demo``.
    """

    number: str
    account: str = ""
    sender: str = ""
    created_at: float = 0.0
    origin: str = "mo"  # "mo" (a STOP message) or "operator"


@dataclass(frozen=True, slots=True, kw_only=True)
class OptOutRemoval:
    number: str
    account: str = ""
    sender: str = ""


WriteOp: TypeAlias = (
    MessageRecord
    | AttemptRecord
    | CarrierResult
    | ReceiptUpdate
    | IdMapping
    | PendingDelivery
    | PendingDone
    | PendingRetry
    | PendingExpired
    | OptOut
    | OptOutRemoval
    # route testing (store/probes.py)
    | ProbeRecord
    | ProbeSettlement
    | ProbeVerdictsCleared
    | ProbeVerdict
    | HandsetReportRecord
    | ProbesPurge
    | ProbeVerdictsPurge
    | HandsetReportsPurge
)


@dataclass(frozen=True, slots=True, kw_only=True)
class PurgeResult:
    """Rows deleted by one retention batch, per table."""

    messages: int = 0
    attempts: int = 0
    mappings: int = 0
    expired_receipts: int = 0
    expired_mo: int = 0

    @property
    def total(self) -> int:
        return self.messages + self.attempts + self.mappings + self.expired_receipts + self.expired_mo

    @property
    def busiest(self) -> int:
        """The most rows one table gave up in this batch: a full batch means more may be waiting."""
        return max(self.messages, self.attempts, self.mappings, self.expired_receipts + self.expired_mo)

    def __add__(self, other: PurgeResult) -> PurgeResult:
        return PurgeResult(
            messages=self.messages + other.messages,
            attempts=self.attempts + other.attempts,
            mappings=self.mappings + other.mappings,
            expired_receipts=self.expired_receipts + other.expired_receipts,
            expired_mo=self.expired_mo + other.expired_mo,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Percentiles:
    count: int = 0
    p50: float | None = None
    p95: float | None = None
    p99: float | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class RouteStats:
    """Route KPIs over a window (docs: domain.md "Route KPIs"), from records only (no probes' verdicts).

    ``messages`` counts messages whose last attempt used the route; ``submits`` every submit_sm sent
    through it, failed-over attempts included. ``carrier_errors`` maps a non-zero submit_sm_resp status
    to its count. ``receipts`` counts accepted messages by receipt outcome: delivered, undeliverable,
    expired, rejected, other (deleted, unknown, accepted, skipped) and none (no final receipt yet).
    """

    route: str
    messages: int
    submits: int
    carrier_errors: dict[int, int]
    timeouts: int
    submit_latency: Percentiles
    receipts: dict[str, int]
    receipt_delay: Percentiles
    sender_rewrites: int


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageStory:
    """All the store knows about one gateway message id, for `report messages --id`."""

    record: MessageRecord | None
    attempts: tuple[AttemptRecord, ...]
    mappings: tuple[IdMapping, ...]
    pending: tuple[PendingDelivery, ...]


def normalize_carrier_id(carrier_message_id: str) -> str:
    """The form carrier ids are stored and looked up in: carriers write the same id in submit_sm_resp
    and in receipts with different case, padding and leading zeros ("0A1f" vs "a1F", "00123" vs "123")."""
    value = carrier_message_id.strip().strip("\x00").lower()
    stripped = value.lstrip("0")
    return stripped if stripped else ("0" if value else "")


class Store(Protocol):
    """The storage interface the gateway, the receipts module and the reports use."""

    def write(self, ops: Sequence[WriteOp]) -> list[int]:
        """Apply ``ops`` in order, atomically; return the ids assigned to the PendingDelivery operations,
        in order. Raises StoreUnavailable or OperationRejected."""
        ...

    def message(self, gateway_id: str) -> MessageRecord | None: ...

    def message_story(self, gateway_id: str) -> MessageStory | None: ...

    def mapping_by_carrier_id(self, carrier: str, carrier_message_id: str) -> IdMapping | None: ...

    def mappings_for(self, gateway_id: str) -> list[IdMapping]: ...

    def due_pending(self, account: str, now: float, limit: int) -> list[PendingDelivery]:
        """Pending deliveries of ``account`` whose next attempt is due, oldest first (expired included:
        the caller expires them)."""
        ...

    def pending_count(self, account: str) -> int: ...

    def pending_counts(self) -> dict[PendingKind, int]: ...

    def trim_pending(self, account: str, keep: int) -> int:
        """Drop the oldest pending deliveries of ``account`` beyond the newest ``keep``; return how many."""
        ...

    def is_opted_out(self, number: str, account: str, sender: str) -> bool: ...

    def opt_outs(self, account: str | None = None) -> list[OptOut]: ...

    def purge(self, before: float, now: float, batch_size: int) -> PurgeResult:
        """One bounded retention batch: at most ``batch_size`` rows per table older than ``before``, and
        pending deliveries that expired by ``now``."""
        ...

    def route_report(
        self, since: float, until: float, *, include_probes: bool = False
    ) -> list[RouteStats]: ...

    def close(self) -> None: ...
