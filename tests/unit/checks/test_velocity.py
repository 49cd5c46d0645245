"""Velocity (AIT) rules and their fixed-memory counters; duplicates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smpp_gateway.checks import DuplicateState, Pipeline, RuleSettings, VelocityState
from smpp_gateway.checks.velocity import BUCKETS, SLOTS, VELOCITY_RULES, ShareWindow
from smpp_gateway.message import MessageClass
from smpp_gateway.smpp.constants import CommandStatus

from .helpers import CONFIG, WEDNESDAY_11H_PARIS, context, message, open_policy, pipeline

T0 = WEDNESDAY_11H_PARIS


def test_share_window_forgets_old_buckets() -> None:
    counter = ShareWindow(60)
    assert counter.add(0, costly=True) == (1, 1)
    assert counter.add(30, costly=False) == (2, 1)
    assert counter.add(59, costly=False) == (3, 1)
    assert counter.add(65, costly=False) == (3, 0)  # the bucket of t=0 left the window
    assert counter.add(200, costly=True) == (1, 1)


def test_share_window_tolerates_a_clock_step_back() -> None:
    counter = ShareWindow(60)
    counter.add(1000, costly=False)
    assert counter.add(990, costly=False) == (2, 0)  # inside the window: counted where it belongs
    assert counter.add(0, costly=False) == (3, 0)  # far older than the window: counted as current


def numbers_in_block(velocity: VelocityState, last_two_digits: int, now: float, window: float) -> int:
    """Record a message to +33 6 12 34 56 xx; return the distinct numbers of its 100-block counted."""
    number = f"336123456{last_two_digits:02d}"
    windows = (60.0, window, 3600.0, 300.0)
    seen = velocity.observe(
        "demo", number, block=number[:-4], otp=False, costly=False, now=now, windows=windows, caps=(31, 11)
    )
    return seen.hundred_numbers


@given(
    st.floats(min_value=1.0, max_value=10_000.0),
    st.lists(st.tuples(st.integers(0, 99), st.floats(min_value=0.0, max_value=3.0)), min_size=1, max_size=60),
)
def test_a_block_counts_the_window_and_at_most_a_tenth_more(
    window: float, events: list[tuple[int, float]]
) -> None:
    # An exact model: each number's last time. The block counts every number seen less than a
    # window ago, and none seen a window and a slot ago or earlier.
    velocity, last_seen, now = VelocityState(), dict[int, float](), 1_750_000_000.0
    for digit, gap_in_windows in events:
        now += gap_in_windows * window
        last_seen[digit] = now
        counted = numbers_in_block(velocity, digit, now, window)
        inside = sum(1 for t in last_seen.values() if now - t < window)
        within_a_slot_more = sum(1 for t in last_seen.values() if now - t < window * (1 + 1 / SLOTS))
        assert inside <= counted <= within_a_slot_more


def test_a_block_forgets_a_number_a_window_and_a_slot_later() -> None:
    velocity = VelocityState()
    assert numbers_in_block(velocity, 1, 0.0, 600) == 1
    assert numbers_in_block(velocity, 2, 599.9, 600) == 2  # the first is inside the window
    assert numbers_in_block(velocity, 3, 660.0, 600) == 2  # the first is a window and a slot old: gone
    assert numbers_in_block(velocity, 3, 660.0, 600) == 2  # the same number twice is one number
    assert numbers_in_block(velocity, 4, 5_000.0, 600) == 1  # idle for longer than a window
    (slots,) = velocity.counters("demo").hundreds.values()
    assert len(slots) == 1  # the slots that left the window are gone


def test_a_block_starts_afresh_when_the_window_changes() -> None:
    velocity = VelocityState()
    for digit in range(5):
        numbers_in_block(velocity, digit, 100.0, 600)
    assert numbers_in_block(velocity, 9, 101.0, 600) == 6
    assert numbers_in_block(velocity, 8, 102.0, 60) == 1


def test_a_block_counts_a_clock_step_back() -> None:
    velocity = VelocityState()
    numbers_in_block(velocity, 1, 1_000.0, 600)
    assert numbers_in_block(velocity, 2, 900.0, 600) == 2
    assert numbers_in_block(velocity, 3, 1_001.0, 600) == 3
    assert numbers_in_block(velocity, 4, 0.0, 600) == 4  # far back: counted where it landed
    # Back at 1 002 s, the number recorded "at 0 s" is a window old, although it was recorded last.
    assert numbers_in_block(velocity, 5, 1_002.0, 600) == 4


def test_recent_events_are_capped_and_windowed() -> None:
    from collections import deque

    from smpp_gateway.checks.velocity import recent_events

    times: deque[float] = deque(maxlen=3)
    assert [recent_events(times, t, 10) for t in (0, 1, 2, 3, 4)] == [1, 2, 3, 3, 3]
    assert recent_events(times, 30, 10) == 1


def _run_many(
    numbers: list[str],
    *,
    text: str = "Votre code est 123456",
    policy=None,
    step: float = 0.5,  # type: ignore[no-untyped-def]
    message_class: MessageClass | None = None,
    velocity: VelocityState | None = None,
):
    pipe = pipeline(policy or open_policy())
    velocity = velocity or VelocityState()
    duplicates = DuplicateState()
    results = []
    for i, number in enumerate(numbers):
        ctx = context(T0 + timedelta(seconds=i * step), velocity=velocity, duplicates=duplicates)
        results.append(pipe.run(message(text, to=number, message_class=message_class), ctx))
    return results


def _first_reject(results) -> tuple[int, str] | None:  # type: ignore[no-untyped-def]
    for i, result in enumerate(results):
        if not result.accepted:
            return i, result.final.rule
    return None


def test_burst_to_one_block_is_throttled() -> None:
    # 40 distinct numbers of one 10 000-block (+33 6 1234 xxxx) within a minute, spread so that no
    # 100-block gets dense (that would be velocity.sequential).
    numbers = [f"3361234{(i * 241) % 10000:04d}" for i in range(40)]
    results = _run_many(numbers, step=1.0)
    first = _first_reject(results)
    assert first == (30, "velocity.burst")
    assert results[30].final.status == CommandStatus.ESME_RTHROTTLED


def test_one_test_number_repeated_is_no_burst() -> None:
    numbers = ["33612345678"] * 40
    pipe, velocity = pipeline(open_policy()), VelocityState()
    for i, number in enumerate(numbers):
        ctx = context(T0 + timedelta(seconds=i), velocity=velocity)
        assert pipe.run(message(f"Votre code est {100000 + i}", to=number), ctx).accepted


def test_spread_traffic_is_no_burst() -> None:
    numbers = [f"3366{(i * 7919) % 10**7:07d}" for i in range(200)]
    assert _first_reject(_run_many(numbers, step=0.2)) is None


def test_sequential_runs_are_refused() -> None:
    numbers = [f"336123456{i:02d}" for i in range(10, 30)]
    first = _first_reject(_run_many(numbers, step=5.0))
    assert first == (9, "velocity.sequential")


def test_shuffled_runs_are_caught_too() -> None:
    numbers = [f"336123456{i:02d}" for i in (42, 7, 91, 13, 66, 30, 58, 84, 21, 77, 3)]
    first = _first_reject(_run_many(numbers, step=5.0))
    assert first == (9, "velocity.sequential")


def test_runs_spread_over_more_than_the_window_pass() -> None:
    numbers = [f"336123456{i:02d}" for i in range(10, 30)]
    assert _first_reject(_run_many(numbers, step=120.0)) is None


def test_high_cost_share_above_normal_is_throttled() -> None:
    policy = open_policy(
        rules={"velocity.sequential": RuleSettings(mode="off"), "velocity.burst": RuleSettings(mode="off")}
    )
    france = [f"3361{i:07d}" for i in range(1, 15)]
    costly = [f"2246{i:02d}123456" for i in range(20)]  # Guinea mobiles: allowed, but costly
    numbers = [n for pair in zip(france, costly, strict=False) for n in pair] + costly[14:]
    results = _run_many(numbers, policy=policy, step=1.0)
    first = _first_reject(results)
    assert first is not None
    assert first[1] == "velocity.high_cost_share"
    assert first[0] >= 19  # judged after min_count messages


def test_otp_fan_out_is_throttled() -> None:
    policy = open_policy(
        rules={
            "velocity.otp_fanout": RuleSettings(threshold=50),
            "velocity.burst": RuleSettings(mode="off"),
            "velocity.sequential": RuleSettings(mode="off"),
        }
    )
    numbers = [f"3361{i * 1777:07d}" for i in range(1, 80)]
    results = _run_many(numbers, policy=policy, step=0.5)
    assert _first_reject(results) == (50, "velocity.otp_fanout")


def test_otp_fan_out_ignores_marketing() -> None:
    policy = open_policy(
        rules={
            "velocity.otp_fanout": RuleSettings(threshold=5),
            "velocity.sequential": RuleSettings(mode="off"),
        }
    )
    numbers = [f"3361{i * 1777:07d}" for i in range(1, 20)]
    results = _run_many(numbers, text="Code promo ETE2025 -20% STOP au 36123", policy=policy)
    assert _first_reject(results) is None


def test_velocity_in_monitor_mode_reports_and_lets_through() -> None:
    policy = open_policy(rules={"velocity.sequential": RuleSettings(mode="monitor")})
    numbers = [f"336123456{i:02d}" for i in range(10, 30)]
    results = _run_many(numbers, policy=policy, step=5.0)
    assert all(r.accepted for r in results)
    assert [f.rule for f in results[-1].findings] == ["velocity.sequential"]


def test_velocity_memory_is_bounded() -> None:
    velocity = VelocityState(max_keys=50)
    numbers = [f"336{i:04d}0000" for i in range(1000, 1300)]
    _run_many(numbers, velocity=velocity, step=0.1)
    counters = velocity.counters("demo")
    assert all(len(m) <= 50 for m in (counters.blocks, counters.hundreds, counters.seen))


def test_bucket_count_is_small() -> None:
    assert 4 <= BUCKETS <= 60


# --- duplicate -------------------------------------------------------------------------------


def test_the_fourth_identical_message_in_ten_minutes_is_refused() -> None:
    results = _run_many(["33612345678"] * 5, text="Votre commande est prête", step=60.0)
    assert [r.accepted for r in results] == [True, True, True, False, False]
    assert results[3].final.rule == "duplicate"


def test_duplicates_spaced_beyond_the_window_pass() -> None:
    results = _run_many(["33612345678"] * 5, text="Votre commande est prête", step=300.0)
    assert all(r.accepted for r in results)


def test_different_texts_or_recipients_are_not_duplicates() -> None:
    pipe = pipeline(open_policy())
    duplicates = DuplicateState()
    for i in range(6):
        ctx = context(T0 + timedelta(seconds=i), duplicates=duplicates)
        assert pipe.run(message(f"Votre code est {100000 + i}"), ctx).accepted


@pytest.mark.parametrize("limit", [1, 5])
def test_duplicate_limit_is_configurable(limit: int) -> None:
    policy = open_policy(rules={"duplicate": RuleSettings(threshold=limit, window_seconds=60)})
    results = _run_many(["33612345678"] * (limit + 2), text="Bonjour", policy=policy, step=1.0)
    assert [r.accepted for r in results] == [True] * limit + [False, False]
    assert isinstance(datetime.now(UTC), datetime)  # the tests drive time; nothing here reads it


def test_event_lists_keep_at_most_their_cap() -> None:
    from smpp_gateway.checks.velocity import recent_events

    times: list[float] = []
    assert [recent_events(times, t, 100, cap=3) for t in (0, 1, 2, 3, 4)] == [1, 2, 3, 3, 3]
    assert times == [2, 3, 4]
    assert recent_events(times, 200, 100, cap=3) == 1


def test_counters_keep_a_few_timestamps_per_key() -> None:
    """A key holds at most threshold + 1 times: memory per key stays small however busy it is."""
    duplicates = DuplicateState()
    for i in range(50):
        duplicates.observe("demo", "33612345678", "same text", float(i), 600.0, 4)
    assert [len(times) for times in duplicates._seen.values()] == [4]
    velocity = VelocityState()
    numbers = [f"3361234{i:04d}" for i in range(100)]
    _run_many(numbers, velocity=velocity, step=0.1)
    # A block's first recipient is a bare time; busy blocks keep burst threshold 30 + 1 times.
    blocks = velocity.counters("demo").blocks.values()
    assert all(isinstance(times, float) or len(times) <= 31 for times in blocks)
    assert any(isinstance(times, list) for times in blocks)


@pytest.mark.parametrize(
    "modes",
    [
        {},
        dict.fromkeys(VELOCITY_RULES, "monitor"),
        {"velocity.burst": "monitor", "velocity.sequential": "off", "velocity.otp_fanout": "monitor"},
        {"velocity.high_cost_share": "off", "velocity.burst": "off"},
    ],
)
def test_the_grouped_velocity_step_answers_what_the_rules_answer(modes: dict[str, str]) -> None:
    # Low thresholds so that every rule fires in a short run: the grouped step (one call, then the
    # rules one by one when one of them would reject) against every rule run by itself.
    rules = {
        "velocity.burst": RuleSettings(threshold=3, mode=modes.get("velocity.burst", "enforce")),
        "velocity.sequential": RuleSettings(threshold=4, mode=modes.get("velocity.sequential", "enforce")),
        "velocity.high_cost_share": RuleSettings(
            threshold=0.3, min_count=4, mode=modes.get("velocity.high_cost_share", "enforce")
        ),
        "velocity.otp_fanout": RuleSettings(threshold=2, mode=modes.get("velocity.otp_fanout", "enforce")),
    }
    policy = open_policy(rules=rules)
    grouped, plain = Pipeline.from_config(CONFIG, policy), Pipeline.from_config(CONFIG, policy, memoise=False)
    states = [(VelocityState(), DuplicateState()), (VelocityState(), DuplicateState())]
    fired: set[str] = set()
    for i in range(120):
        # One French 10 000-block numbered in sequence, and a costly destination every fourth.
        to = f"2246{i % 20:02d}123456" if i % 4 == 0 else f"3361200{i:04d}"
        text = f"Votre code est {100000 + i}" if i % 2 else f"Bonjour, votre commande {i} est prête"
        results = [
            pipe.run(
                message(text, to=to),
                context(T0 + timedelta(seconds=i), velocity=velocity, duplicates=duplicates),
            )
            for pipe, (velocity, duplicates) in zip((grouped, plain), states, strict=True)
        ]
        assert results[0].final == results[1].final
        assert results[0].findings == results[1].findings
        fired.update(f.rule for f in results[0].findings)
    running = {rule for rule in VELOCITY_RULES if modes.get(rule) != "off"}
    monitored = {rule for rule in running if modes.get(rule) == "monitor"}
    assert monitored <= fired  # a monitored rule fires without stopping the run
    assert fired & running  # an enforced one stops it
