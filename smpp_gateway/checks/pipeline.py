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
from .destination import (
    DESTINATION_RULES,
    DestinationStep,
    dest_country,
    dest_format,
    dest_high_cost,
    dest_opt_out,
)
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
from .velocity import (
    VELOCITY_RULES,
    VelocityStep,
    velocity_burst,
    velocity_high_cost_share,
    velocity_otp_fanout,
    velocity_sequential,
)

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
MemoFor = Callable[[Message, CheckContext, object], tuple[dict[object, Any], object]]
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
# Rules that accept every message but marketing (they say so first thing): not called for others.
_MARKETING_ONLY = frozenset({"dest.opt_out", "class.opt_out_mention", "class.quiet_hours"})

Rule = tuple[str, Check, ResolvedRule]


class _Outcome(NamedTuple):
    """What a segment's rules did to one message: their findings, the final reject, the changes."""

    findings: tuple[Finding, ...]
    final: Reject | None
    changes: dict[str, object]


class _Pending(NamedTuple):
    """A segment's outcome is not memoised yet: its rules, and where to put it once they have run."""

    rules: tuple[Rule, ...]
    memo: dict[object, Any]
    key: object


class _Segment:
    """Consecutive pure rules of one kind. Its ``outcome``, called like a rule, answers their
    memoised outcome: ACCEPT when every rule accepted, an _Outcome to replay, or _Pending the
    first time. (A bound method, not ``__call__``: CPython 3.11 calls it several times faster.)"""

    __slots__ = ("memo_for", "rules")

    def __init__(self, rules: tuple[Rule, ...], memo_for: MemoFor) -> None:
        self.rules = rules
        self.memo_for = memo_for

    def outcome(self, message: Message, context: CheckContext) -> object:
        memo, key = self.memo_for(message, context, self)
        outcome = memo.get(key)
        return _Pending(self.rules, memo, key) if outcome is None else outcome


class _Step(NamedTuple):
    """One step of a run: a rule (or a segment: ``rule`` None) and whether only marketing needs it."""

    check: Callable[[Message, CheckContext], object]
    rule_id: str
    rule: ResolvedRule | None
    marketing_only: bool


def _plan(rules: tuple[Rule, ...]) -> tuple[_Step, ...]:
    plan: list[_Step] = []
    run: list[Rule] = []
    for rule in (*rules, None):
        memo_for = _MEMO_FOR.get(rule[0]) if rule is not None else None
        if run and memo_for is not _MEMO_FOR[run[0][0]]:
            if len(run) > 1:
                plan.append(_Step(_Segment(tuple(run), _MEMO_FOR[run[0][0]]).outcome, run[0][0], None, False))
            else:
                plan.append(_Step(run[0][1], run[0][0], run[0][2], False))
            run = []
        if rule is None:
            break
        if memo_for is None:
            plan.append(_Step(rule[1], rule[0], rule[2], rule[0] in _MARKETING_ONLY))
        else:
            run.append(rule)
    # Velocity rules may be off one by one (VelocityStep copes); the destination step needs all three.
    plan = _group(plan, rules, VELOCITY_RULES, 2, lambda group, busy: VelocityStep(dict(group), busy).outcome)
    plan = _group(plan, rules, DESTINATION_RULES, 3, lambda group, busy: DestinationStep(busy).outcome)
    return tuple(plan)


# Builds a grouped step from its rules' settings and the _Pending it answers when busy.
GroupStep = Callable[[list[tuple[str, ResolvedRule]], _Pending], Callable[[Message, CheckContext], object]]


def _group(
    plan: list[_Step], rules: tuple[Rule, ...], rule_ids: tuple[str, ...], at_least: int, make: GroupStep
) -> list[_Step]:
    """The rules ``rule_ids`` of ``plan``, when at least ``at_least`` of them are there and
    consecutive, as one step: it answers ACCEPT when none of them would answer anything else, else
    a _Pending of the rules (then run one by one)."""
    positions = [i for i, step in enumerate(plan) if step.rule_id in rule_ids]
    if len(positions) < at_least or positions != list(range(positions[0], positions[-1] + 1)):
        return plan
    group = tuple(rule for rule in rules if rule[0] in rule_ids)
    # The memo of a _Pending is where _first_run stores its outcome: here one throwaway slot.
    busy = _Pending(group, {}, None)
    step = make([(rule_id, rule) for rule_id, _, rule in group], busy)
    return [*plan[: positions[0]], _Step(step, group[0][0], None, False), *plan[positions[-1] + 1 :]]


