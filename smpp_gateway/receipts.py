"""Receipts and MO, carrier to client: id mapping, rewriting, store-and-forward.

Every receipt or MO that must reach a client is first stored durably (group-committed with its
neighbours), then the carrier gets its deliver_sm_resp, then a per-account ``Outbox`` delivers it to a
receiver/transceiver bind of the account, in order, and deletes it when the client acknowledges.
Consequences: a gateway crash between the carrier's deliver_sm and our deliver_sm_resp makes the
carrier resend (it never got the resp); a crash after it finds the item in the store at start. A client
that times out after processing a deliver_sm gets it again (at-least-once, as every SMSC does).

Retries: a client's error or silence reschedules the item with a growing delay, up to
``MAX_ATTEMPTS``; items past their expiry are dropped and counted.

Memory hand-off: the store is the durable copy, but an item just committed need not be read back.
``Outbox.stored(item)`` queues it in memory when the outbox knows the store holds nothing older for
it (``_more_in_store`` false, the queue below ``MEMORY_BATCH``); otherwise it marks the store as
holding more, and the item is read with the others, in id order. Items committed while a read is in
flight are kept aside and queued after it unless the read returned them. An item is thus either in
memory or read from the store, never both: a read happens only with the queue empty and nothing in
flight, after a barrier, so what was delivered is no longer pending in it.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from .clients import ClientBind, ClientRegistry
from .metrics import Metrics
from .smpp import codec
from .smpp.constants import CommandStatus, MessageState
from .smpp.pdu import DataSm, DeliverSm, Request
from .smpp.receipt import Receipt, rewrite_receipt_id
from .transport.connection import LinkLost, RequestRejected, RequestTimeout

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 10
RETRY_BASE = 2.0
RETRY_MAX = 300.0
# Items read from the store per batch (in id order, so in arrival order).
MEMORY_BATCH = 500
# Deliveries in flight per account. One at a time, a client 1 ms away would cap an account at 1,000
# receipts/s; pipelined like submits, the link is the limit. Within the server session's outbound
# window (transport/server.py, DELIVERY_WINDOW), so a send is never refused for a full window.
OUTBOX_WINDOW = 40


class DeliveryStore(Protocol):
    async def pending(self, account: str, limit: int, now: float) -> list[StoredItem]: ...

    def delivered(self, item_id: int) -> None: ...

    def retry_later(self, item_id: int, attempts: int, next_attempt_at: float) -> None: ...

    def expired(self, item_id: int) -> None: ...


@dataclass(frozen=True, slots=True)
class StoredItem:
    item_id: int
    kind: str
    pdu: bytes
    attempts: int
    expires_at: float
    request: Request | None = None  # ``pdu`` decoded, when the item was handed over in memory


def _settle(sending: set[asyncio.Task[bool]]) -> bool:
    """Forget the finished deliveries; False if one of them found the bind broken."""
    finished = {task for task in sending if task.done()}
    sending -= finished
    return all(task.result() for task in finished)


def wants_receipt(registered_delivery: int, state: MessageState) -> bool:
    """Did the client ask for this receipt? bits 1-0: 1 = every final outcome, 2 = failures only."""
    request = registered_delivery & 0x03
    if request == 1:
        return True
    if request == 2:
        return state is not MessageState.DELIVERED
    return False


def client_receipt(pdu: DeliverSm | DataSm, receipt: Receipt, gateway_id: str, client_source: str) -> Request:
    """The receipt as the client must see it: our id, and the sender it submitted (not a rewrite)."""
    # The TypeVar of rewrite_receipt_id is constrained: a union argument needs one branch per member.
    rewritten: DeliverSm | DataSm
    if isinstance(pdu, DeliverSm):
        rewritten = rewrite_receipt_id(pdu, gateway_id)
    else:
        rewritten = rewrite_receipt_id(pdu, gateway_id)
    return rewritten.evolve(sequence_number=0, destination_addr=client_source)


class Outbox:
    """Delivers one account's stored receipts and MO, in order, to whichever receiver bind it has."""

    def __init__(
        self,
        account: str,
        store: DeliveryStore,
        registry: ClientRegistry,
        metrics: Metrics,
        clock: Callable[[], float],
    ) -> None:
        self.account = account
        self.store = store
        self.registry = registry
        self.metrics = metrics
        self.clock = clock
        self._queue: deque[StoredItem] = deque()
        self._more_in_store = True  # at start, anything may be waiting in the store
        # While a read of the store is in flight: the items committed meanwhile (the read may or may
        # not see them), and whether one came beyond MEMORY_BATCH.
        self._offered: list[StoredItem] | None = None
        self._missed = False
        self._wakeup = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def stored(self, item: StoredItem) -> None:
        """``item`` is committed to the store for this account; it need not be read back (see the
        module docstring, Memory hand-off)."""
        offered = self._offered
        if offered is not None:  # a read is in flight
            if len(offered) >= MEMORY_BATCH:
                self._missed = True
            else:
                offered.append(item)
        elif not self._more_in_store and len(self._queue) < MEMORY_BATCH:
            self._queue.append(item)
        else:
            self._more_in_store = True
        self.kick()

    def kick(self) -> None:
        self._wakeup.set()
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name=f"outbox:{self.account}")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _run(self) -> None:
        sending: set[asyncio.Task[bool]] = set()
        try:
            while True:
                client = self.registry.receiver(self.account)
                if client is None:
                    return  # ClientSide kicks us again when a receiver binds
                if not self._queue and sending:
                    # The store is read again only once what is in flight has been acknowledged (or
                    # rescheduled): a read before would hand out those items a second time.
                    await asyncio.wait(sending)
                    if not _settle(sending):
                        return
                    continue
                item = await self._next_item()
                if item is None:
                    # Idle until kicked, or RETRY_BASE: rescheduled items may be due by then. A timer,
                    # not wait_for: fed item by item, the outbox idles once per item.
                    self._wakeup.clear()
                    timer = asyncio.get_running_loop().call_later(RETRY_BASE, self._look_again)
                    try:
                        await self._wakeup.wait()
                    finally:
                        timer.cancel()
                    continue
                while len(sending) >= OUTBOX_WINDOW:
                    await asyncio.wait(sending, return_when=asyncio.FIRST_COMPLETED)
                    if not _settle(sending):  # the bind failed: this item waits for the next one
                        self._queue.appendleft(item)
                        if sending:
                            await asyncio.wait(sending)
                        return
                sending.add(asyncio.ensure_future(self._deliver(client, item)))
        finally:
            for task in sending:  # only when stopped: a normal return has waited for them
                task.cancel()

    def _look_again(self) -> None:
        self._more_in_store = True
        self._wakeup.set()

    async def _next_item(self) -> StoredItem | None:
        if not self._queue and self._more_in_store:
            self._offered, self._missed = [], False
            try:
                items = await self.store.pending(self.account, MEMORY_BATCH, self.clock())
            finally:
                offered, self._offered = self._offered, None
            self._queue.extend(items)
            # Items committed during the read that it did not return: newer than all it returned.
            read = {item.item_id for item in items}
            fresh = [item for item in offered if item.item_id not in read]
            if self._missed or len(items) + len(fresh) >= MEMORY_BATCH:
                self._more_in_store = True  # the store has more: the next read finds them in order
            else:
                self._queue.extend(fresh)
                self._more_in_store = False
        return self._queue.popleft() if self._queue else None

    async def _deliver(self, client: ClientBind, item: StoredItem) -> bool:
        """Send one item; False when the bind failed and the loop should wait for another."""
        if item.expires_at <= self.clock():
            self.store.expired(item.item_id)
            self.metrics.deliveries.labels(item.kind, "expired").inc()
            return True
        pdu = item.request if item.request is not None else codec.decode(item.pdu)
        assert isinstance(pdu, Request)
        try:
            response = await client.conn.request(pdu)
        except (LinkLost, RequestTimeout, RequestRejected) as error:
            log.info("%s: %s not acknowledged: %s", client.label, item.kind, error)
            self._retry(item)
            return False
        if response.command_status == CommandStatus.ESME_ROK:
            self.store.delivered(item.item_id)
            self.metrics.deliveries.labels(item.kind, "delivered").inc()
            return True
        self._retry(item)
        return True

    def _retry(self, item: StoredItem) -> None:
        attempts = item.attempts + 1
        if attempts >= MAX_ATTEMPTS:
            self.store.expired(item.item_id)
            self.metrics.deliveries.labels(item.kind, "gave_up").inc()
            return
        delay = min(RETRY_MAX, RETRY_BASE * 2**attempts)
        self.store.retry_later(item.item_id, attempts, self.clock() + delay)
        self.metrics.deliveries.labels(item.kind, "retried").inc()
        self._more_in_store = True
