"""Lenient where peers differ, strict where it matters: bodiless status-0 responses."""

from __future__ import annotations

import struct

import pytest

from smpp_gateway.smpp import codec
from smpp_gateway.smpp.constants import CommandId, CommandStatus
from smpp_gateway.smpp.errors import RemoteProtocolError
from smpp_gateway.smpp.pdu import DeliverSmResp


def _header_only(command_id: int, status: int = 0, sequence: int = 9) -> bytes:
    return struct.pack(">IIII", 16, command_id, status, sequence)


def test_a_bodiless_deliver_sm_resp_is_an_acknowledgement_and_round_trips() -> None:
    frame = _header_only(CommandId.DELIVER_SM_RESP)
    pdu = codec.decode(frame)
    assert isinstance(pdu, DeliverSmResp)
    assert pdu.command_status == CommandStatus.ESME_ROK
    assert pdu.body_omitted
    assert codec.encode(pdu) == frame


@pytest.mark.parametrize("command_id", [CommandId.SUBMIT_SM_RESP, CommandId.BIND_TRANSCEIVER_RESP])
def test_other_bodiless_status_0_responses_are_still_refused(command_id: int) -> None:
    with pytest.raises(RemoteProtocolError) as caught:
        codec.decode(_header_only(command_id))
    assert caught.value.status == CommandStatus.ESME_RINVCMDLEN
    assert caught.value.sequence_number == 9
