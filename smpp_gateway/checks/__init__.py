"""Checks: the anti-fraud and compliance firewall every submitted message passes before routing.

A check is a pure function ``(Message, CheckContext) -> Verdict``: no clock reads, no I/O; time,
counters, lists and caches come in through the context. The rule catalogue, statuses and YAML are
documented in docs/checks.md.

Public API (what the gateway calls)::

    # at load / reload, once per account
    pipeline = Pipeline.from_config(checks_config: ChecksConfig, account_policy: AccountPolicy)

    # per message (a concatenated message: once, on the reassembled Message; every part gets the
    # same answer)
    context = CheckContext(now=datetime_utc, optouts=..., velocity=..., duplicates=..., phones=...)
    result: PipelineResult = pipeline.run(message, context)        # or run(pipeline, message, context)
    result.final      # Accept() | Reject(rule, status, reason, not_before)
    result.amended    # the Message to route: enforced amendments applied, message_class resolved
    result.findings   # [Finding(rule, mode, kind, status, reason)] incl. monitor-mode rejects

Verdicts: ``Accept()``, ``Reject(rule: str, status: CommandStatus | int, reason: str,
not_before: datetime | None = None)``, ``Amend(rule: str, changes: Mapping[str, object], reason:
str)``. The long-lived state objects are created once by the gateway and passed in every context:
``InMemoryOptOutList`` (or the store's implementation of ``OptOutList``), ``VelocityState``,
``DuplicateState``, ``PhoneCache``. Also: ``resolve_class(message, policy) -> MessageClass``,
``classify_mo_keyword(text) -> "stop" | "start" | None``, ``apply_mo_keyword(...)`` for the MO path,
``demo_account_policy()`` for the demo configuration.
"""

from __future__ import annotations

from .base import (
    ACCEPT,
    Accept,
    Amend,
    Check,
    CheckContext,
    Finding,
    PipelineResult,
    Reject,
    RuleMode,
    Verdict,
)
from .catalogue import CATALOGUE, RULE_IDS, RuleInfo
from .config import (
    AccountPolicy,
    ChecksConfig,
    PhishingConfig,
    PhishingSignal,
    ProtectedBrand,
    RegisteredSender,
    RuleSettings,
    ScheduleConfig,
    demo_account_policy,
    effective_policy,
)
from .duplicate import DuplicateState
from .numbers import NumberInfo, PhoneCache
from .optout import InMemoryOptOutList, OptOutEntry, OptOutList, apply_mo_keyword, classify_mo_keyword
from .pipeline import CHECKS, Pipeline, run
from .schedule import resolve_class
from .settings import Settings
from .velocity import VelocityState

__all__ = [
    "ACCEPT",
    "CATALOGUE",
    "CHECKS",
    "RULE_IDS",
    "Accept",
    "AccountPolicy",
    "Amend",
    "Check",
    "CheckContext",
    "ChecksConfig",
    "DuplicateState",
    "Finding",
    "InMemoryOptOutList",
    "NumberInfo",
    "OptOutEntry",
    "OptOutList",
    "PhishingConfig",
    "PhishingSignal",
    "PhoneCache",
    "Pipeline",
    "PipelineResult",
    "ProtectedBrand",
    "RegisteredSender",
    "Reject",
    "RuleInfo",
    "RuleMode",
    "RuleSettings",
    "ScheduleConfig",
    "Settings",
    "VelocityState",
    "Verdict",
    "apply_mo_keyword",
    "classify_mo_keyword",
    "demo_account_policy",
    "effective_policy",
    "resolve_class",
    "run",
]
