"""Broken input: every named malformation gets its specific status; random input never gets past
the error family (the h11 fuzz invariant: a PDU or an SmppError, nothing else, in bounded time)."""

from __future__ import annotations

import dataclasses
import struct

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smpp_gateway.smpp import codec
from smpp_gateway.smpp import pdu as p
from smpp_gateway.smpp.constants import CommandId, CommandStatus, Tag
from smpp_gateway.smpp.errors import LocalProtocolError, RemoteProtocolError, SmppError
from smpp_gateway.smpp.framing import FrameBuffer
from smpp_gateway.smpp.pdu import Tlv

from .strategies import frames

S = CommandStatus
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def frame(command_id: int, body: bytes, status: int = 0, sequence_number: int = 77) -> bytes:
    return struct.pack(">IIII", 16 + len(body), command_id, status, sequence_number) + body


def refused(wire: bytes) -> RemoteProtocolError:
    with pytest.raises(RemoteProtocolError) as caught:
        codec.decode(wire)
    return caught.value


def c(text: str) -> bytes:
    return text.encode("latin-1") + b"\0"


def submit_body(
    service_type: bytes = b"\0",
    source: bytes = c("Sender"),
    destination: bytes = c("4477"),
    times: bytes = b"\0\0",
    tail: bytes = b"\x01\0\0\0",
    message: bytes = b"\x02hi",
) -> bytes:
    """A submit_sm body whose parts can be broken one at a time."""
    return service_type + b"\x05\0" + source + b"\x01\x01" + destination + b"\0\0\0" + times + tail + message


SUBMIT = CommandId.SUBMIT_SM


def test_the_helper_body_is_valid() -> None:  # so that each case below breaks exactly one thing
    decoded = codec.decode(frame(SUBMIT, submit_body()))
    assert isinstance(decoded, p.SubmitSm)
    assert (decoded.source_addr, decoded.short_message, decoded.sequence_number) == ("Sender", b"hi", 77)


# --- header and length --------------------------------------------------------------------------


@pytest.mark.parametrize("size", range(16))
def test_truncated_header(size: int) -> None:
    error = refused(bytes(range(size)))
    assert error.status == S.ESME_RINVCMDLEN
    assert error.fatal
    assert error.sequence_number is None


@pytest.mark.parametrize("command_length", [0, 8, 15, 17, 100, 0xFFFFFFFF])
def test_command_length_disagreeing_with_the_frame(command_length: int) -> None:
    wire = struct.pack(">IIII", command_length, CommandId.ENQUIRE_LINK, 0, 5)
    error = refused(wire)
    assert (error.status, error.fatal, error.sequence_number) == (S.ESME_RINVCMDLEN, True, 5)


def test_lying_length_shorter_than_the_body() -> None:
    # The frame ends where command_length says: inside destination_addr.
    body = submit_body()
    error = refused(frame(SUBMIT, body[:14]))
    assert (error.status, error.fatal) == (S.ESME_RINVCMDLEN, False)
    assert (error.command_id, error.sequence_number) == (CommandId.SUBMIT_SM, 77)


def test_lying_length_cutting_the_integers() -> None:
    body = submit_body()
    cut = body.index(b"\x01\x01")  # just before dest_addr_ton
    assert refused(frame(SUBMIT, body[: cut + 1])).status == S.ESME_RINVCMDLEN


def test_lying_length_longer_than_the_body() -> None:
    # Extra octets where no TLV area exists, and octets that are not a TLV where one does.
    assert (
        refused(frame(CommandId.QUERY_SM, c("id") + b"\0\0" + c("src") + b"xyz")).status == S.ESME_RINVCMDLEN
    )
    assert refused(frame(SUBMIT, submit_body() + b"xyz")).status == S.ESME_RINVOPTPARSTREAM


