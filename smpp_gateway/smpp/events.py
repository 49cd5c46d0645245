"""What a ``Session`` tells its adapter, one frozen dataclass per kind of happening.

The adapter drains ``session.next_event()`` after every ``receive_data`` / ``handle_timer`` call and
acts on each event; it never has to answer a protocol error itself, because the session already did
(``ProtocolViolation`` is a report, not a request for action).

Outcome of a request we sent, exactly one of (unless the session closes first, see
``ConnectionClosed.unanswered``):

* ``ResponseReceived``: the peer answered with the request's own ``_resp`` (any status).
* ``RequestFailed``: the peer answered with generic_nack, with the wrong kind of ``_resp``, or with
  a ``_resp`` whose body could not be decoded.
* ``RequestTimedOut``: no answer within ``SessionConfig.response_timeout``.
* for a bind: ``Bound`` or ``BindFailed`` instead of the first two.
* for unbind: ``Unbound`` then ``ConnectionClosed``.

Statuses are typed ``int`` where they come off the wire: a peer may use reserved or vendor values
that are not ``CommandStatus`` members.
"""

from __future__ import annotations

from dataclasses import dataclass

from .pdu import Bind, Outbind, Pdu, Request, Response
from .states import BindState


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    """Base class of every session event."""


@dataclass(frozen=True, slots=True, kw_only=True)
class BindRequested(Event):
    """SMSC side: the peer asked to bind. Policy decides; the adapter then calls
    ``session.accept_bind(pdu, system_id)`` or ``session.reject_bind(pdu, status)``."""

    pdu: Bind


@dataclass(frozen=True, slots=True, kw_only=True)
class Bound(Event):
    """Both sides: a bind response with status 0 crossed the wire; the session is now ``state``."""

    state: BindState
    system_id: str
    """The ESME's system_id, from the bind request (the account, on the SMSC side)."""
    smsc_system_id: str
    """The SMSC's system_id, from the bind response."""


@dataclass(frozen=True, slots=True, kw_only=True)
class BindFailed(Event):
    """ESME side: the bind was refused; the session stays OPEN.

    ``response``: the error bind response or generic_nack; None when the answer could not be decoded.
    """

    request: Bind
    status: int
    response: Response | None


@dataclass(frozen=True, slots=True, kw_only=True)
class OutbindReceived(Event):
    """ESME side: the SMSC connected to us and sent outbind; authenticate it, then ``session.bind``."""

    pdu: Outbind


@dataclass(frozen=True, slots=True, kw_only=True)
class RequestReceived(Event):
    """A legal request within the inbound window. Answer it with ``session.send_response`` (unless
    it has no response: alert_notification)."""

    pdu: Request


@dataclass(frozen=True, slots=True, kw_only=True)
class ResponseReceived(Event):
    """The peer answered one of our requests with its ``_resp``. ``round_trip`` in seconds."""

    request: Request
    response: Response
    round_trip: float


@dataclass(frozen=True, slots=True, kw_only=True)
class RequestFailed(Event):
    """The peer answered one of our requests with something other than its ``_resp``.

    ``response`` is the generic_nack or the wrong ``_resp``; None when the answer could not be decoded.
    ``status`` is the nack's status, or the status describing why the answer was unusable.
    """

    request: Request
    status: int
    detail: str
    response: Response | None


@dataclass(frozen=True, slots=True, kw_only=True)
class RequestTimedOut(Event):
    """No answer to ``request`` within ``SessionConfig.response_timeout``; it is forgotten now (a late
    answer is reported as an unsolicited response). For submit_sm the outcome is unknown."""

    request: Request


@dataclass(frozen=True, slots=True, kw_only=True)
class PeerUnresponsive(Event):
    """The session's own enquire_link got no answer in time; ``ConnectionClosed`` follows."""

    silent_for: float
    """Seconds since the last PDU received."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Unbound(Event):
    """The unbind handshake is done (``by_peer``: the peer asked); ``ConnectionClosed`` follows."""

    by_peer: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class ProtocolViolation(Event):
    """The peer broke the protocol; the session has already answered (``answer``) or dropped it.

    For logs and metrics only. ``pdu`` is the offending PDU when it could be decoded.
    """

    status: int
    detail: str
    pdu: Pdu | None = None
    command_id: int | None = None
    sequence_number: int | None = None
    answer: Response | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ConnectionClosed(Event):
    """The session is over (state ``CLOSED``); flush ``data_to_send()`` and close the transport.

    ``unanswered``: our requests still waiting for an answer (fail their waiters); the session will
    report nothing more about them.
    """

    reason: str
    unanswered: tuple[Request, ...] = ()
