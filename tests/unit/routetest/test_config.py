"""The route_tests section of gateway.yaml: plans, timeouts and the errors that name the problem."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from smpp_gateway.config import ConfigError, load, parse

ROOT = Path(__file__).resolve().parents[3]


def document(**section: Any) -> dict[str, Any]:
    return {
        "carriers": [{"name": "c1", "host": "127.0.0.1", "port": 2776, "system_id": "gw", "password": "pw"}],
        "routes": [{"name": "r1", "carriers": ["c1"]}],
        "route_tests": section,
    }


def a_plan(**changes: Any) -> dict[str, Any]:
    return {"route": "r1", "numbers": ["+33612000001"], "senders": ["ACME"], "texts": ["hello"], **changes}


def test_the_demo_probes_fr_direct_and_via_grey() -> None:
    config = load(ROOT / "config" / "gateway.yaml")
    plans = {plan.route: plan for plan in config.route_tests.plans}
    assert set(plans) == {"fr-direct", "via-grey"}
    assert all(plan.every_minutes for plan in plans.values())
    assert {"ACME", "36123", "33700000001"} == set(plans["via-grey"].senders)


def test_defaults_and_per_plan_limits() -> None:
    config = parse(document(late_after=20, plans=[a_plan()]))
    [plan] = config.route_tests.plans
    assert plan.numbers == ("33612000001",)  # "+" dropped
    assert plan.every_minutes is None  # on demand only
    limits = config.route_tests.limits(plan)
    assert (limits.not_delivered_timeout, limits.late_after, limits.duplicate_window) == (120.0, 20.0, 15.0)
    config = parse(document(plans=[a_plan(not_delivered_timeout=10, late_after=5, duplicate_window=1)]))
    limits = config.route_tests.limits(config.route_tests.plans[0])
    assert (limits.not_delivered_timeout, limits.late_after, limits.duplicate_window) == (10.0, 5.0, 1.0)
    assert config.route_tests.plan("r1") is not None
    assert config.route_tests.plan("r2") is None
    assert parse(document()).route_tests.plans == ()


@pytest.mark.parametrize(
    ("section", "problem"),
    [
        ({"plans": [a_plan(route="nowhere")]}, "route_tests.plans.0: unknown route 'nowhere'"),
        ({"plans": [a_plan(), a_plan()]}, "plans.1: a second plan for route 'r1'"),
        ({"plans": [a_plan(late_after=200)]}, "late_after must be below not_delivered_timeout"),
        ({"plans": [a_plan(numbers=["06 12"])]}, "is not an E.164 number"),
        ({"plans": [a_plan(numbers=[])]}, "route_tests.plans.0.numbers: Tuple should have at least 1 item"),
        ({"plans": [a_plan(senders=["TWELVE-CHARS"])]}, "an alphanumeric sender has 1-11 characters"),
        ({"plans": [a_plan(senders=["1234567890123456"])]}, "a number has at most 15 digits"),
        (
            {"plans": [a_plan(texts=[""])]},
            "route_tests.plans.0.texts.0: String should have at least 1 character",
        ),
        ({"plans": [a_plan(every_minutes=0)]}, "every_minutes: Input should be greater than 0"),
        ({"plans": [a_plan(colour="red")]}, "route_tests.plans.0.colour: Extra inputs are not permitted"),
        ({"min_similarity": 2}, "route_tests.min_similarity: Input should be less than or equal to 1"),
    ],
)
def test_errors_name_the_path_and_the_problem(section: dict[str, Any], problem: str) -> None:
    with pytest.raises(ConfigError, match="<test>") as caught:
        parse(document(**section), "<test>")
    assert problem in str(caught.value)