@pytest.mark.parametrize(
    "command_id",
    [
        CommandId.UNBIND,
        CommandId.UNBIND_RESP,
        CommandId.ENQUIRE_LINK,
        CommandId.ENQUIRE_LINK_RESP,
        CommandId.GENERIC_NACK,
        CommandId.CANCEL_SM_RESP,
        CommandId.REPLACE_SM_RESP,
    ],
)
def test_trailing_bytes_after_a_header_only_pdu(command_id: CommandId) -> None:
    error = refused(frame(command_id, b"\0"))
    assert (error.status, error.command_id, error.sequence_number) == (S.ESME_RINVCMDLEN, command_id, 77)
    assert not error.fatal


@pytest.mark.parametrize(
    "command_id", [0x0000000A, 0x00000010, 0x00000111, 0x80000010, 0x8000000B, 0xFFFFFFFF]
)
def test_unknown_command_id(command_id: int) -> None:
    error = refused(frame(command_id, b"anything"))
    assert (error.status, error.command_id, error.sequence_number) == (S.ESME_RINVCMDID, command_id, 77)
    assert not error.fatal


# --- bodies ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (submit_body(service_type=b"CMTXYZ\0"), S.ESME_RINVSERTYP),
        (submit_body(source=b"1" * 21 + b"\0"), S.ESME_RINVSRCADR),
        (submit_body(source=b"1" * 30), S.ESME_RINVSRCADR),  # no NUL at all within 21
        (submit_body(destination=b"2" * 21 + b"\0"), S.ESME_RINVDSTADR),
        (submit_body(times=b"2501\0\0"), S.ESME_RINVSCHED),
        (submit_body(times=b"\0" + b"0" * 17 + b"\0"), S.ESME_RINVEXPIRY),
        (submit_body(times=b"\0" + b"00000100000000R" + b"\0"), S.ESME_RINVEXPIRY),  # 15 characters
        (submit_body(message=b"\x05hi"), S.ESME_RINVMSGLEN),
        (submit_body(message=b"\xff" + b"x" * 255), S.ESME_RINVMSGLEN),  # 255 > 3.4's 254
        (submit_body(message=b""), S.ESME_RINVCMDLEN),  # ends before sm_length
        (submit_body(tail=b"\x01\0", message=b""), S.ESME_RINVCMDLEN),
    ],
    ids=lambda value: value.name if isinstance(value, CommandStatus) else None,
)
def test_submit_sm_fields(body: bytes, status: CommandStatus) -> None:
    error = refused(frame(SUBMIT, body))
    assert (error.status, error.command_id, error.sequence_number) == (status, CommandId.SUBMIT_SM, 77)
    assert not error.fatal


def test_missing_nul_at_the_end_of_the_pdu_is_a_length_error() -> None:
    body = submit_body()
    assert refused(frame(SUBMIT, body[: body.index(b"Sender") + 3])).status == S.ESME_RINVCMDLEN


@pytest.mark.parametrize(
    ("field", "size", "status"),
    [
        ("system_id", 16, S.ESME_RINVSYSID),
        ("password", 9, S.ESME_RINVPASWD),
        ("system_type", 13, S.ESME_RINVSYSTYP),
        ("address_range", 41, S.ESME_RINVCMDLEN),
    ],
)
def test_bind_fields_over_their_maximum(field: str, size: int, status: CommandStatus) -> None:
    values = {"system_id": c("id"), "password": c("pw"), "system_type": c(""), "address_range": c("")}
    values[field] = b"x" * size + b"\0"
    body = (
        values["system_id"]
        + values["password"]
        + values["system_type"]
        + b"\x34\0\0"
        + values["address_range"]
    )
    assert refused(frame(CommandId.BIND_TRANSCEIVER, body)).status == status
    at_max = dict(values, **{field: b"x" * (size - 1) + b"\0"})
    body = (
        at_max["system_id"]
        + at_max["password"]
        + at_max["system_type"]
        + b"\x34\0\0"
        + at_max["address_range"]
    )
    assert isinstance(codec.decode(frame(CommandId.BIND_TRANSCEIVER, body)), p.BindTransceiver)


