"""Destination rules: validity (phonenumbers, cached), countries, high-cost ranges, opt-outs."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smpp_gateway.checks import InMemoryOptOutList, PhoneCache, Pipeline
from smpp_gateway.checks.destination import DESTINATION_RULES
from smpp_gateway.checks.numbers import describe_number
from smpp_gateway.message import Address, MessageClass
from smpp_gateway.smpp.constants import CommandStatus, Npi, Ton

from .helpers import CONFIG, context, message, open_policy, pipeline, rejected_by, run

S = CommandStatus
MARKETING = "Soldes -30% sur acme.fr ! STOP au 36123"


@pytest.mark.parametrize(
    "to",
    [
        "33612345678",
        "33756123456",
        "33142685300",
        "590690123456",
        "262692123456",
        "4915123456789",
        "32470123456",
    ],
)
def test_valid_destinations_in_allowed_countries_pass(to: str) -> None:
    assert rejected_by(run(message(to=to))) is None


@pytest.mark.parametrize("to", ["336123", "3361234567890", "33012345678", "999123456789", "abc"])
def test_invalid_numbers_are_refused(to: str) -> None:
    result = run(message(to=to))
    assert rejected_by(result) == "dest.format"
    assert result.final.status == S.ESME_RINVDSTADR  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("addr", "ton"),
    [("+33612345678", Ton.INTERNATIONAL), ("0033612345678", Ton.INTERNATIONAL), ("0612345678", Ton.NATIONAL)],
)
def test_other_forms_are_normalised_to_e164(addr: str, ton: Ton) -> None:
    result = run(message(to=Address(addr, ton, Npi.ISDN)))
    assert result.accepted
    assert result.amended.destination == Address("33612345678", Ton.INTERNATIONAL, Npi.ISDN)
    assert [f.rule for f in result.findings] == ["dest.format"]


def test_alphanumeric_destination_ton_is_refused() -> None:
    result = run(message(to=Address("33612345678", Ton.ALPHANUMERIC, Npi.UNKNOWN)))
    assert rejected_by(result) == "dest.format"


@pytest.mark.parametrize("to", ["12025550123", "447911123456", "8613800138000", "687751234"])
def test_countries_outside_france_and_the_eu_are_refused_for_the_demo(to: str) -> None:
    result = run(message(to=to))
    assert rejected_by(result) == "dest.country"


def test_country_lists_accept_groups_and_deny_wins() -> None:
    policy = open_policy(allowed_countries=["EEA"], denied_countries=["DE"])
    assert rejected_by(run(message(to="4790123456"), policy=policy)) is None  # Norway: EEA
    assert rejected_by(run(message(to="4915123456789"), policy=policy)) == "dest.country"
    assert rejected_by(run(message(to="447911123456"), policy=policy)) == "dest.country"


@pytest.mark.parametrize(
    "to", ["8816123456789", "882161234567", "883510012345", "870772001234", "979123456789"]
)
def test_high_cost_ranges_are_refused_by_default(to: str) -> None:
    result = run(message(to=to), policy=open_policy())
    assert rejected_by(result) == "dest.high_cost"
    assert result.final.status == S.ESME_RINVDSTADR  # type: ignore[union-attr]


def test_premium_rate_numbers_are_refused() -> None:
    result = run(message(to="33899123456"), policy=open_policy())  # French 0899: premium rate
    assert rejected_by(result) == "dest.high_cost"
    assert "premium-rate" in result.final.reason  # type: ignore[union-attr]


def test_operator_prefixes_extend_and_account_exemptions_override() -> None:
    from smpp_gateway.checks import ChecksConfig

    config = ChecksConfig(high_cost_prefixes=["881", "+3361234"])
    assert (
        rejected_by(run(message(to="33612345678"), policy=open_policy(), config=config)) == "dest.high_cost"
    )
    exempt = open_policy(allowed_high_cost_prefixes=["3361234"])
    assert rejected_by(run(message(to="33612345678"), policy=exempt, config=config)) is None


def test_opted_out_recipients_get_no_marketing_but_still_get_otps() -> None:
    optouts = InMemoryOptOutList()
    optouts.add("+33612345678", "demo")
    ctx = context(optouts=optouts)
    result = run(message(MARKETING, sender="36123"), ctx=ctx)
    assert rejected_by(result) == "dest.opt_out"
    assert result.final.status == S.ESME_RX_R_APPN  # type: ignore[union-attr]
    assert rejected_by(run(message("Votre code est 123456"), ctx=context(optouts=optouts))) is None
    assert (
        rejected_by(run(message(MARKETING, sender="36123", to="33611111111"), ctx=context(optouts=optouts)))
        is None
    )


def test_per_sender_opt_out_only_blocks_that_sender() -> None:
    optouts = InMemoryOptOutList()
    optouts.add("33612345678", "demo", sender="36123")
    explicit = message(
        "Promo -10% sur acme.fr. STOP au 36123", sender="ACME", message_class=MessageClass.MARKETING
    )
    assert (
        rejected_by(run(message(MARKETING, sender="36123"), ctx=context(optouts=optouts))) == "dest.opt_out"
    )
    assert rejected_by(run(explicit, ctx=context(optouts=optouts))) is None


def test_phone_cache_is_bounded_and_counts_hits() -> None:
    cache = PhoneCache(max_size=2)
    for number in ("33612345678", "33612345679", "33612345678", "33612345670"):
        cache.lookup(number, "FR")
    assert len(cache) == 2
    assert (cache.hits, cache.misses) == (1, 3)


@settings(max_examples=150, deadline=None)
@given(st.integers(min_value=10**6, max_value=10**15 - 1))
def test_the_fast_path_agrees_with_phonenumbers_parse(value: int) -> None:
    import phonenumbers

    digits = str(value)
    info = describe_number(digits, "FR")
    try:
        parsed = phonenumbers.parse("+" + digits)
    except phonenumbers.NumberParseException:
        assert not info.valid
        return
    assert info.valid == phonenumbers.is_valid_number(parsed)
    if info.valid:
        assert info.region == phonenumbers.region_code_for_number(parsed)
        assert info.e164 == phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)[1:]


GROUPED_DESTINATIONS = [
    Address("33612345678", Ton.INTERNATIONAL, Npi.ISDN),  # plain: the one-call path
    Address("0612345678", Ton.NATIONAL, Npi.ISDN),  # amended to E.164
    Address("+33612345678", Ton.INTERNATIONAL, Npi.ISDN),  # amended too
    Address("33612345678", Ton.ALPHANUMERIC, Npi.UNKNOWN),  # not a phone number's TON
    Address("33612345678", Ton.INTERNATIONAL, Npi.LAND_MOBILE),  # nor NPI
    Address("336123", Ton.INTERNATIONAL, Npi.ISDN),  # invalid
    Address("8816123456789", Ton.INTERNATIONAL, Npi.ISDN),  # a high-cost range
    Address("33899123456", Ton.INTERNATIONAL, Npi.ISDN),  # premium rate
    Address("4915123456789", Ton.INTERNATIONAL, Npi.ISDN),  # EU: allowed
    Address("447911123456", Ton.INTERNATIONAL, Npi.ISDN),  # UK: not allowed for the demo
    Address("12125551234", Ton.INTERNATIONAL, Npi.ISDN),  # US: denied below
    Address("8821612345678", Ton.INTERNATIONAL, Npi.ISDN),  # exempted below
]


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.sampled_from(GROUPED_DESTINATIONS), min_size=1, max_size=6),
    st.fixed_dictionaries({rule: st.sampled_from(["enforce", "monitor"]) for rule in DESTINATION_RULES}),
    st.sampled_from([None, ["FR", "EU"], ["FR"]]),
    st.booleans(),
)
def test_the_grouped_destination_step_answers_what_the_rules_answer(
    destinations: list[Address], modes: dict[str, str], allowed: list[str] | None, exempt: bool
) -> None:
    # The one-call step (then the rules one by one when one of them would answer anything but
    # ACCEPT) against every rule run by itself, in every mode, with the account's lists varied.
    fields: dict[str, object] = {"rules": {rule: {"mode": mode} for rule, mode in modes.items()}}
    fields |= {"denied_countries": ["US"], "allowed_high_cost_prefixes": ["8821"] if exempt else []}
    if allowed is not None:
        fields["allowed_countries"] = allowed
    grouped = pipeline(open_policy(**fields))
    plain = Pipeline.from_config(CONFIG, open_policy(**fields), memoise=False)
    assert any(step.rule is None and step.rule_id == "dest.high_cost" for step in grouped._plan)
    for destination in destinations:
        results = [pipe.run(message(to=destination), context()) for pipe in (grouped, plain)]
        assert results[0] == results[1]
