"""ESME load generator: N binds, a window each, a count or a duration, an optional rate.

Theory of operation:
* Each bind is a ``_LoadBind`` (an ``asyncio.Protocol`` around an ESME-role ``Session``), not an
  ``SmppConnection``: the generator needs a callback per response, not a future per request, and
  keeps its window full from ``data_received`` itself. No task and no future per message: this is
  what lets one process drive tens of thousands of submits a second.
* A shared ``_Budget`` hands out message numbers (count, duration and rate limits); a bind with room
  in its window takes the next number and sends its PDUs (one, or the parts of a long message).
* deliver_sm is answered at once; receipts (esm_class 0x04) are counted by state.
* Bounded: sending stops at the count or duration; waiting for answers and receipts stops at
  ``response_wait`` and ``receipt_wait``; the whole run stops at ``deadline`` whatever happens.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

from smpp_gateway.smpp import events as ev
from smpp_gateway.smpp.constants import CommandStatus, MessageState, Tag, is_receipt
from smpp_gateway.smpp.pdu import BindTransceiver, BindTransmitter, DeliverSm, SubmitSm
from smpp_gateway.smpp.receipt import parse_receipt
from smpp_gateway.smpp.session import MAX_SEQUENCE, Session, SessionConfig
from smpp_gateway.smpp.states import Role

from .loadmix import MessageFactory, Mix
from .loadresult import LoadResult, status_name

INBOUND_WINDOW = 100_000
_STATE_NAMES = {int(state): state.name for state in MessageState}


@dataclass(frozen=True, kw_only=True)
class LoadOptions:
    host: str = "127.0.0.1"
    port: int = 2775
    system_id: str = "load"
    password: str = field(default="", repr=False)
    binds: int = 1
    window: int = 10
    count: int | None = None  # messages (a long message is several submits); default 1000 without duration
    duration: float | None = None  # seconds of sending
    rate: float | None = None  # messages per second, all binds together
    mix: Mix = field(default_factory=Mix)
    response_wait: float = 10.0  # after sending ends, for the last answers
    receipt_wait: float = 10.0  # after the last answer, for receipts (registered delivery only)
    deadline: float = 300.0  # the whole run, whatever happens
    connect_timeout: float = 5.0


class _Budget:
    """Message numbers for all binds: bounded by count, duration and rate."""

    def __init__(self, options: LoadOptions, start: float) -> None:
        self.count = options.count if options.count is not None or options.duration else 1000
        self.stop_at = start + options.duration if options.duration else None
        self.rate = options.rate
        self.start = start
        self.issued = 0

    def take(self, now: float) -> int | float | None:
        """A message number; None when sending is over; a float: the time to ask again (rate)."""
        if (self.count is not None and self.issued >= self.count) or (
            self.stop_at is not None and now >= self.stop_at
        ):
            return None
        if self.rate is not None and self.issued >= self.rate * (now - self.start) + 1:
            return self.start + self.issued / self.rate
        self.issued += 1
        return self.issued - 1

    def exhausted(self, now: float) -> bool:
        return (self.count is not None and self.issued >= self.count) or (
            self.stop_at is not None and now >= self.stop_at
        )


class _LoadBind(asyncio.Protocol):
    def __init__(self, run: _Run, transceiver: bool) -> None:
        self.run = run
        self.loop = run.loop
        # The inbound window is wide: deliver_sm is answered in the same pass that reads it, but the
        # session counts every deliver_sm of a read chunk before the first answer goes out.
        config = SessionConfig(
            max_outbound_window=run.options.window,
            max_inbound_window=INBOUND_WINDOW,
            response_timeout=run.options.response_wait,
        )
        self.session = Session(Role.ESME, config, self.loop.time())
        self.transceiver = transceiver
        self.transport: asyncio.Transport | None = None
        self.bound: asyncio.Future[int] = self.loop.create_future()
        self.closed: asyncio.Future[None] = self.loop.create_future()
        self.queue: list[SubmitSm] = []  # parts of a long message not yet sent
        self.next_sequence = 0  # the session's next number, learnt from each send (0: not known yet)
        self.sending = False
        self._wake: asyncio.TimerHandle | None = None
        self._ticker: asyncio.TimerHandle | None = None
        self._handlers: dict[type[ev.Event], Callable[[Any], None]] = {
            ev.ResponseReceived: self._on_response,
            ev.RequestFailed: self._on_failed,
            ev.RequestTimedOut: self._on_timeout,
            ev.RequestReceived: self._on_request,
            ev.Bound: self._on_bound,
            ev.BindFailed: self._on_bind_failed,
            ev.ConnectionClosed: self._on_closed,
        }

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # A cast, not an isinstance assert: uvloop's TCP transports do not subclass asyncio.Transport.
        self.transport = transport = cast(asyncio.Transport, transport)
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        options = self.run.options
        bind_class = BindTransceiver if self.transceiver else BindTransmitter
        self.session.bind(
            bind_class(system_id=options.system_id, password=options.password), self.loop.time()
        )
        self._flush()
        self._tick()

    def data_received(self, data: bytes) -> None:
        self.session.receive_data(data, self.loop.time())
        self._drain()
        if self.sending:
            self.pump()
        self._flush()
        if self.session.should_close and self.transport is not None:
            self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self.session.close()
        self._drain()
        self.sending = False
        self.queue.clear()
        self.run.progress()
        for handle in (self._wake, self._ticker):
            if handle is not None:
                handle.cancel()
        if not self.bound.done():
            self.bound.set_exception(ConnectionError("connection lost while binding"))
        if not self.closed.done():
            self.closed.set_result(None)

    def pump(self) -> None:
        """Fill the window: the rest of a long message first, then new message numbers."""
        session, run, window, now = self.session, self.run, self.run.options.window, self.loop.time()
        result, queue = run.result, self.queue
        if result.first_sent is None:
            result.first_sent = now
        while session.outstanding < window:
            if queue:
                pdu = queue.pop()
            else:
                number = run.budget.take(now)
                if number is None:
                    self.sending = False
                    run.sending_done(self)
                    return
                if isinstance(number, float):
                    self._wake_at(number)
                    return
                parts = run.factory.parts(number, self.next_sequence)
                pdu = parts[0]
                if len(parts) > 1:
                    queue.extend(reversed(parts[1:]))
                result.messages += 1
            sequence = session.send_request(pdu, now)
            self.next_sequence = sequence + 1 if sequence < MAX_SEQUENCE else 1
            result.sent += 1

    def _wake_at(self, when: float) -> None:
        if self._wake is None:
            self._wake = self.loop.call_at(when, self._woken)

    def _woken(self) -> None:
        self._wake = None
        if self.sending:
            self.pump()
            self._flush()

    def _tick(self) -> None:
        # One timer for the session's deadlines (response timeouts, keepalives); 0.1 s is precise
        # enough for a load test and costs nothing per message.
        self._ticker = self.loop.call_later(0.1, self._tick)
        self.session.handle_timer(self.loop.time())
        self._drain()
        self._flush()
        if self.session.should_close and self.transport is not None:
            self.transport.close()

    def _drain(self) -> None:
        handlers = self._handlers
        while (event := self.session.next_event()) is not None:
            handler = handlers.get(type(event))
            if handler is not None:
                handler(event)

    def _flush(self) -> None:
        data = self.session.data_to_send()
        if data and self.transport is not None and not self.transport.is_closing():
            self.transport.write(data)

    def _on_response(self, event: ev.ResponseReceived) -> None:
        result = self.run.result
        status = event.response.command_status
        if status == CommandStatus.ESME_ROK:
            result.accepted += 1
        else:
            result.rejected[status_name(status)] += 1
        result.latencies.append(event.round_trip)
        result.last_answer = self.loop.time()
        self.run.progress()

    def _on_failed(self, event: ev.RequestFailed) -> None:
        self.run.result.rejected[status_name(event.status)] += 1
        self.run.result.last_answer = self.loop.time()
        self.run.progress()

    def _on_timeout(self, event: ev.RequestTimedOut) -> None:
        self.run.result.timeouts += 1
        self.run.progress()

    def _on_request(self, event: ev.RequestReceived) -> None:
        pdu = event.pdu
        if isinstance(pdu, DeliverSm):
            self.session.send_response(pdu, pdu.make_response(CommandStatus.ESME_ROK))
            self.run.on_deliver(pdu)
        else:
            self.session.send_response(pdu, pdu.make_response(CommandStatus.ESME_RINVCMDID))

    def _on_bound(self, event: ev.Bound) -> None:
        if not self.bound.done():
            self.bound.set_result(CommandStatus.ESME_ROK)

    def _on_bind_failed(self, event: ev.BindFailed) -> None:
        if not self.bound.done():
            self.bound.set_result(event.status)

    def _on_closed(self, event: ev.ConnectionClosed) -> None:
        self.run.result.unanswered += sum(1 for pdu in event.unanswered if isinstance(pdu, SubmitSm))
        self.run.progress()


class _Run:
    def __init__(self, options: LoadOptions) -> None:
        self.options = options
        self.loop = asyncio.get_running_loop()
        self.result = LoadResult()
        self.factory = MessageFactory(options.mix)
        self.budget = _Budget(options, self.loop.time())
        self.binds: list[_LoadBind] = []
        self.changed = asyncio.Event()

    def progress(self) -> None:
        self.changed.set()

    def sending_done(self, bind: _LoadBind) -> None:
        self.changed.set()

    def on_deliver(self, pdu: DeliverSm) -> None:
        if not is_receipt(pdu.esm_class):
            self.result.mo += 1
            return
        self.result.receipts += 1
        # The message_state TLV when present (cheap); the text parser only for receipts without it.
        value = pdu.tlv(Tag.MESSAGE_STATE)
        if isinstance(value, int) and value in _STATE_NAMES:
            name = _STATE_NAMES[value]
        else:
            receipt = parse_receipt(pdu)
            name = receipt.state.name if receipt is not None else MessageState.UNKNOWN.name
        self.result.receipt_states[name] += 1
        self.changed.set()

    async def wait_until(self, condition: Callable[[], bool], deadline: float) -> bool:
        """Wait for ``condition`` (re-checked on every progress event) until ``deadline`` (loop time)."""
        while not condition():
            remaining = deadline - self.loop.time()
            if remaining <= 0:
                return False
            self.changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.changed.wait(), min(remaining, 0.25))
        return True

    def in_flight(self) -> int:
        return sum(bind.session.outstanding + len(bind.queue) for bind in self.binds)


async def run_load(options: LoadOptions) -> LoadResult:
    """Bind, send, wait for answers (and receipts), unbind; the counts and latencies."""
    run = _Run(options)
    started = time.perf_counter()
    hard_stop = run.loop.time() + options.deadline
    try:
        await _bind_all(run)
        ready = [
            bind for bind in run.binds if bind.bound.done() and bind.bound.result() == CommandStatus.ESME_ROK
        ]
        run.result.binds = len(ready)
        run.budget = _Budget(options, run.loop.time())
        for bind in ready:
            bind.sending = True
            bind.pump()
            bind._flush()
        await run.wait_until(lambda: all(not bind.sending for bind in ready), hard_stop)
        answers_by = min(hard_stop, run.loop.time() + options.response_wait)
        await run.wait_until(lambda: run.in_flight() == 0, answers_by)
        if options.mix.registered_delivery:
            receipts_by = min(hard_stop, run.loop.time() + options.receipt_wait)
            await run.wait_until(lambda: run.result.receipts >= run.result.accepted, receipts_by)
    finally:
        await _close_all(run)
        run.result.elapsed = time.perf_counter() - started
    return run.result


async def _bind_all(run: _Run) -> None:
    options = run.options
    for _ in range(options.binds):
        bind = _LoadBind(run, transceiver=options.mix.registered_delivery)
        try:
            await asyncio.wait_for(
                run.loop.create_connection(_factory(bind), options.host, options.port),
                options.connect_timeout,
            )
        except (OSError, TimeoutError) as error:
            run.result.bind_errors[type(error).__name__] += 1
            continue
        run.binds.append(bind)
    for bind in run.binds:
        try:
            status = await asyncio.wait_for(asyncio.shield(bind.bound), options.connect_timeout)
        except (ConnectionError, TimeoutError) as error:
            run.result.bind_errors[type(error).__name__] += 1
            continue
        if status != CommandStatus.ESME_ROK:
            run.result.bind_errors[status_name(status)] += 1


def _factory(bind: _LoadBind) -> Callable[[], _LoadBind]:
    return lambda: bind


async def _close_all(run: _Run) -> None:
    for bind in run.binds:
        bind.sending = False
        if bind.transport is None or bind.transport.is_closing():
            continue
        if bind.session.state.name.startswith("BOUND"):
            bind.session.unbind(run.loop.time())
            bind._flush()
        else:
            bind.transport.close()
    closing = [bind.closed for bind in run.binds]
    if closing:
        await asyncio.wait(closing, timeout=2.0)
        for bind in run.binds:
            if bind.transport is not None and not bind.closed.done():
                bind.transport.abort()
