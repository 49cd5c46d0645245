"""Settings: one account's checks configuration compiled for the hot path.

Built once per account at load (and reload) time from ChecksConfig + AccountPolicy: lists become
frozensets and sorted tuples, brands an index, phishing patterns a phrase index, each rule's
mode/status/threshold resolved through the precedence chain. Checks only read it. The parts that
depend on the global config alone (brand index, phishing model) are compiled once per ChecksConfig
object and shared by every account.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..smpp.constants import CommandStatus
from .base import RuleMode
from .catalogue import CATALOGUE, RuleInfo
from .config import (
    AccountPolicy,
    ChecksConfig,
    RegisteredSender,
    RuleSettings,
    ScheduleConfig,
    effective_policy,
)
from .defaults import COUNTRY_GROUPS

if TYPE_CHECKING:
    from .sender import SenderFacts
from .lookalike import Brand, BrandIndex
from .normalize import fold_sender, fold_text, plain_key
from .phishing import LinkPolicy, PhishingModel
from .phrases import words_of

# Per-account memo of sender verdict inputs (brand lookups): senders repeat, a few hundred per
# account at most; the bound only guards against an account cycling random sender IDs.
SENDER_MEMO_SIZE = 4096


@dataclass(frozen=True, slots=True)
class ResolvedRule:
    info: RuleInfo
    mode: RuleMode
    status: int | None  # configured (or vendor-table) status; None: the check's own
    threshold: float
    window_seconds: float
    min_count: int


def _resolve_rule(info: RuleInfo, config: ChecksConfig, policy: AccountPolicy) -> ResolvedRule:
    fields: dict[str, object] = {}
    for level in (config.rules.get(info.id), policy.rules.get(info.id)):
        if level is not None:
            fields.update(level.model_dump(exclude_unset=True, exclude_none=True))
    merged = RuleSettings.model_validate(fields)
    status = merged.status
    if status is None and config.status_table == "vendor":
        status = info.vendor_code
    return ResolvedRule(
        info=info,
        mode=merged.mode or RuleMode.ENFORCE,
        status=status,
        threshold=merged.threshold if merged.threshold is not None else (info.threshold or 0.0),
        window_seconds=merged.window_seconds or info.window_seconds or 0.0,
        min_count=merged.min_count if merged.min_count is not None else (info.min_count or 0),
    )


def _expand_countries(codes: list[str] | None) -> frozenset[str] | None:
    if codes is None:
        return None
    result: set[str] = set()
    for code in codes:
        result |= COUNTRY_GROUPS.get(code, frozenset({code}))
    return frozenset(result)


@dataclass(frozen=True, slots=True)
class Shared:
    """What depends on ChecksConfig only."""

    brands: BrandIndex
    phishing: PhishingModel
    brand_by_domain: dict[str, Brand]


_SHARED: OrderedDict[int, tuple[ChecksConfig, Shared]] = OrderedDict()
_SHARED_SIZE = 8  # live configs: the current one and a few during reloads


def _shared(config: ChecksConfig) -> Shared:
    entry = _SHARED.get(id(config))
    if entry is not None and entry[0] is config:
        return entry[1]
    brands = tuple(
        Brand(
            name=b.name.upper(),
            owners=frozenset(b.owners),
            domains=tuple(b.domains),
            mentions=tuple(" ".join(words_of(fold_text(m))) for m in b.mentions),
            match_domains=b.match_domains,
            key=fold_sender(b.name),
            plain=plain_key(b.name),
        )
        for b in config.all_brands()
    )
    shared = Shared(
        brands=BrandIndex(brands, config.lookalike_affixes, config.lookalike_edit_min_length),
        phishing=PhishingModel(config.phishing, brands),
        brand_by_domain={domain: b for b in brands for domain in b.domains},
    )
    _SHARED[id(config)] = (config, shared)
    while len(_SHARED) > _SHARED_SIZE:
        _SHARED.popitem(last=False)
    return shared


class Settings:
    """The compiled configuration of one account's pipeline."""

    def __init__(self, config: ChecksConfig, policy: AccountPolicy) -> None:
        policy = effective_policy(config, policy)
        shared = _shared(config)
        self.config = config
        self.policy = policy
        self.rules = {rule_id: _resolve_rule(info, config, policy) for rule_id, info in CATALOGUE.items()}
        self.brands = shared.brands
        self.brand_by_domain = shared.brand_by_domain
        self.phishing = shared.phishing
        self.schedule: ScheduleConfig = config.schedule
        self.default_region = policy.default_country
        self.registered_senders: tuple[RegisteredSender, ...] = tuple(policy.registered_senders)
        self.links = LinkPolicy(
            registered=frozenset(policy.registered_domains),
            allowed=frozenset(config.allowed_domains),
            shorteners=frozenset(config.shorteners),
        )
        self.denied_domains = frozenset([*config.denied_domains, *policy.denied_domains])
        self.allowed_shorteners = frozenset(policy.allowed_shorteners)
        self.allowed_countries = _expand_countries(policy.allowed_countries)
        self.denied_countries = _expand_countries(policy.denied_countries) or frozenset()
        self.high_cost_prefixes = tuple(sorted(config.high_cost_prefixes, key=len, reverse=True))
        self.high_cost_exempt = tuple(policy.allowed_high_cost_prefixes)
        self.high_cost_types = frozenset(t.lower() for t in config.high_cost_number_types)
        self.costly_prefixes = tuple(config.costly_prefixes)
        self.burst_block_suffix_digits = config.burst_block_suffix_digits
        rules = self.rules
        self.velocity_windows = (
            rules["velocity.burst"].window_seconds,
            rules["velocity.sequential"].window_seconds,
            rules["velocity.high_cost_share"].window_seconds,
            rules["velocity.otp_fanout"].window_seconds,
        )
        # The sparse counters keep one event more than the threshold: enough to see it exceeded.
        self.velocity_caps = (
            int(rules["velocity.burst"].threshold) + 1,
            int(rules["velocity.otp_fanout"].threshold) + 1,
        )
        # The duplicate rule's window and limit, read once per message.
        self.duplicate_limits = (
            rules["duplicate"].window_seconds,
            int(rules["duplicate"].threshold),
        )
        self.sender_memo: OrderedDict[tuple[str, int, int], SenderFacts] = OrderedDict()
        self.link_memo: dict[tuple[str, str, str], object] = {}  # content.url_domain per host

    def rule(self, rule_id: str) -> ResolvedRule:
        return self.rules[rule_id]

    def status_for(self, rule_id: str, status: CommandStatus | int) -> CommandStatus | int:
        """The status the client gets for a reject of ``rule_id`` (overrides applied)."""
        configured = self.rules[rule_id].status
        if configured is None:
            return status
        try:
            return CommandStatus(configured)
        except ValueError:
            return configured

    def memo_sender(self, key: tuple[str, int, int], value: SenderFacts) -> None:
        memo = self.sender_memo
        memo[key] = value
        if len(memo) > SENDER_MEMO_SIZE:
            memo.popitem(last=False)
