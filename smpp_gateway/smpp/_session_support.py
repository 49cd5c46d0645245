"""Pieces of ``session`` that need no session state: its configuration, the record of one request
awaiting an answer, and the answer to a PDU that could be framed but not decoded."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import TypeVar

from .codec import DEFAULT_MAX_PDU_SIZE
from .constants import RESPONSE_BIT, CommandId, CommandStatus
from .errors import RemoteProtocolError
from .pdu import PDU_CLASSES, GenericNack, Pdu, Request, Response

_P = TypeVar("_P", bound=Pdu)

MAX_SEQUENCE = 0x7FFFFFFF  # sequence numbers run 1..0x7FFFFFFF (digest 1.1)

# Session control: outside both windows, so that a full window never blocks a keepalive, a goodbye
# or the bind itself (section "windows" of the session's theory of operation).
CONTROL = frozenset(
    {
        CommandId.BIND_TRANSMITTER,
        CommandId.BIND_RECEIVER,
        CommandId.BIND_TRANSCEIVER,
        CommandId.UNBIND,
        CommandId.ENQUIRE_LINK,
    }
)

# Keepalive traffic: it proves the link is up but is not "activity" for inactivity_timeout, or the
# enquire_links of either side would keep an otherwise idle bind open for ever.
KEEPALIVE = frozenset({CommandId.ENQUIRE_LINK, CommandId.ENQUIRE_LINK_RESP})


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionConfig:
    """Timers (seconds) and bounds of one session. None disables a timer.

    Defaults follow the digest's section 9: Jasmin and Kannel use 30 s keepalives and a 60 s
    response timer; session_init (bind) timers of 5-30 s are usual. Inactivity is off by default:
    Jasmin and RouteMobile use 300 s, but a quiet receiver bind is normal for a gateway's clients.
    """

    response_timeout: float = 60.0
    """How long a request may wait for its answer (3.4 response_timer)."""
    enquire_link_interval: float | None = 30.0
    """Idle time (no PDU received) after which the session sends enquire_link (enquire_link_timer)."""
    inactivity_timeout: float | None = None
    """Time without any PDU but enquire_link(_resp), either way, after which we unbind (inactivity_timer)."""
    bind_timeout: float | None = 30.0
    """Time allowed from the connection to a successful bind (session_init_timer)."""
    max_outbound_window: int = 10
    """Our requests awaiting an answer. 10 is Kannel's max-pending-submits and Sinch's window."""
    max_inbound_window: int = 100
    """The peer's requests we hold unanswered. Generous: client windows of 1-10 are common, some bulk
    senders use 50-100; past it we answer ESME_RMSGQFUL rather than buffer without bound."""
    max_pdu_size: int = DEFAULT_MAX_PDU_SIZE
    """Largest command_length accepted; beyond it the stream is treated as unframeable."""

    def __post_init__(self) -> None:
        for name in ("response_timeout", "enquire_link_interval", "inactivity_timeout", "bind_timeout"):
            value = getattr(self, name)
            if value is not None and not value > 0:
                raise ValueError(f"SessionConfig.{name} must be positive or None, not {value!r}")
        for name in ("max_outbound_window", "max_inbound_window"):
            if getattr(self, name) < 1:
                raise ValueError(f"SessionConfig.{name} must be at least 1")
        if self.max_pdu_size < 16:
            raise ValueError("SessionConfig.max_pdu_size must be at least 16 (one header)")


class Pending:
    """One of our requests awaiting its answer.

    A plain slotted class, not a dataclass: one is created per request on the hot path, and its
    ``done`` flag is flipped instead of removing it from the deadline deque (lazy deletion).
    """

    __slots__ = ("deadline", "done", "internal", "request", "sent_at", "windowed")

    def __init__(
        self, request: Request, sent_at: float, deadline: float, windowed: bool, internal: bool
    ) -> None:
        self.request = request
        self.sent_at = sent_at
        self.deadline = deadline
        self.windowed = windowed
        self.internal = internal  # the session consumes the answer (its own keepalive, unbind)
        self.done = False


class RequestTracker:
    """Our requests awaiting an answer: sequence numbers, the window count and the deadlines.

    Every request waits the same ``timeout``, so deadlines come in send order and a deque is a
    priority queue (given a ``now`` that never goes backwards). Answered requests stay in the deque,
    marked done, until they reach its head: answering is O(1) and nothing is ever rebuilt.
    """

    __slots__ = ("_by_sequence", "_deadlines", "_next", "timeout", "windowed")

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self.windowed = 0  # how many count against max_outbound_window
        self._by_sequence: dict[int, Pending] = {}
        self._deadlines: deque[Pending] = deque()
        self._next = 1

    def allocate(self) -> int:
        """The next sequence number: 1..0x7FFFFFFF, wrapping to 1, skipping those still outstanding."""
        sequence, taken = self._next, self._by_sequence
        while sequence in taken:  # ends: far fewer are outstanding than there are numbers
            sequence = sequence + 1 if sequence < MAX_SEQUENCE else 1
        self._next = sequence + 1 if sequence < MAX_SEQUENCE else 1
        return sequence

    def add(self, request: Request, now: float, *, windowed: bool, internal: bool) -> Pending:
        pending = Pending(request, now, now + self.timeout, windowed, internal)
        self._by_sequence[request.sequence_number] = pending
        self._deadlines.append(pending)
        self.windowed += windowed
        return pending

    def add_windowed(self, requests: list[Request], now: float) -> None:
        """``add`` for several application requests (windowed, answered to the application)."""
        deadline = now + self.timeout
        by_sequence, deadlines = self._by_sequence, self._deadlines
        for request in requests:
            pending = Pending(request, now, deadline, True, False)
            by_sequence[request.sequence_number] = pending
            deadlines.append(pending)
        self.windowed += len(requests)

    def pop(self, sequence: int) -> Pending | None:
        """The request answered by ``sequence``, now forgotten; None if nothing waits for it."""
        pending = self._by_sequence.pop(sequence, None)
        if pending is not None:
            pending.done = True
            self.windowed -= pending.windowed
        return pending

    def next_deadline(self) -> float | None:
        deadlines = self._deadlines
        while deadlines and deadlines[0].done:
            deadlines.popleft()
        return deadlines[0].deadline if deadlines else None

    def pop_expired(self, now: float) -> Pending | None:
        """The oldest request whose deadline has passed, now forgotten; None if there is none."""
        deadline = self.next_deadline()
        if deadline is None or deadline > now:
            return None
        return self.pop(self._deadlines.popleft().request.sequence_number)

    def clear(self) -> tuple[Request, ...]:
        """Forget everything; the application's requests that were still waiting."""
        unanswered = tuple(p.request for p in self._by_sequence.values() if not p.internal)
        for pending in self._by_sequence.values():
            pending.done = True
        self._by_sequence.clear()
        self._deadlines.clear()
        self.windowed = 0
        return unanswered


