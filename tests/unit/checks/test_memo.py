"""The pipeline's memoised segments answer exactly what running every rule answers.

The sender rules' joint outcome is memoised per sender facts (source, account, day), the content
rules' per text, or per text Shape when the text has no link and no digit a signal reads. These
tests replay random traffic (the corpus, with digits and letters varied, senders with wrong
TON/NPI or expired registrations, national and high-cost destinations) through a memoised pipeline
and through one that runs every rule, each with its own state, and compare every result.
"""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from smpp_gateway.checks import (
    RULE_IDS,
    AccountPolicy,
    ChecksConfig,
    DuplicateState,
    InMemoryOptOutList,
    PhoneCache,
    Pipeline,
    PipelineResult,
    RuleMode,
    RuleSettings,
    VelocityState,
    demo_account_policy,
)
from smpp_gateway.checks.base import CheckContext
from smpp_gateway.message import Address, Message
from smpp_gateway.smpp.constants import Npi, Ton

from .helpers import CONFIG, WEDNESDAY_11H_PARIS, message
from .test_corpus import FRAUD, ORDINARY

TEXTS = sorted({text for _, _, text in ORDINARY} | {text for _, _, text, _ in FRAUD})
SENDERS = [
    Address("ACME", Ton.ALPHANUMERIC, Npi.UNKNOWN),
    Address("ACME", Ton.INTERNATIONAL, Npi.ISDN),  # corrected (or refused) by sender.ton_npi
    Address("36123", Ton.NETWORK_SPECIFIC, Npi.UNKNOWN),
    Address("38123", Ton.ALPHANUMERIC, Npi.UNKNOWN),
    Address("0612345678", Ton.NATIONAL, Npi.ISDN),
    Address("PROMO1", Ton.ALPHANUMERIC, Npi.UNKNOWN),  # registration expires (policy below)
    Address("PAYPAI", Ton.ALPHANUMERIC, Npi.UNKNOWN),
    Address("AMELI", Ton.ALPHANUMERIC, Npi.UNKNOWN),
]
DESTINATIONS = [
    Address("33612345678", Ton.INTERNATIONAL, Npi.ISDN),
    Address("33612345679", Ton.INTERNATIONAL, Npi.ISDN),
    Address("0612345678", Ton.NATIONAL, Npi.ISDN),  # amended to E.164 by dest.format
    Address("+4915123456789", Ton.INTERNATIONAL, Npi.ISDN),
    Address("8816123456789", Ton.INTERNATIONAL, Npi.ISDN),
    Address("447911123456", Ton.INTERNATIONAL, Npi.ISDN),
]


def _policy(kind: str) -> AccountPolicy:
    demo = demo_account_policy()
    if kind == "expiring":
        senders = [*demo.registered_senders, {"sender": "PROMO*", "expires": date(2025, 6, 12)}]
        return demo.model_copy(
            update={"registered_senders": AccountPolicy(registered_senders=senders).registered_senders}
        )
    if kind == "reject_ton_npi":
        return demo.model_copy(update={"sender_ton_npi": "reject"})
    if kind == "open":
        return AccountPolicy()
    return demo


MONITOR_ALL = ChecksConfig(rules={rule: RuleSettings(mode=RuleMode.MONITOR) for rule in RULE_IDS})
HALF_MONITORED = ChecksConfig(
    rules={
        rule: RuleSettings(mode=RuleMode.MONITOR)
        for rule in RULE_IDS
        if rule.endswith(("ton_npi", "shortener", "lookalike"))
    }
)


def _vary(text: str, digits: list[int], swap: bool) -> str:
    """The text with its digits replaced (another OTP of one template), maybe a letter spoofed."""
    chars = list(text)
    positions = [i for i, ch in enumerate(chars) if ch.isdigit()]
    for position, digit in zip(positions, digits, strict=False):
        chars[position] = str(digit)
    if swap and "o" in chars:
        chars[chars.index("o")] = "о"  # Cyrillic
    return "".join(chars)


# A few texts, senders and destinations per example, so that the memoised outcomes are reused.
Traffic = list[tuple[str, list[int], bool, Address, Address, str, int]]


