"""Bind states and the table of which PDU each side may send in each state.

Theory of operation
===================

An SMPP session has two sides with fixed roles: the ESME (the client application; it binds) and the
SMSC (the message centre; it accepts binds). The gateway plays both: SMSC towards its clients, ESME
towards its carriers. One ``BindState`` describes the session as both sides see it, because every
transition happens on a PDU that both sides see.

Rule 1: ``LEGAL[(state, sender)]`` is the set of command ids that the side playing ``sender`` may put
on the wire in ``state``. It is the single source for "may this PDU be sent now" (our side) and "may
this PDU be received now" (the peer's side: look up the peer's role). The session never asks the
question any other way, and the cell-walking test in ``tests/unit/smpp/test_states.py`` checks the
session against every cell.

Rule 2: a response is legal wherever its request is legal, sent by the other role (digest 2.1). The
table lists responses explicitly so that docs printed from it are complete, and so that answering a
request after the state moved on (a deliver_sm answered after we sent unbind) is checked the same way.

Rule 3: the states and their transitions (digest 3.1, 3.2):

* ``OPEN``: connected, not bound. The ESME may bind; the SMSC may send outbind (on a connection it
  opened). enquire_link is allowed both ways, as SMPP 5.0 and most 3.4 implementations do (digest 9.3).
* ``BOUND_TX`` / ``BOUND_RX`` / ``BOUND_TRX``: entered when a bind response with status 0 crosses the
  wire. TX: the ESME submits. RX: the SMSC delivers. TRX: both. query_sm, cancel_sm and replace_sm are
  TX/TRX commands, not RX ones (digest 2.1 note: the 3.4 table as usually reproduced disagrees with
  itself; 5.0, jsmpp and the commands' meaning agree on TX/TRX).
* ``UNBOUND``: this side sent unbind and waits for unbind_resp. Only responses (to requests sent or
  received before the unbind), generic_nack, enquire_link and a crossing unbind may flow. The peer
  that *receives* unbind answers it and goes straight to ``CLOSED``, so it never sits in this state.
* ``CLOSED``: over. Nothing is legal; the connection is to be (or has been) closed.

Rule 4: generic_nack is legal in every state but ``CLOSED``: the 3.4 table lists bound states only, but
a peer that cannot parse a PDU must be able to say so before the bind too (digest 2.1).

Rule 5: what is not in the table is answered, when it is a request we received, with the command's
``_resp`` carrying ``ESME_RINVBNDSTS``; a bind while already bound gets ``ESME_RALYBND`` (digest 3.3).
``illegal_status`` gives that status, for received requests and for refusing our own sends alike.

Not modelled: SMPP 5.0's ``OUTBOUND`` state (outbind sent, bind awaited). Outbind leaves the session
``OPEN`` on both sides; the only thing OUTBOUND would add is refusing a bind_transmitter after outbind,
which 3.4 does not require.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum

from .constants import RESPONSE_BIT, CommandId, CommandStatus


class BindState(Enum):
    OPEN = "open"
    BOUND_TX = "bound_tx"
    BOUND_RX = "bound_rx"
    BOUND_TRX = "bound_trx"
    UNBOUND = "unbound"
    CLOSED = "closed"


class Direction(Enum):
    SEND = "send"
    RECEIVE = "receive"


class Role(Enum):
    ESME = "esme"
    SMSC = "smsc"

    @property
    def peer(self) -> Role:
        return Role.SMSC if self is Role.ESME else Role.ESME


BOUND_STATES = frozenset({BindState.BOUND_TX, BindState.BOUND_RX, BindState.BOUND_TRX})

# The state a positive bind response moves both sides to.
BIND_TARGET: dict[CommandId, BindState] = {
    CommandId.BIND_TRANSMITTER: BindState.BOUND_TX,
    CommandId.BIND_RECEIVER: BindState.BOUND_RX,
    CommandId.BIND_TRANSCEIVER: BindState.BOUND_TRX,
    CommandId.BIND_TRANSMITTER_RESP: BindState.BOUND_TX,
    CommandId.BIND_RECEIVER_RESP: BindState.BOUND_RX,
    CommandId.BIND_TRANSCEIVER_RESP: BindState.BOUND_TRX,
}

BIND_IDS = frozenset({CommandId.BIND_TRANSMITTER, CommandId.BIND_RECEIVER, CommandId.BIND_TRANSCEIVER})

_C = CommandId


_IDS = frozenset(int(cid) for cid in CommandId)


def _resp(request: CommandId) -> CommandId | None:
    """The response id of ``request``; None for outbind and alert_notification, which have none."""
    value = request | RESPONSE_BIT
    return CommandId(value) if value in _IDS else None


def _with_responses(own: Iterable[CommandId], peer: Iterable[CommandId]) -> frozenset[CommandId]:
    """The sender's own requests, the responses to what the other role may send, and generic_nack."""
    ids = {*own, _C.GENERIC_NACK}
    ids.update(resp for resp in map(_resp, peer) if resp is not None)
    return frozenset(ids)