def bad_pdu_answer(exc: RemoteProtocolError) -> Response | None:
    """What to send back for a PDU that was framed but not decoded; None for a response (never
    answered, or two peers could nack each other for ever)."""
    if exc.fatal:  # the stream cannot be framed: the header we would echo is not trustworthy
        return GenericNack(sequence_number=0, command_status=exc.status)
    command_id, sequence = exc.command_id, exc.sequence_number or 0
    if command_id is not None and command_id & RESPONSE_BIT:
        return None
    cls = PDU_CLASSES.get(command_id) if command_id is not None else None
    response_class = cls.response_class if cls is not None and issubclass(cls, Request) else None
    if response_class is None:  # unknown command id, or outbind / alert_notification (no _resp)
        return GenericNack(sequence_number=sequence, command_status=exc.status)
    return response_class(
        sequence_number=sequence, command_status=exc.status, body_omitted=response_class.has_body
    )


def error_response(request: Request, status: CommandStatus) -> Response:
    """The refusal of ``request``: its ``_resp`` with ``status``, or generic_nack when it has none."""
    if request.response_class is None:
        return GenericNack(sequence_number=request.sequence_number, command_status=status)
    return request.make_response(status)


def renumbered(pdu: _P, sequence: int) -> _P:
    """``pdu`` with another sequence number (``Pdu.evolve``: every ``send_request`` pays for it)."""
    return pdu.evolve(sequence_number=sequence)
