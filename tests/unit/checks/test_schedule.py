"""Message class, quiet hours (edges, Sundays, holidays, time zones) and the opt-out mention."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from smpp_gateway.checks import (
    AccountPolicy,
    ChecksConfig,
    ScheduleConfig,
    demo_account_policy,
    resolve_class,
)
from smpp_gateway.checks.analysis import has_opt_out_mention
from smpp_gateway.checks.base import Reject
from smpp_gateway.checks.normalize import fold_text
from smpp_gateway.checks.phrases import words_of
from smpp_gateway.message import MessageClass
from smpp_gateway.smpp.constants import CommandStatus

from .helpers import context, message, open_policy, rejected_by, run

PARIS = ZoneInfo("Europe/Paris")
PROMO = "-20% ce week-end sur acme.fr ! STOP au 36123"


def paris(*args: int) -> datetime:
    return datetime(*args, tzinfo=PARIS).astimezone(UTC)  # type: ignore[misc]


def marketing_at(now: datetime, to: str = "33612345678", **kwargs: object):  # type: ignore[no-untyped-def]
    return run(message(PROMO, sender="36123", to=to, **kwargs), ctx=context(now))  # type: ignore[arg-type]


# --- class --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sender", "explicit", "policy", "expected"),
    [
        ("36123", None, demo_account_policy(), MessageClass.MARKETING),
        ("38123", None, demo_account_policy(), MessageClass.TRANSACTIONAL),
        ("ACME", None, demo_account_policy(), MessageClass.TRANSACTIONAL),
        ("ACME", None, AccountPolicy(default_class=MessageClass.OTP), MessageClass.OTP),
        ("36123", MessageClass.OTP, demo_account_policy(), MessageClass.OTP),
        ("38123", None, AccountPolicy(message_class=MessageClass.MARKETING), MessageClass.MARKETING),
        (
            "36123456789",
            None,
            demo_account_policy(),
            MessageClass.TRANSACTIONAL,
        ),  # +36 is Hungary, not a short code
    ],
)
def test_class_resolution_order(
    sender: str, explicit: MessageClass | None, policy: AccountPolicy, expected: MessageClass
) -> None:
    assert resolve_class(message(sender=sender, message_class=explicit), policy) is expected


def test_the_resolved_class_is_set_on_the_amended_message() -> None:
    result = run(message(PROMO, sender="36123"))
    assert result.amended.message_class is MessageClass.MARKETING


# --- quiet hours -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("local", "refused"),
    [
        ((2025, 6, 11, 19, 59, 59), False),
        ((2025, 6, 11, 20, 0, 0), True),  # 20:00:00 is quiet
        ((2025, 6, 11, 23, 30, 0), True),
        ((2025, 6, 12, 0, 0, 0), True),
        ((2025, 6, 12, 7, 59, 59), True),  # still quiet
        ((2025, 6, 12, 8, 0, 0), False),  # 08:00:00 is open
        ((2025, 1, 15, 20, 0, 0), True),  # winter time too
        ((2025, 1, 16, 8, 0, 0), False),
    ],
)
def test_quiet_hour_edges_in_paris(local: tuple[int, ...], refused: bool) -> None:
    result = marketing_at(paris(*local))
    assert (rejected_by(result) == "class.quiet_hours") is refused
    if refused:
        assert result.final.status == CommandStatus.ESME_RX_T_APPN  # type: ignore[union-attr]


def test_transactional_and_otp_are_never_held() -> None:
    night = paris(2025, 6, 11, 23, 0, 0)
    assert run(message("Votre code est 123456"), ctx=context(night)).accepted
    assert run(
        message("Votre colis arrive demain", sender="38123"), ctx=context(paris(2025, 6, 15, 12, 0))
    ).accepted


def test_sundays_are_quiet_all_day() -> None:
    result = marketing_at(paris(2025, 6, 15, 11, 0))  # a Sunday
    assert rejected_by(result) == "class.quiet_hours"
    assert "Sunday" in result.final.reason  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "day", [(2025, 7, 14), (2025, 5, 1), (2025, 12, 25), (2025, 4, 21), (2025, 11, 11), (2025, 8, 15)]
)
def test_french_public_holidays_are_quiet(day: tuple[int, int, int]) -> None:
    result = marketing_at(paris(*day, 11, 0))
    assert rejected_by(result) == "class.quiet_hours"
    assert "public holiday" in result.final.reason  # type: ignore[union-attr]


def test_alsace_moselle_has_two_more_holidays_when_the_subdivision_is_known() -> None:
    st_stephen = paris(2025, 12, 26, 11, 0)  # a Friday: a holiday in Moselle only
    assert marketing_at(st_stephen).accepted
    assert rejected_by(marketing_at(st_stephen, tags={"subdivision": "57"})) == "class.quiet_hours"
    moselle = AccountPolicy.model_validate(
        {**demo_account_policy().model_dump(), "holiday_subdivision": "57"}
    )
    result = run(message(PROMO, sender="36123"), policy=moselle, ctx=context(st_stephen))
    assert rejected_by(result) == "class.quiet_hours"


def test_the_recipients_time_zone_decides() -> None:
    # Monday 02:00 UTC is Sunday 16:00 in Tahiti: a Sunday there, whatever the day in Paris.
    policy = open_policy()
    tahiti = run(
        message(PROMO, sender="36123", to="68987123456"),
        policy=policy,
        ctx=context(datetime(2025, 6, 16, 2, 0, tzinfo=UTC)),
    )
    assert rejected_by(tahiti) == "class.quiet_hours"
    assert "Sunday" in tahiti.final.reason
    assert "Pacific/" in tahiti.final.reason
    # Sunday 21:30 UTC is Monday 08:30 in Nouméa: open there, while it is Sunday night in Paris.
    sunday_night_utc = datetime(2025, 6, 15, 21, 30, tzinfo=UTC)
    noumea = run(message(PROMO, sender="36123", to="687751234"), policy=policy, ctx=context(sunday_night_utc))
    assert noumea.accepted, noumea.findings
    assert (
        rejected_by(run(message(PROMO, sender="36123"), policy=policy, ctx=context(sunday_night_utc)))
        is not None
    )


def test_a_refusal_says_when_the_message_may_go() -> None:
    saturday_night = paris(2025, 6, 14, 21, 0)
    final = marketing_at(saturday_night).final
    assert isinstance(final, Reject)
    assert final.not_before == paris(2025, 6, 16, 8, 0)  # Sunday skipped
    before_bastille_day = paris(2025, 7, 13, 9, 0)  # Sunday, then Monday 14 July
    final = marketing_at(before_bastille_day).final
    assert isinstance(final, Reject)
    assert final.not_before == paris(2025, 7, 15, 8, 0)


def test_schedule_is_configurable() -> None:
    config = ChecksConfig(schedule=ScheduleConfig(quiet_start="21:00", quiet_end="09:00", sundays=False))  # type: ignore[arg-type]
    assert run(
        message(PROMO, sender="36123"), config=config, ctx=context(paris(2025, 6, 11, 20, 30))
    ).accepted
    assert run(message(PROMO, sender="36123"), config=config, ctx=context(paris(2025, 6, 15, 12, 0))).accepted
    late = run(message(PROMO, sender="36123"), config=config, ctx=context(paris(2025, 6, 12, 8, 30)))
    assert rejected_by(late) == "class.quiet_hours"


# --- opt-out mention ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Promo -20% STOP au 36123",
        "Promo -20% STOP 36123",
        "Promo -20% Stop SMS 36123",
        "Promo -20% stop sms au 36123",
        "Promo -20%. Désinscription : STOP au 36 123",
        "Promo -20% (STOP36123)",
        "Sale! Reply STOP to 36123",
        "Promo -20% - STOP : 36123",
    ],
)
def test_opt_out_mentions_are_recognised(text: str) -> None:
    assert has_opt_out_mention(words_of(fold_text(text)))


@pytest.mark.parametrize(
    "text", ["Promo -20%", "Promo -20% STOP", "Stop aux prix fous, code 1234567", "36123 STOP"]
)
def test_texts_without_a_mention(text: str) -> None:
    assert not has_opt_out_mention(words_of(fold_text(text)))


def test_marketing_without_the_mention_is_refused_when_the_policy_says_so() -> None:
    text = "-20% ce week-end sur acme.fr !"
    assert rejected_by(run(message(text, sender="36123"))) == "class.opt_out_mention"
    relaxed = AccountPolicy.model_validate(
        {**demo_account_policy().model_dump(), "require_opt_out_mention": False}
    )
    assert run(message(text, sender="36123"), policy=relaxed).accepted
    assert run(message(text, sender="38123")).accepted  # transactional needs no mention
