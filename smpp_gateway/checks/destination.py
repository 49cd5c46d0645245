"""Destination rules: high-cost ranges, number validity, countries, opt-outs.

Numbers are normalised to E.164 ("+", "00" and national "0" with the account's default country)
and described by phonenumbers through the context's bounded cache (numbers.py). The high-cost
rule runs first and on raw digits, so an IRSF range is named as such even when phonenumbers does
not know it as valid.
"""

from __future__ import annotations

from ..message import Address, Message, MessageClass
from ..smpp.constants import Npi, Ton
from .base import ACCEPT, Amend, CheckContext, Verdict, reject

# The rules DestinationStep runs as one step, in the catalogue's order.
DESTINATION_RULES = ("dest.high_cost", "dest.format", "dest.country")

# A phone number is international, national or unknown TON; ISDN (E.164) or unknown NPI.
_NUMBER_TONS = frozenset({Ton.UNKNOWN, Ton.INTERNATIONAL, Ton.NATIONAL})
_NUMBER_NPIS = frozenset({Npi.UNKNOWN, Npi.ISDN})


def dest_high_cost(message: Message, ctx: CheckContext) -> Verdict:
    cfg = ctx.settings
    info = ctx.dest
    digits = info.e164
    if cfg.high_cost_exempt and digits.startswith(cfg.high_cost_exempt):
        return ACCEPT
    if digits.startswith(cfg.high_cost_prefixes):
        prefix = next(p for p in cfg.high_cost_prefixes if digits.startswith(p))
        return reject("dest.high_cost", f"+{digits} is in the high-cost range +{prefix}")
    if info.number_type in cfg.high_cost_types:
        return reject("dest.high_cost", f"+{digits} is a {info.number_type.replace('_', '-')} number")
    return ACCEPT


def dest_format(message: Message, ctx: CheckContext) -> Verdict:
    destination = message.destination
    if destination.ton not in _NUMBER_TONS or destination.npi not in _NUMBER_NPIS:
        return reject(
            "dest.format", f"destination TON/NPI {destination.ton}/{destination.npi} is not a phone number's"
        )
    info = ctx.dest
    if not info.valid:
        return reject("dest.format", f"destination {destination.addr!r} is not a valid number")
    if info.e164 != destination.addr:
        # "+33..", "0033..", "06..": route and count on one form.
        changed = Address(info.e164, Ton.INTERNATIONAL, Npi.ISDN)
        return Amend(
            "dest.format", {"destination": changed}, f"destination {destination.addr!r} -> {info.e164}"
        )
    return ACCEPT


def dest_country(message: Message, ctx: CheckContext) -> Verdict:
    cfg = ctx.settings
    region = ctx.dest.region or "unknown"
    if region in cfg.denied_countries:
        return reject("dest.country", f"country {region} is denied for account {message.account!r}")
    allowed = cfg.allowed_countries
    if allowed is not None and region not in allowed:
        return reject("dest.country", f"country {region} is not allowed for account {message.account!r}")
    return ACCEPT


class DestinationStep:
    """dest.high_cost, dest.format and dest.country as one step: ``outcome`` answers ACCEPT when
    none of them would answer anything else (a plain E.164 number, valid, allowed, not costly),
    else ``busy`` (the pipeline then runs them one by one). One call instead of three for almost
    every message.

    The conditions are the three rules' above, at once: change them together (a test compares
    this step with the rules run one by one).
    """

    __slots__ = ("busy",)

    def __init__(self, busy: object) -> None:
        self.busy = busy

    def outcome(self, message: Message, ctx: CheckContext) -> object:
        cfg, info, destination = ctx.settings, ctx.dest, message.destination
        digits = info.e164
        if (
            not info.valid
            or digits != destination.addr
            or destination.ton not in _NUMBER_TONS
            or destination.npi not in _NUMBER_NPIS
            or (
                (digits.startswith(cfg.high_cost_prefixes) or info.number_type in cfg.high_cost_types)
                and not (cfg.high_cost_exempt and digits.startswith(cfg.high_cost_exempt))
            )
        ):
            return self.busy
        region = info.region or "unknown"
        allowed = cfg.allowed_countries
        if region in cfg.denied_countries or (allowed is not None and region not in allowed):
            return self.busy
        return ACCEPT


def dest_opt_out(message: Message, ctx: CheckContext) -> Verdict:
    if ctx.message_class is not MessageClass.MARKETING:
        return ACCEPT  # opt-out blocks marketing only; OTP and transactional still pass
    number = ctx.dest.e164
    if ctx.optouts.contains(number, message.account, message.source.addr):
        return reject("dest.opt_out", f"+{number} opted out of marketing from {message.account!r}")
    return ACCEPT
