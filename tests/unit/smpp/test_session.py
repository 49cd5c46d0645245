"""Session: every cell of the LEGAL table, the handshakes, timers, windows, sequence numbers and
malformed input, all in memory with time passed in."""

from __future__ import annotations

import struct
from collections.abc import Callable

import pytest

from smpp_gateway.smpp import codec
from smpp_gateway.smpp import pdu as p
from smpp_gateway.smpp._session_support import error_response
from smpp_gateway.smpp.constants import CommandId, CommandStatus
from smpp_gateway.smpp.errors import LocalProtocolError, RemoteProtocolError
from smpp_gateway.smpp.events import (
    BindFailed,
    BindRequested,
    Bound,
    ConnectionClosed,
    Event,
    OutbindReceived,
    PeerUnresponsive,
    ProtocolViolation,
    RequestFailed,
    RequestReceived,
    RequestTimedOut,
    ResponseReceived,
    Unbound,
)
from smpp_gateway.smpp.session import MAX_SEQUENCE, Session, SessionConfig
from smpp_gateway.smpp.states import BOUND_STATES, BindState, Direction, Role, illegal_status, legal

from .session_pair import SessionPair, drain

C = CommandId
S = CommandStatus
REQUEST_IDS = [cid for cid in CommandId if not cid.is_response]
RESPONSE_IDS = [cid for cid in CommandId if cid.is_response]
CELLS = [(state, role) for state in BindState for role in Role]


def _cell_id(value: object) -> str:
    if isinstance(value, BindState | Role | CommandId):
        return value.name.lower()
    return str(value)


def sample(cid: CommandId, sequence: int = 0) -> p.Pdu:
    """A valid PDU of this command with mostly default fields."""
    cls = p.PDU_CLASSES[cid]
    if issubclass(cls, p.Bind):
        return cls(sequence_number=sequence, system_id="esme1", password="secret")
    if cls is p.SubmitMulti:
        return p.SubmitMulti(sequence_number=sequence, dest_addresses=(p.DestAddress(1, 1, "4479"),))
    return cls(sequence_number=sequence)


def request(cid: CommandId, sequence: int = 0) -> p.Request:
    pdu = sample(cid, sequence)
    assert isinstance(pdu, p.Request)
    return pdu


def response(cid: CommandId, sequence: int = 0) -> p.Response:
    pdu = sample(cid, sequence)
    assert isinstance(pdu, p.Response)
    return pdu


def types(events: list[Event]) -> list[type[Event]]:
    return [type(event) for event in events]


def in_state(state: BindState, role: Role, before_unbind: Callable[[Session], None] | None = None) -> Session:
    """A session playing ``role`` in ``state``, with its handshake events and bytes consumed."""
    pair = SessionPair()
    session = pair.session(role)
    if state in BOUND_STATES:
        pair.bind(state)
    elif state is BindState.UNBOUND:
        pair.bind(BindState.BOUND_TRX)
        if before_unbind is not None:
            before_unbind(session)
        session.unbind(pair.now)
    elif state is BindState.CLOSED:
        session.close()
    drain(session)
    session.data_to_send()
    assert session.state is state
    return session


def feed(session: Session, *pdus: p.Pdu, now: float = 0.0) -> tuple[list[Event], bytes]:
    session.receive_data(b"".join(codec.encode(pdu) for pdu in pdus), now)
    return drain(session), session.data_to_send()


# --- every cell of the LEGAL table ------------------------------------------------------------

EXPECTED_ON_RECEIPT: dict[CommandId, list[type[Event]]] = {
    C.ENQUIRE_LINK: [],  # answered by the session, not surfaced
    C.UNBIND: [Unbound, ConnectionClosed],
    C.BIND_TRANSMITTER: [BindRequested],
    C.BIND_RECEIVER: [BindRequested],
    C.BIND_TRANSCEIVER: [BindRequested],
    C.OUTBIND: [OutbindReceived],
}
AUTO_ANSWER: dict[CommandId, type[p.Response]] = {C.ENQUIRE_LINK: p.EnquireLinkResp, C.UNBIND: p.UnbindResp}


@pytest.mark.parametrize("cid", REQUEST_IDS, ids=_cell_id)
@pytest.mark.parametrize(("state", "role"), CELLS, ids=_cell_id)
def test_receive_request_cell(state: BindState, role: Role, cid: CommandId) -> None:
    session = in_state(state, role)
    pdu = request(cid, 77)
    events, out = feed(session, pdu)
    if state is BindState.CLOSED:
        assert (events, out) == ([], b"")
    elif cid in legal(state, role, Direction.RECEIVE):
        assert types(events) == EXPECTED_ON_RECEIPT.get(cid, [RequestReceived])
        answer = AUTO_ANSWER.get(cid)
        assert out == (codec.encode(answer(sequence_number=77)) if answer else b"")
        assert session.state is (BindState.CLOSED if cid is C.UNBIND else state)
    else:
        refusal = error_response(pdu, illegal_status(state, cid))
        assert out == codec.encode(refusal)
        (violation,) = events
        assert isinstance(violation, ProtocolViolation)
        assert violation.status == illegal_status(state, cid)
        assert (violation.pdu, violation.answer, violation.sequence_number) == (pdu, refusal, 77)
        assert session.state is state


