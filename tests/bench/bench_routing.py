"""Routing benchmark: ``python -m tests.bench.bench_routing [--json] [--quick]``.

Times, per call, on a table of 20 routes shaped like a real deployment (nested prefix routes, country
routes, class and account routes, a weighted route, test-only routes, a catch-all):
* ``candidates(message)`` for a French mobile (four matching routes, failover), a UK number (weighted
  route) and a German number (country routes, through ``country_of``);
* the same answered on plain values (``candidates_for``), without the Message property reads;
* a cache miss (the static matching recomputed every call);
* ``apply_sender_policy`` rewriting an alphanumeric sender, and ``record_result`` on a closed circuit.
``country_of`` here is a dict lookup standing in for the gateway's cached phonenumbers lookup; an
uncached phonenumbers parse (~50 us) would dominate every other figure. Target: candidates() well
under 5 us. Each figure is the best of several repeats. Not a test.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import timeit
from collections.abc import Callable
from typing import Any

from smpp_gateway.config import CarrierConfig, RouteConfig
from smpp_gateway.message import Address, Message, MessageClass, SenderType
from smpp_gateway.routing import RouteTable, apply_sender_policy

CARRIERS = [
    CarrierConfig(name=name, host="127.0.0.1", port=2775, system_id=name, password="pw")
    for name in ("direct", "slow", "grey", "lossy", "throttled", "flaky", "uk1", "uk2", "de", "world")
]


def _route(name: str, carriers: tuple[str, ...], **fields: Any) -> RouteConfig:
    return RouteConfig.model_validate({"name": name, "carriers": carriers, **fields})


ROUTES = [
    _route("fr", ("direct", "slow"), match={"prefixes": ["33"]}),
    _route("fr-mobile", ("direct", "slow"), match={"prefixes": ["336", "337"]}),
    _route("fr-otp", ("direct",), match={"prefixes": ["33"], "classes": ["otp"]}, priority=10),
    _route("fr-marketing", ("slow",), match={"prefixes": ["336", "337"], "classes": ["marketing"]}),
    _route("fr-bank", ("direct",), match={"prefixes": ["33"], "groups": ["banks"]}, priority=5),
    _route("fr-shortcode", ("direct",), match={"prefixes": ["33"], "sender_types": ["short_code"]}),
    _route("uk", ("uk1", "uk2"), match={"prefixes": ["44"]}, strategy="weighted", weights=(3, 1)),
    _route("uk-mobile", ("uk1",), match={"prefixes": ["447"]}, priority=200),
    _route("be", ("direct",), match={"prefixes": ["32"]}),
    _route("es", ("world",), match={"prefixes": ["34"]}),
    _route("it", ("world",), match={"prefixes": ["39"]}),
    _route("de", ("de",), match={"countries": ["DE"]}),
    _route("at-ch", ("de",), match={"countries": ["AT", "CH"]}),
    _route("eu", ("world",), match={"countries": ["DE", "NL", "PL"]}, priority=200),
    _route(
        "numeric-us",
        ("world",),
        match={"prefixes": ["1"]},
        sender={"mode": "numeric", "number": "33700000001"},
    ),
    _route("grey", ("grey",), test_only=True),
    _route("lossy", ("lossy",), test_only=True),
    _route("throttled", ("throttled",), test_only=True),
    _route("flaky", ("flaky",), test_only=True),
    _route("world", ("world", "slow")),
]

COUNTRIES = {"33": "FR", "44": "GB", "49": "DE", "32": "BE", "34": "ES", "39": "IT", "1": "US"}


def _country_of(number: str) -> str | None:
    return COUNTRIES.get(number[:2]) or COUNTRIES.get(number[:1])


def _message(to: str, sender: str = "ACME") -> Message:
    return Message(
        account="demo",
        source=Address(sender),
        destination=Address(to),
        text="Your code is 123456",
        message_class=MessageClass.TRANSACTIONAL,
    )


def _best_us(function: Callable[[], object], number: int, repeat: int = 7) -> float:
    """Best time per call, in microseconds."""
    return min(timeit.repeat(function, number=number, repeat=repeat)) / number * 1e6


def run(quick: bool = False) -> dict[str, object]:
    number = 20_000 if quick else 200_000
    table = RouteTable.from_config(ROUTES, CARRIERS, country_of=_country_of, rng=random.Random(1))
    france, uk, germany = _message("33612345678"), _message("447700900123"), _message("4915112345678")
    for each in (france, uk, germany):
        assert table.candidates(each, now=0.0), each.destination
    transactional, alphanumeric = MessageClass.TRANSACTIONAL, SenderType.ALPHANUMERIC

    def cold() -> object:
        table._cache.clear()
        return table.candidates(france, now=0.0)

    numeric_us = table.route("numeric-us")
    assert numeric_us is not None
    us_message = _message("12025550123")
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "routes": len(ROUTES),
        "candidates_fr_failover_us": _best_us(lambda: table.candidates(france, now=0.0), number),
        "candidates_uk_weighted_us": _best_us(lambda: table.candidates(uk, now=0.0), number),
        "candidates_de_country_us": _best_us(lambda: table.candidates(germany, now=0.0), number),
        "candidates_for_plain_values_us": _best_us(
            lambda: table.candidates_for("33612345678", "demo", None, transactional, alphanumeric, now=0.0),
            number,
        ),
        "candidates_cache_miss_us": _best_us(cold, number // 10),
        "apply_sender_policy_rewrite_us": _best_us(
            lambda: apply_sender_policy(numeric_us, us_message), number
        ),
        "record_result_closed_us": _best_us(lambda: table.record_result("fr", ok=True, now=0.0), number),
    }


def _table(results: dict[str, object]) -> str:
    lines = ["| measurement | value |", "|---|---|"]
    for name, value in results.items():
        shown = f"{value:.2f} us" if isinstance(value, float) else str(value)
        lines.append(f"| {name} | {shown} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--quick", action="store_true", help="fewer iterations (a smoke run)")
    args = parser.parse_args()
    results = run(quick=args.quick)
    print(json.dumps(results, indent=2) if args.json else _table(results))


if __name__ == "__main__":
    main()