class Pipeline:
    """One account's compiled checks. Build once per account (and on reload); run per message.

    ``memoise=False`` calls every rule for every message: the reference the memoised run (segments,
    marketing-only rules skipped for other classes) is tested against.
    """

    __slots__ = ("_fast", "_plan", "_rules", "settings")

    def __init__(self, settings: Settings, *, memoise: bool = True) -> None:
        self.settings = settings
        self._rules: tuple[Rule, ...] = tuple(
            (rule_id, CHECKS[rule_id], rule)
            for rule_id, rule in settings.rules.items()
            if rule.mode is not RuleMode.OFF
        )
        self._plan = (
            _plan(self._rules)
            if memoise
            else tuple(_Step(check, rule_id, rule, False) for rule_id, check, rule in self._rules)
        )
        # The plan's checks with their positions, for other classes and for marketing (indexed by
        # "is marketing"): most messages are accepted by every step, and this loop is all they run.
        self._fast = tuple(
            tuple(
                (step.check, position)
                for position, step in enumerate(self._plan)
                if marketing or not step.marketing_only
            )
            for marketing in (False, True)
        )

    @classmethod
    def from_config(
        cls, checks_config: ChecksConfig, account_policy: AccountPolicy, *, memoise: bool = True
    ) -> Pipeline:
        return cls(Settings(checks_config, account_policy), memoise=memoise)

    @property
    def rule_ids(self) -> tuple[str, ...]:
        return tuple(rule_id for rule_id, _, _ in self._rules)

    def run(self, message: Message, context: CheckContext) -> PipelineResult:
        context.settings = self.settings
        context.epoch = context.now.timestamp()
        context.observation = None
        self._describe(message, context, _ALL)
        message_class = context.message_class
        for check, position in self._fast[message_class is _MARKETING]:
            verdict = check(message, context)
            if verdict is not ACCEPT:
                return self._resume(position, verdict, message, context)
        return _new_result(PipelineResult, (ACCEPT, _classified(message, message_class), []))

    def _resume(
        self, position: int, verdict: object, current: Message, context: CheckContext
    ) -> PipelineResult:
        """The run from the first step that did not answer ACCEPT (at ``position`` in the plan),
        as run() would go on: apply its verdict, then the following steps one by one."""
        findings: list[Finding] = []
        step = self._plan[position]
        current, final = self._apply(step.rule_id, step.rule, verdict, current, context, findings)
        if final is not None:
            return PipelineResult(final, _classified(current, context.message_class), findings)
        marketing = context.message_class is MessageClass.MARKETING  # an amendment may change it
        for check, rule_id, rule, marketing_only in self._plan[position + 1 :]:
            if marketing_only and not marketing:
                continue
            verdict = check(current, context)
            if verdict is ACCEPT:
                continue
            current, final = self._apply(rule_id, rule, verdict, current, context, findings)
            if final is not None:
                return PipelineResult(final, _classified(current, context.message_class), findings)
            marketing = context.message_class is MessageClass.MARKETING  # an amendment may change it
        return PipelineResult(ACCEPT, _classified(current, context.message_class), findings)

    def _apply(
        self,
        rule_id: str,
        rule: ResolvedRule | None,
        verdict: object,
        current: Message,
        context: CheckContext,
        findings: list[Finding],
    ) -> tuple[Message, Reject | None]:
        """What a step answered other than ACCEPT: returns the message the next steps see, and
        the final answer when the run ends here."""
        if isinstance(verdict, _Pending):
            return self._first_run(verdict, current, context, findings)
        if isinstance(verdict, _Outcome):
            findings.extend(verdict.findings)
            changes = verdict.changes
            if changes:
                current = replace(current, **changes)  # type: ignore[arg-type]
                self._describe(current, context, changes.keys())
            return current, verdict.final
        if isinstance(verdict, Accept):
            return current, None
        if rule is None or not isinstance(verdict, Reject | Amend):
            raise TypeError(f"{rule_id} answered {verdict!r}, not a Verdict")
        return self._judge(rule_id, rule, verdict, current, context, findings)

    def _judge(
        self,
        rule_id: str,
        rule: ResolvedRule,
        verdict: Reject | Amend,
        current: Message,
        context: CheckContext,
        findings: list[Finding],
    ) -> tuple[Message, Reject | None]:
        """Record a rule's reject or amendment and, when enforced, apply it."""
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
        self, pending: _Pending, current: Message, context: CheckContext, findings: list[Finding]
    ) -> tuple[Message, Reject | None]:
        """Run a segment's rules one by one, and memoise what they did for the next messages."""
        first = len(findings)
        changes: dict[str, object] = {}
        final = None
        for rule_id, check, rule in pending.rules:
            verdict = check(current, context)
            if verdict is ACCEPT or isinstance(verdict, Accept):
                continue
            current, final = self._judge(rule_id, rule, verdict, current, context, findings)
            if isinstance(verdict, Amend) and rule.mode is RuleMode.ENFORCE:
                changes.update(verdict.changes)
            if final is not None:
                break
        clean = len(findings) == first
        pending.memo[pending.key] = ACCEPT if clean else _Outcome(tuple(findings[first:]), final, changes)
        return current, final

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
_MARKETING = MessageClass.MARKETING  # a module global: ~10 ns, the member through its Enum class ~70


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
# A NamedTuple's own __new__ is a Python function; tuple.__new__ builds the same in a third of the time.
_new_result = tuple.__new__


def _classified(message: Message, message_class: MessageClass) -> Message:
    """``message`` with its resolved class: the same object when already set, else a copy."""
    if message.message_class is message_class:
        return message
    return _copy_with_class(message, message_class)


def run(pipeline: Pipeline, message: Message, context: CheckContext) -> PipelineResult:
    """Module-level spelling of ``pipeline.run(message, context)``."""
    return pipeline.run(message, context)
