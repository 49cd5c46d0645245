"""Per-route sender policy (smpp_gateway/routing/sender.py): each mode, TON/NPI of the result."""

from __future__ import annotations

from typing import Any

import pytest

from smpp_gateway.config import RouteConfig
from smpp_gateway.message import Address, Message
from smpp_gateway.routing import address_for, apply_sender_policy
from smpp_gateway.smpp.constants import Npi, Ton

ACME = Address("ACME", Ton.ALPHANUMERIC, Npi.UNKNOWN)
LONG = Address("33700000001", Ton.INTERNATIONAL, Npi.ISDN)
SHORT = Address("36123", Ton.NETWORK_SPECIFIC, Npi.UNKNOWN)


def route(**sender: Any) -> RouteConfig:
    return RouteConfig.model_validate({"name": "fr", "carriers": ("a",), "sender": sender})


def message(source: Address = ACME, account: str = "demo") -> Message:
    return Message(account=account, source=source, destination=Address("33612345678"), text="hi")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("ACME", ACME),
        ("ACME-FR", Address("ACME-FR", Ton.ALPHANUMERIC, Npi.UNKNOWN)),
        ("33700000001", LONG),
        ("+33700000001", LONG),
        ("36123", SHORT),
    ],
)
def test_a_replacement_gets_the_ton_npi_of_its_form(value: str, expected: Address) -> None:
    assert address_for(value) == expected


@pytest.mark.parametrize("source", [ACME, LONG, SHORT])
def test_keep_leaves_every_sender_alone(source: Address) -> None:
    decision = apply_sender_policy(route(), message(source))
    assert decision.address is source
    assert not decision.rewritten


def test_numeric_rewrites_alphanumeric_to_the_number_as_e164() -> None:
    decision = apply_sender_policy(route(mode="numeric", number="+33700000009"), message())
    assert decision.address == Address("33700000009", Ton.INTERNATIONAL, Npi.ISDN)
    assert decision.rewritten
    assert decision.reason == (
        "route fr does not carry alphanumeric senders: ACME (TON 5 NPI 0) -> 33700000009 (TON 1 NPI 1)"
    )


def test_numeric_to_a_short_code() -> None:
    decision = apply_sender_policy(route(mode="numeric", number="38123"), message())
    assert decision.address == Address("38123", Ton.NETWORK_SPECIFIC, Npi.UNKNOWN)


@pytest.mark.parametrize("source", [LONG, SHORT])
def test_numeric_keeps_numeric_senders(source: Address) -> None:
    decision = apply_sender_policy(route(mode="numeric", number="33700000009"), message(source))
    assert decision.address is source
    assert not decision.rewritten


MAP = {"ACME": "33700000002", "shop": "SHOPINFO", "36123": "ACME"}


def test_map_by_sender() -> None:
    decision = apply_sender_policy(route(mode="map", map=MAP), message(SHORT))
    assert decision.address == ACME
    assert decision.rewritten
    assert decision.reason.startswith("sender 36123 mapped on route fr")


def test_map_by_sender_is_case_insensitive() -> None:
    decision = apply_sender_policy(route(mode="map", map=MAP), message(Address("Acme", Ton.ALPHANUMERIC)))
    assert decision.address == Address("33700000002", Ton.INTERNATIONAL, Npi.ISDN)


def test_map_by_account_when_the_sender_is_not_listed() -> None:
    decision = apply_sender_policy(
        route(mode="map", map=MAP), message(Address("PROMO", Ton.ALPHANUMERIC), "shop")
    )
    assert decision.address == Address("SHOPINFO", Ton.ALPHANUMERIC, Npi.UNKNOWN)
    assert decision.reason.startswith("account shop mapped on route fr")


def test_map_sender_wins_over_account() -> None:
    decision = apply_sender_policy(route(mode="map", map=MAP), message(ACME, "shop"))
    assert decision.address.addr == "33700000002"


def test_map_without_an_entry_keeps_the_sender() -> None:
    decision = apply_sender_policy(route(mode="map", map=MAP), message(Address("OTHER", Ton.ALPHANUMERIC)))
    assert not decision.rewritten
    assert decision.reason == "no mapping for this sender or account"


def test_map_to_the_same_address_is_not_a_rewrite() -> None:
    decision = apply_sender_policy(route(mode="map", map={"ACME": "ACME"}), message())
    assert not decision.rewritten


def test_force_ton_npi_is_a_rewrite_when_it_changes_them() -> None:
    decision = apply_sender_policy(route(force_ton=0, force_npi=1), message(SHORT))
    assert decision.address == Address("36123", Ton.UNKNOWN, Npi.ISDN)
    assert decision.rewritten
    assert "TON/NPI forced to 0/1" in decision.reason


def test_force_ton_npi_applies_after_a_replacement() -> None:
    decision = apply_sender_policy(route(mode="numeric", number="33700000009", force_npi=0), message())
    assert decision.address == Address("33700000009", Ton.INTERNATIONAL, Npi.UNKNOWN)


def test_forcing_what_is_already_there_is_not_a_rewrite() -> None:
    decision = apply_sender_policy(route(force_ton=5, force_npi=0), message())
    assert not decision.rewritten
