"""codec.encode / codec.decode: round trips for every PDU, known wire vectors, encoder refusals."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smpp_gateway.smpp import codec
from smpp_gateway.smpp import pdu as p
from smpp_gateway.smpp.constants import CommandId, CommandStatus, Tag
from smpp_gateway.smpp.errors import LocalProtocolError, RemoteProtocolError
from smpp_gateway.smpp.pdu import Tlv
from smpp_gateway.smpp.tlv import TLV_SPECS, Kind, decode_tlvs, encode_tlvs

from .strategies import PDU_CLASSES, frames, pdus_of, tlv_lists

ROUND_TRIP = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
S = CommandStatus


def _id(cls: type[p.Pdu]) -> str:
    return cls.__name__


# --- round trips --------------------------------------------------------------------------------


@pytest.mark.parametrize("cls", PDU_CLASSES, ids=_id)
@ROUND_TRIP
@given(data=st.data())
def test_decode_inverts_encode(cls: type[p.Pdu], data: st.DataObject) -> None:
    pdu = data.draw(pdus_of(cls))
    wire = codec.encode(pdu)
    decoded = codec.decode(wire)
    assert type(decoded) is cls
    assert decoded == pdu
    assert codec.encode(decoded) == wire
    assert codec.decode_header(wire) == (len(wire), cls.command_id, pdu.command_status, pdu.sequence_number)


@settings(max_examples=150, deadline=None)
@given(wire=frames())
def test_encode_inverts_decode(wire: bytes) -> None:
    assert codec.encode(codec.decode(wire)) == wire
    assert codec.encode(codec.decode(memoryview(wire))) == wire
    assert codec.encode(codec.decode(bytearray(wire))) == wire


def test_every_pdu_class_has_a_codec() -> None:
    assert set(PDU_CLASSES) == set(p.PDU_CLASSES.values())
    assert {cls.command_id for cls in PDU_CLASSES} == set(CommandId)


def test_decoded_pdus_are_ordinary_frozen_instances() -> None:
    # The fast constructor fills a twin class and re-labels it; the result must be a real SubmitSm.
    decoded = codec.decode(codec.encode(p.SubmitSm(sequence_number=3, source_addr="A", short_message=b"hi")))
    assert type(decoded) is p.SubmitSm
    assert isinstance(decoded, p.Request)
    with pytest.raises(dataclasses.FrozenInstanceError):
        decoded.source_addr = "B"  # type: ignore[misc]
    assert hash(decoded) == hash(p.SubmitSm(sequence_number=3, source_addr="A", short_message=b"hi"))
    assert dataclasses.replace(decoded, source_addr="B").source_addr == "B"
    assert decoded.with_sequence(9).sequence_number == 9


# --- wire vectors -------------------------------------------------------------------------------

SUBMIT_SM_WIRE = bytes.fromhex(
    "0000003e"  # command_length 62
    "00000004"  # submit_sm
    "00000000"
    "00000007"  # sequence 7
    "00"  # service_type ""
    "0500" + b"Sender\0".hex() +  # source: alphanumeric, unknown NPI
    "0101" + b"447700900123\0".hex() +  # destination: international, ISDN
    "000000"  # esm_class, protocol_id, priority_flag
    "00" "00"  # schedule_delivery_time, validity_period: NULL
    "01000000"  # registered_delivery 1, replace 0, data_coding 0, sm_default_msg_id 0
    "05" + b"hello".hex() +  # sm_length 5, short_message
    "020c00020003"  # sar_msg_ref_num = 3
)  # fmt: skip


def test_submit_sm_wire_vector() -> None:
    expected = p.SubmitSm(
        sequence_number=7,
        source_addr_ton=5,
        source_addr="Sender",
        dest_addr_ton=1,
        dest_addr_npi=1,
        destination_addr="447700900123",
        registered_delivery=1,
        short_message=b"hello",
        tlvs=(Tlv(Tag.SAR_MSG_REF_NUM, 3),),
    )
    assert codec.decode(SUBMIT_SM_WIRE) == expected
    assert codec.encode(expected) == SUBMIT_SM_WIRE


def test_header_only_pdus_are_16_octets() -> None:
    assert codec.encode(p.EnquireLink(sequence_number=1)) == bytes.fromhex("00000010000000150000000000000001")
    assert codec.encode(p.GenericNack(command_status=S.ESME_RINVCMDLEN)) == bytes.fromhex(
        "00000010800000000000000200000000"
    )


def test_error_response_without_body() -> None:
    wire = bytes.fromhex("00000010800000040000005800000009")  # submit_sm_resp, ESME_RTHROTTLED
    decoded = codec.decode(wire)
    assert decoded == p.SubmitSmResp(sequence_number=9, command_status=S.ESME_RTHROTTLED, body_omitted=True)
    assert decoded.command_status is S.ESME_RTHROTTLED
    assert codec.encode(decoded) == wire
    request = p.SubmitSm(sequence_number=9)
    assert codec.encode(request.make_response(S.ESME_RTHROTTLED)) == wire


def test_error_response_with_body_keeps_it() -> None:
    resp = p.DataSmResp(
        sequence_number=2,
        command_status=S.ESME_RDELIVERYFAILURE,
        message_id="",
        tlvs=(Tlv(Tag.DELIVERY_FAILURE_REASON, 1),),
    )
    assert codec.decode(codec.encode(resp)) == resp


def test_unknown_status_is_kept_as_int() -> None:
    wire = bytes.fromhex("00000010800000040000040100000009")  # vendor status 0x401
    decoded = codec.decode(wire)
    assert decoded.command_status == 0x401
    assert codec.encode(decoded) == wire


def test_submit_multi_vector() -> None:
    pdu = p.SubmitMulti(
        sequence_number=4,
        source_addr="S",
        dest_addresses=(p.DestAddress(1, 1, "4477"), p.DistributionList("friends")),
        short_message=b"x",
    )
    wire = codec.encode(pdu)
    body = wire[16:]
    assert body.startswith(b"\0\0\0S\0" + b"\x02" + b"\x01\x01\x014477\0" + b"\x02friends\0")
    assert codec.decode(wire) == pdu


def test_submit_multi_resp_vector() -> None:
    pdu = p.SubmitMultiResp(
        sequence_number=4, message_id="m1", unsuccess_smes=(p.UnsuccessSme(1, 1, "4477", S.ESME_RINVDSTADR),)
    )
    wire = codec.encode(pdu)
    assert wire[16:] == b"m1\0" + b"\x01" + b"\x01\x014477\0" + bytes.fromhex("0000000b")
    assert codec.decode(wire) == pdu


def test_latin1_text_round_trips() -> None:
    pdu = p.DeliverSm(source_addr="Café", short_message=b"\xe9")
    wire = codec.encode(pdu)
    assert b"Caf\xe9\0" in wire
    assert codec.decode(wire) == pdu


# --- encoder refusals ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pdu", "status"),
    [
        (p.SubmitSm(source_addr="1" * 21), S.ESME_RINVSRCADR),
        (p.SubmitSm(destination_addr="1" * 21), S.ESME_RINVDSTADR),
        (p.SubmitSm(service_type="CMTXYZ"), S.ESME_RINVSERTYP),
        (p.SubmitSm(source_addr="€uro"), S.ESME_RINVSRCADR),
        (p.SubmitSm(source_addr="a\0b"), S.ESME_RINVSRCADR),
        (p.SubmitSm(schedule_delivery_time="2501"), S.ESME_RINVSCHED),
        (p.SubmitSm(validity_period="0" * 17), S.ESME_RINVEXPIRY),
        (p.SubmitSm(short_message=b"x" * 255), S.ESME_RINVMSGLEN),
        (p.SubmitSm(short_message="text"), S.ESME_RINVMSGLEN),  # type: ignore[arg-type]
        (p.SubmitSm(esm_class=256), S.ESME_RSYSERR),
        (p.SubmitSm(data_coding=-1), S.ESME_RSYSERR),
        (p.SubmitSm(sequence_number=1 << 32), S.ESME_RSYSERR),
        (p.BindTransmitter(system_id="s" * 16), S.ESME_RINVSYSID),
        (p.BindTransmitter(password="p" * 9), S.ESME_RINVPASWD),
        (p.BindTransmitter(system_type="t" * 13), S.ESME_RINVSYSTYP),
        (p.SubmitSmResp(message_id="m" * 65), S.ESME_RINVMSGID),
        (p.SubmitMulti(), S.ESME_RINVNUMDESTS),
        (p.SubmitMulti(dest_addresses=(p.DistributionList("x"),) * 255), S.ESME_RINVNUMDESTS),
        (p.SubmitMulti(dest_addresses=(("a",),)), S.ESME_RINVDESTFLAG),  # type: ignore[arg-type]
        (p.SubmitMulti(dest_addresses=(p.DistributionList("d" * 21),)), S.ESME_RINVDLNAME),
        (p.SubmitSmResp(body_omitted=True), S.ESME_RSYSERR),  # status 0 needs its body
        (p.SubmitSmResp(command_status=8, body_omitted=True, message_id="x"), S.ESME_RSYSERR),
        (p.UnbindResp(command_status=8, body_omitted=True), S.ESME_RSYSERR),
        (p.SubmitSm(tlvs=(Tlv(0x1400, "text"),)), S.ESME_RINVOPTPARAMVAL),
        (p.SubmitSm(tlvs=(Tlv(Tag.SAR_MSG_REF_NUM, 1 << 16),)), S.ESME_RINVOPTPARAMVAL),
        (p.SubmitSm(tlvs=(Tlv(Tag.SAR_MSG_REF_NUM, b"\0\1"),)), S.ESME_RINVPARLEN),
        (p.SubmitSm(tlvs=(Tlv(Tag.NETWORK_ERROR_CODE, b"\0\1"),)), S.ESME_RINVPARLEN),
        (p.SubmitSm(tlvs=(Tlv(Tag.RECEIPTED_MESSAGE_ID, "x" * 65),)), S.ESME_RINVPARLEN),
        (p.SubmitSm(tlvs=(Tlv(Tag.RECEIPTED_MESSAGE_ID, b"abc\0"),)), S.ESME_RINVPARLEN),  # use str
        (p.SubmitSm(tlvs=(Tlv(Tag.MESSAGE_PAYLOAD, b"x" * 0x10000),)), S.ESME_RINVPARLEN),
        (p.SubmitSm(tlvs=(Tlv(0x10000, b""),)), S.ESME_RINVOPTPARAMVAL),
        (p.SubmitSm(tlvs=((1, 2, 3),)), S.ESME_RSYSERR),  # type: ignore[arg-type]
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, p.Pdu) else str(value),
)
def test_encode_refuses(pdu: p.Pdu, status: CommandStatus) -> None:
    with pytest.raises(LocalProtocolError) as caught:
        codec.encode(pdu)
    assert caught.value.status == status


def test_encode_refuses_unknown_class() -> None:
    with pytest.raises(LocalProtocolError) as caught:
        codec.encode(p.Pdu())
    assert caught.value.status == S.ESME_RINVCMDID


def test_maximum_values_encode() -> None:
    pdu = p.SubmitSm(
        sequence_number=0xFFFFFFFF,
        command_status=0xFFFFFFFF,
        source_addr="1" * 20,
        destination_addr="2" * 20,
        service_type="CMTXY",
        short_message=b"x" * 254,
        tlvs=(Tlv(Tag.MESSAGE_PAYLOAD, b"y" * 0xFFFF),),
    )
    wire = codec.encode(pdu)
    assert len(wire) <= codec.DEFAULT_MAX_PDU_SIZE
    assert codec.decode(wire) == pdu


# --- the TLV area on its own --------------------------------------------------------------------


def test_tlv_table_covers_every_3_4_tag() -> None:
    assert set(TLV_SPECS) == {int(tag) for tag in Tag}
    sizes = {tag: (spec.kind, spec.size) for tag, spec in TLV_SPECS.items()}
    assert sizes[Tag.QOS_TIME_TO_LIVE] == (Kind.INT, 4)
    assert sizes[Tag.SMS_SIGNAL] == (Kind.INT, 2)
    assert sizes[Tag.RECEIPTED_MESSAGE_ID] == (Kind.CSTR, 65)
    assert sizes[Tag.CALLBACK_NUM] == (Kind.OCTETS, 19)


@settings(max_examples=100, deadline=None)
@given(tlvs=tlv_lists(max_size=8), before=st.binary(max_size=5), after=st.binary(max_size=5))
def test_tlv_area_round_trip_inside_a_larger_buffer(
    tlvs: tuple[Tlv, ...], before: bytes, after: bytes
) -> None:
    area = encode_tlvs(tlvs)
    buf = before + area + after
    assert decode_tlvs(buf, len(before), len(before) + len(area), 4, 1) == tlvs
    assert encode_tlvs(list(tlvs)) == area


def test_tlv_area_end_is_respected() -> None:
    area = encode_tlvs((Tlv(Tag.MESSAGE_STATE, 2),))
    with pytest.raises(RemoteProtocolError) as caught:
        decode_tlvs(area + b"\x00\x00", 0, len(area) + 2, CommandId.DELIVER_SM, 12)
    error = caught.value
    assert (error.status, error.command_id, error.sequence_number) == (
        S.ESME_RINVOPTPARSTREAM,
        CommandId.DELIVER_SM,
        12,
    )
    with pytest.raises(RemoteProtocolError):  # the header is whole in buf, but not before ``end``
        decode_tlvs(area + area, 0, len(area) + 3, 5, 12)


def test_integer_tlvs_decode_to_tag_members() -> None:
    area = encode_tlvs((Tlv(0x0427, 2), Tlv(0x020C, 513), Tlv(0x0017, 70000)))
    decoded = decode_tlvs(area, 0, len(area), 5, 1)
    assert decoded == (
        Tlv(Tag.MESSAGE_STATE, 2),
        Tlv(Tag.SAR_MSG_REF_NUM, 513),
        Tlv(Tag.QOS_TIME_TO_LIVE, 70000),
    )
    assert [type(tlv.tag) for tlv in decoded] == [Tag, Tag, Tag]
    assert decode_tlvs(area, 0, len(area), 5, 1)[0] is decoded[0]  # 1-octet integers come from a table