def test_message_id_over_its_maximum() -> None:
    assert refused(frame(CommandId.SUBMIT_SM_RESP, b"m" * 65 + b"\0")).status == S.ESME_RINVMSGID
    assert codec.decode(frame(CommandId.SUBMIT_SM_RESP, b"m" * 64 + b"\0")) == p.SubmitSmResp(
        sequence_number=77, message_id="m" * 64
    )


def test_data_sm_addresses_are_c65() -> None:
    body = b"\0" + b"\x01\x01" + c("1" * 64) + b"\x01\x01" + c("2" * 64) + b"\0\0\0"
    pdu = codec.decode(frame(CommandId.DATA_SM, body))
    assert isinstance(pdu, p.DataSm)
    assert pdu.source_addr == "1" * 64
    body = b"\0" + b"\x01\x01" + c("1" * 65) + b"\x01\x01" + c("2") + b"\0\0\0"
    assert refused(frame(CommandId.DATA_SM, body)).status == S.ESME_RINVSRCADR


@pytest.mark.parametrize(
    ("dests", "status"),
    [
        (b"\x00", S.ESME_RINVNUMDESTS),
        (b"\xff" + b"\x02x\0" * 255, S.ESME_RINVNUMDESTS),
        (b"\x01\x03\x01\x01" + c("4477"), S.ESME_RINVDESTFLAG),
        (b"\x01\x02" + b"d" * 21 + b"\0", S.ESME_RINVDLNAME),
        (b"\x01\x01\x01\x01" + b"4" * 21 + b"\0", S.ESME_RINVDSTADR),
        # Two announced, one given: esm_class (0) is then read as the second dest_flag.
        (b"\x02\x01\x01\x01" + c("4477"), S.ESME_RINVDESTFLAG),
    ],
    ids=lambda value: value.name if isinstance(value, CommandStatus) else None,
)
def test_submit_multi_destinations(dests: bytes, status: CommandStatus) -> None:
    body = b"\0" + b"\x05\0" + c("S") + dests + b"\0\0\0" + b"\0\0" + b"\0\0\0\0" + b"\x00"
    error = refused(frame(CommandId.SUBMIT_MULTI, body))
    assert (error.status, error.command_id) == (status, CommandId.SUBMIT_MULTI)


def test_status_zero_response_without_body() -> None:
    error = refused(frame(CommandId.SUBMIT_SM_RESP, b""))
    assert (error.status, error.command_id, error.sequence_number) == (
        S.ESME_RINVCMDLEN,
        CommandId.SUBMIT_SM_RESP,
        77,
    )


@pytest.mark.parametrize(
    "cls", [cls for cls in p.PDU_CLASSES.values() if issubclass(cls, p.Response) and cls.has_body]
)
def test_error_response_without_body_for_every_response(cls: type[p.Response]) -> None:
    wire = frame(cls.command_id, b"", status=S.ESME_RSYSERR)
    decoded = codec.decode(wire)
    assert decoded == cls(sequence_number=77, command_status=S.ESME_RSYSERR, body_omitted=True)
    assert codec.encode(decoded) == wire


def test_request_with_non_zero_status_is_kept() -> None:
    wire = frame(CommandId.ENQUIRE_LINK, b"", status=5)
    assert codec.decode(wire) == p.EnquireLink(sequence_number=77, command_status=5)


# --- TLV area -------------------------------------------------------------------------------------


def tlv_frame(area: bytes) -> bytes:
    return frame(SUBMIT, submit_body() + area)


