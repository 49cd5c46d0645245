"""Velocity (AIT) rules and their fixed-memory counters.

Theory of operation. Artificially inflated traffic pumps messages (usually fake OTP requests) to
number ranges whose termination revenue the fraudster shares. Four signals, per account:
- velocity.burst: distinct recipients in one number block (the number minus its last 4 digits,
  i.e. one 10 000-number +CC NDC block) in a window (one number messaged often is duplicate's
  business, not AIT's);
- velocity.sequential: distinct numbers within one 100-number block in a window (catches
  sequential runs even when shuffled);
- velocity.high_cost_share: the share of costly destinations in a window, judged after min_count
  messages;
- velocity.otp_fanout: OTP messages to recipients not seen earlier in the window.

Memory is fixed: counters are rings of BUCKETS buckets (a window of 60 s counts in 5 s steps, so
it may include up to one bucket of older traffic), and every key map is an LRU bounded by
``max_keys`` (the least recently active keys are forgotten: an idle range starts from zero, which
under-counts but never grows memory). Counters take ``now`` (epoch seconds); nothing reads a clock.
Each rule records the message it sees, attempts included: a client hammering a throttled range
stays throttled.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import TypeVar

from ..message import Message, MessageClass
from .base import ACCEPT, CheckContext, Verdict, reject

K = TypeVar("K")
V = TypeVar("V")

BUCKETS = 12
# Keys per map: 100 000 blocks/accounts/recipients of a few hundred bytes each, tens of MB at most.
DEFAULT_MAX_KEYS = 100_000
HUNDRED_BLOCK = 100


class WindowCounter:
    """Events in the last ``window`` seconds, in BUCKETS buckets; add() is amortised O(1)."""

    __slots__ = ("_counts", "_last", "_width", "total", "window")

    def __init__(self, window: float) -> None:
        self.window = window
        self._width = window / BUCKETS
        self._counts = [0] * BUCKETS
        self._last = -1
        self.total = 0

    def _advance(self, index: int) -> None:
        last = self._last
        if last < 0 or index - last >= BUCKETS:
            # first use, or idle for a whole window: most keys (a block, a recipient) are sparse
            if self.total:
                self._counts = [0] * BUCKETS
                self.total = 0
            self._last = index
            return
        for step in range(last + 1, index + 1):
            slot = step % BUCKETS
            self.total -= self._counts[slot]
            self._counts[slot] = 0
        self._last = index

    def add(self, now: float, amount: int = 1) -> int:
        """Count ``amount`` events at ``now``; return the total in the window."""
        index = int(now // self._width)
        if index > self._last:
            self._advance(index)
        elif index <= self._last - BUCKETS:
            index = self._last  # older than the window (clock stepped back): count it as current
        self._counts[index % BUCKETS] += amount
        self.total += amount
        return self.total

    def count(self, now: float) -> int:
        index = int(now // self._width)
        if index > self._last:
            self._advance(index)
        return self.total


class BoundedMap(OrderedDict[K, V]):
    """An OrderedDict of at most ``max_keys`` entries, least recently used first.

    The hot paths below use the OrderedDict operations inline (get + move_to_end, pop + set):
    a Python-level method per lookup would cost as much as the counting itself.
    """

    def __init__(self, max_keys: int = DEFAULT_MAX_KEYS) -> None:
        super().__init__()
        self.max_keys = max_keys

    def touch(self, key: K) -> V | None:
        """The value of ``key``, marked as recently used; None when absent."""
        value = self.get(key)
        if value is not None:
            self.move_to_end(key)
        return value

    def put(self, key: K, value: V) -> V | None:
        """Set ``key`` (most recently used), evicting the oldest key beyond the bound."""
        old = self.pop(key, None)
        self[key] = value
        if old is None and len(self) > self.max_keys:
            self.popitem(last=False)
        return old


def _counter(counters: BoundedMap[K, WindowCounter], key: K, window: float) -> WindowCounter:
    counter = counters.get(key)
    if counter is None or counter.window != window:  # new, or the window was reconfigured
        counter = WindowCounter(window)
        counters.put(key, counter)
    else:
        counters.move_to_end(key)
    return counter


class VelocityState:
    """All velocity counters; one instance shared by every message (the gateway owns it)."""

    __slots__ = ("_block_seen", "_blocks", "_hundreds", "_otp", "_recipients", "_shares")

    def __init__(self, max_keys: int = DEFAULT_MAX_KEYS) -> None:
        self._blocks: BoundedMap[tuple[str, str], WindowCounter] = BoundedMap(max_keys)
        self._block_seen: BoundedMap[tuple[str, str], float] = BoundedMap(max_keys)
        self._hundreds: BoundedMap[tuple[str, int], dict[int, float]] = BoundedMap(max_keys)
        self._shares: BoundedMap[str, tuple[WindowCounter, WindowCounter]] = BoundedMap(max_keys)
        self._otp: BoundedMap[str, WindowCounter] = BoundedMap(max_keys)
        self._recipients: BoundedMap[tuple[str, str], float] = BoundedMap(max_keys)

    def burst(self, account: str, block: str, recipient: str, now: float, window: float) -> int:
        """Distinct recipients of ``block`` in the window (this one included)."""
        counter = _counter(self._blocks, (account, block), window)
        last = self._block_seen.put((account, recipient), now)
        return counter.add(now) if last is None or now - last > window else counter.count(now)

    def sequential(self, account: str, number: int, now: float, window: float) -> int:
        """Distinct numbers seen in ``number``'s 100-block within the window (this one included)."""
        key = (account, number // HUNDRED_BLOCK)
        seen = self._hundreds.touch(key)
        if seen is None:
            seen = {}
            self._hundreds.put(key, seen)
        seen[number % HUNDRED_BLOCK] = now
        horizon = now - window
        return sum(1 for at in seen.values() if at > horizon)

    def share(self, account: str, costly: bool, now: float, window: float) -> tuple[int, int]:
        """(messages, costly messages) in the window, this one included."""
        pair = self._shares.touch(account)
        if pair is None or pair[0].window != window:  # new, or the window was reconfigured
            pair = (WindowCounter(window), WindowCounter(window))
            self._shares.put(account, pair)
        total, dear = pair
        return total.add(now), (dear.add(now) if costly else dear.count(now))

    def otp_fanout(self, account: str, recipient: str, now: float, window: float) -> int:
        """OTP messages in the window to recipients not already messaged within it."""
        counter = _counter(self._otp, account, window)
        last = self._recipients.put((account, recipient), now)
        return counter.add(now) if last is None or now - last > window else counter.count(now)


def velocity_burst(message: Message, ctx: CheckContext) -> Verdict:
    rule = ctx.settings.rules["velocity.burst"]
    digits = ctx.dest.e164
    block = digits[: -ctx.settings.config.burst_block_suffix_digits] or digits
    count = ctx.velocity.burst(message.account, block, digits, ctx.epoch, rule.window_seconds)
    if count > rule.threshold:
        return reject(
            "velocity.burst",
            f"{count} recipients in +{block}x... within {rule.window_seconds:g}s (> {rule.threshold:g})",
        )
    return ACCEPT


def velocity_sequential(message: Message, ctx: CheckContext) -> Verdict:
    rule = ctx.settings.rules["velocity.sequential"]
    digits = ctx.dest.e164
    if not digits.isdigit():
        return ACCEPT
    count = ctx.velocity.sequential(message.account, int(digits), ctx.epoch, rule.window_seconds)
    if count >= rule.threshold:
        block = digits[:-2]
        return reject(
            "velocity.sequential",
            f"{count} distinct numbers in +{block}xx within {rule.window_seconds:g}s (>= {rule.threshold:g})",
        )
    return ACCEPT


def velocity_high_cost_share(message: Message, ctx: CheckContext) -> Verdict:
    cfg = ctx.settings
    rule = cfg.rules["velocity.high_cost_share"]
    digits = ctx.dest.e164
    costly = digits.startswith(cfg.costly_prefixes)
    total, dear = ctx.velocity.share(message.account, costly, ctx.epoch, rule.window_seconds)
    if costly and total >= rule.min_count and dear / total > rule.threshold:
        return reject(
            "velocity.high_cost_share",
            f"{dear}/{total} messages to costly destinations in {rule.window_seconds:g}s"
            f" (> {rule.threshold:.0%})",
        )
    return ACCEPT


def velocity_otp_fanout(message: Message, ctx: CheckContext) -> Verdict:
    if ctx.message_class is MessageClass.MARKETING:
        return ACCEPT
    if ctx.message_class is not MessageClass.OTP and not ctx.analysis.looks_like_otp:
        return ACCEPT
    rule = ctx.settings.rules["velocity.otp_fanout"]
    number = ctx.dest.e164
    count = ctx.velocity.otp_fanout(message.account, number, ctx.epoch, rule.window_seconds)
    if count > rule.threshold:
        return reject(
            "velocity.otp_fanout",
            f"{count} OTPs to distinct recipients in {rule.window_seconds:g}s (> {rule.threshold:g})",
        )
    return ACCEPT
