"""Codec and framing benchmark: ``python -m tests.bench.bench_codec [--json]``.

Times, per PDU, ``decode`` and ``encode`` of
* a submit_sm carrying 160 characters of GSM text (unpacked, one octet per septet) and 2 TLVs
  (user_message_reference, more_messages_to_send);
* a deliver_sm delivery receipt: the appendix-B receipt text plus the receipted_message_id and
  message_state TLVs;
and FrameBuffer throughput in PDUs per second for one chunk holding 4,000 PDUs and for a stream fed
one octet at a time. Each figure is the best of several repeats (the least disturbed run), as
``timeit`` recommends. Not a test: targets are checked by reading the numbers (docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import json
import platform
import timeit
from collections.abc import Callable

from smpp_gateway.smpp import codec
from smpp_gateway.smpp import pdu as p
from smpp_gateway.smpp.constants import EsmClass, MessageState, Tag, Ton
from smpp_gateway.smpp.framing import FrameBuffer
from smpp_gateway.smpp.pdu import Tlv

GSM_TEXT = (b"Your verification code is 482913. It expires in 10 minutes. Do not share this code " * 2)[:160]
RECEIPT_TEXT = (
    b"id:0123456789abcdef sub:001 dlvrd:001 submit date:2501311200 done date:2501311201 "
    b"stat:DELIVRD err:000 text:Your verification c"
)

SUBMIT_SM = p.SubmitSm(
    sequence_number=12345,
    source_addr_ton=Ton.ALPHANUMERIC,
    source_addr="MyBrand",
    dest_addr_ton=Ton.INTERNATIONAL,
    dest_addr_npi=1,
    destination_addr="447700900123",
    registered_delivery=1,
    short_message=GSM_TEXT,
    tlvs=(Tlv(Tag.USER_MESSAGE_REFERENCE, 4242), Tlv(Tag.MORE_MESSAGES_TO_SEND, 0)),
)
DELIVER_SM = p.DeliverSm(
    sequence_number=777,
    source_addr_ton=Ton.INTERNATIONAL,
    source_addr_npi=1,
    source_addr="447700900123",
    destination_addr="MyBrand",
    esm_class=EsmClass.DELIVERY_RECEIPT,
    short_message=RECEIPT_TEXT,
    tlvs=(Tlv(Tag.RECEIPTED_MESSAGE_ID, "0123456789abcdef"), Tlv(Tag.MESSAGE_STATE, MessageState.DELIVERED)),
)


def _best_us(function: Callable[[], object], number: int, repeat: int) -> float:
    """Best time per call, in microseconds: many short runs, so that some escape other processes."""
    return min(timeit.repeat(function, number=number, repeat=repeat)) / number * 1e6


def _per_pdu(pdu: p.Pdu, repeat: int) -> dict[str, float]:
    wire = codec.encode(pdu)
    decode_us = _best_us(lambda: codec.decode(wire), 200, repeat)
    encode_us = _best_us(lambda: codec.encode(pdu), 200, repeat)
    total_us = decode_us + encode_us
    return {
        "octets": len(wire),
        **{
            k: round(v, 3)
            for k, v in [("decode_us", decode_us), ("encode_us", encode_us), ("total_us", total_us)]
        },
    }


def _frames_per_second(chunks: list[bytes], count: int, repeat: int = 5) -> float:
    """PDUs per second through feed + next_frame, driven the way the session drives it."""

    def run() -> None:
        buffer = FrameBuffer()
        feed, next_frame = buffer.feed, buffer.next_frame
        got = 0
        for chunk in chunks:
            feed(chunk)
            while next_frame() is not None:
                got += 1
        assert got == count

    return count / min(timeit.repeat(run, number=1, repeat=repeat))


def run(quick: bool = False) -> dict[str, object]:
    repeat = 50 if quick else 1000
    stream = codec.encode(SUBMIT_SM) * 4000
    one_octet_pdus = 20 if quick else 50  # short runs, many of them: the best escapes other processes
    small = stream[: len(codec.encode(SUBMIT_SM)) * one_octet_pdus]
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "submit_sm": _per_pdu(SUBMIT_SM, repeat),
        "deliver_sm": _per_pdu(DELIVER_SM, repeat),
        "framebuffer_4000_pdu_chunk_pdus_per_s": round(_frames_per_second([stream], 4000, repeat=40)),
        "framebuffer_1_octet_chunks_pdus_per_s": round(
            _frames_per_second([small[i : i + 1] for i in range(len(small))], one_octet_pdus, repeat=40)
        ),
    }


def _table(results: dict[str, object]) -> str:
    lines = ["| measurement | value |", "|---|---|"]
    for name in ("submit_sm", "deliver_sm"):
        row = results[name]
        assert isinstance(row, dict)
        lines.append(f"| {name} ({row['octets']} octets) decode | {row['decode_us']:.2f} us |")
        lines.append(f"| {name} encode | {row['encode_us']:.2f} us |")
        lines.append(f"| {name} decode + encode | {row['total_us']:.2f} us |")
    chunk = results["framebuffer_4000_pdu_chunk_pdus_per_s"]
    octet = results["framebuffer_1_octet_chunks_pdus_per_s"]
    lines.append(f"| FrameBuffer, one 4,000-PDU chunk | {chunk:,.0f} PDUs/s |")
    lines.append(f"| FrameBuffer, 1-octet chunks | {octet:,.0f} PDUs/s |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--quick", action="store_true", help="fewer iterations (a smoke run)")
    args = parser.parse_args()
    results = run(quick=args.quick)
    print(json.dumps(results) if args.json else _table(results))  # --json: one line (tests/bench/run.py)


if __name__ == "__main__":
    main()
