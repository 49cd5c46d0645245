"""The pipeline: run an account's rules in catalogue order and fold their verdicts into one answer.

Rules of operation:
1. Rules run in catalogue order; ``off`` rules are not in the pipeline at all.
2. An enforced Reject ends the run: it is the final answer, with the rule's configured status.
3. A monitor-mode Reject is a finding; the message goes on unchanged.
4. An enforced Amend changes the message the following rules see (and the one routed); a
   monitor-mode Amend is only a finding.
5. The message's class is resolved once before the rules run and again after an amendment, and
   is set on the amended message, so routing sees it.
A concatenated message is one Message with the whole text: one run, one verdict for every part.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any, cast

from ..message import Message, MessageClass
from .analysis import analyse
from .base import ACCEPT, Accept, Check, CheckContext, Finding, PipelineResult, Reject, RuleMode
from .config import AccountPolicy, ChecksConfig
from .content import content_encoding, content_shortener, content_url_domain
from .destination import dest_country, dest_format, dest_high_cost, dest_opt_out
from .duplicate import duplicate
from .phishing import content_phishing
from .schedule import class_opt_out_mention, class_quiet_hours, resolve_class
from .sender import (
    sender_facts,
    sender_format,
    sender_lookalike,
    sender_protected,
    sender_registry,
    sender_ton_npi,
)
from .settings import ResolvedRule, Settings
from .velocity import velocity_burst, velocity_high_cost_share, velocity_otp_fanout, velocity_sequential

CHECKS: dict[str, Check] = {
    "sender.protected": sender_protected,
    "sender.lookalike": sender_lookalike,
    "sender.format": sender_format,
    "sender.ton_npi": sender_ton_npi,
    "sender.registry": sender_registry,
    "dest.high_cost": dest_high_cost,
    "dest.format": dest_format,
    "dest.country": dest_country,
    "dest.opt_out": dest_opt_out,
    "content.encoding": content_encoding,
    "content.shortener": content_shortener,
    "content.url_domain": content_url_domain,
    "content.phishing": content_phishing,
    "class.opt_out_mention": class_opt_out_mention,
    "class.quiet_hours": class_quiet_hours,
    "velocity.burst": velocity_burst,
    "velocity.sequential": velocity_sequential,
    "velocity.high_cost_share": velocity_high_cost_share,
    "velocity.otp_fanout": velocity_otp_fanout,
    "duplicate": duplicate,
}


class Pipeline:
    """One account's compiled checks. Build once per account (and on reload); run per message."""

    __slots__ = ("_steps", "settings")

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._steps: tuple[tuple[str, Check, ResolvedRule], ...] = tuple(
            (rule_id, CHECKS[rule_id], rule)
            for rule_id, rule in settings.rules.items()
            if rule.mode is not RuleMode.OFF
        )

    @classmethod
    def from_config(cls, checks_config: ChecksConfig, account_policy: AccountPolicy) -> Pipeline:
        return cls(Settings(checks_config, account_policy))

    @property
    def rule_ids(self) -> tuple[str, ...]:
        return tuple(rule_id for rule_id, _, _ in self._steps)

    def run(self, message: Message, context: CheckContext) -> PipelineResult:
        settings = self.settings
        context.settings = settings
        context.epoch = context.now.timestamp()
        context.observation = None
        self._describe(message, context, _ALL)
        current = message
        findings: list[Finding] = []
        for rule_id, check, rule in self._steps:
            verdict = check(current, context)
            if verdict is ACCEPT or isinstance(verdict, Accept):
                continue
            if isinstance(verdict, Reject):
                status = settings.status_for(rule_id, verdict.status)
                findings.append(Finding(rule_id, rule.mode, "reject", status, verdict.reason))
                if rule.mode is RuleMode.ENFORCE:
                    final = Reject(rule_id, status, verdict.reason, verdict.not_before)
                    return PipelineResult(final, _classified(current, context.message_class), findings)
                continue
            findings.append(Finding(rule_id, rule.mode, "amend", None, verdict.reason))
            if rule.mode is RuleMode.ENFORCE:
                current = replace(current, **verdict.changes)  # type: ignore[arg-type]
                self._describe(current, context, verdict.changes.keys())
        return PipelineResult(ACCEPT, _classified(current, context.message_class), findings)

    def _describe(self, message: Message, context: CheckContext, changed: Iterable[str]) -> None:
        """(Re)compute the per-message facts the rules share, for the fields that changed."""
        if "source" in changed:
            context.sender = sender_facts(self.settings, context.phones, message.source)
        if "destination" in changed:
            context.dest = context.phones.lookup(message.destination.addr, self.settings.default_region)
        if "text" in changed:
            context.analysis = analyse(message.text)
        context.message_class = resolve_class(message, self.settings.policy, context.sender.kind)


_ALL = frozenset({"source", "destination", "text"})


def _build_classifier() -> Callable[[Message, MessageClass], Message]:
    # A copy of a Message with its class set, written out field by field the way dataclasses writes
    # __init__: a straight-line copy costs a fifth of dataclasses.replace() (whose field loop and
    # keyword __init__ were the largest single cost of an accepted message). Generated from
    # Message.__slots__, so a field added to Message is copied without anyone remembering it here.
    lines = ["def classified(message, message_class):", "    copy = new(Message)"]
    lines += [f"    copy.{name} = message.{name}" for name in Message.__slots__ if name != "message_class"]
    lines += ["    copy.message_class = message_class", "    return copy"]
    namespace: dict[str, Any] = {"new": object.__new__, "Message": Message}
    exec("\n".join(lines), namespace)  # the source is built above from slot names only
    return cast(Callable[[Message, MessageClass], Message], namespace["classified"])


_copy_with_class = _build_classifier()


def _classified(message: Message, message_class: MessageClass) -> Message:
    """``message`` with its resolved class: the same object when already set, else a copy."""
    if message.message_class is message_class:
        return message
    return _copy_with_class(message, message_class)


def run(pipeline: Pipeline, message: Message, context: CheckContext) -> PipelineResult:
    """Module-level spelling of ``pipeline.run(message, context)``."""
    return pipeline.run(message, context)