def test_bind_while_bound_is_already_bound() -> None:
    session = in_state(BindState.BOUND_TX, Role.SMSC)
    _, out = feed(session, request(C.BIND_RECEIVER, 9))
    assert codec.decode(out) == p.BindReceiverResp(
        sequence_number=9, command_status=S.ESME_RALYBND, body_omitted=True
    )


@pytest.mark.parametrize("cid", RESPONSE_IDS, ids=_cell_id)
@pytest.mark.parametrize(("state", "role"), CELLS, ids=_cell_id)
def test_unsolicited_response_cell_is_dropped(state: BindState, role: Role, cid: CommandId) -> None:
    session = in_state(state, role)
    events, out = feed(session, response(cid, 4242))
    assert out == b""  # a response is never answered
    if state is BindState.CLOSED:
        assert events == []
    else:
        (violation,) = events
        assert isinstance(violation, ProtocolViolation)
        assert violation.answer is None
        assert session.state is state


def _requests_answered_by(cid: CommandId, state: BindState, role: Role) -> list[CommandId]:
    """Requests this role may send in ``state`` (TRX for UNBOUND) that ``cid`` answers."""
    sent_in = BindState.BOUND_TRX if state is BindState.UNBOUND else state
    sendable = legal(sent_in, role, Direction.SEND)
    if cid is C.UNBIND_RESP:
        return [C.UNBIND] if state is BindState.UNBOUND else []  # sending unbind leaves bound states
    if cid is C.GENERIC_NACK:
        requests: list[CommandId] = [
            c for c in sendable if not c.is_response and c not in (C.UNBIND, C.OUTBIND)
        ]
        return sorted(requests)[:1]
    return [c for c in sendable if not c.is_response and c | 0x80000000 == cid]


SOLICITED = [
    (state, role, cid, req)
    for state, role in CELLS
    for cid in RESPONSE_IDS
    if cid in legal(state, role, Direction.RECEIVE)
    for req in _requests_answered_by(cid, state, role)
]


def _expected_outcome(req: CommandId, resp: CommandId) -> list[type[Event]]:
    if resp is C.UNBIND_RESP:
        return [Unbound, ConnectionClosed]
    if req in (C.BIND_TRANSMITTER, C.BIND_RECEIVER, C.BIND_TRANSCEIVER):
        return [BindFailed] if resp is C.GENERIC_NACK else [Bound]
    return [RequestFailed] if resp is C.GENERIC_NACK else [ResponseReceived]


@pytest.mark.parametrize(("state", "role", "cid", "req"), SOLICITED, ids=_cell_id)
def test_solicited_response_cell(state: BindState, role: Role, cid: CommandId, req: CommandId) -> None:
    sequences: list[int] = []

    def send(session: Session) -> None:
        if req is not C.UNBIND:
            sequences.append(session.send_request(request(req), 0.0))

    if state is BindState.UNBOUND:
        pair = SessionPair()
        pair.bind()
        session = pair.session(role)
        send(session)
        session.unbind(0.0)
        if req is C.UNBIND:
            sequences.append(codec.decode(session.data_to_send()[-16:]).sequence_number)
        session.data_to_send()
    else:
        session = in_state(state, role)
        send(session)
        session.data_to_send()
    events, out = feed(session, response(cid, sequences[0]))
    assert out == b""
    assert types(events) == _expected_outcome(req, cid)
    assert session.outstanding == 0


SEND_CELLS = [(state, role, cid) for state, role in CELLS for cid in CommandId]


@pytest.mark.parametrize("cid", REQUEST_IDS, ids=_cell_id)
@pytest.mark.parametrize(("state", "role"), CELLS, ids=_cell_id)
def test_send_request_cell(state: BindState, role: Role, cid: CommandId) -> None:
    session = in_state(state, role)
    pdu = request(cid)
    if cid in legal(state, role, Direction.SEND):
        sequence = session.send_request(pdu, 0.0)
        assert session.data_to_send() == codec.encode(pdu.with_sequence(sequence))
        assert session.state is (BindState.UNBOUND if cid is C.UNBIND else state)
    else:
        with pytest.raises(LocalProtocolError) as caught:
            session.send_request(pdu, 0.0)
        assert caught.value.status == illegal_status(state, cid)
        assert session.data_to_send() == b""


def _surfaced_requests_answered_by(cid: CommandId, state: BindState, role: Role) -> list[CommandId]:
    """Requests the peer may send that the application holds and may answer with ``cid``."""
    received_in = BindState.BOUND_TRX if state is BindState.UNBOUND else state
    held: list[CommandId] = [
        c
        for c in legal(received_in, role, Direction.RECEIVE)
        if not c.is_response and c not in (C.ENQUIRE_LINK, C.UNBIND, C.OUTBIND, C.ALERT_NOTIFICATION)
    ]
    if cid is C.GENERIC_NACK:
        return sorted(held)[:1]  # any request the application holds may be nacked
    return [c for c in held if c | 0x80000000 == cid]


