"""ReceiptFactory's cached templates give exactly the receipt format_receipt_text and receipt_tlvs give."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from simulators.fate import mo_pdus, wants_receipt
from simulators.receipts import ReceiptFactory, address_type
from smpp_gateway.smpp import codec
from smpp_gateway.smpp.concat import user_data
from smpp_gateway.smpp.constants import EsmClass, MessageState, Npi, Ton
from smpp_gateway.smpp.pdu import DeliverSm
from smpp_gateway.smpp.receipt import Receipt, format_receipt_text, parse_receipt, receipt_tlvs
from smpp_gateway.smpp.text import decode_text

SUBMITTED = datetime(2025, 1, 31, 12, 0, 30, tzinfo=UTC)


@pytest.mark.parametrize("state", [MessageState.DELIVERED, MessageState.UNDELIVERABLE, MessageState.EXPIRED])
def test_factory_matches_the_reference_formatter(state: MessageState) -> None:
    factory = ReceiptFactory()
    for index, done in enumerate((SUBMITTED, SUBMITTED + timedelta(minutes=3), SUBMITTED)):
        message_id = f"81{index:010d}"
        pdu = factory.build(
            message_id, state, SUBMITTED, done, "Votre code: 482913, valable 10 min", "336", "ACME"
        )
        reference = Receipt(
            message_id=message_id,
            state=state,
            submit_date=SUBMITTED,
            done_date=done,
            error_code="000" if state is MessageState.DELIVERED else "001",
            text="Votre code: 482913, valable 10 min",
        )
        assert pdu.short_message == format_receipt_text(reference).encode("ascii")
        assert pdu.tlvs == receipt_tlvs(reference)
        assert (pdu.source_addr, pdu.destination_addr) == ("336", "ACME")
        assert pdu.esm_class == EsmClass.DELIVERY_RECEIPT
        assert (pdu.dest_addr_ton, pdu.dest_addr_npi) == (Ton.ALPHANUMERIC, Npi.UNKNOWN)
        decoded = codec.decode(codec.encode(pdu.with_sequence(7)))
        assert isinstance(decoded, DeliverSm)
        parsed = parse_receipt(decoded)
        assert parsed is not None
        assert (parsed.message_id, parsed.state) == (message_id, state)


def test_factory_folds_non_ascii_previews_and_bounds_its_cache() -> None:
    factory = ReceiptFactory()
    pdu = factory.build(
        "1", MessageState.DELIVERED, SUBMITTED, SUBMITTED, "Été à Paris", "336", "33700000001"
    )
    assert b"text:?t? ? Paris" in pdu.short_message
    assert (pdu.dest_addr_ton, pdu.dest_addr_npi) == (Ton.INTERNATIONAL, Npi.ISDN)
    for minute in range(5000):
        factory.build(
            "1", MessageState.DELIVERED, SUBMITTED + timedelta(minutes=minute), SUBMITTED, "x", "1", "2"
        )
    assert len(factory._texts) <= 4096


def test_address_types() -> None:
    assert address_type("33612345678") == (Ton.INTERNATIONAL, Npi.ISDN)
    assert address_type("36123") == (Ton.NATIONAL, Npi.ISDN)
    assert address_type("ACME") == (Ton.ALPHANUMERIC, Npi.UNKNOWN)


def test_receipt_requests() -> None:
    assert wants_receipt(1, MessageState.DELIVERED)
    assert wants_receipt(1, MessageState.UNDELIVERABLE)
    assert not wants_receipt(2, MessageState.DELIVERED)
    assert wants_receipt(2, MessageState.EXPIRED)
    assert not wants_receipt(0, MessageState.EXPIRED)


def test_mo_pdus_split_long_text_and_pick_the_coding() -> None:
    (short,) = mo_pdus("33611122233", "36123", "STOP", 1)
    assert (short.short_message, short.data_coding, short.esm_class) == (b"STOP", 0, 0)
    parts = mo_pdus("33611122233", "36123", "Arrêtez ✓ " * 20, 2)
    assert len(parts) > 1
    assert all(part.data_coding == 8 and part.esm_class & EsmClass.UDHI for part in parts)
    text = "".join(decode_text(user_data(part).payload, 8) for part in parts)
    assert text == "Arrêtez ✓ " * 20


def test_factory_dates_follow_each_receipt_not_the_previous_one() -> None:
    factory = ReceiptFactory()
    later = SUBMITTED + timedelta(minutes=7)
    dates = [(SUBMITTED, SUBMITTED), (SUBMITTED, later), (later, later), (SUBMITTED, SUBMITTED)]
    for submitted, done in dates:
        pdu = factory.build("5", MessageState.DELIVERED, submitted, done, "hi", "336", "ACME")
        parsed = parse_receipt(pdu)
        assert parsed is not None
        minutes = (submitted.replace(second=0, tzinfo=None), done.replace(second=0, tzinfo=None))
        assert (parsed.submit_date, parsed.done_date) == minutes
