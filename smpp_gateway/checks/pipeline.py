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
from typing import Any, NamedTuple, cast

from ..message import Message, MessageClass
from .analysis import analyse
from .base import ACCEPT, Accept, Amend, Check, CheckContext, Finding, PipelineResult, Reject, RuleMode
from .config import AccountPolicy, ChecksConfig
from .content import content_encoding, content_shortener, content_url_domain, text_outcome_memo
from .destination import dest_country, dest_format, dest_high_cost, dest_opt_out
from .duplicate import duplicate
from .phishing import content_phishing
from .schedule import class_opt_out_mention, class_quiet_hours
from .sender import (
    sender_facts,
    sender_format,
    sender_lookalike,
    sender_outcome_memo,
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


# Rules whose verdicts are a pure function of one fact of the message, the account and its
# settings, by the function that says where their joint outcome is memoised. Consecutive rules of
# one kind form a segment, run once per distinct fact and replayed for the next messages.
MemoFor = Callable[[Message, CheckContext, object], tuple[dict[object, object], object]]
_MEMO_FOR: dict[str, MemoFor] = {
    **dict.fromkeys(
        ("sender.protected", "sender.lookalike", "sender.format", "sender.ton_npi", "sender.registry"),
        sender_outcome_memo,
    ),
    **dict.fromkeys(
        ("content.encoding", "content.shortener", "content.url_domain", "content.phishing"),
        text_outcome_memo,
    ),
}

Step = tuple[str, Check, ResolvedRule]


class _Outcome(NamedTuple):
    """What a segment's rules did to one message: their findings, the final reject, the changes."""

    findings: tuple[Finding, ...]
    final: Reject | None
    changes: dict[str, object]


_CLEAN = _Outcome((), None, {})  # every rule of the segment accepted


class _Segment:
    """Consecutive pure rules of one kind, with the function that locates their memoised outcome."""

    __slots__ = ("memo_for", "steps")

    def __init__(self, steps: tuple[Step, ...], memo_for: MemoFor) -> None:
        self.steps = steps
        self.memo_for = memo_for


def _segments(steps: tuple[Step, ...]) -> tuple[Step | _Segment, ...]:
    grouped: list[Step | _Segment] = []
    run: list[Step] = []
    for step in (*steps, None):
        memo_for = _MEMO_FOR.get(step[0]) if step is not None else None
        if run and memo_for is not _MEMO_FOR[run[0][0]]:
            grouped.append(_Segment(tuple(run), _MEMO_FOR[run[0][0]]) if len(run) > 1 else run[0])
            run = []
        if step is None:
            break
        if memo_for is None:
            grouped.append(step)
        else:
            run.append(step)
    return tuple(grouped)


class Pipeline:
    """One account's compiled checks. Build once per account (and on reload); run per message.

    ``memoise=False`` runs every rule for every message (the reference the memoised run is tested
    against).
    """

    __slots__ = ("_plan", "_steps", "settings")

    def __init__(self, settings: Settings, *, memoise: bool = True) -> None:
        self.settings = settings
        self._steps: tuple[Step, ...] = tuple(
            (rule_id, CHECKS[rule_id], rule)
            for rule_id, rule in settings.rules.items()
            if rule.mode is not RuleMode.OFF
        )
        self._plan = _segments(self._steps) if memoise else self._steps

    @classmethod
    def from_config(
        cls, checks_config: ChecksConfig, account_policy: AccountPolicy, *, memoise: bool = True
    ) -> Pipeline:
        return cls(Settings(checks_config, account_policy), memoise=memoise)

    @property
    def rule_ids(self) -> tuple[str, ...]:
        return tuple(rule_id for rule_id, _, _ in self._steps)

    def run(self, message: Message, context: CheckContext) -> PipelineResult:
        context.settings = self.settings
        context.epoch = context.now.timestamp()
        context.observation = None
        self._describe(message, context, _ALL)
        current = message
        findings: list[Finding] = []
        final: Reject | None
        for step in self._plan:
            if type(step) is _Segment:
                memo, key = step.memo_for(current, context, step)
                outcome = memo.get(key)
                if outcome is None:
                    current, final, outcome = self._first_run(step.steps, current, context, findings)
                    memo[key] = outcome
                elif outcome is not _CLEAN:
                    current, final = self._replay(cast(_Outcome, outcome), current, context, findings)
                else:
                    continue
            else:
                rule_id, check, rule = cast(Step, step)
                verdict = check(current, context)
                if verdict is ACCEPT or isinstance(verdict, Accept):
                    continue
                current, final = self._judge(rule_id, rule, verdict, current, context, findings)
            if final is not None:
                return PipelineResult(final, _classified(current, context.message_class), findings)
        return PipelineResult(ACCEPT, _classified(current, context.message_class), findings)

    def _judge(
        self,
        rule_id: str,
        rule: ResolvedRule,
        verdict: Reject | Amend,
        current: Message,
        context: CheckContext,
        findings: list[Finding],
    ) -> tuple[Message, Reject | None]:
        """Record a rule's reject or amendment and, when enforced, apply it.

        Returns the message the next rules see, and the final answer when the run ends here.
        """
        if isinstance(verdict, Reject):
            status = self.settings.status_for(rule_id, verdict.status)
            findings.append(Finding(rule_id, rule.mode, "reject", status, verdict.reason))
            if rule.mode is RuleMode.ENFORCE:
                return current, Reject(rule_id, status, verdict.reason, verdict.not_before)
            return current, None
        findings.append(Finding(rule_id, rule.mode, "amend", None, verdict.reason))
        if rule.mode is RuleMode.ENFORCE:
            current = replace(current, **verdict.changes)  # type: ignore[arg-type]
            self._describe(current, context, verdict.changes.keys())
        return current, None

    def _first_run(
        self, steps: tuple[Step, ...], current: Message, context: CheckContext, findings: list[Finding]
    ) -> tuple[Message, Reject | None, _Outcome]:
        """Run a segment's rules one by one, and record what they did for _replay."""
        first = len(findings)
        changes: dict[str, object] = {}
        final = None
        for rule_id, check, rule in steps:
            verdict = check(current, context)
            if verdict is ACCEPT or isinstance(verdict, Accept):
                continue
            current, final = self._judge(rule_id, rule, verdict, current, context, findings)
            if isinstance(verdict, Amend) and rule.mode is RuleMode.ENFORCE:
                changes.update(verdict.changes)
            if final is not None:
                break
        if len(findings) == first:
            return current, None, _CLEAN
        return current, final, _Outcome(tuple(findings[first:]), final, changes)

    def _replay(
        self, outcome: _Outcome, current: Message, context: CheckContext, findings: list[Finding]
    ) -> tuple[Message, Reject | None]:
        findings.extend(outcome.findings)
        changes = outcome.changes
        if changes:
            current = replace(current, **changes)  # type: ignore[arg-type]
            self._describe(current, context, changes.keys())
        return current, outcome.final

    def _describe(self, message: Message, context: CheckContext, changed: Iterable[str]) -> None:
        """(Re)compute the per-message facts the rules share, for the fields that changed."""
        settings = self.settings
        if "source" in changed:
            context.sender = sender_facts(settings, context.phones, message.source)
        if "destination" in changed:
            context.dest = context.phones.lookup(message.destination.addr, settings.default_region)
        if "text" in changed:
            context.analysis = analyse(message.text)
        explicit = message.message_class
        context.message_class = context.sender.message_class if explicit is None else explicit


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
