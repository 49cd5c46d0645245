"""Outbox: round robin over receiver binds, window, requeue on loss, transient vs permanent send errors."""

from __future__ import annotations

import asyncio
from typing import Any

from simulators.outbox import Outbox
from simulators.scheduler import BatchScheduler
from smpp_gateway.smpp.constants import CommandStatus
from smpp_gateway.smpp.errors import LocalProtocolError
from smpp_gateway.smpp.pdu import DeliverSm
from smpp_gateway.smpp.states import BindState


class FakeSession:
    def __init__(self) -> None:
        self.state = BindState.BOUND_TRX
        self.outstanding = 0


class FakeLink:
    """What the outbox uses of a Link: its session's state and window, send_requests_nowait."""

    def __init__(self, fail: int | None = None) -> None:
        self.session = FakeSession()
        self.sent: list[tuple[int, DeliverSm]] = []
        self.fail = fail
        self.outbox: Any = None
        self.next_sequence = 0

    def send_request_nowait(self, pdu: DeliverSm) -> int:
        if self.fail is not None:
            raise LocalProtocolError(self.fail, "refused")
        self.session.outstanding += 1
        self.sent.append((len(self.sent) + 1, pdu))
        return len(self.sent)

    def send_requests_nowait(self, pdus: list[DeliverSm]) -> list[int]:
        if self.fail is not None:  # all or nothing, as the session's batch
            raise LocalProtocolError(self.fail, "refused")
        return [self.send_request_nowait(pdu) for pdu in pdus]


def pdus(count: int) -> list[DeliverSm]:
    return [DeliverSm(source_addr=str(n)) for n in range(count)]


async def test_round_robin_window_and_answers() -> None:
    box = Outbox("gw", BatchScheduler(asyncio.get_running_loop()), window=2, limit=100)
    first, second = FakeLink(), FakeLink()
    box.attach(first)  # type: ignore[arg-type]
    box.attach(second)  # type: ignore[arg-type]
    for pdu in pdus(6):
        box.put(pdu)
    box.pump()
    assert (len(first.sent), len(second.sent), len(box)) == (2, 2, 2)
    box.answered(first, 1, CommandStatus.ESME_ROK)  # type: ignore[arg-type]
    first.session.outstanding -= 1
    box.pump()
    assert (len(first.sent), len(box), box.sent) == (3, 1, 1)


async def test_detach_requeues_in_flight_first() -> None:
    box = Outbox("gw", BatchScheduler(asyncio.get_running_loop()), window=5, limit=100)
    link = FakeLink()
    box.attach(link)  # type: ignore[arg-type]
    for pdu in pdus(3):
        box.put(pdu)
    box.pump()
    assert box.in_flight == 3
    box.detach(link)  # type: ignore[arg-type]
    assert (box.in_flight, len(box)) == (0, 3)
    again = FakeLink()
    box.attach(again)  # type: ignore[arg-type]
    box.pump()
    assert [pdu.source_addr for _, pdu in again.sent] == ["0", "1", "2"]


async def test_transient_send_errors_wait_permanent_ones_drop() -> None:
    box = Outbox("gw", BatchScheduler(asyncio.get_running_loop()), window=5, limit=100)
    busy = FakeLink(fail=CommandStatus.ESME_RMSGQFUL)
    box.attach(busy)  # type: ignore[arg-type]
    box.put(DeliverSm())
    box.pump()
    assert (len(box), box.dropped) == (1, 0)
    busy.fail = CommandStatus.ESME_RINVPARLEN
    box.pump()
    assert (len(box), box.dropped) == (0, 1)


async def test_queue_limit_drops_the_oldest() -> None:
    box = Outbox("gw", BatchScheduler(asyncio.get_running_loop()), window=5, limit=2)
    for pdu in pdus(3):
        box.put(pdu)
    assert (len(box), box.dropped) == (2, 1)


async def test_builders_get_the_links_next_sequence_number() -> None:
    sent: list[DeliverSm] = []
    box = Outbox("gw", BatchScheduler(asyncio.get_running_loop()), window=5, limit=10, on_sent=sent.append)
    link = FakeLink()
    box.attach(link)  # type: ignore[arg-type]
    asked: list[int] = []

    def build(sequence: int) -> DeliverSm:
        asked.append(sequence)
        return DeliverSm(sequence_number=sequence, source_addr="built")

    box.put(build)
    box.put(build)
    box.pump()
    assert asked == [0, 2]  # unknown before the first send; then learnt from what the session gave
    box.answered(link, 1, CommandStatus.ESME_ROK)  # type: ignore[arg-type]
    assert [pdu.source_addr for pdu in sent] == ["built"]


class BatchLink(FakeLink):
    """Records each batch; refuses (permanently) any PDU whose source_addr is ``bad``."""

    def __init__(self, bad: str = "") -> None:
        super().__init__()
        self.batches: list[list[str]] = []
        self.bad = bad

    def send_requests_nowait(self, pdus: list[DeliverSm]) -> list[int]:
        if any(pdu.source_addr == self.bad for pdu in pdus):
            raise LocalProtocolError(CommandStatus.ESME_RINVSRCADR, "cannot be encoded")
        self.batches.append([pdu.source_addr for pdu in pdus])
        return super().send_requests_nowait(pdus)


async def test_each_bind_gets_an_even_share_in_one_batch() -> None:
    box = Outbox("gw", BatchScheduler(asyncio.get_running_loop()), window=4, limit=100)
    first, second = BatchLink(), BatchLink()
    for link in (first, second):
        link.next_sequence = 1  # numbering known: batches from the first pump
        box.attach(link)  # type: ignore[arg-type]
    for pdu in pdus(6):
        box.put(pdu)
    box.pump()
    assert second.batches == [["0", "1", "2"]]  # the turn starts after the first bind
    assert first.batches == [["3", "4", "5"]]
    assert box.in_flight == 6


async def test_one_unsendable_pdu_is_dropped_alone_and_order_is_kept() -> None:
    box = Outbox("gw", BatchScheduler(asyncio.get_running_loop()), window=10, limit=100)
    link = BatchLink(bad="2")
    link.next_sequence = 1
    box.attach(link)  # type: ignore[arg-type]
    for pdu in pdus(5):
        box.put(pdu)
    box.pump()
    assert [source for batch in link.batches for source in batch] == ["0", "1", "3", "4"]
    assert (box.dropped, box.in_flight, len(box)) == (1, 4, 0)


async def test_a_batch_of_builders_gets_consecutive_numbers() -> None:
    box = Outbox("gw", BatchScheduler(asyncio.get_running_loop()), window=10, limit=10)
    link = FakeLink()
    box.attach(link)  # type: ignore[arg-type]
    asked: list[int] = []

    def build(sequence: int) -> DeliverSm:
        asked.append(sequence)
        return DeliverSm(sequence_number=sequence)

    for _ in range(4):
        box.put(build)
    box.pump()
    assert asked == [0, 2, 3, 4]  # one alone to learn the numbering, then a batch predicted from it
    assert [number for number, _ in link.sent] == [1, 2, 3, 4]
