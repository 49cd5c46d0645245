"""Shared builders for the checks tests: messages, contexts and the demo pipeline."""

from __future__ import annotations

from datetime import UTC, datetime

from smpp_gateway.checks import (
    AccountPolicy,
    CheckContext,
    ChecksConfig,
    Pipeline,
    PipelineResult,
    demo_account_policy,
)
from smpp_gateway.message import Address, Message, MessageClass
from smpp_gateway.smpp.constants import Npi, Ton

# A Wednesday, 11:00 in Paris (summer time): no rule about time objects to ordinary traffic.
WEDNESDAY_11H_PARIS = datetime(2025, 6, 11, 9, 0, tzinfo=UTC)
MOBILE = "33612345678"
CONFIG = ChecksConfig()  # shared: compiling the brand and phishing indexes costs milliseconds


def address(value: str) -> Address:
    """The address with the TON/NPI its form calls for (what a well-behaved client sends)."""
    digits = value.lstrip("+")
    if digits.isdigit():
        if 4 <= len(digits) <= 6:
            return Address(digits, Ton.NETWORK_SPECIFIC, Npi.UNKNOWN)
        return Address(digits, Ton.INTERNATIONAL, Npi.ISDN)
    return Address(value, Ton.ALPHANUMERIC, Npi.UNKNOWN)


def message(
    text: str = "Votre code est 123456",
    *,
    sender: str | Address = "ACME",
    to: str | Address = MOBILE,
    account: str = "demo",
    message_class: MessageClass | None = None,
    tags: dict[str, str] | None = None,
) -> Message:
    source = sender if isinstance(sender, Address) else address(sender)
    destination = to if isinstance(to, Address) else Address(to.lstrip("+"), Ton.INTERNATIONAL, Npi.ISDN)
    return Message(
        account=account,
        source=source,
        destination=destination,
        text=text,
        message_class=message_class,
        tags=tags or {},
    )


def context(now: datetime = WEDNESDAY_11H_PARIS, **state: object) -> CheckContext:
    return CheckContext(now=now, **state)  # type: ignore[arg-type]


def pipeline(policy: AccountPolicy | None = None, config: ChecksConfig | None = None) -> Pipeline:
    return Pipeline.from_config(config or CONFIG, policy or demo_account_policy())


def run(
    msg: Message,
    *,
    policy: AccountPolicy | None = None,
    config: ChecksConfig | None = None,
    ctx: CheckContext | None = None,
) -> PipelineResult:
    return pipeline(policy, config).run(msg, ctx or context())


def rejected_by(result: PipelineResult) -> str | None:
    """The rule that rejected the message, None when it was accepted."""
    final = result.final
    return None if result.accepted else getattr(final, "rule", None)


def open_policy(**fields: object) -> AccountPolicy:
    """An account that declares nothing (no sender or domain lists, any country)."""
    return AccountPolicy.model_validate(fields)
