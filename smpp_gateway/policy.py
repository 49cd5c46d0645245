"""Policy: the checks pipeline of each account, with the long-lived state the checks read.

The state (opt-out lists, velocity and duplicate counters, the phone-number cache) lives in a
``PolicyState`` that outlives configuration reloads: a SIGHUP must not forget who said STOP or reset
the AIT counters. Opt-outs are written through to the store and loaded from it at start.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from .checks import CheckContext, Pipeline
from .checks.base import Reject
from .checks.duplicate import DuplicateState
from .checks.numbers import PhoneCache
from .checks.optout import InMemoryOptOutList, classify_mo_keyword
from .checks.velocity import VelocityState
from .config import AccountConfig, GatewayConfig
from .message import Message
from .smpp.frozen import fast_init

log = logging.getLogger(__name__)


@fast_init
@dataclass(frozen=True, slots=True)
class FindingView:
    rule: str
    mode: str
    verdict: str


@fast_init
@dataclass(frozen=True, slots=True)
class PolicyOutcome:
    """``status`` None: accepted (``message`` is the one to route, amendments applied)."""

    status: int | None
    message: Message
    findings: tuple[FindingView, ...]
    reasons: tuple[str, ...]


@dataclass(slots=True)
class PolicyState:
    optouts: InMemoryOptOutList = field(default_factory=InMemoryOptOutList)
    velocity: VelocityState = field(default_factory=VelocityState)
    duplicates: DuplicateState = field(default_factory=DuplicateState)
    phones: PhoneCache = field(default_factory=PhoneCache)


class OptOutSink(Protocol):
    """Where opt-out changes are persisted (the gateway store)."""

    def add_opt_out(self, number: str, account: str, sender: str, origin: str = "mo") -> None: ...

    def remove_opt_out(self, number: str, account: str, sender: str) -> None: ...


class Policy:
    def __init__(
        self,
        config: GatewayConfig,
        sink: OptOutSink,
        state: PolicyState | None = None,
        wall_clock: Callable[[], float] | None = None,
    ) -> None:
        import time

        self.config = config
        self.sink = sink
        self.state = state or PolicyState()
        self.wall_clock = wall_clock or time.time
        self._pipelines: dict[str, Pipeline] = {}

    def pipeline(self, account: AccountConfig) -> Pipeline:
        pipeline = self._pipelines.get(account.system_id)
        if pipeline is None:
            pipeline = self._pipelines[account.system_id] = Pipeline.from_config(
                self.config.checks, account.policy
            )
        return pipeline

    def evaluate(self, account: AccountConfig, message: Message) -> PolicyOutcome:
        state = self.state
        context = CheckContext(
            now=datetime.fromtimestamp(self.wall_clock(), UTC),
            optouts=state.optouts,
            velocity=state.velocity,
            duplicates=state.duplicates,
            phones=state.phones,
        )
        final, amended, found = self.pipeline(account).run(message, context)
        status = int(final.status) if isinstance(final, Reject) else None
        if not found:  # most messages: no finding, and no generators to build two empty tuples
            return PolicyOutcome(status, amended, (), ())
        findings = tuple([FindingView(f.rule, f.mode.value, f.kind) for f in found])
        reasons = tuple([f"{f.rule} ({f.mode.value}): {f.reason}" for f in found])
        return PolicyOutcome(status, amended, findings, reasons)

    def country_of(self, e164_digits: str) -> str | None:
        info = self.state.phones.lookup("+" + e164_digits, "FR")
        return info.region

    def on_mo_keyword(self, account: str, number: str, text: str) -> None:
        """An MO to one of the account's numbers: STOP adds an opt-out, START removes it."""
        keyword = classify_mo_keyword(text)
        if keyword == "stop":
            self.state.optouts.add(number, account)
            self.sink.add_opt_out(number, account, "")
            log.info("opt-out: %s… stopped %s", number[:5], account)
        elif keyword == "start":
            self.state.optouts.remove(number, account)
            self.sink.remove_opt_out(number, account, "")
