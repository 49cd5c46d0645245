"""SmppConnection: the asyncio adapter around one sans-I/O ``Session``.

Theory of operation:
1. Bytes in: ``data_received`` feeds the session with ``loop.time()`` and drains its events; each event
   goes to the ``ConnectionHandler`` (server, carrier client, simulator) or resolves a waiter.
2. Bytes out: every PDU goes through the session; the connection writes ``data_to_send()`` once per
   batch (after an inbound chunk, or once per loop iteration for responses sent from tasks), so a
   burst of responses costs one ``transport.write``; ``send_requests_nowait`` hands a window of
   requests to the session in one call.
3. Time: exactly one timer, armed at ``session.next_deadline()``; re-armed only when the deadline moves
   earlier (a timer that fires early just re-arms), so the hot path does not churn timer handles.
4. Waiters: one future per outstanding request keyed by sequence number; a response resolves it, a
   timeout fails it with ``RequestTimeout``, link loss fails every waiter with ``LinkLost``.
5. Flow control: when the peer stops reading, asyncio pauses our writing; we stop reading from that peer
   too (it may not pump requests while ignoring responses) and drop it once its unread backlog passes
   ``max_write_buffer``, or once our writes have stayed paused (or the connection has stayed closing
   with bytes unsent) for ``write_timeout``: ``transport.close()`` waits for the buffer to drain, so a
   peer that never reads would otherwise keep a closed connection open for ever.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Callable, Sequence
from typing import Protocol, cast

from .. import redact
from ..smpp import events as ev
from ..smpp.constants import CommandStatus
from ..smpp.pdu import Bind, Request, Response
from ..smpp.session import Session

log = logging.getLogger(__name__)

DEFAULT_MAX_WRITE_BUFFER = 4 * 1024 * 1024
# Inbound bytes handled per loop turn for one connection: ~1,000 enquire_links or ~70 submit_sm, a
# few milliseconds of work. Past it the rest waits a turn, so a flooding peer shares the loop.
MAX_BYTES_PER_TURN = 16 * 1024


class LinkLost(ConnectionError):
    """The connection closed before the response arrived: the request's fate is unknown to us."""


class RequestRejected(Exception):
    """The peer answered with something unusable (an undecodable response)."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status


class RequestTimeout(TimeoutError):
    """No response within the session's response timeout."""


class ConnectionHandler(Protocol):
    """What the owner of a connection is told. Every method is called on the event loop."""

    def bind_requested(self, conn: SmppConnection, pdu: Bind) -> None: ...

    def bound(self, conn: SmppConnection) -> None: ...

    def request_received(self, conn: SmppConnection, pdu: Request) -> None: ...

    def closed(self, conn: SmppConnection) -> None: ...