@pytest.mark.parametrize(
    ("area", "status"),
    [
        (b"\x02", S.ESME_RINVOPTPARSTREAM),
        (b"\x02\x0c\x00", S.ESME_RINVOPTPARSTREAM),
        (b"\x02\x0c\x00\x02\x00", S.ESME_RINVOPTPARSTREAM),  # length 2, one octet left
        (b"\x14\x00\xff\xff" + b"x" * 10, S.ESME_RINVOPTPARSTREAM),  # unknown tag, length past the end
        (b"\x14\x00\x00\x03ab", S.ESME_RINVOPTPARSTREAM),  # one octet short
        (b"\x00\x1e\x00\x04ab\0", S.ESME_RINVOPTPARSTREAM),  # receipted_message_id, one octet short
        (b"\x02\x0c\x00\x01\x07", S.ESME_RINVPARLEN),  # sar_msg_ref_num is 2 octets
        (b"\x04\x27\x00\x02\x00\x02", S.ESME_RINVPARLEN),  # message_state is 1 octet
        (b"\x00\x17\x00\x02\x00\x02", S.ESME_RINVPARLEN),  # qos_time_to_live is 4
        (b"\x04\x23\x00\x02\x03\x00", S.ESME_RINVPARLEN),  # network_error_code is 3
        (b"\x00\x1e\x00\x00", S.ESME_RINVPARLEN),  # receipted_message_id: empty, not even a NUL
        (b"\x00\x1e\x00\x42" + b"x" * 65 + b"\0", S.ESME_RINVPARLEN),  # over 65
        (b"\x02\x02\x00\x01\x01", S.ESME_RINVPARLEN),  # source_subaddress is 2 to 23
        (b"\x13\x0c\x00\x02\x00\x00", S.ESME_RINVPARLEN),  # alert_on_message_delivery: 0 or 1
        (b"\x00\x10\x00\x03\x00\x00\x00", S.ESME_RINVPARLEN),  # source_telematics_id: 1 or 2
        (b"\x04\x26\x00\x01\x00" + b"\x02", S.ESME_RINVOPTPARSTREAM),  # a good TLV, then garbage
    ],
    ids=lambda value: value.name if isinstance(value, CommandStatus) else None,
)
def test_tlv_area(area: bytes, status: CommandStatus) -> None:
    error = refused(tlv_frame(area))
    assert (error.status, error.command_id, error.sequence_number) == (status, CommandId.SUBMIT_SM, 77)


@pytest.mark.parametrize(
    ("area", "tlv"),
    [
        (b"\x14\x00\x00\x03abc", Tlv(0x1400, b"abc")),  # vendor tag: kept raw
        (b"\x06\x00\x00\x00", Tlv(0x0600, b"")),  # a 5.0 tag: kept raw
        (b"\x00\x10\x00\x01\x07", Tlv(Tag.SOURCE_TELEMATICS_ID, b"\x07")),  # Kannel's 1-octet form
        (b"\x00\x10\x00\x02\x00\x07", Tlv(Tag.SOURCE_TELEMATICS_ID, 7)),
        (b"\x13\x0c\x00\x00", Tlv(Tag.ALERT_ON_MESSAGE_DELIVERY, b"")),  # 3.4 presence flag
        (b"\x13\x0c\x00\x01\x02", Tlv(Tag.ALERT_ON_MESSAGE_DELIVERY, 2)),  # 5.0 integer
        (b"\x00\x1e\x00\x04abc\0", Tlv(Tag.RECEIPTED_MESSAGE_ID, "abc")),
        (b"\x00\x1e\x00\x03abc", Tlv(Tag.RECEIPTED_MESSAGE_ID, b"abc")),  # no NUL: kept raw
        (b"\x00\x1e\x00\x04a\0c\0", Tlv(Tag.RECEIPTED_MESSAGE_ID, b"a\0c\0")),  # NUL inside: raw
        (b"\x04\x24\x00\x00", Tlv(Tag.MESSAGE_PAYLOAD, b"")),
    ],
)
def test_tlvs_kept_and_re_encoded_exactly(area: bytes, tlv: Tlv) -> None:
    wire = tlv_frame(area)
    decoded = codec.decode(wire)
    assert isinstance(decoded, p.SubmitSm)
    assert decoded.tlvs == (tlv,)
    assert type(decoded.tlvs[0].value) is type(tlv.value)
    assert codec.encode(decoded) == wire


# --- fuzz: random bytes -------------------------------------------------------------------------

KNOWN_IDS = sorted(int(command_id) for command_id in CommandId)


