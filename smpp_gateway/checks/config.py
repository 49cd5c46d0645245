"""Pydantic models of the checks configuration: ``checks:`` (global) and ``policy:`` (per account).

The gateway's config loader embeds ChecksConfig under ``checks:`` in gateway.yaml and an
AccountPolicy under each account's ``policy:``. Defaults protect a French A2P aggregator (domain.md);
docs/checks.md shows the YAML. Precedence for a rule's settings, field by field: the catalogue's
default < ``checks.rules`` < the account group's ``rules`` < the account's ``rules``. A group is an
AccountPolicy whose set fields apply to every account naming it; the account's own set fields win.
"""

from __future__ import annotations

import fnmatch
import re
from datetime import date, time
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from ..message import MessageClass
from ..smpp.constants import CommandStatus
from . import defaults
from .base import RuleMode
from .catalogue import RULE_IDS


def _parse_status(value: Any) -> int:
    if isinstance(value, str):
        text = value.strip()
        if text.upper() in CommandStatus.__members__:
            return int(CommandStatus[text.upper()])
        try:
            value = int(text, 0)
        except ValueError:
            raise ValueError(
                f"unknown command_status {value!r}: use a name (ESME_RX_R_APPN) or a number"
            ) from None
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value <= 0xFFFFFFFF:
        raise ValueError(f"command_status must be a non-zero 32-bit value, got {value!r}")
    return int(CommandStatus(value)) if value in CommandStatus._value2member_map_ else value


Status = Annotated[int, BeforeValidator(_parse_status)]
_Strict = ConfigDict(extra="forbid", frozen=True)


class RuleSettings(BaseModel):
    """Overrides for one rule; unset fields keep the lower level's value."""

    model_config = _Strict
    mode: RuleMode | None = Field(None, description="enforce (reject), monitor (record, let through) or off")
    status: Status | None = Field(None, description="command_status answered on reject: a name or a number")
    threshold: float | None = Field(None, description="the rule's limit (score, count or share, see docs)")
    window_seconds: float | None = Field(None, gt=0, description="sliding window of a counting rule")
    min_count: int | None = Field(None, ge=0, description="messages in the window before a share is judged")


def _check_rule_ids(rules: dict[str, RuleSettings]) -> dict[str, RuleSettings]:
    unknown = sorted(set(rules) - set(RULE_IDS))
    if unknown:
        raise ValueError(f"unknown rule id(s) {unknown}; known: {', '.join(RULE_IDS)}")
    return rules


class RegisteredSender(BaseModel):
    """A sender ID an account may use: exact (case-insensitive) or a pattern with * and ?."""

    model_config = _Strict
    sender: str = Field(min_length=1, max_length=20, description="e.g. ACME, ACME*, 36123")
    expires: date | None = Field(None, description="last day the registration is valid (UTC)")

    def matches(self, sender: str) -> bool:
        pattern = self.sender.casefold()
        value = sender.casefold()
        if "*" in pattern or "?" in pattern:
            return fnmatch.fnmatchcase(value, pattern)
        return value == pattern


def _senders(value: Any) -> Any:
    if isinstance(value, list):
        return [{"sender": item} if isinstance(item, str | int) else item for item in value]
    return value


_COUNTRY = re.compile(r"[A-Z]{2}")


def _countries(value: Any) -> Any:
    if not isinstance(value, list):
        return value
    result = []
    for item in value:
        code = str(item).strip().upper()
        if code not in defaults.COUNTRY_GROUPS and not _COUNTRY.fullmatch(code):
            raise ValueError(
                f"{item!r} is neither an ISO 3166 alpha-2 code nor one of {list(defaults.COUNTRY_GROUPS)}"
            )
        result.append(code)
    return result


def _domains(value: Any) -> Any:
    if not isinstance(value, list):
        return value
    result = []
    for item in value:
        domain = str(item).strip().lower().lstrip("*.").rstrip(".")
        if not domain or " " in domain or "/" in domain:
            raise ValueError(f"{item!r} is not a domain name")
        result.append(domain if domain.isascii() else domain.encode("idna").decode("ascii"))
    return result


def _prefixes(value: Any) -> Any:
    if not isinstance(value, list):
        return value
    result = [str(item).strip().lstrip("+") for item in value]
    bad = [p for p in result if not p.isdigit()]
    if bad:
        raise ValueError(f"prefixes must be E.164 digits (optionally with +): {bad}")
    return result


