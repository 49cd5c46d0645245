"""Route health: the circuit breaker of smpp_gateway/routing/health.py, alone and inside the table."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smpp_gateway.config import CarrierConfig, RouteConfig
from smpp_gateway.message import Address, Message
from smpp_gateway.routing import (
    CircuitBreaker,
    CircuitEvent,
    CircuitState,
    HealthPolicy,
    RouteTable,
    SlidingWindow,
    counts_against_health,
)
from smpp_gateway.smpp.constants import CommandStatus

CLOSED, HALF_OPEN, OPEN = CircuitState.CLOSED, CircuitState.HALF_OPEN, CircuitState.OPEN
POLICY = HealthPolicy(window=60.0, min_samples=10, error_rate_threshold=0.5, open_seconds=30.0)


def breaker(policy: HealthPolicy = POLICY) -> tuple[CircuitBreaker, list[CircuitEvent]]:
    events: list[CircuitEvent] = []
    return CircuitBreaker("fr", policy, events.append), events


def feed(target: CircuitBreaker, ok: int, errors: int, now: float) -> None:
    for _ in range(ok):
        target.record(True, now)
    for _ in range(errors):
        target.record(False, now)


def transitions(events: list[CircuitEvent]) -> list[tuple[CircuitState, CircuitState]]:
    return [(event.from_state, event.to_state) for event in events]


def test_window_counts_recent_results_and_forgets_old_ones() -> None:
    window = SlidingWindow(60.0)
    window.add(False, 100.0)
    window.add(True, 100.0)
    window.add(True, 130.0)
    assert window.totals(130.0) == (3, 1)
    # Buckets are 6 s wide: the bucket of t=100 (96..102) leaves the window at t=156.
    assert window.totals(155.9) == (3, 1)
    assert window.totals(156.0) == (1, 0)
    assert window.totals(1000.0) == (0, 0)
    window.clear()
    assert window.totals(130.0) == (0, 0)


def test_window_reuses_a_slot_for_a_new_bucket() -> None:
    window = SlidingWindow(10.0)
    window.add(False, 0.5)
    window.add(True, 10.5)  # same ring slot, ten buckets later
    assert window.totals(10.5) == (1, 0)


def test_stays_closed_below_min_samples_even_when_everything_fails() -> None:
    target, events = breaker()
    feed(target, 0, 9, now=10.0)
    assert target.state is CLOSED
    assert events == []


def test_opens_when_the_error_rate_reaches_the_threshold() -> None:
    target, events = breaker()
    feed(target, 5, 4, now=10.0)
    assert target.state is CLOSED
    feed(target, 0, 1, now=11.0)
    assert target.state is OPEN
    assert transitions(events) == [(CLOSED, OPEN)]
    assert events[0].route == "fr"
    assert events[0].at == 11.0
    assert "error rate 0.50 >= 0.50 (5/10 in 60s)" in events[0].reason


def test_a_success_reaching_min_samples_can_open_the_circuit() -> None:
    target, _ = breaker()
    feed(target, 0, 9, now=10.0)
    feed(target, 1, 0, now=10.0)
    assert target.state is OPEN


def test_errors_that_left_the_window_do_not_count() -> None:
    target, _ = breaker()
    feed(target, 0, 9, now=0.0)
    # 4 errors in 10 results is below the threshold; with the 9 old errors it would be 13 in 19.
    feed(target, 6, 4, now=70.0)
    assert target.state is CLOSED


def test_open_then_half_open_after_open_seconds_then_closed_on_success() -> None:
    target, events = breaker()
    feed(target, 0, 10, now=100.0)
    assert not target.admit(129.9)
    assert target.peek(130.0) is HALF_OPEN
    assert target.state is OPEN  # peek changes nothing
    assert target.admit(130.0)
    assert target.state is HALF_OPEN
    assert not target.admit(130.1)  # one trial at a time
    target.record(True, 131.0)
    assert target.state is CLOSED
    assert transitions(events) == [(CLOSED, OPEN), (OPEN, HALF_OPEN), (HALF_OPEN, CLOSED)]
    assert events[1].reason == "open for 30s"
    assert events[2].reason == "trial submit succeeded"
    # The window restarted empty: nine fresh errors do not reopen it.
    feed(target, 0, 9, now=132.0)
    assert target.state is CLOSED


@pytest.mark.parametrize(
    ("timeout", "reason"), [(False, "trial submit failed"), (True, "trial submit timed out")]
)
def test_a_failed_trial_opens_again_for_open_seconds(timeout: bool, reason: str) -> None:
    target, events = breaker()
    feed(target, 0, 10, now=100.0)
    assert target.admit(130.0)
    target.record(False, 131.0, timeout=timeout)
    assert target.state is OPEN
    assert events[-1].reason == reason
    assert not target.admit(160.9)
    assert target.admit(161.0)


def test_results_while_open_are_late_answers_and_ignored() -> None:
    target, events = breaker()
    feed(target, 0, 10, now=100.0)
    feed(target, 5, 5, now=110.0)
    assert target.state is OPEN
    assert len(events) == 1


def test_an_unreported_trial_is_forgotten_after_open_seconds() -> None:
    target, _ = breaker()
    feed(target, 0, 10, now=100.0)
    assert target.admit(130.0)
    assert not target.would_admit(159.9)
    assert not target.admit(159.9)
    assert target.would_admit(160.0)
    assert target.admit(160.0)
    assert not target.admit(160.0)


def test_half_open_trials_limit_is_configurable() -> None:
    target, _ = breaker(
        HealthPolicy(window=60, min_samples=1, error_rate_threshold=1, open_seconds=5, half_open_trials=3)
    )
    target.record(False, 0.0)
    assert [target.admit(5.0) for _ in range(4)] == [True, True, True, False]


def test_throttling_does_not_count_against_health() -> None:
    assert not counts_against_health(CommandStatus.ESME_RTHROTTLED)
    assert not counts_against_health(CommandStatus.ESME_RMSGQFUL)
    assert counts_against_health(CommandStatus.ESME_RSYSERR)
    assert counts_against_health(CommandStatus.ESME_RSUBMITFAIL)


def test_gauge_values() -> None:
    assert [int(state) for state in (CLOSED, HALF_OPEN, OPEN)] == [0, 1, 2]


# -- inside the table ---------------------------------------------------------------------------------

CARRIERS = [CarrierConfig(name=n, host="127.0.0.1", port=2775, system_id=n, password="pw") for n in "abc"]
MESSAGE = Message(account="demo", source=Address("ACME"), destination=Address("33612345678"), text="hi")


def route(name: str, carrier: str, **fields: Any) -> RouteConfig:
    health = {"min_samples": 4, "error_rate_threshold": 0.5, "open_seconds": 30.0, "health_window": 60.0}
    return RouteConfig.model_validate({"name": name, "carriers": (carrier,), **health, **fields})


def routes_of(table: RouteTable, now: float) -> list[str]:
    return [candidate.route.name for candidate in table.candidates(MESSAGE, now=now)]


def test_open_routes_are_skipped_and_come_back_through_half_open() -> None:
    table = RouteTable.from_config(
        [route("fr", "a", match={"prefixes": ["33"]}), route("backup", "b")], CARRIERS
    )
    assert routes_of(table, 0.0) == ["fr", "backup"]
    events: list[CircuitEvent] = []
    for _ in range(4):
        events += table.record_result("fr", ok=False, timeout=True, now=1.0)
    assert [(e.route, e.to_state) for e in events] == [("fr", OPEN)]
    assert routes_of(table, 2.0) == ["backup"]
    assert routes_of(table, 31.0) == ["fr", "backup"]  # the half-open trial
    assert routes_of(table, 31.5) == ["backup"]  # trial in flight
    assert table.circuit_states(31.5) == {"fr": HALF_OPEN, "backup": CLOSED}
    events = table.record_result("fr", ok=True, now=32.0)
    # The OPEN -> HALF_OPEN noticed by candidates() is handed out with this result, exactly once.
    assert [(e.from_state, e.to_state) for e in events] == [(OPEN, HALF_OPEN), (HALF_OPEN, CLOSED)]
    assert table.take_events() == []
    assert routes_of(table, 33.0) == ["fr", "backup"]


def test_when_every_route_is_open_there_is_no_route() -> None:
    table = RouteTable.from_config([route("only", "a")], CARRIERS)
    for _ in range(4):
        table.record_result("only", ok=False, now=1.0)
    assert table.candidates(MESSAGE, now=2.0) == []
    assert table.circuit_states(2.0) == {"only": OPEN}


def test_results_for_unknown_routes_are_ignored() -> None:
    table = RouteTable.from_config([route("only", "a")], CARRIERS)
    assert table.record_result("gone-after-reload", ok=False, now=1.0) == []


def test_circuit_states_records_the_half_open_transition() -> None:
    table = RouteTable.from_config([route("only", "a")], CARRIERS)
    for _ in range(4):
        table.record_result("only", ok=False, now=1.0)
    assert table.circuit_states(31.0) == {"only": HALF_OPEN}
    assert [(e.from_state, e.to_state) for e in table.take_events()] == [(OPEN, HALF_OPEN)]


@given(
    st.lists(st.tuples(st.booleans(), st.floats(min_value=0, max_value=20, allow_nan=False)), max_size=60),
    st.floats(min_value=1, max_value=60, allow_nan=False),
)
def test_has_errors_says_exactly_whether_the_window_holds_an_error(
    results: list[tuple[bool, float]], span: float
) -> None:
    window = SlidingWindow(span)
    now = 0.0
    for ok, step in results:
        now += step
        window.add(ok, now)
        assert window.has_errors(now) == (window.totals(now)[1] > 0)
        later = now + span / 2
        assert window.has_errors(later) == (window.totals(later)[1] > 0)
    window.clear()
    assert not window.has_errors(now)