@pytest.mark.parametrize("cid", RESPONSE_IDS, ids=_cell_id)
@pytest.mark.parametrize(("state", "role"), CELLS, ids=_cell_id)
def test_send_response_cell(state: BindState, role: Role, cid: CommandId) -> None:
    if cid not in legal(state, role, Direction.SEND):
        session = in_state(state, role)
        with pytest.raises(LocalProtocolError) as caught:
            session.send_response(5, response(cid, 5))
        assert caught.value.status == S.ESME_RINVBNDSTS
        return
    candidates = _surfaced_requests_answered_by(cid, state, role)
    if not candidates:  # e.g. unbind_resp: the session answers unbind itself, the application can't
        session = in_state(state, role)
        with pytest.raises(LocalProtocolError) as caught:
            session.send_response(5, response(cid, 5))
        assert caught.value.status == S.ESME_RSYSERR
        return
    held = request(candidates[0], 31)

    def hold(session: Session) -> None:
        feed(session, held)

    session = in_state(state, role, before_unbind=hold)
    if state is not BindState.UNBOUND:
        hold(session)
    assert session.inbound_pending == 1
    session.send_response(held, response(cid, 31))
    assert session.data_to_send() == codec.encode(response(cid, 31))
    assert session.inbound_pending == 0
    events = drain(session)
    if cid in (C.BIND_TRANSMITTER_RESP, C.BIND_RECEIVER_RESP, C.BIND_TRANSCEIVER_RESP):
        assert types(events) == [Bound]
        assert session.state in BOUND_STATES
    else:
        assert events == []
        assert session.state is state


# --- binds ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "target", [BindState.BOUND_TX, BindState.BOUND_RX, BindState.BOUND_TRX], ids=_cell_id
)
def test_bind_accepted(target: BindState) -> None:
    pair = SessionPair()
    bind_class = {
        BindState.BOUND_TX: p.BindTransmitter,
        BindState.BOUND_RX: p.BindReceiver,
        BindState.BOUND_TRX: p.BindTransceiver,
    }[target]
    pair.esme.bind(bind_class(system_id="acme", password="pw"), 0.0)
    pair.pump()
    (requested,) = drain(pair.smsc)
    assert isinstance(requested, BindRequested)
    assert pair.smsc.state is BindState.OPEN  # nothing changes until the answer is sent
    pair.smsc.accept_bind(requested.pdu, "gw")
    pair.pump()
    expected = Bound(state=target, system_id="acme", smsc_system_id="gw")
    assert drain(pair.smsc) == [expected]
    assert drain(pair.esme) == [expected]
    assert pair.esme.system_id == pair.smsc.system_id == "acme"


def test_bind_rejected_stays_open_and_may_retry() -> None:
    pair = SessionPair()
    pair.esme.bind(p.BindTransmitter(system_id="acme", password="bad"), 0.0)
    pair.pump()
    (requested,) = drain(pair.smsc)
    assert isinstance(requested, BindRequested)
    pair.smsc.reject_bind(requested.pdu, S.ESME_RINVPASWD)
    pair.pump()
    (failed,) = drain(pair.esme)
    assert isinstance(failed, BindFailed)
    assert failed.status == S.ESME_RINVPASWD
    assert failed.request.system_id == "acme"
    assert pair.esme.state is pair.smsc.state is BindState.OPEN
    assert drain(pair.smsc) == []
    pair.bind(BindState.BOUND_TX, "acme")


def test_reject_bind_needs_an_error_status() -> None:
    pair = SessionPair()
    pair.esme.bind(p.BindTransmitter(), 0.0)
    pair.pump()
    (requested,) = drain(pair.smsc)
    assert isinstance(requested, BindRequested)
    with pytest.raises(LocalProtocolError):
        pair.smsc.reject_bind(requested.pdu, S.ESME_ROK)


def test_one_bind_at_a_time() -> None:
    pair = SessionPair()
    pair.esme.bind(p.BindTransmitter(), 0.0)
    with pytest.raises(LocalProtocolError) as caught:
        pair.esme.bind(p.BindReceiver(), 0.0)
    assert caught.value.status == S.ESME_RINVBNDSTS
    smsc = in_state(BindState.OPEN, Role.SMSC)
    events, out = feed(smsc, request(C.BIND_TRANSMITTER, 1), request(C.BIND_RECEIVER, 2))
    assert types(events) == [BindRequested, ProtocolViolation]
    assert codec.decode(out).command_status == S.ESME_RINVBNDSTS


