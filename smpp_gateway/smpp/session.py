"""The sans-I/O SMPP session: bytes and time in, events and bytes out, for either role.

Theory of operation
===================

A ``Session`` is one side of one connection. It reads no clock and touches no socket: the adapter
feeds it bytes (``receive_data``) and monotonic time (``now``), drains ``next_event()``, writes
``data_to_send()``, and runs one timer at ``next_deadline()`` that calls ``handle_timer``. It plays
the SMSC (gateway server side, simulated carriers) or the ESME (carrier binds, load generator);
``Role`` picks the columns of ``states.LEGAL`` that apply to what we send and what we receive.

Rule 1 (legality): every PDU we send and every request we receive is looked up in ``states.LEGAL``.
An illegal request is answered by the session with its ``_resp`` (``ESME_RINVBNDSTS``;
``ESME_RALYBND`` for a bind while bound; generic_nack if it has no ``_resp``) and reported as
``ProtocolViolation``. Sending something illegal raises ``LocalProtocolError``: a caller bug. Received
responses are matched to the request we sent (rule 4), which was legal, instead of looked up.

Rule 2 (the session answers the protocol itself): enquire_link (in every open state, never
surfaced), unbind (surfaced as ``Unbound`` + ``ConnectionClosed``), window overflow and malformed
PDUs. A PDU that was framed but not decoded gets its ``_resp`` with the decoder's status
(generic_nack ``ESME_RINVCMDID`` with its sequence for an unknown command id) and the session lives
on; an unframeable stream gets generic_nack ``ESME_RINVCMDLEN``, sequence 0, and the session closes.
A response is never answered, whatever is wrong with it: two peers could nack each other for ever.

Rule 3 (windows): beyond ``max_inbound_window`` requests surfaced and not yet answered, the session
answers ``ESME_RMSGQFUL`` itself (``ESME_RTHROTTLED`` is policy, the application's business).
``send_request`` raises ``LocalProtocolError(ESME_RMSGQFUL)`` beyond ``max_outbound_window``;
``send_requests`` queues several application requests at once, all of them or none. bind, unbind and
enquire_link are outside both windows: a full window never blocks a keepalive or goodbye.

Rule 4 (outcomes): each request we send gets exactly one outcome event (see ``events``) or is listed
in ``ConnectionClosed.unanswered``. A response matching no outstanding sequence number (a late answer
after ``RequestTimedOut``) is reported and dropped. Our sequence numbers run 1..0x7FFFFFFF, wrap to
1 and skip numbers still outstanding.

Rule 5 (binds): SMSC side, a bind becomes ``BindRequested`` and the state changes only when a
positive bind_resp is *sent* (``accept_bind``). ESME side, a positive bind_resp means ``Bound``, any
other answer ``BindFailed`` (still OPEN), no answer ``RequestTimedOut`` and close: a late positive
answer would leave the peer bound and us not.

Rule 6 (unbind and close): who sends unbind goes ``UNBOUND`` and closes on unbind_resp (or after
``response_timeout``); who receives it answers and closes at once. ``CLOSED`` is final: input is
ignored, ``should_close`` is true, and what was queued before (the unbind_resp, the last
generic_nack) is still in ``data_to_send()``.

Rule 7 (timers, ``SessionConfig``): ``response_timeout`` per request; ``enquire_link_interval``
after the last PDU received (bound states), its enquire_link unanswered in ``response_timeout``
means ``PeerUnresponsive`` and close; ``inactivity_timeout`` after the last PDU but enquire_link(_resp)
either way, then unbind (keepalives alone must not keep an idle bind, Jasmin's meaning);
``bind_timeout`` from creation while OPEN, then close (session_init_timer: no slowloris). ``now``
must never go backwards: request deadlines sit in send order in a deque (see ``RequestTracker``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from . import codec
from . import events as ev
from ._session_core import SessionCore
from ._session_support import CONTROL, KEEPALIVE, MAX_SEQUENCE, SessionConfig, renumbered
from .constants import CommandId, CommandStatus
from .errors import LocalProtocolError, RemoteProtocolError
from .pdu import Bind, BindResp, EnquireLink, Request, Response, Unbind
from .states import BIND_IDS, BOUND_STATES, BindState

__all__ = ["MAX_SEQUENCE", "Session", "SessionConfig"]

_S = CommandStatus
_C = CommandId
_OPEN, _UNBOUND, _CLOSED = BindState.OPEN, BindState.UNBOUND, BindState.CLOSED


class Session(SessionCore):
    """One side of one SMPP connection: ``Session(role, config, now)``; see the module's rules."""

    @property
    def state(self) -> BindState:
        return self._state

    @property
    def outstanding(self) -> int:
        """Our requests awaiting an answer that count against ``max_outbound_window``."""
        return self._requests.windowed

    @property
    def inbound_pending(self) -> int:
        """The peer's requests surfaced to the application and not yet answered."""
        return len(self._inbound)

    @property
    def system_id(self) -> str:
        """The ESME's system_id once bound (the account, on the SMSC side); "" before."""
        return self._system_id

    @property
    def should_close(self) -> bool:
        """True once the session is over: flush ``data_to_send()``, then close the transport."""
        return self._state is _CLOSED

    # --- input ------------------------------------------------------------------------------

    def receive_data(self, data: bytes | memoryview, now: float) -> None:
        """Feed bytes read from the transport; ``b""`` means the peer closed the connection."""
        if self._state is _CLOSED:
            return
        if not data:
            self._close("peer closed the connection")
            return
        frames = self._frames
        frames.feed(data)
        next_frame, decode = frames.next_frame, codec.decode
        while self._state is not _CLOSED:
            try:
                frame = next_frame()
                if frame is None:
                    return
                pdu = decode(frame)
            except RemoteProtocolError as exc:
                self._on_bad_pdu(exc, now)
                continue
            self._last_rx = now
            if pdu.command_id not in KEEPALIVE:
                self._last_activity = now
            if isinstance(pdu, Request):
                self._on_request(pdu, now)
            else:
                self._on_response(cast(Response, pdu), now)

    def next_event(self) -> ev.Event | None:
        return self._events.popleft() if self._events else None

    def next_deadline(self) -> float | None:
        """When ``handle_timer`` must run next; None when no timer is armed."""
        state, config = self._state, self.config
        if state is _CLOSED:
            return None
        first = self._requests.next_deadline()
        times = [] if first is None else [first]
        if state is _OPEN and config.bind_timeout is not None:
            times.append(self._opened_at + config.bind_timeout)
        elif state in BOUND_STATES:
            if config.enquire_link_interval is not None and not self._keepalive_out():
                times.append(self._last_rx + config.enquire_link_interval)
            if config.inactivity_timeout is not None:
                times.append(self._last_activity + config.inactivity_timeout)
        return min(times) if times else None

    def handle_timer(self, now: float) -> None:
        """Expire requests, send enquire_link when idle, unbind when inactive, close unbound links."""
        while self._state is not _CLOSED and (pending := self._requests.pop_expired(now)) is not None:
            self._expired(pending, now)
        state, config = self._state, self.config
        if state is _OPEN and config.bind_timeout is not None:
            if now >= self._opened_at + config.bind_timeout:
                self._close(f"no successful bind within bind_timeout ({config.bind_timeout:g} s)")
        elif state in BOUND_STATES:
            inactivity, interval = config.inactivity_timeout, config.enquire_link_interval
            if inactivity is not None and now >= self._last_activity + inactivity:
                self._unbind_reason = f"no traffic for inactivity_timeout ({inactivity:g} s)"
                self.unbind(now)
            elif interval is not None and not self._keepalive_out() and now >= self._last_rx + interval:
                self._keepalive = self._send(EnquireLink(), now, internal=True)[1]

    # --- output -----------------------------------------------------------------------------

    def send_request(self, pdu: Request, now: float) -> int:
        """Queue ``pdu`` with a fresh sequence_number, and return that number.

        Raises ``LocalProtocolError``: ``ESME_RINVBNDSTS`` (or ``ESME_RALYBND``) when this role may
        not send it in this state or a bind is already under way, ``ESME_RMSGQFUL`` when the
        outbound window is full.
        """
        cid = pdu.command_id
        if cid not in self._send_ok or (cid in BIND_IDS and self._bind is not None):
            raise self._illegal(cid)
        if cid not in CONTROL and self._requests.windowed >= self.config.max_outbound_window:
            detail = f"outbound window full ({self.config.max_outbound_window} outstanding)"
            raise LocalProtocolError(_S.ESME_RMSGQFUL, detail, command_id=cid)
        return self._send(pdu, now, internal=cid is _C.UNBIND)[0]

    def send_requests(self, pdus: Sequence[Request], now: float) -> list[int]:
        """``send_request`` for several application requests at once, in order: the same sequence
        numbers and bytes for one call's overhead (a carrier hands over a window of receipts).

        All or nothing: raises ``LocalProtocolError`` and queues none of them when one may not be sent
        in this state (``ESME_RINVBNDSTS``), is session control or answers nothing (bind, unbind,
        enquire_link, outbind, alert_notification: ``ESME_RSYSERR``, they go through
        ``send_request``) or cannot be encoded, or when they do not all fit in the outbound window
        (``ESME_RMSGQFUL``). As with ``send_request``, the numbers of a refused batch are skipped.
        """
        send_ok, requests, encode = self._send_ok, self._requests, codec.encode
        numbered: list[Request] = []
        out: list[bytes] = []
        for pdu in pdus:
            cid = pdu.command_id
            if cid not in send_ok:
                raise self._illegal(cid)
            if cid in CONTROL or pdu.response_class is None:
                detail = f"{cid.name.lower()} is not sent in a batch: send_request sends it"
                raise LocalProtocolError(_S.ESME_RSYSERR, detail, command_id=cid)
            sequence = requests.allocate()
            if pdu.sequence_number != sequence:
                pdu = renumbered(pdu, sequence)
            out.append(encode(pdu))
            numbered.append(pdu)
        window = self.config.max_outbound_window
        if requests.windowed + len(numbered) > window:
            detail = f"outbound window full ({requests.windowed} of {window} taken, {len(numbered)} more)"
            raise LocalProtocolError(_S.ESME_RMSGQFUL, detail)
        if numbered:
            self._out += out
            requests.add_windowed(numbered, now)
            self._last_activity = now
        return [pdu.sequence_number for pdu in numbered]

    def bind(self, pdu: Bind, now: float) -> int:
        """ESME side: send a bind request; its outcome is ``Bound`` or ``BindFailed``."""
        return self.send_request(pdu, now)

    def unbind(self, now: float) -> None:
        """Start the goodbye: send unbind and go UNBOUND (no-op if an unbind is already under way)."""
        if self._state is not _UNBOUND:
            self.send_request(Unbind(), now)

    def send_response(self, request_or_sequence: Request | int, response: Response) -> None:
        """Answer the peer's request (the ``RequestReceived.pdu``, or its sequence_number).

        ``response`` is the request's ``_resp`` or a generic_nack; its sequence_number is set to the
        request's. Raises ``LocalProtocolError``: ``ESME_RINVBNDSTS`` when this response may not be
        sent in this state; ``ESME_RSYSERR`` when no such request awaits an answer or the response
        does not fit it.
        """
        if isinstance(request_or_sequence, int):
            sequence = request_or_sequence
        else:
            sequence = request_or_sequence.sequence_number
        cid = response.command_id
        if cid not in self._send_ok:
            raise self._illegal(cid)
        request = self._inbound.get(sequence)
        if request is None:
            raise LocalProtocolError(_S.ESME_RSYSERR, f"no request {sequence} awaits an answer")
        if type(response) is not request.response_class and cid is not _C.GENERIC_NACK:
            detail = f"{type(response).__name__} does not answer {type(request).__name__}"
            raise LocalProtocolError(_S.ESME_RSYSERR, detail, command_id=cid)
        if response.sequence_number != sequence:
            response = renumbered(response, sequence)
        self._out.append(codec.encode(response))  # first: an encode error leaves the request pending
        del self._inbound[sequence]
        if request.command_id in BIND_IDS:
            self._bind = None
            if response.command_status == _S.ESME_ROK and cid is not _C.GENERIC_NACK:
                self._become_bound(cast(Bind, request), cast(BindResp, response))

    def accept_bind(self, request: Bind, system_id: str) -> None:
        """SMSC side: answer ``BindRequested`` positively (``system_id`` is ours) and become bound."""
        self.send_response(request, request.make_response(_S.ESME_ROK, system_id=system_id))

    def reject_bind(self, request: Bind, status: CommandStatus) -> None:
        """SMSC side: refuse the bind with ``status`` (ESME_RINVPASWD, ESME_RBINDFAIL, ...)."""
        if status == _S.ESME_ROK:
            raise LocalProtocolError(_S.ESME_RSYSERR, "reject_bind needs an error status")
        self.send_response(request, request.make_response(status))

    def data_to_send(self) -> bytes:
        """Everything queued since the last call, as one bytes object (one write per batch)."""
        out = self._out
        if not out:
            return b""
        data = out[0] if len(out) == 1 else b"".join(out)
        out.clear()
        return data

    def close(self) -> None:
        """End the session now (no unbind). ``ConnectionClosed`` reports what was left unanswered."""
        self._close("closed locally")
