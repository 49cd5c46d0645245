"""Text, concatenation and receipt benchmark: ``python -m tests.bench.bench_text [--json] [--quick]``.

Times, per call, the core's per-message text work on the hot path:
* ``gsm_encode`` / ``gsm_decode`` of 160 GSM characters (plain, and with 10 extension characters);
* ``decode_text`` of 70 UCS2 characters; ``choose_coding`` of a 160-character GSM text;
* ``split`` of 1,000 GSM characters into 8-bit-reference UDH parts;
* ``Reassembler.add`` of a 3-part message (all three parts);
* ``parse_receipt`` and ``rewrite_receipt_id`` of an appendix-B receipt with two TLVs.
Each figure is the best of several repeats, as ``timeit`` recommends. Not a test.
"""

from __future__ import annotations

import argparse
import json
import platform
import timeit
from collections.abc import Callable

from smpp_gateway.smpp.concat import ConcatInfo, Reassembler, split
from smpp_gateway.smpp.constants import DataCoding, EsmClass, MessageState, Tag
from smpp_gateway.smpp.pdu import DeliverSm, Tlv
from smpp_gateway.smpp.receipt import parse_receipt, rewrite_receipt_id
from smpp_gateway.smpp.text import choose_coding, decode_text, encode_text, gsm_decode, gsm_encode

GSM_TEXT = ("Your verification code is 482913. It expires in 10 minutes. Do not share this code. " * 2)[:160]
GSM_EXT_TEXT = GSM_TEXT[:150] + "€[]{}^~|\\€"
UCS2_DATA = encode_text(("Ваш код подтверждения 482913 😀 " * 3)[:68], DataCoding.UCS2)
LONG_TEXT = (GSM_TEXT * 7)[:1000]
RECEIPT = DeliverSm(
    esm_class=EsmClass.DELIVERY_RECEIPT,
    short_message=(
        b"id:0123456789abcdef sub:001 dlvrd:001 submit date:2501311200 done date:2501311201 "
        b"stat:DELIVRD err:000 text:Your verification c"
    ),
    tlvs=(Tlv(Tag.RECEIPTED_MESSAGE_ID, "0123456789abcdef"), Tlv(Tag.MESSAGE_STATE, MessageState.DELIVERED)),
)


def _best_us(function: Callable[[], object], number: int, repeat: int = 7) -> float:
    """Best time per call, in microseconds."""
    return min(timeit.repeat(function, number=number, repeat=repeat)) / number * 1e6


def _reassemble_three() -> object:
    reassembler: Reassembler[int] = Reassembler()
    result: object = None
    for seqnum in (2, 1, 3):
        result = reassembler.add(1, ConcatInfo(7, 3, seqnum, "udh8"), b"x" * 153, 0.0)
    return result


def run(quick: bool = False) -> dict[str, object]:
    number = 2_000 if quick else 20_000
    gsm = gsm_encode(GSM_TEXT)
    gsm_ext = gsm_encode(GSM_EXT_TEXT)
    cases: dict[str, Callable[[], object]] = {
        "gsm_encode_160": lambda: gsm_encode(GSM_TEXT),
        "gsm_decode_160": lambda: gsm_decode(gsm),
        "gsm_decode_160_with_escapes": lambda: gsm_decode(gsm_ext),
        "decode_text_ucs2_70": lambda: decode_text(UCS2_DATA, DataCoding.UCS2),
        "choose_coding_160": lambda: choose_coding(GSM_TEXT),
        "split_1000_gsm_udh8": lambda: split(LONG_TEXT, DataCoding.DEFAULT, "udh8", 1),
        "reassemble_3_parts": _reassemble_three,
        "parse_receipt": lambda: parse_receipt(RECEIPT),
        "rewrite_receipt_id": lambda: rewrite_receipt_id(RECEIPT, "GW-1234567890"),
    }
    results: dict[str, object] = {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
    }
    results.update({name: _best_us(case, number) for name, case in cases.items()})
    return results


def _table(results: dict[str, object]) -> str:
    lines = ["| measurement | per call |", "|---|---|"]
    for name, value in results.items():
        if isinstance(value, float):
            lines.append(f"| {name} | {value:.2f} us |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--quick", action="store_true", help="fewer iterations (a smoke run)")
    args = parser.parse_args()
    results = run(quick=args.quick)
    print(json.dumps(results, indent=2) if args.json else _table(results))


if __name__ == "__main__":
    main()