def test_outbind_then_bind() -> None:
    pair = SessionPair()
    pair.smsc.send_request(p.Outbind(system_id="carrier", password="pw"), 0.0)
    pair.pump()
    (outbind,) = drain(pair.esme)
    assert isinstance(outbind, OutbindReceived)
    assert outbind.pdu.system_id == "carrier"
    assert pair.smsc.outstanding == 0  # outbind has no response to wait for
    pair.bind(BindState.BOUND_RX)


# --- unbind ---------------------------------------------------------------------------------


@pytest.mark.parametrize("initiator", list(Role), ids=_cell_id)
def test_unbind_handshake(initiator: Role) -> None:
    pair = SessionPair()
    pair.bind()
    pair.session(initiator).unbind(1.0)
    assert pair.session(initiator).state is BindState.UNBOUND
    pair.session(initiator).unbind(1.0)  # a second call is a no-op
    pair.pump()
    assert drain(pair.session(initiator)) == [Unbound(by_peer=False), ConnectionClosed(reason="unbound")]
    assert drain(pair.peer(initiator)) == [
        Unbound(by_peer=True),
        ConnectionClosed(reason="unbound by the peer"),
    ]
    assert pair.esme.should_close
    assert pair.smsc.should_close


def test_crossing_unbinds() -> None:
    pair = SessionPair()
    pair.bind()
    pair.esme.unbind(1.0)
    pair.smsc.unbind(1.0)
    pair.pump()
    for session in (pair.esme, pair.smsc):
        assert types(drain(session)) == [Unbound, ConnectionClosed]
        assert session.state is BindState.CLOSED


def test_unbound_side_refuses_new_work_but_takes_answers() -> None:
    pair = SessionPair()
    pair.bind()
    sequence = pair.esme.send_request(p.SubmitSm(), 0.0)
    pair.pump()
    (received,) = drain(pair.smsc)
    assert isinstance(received, RequestReceived)
    pair.smsc.send_request(p.DeliverSm(), 0.0)
    pair.esme.unbind(0.0)  # crosses the deliver_sm
    pair.smsc.send_response(received.pdu, p.SubmitSmResp(message_id="m1"))
    pair.pump()
    esme_events = drain(pair.esme)
    assert types(esme_events) == [ProtocolViolation, ResponseReceived, Unbound, ConnectionClosed]
    answer = esme_events[1]
    assert isinstance(answer, ResponseReceived)
    assert answer.request.sequence_number == sequence
    # The SMSC got the unbind before the refusal of its deliver_sm: it was left unanswered.
    smsc_events = drain(pair.smsc)
    assert types(smsc_events) == [Unbound, ConnectionClosed]
    closed = smsc_events[1]
    assert isinstance(closed, ConnectionClosed)
    assert [type(r) for r in closed.unanswered] == [p.DeliverSm]


def test_peer_unbind_leaves_our_requests_unanswered() -> None:
    pair = SessionPair()
    pair.bind()
    pair.esme.send_request(p.SubmitSm(destination_addr="1"), 0.0)
    pair.smsc.unbind(0.0)
    pair.pump()
    closed = drain(pair.esme)[-1]
    assert isinstance(closed, ConnectionClosed)
    assert [r.destination_addr for r in closed.unanswered if isinstance(r, p.SubmitSm)] == ["1"]


# --- keepalive ------------------------------------------------------------------------------


@pytest.mark.parametrize("state", [s for s in BindState if s is not BindState.CLOSED], ids=_cell_id)
@pytest.mark.parametrize("role", list(Role), ids=_cell_id)
def test_enquire_link_answered_in_every_open_state(state: BindState, role: Role) -> None:
    session = in_state(state, role)
    events, out = feed(session, p.EnquireLink(sequence_number=600))
    assert events == []
    assert out == codec.encode(p.EnquireLinkResp(sequence_number=600))


def test_application_enquire_link_gets_its_answer() -> None:
    pair = SessionPair()
    pair.bind()
    pair.esme.send_request(p.EnquireLink(), 0.0)
    pair.pump()
    (answer,) = drain(pair.esme)
    assert isinstance(answer, ResponseReceived)
    assert isinstance(answer.response, p.EnquireLinkResp)


# --- timers ---------------------------------------------------------------------------------

QUIET = SessionConfig(
    response_timeout=5, enquire_link_interval=None, inactivity_timeout=None, bind_timeout=None
)


def test_response_timeout_and_late_answer() -> None:
    pair = SessionPair(QUIET)
    pair.bind()
    pair.esme.send_request(p.SubmitSm(), 0.0)
    pair.pump()
    (received,) = drain(pair.smsc)
    assert isinstance(received, RequestReceived)
    assert pair.esme.next_deadline() == 5.0
    pair.advance(4.9)
    assert drain(pair.esme) == []
    pair.advance(0.1)
    (timed_out,) = drain(pair.esme)
    assert isinstance(timed_out, RequestTimedOut)
    assert timed_out.request.sequence_number == received.pdu.sequence_number
    assert pair.esme.outstanding == 0
    assert pair.esme.next_deadline() is None
    pair.smsc.send_response(received.pdu, p.SubmitSmResp())
    pair.pump()
    assert types(drain(pair.esme)) == [ProtocolViolation]  # late: nobody waits for it any more