@st.composite
def traffic(draw: st.DrawFn) -> Traffic:
    texts = draw(st.lists(st.sampled_from(TEXTS), min_size=1, max_size=3))
    senders = draw(st.lists(st.sampled_from(SENDERS), min_size=1, max_size=3))
    destinations = draw(st.lists(st.sampled_from(DESTINATIONS), min_size=1, max_size=3))
    item = st.tuples(
        st.sampled_from(texts),
        st.lists(st.integers(0, 9), max_size=8),
        st.booleans(),
        st.sampled_from(senders),
        st.sampled_from(destinations),
        st.sampled_from(["demo", "other"]),
        st.integers(0, 3),  # days after the first message
    )
    return draw(st.lists(item, min_size=1, max_size=40))


class _Side:
    """One pipeline and its own state."""

    def __init__(self, config: ChecksConfig, policy: AccountPolicy, memoise: bool) -> None:
        self.pipeline = Pipeline.from_config(config, policy, memoise=memoise)
        self.state = (InMemoryOptOutList(), VelocityState(), DuplicateState(), PhoneCache())

    def run(self, msg: Message, day: int, index: int) -> PipelineResult:
        optouts, velocity, duplicates, phones = self.state
        now = WEDNESDAY_11H_PARIS + timedelta(days=day, seconds=index)
        ctx = CheckContext(now=now, optouts=optouts, velocity=velocity, duplicates=duplicates, phones=phones)
        return self.pipeline.run(msg, ctx)


def _same(a: PipelineResult, b: PipelineResult) -> None:
    assert a.final == b.final
    assert a.amended == b.amended
    assert a.findings == b.findings


@settings(max_examples=150, deadline=None)
@given(
    traffic=traffic(),
    config=st.sampled_from([CONFIG, MONITOR_ALL, HALF_MONITORED]),
    policy=st.sampled_from(["demo", "expiring", "reject_ton_npi", "open"]),
)
def test_memoised_and_plain_runs_agree(traffic: Traffic, config: ChecksConfig, policy: str) -> None:
    memoised, plain = _Side(config, _policy(policy), True), _Side(config, _policy(policy), False)
    for index, (text, digits, swap, source, destination, account, day) in enumerate(traffic):
        msg = message(_vary(text, digits, swap), sender=source, to=destination, account=account)
        _same(memoised.run(msg, day, index), plain.run(msg, day, index))


def test_an_otp_template_is_judged_once_per_shape() -> None:
    """Two OTPs of one template share the content outcome; a spoofed letter does not."""
    side = _Side(CONFIG, demo_account_policy(), True)
    first = side.run(message("Votre code est 123456"), 0, 0)
    again = side.run(message("Votre code est 654321"), 0, 1)
    spoofed = side.run(message("Vоtre code est 111111"), 0, 2)  # Cyrillic o: same Shape
    assert first.accepted
    assert again.accepted
    assert spoofed.final.rule == "content.encoding"  # type: ignore[union-attr]


def test_an_expired_registration_is_judged_by_the_day() -> None:
    side = _Side(CONFIG, _policy("expiring"), True)
    promo = message("Votre code est 123456", sender=Address("PROMO1", Ton.ALPHANUMERIC, Npi.UNKNOWN))
    assert side.run(promo, 0, 0).accepted  # 2025-06-11
    assert side.run(promo, 1, 1).accepted  # 2025-06-12, the last valid day
    assert side.run(promo, 2, 2).final.rule == "sender.registry"  # type: ignore[union-attr]
    assert side.run(promo, 1, 3).accepted  # the memo is per day, not "expired once, expired forever"


def test_a_reloaded_pipeline_does_not_reuse_the_old_outcomes() -> None:
    """A new configuration (SIGHUP) is a new Pipeline: memoised outcomes are per pipeline."""
    state = _Side(CONFIG, demo_account_policy(), True)
    spoof = message("Votre code est 123456", sender=Address("PAYPAI", Ton.ALPHANUMERIC, Npi.UNKNOWN))
    assert state.run(spoof, 0, 0).final.rule == "sender.lookalike"  # type: ignore[union-attr]
    relaxed = ChecksConfig(rules={"sender.lookalike": RuleSettings(mode=RuleMode.MONITOR)})
    state.pipeline = Pipeline.from_config(relaxed, demo_account_policy())
    result = state.run(spoof, 0, 1)
    assert result.final.rule == "sender.registry"  # type: ignore[union-attr]
    assert [f.rule for f in result.findings] == ["sender.lookalike", "sender.registry"]


