"""Verdicts, findings and the per-message context every check receives.

A check is a pure function ``(Message, CheckContext) -> Verdict``. Everything that changes from one
call to the next (the time, counters, opt-out lists, caches) comes in through the context, so a
check never reads a clock or does I/O, and a test drives it with plain values.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from ..message import Message, MessageClass
from ..smpp.constants import CommandStatus
from .catalogue import CATALOGUE
from .numbers import NumberInfo, PhoneCache
from .optout import InMemoryOptOutList, OptOutList

if TYPE_CHECKING:
    from .analysis import Analysis
    from .duplicate import DuplicateState
    from .sender import SenderFacts
    from .settings import Settings
    from .velocity import Observation, VelocityState


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


class PipelineResult(NamedTuple):
    """``final`` is the answer; ``amended`` the message to route (enforced amendments applied and
    its class resolved); ``findings`` every non-accept verdict, monitor-mode ones included.

    A NamedTuple: built once per message, it costs a third of a frozen dataclass."""

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


class _Unbound:
    """Stands for the context fields Pipeline.run fills: using one outside a run is a bug."""

    __slots__ = ()

    def __getattr__(self, name: str) -> Any:
        raise RuntimeError(
            "CheckContext per-message fields are filled by Pipeline.run; call checks through it"
        )


_UNBOUND: Any = _Unbound()


class CheckContext:
    """What a check may know beyond the message.

    The gateway builds one per message and passes the long-lived state objects (opt-out list,
    velocity and duplicate counters, phone-number cache) shared by all messages; the defaults are
    fresh, empty ones, convenient for tests. ``now`` must be an aware datetime (UTC).

    Pipeline.run fills the per-message fields before the first rule, so that the text is analysed,
    the destination described and the sender classified once for all rules (and again only when an
    amendment changes them); checks only read them. They are class attributes until then: the
    constructor, called for every message, sets only what the caller passes.
    """

    # per message, filled by Pipeline.run
    settings: Settings = _UNBOUND  # the account's compiled configuration
    message_class: MessageClass = MessageClass.TRANSACTIONAL  # resolved class
    epoch: float = 0.0  # ``now`` as epoch seconds, for the counters
    analysis: Analysis = _UNBOUND  # the analysed message text
    dest: NumberInfo = _UNBOUND  # the described destination
    sender: SenderFacts = _UNBOUND  # what the sender rules know of the source address
    observation: Observation | None = None  # the velocity counters' view, recorded once

    def __init__(
        self,
        *,
        now: datetime,
        optouts: OptOutList | None = None,
        velocity: VelocityState | None = None,
        duplicates: DuplicateState | None = None,
        phones: PhoneCache | None = None,
    ) -> None:
        self.now = now
        self.optouts: OptOutList = InMemoryOptOutList() if optouts is None else optouts
        self.velocity: VelocityState = _default_velocity() if velocity is None else velocity
        self.duplicates: DuplicateState = _default_duplicates() if duplicates is None else duplicates
        self.phones: PhoneCache = PhoneCache() if phones is None else phones
