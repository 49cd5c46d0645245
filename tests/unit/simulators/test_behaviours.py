"""Pure decisions of the carrier simulators, driven by seeded dice (no sockets, no clock)."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

import pytest

from simulators.behaviours import (
    Dice,
    Slot,
    alter_text,
    downgrade_to_gsm,
    is_honest,
    plan_delivery,
    plan_honest,
    plan_receipt,
    rewrite_links,
    rewrite_sender,
    seconds_until_night,
    submit_latency,
    submit_status,
)
from simulators.config import Behaviour, Delay, Grey, Receipts, TextAlteration
from simulators.profiles import PROFILES, merge
from smpp_gateway.smpp.constants import CommandStatus, MessageState
from smpp_gateway.smpp.text import can_encode_gsm

NOON = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def behaviour(**fields: Any) -> Behaviour:
    return Behaviour.model_validate(fields)


def binomial_tolerance(n: int, p: float, sigmas: float = 5.0) -> float:
    return sigmas * math.sqrt(n * p * (1 - p))


def test_dice_are_deterministic_and_independent_per_slot() -> None:
    assert Dice(7, 3).uniform(Slot.LOSS) == Dice(7, 3).uniform(Slot.LOSS)
    assert Dice(7, 3).uniform(Slot.LOSS) != Dice(7, 4).uniform(Slot.LOSS)
    assert Dice(7, 3).uniform(Slot.LOSS) != Dice(8, 3).uniform(Slot.LOSS)
    assert Dice(7, 3).uniform(Slot.LOSS) != Dice(7, 3).uniform(Slot.SENDER)
    draws = [Dice(1, n).uniform(Slot.ERROR) for n in range(20_000)]
    assert all(0.0 <= draw < 1.0 for draw in draws)
    assert abs(sum(draws) / len(draws) - 0.5) < 0.01


def test_chance_with_zero_rate_never_happens() -> None:
    assert not any(Dice(1, n).chance(Slot.LOSS, 0.0) for n in range(1000))
    assert all(Dice(1, n).chance(Slot.LOSS, 1.0) for n in range(1000))


@pytest.mark.parametrize(
    ("delay", "low", "high", "mean"),
    [
        (Delay(mean=0.25), 0.25, 0.25, 0.25),
        (Delay(distribution="uniform", low=1.0, high=3.0), 1.0, 3.0, 2.0),
        (Delay(distribution="exponential", mean=0.5), 0.0, math.inf, 0.5),
        (Delay(distribution="exponential", mean=0.5, cap=0.6), 0.0, 0.6, None),
        (Delay(distribution="lognormal", mean=0.4, sigma=0.5), 0.0, math.inf, 0.4 * math.exp(0.125)),
    ],
)
def test_delay_distributions(delay: Delay, low: float, high: float, mean: float | None) -> None:
    samples = [Dice(3, n).sample(delay, Slot.LATENCY) for n in range(20_000)]
    assert all(low <= value <= high for value in samples)
    if mean is not None:
        assert sum(samples) / len(samples) == pytest.approx(mean, rel=0.05)


def test_delay_accepts_a_bare_number_and_checks_bounds() -> None:
    assert Delay.model_validate(1.5) == Delay(mean=1.5)
    assert Delay.model_validate(0).is_zero
    with pytest.raises(ValueError, match="below low"):
        Delay.model_validate({"distribution": "uniform", "low": 2, "high": 1})


def test_error_injection_rates() -> None:
    rules = behaviour(
        errors=[{"status": "ESME_RSYSERR", "rate": 0.1}, {"status": "ESME_RINVDSTADR", "rate": 0.05}]
    )
    n = 20_000
    outcomes = [submit_status(rules, Dice(5, i)) for i in range(n)]
    for status, rate in ((CommandStatus.ESME_RSYSERR, 0.1), (CommandStatus.ESME_RINVDSTADR, 0.05)):
        assert abs(outcomes.count(status) - n * rate) < binomial_tolerance(n, rate)
    assert submit_status(behaviour(), Dice(5, 1)) == 0


def test_error_status_accepts_vendor_numbers() -> None:
    rules = behaviour(errors=[{"status": "0x400", "rate": 1.0}, {"status": 0x58, "rate": 0.0}])
    assert submit_status(rules, Dice(1, 1)) == 0x400
    with pytest.raises(ValueError, match="unknown command_status"):
        behaviour(errors=[{"status": "ESME_NOPE", "rate": 0.1}])
    with pytest.raises(ValueError, match="more than 1"):
        behaviour(errors=[{"status": 8, "rate": 0.6}, {"status": 0x58, "rate": 0.6}])


def test_submit_latency_is_zero_unless_asked() -> None:
    assert submit_latency(behaviour(), Dice(1, 1)) == 0.0
    assert submit_latency(behaviour(submit_latency=0.3), Dice(1, 1)) == 0.3


def test_loss_rate_and_honest_receipts() -> None:
    rules = behaviour(loss_rate=0.1, receipts={"delay": 2.0})
    n = 5000
    plans = [plan_delivery(rules, Dice(9, i), "ACME", "hi", NOON) for i in range(n)]
    lost = [plan for plan in plans if not plan.delivered]
    assert abs(len(lost) - n * 0.1) < binomial_tolerance(n, 0.1)
    assert all(plan.receipt is not None and plan.receipt.state is MessageState.UNDELIVERABLE for plan in lost)
    delivered = [plan for plan in plans if plan.delivered]
    assert all(plan.receipt == plan.receipt.__class__(MessageState.DELIVERED, 2.0) for plan in delivered)


def test_receipt_variants() -> None:
    dice = Dice(1, 1)
    assert plan_receipt(Receipts(none_rate=1.0), dice, True) is None
    fake = plan_receipt(Receipts(fake_delivered_rate=1.0), dice, False)
    assert fake is not None
    assert fake.state is MessageState.DELIVERED
    wrong = plan_receipt(Receipts(wrong_state_rate=1.0, wrong_state="REJECTED"), dice, True)
    assert wrong is not None
    assert wrong.state is MessageState.REJECTED
    late = plan_receipt(Receipts(delay=1.0, late_rate=1.0, late_delay=100.0), dice, True)
    assert late is not None
    assert late.delay == 101.0
    expired = plan_receipt(Receipts(lost_state="EXPIRED"), dice, False)
    assert expired is not None
    assert expired.state is MessageState.EXPIRED


def test_sender_rewrites() -> None:
    dice = Dice(2, 2)
    assert rewrite_sender(Grey(), dice, "ACME") == "ACME"
    fixed = Grey.model_validate({"sender": {"rate": 1, "mode": "fixed", "fixed": "33700000042"}})
    assert rewrite_sender(fixed, dice, "ACME") == "33700000042"
    alpha = Grey.model_validate({"sender": {"rate": 1, "mode": "alphanumeric", "alphanumerics": ["INFO"]}})
    assert rewrite_sender(alpha, dice, "ACME") == "INFO"
    long = Grey.model_validate({"sender": {"rate": 1, "mode": "random_long", "long_prefix": "337"}})
    numbers = {rewrite_sender(long, Dice(2, n), "ACME") for n in range(100)}
    assert len(numbers) > 90
    assert all(len(number) == 11 and number.startswith("337") and number.isdigit() for number in numbers)


def test_text_alterations() -> None:
    assert downgrade_to_gsm("Leçon: «été» – 5€ ✓") == 'Lecon: "ete" - 5€ ?'
    assert can_encode_gsm(downgrade_to_gsm("Привет, мир ÀÉÎ"))
    assert rewrite_links("Pay at https://acme.fr/p?x=1 or www.acme.fr now", "http://x.y/r") == (
        "Pay at http://x.y/r or http://x.y/r now"
    )
    assert rewrite_links("see acme.fr/abc", "L") == "see L"
    all_on = TextAlteration(
        strip_accents_rate=1,
        truncate_rate=1,
        truncate_to=12,
        append_rate=1,
        append_text="+",
        link_rewrite_rate=1,
    )
    # Order: downgrade, links, truncation, then the appended text (which survives truncation).
    assert alter_text(all_on, Dice(1, 1), "Réglez https://a.fr/x vite") == "Reglez http:+"
    assert alter_text(TextAlteration(), Dice(1, 1), "été") == "été"


def test_night_hold() -> None:
    at = datetime(2025, 3, 1, 22, 30, tzinfo=UTC)
    assert seconds_until_night(at, 1, 5, 0.0) == 2.5 * 3600
    assert seconds_until_night(at, 1, 5, 1.0) == 6.5 * 3600
    inside = datetime(2025, 3, 1, 2, 0, tzinfo=UTC)
    assert seconds_until_night(inside, 1, 5, 0.0) == 0.0
    assert seconds_until_night(inside, 1, 5, 0.5) == 1.5 * 3600
    early = datetime(2025, 3, 1, 0, 30, tzinfo=UTC)
    assert seconds_until_night(early, 1, 5, 0.0) == 1800.0
    rules = behaviour(grey={"night_rate": 1.0})
    assert plan_delivery(rules, Dice(1, 1), "A", "t", at).delay >= 2.5 * 3600


def test_duplicates_and_replies_only_for_delivered() -> None:
    rules = behaviour(loss_rate=0.5, grey={"duplicate_rate": 1.0}, mo={"stop_reply_rate": 1.0})
    plans = [plan_delivery(rules, Dice(4, n), "ACME", "x", NOON) for n in range(200)]
    for plan in plans:
        assert (plan.copies == 2) == plan.delivered
        assert (plan.reply_delay is not None) == plan.delivered


def test_same_seed_same_plans() -> None:
    rules = Behaviour.model_validate(PROFILES["grey"])
    first = [plan_delivery(rules, Dice(11, n), "ACME", "Été à https://acme.fr/x", NOON) for n in range(300)]
    again = [plan_delivery(rules, Dice(11, n), "ACME", "Été à https://acme.fr/x", NOON) for n in range(300)]
    other = [plan_delivery(rules, Dice(12, n), "ACME", "Été à https://acme.fr/x", NOON) for n in range(300)]
    assert first == again
    assert first != other


@pytest.mark.parametrize("name", sorted(PROFILES))
def test_every_profile_validates(name: str) -> None:
    Behaviour.model_validate(PROFILES[name])


def test_merge_is_deep() -> None:
    base = {"a": {"b": 1, "c": 2}, "d": [1]}
    assert merge(base, {"a": {"b": 5}, "d": [2]}) == {"a": {"b": 5, "c": 2}, "d": [2]}
    assert base == {"a": {"b": 1, "c": 2}, "d": [1]}


@pytest.mark.parametrize("name", ["direct", "slow", "throttled", "flaky", "no-receipts"])
def test_honest_fast_path_matches_the_general_plan(name: str) -> None:
    raw = (
        merge(PROFILES["direct"], {"receipts": {"none_rate": 1.0}})
        if name == "no-receipts"
        else PROFILES[name]
    )
    rules = Behaviour.model_validate(raw)
    assert is_honest(rules)
    for n in range(200):
        assert plan_honest(rules, Dice(3, n), "ACME", "x") == plan_delivery(
            rules, Dice(3, n), "ACME", "x", NOON
        )


@pytest.mark.parametrize("name", ["lossy", "grey"])
def test_dishonest_profiles_are_not_on_the_fast_path(name: str) -> None:
    assert not is_honest(Behaviour.model_validate(PROFILES[name]))
