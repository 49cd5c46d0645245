"""Message class and the marketing schedule: class.opt_out_mention and class.quiet_hours.

Class (domain.md): an explicit class on the message (TLV, gateway setting), else the account's
forced class, else the sender (French short codes: 36xxx marketing, 38xxx transactional), else
the account default. Only marketing is held: OTP and transactional are never delayed.

Quiet hours are judged in the recipient's local time: the number's time zones from phonenumbers
(every one of them when a country has several: a message may go only when it is daytime for all),
else the configured default zone. Edges: quiet_start is quiet (20:00:00 refused), quiet_end is
not (07:59:59 refused, 08:00:00 allowed). Sundays and public holidays of the recipient's country
(``holidays``; the account's subdivision or the message's ``subdivision`` tag, e.g. "57" for
Moselle) are quiet all day. A refusal carries ``not_before``, the next allowed instant, for a
gateway configured to defer.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from ..message import Address, Message, MessageClass, SenderType
from .base import ACCEPT, CheckContext, Verdict, reject
from .config import AccountPolicy, ScheduleConfig

_UTC = ZoneInfo("UTC")
_SUNDAY = 6
_MAX_DAYS_AHEAD = 14  # longest run of blocked days (holiday + Sunday clusters) is far below this


def resolve_class(message: Message, policy: AccountPolicy, kind: SenderType | None = None) -> MessageClass:
    """The message's class: explicit, forced by the account, by short code, or the default.

    ``kind`` is the sender's form when the caller already knows it (the pipeline does).
    """
    if message.message_class is not None:
        return message.message_class
    return sender_class(message.source, kind or message.sender_type, policy)


def sender_class(source: Address, kind: SenderType, policy: AccountPolicy) -> MessageClass:
    """The class of a message from ``source`` that carries none: forced, by short code, or the default."""
    if policy.message_class is not None:
        return policy.message_class
    if kind is SenderType.SHORT_CODE:
        digits = source.digits_only
        for prefix, message_class in policy.class_by_sender_prefix.items():
            if digits.startswith(prefix):
                return message_class
    return policy.default_class


def class_opt_out_mention(message: Message, ctx: CheckContext) -> Verdict:
    if ctx.message_class is not MessageClass.MARKETING or not ctx.settings.policy.require_opt_out_mention:
        return ACCEPT
    if ctx.analysis.shape.has_opt_out_mention:
        return ACCEPT
    return reject("class.opt_out_mention", "marketing without the opt-out mention (STOP + short code)")


@lru_cache(maxsize=256)
def holiday_calendar(country: str, subdivision: str | None) -> holidays.HolidayBase | None:
    """The public holidays of a country (and subdivision), None when the package has none."""
    try:
        return holidays.country_holidays(country, subdiv=subdivision)
    except NotImplementedError:
        if subdivision is not None:
            return holiday_calendar(country, None)
        return None


@lru_cache(maxsize=512)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


@lru_cache(maxsize=4096)
def _holiday(day: date, country: str, subdivision: str | None) -> str | None:
    # Memoised: the holidays package answers "is this day a holiday" in tens of microseconds.
    calendar = holiday_calendar(country, subdivision)
    if calendar is None or day not in calendar:
        return None
    return f"public holiday ({calendar.get(day)})"


def blocked_day(day: date, region: tuple[str, str | None], config: ScheduleConfig) -> str | None:
    """Why marketing may not go on ``day`` in ``region`` (country, subdivision), if it may not."""
    if config.sundays and day.weekday() == _SUNDAY:
        return "Sunday"
    if config.public_holidays:
        return _holiday(day, *region)
    return None


def is_quiet_time(moment: time, config: ScheduleConfig) -> bool:
    start, end = config.quiet_start, config.quiet_end
    if start <= end:
        return start <= moment < end
    return moment >= start or moment < end


def quiet_reason(local: datetime, region: tuple[str, str | None], config: ScheduleConfig) -> str | None:
    day = blocked_day(local.date(), region, config)
    if day is not None:
        return day
    if is_quiet_time(local.time(), config):
        return f"quiet hours {config.quiet_start:%H:%M}-{config.quiet_end:%H:%M}"
    return None


def next_allowed(local: datetime, region: tuple[str, str | None], config: ScheduleConfig) -> datetime:
    """The first instant after ``local`` when marketing may go (returned in UTC)."""
    zone = local.tzinfo
    candidate = datetime.combine(local.date(), config.quiet_end, tzinfo=zone)
    if candidate <= local:
        candidate = datetime.combine(local.date() + timedelta(days=1), config.quiet_end, tzinfo=zone)
    for _ in range(_MAX_DAYS_AHEAD):
        if blocked_day(candidate.date(), region, config) is None:
            break
        candidate = datetime.combine(candidate.date() + timedelta(days=1), config.quiet_end, tzinfo=zone)
    return candidate.astimezone(_UTC)


def class_quiet_hours(message: Message, ctx: CheckContext) -> Verdict:
    if ctx.message_class is not MessageClass.MARKETING:
        return ACCEPT
    cfg = ctx.settings
    info = ctx.dest
    country = info.region or cfg.default_region
    subdivision = message.tags.get("subdivision") or (
        cfg.policy.holiday_subdivision if country == cfg.default_region else None
    )
    region = (country, subdivision)
    for zone_name in info.time_zones() or (cfg.schedule.default_timezone,):
        local = ctx.now.astimezone(_zone(zone_name))
        reason = quiet_reason(local, region, cfg.schedule)
        if reason is not None:
            not_before = next_allowed(local, region, cfg.schedule)
            return reject(
                "class.quiet_hours",
                f"marketing refused: {reason} at {local:%Y-%m-%d %H:%M:%S} {zone_name}",
                not_before=not_before,
            )
    return ACCEPT