# Requests each role may send, per state (digest 2.1). Responses are derived (rule 2).
_KEEPALIVE = (_C.ENQUIRE_LINK,)
_LINK = (_C.ENQUIRE_LINK, _C.UNBIND)
_ESME_SUBMIT = (_C.SUBMIT_SM, _C.SUBMIT_MULTI, _C.DATA_SM, _C.QUERY_SM, _C.CANCEL_SM, _C.REPLACE_SM)
_SMSC_DELIVER = (_C.DELIVER_SM, _C.DATA_SM, _C.ALERT_NOTIFICATION)

_REQUESTS: dict[tuple[BindState, Role], tuple[CommandId, ...]] = {
    (BindState.OPEN, Role.ESME): (*BIND_IDS, *_KEEPALIVE),
    (BindState.OPEN, Role.SMSC): (_C.OUTBIND, *_KEEPALIVE),
    (BindState.BOUND_TX, Role.ESME): (*_ESME_SUBMIT, *_LINK),
    (BindState.BOUND_TX, Role.SMSC): _LINK,
    (BindState.BOUND_RX, Role.ESME): _LINK,
    (BindState.BOUND_RX, Role.SMSC): (*_SMSC_DELIVER, *_LINK),
    (BindState.BOUND_TRX, Role.ESME): (*_ESME_SUBMIT, *_LINK),
    (BindState.BOUND_TRX, Role.SMSC): (*_SMSC_DELIVER, *_LINK),
    (BindState.UNBOUND, Role.ESME): _LINK,
    (BindState.UNBOUND, Role.SMSC): _LINK,
    (BindState.CLOSED, Role.ESME): (),
    (BindState.CLOSED, Role.SMSC): (),
}


def _build() -> dict[tuple[BindState, Role], frozenset[CommandId]]:
    table: dict[tuple[BindState, Role], frozenset[CommandId]] = {}
    for (state, role), own in _REQUESTS.items():
        if state is BindState.CLOSED:
            table[state, role] = frozenset()
            continue
        table[state, role] = _with_responses(own, _REQUESTS[state, role.peer])
    # UNBOUND: answers to anything the peer could have sent while bound are still welcome (rule 3).
    for role in Role:
        late = {cid for state in BOUND_STATES for cid in table[state, role] if cid.is_response}
        table[BindState.UNBOUND, role] = table[BindState.UNBOUND, role] | late
    return table


LEGAL: dict[tuple[BindState, Role], frozenset[CommandId]] = _build()


def legal(state: BindState, role: Role, direction: Direction) -> frozenset[CommandId]:
    """What a session playing ``role`` may send, or accept from its peer, in ``state`` (rule 1)."""
    return LEGAL[state, role if direction is Direction.SEND else role.peer]


def illegal_status(state: BindState, command_id: int) -> CommandStatus:
    """The status that refuses ``command_id`` in ``state`` (rule 5)."""
    if command_id in BIND_IDS and state in BOUND_STATES:
        return CommandStatus.ESME_RALYBND
    return CommandStatus.ESME_RINVBNDSTS


def render_markdown() -> str:
    """The table as Markdown: one row per command id, one column per (state, sender) cell."""
    columns = [(state, role) for state in BindState if state is not BindState.CLOSED for role in Role]
    header = "| command | " + " | ".join(f"{s.name} {r.name}" for s, r in columns) + " |"
    rule = "|---|" + "---|" * len(columns)
    rows = [header, rule]
    for cid in sorted(CommandId, key=lambda c: (c & 0x7FFFFFFF, c.is_response)):
        marks = " | ".join("x" if cid in LEGAL[cell] else "" for cell in columns)
        rows.append(f"| {cid.name.lower()} | {marks} |")
    note = "x: the sender (ESME or SMSC) may send it in that state. CLOSED: nothing is legal."
    return "\n".join([*rows, "", note]) + "\n"
