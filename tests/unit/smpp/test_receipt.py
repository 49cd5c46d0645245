"""Delivery receipts: lenient parsing, TLV precedence, exact formatting, id rewriting (smpp-reference 7)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smpp_gateway.smpp import codec
from smpp_gateway.smpp import receipt as receipt_module
from smpp_gateway.smpp.constants import CommandStatus, DataCoding, EsmClass, MessageState, Tag
from smpp_gateway.smpp.errors import LocalProtocolError
from smpp_gateway.smpp.pdu import DataSm, DeliverSm, Tlv
from smpp_gateway.smpp.receipt import (
    Receipt,
    format_receipt_text,
    normalize_message_id,
    parse_receipt,
    parse_receipt_text,
    receipt_tlvs,
    rewrite_receipt_id,
)
from smpp_gateway.smpp.text import encode_text

SETTINGS = settings(max_examples=150, deadline=None)
CANONICAL = (
    "id:0123456789 sub:001 dlvrd:001 submit date:2501311259 done date:2501311301 "
    "stat:DELIVRD err:000 text:Hello"
)
EXPECTED = Receipt(
    message_id="0123456789",
    state=MessageState.DELIVERED,
    submitted_count=1,
    delivered_count=1,
    submit_date=datetime(2025, 1, 31, 12, 59),
    done_date=datetime(2025, 1, 31, 13, 1),
    error_code="000",
    text="Hello",
)


def receipt_pdu(
    text: str | bytes, *tlvs: Tlv, esm_class: int = EsmClass.DELIVERY_RECEIPT, data_coding: int = 0
):
    body = text if isinstance(text, bytes) else text.encode("latin-1")
    return DeliverSm(esm_class=esm_class, data_coding=data_coding, short_message=body, tlvs=tlvs)


# --- parsing the text -----------------------------------------------------------------------------


def test_canonical_receipt():
    assert parse_receipt(receipt_pdu(CANONICAL)) == EXPECTED


# EXPECTED's fields after id and state: a case that has them all starts from FULL.
FULL = {
    "submitted_count": 1,
    "delivered_count": 1,
    "submit_date": datetime(2025, 1, 31, 12, 59),
    "done_date": datetime(2025, 1, 31, 13, 1),
    "error_code": "000",
    "text": "Hello",
}
DATES = {"submit_date": FULL["submit_date"], "done_date": FULL["done_date"]}


@pytest.mark.parametrize(
    ("text", "fields"),
    [
        (  # labels in another order
            "stat:DELIVRD id:0123456789 err:000 done date:2501311301 sub:001 dlvrd:001 "
            "submit date:2501311259 text:Hello",
            FULL,
        ),
        (  # case of labels and state
            "ID:0123456789 SUB:001 DLVRD:001 Submit Date:2501311259 Done Date:2501311301 Stat:delivrd "
            "Err:000 Text:Hello",
            FULL,
        ),
        (  # Jasmin's own layout: no sub, dlvrd or text
            "id:0123456789 submit date:2501311259 done date:2501311301 stat:DELIVRD err:000",
            DATES | {"error_code": "000"},
        ),
        ("id:0123456789 stat:DELIVRD", {}),
        (  # 12- and 14-digit dates
            "id:0123456789 sub:001 dlvrd:001 submit date:250131125930 done date:20250131130145 "
            "stat:DELIVRD err:000 text:Hello",
            FULL
            | {
                "submit_date": datetime(2025, 1, 31, 12, 59, 30),
                "done_date": datetime(2025, 1, 31, 13, 1, 45),
            },
        ),
        (  # dates that are no dates
            "id:0123456789 sub:001 dlvrd:001 submit date:2513311259 done date:25013113 stat:DELIVRD "
            "err:000 text:Hello",
            FULL | {"submit_date": None, "done_date": None},
        ),
        ("id:0123456789 submit_date:2501311259 donedate:2501311301 stat:DELIVRD", DATES),
        ("id:0123456789 stat:UNDELIV err:0B1", {"state": MessageState.UNDELIVERABLE, "error_code": "0B1"}),
        ("id:0123456789 stat:UNDELIVERABLE", {"state": MessageState.UNDELIVERABLE}),
        ("id:0123456789 stat:REJECTD", {"state": MessageState.REJECTED}),
        ("id:0123456789 stat:EXPIRED", {"state": MessageState.EXPIRED}),
        ("id:0123456789 stat:DELETED", {"state": MessageState.DELETED}),
        ("id:0123456789 stat:ACCEPTD", {"state": MessageState.ACCEPTED}),
        ("id:0123456789 stat:ENROUTE", {"state": MessageState.ENROUTE}),
        ("id:0123456789 stat:SKIPPED", {"state": MessageState.SKIPPED}),
        ("id:0123456789 stat:WEIRD", {"state": MessageState.UNKNOWN}),
        ("id:0123456789", {"state": MessageState.UNKNOWN}),
        (  # the message text may contain labels already seen
            "id:0123456789 stat:DELIVRD text:Your id: 42, stat:ok",
            {"text": "Your id: 42, stat:ok"},
        ),
        ("id:0123456789 text:spaced  stat:DELIVRD", {"text": "spaced"}),  # text not last
        ("id:0123456789 stat:DELIVRD text:trailing  ", {"text": "trailing  "}),
        ("id:  0123456789   stat:DELIVRD", {}),
        ("sub:001 id:abc-DEF.9 stat:DELIVRD", {"message_id": "abc-DEF.9", "submitted_count": 1}),
        ("id:0123456789 sub:1 dlvrd:0 stat:DELIVRD", {"submitted_count": 1, "delivered_count": 0}),
        ("id:0123456789 sub:x dlvrd:-1 stat:DELIVRD", {}),
        ("id:0123456789 stat : DELIVRD", {}),
    ],
)
def test_variations(text, fields):
    expected = replace(Receipt(message_id="0123456789", state=MessageState.DELIVERED), **fields)
    assert parse_receipt(receipt_pdu(text)) == expected


@pytest.mark.parametrize(
    "text", ["", "hello", "sub:001 stat:DELIVRD", "id: stat:DELIVRD", "identity:5 stat:x"]
)
def test_no_id_no_receipt(text):
    assert parse_receipt_text(text) is None
    assert parse_receipt(receipt_pdu(text)) is None


@pytest.mark.parametrize("esm_class", [0x00, 0x40, EsmClass.SME_DELIVERY_ACK, EsmClass.SME_MANUAL_ACK])
def test_only_receipts_and_intermediate_notifications_are_receipts(esm_class):
    assert parse_receipt(receipt_pdu(CANONICAL, esm_class=esm_class)) is None


def test_intermediate_notification_is_never_final():
    receipt = parse_receipt(receipt_pdu(CANONICAL, esm_class=EsmClass.INTERMEDIATE_NOTIFICATION | 0x03))
    assert receipt == replace(EXPECTED, intermediate=True)
    assert receipt is not None
    assert not receipt.is_final


@pytest.mark.parametrize(
    ("state", "final"),
    [
        (MessageState.DELIVERED, True),
        (MessageState.UNDELIVERABLE, True),
        (MessageState.EXPIRED, True),
        (MessageState.REJECTED, True),
        (MessageState.DELETED, True),
        (MessageState.ENROUTE, False),
        (MessageState.ACCEPTED, False),
        (MessageState.UNKNOWN, False),
        (MessageState.SCHEDULED, False),
    ],
)
def test_is_final(state, final):
    assert Receipt(message_id="1", state=state).is_final is final


# --- TLVs -----------------------------------------------------------------------------------------


def test_tlvs_win_over_the_text():
    pdu = receipt_pdu(
        CANONICAL,
        Tlv(Tag.RECEIPTED_MESSAGE_ID, "1f"),
        Tlv(Tag.MESSAGE_STATE, MessageState.UNDELIVERABLE),
        Tlv(Tag.NETWORK_ERROR_CODE, b"\x03\x00\x01"),
    )
    assert parse_receipt(pdu) == replace(
        EXPECTED, message_id="1f", state=MessageState.UNDELIVERABLE, network_error_code=b"\x03\x00\x01"
    )


def test_unusable_tlvs_fall_back_to_the_text():
    pdu = receipt_pdu(
        CANONICAL,
        Tlv(Tag.RECEIPTED_MESSAGE_ID, ""),
        Tlv(Tag.MESSAGE_STATE, 42),
        Tlv(Tag.NETWORK_ERROR_CODE, 7),
    )
    assert parse_receipt(pdu) == EXPECTED


def test_raw_id_tlv_is_read_as_text():
    pdu = receipt_pdu(CANONICAL, Tlv(Tag.RECEIPTED_MESSAGE_ID, b"abc\x00"))
    assert parse_receipt(pdu) == replace(EXPECTED, message_id="abc")


def test_receipt_with_tlvs_only():
    pdu = receipt_pdu(b"", Tlv(Tag.RECEIPTED_MESSAGE_ID, "77"), Tlv(Tag.MESSAGE_STATE, 2))
    assert parse_receipt(pdu) == Receipt(message_id="77", state=MessageState.DELIVERED)
    assert parse_receipt(receipt_pdu(b"", Tlv(Tag.RECEIPTED_MESSAGE_ID, "77"))) == Receipt(
        message_id="77", state=MessageState.UNKNOWN
    )


def test_receipt_in_data_sm_message_payload():
    pdu = DataSm(esm_class=EsmClass.DELIVERY_RECEIPT, tlvs=(Tlv(Tag.MESSAGE_PAYLOAD, CANONICAL.encode()),))
    assert parse_receipt(pdu) == EXPECTED


def test_receipt_in_ucs2():
    assert parse_receipt(receipt_pdu(encode_text(CANONICAL, DataCoding.UCS2), data_coding=8)) == EXPECTED


def test_receipt_text_in_gsm_or_ascii_per_carrier():
    pdu = receipt_pdu(CANONICAL.replace("0123456789", "id_1").replace("Hello", "a_b"))
    assert parse_receipt(pdu, default_alphabet="gsm") == replace(EXPECTED, message_id="id§1", text="a§b")
    assert parse_receipt(pdu, default_alphabet="ascii") == replace(EXPECTED, message_id="id_1", text="a_b")


@SETTINGS
@given(st.binary(max_size=200), st.integers(0, 255), st.sampled_from([0x04, 0x20, 0x24]))
def test_parse_receipt_never_raises(body, data_coding, esm_class):
    pdu = receipt_pdu(b"id:" + body, esm_class=esm_class, data_coding=data_coding)
    assert parse_receipt(pdu) is None or isinstance(parse_receipt(pdu), Receipt)


# --- ids ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("message_id", "id_format", "expected"),
    [
        ("0001234", "decimal", "1234"),
        ("1234", "decimal", "1234"),
        ("4d2", "hex", "1234"),
        ("04D2", "hex", "1234"),
        (" 04d2\x00", "hex", "1234"),
        ("abc-1", "decimal", "abc-1"),
        ("xyz", "hex", "xyz"),
        ("0x4d2", "hex", "0x4d2"),
        ("1_000", "hex", "1_000"),
        ("00AB", "text", "00AB"),
        ("٣", "decimal", "٣"),  # a non-ASCII digit is not a decimal id
    ],
)
def test_normalize_message_id(message_id, id_format, expected):
    assert normalize_message_id(message_id, id_format) == expected


def test_hex_resp_id_matches_decimal_receipt_id():
    assert normalize_message_id("A1B2C3", "hex") == normalize_message_id("10597059", "decimal")


# --- formatting -----------------------------------------------------------------------------------


def test_format_exact_layout():
    assert format_receipt_text(EXPECTED) == CANONICAL


def test_format_defaults_and_limits():
    receipt = Receipt(message_id="9", state=MessageState.UNDELIVERABLE, text="x" * 30, error_code="5")
    assert format_receipt_text(receipt) == (
        "id:9 sub:001 dlvrd:000 submit date:0000000000 done date:0000000000 stat:UNDELIV err:005 text:"
        + "x" * 20
    )
    many = Receipt(message_id="9", state=MessageState.DELIVERED, submitted_count=1234, error_code="1234")
    assert "sub:999 dlvrd:001" in format_receipt_text(many)
    assert "err:1234 " in format_receipt_text(many)


def test_receipt_tlvs():
    receipt = replace(EXPECTED, network_error_code=b"\x03\x00\x0b")
    assert receipt_tlvs(receipt) == (
        Tlv(Tag.RECEIPTED_MESSAGE_ID, "0123456789"),
        Tlv(Tag.MESSAGE_STATE, 2),
        Tlv(Tag.NETWORK_ERROR_CODE, b"\x03\x00\x0b"),
    )
    assert receipt_tlvs(EXPECTED) == receipt_tlvs(receipt)[:2]


ids = st.from_regex(r"[A-Za-z0-9.\-]{1,64}", fullmatch=True)
minutes = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31)).map(
    lambda d: d.replace(second=0, microsecond=0)
)
receipts = st.builds(
    Receipt,
    message_id=ids,
    state=st.sampled_from(MessageState),
    submitted_count=st.integers(0, 999),
    delivered_count=st.integers(0, 999),
    submit_date=minutes,
    done_date=minutes | st.none(),
    error_code=st.from_regex(r"[0-9A-F]{3}", fullmatch=True),
    text=st.text(st.characters(exclude_categories=["Cs"]), max_size=20),
    network_error_code=st.binary(min_size=3, max_size=3) | st.none(),
)


@SETTINGS
@given(receipts)
def test_format_parse_round_trip(receipt):
    body = encode_text(format_receipt_text(receipt), DataCoding.UCS2)
    pdu = receipt_pdu(body, *receipt_tlvs(receipt), data_coding=DataCoding.UCS2)
    assert parse_receipt(pdu) == receipt
    assert parse_receipt_text(format_receipt_text(receipt)) == replace(receipt, network_error_code=None)


# --- rewriting the id -----------------------------------------------------------------------------


def test_rewrite_replaces_text_and_tlv_only():
    pdu = receipt_pdu(
        CANONICAL.replace("Hello", "@ caf\xe9"),
        Tlv(Tag.USER_MESSAGE_REFERENCE, 1),
        Tlv(Tag.RECEIPTED_MESSAGE_ID, "0123456789"),
        Tlv(Tag.MESSAGE_STATE, 2),
    )
    rewritten = rewrite_receipt_id(pdu, "GW-42")
    assert rewritten.short_message == pdu.short_message.replace(b"0123456789", b"GW-42")
    assert rewritten.tlvs == (
        Tlv(Tag.USER_MESSAGE_REFERENCE, 1),
        Tlv(Tag.RECEIPTED_MESSAGE_ID, "GW-42"),
        Tlv(Tag.MESSAGE_STATE, 2),
    )
    assert replace(rewritten, short_message=pdu.short_message, tlvs=pdu.tlvs) == pdu


def test_rewrite_does_not_add_a_missing_tlv_or_id():
    pdu = receipt_pdu("stat:DELIVRD text:no id here")
    assert rewrite_receipt_id(pdu, "7") == pdu
    empty = receipt_pdu("id: stat:DELIVRD")
    assert rewrite_receipt_id(empty, "7") == empty


def test_rewrite_in_ucs2_keeps_other_octets():
    body = encode_text(CANONICAL + " 😀", DataCoding.UCS2) + b"\xd8"  # and an odd trailing octet
    rewritten = rewrite_receipt_id(receipt_pdu(body, data_coding=8), "99")
    assert rewritten.short_message == body.replace(encode_text("0123456789", 8), encode_text("99", 8))


def test_rewrite_in_data_sm_payload():
    pdu = DataSm(
        esm_class=EsmClass.DELIVERY_RECEIPT,
        tlvs=(Tlv(Tag.MESSAGE_PAYLOAD, CANONICAL.encode()), Tlv(Tag.RECEIPTED_MESSAGE_ID, "0123456789")),
    )
    rewritten = rewrite_receipt_id(pdu, "5")
    assert isinstance(rewritten, DataSm)
    assert parse_receipt(rewritten) == replace(EXPECTED, message_id="5")
    assert rewritten.tlv(Tag.RECEIPTED_MESSAGE_ID) == "5"


def test_rewrite_leaves_binary_bodies_alone():
    pdu = receipt_pdu(b"id:1 stat:DELIVRD", data_coding=DataCoding.BINARY)
    assert rewrite_receipt_id(pdu, "2").short_message == pdu.short_message


@pytest.mark.parametrize("bad", ["", "a b", "x" * 65, "id:1", "a_b", "é"])
def test_rewrite_refuses_ids_that_would_not_read_back(bad):
    with pytest.raises(LocalProtocolError) as info:
        rewrite_receipt_id(receipt_pdu(CANONICAL), bad)
    assert info.value.status == CommandStatus.ESME_RINVMSGID


@SETTINGS
@given(receipts, ids, st.sampled_from([DataCoding.UCS2, DataCoding.LATIN_1, DataCoding.DEFAULT]))
def test_rewrite_changes_the_id_and_nothing_else(receipt, new_id, data_coding):
    receipt = replace(receipt, text=receipt.text.encode("latin-1", "replace").decode("latin-1"))
    body = format_receipt_text(receipt).encode("utf-16-be" if data_coding == 8 else "latin-1")
    pdu = receipt_pdu(body, *receipt_tlvs(receipt), data_coding=data_coding)
    default = "latin1"  # reads latin-1 octets back exactly under data_coding 0
    assert parse_receipt(rewrite_receipt_id(pdu, new_id), default_alphabet=default) == replace(
        receipt, message_id=new_id
    )


def test_receipt_through_the_codec():
    pdu = receipt_pdu(CANONICAL, *receipt_tlvs(replace(EXPECTED, network_error_code=b"\x03\x00\x01")))
    decoded = codec.decode(codec.encode(rewrite_receipt_id(pdu, "GW1")))
    assert isinstance(decoded, DeliverSm)
    assert parse_receipt(decoded) == replace(EXPECTED, message_id="GW1", network_error_code=b"\x03\x00\x01")


# --- the canonical layout's one-match reading ------------------------------------------------------

# Pieces of receipt texts: the labels in their spellings, digits of every width, other characters
# (non-ASCII digits among them), so that generated texts are near misses of the canonical layout.
_PIECES = st.sampled_from(
    [
        "id:",
        "ID:",
        "id :",
        " sub:",
        " dlvrd:",
        " submit date:",
        " submit_date:",
        " done date:",
        " stat:",
        " err:",
        " text:",
        "Text:",
        "DELIVRD",
        "undeliv",
        "001",
        "2501311259",
        "250131125959",
        "12",
        " ",
        "  ",
        "\n",
        "x",
        "é",
        "٣",
        "abc-1.2",
    ]
)
near_canonical = st.lists(_PIECES, max_size=25).map("".join)


@SETTINGS
@given(receipts.map(format_receipt_text) | near_canonical | st.text(max_size=120))
def test_canonical_reading_equals_the_label_scan(text):
    assert receipt_module._text_fields(text) == receipt_module._scanned_fields(text)


@SETTINGS
@given(receipts)
def test_formatted_receipts_take_the_canonical_reading(receipt):
    assert receipt_module._CANONICAL.fullmatch(format_receipt_text(receipt)) is not None


def _scanned_id_replacement(view: str, new_id: str) -> str:
    """The id replacement by the label scan alone (the reading for non-canonical layouts)."""
    span = receipt_module._label_spans(view).get("id")
    if span is None:
        return view
    value = view[span[0] : span[1]]
    stripped = value.lstrip()
    if not stripped.strip():
        return view
    start = span[0] + len(value) - len(stripped)
    end = start + len(stripped.split()[0])
    return view[:start] + new_id + view[end:]


@SETTINGS
@given(receipts.map(format_receipt_text) | near_canonical, ids)
def test_canonical_id_replacement_equals_the_label_scan(text, new_id):
    assert receipt_module._replace_text_id(text, new_id) == _scanned_id_replacement(text, new_id)
