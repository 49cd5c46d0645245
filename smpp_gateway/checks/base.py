"""Verdicts, findings and the per-message context every check receives.

A check is a pure function ``(Message, CheckContext) -> Verdict``. Everything that changes from one
call to the next (the time, counters, opt-out lists, caches) comes in through the context, so a
check never reads a clock or does I/O, and a test drives it with plain values.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Literal

from ..message import Message, MessageClass
from ..smpp.constants import CommandStatus
from .catalogue import CATALOGUE
from .numbers import NumberInfo, PhoneCache
from .optout import InMemoryOptOutList, OptOutList

if TYPE_CHECKING:
    from .analysis import Analysis
    from .duplicate import DuplicateState
    from .settings import Settings
    from .velocity import VelocityState


class RuleMode(StrEnum):
    ENFORCE = "enforce"  # the verdict applies: a reject is answered with the rule's status
    MONITOR = "monitor"  # the verdict is recorded and counted; the message goes on unchanged
    OFF = "off"  # the rule does not run


@dataclass(frozen=True, slots=True)
class Accept:
    """The message passes this check unchanged."""


@dataclass(frozen=True, slots=True)
class Reject:
    """The message is refused. ``status`` is what the client gets (after per-rule overrides).

    ``not_before`` is set when the refusal is temporary and the rule knows when the message would
    pass (quiet hours): a gateway configured to defer may store it until then.
    """

    rule: str
    status: CommandStatus | int
    reason: str
    not_before: datetime | None = None


@dataclass(frozen=True, slots=True)
class Amend:
    """The message passes with changes: ``changes`` maps Message field names to new values."""

    rule: str
    changes: Mapping[str, object]
    reason: str


Verdict = Accept | Reject | Amend
ACCEPT = Accept()


def reject(
    rule: str, reason: str, status: CommandStatus | None = None, not_before: datetime | None = None
) -> Reject:
    """A Reject with the rule's catalogue status unless the check knows a more precise one."""
    return Reject(rule, CATALOGUE[rule].status if status is None else status, reason, not_before)


Check = Callable[[Message, "CheckContext"], Verdict]


@dataclass(frozen=True, slots=True)
class Finding:
    """A verdict other than a plain accept, as the gateway records and counts it."""

    rule: str
    mode: RuleMode
    kind: Literal["reject", "amend"]
    status: CommandStatus | int | None
    reason: str


@dataclass(frozen=True, slots=True)
class PipelineResult:
    """``final`` is the answer; ``amended`` the message to route (enforced amendments applied and
    its class resolved); ``findings`` every non-accept verdict, monitor-mode ones included."""

    final: Accept | Reject
    amended: Message
    findings: list[Finding]

    @property
    def accepted(self) -> bool:
        return isinstance(self.final, Accept)


def _default_velocity() -> VelocityState:
    from .velocity import VelocityState

    return VelocityState()


def _default_duplicates() -> DuplicateState:
    from .duplicate import DuplicateState

    return DuplicateState()


@dataclass(slots=True, kw_only=True)
class CheckContext:
    """What a check may know beyond the message.

    The gateway builds one per message and passes the long-lived state objects (opt-out list,
    velocity and duplicate counters, phone-number cache) shared by all messages; the defaults are
    fresh, empty ones, convenient for tests. ``now`` must be an aware datetime (UTC).
    The pipeline fills ``settings`` and the per-message memo fields; checks only read them.
    """

    now: datetime
    optouts: OptOutList = field(default_factory=InMemoryOptOutList)
    velocity: VelocityState = field(default_factory=_default_velocity)
    duplicates: DuplicateState = field(default_factory=_default_duplicates)
    phones: PhoneCache = field(default_factory=PhoneCache)
    # Filled by Pipeline.run: the compiled policy, the resolved class and per-message memos, so
    # that the text is analysed and the destination parsed once for all checks.
    settings: Settings | None = None
    message_class: MessageClass = MessageClass.TRANSACTIONAL
    epoch: float = 0.0
    _analysis: Analysis | None = None
    _destination: NumberInfo | None = None

    @property
    def cfg(self) -> Settings:
        settings = self.settings
        if settings is None:
            raise RuntimeError("CheckContext.settings is set by Pipeline.run; call checks through it")
        return settings

    def analysis(self, message: Message) -> Analysis:
        """The text analysis (folded text, links, encoding findings), computed once per message."""
        analysis = self._analysis
        if analysis is None or analysis.text is not message.text:
            from .analysis import analyse

            analysis = self._analysis = analyse(message.text)
        return analysis

    def destination(self, message: Message) -> NumberInfo:
        """The destination parsed once per message (through the shared bounded cache)."""
        info = self._destination
        if info is None or info.raw != message.destination.addr:
            info = self._destination = self.phones.lookup(message.destination.addr, self.cfg.default_region)
        return info