def test_outcome_memos_are_bounded() -> None:
    from smpp_gateway.checks.analysis import analyse
    from smpp_gateway.checks.content import SHAPE_MEMO_SIZE
    from smpp_gateway.checks.sender import OUTCOME_MEMO_SIZE

    side = _Side(CONFIG, demo_account_policy(), True)
    for day in range(3 * OUTCOME_MEMO_SIZE):
        side.run(message("Votre code est 123456"), day, day)
    facts = side.pipeline.settings.sender_memo[("ACME", Ton.ALPHANUMERIC, Npi.UNKNOWN)]
    assert 0 < len(facts.outcomes) <= OUTCOME_MEMO_SIZE
    for account in range(3 * SHAPE_MEMO_SIZE):
        side.run(message("Votre code est 123456", account=f"a{account}"), 0, account)
    assert 0 < len(analyse("Votre code est 123456").shape.memo) <= SHAPE_MEMO_SIZE


def test_links_enter_the_key_by_host_and_userinfo() -> None:
    side = _Side(CONFIG, demo_account_policy(), True)
    first = side.run(message("Votre suivi : shop1.fr/colis"), 0, 0)
    second = side.run(message("Votre suivi : shop2.fr/colis"), 0, 1)
    assert "shop1.fr" in first.final.reason  # type: ignore[union-attr]
    assert "shop2.fr" in second.final.reason  # type: ignore[union-attr]
    tricked = side.run(message("Suivi : https://acme1.fr@relais.io/c"), 0, 2)
    other = side.run(message("Suivi : https://acme2.fr@relais.io/c"), 0, 3)
    assert "acme1.fr@relais.io" in tricked.final.reason  # type: ignore[union-attr]
    assert "acme2.fr@relais.io" in other.final.reason  # type: ignore[union-attr]


def test_notices_of_one_template_share_their_outcome_whatever_their_link_path() -> None:
    from smpp_gateway.checks.analysis import analyse

    side = _Side(CONFIG, demo_account_policy(), True)
    text = "Votre colis ACME n°{0} est en cours de livraison. Suivi : https://suivi.acme.fr/c/{0}"
    for ref in range(1000000, 1000020):
        assert side.run(message(text.format(ref)), 0, ref).accepted
    segments = {getattr(step.check, "__self__", None) for step in side.pipeline._plan}
    shape = analyse(text.format(1000000)).shape
    outcomes = [key for key in shape.memo if isinstance(key, tuple) and key[0] in segments]
    assert len(outcomes) == 1


def test_digits_a_signal_reads_are_judged_per_text() -> None:
    """'0899' is a premium call-back number, '0199' is not: same Shape, different verdicts."""
    side = _Side(CONFIG, demo_account_policy(), True)
    text = "AMELI : votre carte vitale expire, appelez le {} 123 456 pour la renouveler."
    plain, premium = (
        side.run(message(text.format("0199")), 0, 0),
        side.run(message(text.format("0899")), 0, 1),
    )
    assert "premium_callback" not in getattr(plain.final, "reason", "")
    assert "premium_callback" in premium.final.reason  # type: ignore[union-attr]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(["089", "0899", "118", "08", "33", "8", "9", "0", "x", "A", " ", ".", "-", "\x01"]),
        max_size=12,
    ).map("".join)
)
def test_reads_digits_sees_every_digit_phrase_that_matches(text: str) -> None:
    """The search that sends a text to the per-text memo never misses a digit phrase's match."""
    from smpp_gateway.checks.analysis import Analysis

    model = Pipeline.from_config(CONFIG, demo_account_policy()).settings.phishing
    analysis = Analysis("appelez le " + text)
    if model._digits.matches(analysis.words):
        assert model.reads_digits(analysis)