def _decode_or_error(wire: bytes) -> p.Pdu | SmppError:
    try:
        pdu = codec.decode(wire)
    except RemoteProtocolError as caught:
        error = caught
    else:
        assert codec.encode(pdu) == wire  # whatever is accepted re-encodes byte for byte
        return pdu
    assert isinstance(error.status, CommandStatus)
    if len(wire) >= 16:  # the header was readable: the answer can name the PDU
        assert error.sequence_number == int.from_bytes(wire[12:16], "big")
    return error


@FUZZ
@given(wire=st.binary(max_size=300))
def test_random_bytes(wire: bytes) -> None:
    _decode_or_error(wire)


@FUZZ
@given(command_id=st.sampled_from(KNOWN_IDS), status=st.sampled_from([0, 8]), body=st.binary(max_size=200))
def test_random_bodies_of_known_commands(command_id: int, status: int, body: bytes) -> None:
    _decode_or_error(frame(command_id, body, status=status))


@st.composite
def mutated_frames(draw: st.DrawFn) -> bytes:
    """A valid frame with octets changed, cut off or added, and command_length set to the new size."""
    wire = bytearray(draw(frames()))
    for _ in range(draw(st.integers(1, 4))):
        position = draw(st.integers(16, max(16, len(wire))))
        action = draw(st.sampled_from(["set", "cut", "insert"]))
        if action == "set" and position < len(wire):
            wire[position] = draw(st.integers(0, 255))
        elif action == "cut":
            del wire[position:]
        else:
            wire[position:position] = draw(st.binary(min_size=1, max_size=6))
    wire[0:4] = len(wire).to_bytes(4, "big")
    return bytes(wire)


@FUZZ
@given(wire=mutated_frames())
def test_mutated_frames(wire: bytes) -> None:
    _decode_or_error(wire)


def _frames_or_error(chunks: list[bytes]) -> tuple[list[bytes], CommandStatus | None]:
    buffer = FrameBuffer(max_pdu_size=1024)
    out: list[bytes] = []
    try:
        for chunk in chunks:
            buffer.feed(chunk)
            for got in buffer:
                _decode_or_error(got)
                out.append(got)
    except RemoteProtocolError as caught:
        error = caught
    else:
        return out, None
    assert error.fatal
    assert error.sequence_number is None
    return out, error.status


@settings(max_examples=150, deadline=None)
@given(
    stream=st.one_of(st.binary(max_size=400), st.lists(frames(), max_size=4).map(b"".join)), junk=st.binary()
)
def test_random_streams_whole_and_octet_by_octet(stream: bytes, junk: bytes) -> None:
    stream += junk
    whole = _frames_or_error([stream])
    assert whole == _frames_or_error([stream[i : i + 1] for i in range(len(stream))])
    if whole[1] is not None:
        assert whole[1] == S.ESME_RINVCMDLEN


# --- fuzz: the encoder, fed values of any type ----------------------------------------------------

WILD = st.one_of(
    st.integers(-3, 300),
    st.integers(2**31, 2**33),
    st.text(max_size=30),
    st.binary(max_size=30),
    st.none(),
    st.floats(allow_nan=False),
    st.lists(
        st.tuples(st.integers(0, 0x2000), st.one_of(st.integers(-1, 70000), st.binary(max_size=5))),
        max_size=3,
    ),
)


@st.composite
def wild_pdus(draw: st.DrawFn) -> p.Pdu:
    """A PDU whose fields hold anything at all (the dataclasses do not check types)."""
    cls = draw(st.sampled_from(sorted(p.PDU_CLASSES.values(), key=lambda cls: cls.__name__)))
    names = [f.name for f in dataclasses.fields(cls) if f.name != "body_omitted"]
    chosen = draw(st.lists(st.sampled_from(names), unique=True, max_size=4)) if names else []
    return cls(**{name: draw(WILD) for name in chosen})


@FUZZ
@given(pdu=wild_pdus())
def test_encode_refuses_or_produces_a_decodable_pdu(pdu: p.Pdu) -> None:
    try:
        wire = codec.encode(pdu)
    except LocalProtocolError as caught:
        status: object = caught.status
    else:
        assert codec.encode(codec.decode(wire)) == wire
        return
    assert isinstance(status, CommandStatus)
