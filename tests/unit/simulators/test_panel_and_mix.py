"""The handset panel's bounded history and queries; the load generator's message mix."""

from __future__ import annotations

from datetime import UTC, datetime

from simulators.config import PanelConfig, Webhook
from simulators.handsets import Delivery, HandsetPanel, WallClock, iso_utc
from simulators.loadmix import MessageFactory, Mix
from smpp_gateway.smpp.concat import user_data
from smpp_gateway.smpp.constants import DataCoding, RegisteredDelivery

AT = datetime(2025, 5, 1, 8, 30, 0, 123000, tzinfo=UTC)


def delivery(n: int, msisdn: str = "33600000001", carrier: str = "c1") -> Delivery:
    return Delivery(msisdn, "ACME", f"text {n}", AT, carrier, (str(n),))


def test_history_is_bounded_oldest_dropped() -> None:
    panel = HandsetPanel(PanelConfig(history=3))
    for n in range(5):
        panel.deliver(delivery(n, msisdn=f"3360000000{n % 2}"))
    assert [item.text for item in panel.deliveries()] == ["text 2", "text 3", "text 4"]
    assert [item.text for item in panel.deliveries("33600000000")] == ["text 2", "text 4"]
    assert panel.deliveries(carrier="c2") == []
    assert panel.total == 5
    panel.clear()
    assert len(panel) == 0


def test_json_shapes() -> None:
    item = delivery(1)
    assert item.to_json() == {
        "msisdn": "33600000001",
        "sender": "ACME",
        "text": "text 1",
        "received_at": "2025-05-01T08:30:00.123Z",
        "carrier": "c1",
        "message_ids": ["1"],
    }
    assert item.report() == {
        k: v for k, v in item.to_json().items() if k in {"msisdn", "sender", "text", "received_at"}
    }
    assert iso_utc(AT).endswith("Z")


def test_webhook_queue_is_bounded_and_filtered() -> None:
    webhook = Webhook(url="http://127.0.0.1:9/x", queue_limit=2, msisdn_prefixes=["336"])
    panel = HandsetPanel(PanelConfig(webhook=webhook))
    assert panel.webhook is not None
    for n in range(4):
        panel.deliver(delivery(n))
    panel.deliver(delivery(9, msisdn="447700900000"))
    assert len(panel.webhook) == 2
    assert panel.webhook.dropped == 2


def test_wall_clock_is_utc_and_moves() -> None:
    clock = WallClock()
    first = clock()
    assert first.tzinfo is UTC
    assert clock() >= first


def test_mix_shares_are_exact_over_a_run() -> None:
    mix = Mix(ucs2_share=0.25, long_share=0.1)
    kinds = [mix.kind(index) for index in range(1000)]
    assert abs(sum(ucs2 for ucs2, _ in kinds) - 250) <= 2
    assert abs(sum(long for _, long in kinds) - 100) <= 2


def test_destinations_numbers_and_prefixes() -> None:
    assert Mix(to="33612345678").destination(5) == "33612345678"
    assert Mix(to="3361").destination(42) == "33610000042"
    assert len({Mix(to="3361").destination(n) for n in range(100)}) == 100


def test_factory_builds_plain_ucs2_long_and_unique_messages() -> None:
    factory = MessageFactory(
        Mix(ucs2_share=0.5, long_share=0.5, unique=True, registered_delivery=True, source="12345678")
    )
    seen = set()
    for index in range(20):
        parts = factory.parts(index)
        ucs2, long = factory.mix.kind(index)
        assert (len(parts) > 1) == long
        assert all(part.data_coding == (DataCoding.UCS2 if ucs2 else DataCoding.DEFAULT) for part in parts)
        assert all(part.registered_delivery == RegisteredDelivery.SMSC_RECEIPT_FINAL for part in parts)
        seen.add(b"".join(user_data(part).payload for part in parts))
    assert len(seen) == 20
    plain = MessageFactory(Mix())
    assert plain.parts(1) is plain.parts(2)  # one template, reused
    assert plain.parts(1)[0].source_addr_ton == 5


def test_numbered_texts_that_no_longer_fit_are_split() -> None:
    factory = MessageFactory(Mix(text="x" * 156, unique=True, to="3361"))
    assert len(factory.parts(1)) == 1  # "x" * 156 + " #1" is 159 characters
    assert len(factory.parts(12345)) == 2
    parts = factory.parts(7)
    assert parts[0].destination_addr == "33610000007"
    assert parts[0].short_message.endswith(b" #7")


def test_fixed_number_single_part_reuses_or_evolves_the_template() -> None:
    factory = MessageFactory(Mix(to="33612345678", unique=True))
    first, second = factory.parts(1)[0], factory.parts(2)[0]
    assert first.destination_addr == second.destination_addr == "33612345678"
    assert first.short_message != second.short_message