def test_answered_requests_leave_the_deadline_queue() -> None:
    pair = SessionPair(QUIET)
    pair.bind()
    for t in range(3):
        pair.now = float(t)
        pair.esme.send_request(p.SubmitSm(), pair.now)
    pair.pump()
    received = drain(pair.smsc)
    for event in received[:2]:
        assert isinstance(event, RequestReceived)
        pair.smsc.send_response(event.pdu, p.SubmitSmResp())
    pair.pump()
    assert pair.esme.next_deadline() == 2.0 + 5.0
    pair.advance(100.0)
    assert types(drain(pair.esme)) == [ResponseReceived, ResponseReceived, RequestTimedOut]


def test_enquire_link_after_idle_keeps_the_link() -> None:
    config = SessionConfig(response_timeout=5, enquire_link_interval=10, bind_timeout=None)
    pair = SessionPair(config, smsc_config=QUIET)
    pair.bind()
    assert pair.esme.next_deadline() == 10.0
    pair.advance(10.0)
    keepalive = pair.esme.data_to_send()
    assert codec.decode(keepalive) == p.EnquireLink(sequence_number=2)
    assert pair.esme.next_deadline() == 15.0  # the keepalive's own answer deadline
    pair.smsc.receive_data(keepalive, pair.now)
    pair.pump()
    assert drain(pair.esme) == drain(pair.smsc) == []
    assert pair.esme.next_deadline() == 20.0
    assert pair.esme.outstanding == 0


def test_traffic_postpones_the_keepalive() -> None:
    config = SessionConfig(response_timeout=5, enquire_link_interval=10, bind_timeout=None)
    pair = SessionPair(config, smsc_config=QUIET)
    pair.bind()
    pair.now = 8.0
    pair.smsc.send_request(p.DeliverSm(), pair.now)
    pair.pump()
    assert pair.esme.next_deadline() == 18.0


def test_peer_unresponsive() -> None:
    config = SessionConfig(response_timeout=5, enquire_link_interval=10, bind_timeout=None)
    pair = SessionPair(config, smsc_config=QUIET)
    pair.bind()
    pair.esme.send_request(p.SubmitSm(), 0.0)
    pair.advance(10.0)
    assert pair.esme.data_to_send()  # submit_sm and enquire_link, never delivered
    pair.advance(5.0)
    events = drain(pair.esme)
    assert types(events) == [RequestTimedOut, PeerUnresponsive, ConnectionClosed]
    assert events[1] == PeerUnresponsive(silent_for=15.0)
    assert pair.esme.should_close
    assert pair.esme.next_deadline() is None


def test_inactivity_unbinds_despite_keepalives() -> None:
    config = SessionConfig(
        response_timeout=5, enquire_link_interval=10, inactivity_timeout=60, bind_timeout=None
    )
    pair = SessionPair(config, smsc_config=QUIET)
    pair.bind()
    for _ in range(6):
        pair.advance(10.0)
        pair.pump()
    assert pair.esme.state is BindState.CLOSED
    assert drain(pair.esme)[-2:] == [
        Unbound(by_peer=False),
        ConnectionClosed(reason="no traffic for inactivity_timeout (60 s)"),
    ]
    assert types(drain(pair.smsc)) == [Unbound, ConnectionClosed]


def test_traffic_postpones_inactivity() -> None:
    config = SessionConfig(enquire_link_interval=None, inactivity_timeout=60, bind_timeout=None)
    pair = SessionPair(config, smsc_config=QUIET)
    pair.bind()
    pair.now = 30.0
    pair.esme.send_request(p.SubmitSm(), pair.now)
    assert pair.esme.next_deadline() == 90.0


def test_unanswered_unbind_closes() -> None:
    pair = SessionPair(QUIET)
    pair.bind()
    pair.esme.unbind(0.0)
    pair.advance(5.0)
    assert drain(pair.esme) == [ConnectionClosed(reason="unbound; unbind unanswered")]


def test_bind_timeout() -> None:
    config = SessionConfig(bind_timeout=5, enquire_link_interval=1)
    pair = SessionPair(config)
    assert pair.smsc.next_deadline() == 5.0  # no keepalive before the bind
    pair.advance(5.0)
    (closed,) = drain(pair.smsc)
    assert isinstance(closed, ConnectionClosed)
    assert "bind_timeout" in closed.reason
    assert pair.smsc.should_close


def test_bind_timeout_stops_once_bound() -> None:
    pair = SessionPair(SessionConfig(bind_timeout=5, enquire_link_interval=None))
    pair.bind()
    assert pair.smsc.next_deadline() is None
    pair.advance(50.0)
    assert pair.smsc.state is BindState.BOUND_TRX


def test_unanswered_bind_times_out_and_closes() -> None:
    pair = SessionPair(QUIET)
    pair.esme.bind(p.BindTransceiver(), 0.0)
    pair.advance(5.0)
    assert drain(pair.esme)[1:] == [ConnectionClosed(reason="bind unanswered")]


