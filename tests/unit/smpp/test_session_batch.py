"""Session.send_requests: the same numbers, bytes and outcomes as send_request one by one, all or
nothing when one of them cannot be sent."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smpp_gateway.smpp import codec
from smpp_gateway.smpp import pdu as p
from smpp_gateway.smpp.constants import CommandStatus
from smpp_gateway.smpp.errors import LocalProtocolError
from smpp_gateway.smpp.events import RequestTimedOut, ResponseReceived
from smpp_gateway.smpp.session import MAX_SEQUENCE, Session, SessionConfig
from smpp_gateway.smpp.states import BindState, Role

from .session_pair import SessionPair, drain

S = CommandStatus


def bound_pair(window: int = 10) -> SessionPair:
    pair = SessionPair(SessionConfig(max_outbound_window=window, response_timeout=5.0))
    pair.bind(BindState.BOUND_TRX)
    return pair


def receipts(count: int, numbered_from: int = 0) -> list[p.Request]:
    return [
        p.DeliverSm(source_addr=str(n), sequence_number=numbered_from + n if numbered_from else 0)
        for n in range(count)
    ]


def snapshot(session: Session) -> tuple[int, bytes, int]:
    return session.outstanding, session.data_to_send(), session._requests._next


@given(
    count=st.integers(0, 8),
    outstanding=st.integers(0, 3),
    start=st.sampled_from([2, 100, MAX_SEQUENCE - 4, MAX_SEQUENCE]),
    numbered=st.booleans(),
)
def test_a_batch_equals_the_same_requests_one_by_one(
    count: int, outstanding: int, start: int, numbered: bool
) -> None:
    one, batch = bound_pair(window=20), bound_pair(window=20)
    for session in (one.smsc, batch.smsc):
        for _ in range(outstanding):  # numbers still outstanding are skipped after a wrap
            session.send_request(p.DeliverSm(), 0.0)
        session._requests._next = start
        session.data_to_send()
    pdus = receipts(count, numbered_from=start if numbered else 0)
    singles = [one.smsc.send_request(pdu, 0.0) for pdu in pdus]
    assert batch.smsc.send_requests(pdus, 0.0) == singles
    assert snapshot(batch.smsc) == snapshot(one.smsc)


def test_answers_to_a_batch_come_back_in_order_and_free_the_window() -> None:
    pair = bound_pair(window=3)
    pdus = receipts(3)
    numbers = pair.smsc.send_requests(pdus, 0.0)
    assert pair.smsc.outstanding == 3
    pair.pump()
    for event in drain(pair.esme):
        assert hasattr(event, "pdu")
        pair.esme.send_response(event.pdu, p.DeliverSmResp())  # type: ignore[attr-defined]
    pair.pump()
    answered = drain(pair.smsc)
    assert [type(event) for event in answered] == [ResponseReceived] * 3
    assert [event.request.sequence_number for event in answered] == numbers  # type: ignore[attr-defined]
    assert [event.request.source_addr for event in answered] == ["0", "1", "2"]  # type: ignore[attr-defined]
    assert pair.smsc.outstanding == 0


def test_a_batch_times_out_like_single_requests() -> None:
    pair = bound_pair()
    pair.smsc.send_requests(receipts(2), 0.0)
    pair.smsc.data_to_send()
    pair.advance(5.0)
    assert [type(event) for event in drain(pair.smsc)] == [RequestTimedOut, RequestTimedOut]
    assert pair.smsc.outstanding == 0


def test_a_batch_larger_than_the_window_sends_nothing() -> None:
    pair = bound_pair(window=3)
    pair.smsc.send_request(p.DeliverSm(), 0.0)
    pair.smsc.data_to_send()
    with pytest.raises(LocalProtocolError) as caught:
        pair.smsc.send_requests(receipts(3), 0.0)
    assert caught.value.status == S.ESME_RMSGQFUL
    assert (pair.smsc.outstanding, pair.smsc.data_to_send()) == (1, b"")
    assert len(pair.smsc.send_requests(receipts(2), 0.0)) == 2  # exactly the room left


@pytest.mark.parametrize(
    ("bad", "status"),
    [
        (p.EnquireLink(), S.ESME_RSYSERR),  # session control goes through send_request
        (p.Unbind(), S.ESME_RSYSERR),
        (p.AlertNotification(), S.ESME_RSYSERR),  # answers nothing: not windowed
        (p.SubmitSm(), S.ESME_RINVBNDSTS),  # the ESME's to send, not the SMSC's
        (p.DeliverSm(source_addr="x" * 30), S.ESME_RINVSRCADR),  # cannot be encoded
    ],
)
def test_one_bad_request_and_the_batch_sends_nothing(bad: p.Request, status: int) -> None:
    pair = bound_pair()
    with pytest.raises(LocalProtocolError) as caught:
        pair.smsc.send_requests([*receipts(2), bad, *receipts(1)], 0.0)
    assert caught.value.status == status
    assert (pair.smsc.outstanding, pair.smsc.data_to_send()) == (0, b"")
    pair.pump()
    assert drain(pair.esme) == []


def test_a_batch_is_one_chunk_of_bytes() -> None:
    pair = bound_pair()
    pdus = receipts(3)
    numbers = pair.smsc.send_requests(pdus, 0.0)
    expected = b"".join(codec.encode(pdu.with_sequence(n)) for pdu, n in zip(pdus, numbers, strict=True))
    assert pair.smsc.data_to_send() == expected


def test_an_empty_batch_does_nothing() -> None:
    pair = bound_pair()
    assert pair.smsc.send_requests([], 0.0) == []
    assert snapshot(pair.smsc)[:2] == (0, b"")


def test_a_closed_session_refuses_a_batch() -> None:
    session = Session(Role.SMSC, SessionConfig(), 0.0)
    session.close()
    with pytest.raises(LocalProtocolError) as caught:
        session.send_requests(receipts(1), 0.0)
    assert caught.value.status == S.ESME_RINVBNDSTS
