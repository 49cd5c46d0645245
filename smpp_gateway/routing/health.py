"""Route health: one circuit breaker per route over a bucketed sliding window.

Theory of operation (time is always passed in as monotonic seconds; nothing here reads a clock):

- Rule 1: only carrier errors and timeouts count against a route. Throttling (ESME_RTHROTTLED,
  ESME_RMSGQFUL) says the carrier is busy, not broken: the bind backs off and the result is not
  reported (``counts_against_health`` tells the gateway which statuses to report).
- Rule 2: CLOSED -> OPEN when, over the last ``health_window`` seconds, at least ``min_samples``
  results were seen and the error share reaches ``error_rate_threshold``.
- Rule 3: OPEN -> HALF_OPEN once ``open_seconds`` have passed. There is no timer: the change is
  noticed the next time someone asks about the route (candidates, a result, a metrics scrape).
- Rule 4: HALF_OPEN admits at most ``half_open_trials`` trial submits. The first result decides:
  success -> CLOSED with an empty window, failure -> OPEN for another ``open_seconds``. A trial that is
  granted but never reported (the gateway succeeded on an earlier candidate and never used this
  route) is forgotten after ``open_seconds``, so a lost trial cannot wedge a route half-open.
- Rule 5: results reported while OPEN answer submits sent before the circuit opened; they are ignored.
  In HALF_OPEN we cannot tell a trial's answer from such a late answer and take whichever comes first.

Every transition becomes a ``CircuitEvent`` pushed to the ``emit`` callback (the route table keeps
them in an outbox the gateway drains, logs and counts). Memory per route is fixed: WINDOW_BUCKETS
pairs of counters, whatever the traffic.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum

from ..config import RouteConfig
from ..smpp.constants import CommandStatus

# The window is cut into this many buckets; old results leave it one bucket at a time, so the span
# really covered is between 90% and 100% of health_window. Ten is the usual resolution of rolling
# windows (Hystrix's default numBuckets) and keeps a result's bookkeeping to a few list reads.
WINDOW_BUCKETS = 10

# One trial submit at a time is enough to learn whether a route came back, and is what a carrier
# that just recovered can take; the table accepts a different value.
DEFAULT_HALF_OPEN_TRIALS = 1

# Busy, not broken (Rule 1).
NOT_HEALTH_ERRORS = frozenset({CommandStatus.ESME_RTHROTTLED, CommandStatus.ESME_RMSGQFUL})


def counts_against_health(status: CommandStatus) -> bool:
    """Whether a carrier's answer with this status should be reported to ``record_result``."""
    return status not in NOT_HEALTH_ERRORS


class CircuitState(IntEnum):
    """Values are those of the smppgw_route_circuit_state gauge."""

    CLOSED = 0
    HALF_OPEN = 1
    OPEN = 2


@dataclass(frozen=True, slots=True, kw_only=True)
class CircuitEvent:
    route: str
    from_state: CircuitState
    to_state: CircuitState
    reason: str
    at: float


@dataclass(frozen=True, slots=True, kw_only=True)
class HealthPolicy:
    window: float
    min_samples: int
    error_rate_threshold: float
    open_seconds: float
    half_open_trials: int = DEFAULT_HALF_OPEN_TRIALS

    @classmethod
    def of(cls, route: RouteConfig, half_open_trials: int = DEFAULT_HALF_OPEN_TRIALS) -> HealthPolicy:
        return cls(
            window=route.health_window,
            min_samples=route.min_samples,
            error_rate_threshold=route.error_rate_threshold,
            open_seconds=route.open_seconds,
            half_open_trials=half_open_trials,
        )


