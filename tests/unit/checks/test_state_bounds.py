"""The checks' long-lived state stays bounded under traffic to distinct recipients."""

from __future__ import annotations

from datetime import timedelta

from smpp_gateway.checks import DuplicateState, PhoneCache, RuleSettings, VelocityState
from smpp_gateway.checks.recent import RecentMap

from .helpers import WEDNESDAY_11H_PARIS, context, message, open_policy, pipeline

LENIENT = open_policy(  # as the end-to-end benchmark's account: every message is counted
    rules={
        r: RuleSettings(threshold=10**8)
        for r in ("velocity.burst", "velocity.sequential", "velocity.otp_fanout")
    }
)


def test_state_stops_at_its_caps_with_distinct_recipients() -> None:
    velocity, duplicates, phones = VelocityState(max_keys=40), DuplicateState(max_keys=40), PhoneCache(20)
    pipe = pipeline(LENIENT)
    for i in range(3_000):  # 100 msg/s: every key inside every window
        ctx = context(
            WEDNESDAY_11H_PARIS + timedelta(seconds=i * 0.01),
            velocity=velocity,
            duplicates=duplicates,
            phones=phones,
        )
        assert pipe.run(message(f"Code {i:06d}", to=f"3361{i * 37:07d}"), ctx).accepted
    counters = velocity.counters("demo")
    for keys in (counters.seen, counters.hundreds, duplicates._seen):
        assert 20 <= len(keys) <= 40  # full, and never beyond the cap
    assert 10 <= len(phones) <= 20
    assert list(velocity._accounts) == ["demo"]  # one account, one set of counters


def test_accounts_beyond_the_bound_forget_the_first_added() -> None:
    velocity = VelocityState(max_accounts=3)
    for account in ("a", "b", "c", "d"):
        velocity.observe(account, "33612345678", "3361234", False, False, 0.0, (60, 600, 3600, 60), (31, 301))
    assert list(velocity._accounts) == ["b", "c", "d"]
    assert velocity.counters("b").seen.current == {"33612345678": 0.0}  # kept as it was


def test_a_100_block_keeps_a_bitmask_per_slot_however_many_numbers_it_saw() -> None:
    velocity = VelocityState()
    rules = {"velocity.sequential": RuleSettings(mode="monitor"), "velocity.burst": RuleSettings(mode="off")}
    pipe = pipeline(open_policy(rules=rules))
    for i in range(100):
        ctx = context(WEDNESDAY_11H_PARIS + timedelta(seconds=i), velocity=velocity)
        result = pipe.run(message(f"Code {i:06d}", to=f"336123456{i:02d}"), ctx)
    (slots,) = velocity.counters("demo").hundreds.values()
    assert len(slots) == 2  # 100 s of numbers: two tenths of the 600 s window, not 100 entries
    assert sum(mask.bit_count() for mask in slots.values()) == 100
    (finding,) = result.findings
    assert finding.reason.startswith("100 distinct numbers")  # the whole block, not a capped count


def test_keys_idle_for_two_windows_are_dropped() -> None:
    keys: RecentMap[str, float] = RecentMap(max_keys=1_000, span=60)
    keys.put("old", 0.0, now=0.0)
    keys.put("kept", 50.0, now=50.0)
    keys.put("new", 61.0, now=61.0)  # the first generation is a window old: it turns
    assert keys.get("old", now=61.0) == 0.0  # still there (and now current)
    keys.put("newer", 122.0, now=122.0)  # turns again: what was not touched since 61 is gone
    assert keys.get("kept", now=122.0) is None
    assert keys.get("old", now=122.0) == 0.0
    assert len(keys) == 3


def test_a_key_touched_within_the_window_is_always_found() -> None:
    keys: RecentMap[int, float] = RecentMap(max_keys=10**6, span=60)
    for t in range(0, 1_000, 7):
        keys.put(t, float(t), now=float(t))
        assert keys.get(t - 56, now=float(t)) == (t - 56 if t >= 56 else None)
