"""A session pair driven by hypothesis: random requests, answers, timer advances, unbinds, closes
and garbage bytes. Invariants: nothing but ``LocalProtocolError`` (where the table says so) ever
comes out of a session; every request gets exactly one outcome or is listed as unanswered when the
session closes; windows and counts agree with what the application saw; both sides agree on the
state whenever the wire is quiet and nobody injected garbage."""

from __future__ import annotations

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from smpp_gateway.smpp import pdu as p
from smpp_gateway.smpp._session_support import CONTROL
from smpp_gateway.smpp.constants import CommandStatus
from smpp_gateway.smpp.errors import LocalProtocolError
from smpp_gateway.smpp.events import (
    BindFailed,
    BindRequested,
    Bound,
    ConnectionClosed,
    Event,
    RequestFailed,
    RequestReceived,
    RequestTimedOut,
    ResponseReceived,
)
from smpp_gateway.smpp.session import SessionConfig
from smpp_gateway.smpp.states import BIND_IDS, BindState, Direction, Role, illegal_status, legal

from .session_pair import SessionPair, drain
from .strategies import frames

CONFIG = SessionConfig(
    response_timeout=5.0,
    enquire_link_interval=3.0,
    inactivity_timeout=20.0,
    bind_timeout=12.0,
    max_outbound_window=3,
    max_inbound_window=2,
)
REQUESTS: dict[Role, list[type[p.Request]]] = {
    Role.ESME: [p.SubmitSm, p.DataSm, p.QuerySm, p.CancelSm, p.EnquireLink],
    Role.SMSC: [p.DeliverSm, p.DataSm, p.AlertNotification, p.EnquireLink, p.Outbind],
}
STARTS = st.sampled_from(
    [None, BindState.BOUND_TX, BindState.BOUND_RX, BindState.BOUND_TRX, BindState.BOUND_TRX]
)
STATUSES = st.sampled_from(
    [CommandStatus.ESME_ROK, CommandStatus.ESME_RTHROTTLED, CommandStatus.ESME_RSYSERR]
)
ROLES = st.sampled_from(list(Role))


class SessionPairMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.pair = SessionPair(CONFIG)
        self.corrupted = False
        self.connections = 0
        # our requests with no outcome yet, and the peer's requests the application still holds
        self.waiting: dict[Role, dict[int, p.Request]] = {role: {} for role in Role}
        self.held: dict[Role, dict[int, p.Request]] = {role: {} for role in Role}

    # --- bookkeeping of what the application sees ---------------------------------------------

    def process(self) -> None:
        for role in Role:
            for event in drain(self.pair.session(role)):
                self.check(role, event)
        if self.pair.esme.should_close and self.pair.smsc.should_close:
            self.reconnect()

    def check(self, role: Role, event: Event) -> None:
        waiting, held = self.waiting[role], self.held[role]
        if isinstance(event, ResponseReceived | RequestFailed | RequestTimedOut | BindFailed):
            assert waiting.pop(event.request.sequence_number) == event.request
        if isinstance(event, ResponseReceived):
            assert type(event.response) is event.request.response_class
            assert event.response.sequence_number == event.request.sequence_number
            assert event.round_trip >= 0
        elif isinstance(event, Bound) and role is Role.ESME:
            (sequence,) = [s for s, r in waiting.items() if isinstance(r, p.Bind)]
            del waiting[sequence]
        elif isinstance(event, RequestReceived | BindRequested) and event.pdu.response_class is not None:
            assert event.pdu.sequence_number not in held
            held[event.pdu.sequence_number] = event.pdu
        elif isinstance(event, ConnectionClosed):
            assert {r.sequence_number: r for r in event.unanswered} == waiting
            waiting.clear()
            held.clear()
            assert self.pair.session(role).state is BindState.CLOSED

    def send(self, role: Role, pdu: p.Request) -> None:
        """Send, expecting exactly the refusal the table and the window predict."""
        session = self.pair.session(role)
        cid = pdu.command_id
        expected: CommandStatus | None = None
        bind_under_way = any(isinstance(r, p.Bind) for r in self.waiting[role].values())
        if cid not in legal(session.state, role, Direction.SEND) or (cid in BIND_IDS and bind_under_way):
            expected = illegal_status(session.state, cid)
        elif cid not in CONTROL and session.outstanding >= CONFIG.max_outbound_window:
            expected = CommandStatus.ESME_RMSGQFUL
        refused: int | None = None
        try:
            sequence = session.send_request(pdu, self.pair.now)
        except LocalProtocolError as exc:
            refused = exc.status
        assert refused == expected
        if refused is None and pdu.response_class is not None:
            self.waiting[role][sequence] = pdu.with_sequence(sequence)

    # --- rules ----------------------------------------------------------------------------------

    @initialize(start=STARTS)
    def start(self, start: BindState | None) -> None:
        if start is not None:
            self.pair.bind(start)

    def reconnect(self) -> None:
        """Both sides are gone: check nothing was left behind, then start a new connection (bound,
        so that the steps left are spent on traffic)."""
        assert self.waiting == self.held == {Role.ESME: {}, Role.SMSC: {}}
        self.connections += 1
        self.pair = SessionPair(CONFIG, now=self.pair.now)
        self.corrupted = False
        self.start([BindState.BOUND_TRX, BindState.BOUND_TX, BindState.BOUND_RX][self.connections % 3])

    @precondition(lambda self: self.pair.esme.state is BindState.OPEN)
    @rule(kind=st.sampled_from([p.BindTransmitter, p.BindReceiver, p.BindTransceiver]))
    def bind(self, kind: type[p.Bind]) -> None:
        self.send(Role.ESME, kind(system_id="esme", password="pw"))
        self.process()

    @precondition(lambda self: any(isinstance(r, p.Bind) for r in self.held[Role.SMSC].values()))
    @rule(accept=st.booleans())
    def decide_bind(self, accept: bool) -> None:
        (request,) = [r for r in self.held[Role.SMSC].values() if isinstance(r, p.Bind)]
        if accept:
            self.pair.smsc.accept_bind(request, "smsc")
        else:
            self.pair.smsc.reject_bind(request, CommandStatus.ESME_RBINDFAIL)
        del self.held[Role.SMSC][request.sequence_number]
        self.process()

    @rule(role=ROLES, index=st.integers(0, 5))
    def request(self, role: Role, index: int) -> None:
        kinds = REQUESTS[role]
        self.send(role, kinds[index % len(kinds)]())
        self.process()

    def answerable(self) -> list[tuple[Role, int]]:
        return [(role, s) for role in Role for s, r in self.held[role].items() if not isinstance(r, p.Bind)]

    @precondition(lambda self: self.answerable())
    @rule(index=st.integers(0, 10), status=STATUSES, nack=st.booleans())
    def answer(self, index: int, status: CommandStatus, nack: bool) -> None:
        held = self.answerable()
        role, sequence = held[index % len(held)]
        request = self.held[role].pop(sequence)
        reply = p.GenericNack(command_status=status) if nack else request.make_response(status)
        self.pair.session(role).send_response(request, reply)
        self.process()

    @rule()
    def pump(self) -> None:
        self.pair.pump()
        self.process()
        if not self.corrupted:
            assert self.pair.esme.state is self.pair.smsc.state

    @rule(seconds=st.floats(0.0, 6.0), then_pump=st.booleans())
    def advance(self, seconds: float, then_pump: bool) -> None:
        """Time passes; with ``then_pump`` the wire carries what the timers sent (keepalives)."""
        self.pair.advance(seconds)
        self.process()
        if then_pump:
            self.pump()

    @rule(role=ROLES, action=st.sampled_from(["unbind", "close", "garbage", "", "", "", ""]), data=st.data())
    def disrupt(self, role: Role, action: str, data: st.DataObject) -> None:
        """One rule for everything that ends or damages a connection, and mostly a no-op, so that
        it happens now and then rather than in most steps."""
        session = self.pair.session(role)
        if not action:
            return
        if action == "unbind":
            allowed = session.state not in (BindState.OPEN, BindState.CLOSED)
            refused: int | None = None
            try:
                session.unbind(self.pair.now)
            except LocalProtocolError as exc:
                refused = exc.status
            assert refused == (None if allowed else CommandStatus.ESME_RINVBNDSTS)
        elif action == "close":
            session.close()
        else:  # bytes from nowhere: a random (valid) PDU, or noise that may break the framing
            junk = data.draw(st.one_of(frames(), st.binary(min_size=1, max_size=40)))
            self.corrupted = True
            session.receive_data(junk, self.pair.now)
        self.process()

    # --- invariants -----------------------------------------------------------------------------

    @invariant()
    def counts_agree(self) -> None:
        for role in Role:
            session = self.pair.session(role)
            windowed = [r for r in self.waiting[role].values() if r.command_id not in CONTROL]
            assert session.outstanding == len(windowed) <= CONFIG.max_outbound_window
            assert session.inbound_pending == len(self.held[role])
            assert len([r for r in self.held[role].values() if not isinstance(r, p.Bind)]) <= 2
            if session.state is BindState.CLOSED:
                assert session.next_deadline() is None

    def teardown(self) -> None:
        for role in Role:
            self.pair.session(role).close()
        self.process()
        assert self.waiting == {Role.ESME: {}, Role.SMSC: {}}


TestSessionPair = SessionPairMachine.TestCase
TestSessionPair.settings = settings(
    max_examples=100,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
