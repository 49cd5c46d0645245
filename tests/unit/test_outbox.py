"""The Outbox: stored receipts/MO delivered to a bound client, pipelined, in order, never twice."""

from __future__ import annotations

import asyncio
from dataclasses import replace

from smpp_gateway.clients import ClientBind, ClientRegistry
from smpp_gateway.config import AccountConfig, BindType
from smpp_gateway.metrics import Metrics
from smpp_gateway.receipts import MEMORY_BATCH, OUTBOX_WINDOW, Outbox, StoredItem
from smpp_gateway.smpp import codec
from smpp_gateway.smpp.constants import CommandStatus
from smpp_gateway.smpp.pdu import DeliverSm, Request, Response
from smpp_gateway.transport.connection import LinkLost
from tests.polling import until


class MemoryStore:
    """The DeliveryStore contract over a dict: items stay until delivered or expired."""

    def __init__(self, count: int) -> None:
        self.items = {
            number: StoredItem(
                number, "receipt", codec.encode(DeliverSm(short_message=b"%d" % number)), 0, 1e12
            )
            for number in range(1, count + 1)
        }
        self.reads = 0
        self.retried: list[int] = []
        self.read_started = asyncio.Event()
        self.hold_reads: asyncio.Event | None = None  # set: reads wait for it (a read in flight)
        self.after_snapshot: set[int] = set()  # committed too late for the read in flight to see

    def commit(self, number: int) -> StoredItem:
        """What GatewayStore.enqueue does: the item is in the store, and returned with its request."""
        request = DeliverSm(short_message=b"%d" % number)
        self.items[number] = StoredItem(number, "receipt", codec.encode(request), 0, 1e12)
        return replace(self.items[number], request=request)

    async def enqueue(self, account: str, kind: str, pdu: bytes, now: float) -> None:
        raise NotImplementedError

    async def pending(self, account: str, limit: int, now: float) -> list[StoredItem]:
        self.reads += 1
        self.read_started.set()
        if self.hold_reads is not None:
            await self.hold_reads.wait()
        due = [
            item
            for number, item in sorted(self.items.items())
            if number not in self.retried and number not in self.after_snapshot
        ]
        self.after_snapshot.clear()
        return due[:limit]

    def delivered(self, item_id: int) -> None:
        del self.items[item_id]

    def retry_later(self, item_id: int, attempts: int, next_attempt_at: float) -> None:
        self.retried.append(item_id)

    def expired(self, item_id: int) -> None:
        del self.items[item_id]


class Client:
    """A client connection whose answers the test gives, one request at a time or all at once."""

    def __init__(self) -> None:
        self.sent: list[tuple[bytes, asyncio.Future[Response]]] = []
        self.peer_ip = "127.0.0.1"

    async def request(self, pdu: Request) -> Response:
        future: asyncio.Future[Response] = asyncio.get_running_loop().create_future()
        assert isinstance(pdu, DeliverSm)
        self.sent.append((pdu.short_message, future))
        return await future

    def answer_all(self, error: Exception | None = None) -> None:
        for _, future in self.sent:
            if not future.done():
                if error is None:
                    future.set_result(DeliverSm().make_response(CommandStatus.ESME_ROK))
                else:
                    future.set_exception(error)


def outbox_for(store: MemoryStore, client: Client) -> Outbox:
    account = AccountConfig(system_id="demo", password_hash="x")
    registry = ClientRegistry()
    registry.add(ClientBind(client, account, BindType.TRANSCEIVER))  # type: ignore[arg-type]
    return Outbox("demo", store, registry, Metrics(), clock=lambda: 1000.0)


async def test_deliveries_are_pipelined_up_to_the_window_in_store_order() -> None:
    store, client = MemoryStore(OUTBOX_WINDOW * 2 + 5), Client()
    outbox = outbox_for(store, client)
    outbox.kick()
    await until(lambda: len(client.sent) == OUTBOX_WINDOW)
    await asyncio.sleep(0.01)
    assert len(client.sent) == OUTBOX_WINDOW  # no more than the window before an answer
    while store.items:
        client.answer_all()
        await asyncio.sleep(0.001)
    await outbox.stop()
    assert [text for text, _ in client.sent] == [b"%d" % n for n in range(1, OUTBOX_WINDOW * 2 + 6)]


async def test_the_store_is_not_read_again_while_deliveries_are_in_flight() -> None:
    store, client = MemoryStore(3), Client()  # fewer than the window: the queue empties at once
    outbox = outbox_for(store, client)
    outbox.kick()
    await until(lambda: len(client.sent) == 3)
    await asyncio.sleep(0.01)
    assert store.reads == 1  # the three are in flight, still in the store: no second read
    client.answer_all()
    await until(lambda: not store.items)
    await asyncio.sleep(0.01)
    await outbox.stop()
    assert len(client.sent) == 3  # each delivered exactly once