def test_handle_timer_early_does_nothing() -> None:
    pair = SessionPair()
    pair.smsc.handle_timer(1.0)  # OPEN, bind_timeout not reached
    pair.bind()
    pair.esme.handle_timer(1.0)
    for session in (pair.esme, pair.smsc):
        assert drain(session) == []
        assert session.data_to_send() == b""


# --- windows --------------------------------------------------------------------------------


def test_inbound_window_full_is_answered_by_the_session() -> None:
    pair = SessionPair(SessionConfig(max_outbound_window=5), smsc_config=SessionConfig(max_inbound_window=2))
    pair.bind()
    for _ in range(3):
        pair.esme.send_request(p.SubmitSm(), 0.0)
    pair.pump()
    smsc_events = drain(pair.smsc)
    assert types(smsc_events) == [RequestReceived, RequestReceived, ProtocolViolation]
    assert pair.smsc.inbound_pending == 2
    (full,) = drain(pair.esme)
    assert isinstance(full, ResponseReceived)
    assert full.response.command_status == S.ESME_RMSGQFUL
    first = smsc_events[0]
    assert isinstance(first, RequestReceived)
    pair.smsc.send_response(first.pdu, p.SubmitSmResp())
    pair.esme.send_request(p.SubmitSm(), 0.0)
    pair.pump()
    assert types(drain(pair.smsc)) == [RequestReceived]


def test_outbound_window_full_raises_but_control_goes_through() -> None:
    pair = SessionPair(SessionConfig(max_outbound_window=2))
    pair.bind()
    pair.esme.send_request(p.SubmitSm(), 0.0)
    pair.esme.send_request(p.DataSm(), 0.0)
    assert pair.esme.outstanding == 2
    with pytest.raises(LocalProtocolError) as caught:
        pair.esme.send_request(p.SubmitSm(), 0.0)
    assert caught.value.status == S.ESME_RMSGQFUL
    pair.esme.send_request(p.EnquireLink(), 0.0)
    pair.esme.unbind(0.0)
    assert pair.esme.outstanding == 2


def test_reused_inbound_sequence_is_refused() -> None:
    session = in_state(BindState.BOUND_TX, Role.SMSC)
    events, out = feed(session, p.SubmitSm(sequence_number=8), p.SubmitSm(sequence_number=8))
    assert types(events) == [RequestReceived, ProtocolViolation]
    assert codec.decode(out) == p.SubmitSmResp(
        sequence_number=8, command_status=S.ESME_RSYSERR, body_omitted=True
    )
    assert session.inbound_pending == 1


def test_alert_notification_needs_no_answer() -> None:
    session = in_state(BindState.BOUND_RX, Role.ESME)
    events, _ = feed(session, p.AlertNotification(sequence_number=3))
    assert types(events) == [RequestReceived]
    assert session.inbound_pending == 0
    with pytest.raises(LocalProtocolError):
        session.send_response(3, p.GenericNack())


# --- sequence numbers -----------------------------------------------------------------------


def test_sequence_wraps_and_skips_outstanding_numbers() -> None:
    pair = SessionPair(SessionConfig(max_outbound_window=10))
    pair.bind()  # the bind used 1
    assert [pair.esme.send_request(p.SubmitSm(), 0.0) for _ in range(2)] == [2, 3]
    pair.esme._requests._next = MAX_SEQUENCE - 1  # as if two billion requests had gone by
    numbers = [pair.esme.send_request(p.SubmitSm(), 0.0) for _ in range(4)]
    assert numbers == [MAX_SEQUENCE - 1, MAX_SEQUENCE, 1, 4]  # 2 and 3 are still outstanding
    frames = pair.esme.data_to_send()
    decoded = [codec.decode(frames[i : i + 16 + 17]) for i in range(0, len(frames), 33)]
    assert [pdu.sequence_number for pdu in decoded] == [2, 3, *numbers]


# --- answering ------------------------------------------------------------------------------


def test_a_request_numbered_already_is_sent_as_it_is() -> None:
    session = in_state(BindState.BOUND_TX, Role.ESME)
    pdu = p.SubmitSm(sequence_number=2)  # the bind took 1
    assert session.send_request(pdu, 0.0) == 2
    assert session.data_to_send() == codec.encode(pdu)


def test_send_response_by_sequence_sets_its_number() -> None:
    session = in_state(BindState.BOUND_TX, Role.SMSC)
    feed(session, p.SubmitSm(sequence_number=12))
    session.send_response(12, p.SubmitSmResp(message_id="x"))
    assert codec.decode(session.data_to_send()) == p.SubmitSmResp(sequence_number=12, message_id="x")


