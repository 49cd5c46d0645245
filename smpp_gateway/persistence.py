"""GatewayStore: what the gateway asks of storage, in the gateway's words, over ``StoreWriter``.

The hot path only appends record values and, before it acknowledges a client, awaits ``durable()``
(the writer's group-commit barrier). Recent id mappings are also kept in a bounded in-memory map:
a fast carrier's receipt can arrive before the batch holding its mapping is committed, and a receipt
lookup should not cost a read when the mapping is a second old.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .config import StoreConfig
from .forwarding import ForwardResult, OutboundPdu
from .message import Message
from .metrics import Metrics
from .receipts import StoredItem
from .records import StoreWriter
from .smpp import codec
from .smpp.frozen import fast_init
from .smpp.pdu import Request
from .smpp.receipt import IdFormat, normalize_message_id
from .store import (
    AttemptRecord,
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
from .store.sqlite import SqliteStore

log = logging.getLogger(__name__)

# Recent mappings kept in memory (about 540 bytes each with their keys): 50,000 is 27 MB, and covers
# the receipts of the last 5 s at 10,000 msg/s, half a minute at the rates measured here; later
# receipts are read from the store, which is the durable copy anyway. 200,000 cost 108 MB, over half
# of the gateway's memory budget (docs/benchmarks.md, Memory).
RECENT_MAPPINGS = 50_000
RETENTION_INTERVAL = 600.0
# How long a receipt for a carrier id we do not know waits, while forwards are under way, for one of
# them to record it (see forward_started). The submit's task records its mapping in the loop turn
# after the carrier's answer is read: milliseconds, unless the loop is stalled.
MAPPING_GRACE = 2.0


@fast_init
@dataclass(frozen=True, slots=True)
class SubmitFacts:
    """What is common to every part of one forwarded (or failed) message."""

    message: Message
    result: ForwardResult
    reasons: tuple[str, ...]
    submitted_at: float


class GatewayStore:
    def __init__(self, config: StoreConfig, metrics: Metrics, wall_clock: Callable[[], float]) -> None:
        self.config = config
        self.metrics = metrics
        self.wall_clock = wall_clock
        self._store: SqliteStore | None = None
        self._writer: StoreWriter | None = None
        self._recent: OrderedDict[tuple[str, str], IdMapping] = OrderedDict()
        self._by_gateway_id: dict[str, IdMapping] = {}
        self._retention: asyncio.Task[None] | None = None
        self._barrier_waiters: list[asyncio.Future[None]] | None = None
        self._unrecorded_forwards = 0  # see forward_started
        self._mapping_waiters: dict[tuple[str, str], list[asyncio.Future[IdMapping]]] = {}
        # carrier name -> how it writes ids in submit_sm_resp (CarrierConfig.id_format); set by the gateway.
        self.id_formats: dict[str, IdFormat] = {}

    @property
    def writer(self) -> StoreWriter:
        if self._writer is None:
            raise RuntimeError("store not started")
        return self._writer

    @property
    def healthy(self) -> bool:
        return self._writer is not None and self._writer.healthy

    async def start(self) -> None:
        self.config.path.parent.mkdir(parents=True, exist_ok=True)
        self._store = SqliteStore(self.config.path, cache_mib=self.config.cache_mib)
        self._writer = StoreWriter(self._store, on_health_change=self._health_changed)
        self._writer.start(asyncio.get_running_loop())
        self.metrics.store_healthy.set(1)
        self._retention = asyncio.create_task(self._retain(), name="store-retention")

    async def close(self, timeout: float) -> None:
        if self._retention is not None:
            self._retention.cancel()
            await asyncio.gather(self._retention, return_exceptions=True)
        if self._writer is not None:
            left = await self._writer.close(timeout)
            if left:
                log.error("store closed with %d operations unwritten", left)
        if self._store is not None:
            self._store.close()

    def _health_changed(self, healthy: bool) -> None:
        self.metrics.store_healthy.set(1 if healthy else 0)
        if healthy:
            log.warning("store recovered: accepting traffic again")
        else:
            log.error("store unavailable: refusing traffic with a retryable status until it recovers")

    async def durable(self) -> None:
        """Return when everything appended so far is committed.

        Every caller in one event-loop pass shares one writer barrier: the barrier is issued by a
        callback that runs after the appends already queued, so it covers them all, and a caller that
        appends after it was issued waits for the next one. One barrier per pass, not per message;
        each caller waits on its own future, so a cancelled caller leaves the others waiting.
        """
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[None] = loop.create_future()
        waiters = self._barrier_waiters
        if waiters is None:
            waiters = self._barrier_waiters = []
            loop.call_soon(self._issue_barrier)
        waiters.append(waiter)
        await waiter

    def _issue_barrier(self) -> None:
        waiters, self._barrier_waiters = self._barrier_waiters, None
        if not waiters:
            return
        task = asyncio.ensure_future(self.writer.barrier())

        def settle(done: asyncio.Future[None]) -> None:
            error = None if done.cancelled() else done.exception()
            for waiter in waiters:
                if waiter.done():  # its caller was cancelled
                    continue
                if done.cancelled():  # the writer is closing
                    waiter.cancel()
                elif error is not None:
                    waiter.set_exception(error)
                else:
                    waiter.set_result(None)

        task.add_done_callback(settle)

    # --- submits --------------------------------------------------------------------------------

    def forward_started(self) -> None:
        """A forward is under way, and ``forward_recorded`` follows once its ``record_submit`` ran.

        In between, the carrier may already have sent the message's receipt: on another bind, or in
        the same read as its submit_sm_resp, ahead of the submit's task. While any forward is in that
        state, ``mapping`` waits (up to MAPPING_GRACE) for an id it does not know instead of answering
        None, so such a receipt is delivered, not dropped as unknown."""
        self._unrecorded_forwards += 1

    def forward_recorded(self) -> None:
        self._unrecorded_forwards -= 1

    def record_rejected(
        self, gateway_id: str, message: Message, status: int, reasons: tuple[str, ...]
    ) -> None:
        self.writer.append(_record(gateway_id, message, Outcome.REJECTED, status, reasons))

    def record_submit(self, gateway_id: str, pdu: OutboundPdu, part_index: int, facts: SubmitFacts) -> None:
        result, message = facts.result, facts.message
        accepted = result.accepted and result.part_statuses[part_index] == 0
        status = result.part_statuses[part_index] if result.part_statuses else result.status
        last = result.attempts[-1] if result.attempts else None
        sent = result.sent_source
        reasons = facts.reasons + (
            (f"sender rewrite: {result.rewrite_reason}",) if result.rewrite_reason else ()
        )
        record = _record(
            gateway_id,
            message,
            Outcome.ACCEPTED if accepted else Outcome.FAILED,
            status,
            reasons,
            route=last.route if last else None,
            carrier=last.carrier if last else None,
            carrier_message_id=result.carrier_message_ids[part_index] if accepted else None,
            sent_source=sent.addr if sent else None,
            sent_source_ton=sent.ton if sent else None,
            sent_source_npi=sent.npi if sent else None,
            carrier_status=last.status if last else None,
            timed_out=bool(last and last.error == "timeout"),
            submit_latency=result.latency,
            attempts=len(result.attempts),
            submitted_at=facts.submitted_at,
            parts=message.parts,
        )
        writer = self.writer
        writer.append(record)
        for attempt in result.attempts[:-1]:
            writer.append(
                AttemptRecord(
                    gateway_id=gateway_id,
                    route=attempt.route,
                    carrier=attempt.carrier,
                    started_at=facts.submitted_at,
                    carrier_status=attempt.status,
                    timed_out=attempt.error == "timeout",
                    is_probe=message.is_probe,
                )
            )
        if accepted and result.candidate is not None:
            mapping = IdMapping(
                gateway_id=gateway_id,
                carrier=result.candidate.carrier,
                carrier_message_id=normalize_carrier_id(
                    normalize_message_id(
                        result.carrier_message_ids[part_index],
                        self.id_formats.get(result.candidate.carrier, "text"),
                    )
                ),
                account=message.account,
                route=result.candidate.route.name,
                submitted_at=facts.submitted_at,
                registered_delivery=pdu.registered_delivery,
                source=pdu.source_addr,
                destination=pdu.destination_addr,
                part_index=part_index + 1,
                part_count=message.parts,
                is_probe=message.is_probe,
            )
            writer.append(mapping)
            self._remember(mapping)

    def _remember(self, mapping: IdMapping) -> None:
        key = (mapping.carrier, mapping.carrier_message_id)
        self._recent[key] = mapping
        self._by_gateway_id[mapping.gateway_id] = mapping
        if self._mapping_waiters:  # a receipt that overtook this submit's answer
            for waiter in self._mapping_waiters.pop(key, ()):
                if not waiter.done():
                    waiter.set_result(mapping)
        if len(self._recent) > RECENT_MAPPINGS:
            _, oldest = self._recent.popitem(last=False)
            self._by_gateway_id.pop(oldest.gateway_id, None)

    async def mapping(self, carrier: str, carrier_message_id: str) -> IdMapping | None:
        key = (carrier, normalize_carrier_id(carrier_message_id))
        found = self._recent.get(key)
        if found is not None:
            return found
        found = await self.writer.run_read(lambda store: store.mapping_by_carrier_id(*key))
        if found is None and self._unrecorded_forwards:
            found = await self._mapping_recorded(key)
        return found

    async def _mapping_recorded(self, key: tuple[str, str]) -> IdMapping | None:
        """The mapping of ``key`` once a forward under way records it; None after MAPPING_GRACE."""
        found = self._recent.get(key)  # recorded while the store was read
        if found is not None:
            return found
        waiter: asyncio.Future[IdMapping] = asyncio.get_running_loop().create_future()
        waiters = self._mapping_waiters.setdefault(key, [])
        waiters.append(waiter)
        try:
            async with asyncio.timeout(MAPPING_GRACE):
                return await waiter
        except TimeoutError:
            return None
        finally:
            if waiter in waiters:
                waiters.remove(waiter)
                if not waiters and self._mapping_waiters.get(key) is waiters:
                    del self._mapping_waiters[key]

    async def mapping_by_gateway_id(self, gateway_id: str, account: str) -> IdMapping | None:
        found = self._by_gateway_id.get(gateway_id)
        if found is None:
            mappings = await self.writer.run_read(lambda store: store.mappings_for(gateway_id))
            found = mappings[0] if mappings else None
        return found if found is not None and found.account == account else None

    def record_receipt(self, gateway_id: str, state: int, at: float, delay: float | None) -> None:
        self.writer.append(
            ReceiptUpdate(gateway_id=gateway_id, receipt_state=state, receipt_at=at, receipt_latency=delay)
        )

    async def message_state(self, gateway_id: str, account: str) -> tuple[int, str, int] | None:
        record = await self.writer.run_read(lambda store: store.message(gateway_id))
        if record is None or record.account != account or record.outcome is not Outcome.ACCEPTED:
            return None
        state = record.receipt_state if record.receipt_state is not None else 1  # ENROUTE until a receipt
        final_date = _smpp_time(record.receipt_at) if record.receipt_at is not None else ""
        return state, final_date, 0

    async def story(self, gateway_id: str) -> dict[str, Any] | None:
        story = await self.writer.run_read(lambda store: store.message_story(gateway_id))
        if story is None:
            return None
        from dataclasses import asdict

        document = asdict(story)
        for item in document.get("pending", ()):
            item.pop("payload", None)
        return document

    # --- store-and-forward ----------------------------------------------------------------------

    async def enqueue(
        self, account: str, kind: str, pdu: Request, now: float, gateway_id: str | None = None
    ) -> StoredItem:
        """Store a receipt or MO for delivery; return it once committed, as the outbox delivers it.
        ``gateway_id``: the message a stored receipt is about, so its story lists the receipt."""
        expires_at = now + self.config.pending_expiry
        payload = codec.encode(pdu)
        pending_id = await self.writer.commit(
            PendingDelivery(
                kind=PendingKind(kind),
                account=account,
                payload=payload,
                created_at=now,
                next_attempt_at=now,
                expires_at=expires_at,
                gateway_id=gateway_id,
            )
        )
        assert pending_id is not None  # the store numbers every PendingDelivery it keeps
        return StoredItem(pending_id, kind, payload, 0, expires_at, request=pdu)

    async def pending(self, account: str, limit: int, now: float) -> list[StoredItem]:
        await self.writer.barrier()  # acknowledgements of earlier items are committed before we re-read
        rows = await self.writer.run_read(lambda store: store.due_pending(account, now, limit))
        return [
            StoredItem(row.pending_id or 0, row.kind.value, row.payload, row.attempts, row.expires_at)
            for row in rows
        ]

    def delivered(self, item_id: int) -> None:
        self.writer.append(PendingDone(pending_id=item_id))

    def retry_later(self, item_id: int, attempts: int, next_attempt_at: float) -> None:
        self.writer.append(PendingRetry(pending_id=item_id, next_attempt_at=next_attempt_at))

    def expired(self, item_id: int) -> None:
        self.writer.append(PendingExpired(pending_id=item_id))

    # --- opt-outs -------------------------------------------------------------------------------

    def add_opt_out(self, number: str, account: str, sender: str, origin: str = "mo") -> None:
        self.writer.append(
            OptOut(number=number, account=account, sender=sender, created_at=self.wall_clock(), origin=origin)
        )

    def remove_opt_out(self, number: str, account: str, sender: str) -> None:
        self.writer.append(OptOutRemoval(number=number, account=account, sender=sender))

    async def opt_outs(self) -> list[OptOut]:
        return await self.writer.run_read(lambda store: store.opt_outs())

    async def _retain(self) -> None:
        while True:
            await asyncio.sleep(RETENTION_INTERVAL)
            now = self.wall_clock()
            try:
                done = await self.writer.purge(now - self.config.retention_days * 86400, now)
            except Exception as error:  # retention is housekeeping: log and try again next round
                log.warning("retention failed: %s", error)
                continue
            if done.total:
                log.info("retention removed %d rows", done.total)


def _record(
    gateway_id: str, message: Message, outcome: Outcome, status: int, reasons: tuple[str, ...], **fields: Any
) -> MessageRecord:
    return MessageRecord(
        gateway_id=gateway_id,
        account=message.account,
        received_at=message.received_at,
        source=message.source.addr,
        destination=message.destination.addr,
        source_ton=message.source.ton,
        source_npi=message.source.npi,
        outcome=outcome,
        status=status,
        reasons=reasons,
        message_class=message.message_class.value if message.message_class else None,
        is_probe=message.is_probe,
        **fields,
    )


def _smpp_time(epoch: float) -> str:
    """An absolute SMPP time (YYMMDDhhmmss t nn p) in UTC."""
    from datetime import UTC, datetime

    moment = datetime.fromtimestamp(epoch, UTC)
    return moment.strftime("%y%m%d%H%M%S") + f"{moment.microsecond // 100000}00+"