async def test_a_broken_bind_stops_delivery_and_nothing_is_lost() -> None:
    store, client = MemoryStore(OUTBOX_WINDOW + 10), Client()
    outbox = outbox_for(store, client)
    outbox.kick()
    await until(lambda: len(client.sent) == OUTBOX_WINDOW)
    client.answer_all(LinkLost("gone"))
    await asyncio.sleep(0.05)
    assert len(client.sent) == OUTBOX_WINDOW  # nothing more was sent on the broken bind
    assert len(store.retried) == OUTBOX_WINDOW  # every unacknowledged item is rescheduled
    assert len(store.items) == OUTBOX_WINDOW + 10  # and none is gone
    task = outbox._task
    assert task is not None
    assert task.done()  # it stopped to wait for another bind...
    assert task.exception() is None  # ...and did not crash
    client.sent.clear()
    outbox.kick()  # a new bind: delivery resumes with what was not sent
    await until(lambda: len(client.sent) == 10)
    assert [text for text, _ in client.sent] == [
        b"%d" % n for n in range(OUTBOX_WINDOW + 1, OUTBOX_WINDOW + 11)
    ]
    await outbox.stop()


# --- memory hand-off --------------------------------------------------------------------------------


def answering(client: Client) -> asyncio.Task[None]:
    """Acknowledge whatever the client is sent, until cancelled."""

    async def answer() -> None:
        while True:
            client.answer_all()
            await asyncio.sleep(0.001)

    return asyncio.create_task(answer())


def texts(client: Client) -> list[bytes]:
    return [text for text, _ in client.sent]


async def test_committed_items_are_handed_over_in_memory_not_read_back() -> None:
    store, client = MemoryStore(0), Client()
    outbox = outbox_for(store, client)
    answers = answering(client)
    outbox.kick()
    await until(lambda: store.reads == 1)  # the start-up read: the store may hold older items
    for number in range(1, 201):
        outbox.stored(store.commit(number))
    await until(lambda: not store.items)
    await outbox.stop()
    answers.cancel()
    assert store.reads == 1  # none was read back
    assert texts(client) == [b"%d" % n for n in range(1, 201)]  # each once, in order


async def test_items_committed_during_a_read_are_delivered_once_whether_it_saw_them_or_not() -> None:
    store, client = MemoryStore(3), Client()
    store.hold_reads = asyncio.Event()
    outbox = outbox_for(store, client)
    answers = answering(client)
    outbox.kick()
    await store.read_started.wait()
    # 4 and 5 commit during the read: the read returns 4 (its snapshot saw the commit), not 5.
    outbox.stored(store.commit(4))
    outbox.stored(store.commit(5))
    store.after_snapshot.add(5)
    store.hold_reads.set()
    await until(lambda: not store.items)
    await asyncio.sleep(0.01)
    await outbox.stop()
    answers.cancel()
    assert sorted(texts(client)) == [b"1", b"2", b"3", b"4", b"5"]  # every one, none twice


async def test_beyond_a_memory_batch_items_are_read_from_the_store_in_order() -> None:
    store, client = MemoryStore(0), Client()  # a client that does not answer yet: the queue fills
    outbox = outbox_for(store, client)
    outbox.kick()
    await until(lambda: store.reads == 1)
    total = OUTBOX_WINDOW + MEMORY_BATCH + 50
    for number in range(1, total + 1):
        outbox.stored(store.commit(number))
    await until(lambda: len(client.sent) == OUTBOX_WINDOW)
    answers = answering(client)
    await until(lambda: not store.items)
    await asyncio.sleep(0.01)
    await outbox.stop()
    answers.cancel()
    assert store.reads == 2  # the ones beyond memory's bound came from the store
    assert texts(client) == [b"%d" % n for n in range(1, total + 1)]


async def test_after_a_retry_new_items_wait_for_the_store_and_are_not_sent_twice() -> None:
    store, client = MemoryStore(0), Client()
    outbox = outbox_for(store, client)
    outbox.kick()
    await until(lambda: store.reads == 1)
    outbox.stored(store.commit(1))
    await until(lambda: len(client.sent) == 1)
    client.sent[0][1].set_result(DeliverSm().make_response(CommandStatus.ESME_RSYSERR))  # rescheduled
    await until(lambda: store.retried == [1])
    outbox.stored(store.commit(2))  # the store now holds a rescheduled item: 2 is read, not handed over
    answers = answering(client)
    await until(lambda: 2 not in store.items)
    await asyncio.sleep(0.01)
    await outbox.stop()
    answers.cancel()
    assert store.reads == 2
    assert texts(client) == [b"1", b"2"]


async def test_items_committed_during_a_read_do_not_grow_memory_beyond_a_batch() -> None:
    store, client = MemoryStore(MEMORY_BATCH - 10), Client()
    store.hold_reads = asyncio.Event()
    outbox = outbox_for(store, client)
    answers = answering(client)
    outbox.kick()
    await store.read_started.wait()
    for number in range(MEMORY_BATCH - 9, MEMORY_BATCH + 11):  # 20 more, committed during the read
        outbox.stored(store.commit(number))
        store.after_snapshot.add(number)
    store.hold_reads.set()
    await until(lambda: not store.items)
    await asyncio.sleep(0.01)
    await outbox.stop()
    answers.cancel()
    assert store.reads == 2  # they did not fit beside the read's items: read from the store
    assert texts(client) == [b"%d" % n for n in range(1, MEMORY_BATCH + 11)]