def test_send_response_refuses_what_answers_nothing() -> None:
    session = in_state(BindState.BOUND_TX, Role.SMSC)
    feed(session, p.SubmitSm(sequence_number=12))
    with pytest.raises(LocalProtocolError) as caught:
        session.send_response(13, p.SubmitSmResp())
    assert caught.value.status == S.ESME_RSYSERR
    with pytest.raises(LocalProtocolError):
        session.send_response(12, p.QuerySmResp())
    session.send_response(12, p.GenericNack(command_status=S.ESME_RSYSERR))
    with pytest.raises(LocalProtocolError):
        session.send_response(12, p.SubmitSmResp())  # answered already


def test_answers_are_coalesced_into_one_write() -> None:
    session = in_state(BindState.BOUND_TX, Role.SMSC)
    feed(session, *(p.SubmitSm(sequence_number=n) for n in (1, 2, 3)))
    for n in (3, 1, 2):
        session.send_response(n, p.SubmitSmResp(message_id=str(n)))
    expected = b"".join(codec.encode(p.SubmitSmResp(sequence_number=n, message_id=str(n))) for n in (3, 1, 2))
    assert session.data_to_send() == expected
    assert session.data_to_send() == b""


def test_generic_nack_received_fails_the_request_and_is_not_answered() -> None:
    session = in_state(BindState.BOUND_TX, Role.ESME)
    sequence = session.send_request(p.SubmitSm(), 0.0)
    session.data_to_send()
    events, out = feed(session, p.GenericNack(sequence_number=sequence, command_status=S.ESME_RINVCMDID))
    assert out == b""
    (failed,) = events
    assert isinstance(failed, RequestFailed)
    assert (failed.status, failed.request.sequence_number) == (S.ESME_RINVCMDID, sequence)
    assert isinstance(failed.response, p.GenericNack)
    assert session.outstanding == 0


def test_generic_nack_to_a_keepalive_is_proof_of_life() -> None:
    config = SessionConfig(response_timeout=5, enquire_link_interval=10, bind_timeout=None)
    pair = SessionPair(config, smsc_config=QUIET)
    pair.bind()
    pair.advance(10.0)
    (keepalive,) = [codec.decode(pair.esme.data_to_send())]
    events, _ = feed(pair.esme, p.GenericNack(sequence_number=keepalive.sequence_number), now=pair.now)
    assert events == []
    pair.advance(5.0)
    assert pair.esme.state is BindState.BOUND_TRX


def test_generic_nack_to_unbind_closes() -> None:
    session = in_state(BindState.UNBOUND, Role.ESME)
    events, _ = feed(session, p.GenericNack(sequence_number=2, command_status=S.ESME_RINVCMDID))
    assert types(events) == [ConnectionClosed]


def test_wrong_response_type_fails_the_request() -> None:
    session = in_state(BindState.BOUND_TX, Role.ESME)
    sequence = session.send_request(p.SubmitSm(), 0.0)
    session.data_to_send()
    events, out = feed(session, p.QuerySmResp(sequence_number=sequence))
    assert out == b""
    assert types(events) == [ProtocolViolation, RequestFailed]
    assert session.outstanding == 0


def test_wrong_response_type_fails_a_bind() -> None:
    session = in_state(BindState.OPEN, Role.ESME)
    sequence = session.bind(p.BindTransmitter(), 0.0)
    events, _ = feed(session, p.BindReceiverResp(sequence_number=sequence))
    assert types(events) == [ProtocolViolation, BindFailed]
    assert session.state is BindState.OPEN


# --- malformed input ------------------------------------------------------------------------


def _with_length(frame: bytes, length: int | None = None) -> bytes:
    return struct.pack(">I", len(frame) if length is None else length) + frame[4:]


def _decode_error(frame: bytes) -> RemoteProtocolError:
    with pytest.raises(RemoteProtocolError) as caught:
        codec.decode(frame)
    return caught.value


def test_bad_body_gets_the_specific_status_and_the_session_survives() -> None:
    session = in_state(BindState.BOUND_TX, Role.SMSC)
    good = codec.encode(p.SubmitSm(sequence_number=21, short_message=b"hello"))
    broken = _with_length(good[:-2])  # sm_length says 5, only 3 octets follow
    status = _decode_error(broken).status
    assert status == S.ESME_RINVMSGLEN
    session.receive_data(broken, 0.0)
    (violation,) = drain(session)
    assert isinstance(violation, ProtocolViolation)
    assert (violation.status, violation.command_id, violation.sequence_number) == (status, C.SUBMIT_SM, 21)
    answer = p.SubmitSmResp(sequence_number=21, command_status=status, body_omitted=True)
    assert violation.answer == answer
    assert session.data_to_send() == codec.encode(answer)
    events, _ = feed(session, p.SubmitSm(sequence_number=22))
    assert types(events) == [RequestReceived]


def test_bad_bind_body_gets_the_field_status() -> None:
    session = in_state(BindState.OPEN, Role.SMSC)
    frame = codec.encode(p.BindTransmitter(sequence_number=4, system_id="x"))
    broken = frame[:16] + b"A" * 20 + frame[17:]  # system_id without its NUL in 16 octets
    broken = _with_length(broken)
    status = _decode_error(broken).status
    session.receive_data(broken, 0.0)
    assert codec.decode(session.data_to_send()) == p.BindTransmitterResp(
        sequence_number=4, command_status=status, body_omitted=True
    )
    assert session.state is BindState.OPEN