Countries = Annotated[list[str], BeforeValidator(_countries)]
Domains = Annotated[list[str], BeforeValidator(_domains)]
Prefixes = Annotated[list[str], BeforeValidator(_prefixes)]
Senders = Annotated[list[RegisteredSender], BeforeValidator(_senders)]


class AccountPolicy(BaseModel):
    """What one account (or account group) may send. Set under ``policy:`` of an account."""

    model_config = _Strict
    group: str | None = Field(None, description="name of an account group in checks.groups")
    registered_senders: Senders = Field(default_factory=list, description="allowed sender IDs; empty: any")
    registered_domains: Domains = Field(default_factory=list, description="link domains (and subdomains)")
    allowed_countries: Countries | None = Field(None, description="ISO codes or EU/EEA/FR+DOM; None: any")
    denied_countries: Countries = Field(
        default_factory=list, description="ISO codes or groups, never sent to"
    )
    default_country: str = Field("FR", pattern=r"^[A-Z]{2}$", description="region of national numbers")
    default_class: MessageClass = Field(
        MessageClass.TRANSACTIONAL, description="class when nothing else says"
    )
    message_class: MessageClass | None = Field(
        None, description="forces the class of all the account's traffic"
    )
    class_by_sender_prefix: dict[str, MessageClass] = Field(
        default_factory=lambda: {"36": MessageClass.MARKETING, "38": MessageClass.TRANSACTIONAL},
        description="short-code prefix -> class (France: 36xxx marketing, 38xxx transactional)",
    )
    require_opt_out_mention: bool = Field(True, description="marketing must carry 'STOP au 36xxx'")
    sender_ton_npi: Literal["correct", "reject"] = Field("correct", description="inconsistent TON/NPI")
    opt_out_scope: Literal["account", "sender"] = Field("account", description="what an MO STOP stops")
    allowed_shorteners: Domains = Field(default_factory=list, description="shorteners this account may use")
    denied_domains: Domains = Field(default_factory=list, description="added to checks.denied_domains")
    allowed_high_cost_prefixes: Prefixes = Field(
        default_factory=list, description="exempt from dest.high_cost"
    )
    holiday_subdivision: str | None = Field(None, description="holidays subdivision, e.g. 57 (Moselle)")
    rules: dict[str, RuleSettings] = Field(default_factory=dict, description="per-rule overrides")

    @field_validator("rules")
    @classmethod
    def _known_rules(cls, rules: dict[str, RuleSettings]) -> dict[str, RuleSettings]:
        return _check_rule_ids(rules)


class ProtectedBrand(BaseModel):
    model_config = _Strict
    name: str = Field(min_length=2, description="the brand's sender ID, e.g. PAYPAL")
    owners: list[str] = Field(default_factory=list, description="accounts allowed to use it")
    domains: Domains = Field(default_factory=list, description="the brand's real link domains")
    mentions: list[str] = Field(default_factory=list, description="folded words naming it in a text")
    match_domains: bool = Field(True, description="look for it in link domains (off for common words)")


def _default_brands() -> list[ProtectedBrand]:
    common_words = {"ORANGE", "FREE", "APPLE"}
    return [
        ProtectedBrand(name=n, domains=list(d), mentions=list(m), match_domains=n not in common_words)
        for n, d, m in defaults.PROTECTED_BRANDS
    ]


class PhishingSignal(BaseModel):
    model_config = _Strict
    id: str
    category: str = Field(description="signals of one category add up to the category's cap")
    pattern: str = Field(description="folded words, '*' word ends, or 're:' + a regular expression")
    weight: float


class PhishingConfig(BaseModel):
    model_config = _Strict
    signals: list[PhishingSignal] = Field(
        default_factory=lambda: [
            PhishingSignal(id=i, category=c, pattern=p, weight=w) for i, c, p, w in defaults.PHISHING_SIGNALS
        ],
        description="the pattern signals (replace to start from scratch)",
    )
    extra_signals: list[PhishingSignal] = Field(default_factory=list, description="added to signals")
    category_caps: dict[str, float] = Field(default_factory=lambda: dict(defaults.PHISHING_CATEGORY_CAPS))
    foreign_link_weight: float = defaults.PHISHING_FOREIGN_LINK_WEIGHT
    risky_link_weight: float = defaults.PHISHING_RISKY_LINK_WEIGHT
    brand_mention_weight: float = defaults.PHISHING_BRAND_MENTION_WEIGHT
    registered_link_weight: float = defaults.PHISHING_REGISTERED_LINK_WEIGHT


