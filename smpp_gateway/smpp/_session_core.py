"""The machinery behind ``session.Session``: its state, sending, and the handlers for what arrives.

Split from ``session`` the way asyncpg splits ``CoreProtocol`` from ``BaseProtocol``: this class holds
the state and the per-command handlers (dispatched through the two tables at the end), ``Session``
adds the public API. The rules they follow are numbered in ``session``'s theory of operation.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import cast

from . import codec
from . import events as ev
from ._session_support import (
    CONTROL,
    KEEPALIVE,
    Pending,
    RequestTracker,
    SessionConfig,
    bad_pdu_answer,
    error_response,
    renumbered,
)
from .constants import CommandId, CommandStatus
from .errors import LocalProtocolError, RemoteProtocolError
from .framing import FrameBuffer
from .pdu import Bind, BindResp, EnquireLinkResp, Outbind, Request, Response, UnbindResp
from .states import BIND_IDS, BIND_TARGET, LEGAL, BindState, Role, illegal_status

_S = CommandStatus
_C = CommandId
_UNBOUND, _CLOSED = BindState.UNBOUND, BindState.CLOSED


class SessionCore:
    """The state of a session and its handlers; ``session.Session`` adds the public API."""

    def __init__(self, role: Role, config: SessionConfig, now: float) -> None:
        self.role = role
        self.config = config
        self._frames = FrameBuffer(config.max_pdu_size)
        self._out: list[bytes] = []
        self._events: deque[ev.Event] = deque()
        self._requests = RequestTracker(config.response_timeout)  # ours, awaiting an answer
        self._inbound: dict[int, Request] = {}  # the peer's, awaiting our answer, by sequence
        self._opened_at = self._last_rx = self._last_activity = now
        self._keepalive: Pending | None = None  # our last enquire_link
        self._bind: Bind | None = None  # the bind being decided (either side)
        self._system_id = ""
        self._unbind_reason = "unbound"  # why we sent unbind, for the ConnectionClosed that follows
        self._set_state(BindState.OPEN)

    # --- internals: state and sending ---------------------------------------------------------

    def _set_state(self, state: BindState) -> None:
        self._state = state
        # Cached per state so that the per-PDU legality check is one frozenset lookup.
        self._send_ok = LEGAL[state, self.role]
        self._recv_ok = LEGAL[state, self.role.peer]

    def _illegal(self, cid: CommandId) -> LocalProtocolError:
        detail = f"the {self.role.name} may not send {cid.name.lower()} in {self._state.name}"
        if cid in BIND_IDS and self._bind is not None:
            detail = "a bind is already under way"
        return LocalProtocolError(illegal_status(self._state, cid), detail, command_id=cid)

    def _keepalive_out(self) -> bool:
        return self._keepalive is not None and not self._keepalive.done

    def _send(self, pdu: Request, now: float, *, internal: bool) -> tuple[int, Pending | None]:
        """Queue a request whose legality was checked; its sequence, and its record if it has one."""
        sequence = self._requests.allocate()
        if pdu.sequence_number != sequence:
            pdu = renumbered(pdu, sequence)
        self._out.append(codec.encode(pdu))
        cid = pdu.command_id
        if cid not in KEEPALIVE:
            self._last_activity = now
        if pdu.response_class is None:  # outbind, alert_notification: nothing to wait for
            return sequence, None
        pending = self._requests.add(pdu, now, windowed=cid not in CONTROL, internal=internal)
        if cid in BIND_IDS:
            self._bind = cast(Bind, pdu)
        elif cid is _C.UNBIND:
            self._set_state(_UNBOUND)
        return sequence, pending

    def _answer(self, response: Response) -> None:
        self._out.append(codec.encode(response))

    def _report(
        self,
        status: int,
        detail: str,
        pdu: Request | Response | None,
        answer: Response | None = None,
        ids: tuple[int | None, int | None] = (None, None),
    ) -> None:
        """Emit ``ProtocolViolation``; ``ids`` (command_id, sequence_number) when there is no ``pdu``."""
        command_id, sequence = ids if pdu is None else (pdu.command_id, pdu.sequence_number)
        violation = ev.ProtocolViolation(
            status=status,
            detail=detail,
            pdu=pdu,
            command_id=command_id,
            sequence_number=sequence,
            answer=answer,
        )
        self._events.append(violation)

    def _refuse(self, pdu: Request, status: CommandStatus, detail: str) -> None:
        answer = error_response(pdu, status)
        self._answer(answer)
        self._report(status, detail, pdu, answer)

    def _close(self, reason: str) -> None:
        if self._state is _CLOSED:
            return
        unanswered = self._requests.clear()
        self._inbound.clear()
        self._bind = None
        self._set_state(_CLOSED)
        self._events.append(ev.ConnectionClosed(reason=reason, unanswered=unanswered))

    def _become_bound(self, request: Bind, response: BindResp) -> None:
        state = BIND_TARGET[request.command_id]
        self._set_state(state)
        self._system_id = request.system_id
        self._events.append(
            ev.Bound(state=state, system_id=request.system_id, smsc_system_id=response.system_id)
        )

    # --- internals: receiving requests --------------------------------------------------------

    def _on_request(self, pdu: Request, now: float) -> None:
        cid = pdu.command_id
        if cid not in self._recv_ok:
            detail = f"{cid.name.lower()} from the {self.role.peer.name} in {self._state.name}"
            self._refuse(pdu, illegal_status(self._state, cid), detail)
            return
        handler = _REQUEST_HANDLERS.get(cid)
        if handler is None:  # an application request
            self._surface(pdu)
        else:
            handler(self, pdu)

    def _surface(self, pdu: Request) -> None:
        """Hand an application request over, within the inbound window (rule 3)."""
        if pdu.response_class is not None:
            inbound, sequence = self._inbound, pdu.sequence_number
            if len(inbound) >= self.config.max_inbound_window:
                self._refuse(pdu, _S.ESME_RMSGQFUL, f"inbound window full ({len(inbound)} unanswered)")
                return
            if sequence in inbound:
                self._refuse(pdu, _S.ESME_RSYSERR, f"sequence_number {sequence} reused while unanswered")
                return
            inbound[sequence] = pdu
        self._events.append(ev.RequestReceived(pdu=pdu))

    def _on_enquire_link(self, pdu: Request) -> None:
        self._answer(EnquireLinkResp(sequence_number=pdu.sequence_number))

    def _on_unbind(self, pdu: Request) -> None:
        self._answer(UnbindResp(sequence_number=pdu.sequence_number))
        self._events.append(ev.Unbound(by_peer=True))
        self._close("unbound by the peer")

    def _on_bind(self, pdu: Request) -> None:
        if self._bind is not None:
            self._refuse(pdu, _S.ESME_RINVBNDSTS, "a bind is already being decided")
            return
        self._bind = cast(Bind, pdu)
        self._inbound[pdu.sequence_number] = pdu
        self._events.append(ev.BindRequested(pdu=self._bind))

    def _on_outbind(self, pdu: Request) -> None:
        self._events.append(ev.OutbindReceived(pdu=cast(Outbind, pdu)))

    def _on_bad_pdu(self, exc: RemoteProtocolError, now: float) -> None:
        """Answer a PDU the codec or the framer refused (rule 2)."""
        answer = bad_pdu_answer(exc)
        if answer is not None:
            self._answer(answer)
        sequence = exc.sequence_number
        self._report(exc.status, exc.detail, None, answer, (exc.command_id, sequence))
        if exc.fatal:
            self._close(f"unframeable input: {exc.detail}")
            return
        self._last_rx = now  # a PDU arrived, even if a broken one: the peer is alive
        if answer is None and sequence is not None and (pending := self._requests.pop(sequence)):
            self._fail(pending, exc.status, f"undecodable answer: {exc.detail}", None)

    # --- internals: receiving responses, timers -------------------------------------------------

    def _on_response(self, pdu: Response, now: float) -> None:
        pending = self._requests.pop(pdu.sequence_number)
        if pending is None:
            self._report(_S.ESME_RINVCMDID, "answers no outstanding request", pdu)
            return
        request = pending.request
        if type(pdu) is request.response_class:
            handler = _RESPONSE_HANDLERS.get(pdu.command_id)
            if handler is not None:  # a bind or unbind answered
                handler(self, pending, pdu, now)
            elif not pending.internal:
                round_trip = now - pending.sent_at
                self._events.append(ev.ResponseReceived(request=request, response=pdu, round_trip=round_trip))
        elif pdu.command_id is _C.GENERIC_NACK:
            self._fail(pending, pdu.command_status, "answered with generic_nack", pdu)
        else:
            detail = f"{type(pdu).__name__} does not answer {type(request).__name__}"
            self._report(_S.ESME_RINVCMDID, detail, pdu)
            self._fail(pending, _S.ESME_RINVCMDID, detail, pdu)

    def _on_bind_resp(self, pending: Pending, pdu: Response, now: float) -> None:
        if pdu.command_status != _S.ESME_ROK:
            self._fail(pending, pdu.command_status, "bind refused", pdu)
            return
        self._bind = None
        self._become_bound(cast(Bind, pending.request), cast(BindResp, pdu))

    def _on_unbind_resp(self, pending: Pending, pdu: Response, now: float) -> None:
        self._events.append(ev.Unbound(by_peer=False))
        self._close(self._unbind_reason)

    def _fail(self, pending: Pending, status: int, detail: str, response: Response | None) -> None:
        request = pending.request
        cid = request.command_id
        if cid in BIND_IDS:
            self._bind = None
            self._events.append(ev.BindFailed(request=cast(Bind, request), status=status, response=response))
        elif cid is _C.UNBIND:
            self._close(f"{self._unbind_reason}; unbind {detail}")
        elif not pending.internal:  # (a nacked keepalive still proves the peer is there)
            failed = ev.RequestFailed(request=request, status=status, detail=detail, response=response)
            self._events.append(failed)

    def _expired(self, pending: Pending, now: float) -> None:
        request = pending.request
        cid = request.command_id
        if cid is _C.UNBIND:
            self._close(f"{self._unbind_reason}; unbind unanswered")
        elif pending.internal:
            self._events.append(ev.PeerUnresponsive(silent_for=now - self._last_rx))
            self._close("enquire_link unanswered")
        else:
            self._events.append(ev.RequestTimedOut(request=request))
            if cid in BIND_IDS:  # a late answer could bind the peer alone: don't wait for one
                self._close("bind unanswered")


_REQUEST_HANDLERS: dict[CommandId, Callable[[SessionCore, Request], None]] = {
    _C.ENQUIRE_LINK: SessionCore._on_enquire_link,
    _C.UNBIND: SessionCore._on_unbind,
    _C.BIND_TRANSMITTER: SessionCore._on_bind,
    _C.BIND_RECEIVER: SessionCore._on_bind,
    _C.BIND_TRANSCEIVER: SessionCore._on_bind,
    _C.OUTBIND: SessionCore._on_outbind,
}

_RESPONSE_HANDLERS: dict[CommandId, Callable[[SessionCore, Pending, Response, float], None]] = {
    _C.BIND_TRANSMITTER_RESP: SessionCore._on_bind_resp,
    _C.BIND_RECEIVER_RESP: SessionCore._on_bind_resp,
    _C.BIND_TRANSCEIVER_RESP: SessionCore._on_bind_resp,
    _C.UNBIND_RESP: SessionCore._on_unbind_resp,
}
