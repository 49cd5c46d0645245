"""Per-route sender policy: what source address a message leaves by on a given route.

Modes (``RouteConfig.sender``):

- ``keep``: the client's sender as it is.
- ``numeric``: for routes whose destinations do not deliver alphanumeric senders, an alphanumeric
  sender becomes the configured number; numeric senders are kept.
- ``map``: a table of replacements keyed by sender or by account. The sender is looked up first
  (exactly, then case-insensitively, as the sender registry compares them) because it is the more
  specific key; then the account.

A replacement gets the TON/NPI of its form (domain.md, Sender IDs): alphanumeric TON 5 NPI 0, long
number TON 1 NPI 1, short code TON 3 NPI 0. ``force_ton`` / ``force_npi`` apply last, to whatever
address results, for carriers that insist on one pair. A decision is a rewrite whenever the address
that leaves differs from the client's in text, TON or NPI; the gateway records each rewrite.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import lru_cache

from ..config import RouteConfig, SenderPolicy
from ..message import Address, Message, SenderType, sender_type
from ..smpp.constants import Npi, Ton
from ..smpp.frozen import fast_init

# Limits of the sender forms (domain.md, Sender IDs), used to refuse a configured replacement that no
# carrier would take.
MAX_ALPHANUMERIC_LENGTH = 11
MAX_NUMBER_LENGTH = 15

TON_NPI_OF_FORM: dict[SenderType, tuple[Ton, Npi]] = {
    SenderType.ALPHANUMERIC: (Ton.ALPHANUMERIC, Npi.UNKNOWN),
    SenderType.LONG_NUMBER: (Ton.INTERNATIONAL, Npi.ISDN),
    SenderType.SHORT_CODE: (Ton.NETWORK_SPECIFIC, Npi.UNKNOWN),
}


@fast_init
@dataclass(frozen=True, slots=True)
class SenderDecision:
    address: Address
    rewritten: bool
    reason: str


# Replacements come from configuration, so few distinct values ever reach address_for; the bound only
# guards against a caller passing client-supplied strings.
@lru_cache(maxsize=1024)
def address_for(value: str) -> Address:
    """``value`` as a sender address with the TON/NPI its form calls for ('+' dropped from numbers)."""
    digits = value[1:] if value.startswith("+") and value[1:].isdigit() else value
    ton, npi = TON_NPI_OF_FORM[sender_type(Address(digits))]
    return Address(digits, ton, npi)


def sender_problem(value: str) -> str | None:
    """Why ``value`` cannot be a configured replacement sender, or None if it can."""
    digits = value[1:] if value.startswith("+") else value
    if digits.isdigit() and digits.isascii():
        return None if len(digits) <= MAX_NUMBER_LENGTH else f"more than {MAX_NUMBER_LENGTH} digits"
    if not value or len(value) > MAX_ALPHANUMERIC_LENGTH:
        return f"an alphanumeric sender has 1 to {MAX_ALPHANUMERIC_LENGTH} characters"
    if not any(char.isalpha() for char in value):
        return "an alphanumeric sender needs a letter"
    return None


def policy_problems(route: RouteConfig) -> list[str]:
    """Configuration mistakes in a route's sender policy, for the route table to refuse at load."""
    policy = route.sender
    problems: list[str] = []
    if policy.mode == "numeric":
        number = policy.number or ""
        if not (number.lstrip("+").isdigit() and sender_problem(number) is None):
            problems.append(f"route {route.name}: sender mode numeric needs a number, not {policy.number!r}")
    for key, value in policy.map.items():
        problem = sender_problem(value)
        if problem:
            problems.append(f"route {route.name}: sender.map[{key!r}] = {value!r}: {problem}")
    return problems


# A mode answers (replacement or None to keep, why).
_Mode = Callable[[RouteConfig, Message], tuple[str | None, str]]


def _keep(route: RouteConfig, message: Message) -> tuple[str | None, str]:
    return None, "policy keep"


def _numeric(route: RouteConfig, message: Message) -> tuple[str | None, str]:
    if message.sender_type is not SenderType.ALPHANUMERIC:
        return None, "numeric sender kept (policy numeric)"
    return route.sender.number, f"route {route.name} does not carry alphanumeric senders"


def _map(route: RouteConfig, message: Message) -> tuple[str | None, str]:
    table = route.sender.map
    sender = message.source.addr
    replacement = table.get(sender)
    if replacement is None:
        folded = sender.casefold()
        replacement = next((value for key, value in table.items() if key.casefold() == folded), None)
    if replacement is not None:
        return replacement, f"sender {sender} mapped on route {route.name}"
    replacement = table.get(message.account)
    if replacement is not None:
        return replacement, f"account {message.account} mapped on route {route.name}"
    return None, "no mapping for this sender or account"


MODES: dict[str, _Mode] = {"keep": _keep, "numeric": _numeric, "map": _map}


def _force(address: Address, policy: SenderPolicy) -> Address:
    if policy.force_ton is not None:
        address = replace(address, ton=policy.force_ton)
    if policy.force_npi is not None:
        address = replace(address, npi=policy.force_npi)
    return address


def apply_sender_policy(route: RouteConfig, message: Message) -> SenderDecision:
    """The source address ``message`` leaves by on ``route``, and why."""
    policy = route.sender
    original = message.source
    replacement, reason = MODES[policy.mode](route, message)
    address = original if replacement is None else address_for(replacement)
    forced = _force(address, policy)
    # Identity first: nearly every message keeps its own address, and the dataclass __eq__ is a call.
    if forced is not address and forced != address:
        reason += f"; TON/NPI forced to {forced.ton}/{forced.npi}"
    rewritten = forced is not original and forced != original
    if not rewritten:
        return SenderDecision(original, False, reason)
    return SenderDecision(forced, True, f"{reason}: {_show(original)} -> {_show(forced)}")


def _show(address: Address) -> str:
    return f"{address.addr} (TON {int(address.ton)} NPI {int(address.npi)})"
