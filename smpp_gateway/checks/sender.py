"""Sender rules: protected brands and their lookalikes, format, TON/NPI, the account's registry.

Facts (domain.md, Sender IDs): alphanumeric senders are TON 5 NPI 0, at most 11 characters from
``A-Za-z0-9 -.&'_`` with at least one letter; long numbers are E.164 without "+" (TON 1 NPI 1, at
most 15 digits); short codes are 4-6 national digits (TON 3, sometimes 0).

An account uses a handful of senders for millions of messages, so everything the five rules need
to know about a source address (its form, brand lookups, format problem, TON/NPI verdict,
matching registrations) is computed once per account and address (``sender_facts``) and read by
the rules; only the registration's expiry is compared with the day of each message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from ..message import Address, Message, MessageClass, SenderType, sender_type
from ..smpp.constants import CommandStatus, Npi, Ton
from .base import ACCEPT, Amend, CheckContext, Verdict, reject
from .lookalike import Brand
from .numbers import PhoneCache
from .schedule import sender_class
from .settings import Settings

MAX_ALNUM_LENGTH = 11  # GSM 03.40 TP-OA: 11 GSM 7-bit characters fit the 10-octet address field
MAX_E164_DIGITS = 15  # ITU-T E.164
# Shorter numeric senders that are not short codes are not dialable E.164 (the shortest national
# plans, e.g. Niue +683 xxxx, still make 7 digits with the country code).
MIN_E164_DIGITS = 7
_ALNUM_CHARSET = re.compile(r"[A-Za-z0-9 \-.&'_]+")
_SHORT_CODE_TONS = frozenset({Ton.NETWORK_SPECIFIC, Ton.UNKNOWN})


# Outcomes kept per SenderFacts: one per (pipeline, account, day) in use; a few at most.
OUTCOME_MEMO_SIZE = 8


@dataclass(frozen=True, slots=True)
class SenderFacts:
    """What the sender rules need to know about one source address, for one account."""

    kind: SenderType
    exact: Brand | None  # the protected brand it names outright (alphanumeric senders only)
    imitated: Brand | None  # the protected brand it imitates, when it is not that brand
    format_problem: str | None
    ton_npi: Verdict  # ACCEPT, or the correction (Amend) or refusal the account's policy asks for
    registrations: tuple[date | None, ...]  # expiry of each matching registration (None: never)
    message_class: MessageClass  # the class of its messages that carry none (schedule.sender_class)
    # The sender rules' joint outcome, memoised by the pipeline (see sender_outcome_memo).
    outcomes: dict[object, object] = field(default_factory=dict, compare=False, repr=False)


def sender_outcome_memo(
    message: Message, ctx: CheckContext, owner: object
) -> tuple[dict[object, object], object]:
    """Where the pipeline memoises the sender rules' outcome, and under which key.

    The five rules read the sender facts (a function of the source address and the account's
    settings), the account, and the day (registration expiry): nothing else.
    """
    outcomes = ctx.sender.outcomes
    if len(outcomes) >= OUTCOME_MEMO_SIZE:
        outcomes.clear()
    return outcomes, (owner, message.account, ctx.now.date())


def sender_facts(settings: Settings, phones: PhoneCache, source: Address) -> SenderFacts:
    """The memoised facts of ``source`` (see the module docstring)."""
    key = (source.addr, source.ton, source.npi)
    facts = settings.sender_memo.get(key)
    if facts is None:
        facts = _facts(settings, phones, source)
        settings.memo_sender(key, facts)
    return facts


def _facts(settings: Settings, phones: PhoneCache, source: Address) -> SenderFacts:
    kind = sender_type(source)
    addr = source.addr
    exact = imitated = None
    if kind is SenderType.ALPHANUMERIC and addr:
        exact = settings.brands.exact(addr)
        imitated = settings.brands.lookalike(addr) if exact is None else None
    digits = source.digits_only
    return SenderFacts(
        kind=kind,
        exact=exact,
        imitated=imitated,
        format_problem=_format_problem(source, kind),
        ton_npi=_ton_npi_verdict(settings, phones, source, kind),
        registrations=tuple(
            e.expires for e in settings.registered_senders if e.matches(addr) or e.matches(digits)
        ),
        message_class=sender_class(source, kind, settings.policy),
    )


def sender_protected(message: Message, ctx: CheckContext) -> Verdict:
    exact = ctx.sender.exact
    if exact is not None and not exact.owned_by(message.account):
        return reject(
            "sender.protected", f"sender {message.source.addr!r} is the protected brand {exact.name}"
        )
    return ACCEPT


def sender_lookalike(message: Message, ctx: CheckContext) -> Verdict:
    imitated = ctx.sender.imitated
    if imitated is not None and not imitated.owned_by(message.account):
        return reject(
            "sender.lookalike", f"sender {message.source.addr!r} imitates the protected brand {imitated.name}"
        )
    return ACCEPT


def _format_problem(source: Address, kind: SenderType) -> str | None:
    addr = source.addr
    if not addr.strip():
        return "empty sender"
    if kind is SenderType.ALPHANUMERIC:
        if len(addr) > MAX_ALNUM_LENGTH:
            return f"alphanumeric sender {addr!r} is longer than {MAX_ALNUM_LENGTH} characters"
        if not _ALNUM_CHARSET.fullmatch(addr):
            return f"alphanumeric sender {addr!r} has characters outside A-Z a-z 0-9 space - . & ' _"
        if not any(ch.isalpha() for ch in addr):
            return f"alphanumeric sender {addr!r} has no letter"
        return None
    if kind is SenderType.LONG_NUMBER:
        digits = source.digits_only
        if len(digits) > MAX_E164_DIGITS:
            return f"numeric sender {addr!r} is longer than {MAX_E164_DIGITS} digits"
        if len(digits) < MIN_E164_DIGITS:
            return f"numeric sender {addr!r} is neither a 4-6 digit short code nor an E.164 number"
    return None


def sender_format(message: Message, ctx: CheckContext) -> Verdict:
    problem = ctx.sender.format_problem
    return ACCEPT if problem is None else reject("sender.format", problem)


def _expected(source: Address, kind: SenderType) -> tuple[str, int, int] | None:
    """(address, TON, NPI) the sender should carry, or None when it already does."""
    ton, npi, addr = source.ton, source.npi, source.addr
    if kind is SenderType.ALPHANUMERIC:
        return (
            None if (ton, npi) == (Ton.ALPHANUMERIC, Npi.UNKNOWN) else (addr, Ton.ALPHANUMERIC, Npi.UNKNOWN)
        )
    if kind is SenderType.SHORT_CODE:
        return None if ton in _SHORT_CODE_TONS else (addr, Ton.NETWORK_SPECIFIC, Npi.UNKNOWN)
    digits = source.digits_only
    if (ton, npi, addr) == (Ton.INTERNATIONAL, Npi.ISDN, digits):
        return None
    return digits, Ton.INTERNATIONAL, Npi.ISDN


def _ton_npi_verdict(settings: Settings, phones: PhoneCache, source: Address, kind: SenderType) -> Verdict:
    expected = _expected(source, kind)
    if expected is None:
        return ACCEPT
    addr, ton, npi = expected
    if kind is SenderType.LONG_NUMBER and addr.startswith("0"):
        info = phones.lookup(addr, settings.default_region)  # a national number: make it E.164
        if not info.valid:
            return reject("sender.ton_npi", f"numeric sender {source.addr!r} is not an E.164 number")
        addr = info.e164
    described = f"{source.addr!r} TON/NPI {source.ton}/{source.npi}"
    if settings.policy.sender_ton_npi == "correct":
        return Amend(
            "sender.ton_npi",
            {"source": Address(addr, ton, npi)},
            f"sender {described} -> {addr!r} {ton}/{npi}",
        )
    status = CommandStatus.ESME_RINVSRCTON if source.ton != ton else CommandStatus.ESME_RINVSRCNPI
    return reject("sender.ton_npi", f"sender {described} should be {ton}/{npi}", status)


def sender_ton_npi(message: Message, ctx: CheckContext) -> Verdict:
    return ctx.sender.ton_npi


def sender_registry(message: Message, ctx: CheckContext) -> Verdict:
    if not ctx.settings.registered_senders:
        return ACCEPT  # an account that declares no senders is not restricted to a list
    expiries = ctx.sender.registrations
    today = ctx.now.date()
    for expires in expiries:
        if expires is None or expires >= today:
            return ACCEPT
    sender = message.source.addr
    if expiries:
        last = max(e for e in expiries if e is not None)
        return reject("sender.registry", f"sender {sender!r} registration expired on {last.isoformat()}")
    return reject("sender.registry", f"sender {sender!r} is not registered for account {message.account!r}")
