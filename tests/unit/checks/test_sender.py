"""Sender rules: format, TON/NPI, registry (wildcards, expiry), protected brands and lookalikes."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from smpp_gateway.checks import AccountPolicy, Amend, RegisteredSender, RuleSettings
from smpp_gateway.message import Address
from smpp_gateway.smpp.constants import CommandStatus, Npi, Ton

from .helpers import WEDNESDAY_11H_PARIS, message, open_policy, rejected_by, run

S = CommandStatus


# --- sender.format ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sender",
    ["ACME", "ACME-FR", "A", "ACME 24", "Acme.Shop", "B&Q", "O'Neil", "ACME_INFO", "ABCDEFGHIJK", "Shop2Go"],
)
def test_alphanumeric_senders_of_the_right_form_pass(sender: str) -> None:
    assert rejected_by(run(message(sender=sender), policy=open_policy())) is None


@pytest.mark.parametrize(
    ("sender", "why"),
    [
        ("ABCDEFGHIJKL", "longer than 11"),  # 12 characters: one too many
        ("ACME!", "characters outside"),
        ("ACMÉ", "characters outside"),
        ("--..", "no letter"),
    ],
)
def test_bad_alphanumeric_senders_are_refused(sender: str, why: str) -> None:
    result = run(message(sender=sender), policy=open_policy())
    assert rejected_by(result) == "sender.format"
    assert why in result.final.reason  # type: ignore[union-attr]
    assert result.final.status == S.ESME_RINVSRCADR  # type: ignore[union-attr]


def test_eleven_characters_pass_and_twelve_do_not() -> None:
    assert rejected_by(run(message(sender="X" * 11), policy=open_policy())) is None
    assert rejected_by(run(message(sender="X" * 12), policy=open_policy())) == "sender.format"


@pytest.mark.parametrize(
    ("sender", "rule"),
    [
        (Address("", Ton.ALPHANUMERIC, Npi.UNKNOWN), "sender.format"),
        (Address("123", Ton.UNKNOWN, Npi.UNKNOWN), "sender.format"),  # neither short code nor E.164
        (Address("1234567890123456", Ton.INTERNATIONAL, Npi.ISDN), "sender.format"),  # 16 digits
        (Address("38123", Ton.NETWORK_SPECIFIC, Npi.UNKNOWN), None),
        (Address("1234", Ton.UNKNOWN, Npi.UNKNOWN), None),
        (Address("123456789012345", Ton.INTERNATIONAL, Npi.ISDN), None),  # 15 digits
    ],
)
def test_numeric_sender_forms(sender: Address, rule: str | None) -> None:
    assert rejected_by(run(message(sender=sender), policy=open_policy())) == rule


# --- sender.ton_npi ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (Address("ACME", Ton.INTERNATIONAL, Npi.ISDN), Address("ACME", Ton.ALPHANUMERIC, Npi.UNKNOWN)),
        (
            Address("38123", Ton.ALPHANUMERIC, Npi.UNKNOWN),
            Address("38123", Ton.NETWORK_SPECIFIC, Npi.UNKNOWN),
        ),
        (
            Address("+33700000001", Ton.INTERNATIONAL, Npi.ISDN),
            Address("33700000001", Ton.INTERNATIONAL, Npi.ISDN),
        ),
        (
            Address("33700000001", Ton.UNKNOWN, Npi.UNKNOWN),
            Address("33700000001", Ton.INTERNATIONAL, Npi.ISDN),
        ),
        (Address("0612345678", Ton.NATIONAL, Npi.ISDN), Address("33612345678", Ton.INTERNATIONAL, Npi.ISDN)),
    ],
)
def test_inconsistent_ton_npi_is_corrected_and_reported(given: Address, expected: Address) -> None:
    result = run(message(sender=given), policy=open_policy())
    assert result.accepted
    assert result.amended.source == expected
    assert [(f.rule, f.kind) for f in result.findings] == [("sender.ton_npi", "amend")]


def test_a_national_sender_that_is_no_number_is_refused() -> None:
    result = run(message(sender=Address("01234567", Ton.NATIONAL, Npi.ISDN)), policy=open_policy())
    assert rejected_by(result) == "sender.ton_npi"


def test_consistent_ton_npi_is_left_alone() -> None:
    result = run(message(sender="ACME"))
    assert result.findings == []
    assert result.amended.source == Address("ACME", Ton.ALPHANUMERIC, Npi.UNKNOWN)


def test_short_codes_may_use_ton_0() -> None:
    result = run(message(sender=Address("38123", Ton.UNKNOWN, Npi.UNKNOWN), text="Votre code est 4321"))
    assert result.findings == []


@pytest.mark.parametrize(
    ("given", "status"),
    [
        (Address("ACME", Ton.INTERNATIONAL, Npi.ISDN), S.ESME_RINVSRCTON),
        (Address("ACME", Ton.ALPHANUMERIC, Npi.ISDN), S.ESME_RINVSRCNPI),
        (Address("33700000001", Ton.INTERNATIONAL, Npi.UNKNOWN), S.ESME_RINVSRCNPI),
    ],
)
def test_reject_policy_answers_the_ton_or_npi_status(given: Address, status: CommandStatus) -> None:
    policy = open_policy(sender_ton_npi="reject")
    result = run(message(sender=given), policy=policy)
    assert rejected_by(result) == "sender.ton_npi"
    assert result.final.status == status  # type: ignore[union-attr]


def test_amend_verdict_names_the_field_it_changes() -> None:
    from smpp_gateway.checks import PhoneCache
    from smpp_gateway.checks.sender import sender_facts

    from .helpers import pipeline

    verdict = sender_facts(
        pipeline().settings, PhoneCache(), Address("ACME", Ton.UNKNOWN, Npi.UNKNOWN)
    ).ton_npi
    assert isinstance(verdict, Amend)
    assert verdict.changes == {"source": Address("ACME", Ton.ALPHANUMERIC, Npi.UNKNOWN)}


# --- sender.registry --------------------------------------------------------------------------


@pytest.mark.parametrize("sender", ["ACME", "acme", "Acme-Fr", "38123", "33700000001"])
def test_demo_registered_senders_pass(sender: str) -> None:
    assert rejected_by(run(message(sender=sender, text="Votre code est 123456"))) is None


@pytest.mark.parametrize("sender", ["ACMEE", "SHOP", "36124", "33700000002"])
def test_unregistered_senders_are_refused(sender: str) -> None:
    result = run(message(sender=sender))
    assert rejected_by(result) == "sender.registry"
    assert "not registered" in result.final.reason  # type: ignore[union-attr]


def _policy_with(*entries: RegisteredSender) -> AccountPolicy:
    return AccountPolicy(registered_senders=list(entries))


def test_wildcards_match_case_insensitively() -> None:
    policy = _policy_with(RegisteredSender(sender="ACME*"), RegisteredSender(sender="SHOP?"))
    assert rejected_by(run(message(sender="acme-promo"), policy=policy)) is None
    assert rejected_by(run(message(sender="SHOP1"), policy=policy)) is None
    assert rejected_by(run(message(sender="SHOP12"), policy=policy)) == "sender.registry"


def test_expired_registrations_are_refused_from_the_day_after() -> None:
    today = WEDNESDAY_11H_PARIS.date()
    valid = _policy_with(RegisteredSender(sender="PROMO", expires=today))
    expired = _policy_with(RegisteredSender(sender="PROMO", expires=today - timedelta(days=1)))
    assert rejected_by(run(message(sender="PROMO"), policy=valid)) is None
    result = run(message(sender="PROMO"), policy=expired)
    assert rejected_by(result) == "sender.registry"
    assert "expired on" in result.final.reason  # type: ignore[union-attr]


def test_a_later_registration_outlives_an_expired_one() -> None:
    policy = _policy_with(
        RegisteredSender(sender="PROMO", expires=date(2020, 1, 1)), RegisteredSender(sender="PRO*")
    )
    assert rejected_by(run(message(sender="PROMO"), policy=policy)) is None


def test_registered_senders_accept_the_string_shorthand_in_yaml() -> None:
    policy = AccountPolicy.model_validate(
        {"registered_senders": ["ACME", {"sender": "X*", "expires": "2030-01-01"}]}
    )
    assert [e.sender for e in policy.registered_senders] == ["ACME", "X*"]


# --- sender.protected and sender.lookalike ----------------------------------------------------


@pytest.mark.parametrize("sender", ["PAYPAL", "PayPal", "AMELI", "La Poste", "IMPOTS", "DHL"])
def test_protected_brands_are_refused_to_other_accounts(sender: str) -> None:
    result = run(message(sender=sender), policy=open_policy())
    assert rejected_by(result) == "sender.protected"
    assert result.final.status == S.ESME_RINVSRCADR  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("sender", "brand"),
    [
        ("AMAZ0N", "AMAZON"),
        ("PAYPAI", "PAYPAL"),
        ("PAYPA1", "PAYPAL"),
        ("IMP0TS", "IMPOTS"),
        ("PAYPAL-FR", "PAYPAL"),
        ("AMELI INFO", "AMELI"),
        ("SECURE-LCL", "LCL"),
        ("NETFLIK", "NETFLIX"),
        ("C0LISSIMO", "COLISSIMO"),
        ("CHRONOP0ST", "CHRONOPOST"),
        ("AMAZOM-FR", "AMAZON"),
        ("BOURS0RAMA", "BOURSORAMA"),
    ],
)
def test_lookalikes_are_refused(sender: str, brand: str) -> None:
    result = run(message(sender=sender), policy=open_policy())
    assert rejected_by(result) == "sender.lookalike"
    assert brand in result.final.reason  # type: ignore[union-attr]


def test_cyrillic_lookalike_is_named_even_though_its_charset_is_invalid() -> None:
    result = run(message(sender="раураl"), policy=open_policy())  # Cyrillic р а у а р + Latin l
    assert rejected_by(result) == "sender.lookalike"


@pytest.mark.parametrize(
    "sender", ["ACME", "ACME-FR", "SHOP", "INFO", "ALERTE", "ORANGINA", "MAIRIE", "BANQUE"]
)
def test_ordinary_senders_are_not_lookalikes(sender: str) -> None:
    assert rejected_by(run(message(sender=sender), policy=open_policy())) is None


def test_brand_owners_may_use_their_brand_and_its_variants() -> None:
    from smpp_gateway.checks import ChecksConfig, ProtectedBrand

    config = ChecksConfig(protected_brands=[ProtectedBrand(name="PAYPAL", owners=["paypal-fr"])])
    for sender in ("PAYPAL", "PAYPAL-FR"):
        mine = message(sender=sender, account="paypal-fr")
        assert rejected_by(run(mine, policy=open_policy(), config=config)) is None
        theirs = message(sender=sender, account="demo")
        assert rejected_by(run(theirs, policy=open_policy(), config=config)) is not None


def test_monitor_mode_reports_the_lookalike_and_lets_it_through() -> None:
    policy = open_policy(rules={"sender.lookalike": RuleSettings(mode="monitor")})
    result = run(message(sender="AMAZ0N"), policy=policy)
    assert result.accepted
    assert [(f.rule, f.mode, f.kind) for f in result.findings] == [("sender.lookalike", "monitor", "reject")]
