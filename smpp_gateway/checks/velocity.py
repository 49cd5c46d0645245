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

Memory is fixed. Each account has its own counters (``AccountCounters``: keys are plain numbers and
blocks, no (account, ...) tuple to build and hash per message; at most ``max_accounts`` accounts,
the first one added forgotten beyond). The per-recipient and per-block maps are RecentMaps: two
generations of plain dicts that turn every window (a key idle for longer than its window counts from
zero anyway, so forgetting it changes no answer) and hold at most ``max_keys`` keys per account
(beyond that the oldest generation is dropped early: under-counting, never growth). Per key, the
sparse signals keep the times of recent events in a list capped just above the rule's threshold (the
rule only needs to know "more than N"); a 100-number block keeps which of its numbers were seen, as
a bitmask per tenth of the window that saw any (~300 bytes for a burst, 1.4 KB at most, however many
numbers). The dense signal (the account's traffic for the share) uses a ring of BUCKETS buckets (a
window of an hour counts in 5-minute steps, so it may include up to one bucket of older traffic).
Counters take ``now`` (epoch seconds); nothing reads a clock. The first velocity rule a message
reaches records it in every counter at once (``observe``: one call instead of four; each rule then
reads its own count), attempts included: a client hammering a throttled range stays throttled.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, MutableSequence
from typing import TYPE_CHECKING, NamedTuple, TypeVar

from ..message import Message, MessageClass
from .base import ACCEPT, CheckContext, Verdict, reject
from .recent import RecentMap

if TYPE_CHECKING:
    from .settings import ResolvedRule

K = TypeVar("K")

BUCKETS = 12
# Keys per map. A RecentMap key costs ~100-150 bytes (its dict slot, its key, its time): 100 000
# of them ~15 MB, within the checks' memory budget (docs/checks.md, Performance). At 1 000 msg/s to
# distinct recipients, a one-minute window holds 60 000 of them.
DEFAULT_MAX_KEYS = 100_000
# Accounts with counters (the configured ones: a bound, not a cache size).
DEFAULT_MAX_ACCOUNTS = 10_000
HUNDRED_BLOCK = 100
SLOTS = 10  # time slots per sequential window (the 100-number blocks' bitmasks)


