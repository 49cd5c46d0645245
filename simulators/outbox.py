"""Receipts and MO toward the ESME: per system_id, round robin over its receiver binds, bounded.

Theory of operation:
* One ``Outbox`` per system_id. ``put`` queues a deliver_sm; ``pump`` sends while some receiver or
  transceiver bind of that system_id has room in its deliver window, taking binds in turn: each gets
  an even share of the queue in one batch (``send_requests_nowait``: one encode loop, one write).
* While no such bind is up the queue holds up to ``limit`` PDUs; beyond, the oldest is dropped and
  counted (a real SMSC expires undeliverable receipts too; the bound is what keeps memory flat).
* A deliver_sm answered with an error, timed out, or lost with its connection goes back to the front
  of the queue and is retried after a pause, at most ``MAX_ATTEMPTS`` times: SMSCs retry receipts,
  but not for ever.
* ``Link`` is the connection subclass that reports deliver_sm outcomes to the outbox: the plain
  ``SmppConnection`` only resolves futures, and a future (plus a task) per receipt is what this
  module exists to avoid.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable
from typing import cast

from smpp_gateway.smpp import events as ev
from smpp_gateway.smpp.constants import CommandStatus
from smpp_gateway.smpp.errors import LocalProtocolError
from smpp_gateway.smpp.pdu import DeliverSm
from smpp_gateway.smpp.session import MAX_SEQUENCE
from smpp_gateway.smpp.states import BindState
from smpp_gateway.transport.connection import SmppConnection

from .scheduler import BatchScheduler

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 10
RETRY_PAUSE = 1.0  # seconds before a refused deliver_sm is offered again
RECEIVING = frozenset({BindState.BOUND_RX, BindState.BOUND_TRX})
_TRANSIENT = frozenset({CommandStatus.ESME_RMSGQFUL, CommandStatus.ESME_RINVBNDSTS})
_OK = int(CommandStatus.ESME_ROK)


class Link(SmppConnection):
    """An SMSC-side connection that tells its outbox how each deliver_sm ended."""

    outbox: Outbox | None = None
    next_sequence = 0  # the session's next request number, learnt from each send (0: not known yet)
    black_hole = False  # set before the connection is made: never read from this peer

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        if self.black_hole:
            cast(asyncio.Transport, transport).pause_reading()

    def _on_response(self, event: ev.Event) -> None:
        assert isinstance(event, ev.ResponseReceived)
        if self._waiters:  # (none for a deliver_sm of the outbox: it is sent without a future)
            super()._on_response(event)
        request = event.request
        if self.outbox is not None and isinstance(request, DeliverSm):
            self.outbox.answered(self, request.sequence_number, event.response.command_status)

    def _on_request_failed(self, event: ev.Event) -> None:
        super()._on_request_failed(event)
        assert isinstance(event, ev.RequestFailed)
        if self.outbox is not None and isinstance(event.request, DeliverSm):
            self.outbox.answered(
                self, event.request.sequence_number, event.status or CommandStatus.ESME_RSYSERR
            )

    def _on_request_timed_out(self, event: ev.Event) -> None:
        super()._on_request_timed_out(event)
        assert isinstance(event, ev.RequestTimedOut)
        if self.outbox is not None and isinstance(event.request, DeliverSm):
            self.outbox.answered(self, event.request.sequence_number, CommandStatus.ESME_RSYSERR)


Build = Callable[[int], DeliverSm]  # the PDU, given the sequence number its session will give it


class _Item:
    __slots__ = ("attempts", "build", "pdu")

    def __init__(self, pdu: DeliverSm | Build) -> None:
        # A builder is called when the PDU is sent, with that link's next sequence number: the
        # session then sends the PDU as it is instead of copying it to renumber it.
        self.pdu: DeliverSm | None = pdu if isinstance(pdu, DeliverSm) else None
        self.build: Build | None = None if isinstance(pdu, DeliverSm) else pdu
        self.attempts = 0


class Outbox:
    def __init__(
        self,
        system_id: str,
        scheduler: BatchScheduler,
        *,
        window: int,
        limit: int,
        on_sent: Callable[[DeliverSm], None] | None = None,
    ) -> None:
        self.system_id = system_id
        self.window = window
        self.limit = limit
        self.dropped = 0
        self.sent = 0
        self._scheduler = scheduler
        self._on_sent = on_sent
        self._queue: deque[_Item] = deque()
        self._links: list[Link] = []
        self._turn = 0
        self._in_flight: dict[Link, dict[int, _Item]] = {}
        self._pump_scheduled = False

    def __len__(self) -> int:
        return len(self._queue)

    @property
    def in_flight(self) -> int:
        return sum(len(items) for items in self._in_flight.values())

    def put(self, pdu: DeliverSm | Build) -> None:
        queue = self._queue
        if len(queue) >= self.limit:
            queue.popleft()
            self.dropped += 1
        queue.append(_Item(pdu))
        if not self._pump_scheduled:
            self._request_pump()

    def attach(self, link: Link) -> None:
        """A receiver/transceiver bind of our system_id came up."""
        link.outbox = self
        self._links.append(link)
        self._in_flight[link] = {}
        self._request_pump()

    def detach(self, link: Link) -> None:
        """The bind is gone: what it had in flight goes back to the front of the queue."""
        if link in self._in_flight:
            self._links.remove(link)
            for item in reversed(list(self._in_flight.pop(link).values())):
                self._queue.appendleft(item)
            self._request_pump()

    def answered(self, link: Link, sequence: int, status: int) -> None:
        in_flight = self._in_flight.get(link)
        item = None if in_flight is None else in_flight.pop(sequence, None)
        if item is None:
            return
        if status == _OK:
            self.sent += 1
            if self._on_sent is not None and item.pdu is not None:
                self._on_sent(item.pdu)
        elif item.attempts >= MAX_ATTEMPTS:
            self.dropped += 1
            log.warning(
                "%s: deliver_sm refused %d times (last %#x); dropped", self.system_id, item.attempts, status
            )
        else:
            self._scheduler.call_later(RETRY_PAUSE, self._retry, item)
        if not self._pump_scheduled:
            self._request_pump()

    def pump(self) -> None:
        self._pump_scheduled = False
        queue, links = self._queue, self._links
        idle = 0  # consecutive binds without room: a full turn of them means stop
        share = -(-len(queue) // len(links)) if links else 0  # an even share per bind, rounded up
        while queue and links and idle < len(links):
            self._turn = (self._turn + 1) % len(links)
            link = links[self._turn]
            session = link.session
            room = self.window - session.outstanding if session.state in RECEIVING else 0
            if room <= 0:
                idle += 1
                continue
            # A share in one batch; a single PDU while the link's numbering is not known yet, so
            # that the builders of the next batch get it right.
            count = min(room, share, len(queue)) if link.next_sequence else 1
            left = self._hand_over(link, [queue.popleft() for _ in range(count)])
            if left:
                queue.extendleft(reversed(left))
                idle += 1
            else:
                idle = 0

    def _hand_over(self, link: Link, items: list[_Item]) -> list[_Item]:
        """Send ``items`` on ``link`` in one batch; returns those it cannot take now (in order)."""
        pdus, sequence = [], link.next_sequence
        for item in items:
            pdu = item.pdu if item.build is None else item.build(sequence)
            assert pdu is not None  # an item holds a PDU or a builder
            item.pdu = pdu
            pdus.append(pdu)
            if sequence:
                sequence = sequence + 1 if sequence < MAX_SEQUENCE else 1
        try:
            sequences = link.send_requests_nowait(pdus)
        except LocalProtocolError as error:
            if error.status in _TRANSIENT:  # the window or state changed under us: try later
                return items
            if len(items) > 1:  # one of them cannot be sent: find it, one at a time
                for index, item in enumerate(items):
                    if self._hand_over(link, [item]):
                        return items[index:]
                return []
            # The PDU itself cannot be sent (it would fail the same way for ever).
            self.dropped += 1
            log.warning("%s: deliver_sm dropped: %s", self.system_id, error)
            return []
        in_flight = self._in_flight[link]
        for item, number in zip(items, sequences, strict=True):
            item.attempts += 1
            in_flight[number] = item
        last = sequences[-1]
        link.next_sequence = last + 1 if last < MAX_SEQUENCE else 1
        return []

    def _request_pump(self) -> None:
        # Batched: one pump per scheduler tick however many receipts were queued or answered in it.
        if not self._pump_scheduled:
            self._pump_scheduled = True
            self._scheduler.call_later(0.0, _pump, self)

    def _retry(self, item: _Item) -> None:
        self._queue.appendleft(item)
        self._request_pump()


def _pump(outbox: Outbox) -> None:
    outbox.pump()