def test_unknown_command_id_gets_generic_nack_with_its_sequence() -> None:
    session = in_state(BindState.BOUND_TRX, Role.SMSC)
    session.receive_data(struct.pack(">IIII", 16, 0x00000099, 0, 1234), 0.0)
    assert codec.decode(session.data_to_send()) == p.GenericNack(
        sequence_number=1234, command_status=S.ESME_RINVCMDID
    )
    (violation,) = drain(session)
    assert isinstance(violation, ProtocolViolation)
    assert violation.status == S.ESME_RINVCMDID
    assert session.state is BindState.BOUND_TRX


def test_bad_request_without_response_gets_generic_nack() -> None:
    session = in_state(BindState.OPEN, Role.ESME)
    frame = codec.encode(p.Outbind(sequence_number=5))
    session.receive_data(_with_length(frame + b"\x00\x00"), 0.0)  # two stray octets after the body
    nack = codec.decode(session.data_to_send())
    assert isinstance(nack, p.GenericNack)
    assert nack.sequence_number == 5


def test_undecodable_response_is_not_answered_and_fails_the_request() -> None:
    session = in_state(BindState.BOUND_TX, Role.ESME)
    sequence = session.send_request(p.SubmitSm(), 0.0)
    session.data_to_send()
    session.receive_data(struct.pack(">IIII", 16, C.SUBMIT_SM_RESP, 0, sequence), 0.0)  # status 0, no body
    assert session.data_to_send() == b""
    events = drain(session)
    assert types(events) == [ProtocolViolation, RequestFailed]
    failed = events[1]
    assert isinstance(failed, RequestFailed)
    assert failed.response is None
    session.receive_data(struct.pack(">IIII", 16, 0x80000099, 0, 77), 0.0)  # unknown response id
    assert session.data_to_send() == b""
    assert types(drain(session)) == [ProtocolViolation]


@pytest.mark.parametrize("length", [0, 15, 70_000])
def test_bad_length_is_nacked_and_closes(length: int) -> None:
    session = in_state(BindState.BOUND_TRX, Role.SMSC)
    session.send_request(p.DeliverSm(), 0.0)
    session.data_to_send()
    session.receive_data(struct.pack(">IIII", length, C.SUBMIT_SM, 0, 9) + codec.encode(p.SubmitSm()), 0.0)
    assert session.data_to_send() == codec.encode(
        p.GenericNack(sequence_number=0, command_status=S.ESME_RINVCMDLEN)
    )
    events = drain(session)
    assert types(events) == [ProtocolViolation, ConnectionClosed]
    closed = events[1]
    assert isinstance(closed, ConnectionClosed)
    assert len(closed.unanswered) == 1
    assert session.should_close
    session.receive_data(codec.encode(p.SubmitSm()), 0.0)  # ignored once closed
    assert drain(session) == []


def test_one_byte_at_a_time_gives_the_same_events() -> None:
    stream = b"".join(
        [
            codec.encode(p.SubmitSm(sequence_number=1, short_message=b"abc")),
            struct.pack(">IIII", 16, 0x00000099, 0, 2),
            codec.encode(p.EnquireLink(sequence_number=3)),
            codec.encode(p.QuerySm(sequence_number=4, message_id="m")),
        ]
    )
    whole = in_state(BindState.BOUND_TX, Role.SMSC)
    whole.receive_data(stream, 0.0)
    trickle = in_state(BindState.BOUND_TX, Role.SMSC)
    view = memoryview(stream)
    for i in range(len(stream)):
        trickle.receive_data(view[i : i + 1], 0.0)
    assert drain(whole) == drain(trickle)
    assert whole.data_to_send() == trickle.data_to_send()


def test_peer_close_reports_unanswered() -> None:
    session = in_state(BindState.BOUND_TX, Role.ESME)
    session.send_request(p.SubmitSm(), 0.0)
    session.receive_data(b"", 1.0)
    (closed,) = drain(session)
    assert isinstance(closed, ConnectionClosed)
    assert closed.reason == "peer closed the connection"
    assert [type(r) for r in closed.unanswered] == [p.SubmitSm]
    assert session.outstanding == 0
    with pytest.raises(LocalProtocolError):
        session.send_request(p.SubmitSm(), 1.0)
    session.close()  # idempotent
    assert drain(session) == []


@pytest.mark.parametrize(
    "bad",
    [
        {"response_timeout": 0},
        {"enquire_link_interval": -1},
        {"max_inbound_window": 0},
        {"max_outbound_window": 0},
        {"max_pdu_size": 8},
    ],
)
def test_config_is_validated(bad: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="SessionConfig"):
        SessionConfig(**bad)  # type: ignore[arg-type]
