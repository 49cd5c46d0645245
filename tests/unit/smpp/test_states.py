"""The LEGAL table against the digest (section 2.1 and its note, section 3.3)."""

from __future__ import annotations

import pytest

from smpp_gateway.smpp.constants import CommandId, CommandStatus
from smpp_gateway.smpp.states import (
    BOUND_STATES,
    LEGAL,
    BindState,
    Direction,
    Role,
    illegal_status,
    legal,
    render_markdown,
)

C = CommandId
TX, RX, TRX = BindState.BOUND_TX, BindState.BOUND_RX, BindState.BOUND_TRX
OPEN_STATES = [state for state in BindState if state is not BindState.CLOSED]

# (request, sender, states) straight from the digest's table 2.1, with its note applied.
DIGEST = [
    (C.BIND_RECEIVER, Role.ESME, {BindState.OPEN}),
    (C.BIND_TRANSMITTER, Role.ESME, {BindState.OPEN}),
    (C.BIND_TRANSCEIVER, Role.ESME, {BindState.OPEN}),
    (C.QUERY_SM, Role.ESME, {TX, TRX}),
    (C.SUBMIT_SM, Role.ESME, {TX, TRX}),
    (C.DELIVER_SM, Role.SMSC, {RX, TRX}),
    (C.REPLACE_SM, Role.ESME, {TX, TRX}),
    (C.CANCEL_SM, Role.ESME, {TX, TRX}),
    (C.OUTBIND, Role.SMSC, {BindState.OPEN}),
    (C.SUBMIT_MULTI, Role.ESME, {TX, TRX}),
    (C.ALERT_NOTIFICATION, Role.SMSC, {RX, TRX}),
    (C.DATA_SM, Role.ESME, {TX, TRX}),
    (C.DATA_SM, Role.SMSC, {RX, TRX}),
]


@pytest.mark.parametrize(("command", "sender", "states"), DIGEST)
def test_requests_follow_the_digest(command: CommandId, sender: Role, states: set[BindState]) -> None:
    for state in BindState:
        assert (command in LEGAL[state, sender]) == (state in states), (state, sender)
    if command is not C.DATA_SM:  # data_sm is the one message command both roles send
        assert all(command not in LEGAL[state, sender.peer] for state in BindState)


WITH_RESPONSE = [row for row in DIGEST if row[0] not in (C.OUTBIND, C.ALERT_NOTIFICATION)]


@pytest.mark.parametrize(("command", "sender", "states"), WITH_RESPONSE)
def test_responses_are_legal_where_their_request_is(
    command: CommandId, sender: Role, states: set[BindState]
) -> None:
    response = CommandId(command | 0x80000000)
    for state in states:
        assert response in LEGAL[state, sender.peer]
    for state in {BindState.OPEN, *BOUND_STATES} - states:
        assert response not in LEGAL[state, sender.peer]


@pytest.mark.parametrize("command", [C.QUERY_SM, C.CANCEL_SM, C.REPLACE_SM])
def test_message_management_is_tx_and_trx_not_rx(command: CommandId) -> None:
    """The digest's note: the 3.4 table as usually reproduced disagrees; TX/TRX is what we accept."""
    assert command in LEGAL[TX, Role.ESME]
    assert command in LEGAL[TRX, Role.ESME]
    assert command not in LEGAL[RX, Role.ESME]


@pytest.mark.parametrize("state", OPEN_STATES)
@pytest.mark.parametrize("role", list(Role))
def test_keepalive_and_nack_everywhere_but_closed(state: BindState, role: Role) -> None:
    assert {C.GENERIC_NACK, C.ENQUIRE_LINK, C.ENQUIRE_LINK_RESP} <= LEGAL[state, role]


@pytest.mark.parametrize("role", list(Role))
def test_nothing_is_legal_when_closed(role: Role) -> None:
    assert LEGAL[BindState.CLOSED, role] == frozenset()


@pytest.mark.parametrize("state", list(BOUND_STATES))
@pytest.mark.parametrize("role", list(Role))
def test_unbind_both_ways_in_bound_states(state: BindState, role: Role) -> None:
    assert {C.UNBIND, C.UNBIND_RESP} <= LEGAL[state, role]
    assert C.UNBIND not in LEGAL[BindState.OPEN, role]


@pytest.mark.parametrize("role", list(Role))
def test_unbound_still_takes_answers_but_no_new_work(role: Role) -> None:
    unbound = LEGAL[BindState.UNBOUND, role]
    for state in BOUND_STATES:
        assert {cid for cid in LEGAL[state, role] if cid.is_response} <= unbound
    assert {cid for cid in unbound if not cid.is_response} == {C.UNBIND, C.ENQUIRE_LINK}


def test_every_cell_exists() -> None:
    assert set(LEGAL) == {(state, role) for state in BindState for role in Role}


def test_direction_picks_the_sender_column() -> None:
    assert legal(TX, Role.ESME, Direction.SEND) == LEGAL[TX, Role.ESME]
    assert legal(TX, Role.ESME, Direction.RECEIVE) == LEGAL[TX, Role.SMSC]
    assert C.SUBMIT_SM in legal(TX, Role.SMSC, Direction.RECEIVE)
    assert C.SUBMIT_SM not in legal(TX, Role.SMSC, Direction.SEND)


def test_illegal_status() -> None:
    for state in BOUND_STATES:
        assert illegal_status(state, C.BIND_TRANSMITTER) is CommandStatus.ESME_RALYBND
    assert illegal_status(BindState.OPEN, C.SUBMIT_SM) is CommandStatus.ESME_RINVBNDSTS
    assert illegal_status(BindState.UNBOUND, C.BIND_RECEIVER) is CommandStatus.ESME_RINVBNDSTS
    assert illegal_status(RX, C.SUBMIT_SM) is CommandStatus.ESME_RINVBNDSTS


def test_markdown_has_a_row_per_command_and_a_column_per_cell() -> None:
    text = render_markdown()
    lines = [line for line in text.splitlines() if line.startswith("|")]
    assert len(lines) == 2 + len(CommandId)
    assert all(line.count("|") == 2 + 2 * len(OPEN_STATES) for line in lines)
    row = next(line for line in lines if line.startswith("| submit_sm |"))
    cells = [cell.strip() for cell in row.strip("|").split("|")][1:]
    header = [cell.strip() for cell in lines[0].strip("|").split("|")][1:]
    assert {h for h, c in zip(header, cells, strict=True) if c == "x"} == {"BOUND_TX ESME", "BOUND_TRX ESME"}
