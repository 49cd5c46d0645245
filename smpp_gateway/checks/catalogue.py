"""The rule catalogue as data: ids in pipeline order, default statuses, vendor codes, parameters.

docs/checks.md is this table in prose; tests check that both agree. Vendor codes (0x400-0x4FF,
the SMPP 3.4 range reserved for SMSC vendors) are fixed per rule and never renumbered, so a client
that learned them keeps working when rules are added. The pipeline runs rules in this order and
stops at the first enforced reject, so the cheap, specific rules come first and the stateful ones
(velocity, duplicate) last: they count only messages every other rule let through.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from ..smpp.constants import CommandStatus as S
from . import defaults


@dataclass(frozen=True, slots=True)
class RuleInfo:
    id: str
    status: S
    vendor_code: int
    summary: str
    threshold: float | None = None
    window_seconds: float | None = None
    min_count: int | None = None


def _stateful(rule: str, status: S, vendor: int, summary: str) -> RuleInfo:
    threshold, window, min_count = defaults.VELOCITY_DEFAULTS[rule]
    return RuleInfo(rule, status, vendor, summary, threshold, window, min_count)


# fmt: off
_RULES: Final = (
    RuleInfo("sender.protected", S.ESME_RINVSRCADR, 0x400,
             "a protected brand sender used by an account that does not own it"),
    RuleInfo("sender.lookalike", S.ESME_RINVSRCADR, 0x401,
             "a sender that imitates a protected brand (homoglyphs, affixes, one edit)"),
    RuleInfo("sender.format", S.ESME_RINVSRCADR, 0x402,
             "empty, too long, letterless or badly formed sender"),
    RuleInfo("sender.ton_npi", S.ESME_RINVSRCTON, 0x403,
             "source TON/NPI inconsistent with the sender's form"),
    RuleInfo("sender.registry", S.ESME_RINVSRCADR, 0x404,
             "sender not among the account's registered sender IDs"),
    RuleInfo("dest.high_cost", S.ESME_RINVDSTADR, 0x410,
             "destination in a premium-rate or IRSF-prone range"),
    RuleInfo("dest.format", S.ESME_RINVDSTADR, 0x411,
             "destination not a valid number, or wrong TON/NPI"),
    RuleInfo("dest.country", S.ESME_RINVDSTADR, 0x412,
             "destination country not allowed for the account"),
    RuleInfo("dest.opt_out", S.ESME_RX_R_APPN, 0x413,
             "marketing to a recipient who opted out"),
    RuleInfo("content.encoding", S.ESME_RX_R_APPN, 0x420,
             "invisible characters, bidi controls, mixed scripts in a word"),
    RuleInfo("content.shortener", S.ESME_RX_R_APPN, 0x421,
             "link through a public URL shortener"),
    RuleInfo("content.url_domain", S.ESME_RX_R_APPN, 0x422,
             "link to a non-registered, denied, IP, punycode or brand-lookalike domain"),
    RuleInfo("content.phishing", S.ESME_RX_R_APPN, 0x423,
             "weighted phishing signals reaching the threshold", defaults.PHISHING_THRESHOLD),
    RuleInfo("class.opt_out_mention", S.ESME_RX_R_APPN, 0x430,
             "marketing without the STOP mention"),
    RuleInfo("class.quiet_hours", S.ESME_RX_T_APPN, 0x431,
             "marketing in quiet hours, on Sunday or a public holiday"),
    _stateful("velocity.burst", S.ESME_RTHROTTLED, 0x440,
              "burst to one number block"),
    _stateful("velocity.sequential", S.ESME_RX_R_APPN, 0x441,
              "runs of sequential or near-sequential numbers"),
    _stateful("velocity.high_cost_share", S.ESME_RTHROTTLED, 0x442,
              "share of costly destinations above normal"),
    _stateful("velocity.otp_fanout", S.ESME_RTHROTTLED, 0x443,
              "OTP traffic to many distinct recipients"),
    _stateful("duplicate", S.ESME_RX_R_APPN, 0x450,
              "the same text to the same recipient too often"),
)
# fmt: on

CATALOGUE: Final[dict[str, RuleInfo]] = {rule.id: rule for rule in _RULES}
RULE_IDS: Final[tuple[str, ...]] = tuple(CATALOGUE)