class SlidingWindow:
    """Successes and errors over the last ``span`` seconds, in WINDOW_BUCKETS ring slots."""

    __slots__ = ("_errors", "_ids", "_last_error", "_ok", "_width")

    def __init__(self, span: float) -> None:
        self._width = span / WINDOW_BUCKETS
        self._ids = [0] * WINDOW_BUCKETS
        self._ok = [0] * WINDOW_BUCKETS
        self._errors = [0] * WINDOW_BUCKETS
        self._last_error = -WINDOW_BUCKETS  # the bucket of the newest error

    def add(self, ok: bool, now: float) -> None:
        bucket = int(now // self._width)
        slot = bucket % WINDOW_BUCKETS
        if self._ids[slot] != bucket:
            self._ids[slot] = bucket
            self._ok[slot] = 0
            self._errors[slot] = 0
        if ok:
            self._ok[slot] += 1
        else:
            self._errors[slot] += 1
            self._last_error = bucket

    def has_errors(self, now: float) -> bool:
        """Whether an error may still be inside the window at ``now`` (cheap: no sums)."""
        return self._last_error > int(now // self._width) - WINDOW_BUCKETS

    def totals(self, now: float) -> tuple[int, int]:
        """(results, errors) in the buckets still inside the window at ``now``."""
        oldest = int(now // self._width) - WINDOW_BUCKETS + 1
        results = errors = 0
        for slot in range(WINDOW_BUCKETS):
            # A slot never written holds zeros, so its id does not matter.
            if self._ids[slot] >= oldest:
                results += self._ok[slot] + self._errors[slot]
                errors += self._errors[slot]
        return results, errors

    def clear(self) -> None:
        for slot in range(WINDOW_BUCKETS):
            self._ok[slot] = 0
            self._errors[slot] = 0
        self._last_error = -WINDOW_BUCKETS


class CircuitBreaker:
    """The health of one route (see the module rules)."""

    __slots__ = ("_emit", "_opened_at", "_policy", "_trial_at", "_trials", "_window", "route", "state")

    def __init__(self, route: str, policy: HealthPolicy, emit: Callable[[CircuitEvent], None]) -> None:
        self.route = route
        self.state = CircuitState.CLOSED
        self._policy = policy
        self._emit = emit
        self._window = SlidingWindow(policy.window)
        self._opened_at = 0.0
        self._trials = 0
        self._trial_at = 0.0

    def peek(self, now: float) -> CircuitState:
        """The state at ``now``, without recording the OPEN -> HALF_OPEN change (for explain)."""
        if self.state is CircuitState.OPEN and now - self._opened_at >= self._policy.open_seconds:
            return CircuitState.HALF_OPEN
        return self.state

    def would_admit(self, now: float) -> bool:
        """Whether the route may be offered now; changes nothing."""
        state = self.peek(now)
        if state is CircuitState.HALF_OPEN and self.state is CircuitState.HALF_OPEN:
            return self._trials < self._policy.half_open_trials or self._trial_expired(now)
        return state is not CircuitState.OPEN

    def admit(self, now: float) -> bool:
        """Whether the route may be offered now; in HALF_OPEN this hands out a trial."""
        if self.refresh(now) is not CircuitState.HALF_OPEN:
            return self.state is CircuitState.CLOSED
        if self._trial_expired(now):
            self._trials = 0
        if self._trials >= self._policy.half_open_trials:
            return False
        if self._trials == 0:
            self._trial_at = now
        self._trials += 1
        return True

    def refresh(self, now: float) -> CircuitState:
        """Apply Rule 3 if its time has come; return the current state."""
        if self.peek(now) is not self.state:
            self._move(CircuitState.HALF_OPEN, f"open for {self._policy.open_seconds:g}s", now)
        return self.state

    def record(self, ok: bool, now: float, timeout: bool = False) -> None:
        state = self.refresh(now)
        if state is CircuitState.CLOSED:
            # Checked after successes too: the success that brings the count to min_samples can
            # reveal a rate that was already over the threshold. With no error in the window the
            # rate is 0, under any threshold (it is > 0): nothing to sum.
            window = self._window
            window.add(ok, now)
            if not ok or window.has_errors(now):
                self._check_rate(now)
        elif state is CircuitState.HALF_OPEN:
            if ok:
                self._window.clear()
                self._move(CircuitState.CLOSED, "trial submit succeeded", now)
            else:
                self._open(f"trial submit {'timed out' if timeout else 'failed'}", now)

    def _check_rate(self, now: float) -> None:
        results, errors = self._window.totals(now)
        policy = self._policy
        if results >= policy.min_samples and errors >= policy.error_rate_threshold * results:
            self._open(
                f"error rate {errors / results:.2f} >= {policy.error_rate_threshold:.2f}"
                f" ({errors}/{results} in {policy.window:g}s)",
                now,
            )

    def _open(self, reason: str, now: float) -> None:
        self._opened_at = now
        self._move(CircuitState.OPEN, reason, now)

    def _trial_expired(self, now: float) -> bool:
        return self._trials > 0 and now - self._trial_at >= self._policy.open_seconds

    def _move(self, to_state: CircuitState, reason: str, now: float) -> None:
        event = CircuitEvent(
            route=self.route, from_state=self.state, to_state=to_state, reason=reason, at=now
        )
        self.state = to_state
        self._trials = 0
        self._emit(event)