class ScheduleConfig(BaseModel):
    model_config = _Strict
    quiet_start: time = Field(time(20, 0), description="marketing refused from this local time...")
    quiet_end: time = Field(time(8, 0), description="...until this one (exclusive)")
    sundays: bool = Field(True, description="refuse marketing all day on Sundays")
    public_holidays: bool = Field(True, description="refuse marketing on public holidays")
    default_timezone: str = Field("Europe/Paris", description="when the number's zone is unknown")
    action: Literal["refuse", "defer"] = Field("refuse", description="defer: the gateway stores and retries")


class ChecksConfig(BaseModel):
    """Global checks settings, under ``checks:`` in gateway.yaml."""

    model_config = _Strict
    status_table: Literal["standard", "vendor"] = Field(
        "standard", description="vendor: answer each rule's 0x400-0x4FF code instead of the standard status"
    )
    rules: dict[str, RuleSettings] = Field(default_factory=dict, description="per-rule defaults")
    protected_brands: list[ProtectedBrand] = Field(default_factory=_default_brands)
    extra_protected_brands: list[ProtectedBrand] = Field(
        default_factory=list, description="added to the list"
    )
    lookalike_affixes: list[str] = Field(default_factory=lambda: list(defaults.LOOKALIKE_AFFIXES))
    lookalike_edit_min_length: int = Field(defaults.LOOKALIKE_EDIT_MIN_LENGTH, ge=3)
    high_cost_prefixes: Prefixes = Field(default_factory=lambda: list(defaults.HIGH_COST_PREFIXES))
    high_cost_number_types: list[str] = Field(default_factory=lambda: list(defaults.HIGH_COST_NUMBER_TYPES))
    costly_prefixes: Prefixes = Field(default_factory=lambda: list(defaults.COSTLY_PREFIXES))
    shorteners: Domains = Field(default_factory=lambda: list(defaults.SHORTENERS))
    denied_domains: Domains = Field(default_factory=list, description="links never allowed")
    allowed_domains: Domains = Field(default_factory=list, description="links every account may use")
    phishing: PhishingConfig = Field(default_factory=PhishingConfig)
    schedule: ScheduleConfig = Field(default_factory=ScheduleConfig)
    burst_block_suffix_digits: int = Field(defaults.BURST_BLOCK_SUFFIX_DIGITS, ge=1, le=8)
    groups: dict[str, AccountPolicy] = Field(default_factory=dict, description="account groups")

    @field_validator("rules")
    @classmethod
    def _known_rules(cls, rules: dict[str, RuleSettings]) -> dict[str, RuleSettings]:
        return _check_rule_ids(rules)

    @model_validator(mode="after")
    def _groups_do_not_nest(self) -> ChecksConfig:
        nested = sorted(name for name, group in self.groups.items() if group.group is not None)
        if nested:
            raise ValueError(f"account groups cannot name a group themselves: {nested}")
        return self

    def all_brands(self) -> list[ProtectedBrand]:
        return [*self.protected_brands, *self.extra_protected_brands]


def _merge_rules(*levels: dict[str, RuleSettings]) -> dict[str, RuleSettings]:
    merged: dict[str, dict[str, Any]] = {}
    for level in levels:
        for rule, settings in level.items():
            merged.setdefault(rule, {}).update(settings.model_dump(exclude_unset=True))
    return {rule: RuleSettings(**fields) for rule, fields in merged.items()}


def effective_policy(config: ChecksConfig, policy: AccountPolicy) -> AccountPolicy:
    """The account's policy with its group's settings under it (see the module docstring)."""
    if policy.group is None:
        return policy
    group = config.groups.get(policy.group)
    if group is None:
        raise ValueError(
            f"account policy names unknown group {policy.group!r}; known: {sorted(config.groups)}"
        )
    data = group.model_dump(exclude_unset=True)
    data.update(policy.model_dump(exclude_unset=True))
    data["rules"] = _merge_rules(group.rules, policy.rules)
    return AccountPolicy.model_validate(data)


def demo_account_policy() -> AccountPolicy:
    """The ``demo`` account of the ``make run`` configuration (domain.md, last section)."""
    return AccountPolicy(
        registered_senders=[
            RegisteredSender(sender=s) for s in ("ACME", "ACME-FR", "36123", "38123", "33700000001")
        ],
        registered_domains=["acme.fr"],
        default_class=MessageClass.TRANSACTIONAL,
        allowed_countries=["FR", "EU"],
    )