class ShareWindow:
    """Messages, and costly ones, in the last ``window`` seconds, in BUCKETS buckets.

    One object and one call per message for both series; add() is amortised O(1).
    """

    __slots__ = ("_all", "_costly", "_last", "_width", "costly", "total", "window")

    def __init__(self, window: float) -> None:
        self.window = window
        self._width = window / BUCKETS
        self._all = [0] * BUCKETS
        self._costly = [0] * BUCKETS
        self._last = -1
        self.total = self.costly = 0

    def _advance(self, index: int) -> None:
        last = self._last
        if last < 0 or index - last >= BUCKETS:  # first use, or idle for a whole window
            self._all, self._costly = [0] * BUCKETS, [0] * BUCKETS
            self.total = self.costly = 0
        else:
            for step in range(last + 1, index + 1):
                slot = step % BUCKETS
                self.total -= self._all[slot]
                self.costly -= self._costly[slot]
                self._all[slot] = self._costly[slot] = 0
        self._last = index

    def add(self, now: float, costly: bool) -> tuple[int, int]:
        """Count one message at ``now``; return (messages, costly messages) in the window."""
        index = int(now // self._width)
        if index > self._last:
            self._advance(index)
        elif index <= self._last - BUCKETS:
            index = self._last  # older than the window (clock stepped back): count it as current
        slot = index % BUCKETS
        self._all[slot] += 1
        self.total += 1
        if costly:
            self._costly[slot] += 1
            self.costly += 1
        return self.total, self.costly


class Observation(NamedTuple):
    """One message's place in the account's counters (what the four rules compare)."""

    block: str  # the number block (number minus its last digits)
    block_recipients: int  # distinct recipients of the block in the burst window (capped)
    hundred_numbers: int  # distinct numbers of the 100-block in the sequential window
    messages: int  # messages in the share window
    costly_messages: int  # of which to costly destinations
    costly: bool  # this one is
    otp_recipients: int  # OTPs to fresh recipients in the fan-out window (capped; 0: not an OTP)


# A NamedTuple's own __new__ is a Python function: tuple.__new__ builds the same tuple in a third
# of the time, once per message.
_new_observation = tuple.__new__


def recent_events(times: MutableSequence[float], now: float, window: float, cap: int | None = None) -> int:
    """Append ``now`` to event times (oldest first; at most ``cap`` kept, or the sequence's own
    maxlen); return how many are inside the window.

    Lists, not deques: a deque costs ten times a one-item list in time and memory (its first
    block holds 64 items). The maps keep a key's first event as a bare float and make it a list
    at the second: most keys see one event, and a float is no object for the collector to walk.
    """
    times.append(now)
    if cap is not None and len(times) > cap:
        del times[0]
    horizon = now - window
    while times[0] <= horizon:
        del times[0]
    return len(times)


def record_event(
    events: RecentMap[K, float | list[float]], key: K, now: float, window: float, cap: int
) -> int:
    """Record an event of ``key`` at ``now``; return its events in the window, this one included
    (``recent_events``). A key's first event is kept as a bare float, a list from its second."""
    times = events.current.get(key)
    if times is None:
        times = events.previous.pop(key, None)
        if window > events.span:  # the longest window a caller asks for
            events.span = window
        if times is None:  # the common case: one event per key
            events.put(key, now, now)
            return 1
        times = times if isinstance(times, list) else [times]
        events.put(key, times, now)
    elif not isinstance(times, list):  # the key's second event, in the current generation
        times = events.current[key] = [times]
    return recent_events(times, now, window, cap)


class AccountCounters:
    """One account's counters (see the module docstring)."""

    __slots__ = ("blocks", "hundreds", "otp", "seen", "sequential_window", "share")

    def __init__(self, max_keys: int) -> None:
        self.seen: RecentMap[str, float] = RecentMap(max_keys, 0.0)  # last message per recipient
        # fresh recipients per burst block: a bare time for the first, a capped list after
        self.blocks: RecentMap[str, float | list[float]] = RecentMap(max_keys, 0.0)
        # per 100-number block (the number // 100), its numbers seen as a bitmask per slot
        self.hundreds: RecentMap[int, dict[int, int]] = RecentMap(max_keys, 0.0)
        self.sequential_window = 0.0  # the window the slots divide (another window starts afresh)
        self.share: ShareWindow | None = None
        self.otp: list[float] = []  # times of OTPs to fresh recipients


class VelocityState:
    """All velocity counters; one instance shared by every message (the gateway owns it)."""

    __slots__ = ("_accounts", "max_accounts", "max_keys")

    def __init__(self, max_keys: int = DEFAULT_MAX_KEYS, max_accounts: int = DEFAULT_MAX_ACCOUNTS) -> None:
        self.max_keys = max_keys
        self.max_accounts = max_accounts
        self._accounts: dict[str, AccountCounters] = {}

    def counters(self, account: str) -> AccountCounters:
        """The counters of ``account``, created empty when it has none."""
        counters = self._accounts.get(account)
        if counters is None:
            accounts = self._accounts
            if len(accounts) >= self.max_accounts:
                del accounts[next(iter(accounts))]  # the first added: a bound, not an LRU
            counters = accounts[account] = AccountCounters(self.max_keys)
        return counters

    def observe(
        self,
        account: str,
        number: str,
        block: str,
        otp: bool,
        costly: bool,
        now: float,
        windows: tuple[float, float, float, float],
        caps: tuple[int, int],
    ) -> Observation:
        """Record one message to ``number`` in every counter.

        ``windows``: burst, sequential, share and fan-out windows in seconds; ``caps``: how many
        recent events the burst and fan-out counters keep (one more than their thresholds).
        The recipient and 100-block lookups are written inline (RecentMap.get): they run for every
        message, and a Python-level call per lookup would cost as much as the counting itself. The
        pipeline calls it with positional arguments (half the cost of eight keywords).
        """
        burst_window, sequential_window, share_window, otp_window = windows
        counters = self._accounts.get(account) or self.counters(account)
        seen = counters.seen
        last = seen.current.get(number)
        if last is None:
            last = seen.previous.pop(number, None)
            recent = burst_window if burst_window > otp_window else otp_window
            if recent > seen.span:  # the longest window an account asks for
                seen.span = recent
            seen.put(number, now, now)
        else:
            seen.current[number] = now
        gap = math.inf if last is None else now - last  # inf: a recipient new to every window
        block_recipients = otp_recipients = 0
        if gap > burst_window:  # a recipient new to the block's window
            block_recipients = record_event(counters.blocks, block, now, burst_window, caps[0])
        if otp and gap > otp_window:
            otp_recipients = recent_events(counters.otp, now, otp_window, caps[1])
        share = counters.share
        if share is None or share.window != share_window:  # new, or the window was reconfigured
            share = counters.share = ShareWindow(share_window)
        messages, costly_messages = share.add(now, costly)
        hundred_numbers = 0
        if number.isdigit():  # distinct numbers of its 100-block in the sequential window
            value = int(number)
            hundreds, hundred_key = counters.hundreds, value // HUNDRED_BLOCK
            if counters.sequential_window != sequential_window:
                # Slots are tenths of the window: a reconfigured window starts afresh.
                hundreds = counters.hundreds = RecentMap(self.max_keys, sequential_window)
                counters.sequential_window = sequential_window
            slots = hundreds.current.get(hundred_key)
            if slots is None:
                slots = hundreds.previous.pop(hundred_key, None)
                if slots is None:
                    slots = {}
                hundreds.put(hundred_key, slots, now)
            # Which numbers were seen, a bitmask per tenth of the window (slot), only the slots that
            # saw some: one or two for a burst or a number now and then. Counting the slot of ``now``
            # and the SLOTS before it covers the window and at most a tenth more.
            index = int(now * SLOTS / sequential_window)
            numbers = slots[index] = slots.get(index, 0) | 1 << value % HUNDRED_BLOCK
            if len(slots) > 1:
                horizon = index - SLOTS
                oldest = next(iter(slots))
                while oldest < horizon:  # slots come in time order: those that left are first
                    del slots[oldest]
                    oldest = next(iter(slots))  # the slot of ``now`` stays: it is not < horizon
                for slot, mask in slots.items():
                    if slot >= horizon:  # a slot written before the clock stepped back sits behind newer ones
                        numbers |= mask
            hundred_numbers = numbers.bit_count()
        return _new_observation(
            Observation,
            (block, block_recipients, hundred_numbers, messages, costly_messages, costly, otp_recipients),
        )


# An Enum member read through its class costs ~70 ns in CPython 3.11 (a module global ~10).
_OTP, _MARKETING = MessageClass.OTP, MessageClass.MARKETING


def _observation(message: Message, ctx: CheckContext) -> Observation:
    """Record the message in the counters (the first velocity rule that runs does, once)."""
    settings = ctx.settings
    number = ctx.dest.e164
    message_class = ctx.message_class
    otp = message_class is _OTP or (message_class is not _MARKETING and ctx.analysis.shape.looks_like_otp)
    observation = ctx.observation = ctx.velocity.observe(
        message.account,
        number,
        number[: -settings.burst_block_suffix_digits] or number,  # the burst block
        otp,
        number.startswith(settings.costly_prefixes),  # costly
        ctx.epoch,
        settings.velocity_windows,
        settings.velocity_caps,
    )
    return observation


VELOCITY_RULES = ("velocity.burst", "velocity.sequential", "velocity.high_cost_share", "velocity.otp_fanout")


class VelocityStep:
    """A pipeline's velocity rules (consecutive in the catalogue) as one step: ``outcome`` records
    the message and answers ACCEPT when none of them would reject, else ``busy`` (the pipeline then
    runs them one by one). One call instead of four for almost every message.

    The conditions are the four rules' below, at once: change them together (a test compares this
    step with the rules run one by one). An absent rule (off) has an infinite threshold.
    """

    __slots__ = ("burst", "busy", "otp", "sequential", "share", "share_min")

    def __init__(self, rules: Mapping[str, ResolvedRule], busy: object) -> None:
        burst, sequential = rules.get("velocity.burst"), rules.get("velocity.sequential")
        share, otp = rules.get("velocity.high_cost_share"), rules.get("velocity.otp_fanout")
        self.burst = math.inf if burst is None else burst.threshold
        self.sequential = math.inf if sequential is None else sequential.threshold
        self.share = math.inf if share is None else share.threshold
        self.share_min = math.inf if share is None else share.min_count
        self.otp = math.inf if otp is None else otp.threshold
        self.busy = busy

    def outcome(self, message: Message, ctx: CheckContext) -> object:
        seen = ctx.observation or _observation(message, ctx)
        if (
            seen.block_recipients > self.burst
            or seen.hundred_numbers >= self.sequential
            or seen.otp_recipients > self.otp
            or (
                seen.costly
                and seen.messages >= self.share_min
                and seen.costly_messages / seen.messages > self.share
            )
        ):
            return self.busy
        return ACCEPT


def velocity_burst(message: Message, ctx: CheckContext) -> Verdict:
    seen = ctx.observation or _observation(message, ctx)  # recorded by the first velocity rule
    rule = ctx.settings.rules["velocity.burst"]
    if seen.block_recipients > rule.threshold:
        return reject(
            "velocity.burst",
            f"{seen.block_recipients} recipients in +{seen.block}x... within {rule.window_seconds:g}s"
            f" (> {rule.threshold:g})",
        )
    return ACCEPT


def velocity_sequential(message: Message, ctx: CheckContext) -> Verdict:
    seen = ctx.observation or _observation(message, ctx)  # recorded by the first velocity rule
    rule = ctx.settings.rules["velocity.sequential"]
    if seen.hundred_numbers >= rule.threshold:
        return reject(
            "velocity.sequential",
            f"{seen.hundred_numbers} distinct numbers in +{ctx.dest.e164[:-2]}xx within"
            f" {rule.window_seconds:g}s (>= {rule.threshold:g})",
        )
    return ACCEPT


def velocity_high_cost_share(message: Message, ctx: CheckContext) -> Verdict:
    seen = ctx.observation or _observation(message, ctx)  # recorded by the first velocity rule
    rule = ctx.settings.rules["velocity.high_cost_share"]
    total, dear = seen.messages, seen.costly_messages
    if seen.costly and total >= rule.min_count and dear / total > rule.threshold:
        return reject(
            "velocity.high_cost_share",
            f"{dear}/{total} messages to costly destinations in {rule.window_seconds:g}s"
            f" (> {rule.threshold:.0%})",
        )
    return ACCEPT


def velocity_otp_fanout(message: Message, ctx: CheckContext) -> Verdict:
    seen = ctx.observation or _observation(message, ctx)  # recorded by the first velocity rule
    rule = ctx.settings.rules["velocity.otp_fanout"]
    if seen.otp_recipients > rule.threshold:
        return reject(
            "velocity.otp_fanout",
            f"{seen.otp_recipients} OTPs to distinct recipients in {rule.window_seconds:g}s"
            f" (> {rule.threshold:g})",
        )
    return ACCEPT