class SmppConnection(asyncio.Protocol):
    def __init__(
        self,
        session_factory: Callable[[float], Session],
        handler: ConnectionHandler,
        *,
        label: str = "smpp",
        max_write_buffer: int = DEFAULT_MAX_WRITE_BUFFER,
        write_timeout: float | None = None,
        on_violation: Callable[[SmppConnection, ev.ProtocolViolation], None] | None = None,
    ) -> None:
        self._session_factory = session_factory
        self.handler = handler
        self.label = label
        self.max_write_buffer = max_write_buffer
        self.write_timeout = write_timeout
        self._on_violation = on_violation
        self.loop = asyncio.get_running_loop()
        self.session: Session = session_factory(self.loop.time())
        self.transport: asyncio.Transport | None = None
        self.peer_ip = ""
        self.closed = self.loop.create_future()
        self._waiters: dict[int, asyncio.Future[Response]] = {}
        self._timer: asyncio.TimerHandle | None = None
        self._timer_at: float | None = None
        self._flush_scheduled = False
        self._writing_paused = False
        self._unread: memoryview | None = None  # received, not yet fed: see data_received
        self._stall_timer: asyncio.TimerHandle | None = None
        self._dispatch: dict[type[ev.Event], Callable[[ev.Event], None]] = {
            ev.BindRequested: self._on_bind_requested,
            ev.Bound: self._on_bound,
            ev.RequestReceived: self._on_request,
            ev.ResponseReceived: self._on_response,
            ev.RequestTimedOut: self._on_request_timed_out,
            ev.RequestFailed: self._on_request_failed,
            ev.BindFailed: self._on_bind_failed,
            ev.ProtocolViolation: self._on_protocol_violation,
        }
        self._bind_waiter: asyncio.Future[int] | None = None

    # --- asyncio.Protocol ---------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # A cast, not an isinstance assert: uvloop's TCP transports do not subclass asyncio.Transport.
        transport = cast(asyncio.Transport, transport)
        self.transport = transport
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        peer = transport.get_extra_info("peername")
        self.peer_ip = str(peer[0]) if peer else ""
        # asyncio pauses our writes past `high`; we read that as "the peer is not reading".
        transport.set_write_buffer_limits(high=min(256 * 1024, self.max_write_buffer))
        self._rearm_timer()

    def data_received(self, data: bytes) -> None:
        if len(data) <= MAX_BYTES_PER_TURN and self._unread is None:
            self.session.receive_data(data, self.loop.time())
            self._process()
            return
        # A big chunk (a flood of cheap PDUs) is worked through a slice per loop turn, with reading
        # paused meanwhile, so one connection cannot hold the loop while the others wait.
        self._unread = memoryview(data) if self._unread is None else memoryview(bytes(self._unread) + data)
        if self.transport is not None:
            self.transport.pause_reading()
        self._work_unread()

    def _work_unread(self) -> None:
        unread = self._unread
        if unread is None or self.transport is None or self.transport.is_closing():
            self._unread = None
            return
        self.session.receive_data(unread[:MAX_BYTES_PER_TURN], self.loop.time())
        rest = unread[MAX_BYTES_PER_TURN:]
        self._unread = rest if len(rest) else None
        self._process()
        if self._unread is not None:
            self.loop.call_soon(self._work_unread)
        elif not self._writing_paused and not self.transport.is_closing():
            self.transport.resume_reading()

    def eof_received(self) -> bool:
        if self._unread is not None:  # what the peer sent before closing comes first
            self.session.receive_data(self._unread, self.loop.time())
            self._unread = None
        self.session.receive_data(b"", self.loop.time())
        self._process()
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._stall_timer is not None:
            self._stall_timer.cancel()
            self._stall_timer = None
        self.session.close()
        self._drain_events()
        if self._bind_waiter is not None and not self._bind_waiter.done():
            self._bind_waiter.set_exception(LinkLost(f"{self.label}: connection lost while binding"))
        waiters, self._waiters = self._waiters, {}
        for future in waiters.values():
            if not future.done():
                future.set_exception(LinkLost(f"{self.label}: connection lost"))
        if not self.closed.done():
            self.closed.set_result(None)
        self.handler.closed(self)

    def pause_writing(self) -> None:
        self._writing_paused = True
        if self.transport is not None:
            self.transport.pause_reading()
        self._arm_stall_timer()

    def resume_writing(self) -> None:
        self._writing_paused = False
        if self.transport is not None and not self.transport.is_closing():
            if self._unread is None:  # else _work_unread resumes reading when the backlog is done
                self.transport.resume_reading()
            if self._stall_timer is not None:  # (while closing, the deadline of close() still holds)
                self._stall_timer.cancel()
                self._stall_timer = None

    # --- sending ------------------------------------------------------------------------------

    async def request(self, pdu: Request) -> Response:
        """Send a request and wait for its response (or RequestTimeout / LinkLost)."""
        if self.transport is None or self.transport.is_closing():
            raise LinkLost(f"{self.label}: not connected")
        sequence = self.session.send_request(pdu, self.loop.time())
        future: asyncio.Future[Response] = self.loop.create_future()
        self._waiters[sequence] = future
        self._schedule_flush()
        self._rearm_timer()
        return await future

    async def bind(self, pdu: Bind) -> int:
        """ESME side: send a bind and wait for the outcome: the bind_resp status (0 = bound)."""
        if self.transport is None or self.transport.is_closing():
            raise LinkLost(f"{self.label}: not connected")
        self._bind_waiter = self.loop.create_future()
        self.session.send_request(pdu, self.loop.time())
        self._flush()
        self._rearm_timer()
        return await self._bind_waiter

    def send_request_nowait(self, pdu: Request) -> int:
        """Send a request whose response the handler does not wait for (e.g. enquire_link)."""
        sequence = self.session.send_request(pdu, self.loop.time())
        self._schedule_flush()
        self._rearm_timer()
        return sequence

    def send_requests_nowait(self, pdus: Sequence[Request]) -> list[int]:
        """``send_request_nowait`` for several requests (``Session.send_requests``: all or nothing),
        with one timer check and one write for the lot."""
        sequences = self.session.send_requests(pdus, self.loop.time())
        self._schedule_flush()
        self._rearm_timer()
        return sequences

    def send_response(self, request: Request, response: Response) -> None:
        if self.transport is None or self.transport.is_closing():
            return
        self.session.send_response(request, response)
        self._schedule_flush()

    def accept_bind(self, request: Bind, system_id: str) -> None:
        self.session.accept_bind(request, system_id)
        self._flush()
        self._drain_events()

    def reject_bind(self, request: Bind, status: CommandStatus) -> None:
        self.session.reject_bind(request, status)
        self._flush()

    async def unbind(self, timeout: float) -> None:
        """Polite close: unbind, wait for unbind_resp (bounded), then close the socket."""
        try:
            if self.transport is not None and not self.transport.is_closing():
                self.session.unbind(self.loop.time())
                self._flush()
                await asyncio.wait_for(asyncio.shield(self.closed), timeout)
        except (TimeoutError, Exception) as error:
            log.debug("%s: unbind did not complete cleanly: %r", self.label, error)
        finally:
            self.close()

    def close(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self._flush()
            self.transport.close()
            if self.transport.get_write_buffer_size():
                self._arm_stall_timer()

    def abort(self) -> None:
        if self.transport is not None:
            self.transport.abort()

    # --- internals ----------------------------------------------------------------------------

    def _process(self) -> None:
        self._drain_events()
        self._flush()
        self._rearm_timer()
        if self.session.should_close:
            self.close()

    def _drain_events(self) -> None:
        session = self.session
        dispatch = self._dispatch
        while (event := session.next_event()) is not None:
            handle = dispatch.get(type(event))
            if handle is not None:
                handle(event)
            else:
                log.debug("%s: %s", self.label, redact.value(event))

    def _schedule_flush(self) -> None:
        if not self._flush_scheduled:
            self._flush_scheduled = True
            self.loop.call_soon(self._flush)

    def _flush(self) -> None:
        self._flush_scheduled = False
        data = self.session.data_to_send()
        transport = self.transport
        if not data or transport is None or transport.is_closing():
            return
        transport.write(data)
        if self._writing_paused and transport.get_write_buffer_size() > self.max_write_buffer:
            log.warning(
                "%s: peer does not read (%d bytes unread); disconnecting",
                self.label,
                transport.get_write_buffer_size(),
            )
            transport.abort()

    def _arm_stall_timer(self) -> None:
        if self.write_timeout is not None and self._stall_timer is None:
            self._stall_timer = self.loop.call_later(self.write_timeout, self._on_write_stalled)

    def _on_write_stalled(self) -> None:
        self._stall_timer = None
        if self.transport is not None:
            log.warning(
                "%s: peer still has %d bytes unread after %g s of paused writes; disconnecting",
                self.label,
                self.transport.get_write_buffer_size(),
                self.write_timeout,
            )
            self.transport.abort()

    def _rearm_timer(self) -> None:
        deadline = self.session.next_deadline()
        if deadline is None:
            return
        if self._timer is not None and self._timer_at is not None and self._timer_at <= deadline:
            return
        if self._timer is not None:
            self._timer.cancel()
        self._timer_at = deadline
        self._timer = self.loop.call_at(deadline, self._on_timer)

    def _on_timer(self) -> None:
        self._timer = None
        self._timer_at = None
        self.session.handle_timer(self.loop.time())
        self._process()

    def _on_bind_requested(self, event: ev.Event) -> None:
        assert isinstance(event, ev.BindRequested)
        self.handler.bind_requested(self, event.pdu)

    def _on_bound(self, event: ev.Event) -> None:
        if self._bind_waiter is not None and not self._bind_waiter.done():
            self._bind_waiter.set_result(CommandStatus.ESME_ROK)
        self.handler.bound(self)

    def _on_bind_failed(self, event: ev.Event) -> None:
        assert isinstance(event, ev.BindFailed)
        if self._bind_waiter is not None and not self._bind_waiter.done():
            self._bind_waiter.set_result(event.status)

    def _on_request_failed(self, event: ev.Event) -> None:
        assert isinstance(event, ev.RequestFailed)
        future = self._waiters.pop(event.request.sequence_number, None)
        if future is None or future.done():
            return
        if event.response is not None:
            future.set_result(event.response)
        else:
            future.set_exception(RequestRejected(event.status, event.detail))

    def _on_request(self, event: ev.Event) -> None:
        assert isinstance(event, ev.RequestReceived)
        self.handler.request_received(self, event.pdu)

    def _on_response(self, event: ev.Event) -> None:
        assert isinstance(event, ev.ResponseReceived)
        future = self._waiters.pop(event.response.sequence_number, None)
        if future is not None and not future.done():
            future.set_result(event.response)

    def _on_request_timed_out(self, event: ev.Event) -> None:
        assert isinstance(event, ev.RequestTimedOut)
        future = self._waiters.pop(event.request.sequence_number, None)
        if future is not None and not future.done():
            future.set_exception(
                RequestTimeout(f"{self.label}: no response to {type(event.request).__name__}")
            )

    def _on_protocol_violation(self, event: ev.Event) -> None:
        assert isinstance(event, ev.ProtocolViolation)
        # A client running ahead of its window is routine, and one line per refused PDU would let it
        # flood the log; it is counted in the metrics all the same.
        level = logging.DEBUG if event.status == CommandStatus.ESME_RMSGQFUL else logging.WARNING
        log.log(level, "%s: protocol violation %s: %s", self.label, _status_name(event.status), event.detail)
        if self._on_violation is not None:
            self._on_violation(self, event)


def _status_name(status: int) -> str:
    try:
        return CommandStatus(status).name
    except ValueError:
        return f"{status:#x}"
