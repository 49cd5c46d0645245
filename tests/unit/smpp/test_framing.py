"""FrameBuffer: the same frames whatever the chunking; bounded command_length."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smpp_gateway.smpp import codec
from smpp_gateway.smpp import pdu as p
from smpp_gateway.smpp.constants import CommandStatus
from smpp_gateway.smpp.errors import RemoteProtocolError
from smpp_gateway.smpp.framing import FrameBuffer

from .strategies import frames

FRAME_LISTS = st.lists(frames(), min_size=1, max_size=8)


def _chunks(stream: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({0, len(stream), *(cut % (len(stream) + 1) for cut in cuts)})
    return [stream[a:b] for a, b in itertools.pairwise(points)]


def _collect(chunks: list[bytes], max_pdu_size: int = codec.DEFAULT_MAX_PDU_SIZE) -> list[bytes]:
    buffer = FrameBuffer(max_pdu_size)
    out: list[bytes] = []
    for chunk in chunks:
        buffer.feed(chunk)
        out.extend(buffer)
    assert len(buffer) == 0
    assert buffer.next_frame() is None
    return out


@settings(max_examples=60, deadline=None)
@given(wires=FRAME_LISTS, cuts=st.lists(st.integers(0, 10_000), max_size=12))
def test_any_chunking_gives_the_same_frames(wires: list[bytes], cuts: list[int]) -> None:
    stream = b"".join(wires)
    assert _collect([stream]) == wires
    assert _collect(_chunks(stream, cuts)) == wires


@settings(max_examples=15, deadline=None)
@given(wires=FRAME_LISTS)
def test_one_octet_chunks(wires: list[bytes]) -> None:
    stream = b"".join(wires)
    assert _collect([stream[i : i + 1] for i in range(len(stream))]) == wires


def test_many_pdus_in_one_chunk() -> None:
    wires = [codec.encode(p.SubmitSm(sequence_number=n, short_message=b"m" * (n % 200))) for n in range(4000)]
    buffer = FrameBuffer()
    buffer.feed(b"".join(wires))
    frames_out = list(buffer)
    assert frames_out == wires
    assert [codec.decode(frame).sequence_number for frame in frames_out[:3]] == [0, 1, 2]


def test_accepts_bytearray_and_memoryview() -> None:
    wire = codec.encode(p.EnquireLink(sequence_number=5))
    buffer = FrameBuffer()
    buffer.feed(bytearray(wire[:7]))
    assert buffer.next_frame() is None
    assert len(buffer) == 7
    buffer.feed(memoryview(wire)[7:])
    assert buffer.next_frame() == wire
    assert len(buffer) == 0


def test_partial_frame_is_kept_after_a_whole_one() -> None:
    first = codec.encode(p.EnquireLink(sequence_number=1))
    second = codec.encode(p.Unbind(sequence_number=2))
    buffer = FrameBuffer()
    buffer.feed(first + second[:10])
    assert list(buffer) == [first]
    assert len(buffer) == 10
    buffer.feed(second[10:])
    assert list(buffer) == [second]


@pytest.mark.parametrize("length", [0, 1, 15, 4097, 0xFFFFFFFF])
def test_bad_command_length_is_fatal(length: int) -> None:
    buffer = FrameBuffer(max_pdu_size=4096)
    buffer.feed(length.to_bytes(4, "big"))
    with pytest.raises(RemoteProtocolError) as caught:
        buffer.next_frame()
    error = caught.value
    assert error.status == CommandStatus.ESME_RINVCMDLEN
    assert error.fatal
    assert error.sequence_number is None
    with pytest.raises(RemoteProtocolError):  # and it stays broken
        list(buffer)


def test_bad_length_error_names_the_header_when_readable() -> None:
    buffer = FrameBuffer(max_pdu_size=4096)
    buffer.feed(bytes.fromhex("00100000 00000004 00000000 0000002a"))
    with pytest.raises(RemoteProtocolError) as caught:
        buffer.next_frame()
    assert caught.value.sequence_number is None  # the generic_nack must carry 0
    assert "sequence_number 42" in caught.value.detail
    assert "0x00000004" in caught.value.detail


def test_oversized_length_rejected_before_the_body_arrives() -> None:
    buffer = FrameBuffer(max_pdu_size=1024)
    buffer.feed((1025).to_bytes(4, "big"))
    with pytest.raises(RemoteProtocolError):
        buffer.next_frame()


def test_max_size_frame_is_accepted() -> None:
    wire = codec.encode(p.DataSm(tlvs=(p.Tlv(0x0424, b"z" * 1000),)))
    assert list(_collect([wire], max_pdu_size=len(wire))) == [wire]


def test_rejects_max_below_a_header() -> None:
    with pytest.raises(ValueError, match="smaller than a PDU header"):
        FrameBuffer(max_pdu_size=15)


def test_consumed_prefix_is_released() -> None:
    # A stream that always leaves a partial frame behind: the consumed octets must still be dropped.
    wire = codec.encode(p.SubmitSm(short_message=b"x" * 200))
    buffer = FrameBuffer()
    buffer.feed(wire[:5])
    for _ in range(2000):
        buffer.feed(wire[5:] + wire[:5])
        assert buffer.next_frame() == wire
        assert len(buffer) == 5
    assert len(buffer._buffer) < 64 * 1024
