"""`routes explain` (smpp_gateway/routing/explain.py): order, reasons, health, sender rewrite, renderings."""

from __future__ import annotations

import json
import random
from typing import Any

from smpp_gateway.config import CarrierConfig, RouteConfig
from smpp_gateway.message import Address, Message, MessageClass
from smpp_gateway.routing import CircuitState, Outcome, RouteTable, explain, render_text, to_dicts

CARRIERS = [
    CarrierConfig(name=n, host="127.0.0.1", port=2775, system_id=n, password="pw")
    for n in ("direct", "slow", "grey", "lossy")
]


def route(name: str, carriers: tuple[str, ...], **fields: Any) -> RouteConfig:
    return RouteConfig.model_validate({"name": name, "carriers": carriers, "min_samples": 2, **fields})


ROUTES = [
    route("fr", ("direct", "slow"), match={"prefixes": ["33"]}),
    route(
        "fr-marketing",
        ("slow",),
        match={"prefixes": ["336"], "classes": ["marketing"]},
        sender={"mode": "numeric", "number": "33700000001"},
    ),
    route("otp", ("direct",), match={"classes": ["otp"], "accounts": ["bank"]}),
    route("grey", ("grey",), test_only=True),
    route("world", ("direct", "lossy"), strategy="weighted", weights=(3, 1)),
]


def table() -> RouteTable:
    return RouteTable.from_config(ROUTES, CARRIERS, rng=random.Random(7))


def message(message_class: MessageClass = MessageClass.MARKETING) -> Message:
    return Message(
        account="demo",
        source=Address("ACME"),
        destination=Address("33612345678"),
        text="hi",
        message_class=message_class,
    )


def test_lines_follow_the_order_candidates_use() -> None:
    routes = table()
    lines = explain(routes, message(), now=0.0)
    tried = [line.route for line in lines if line.position is not None]
    from_candidates: list[str] = []
    for candidate in routes.candidates(message(), now=0.0):
        if candidate.route.name not in from_candidates:
            from_candidates.append(candidate.route.name)
    assert tried == from_candidates == ["fr-marketing", "fr", "world"]
    assert [line.position for line in lines[:3]] == [1, 2, 3]
    assert [(line.route, line.outcome) for line in lines[3:]] == [
        ("otp", Outcome.NOT_MATCHED),
        ("grey", Outcome.TEST_ONLY),
    ]


def test_each_criterion_says_whether_it_held_and_why() -> None:
    lines = {line.route: line for line in explain(table(), message(), now=0.0)}
    otp = lines["otp"]
    assert [(c.kind, c.held) for c in otp.criteria] == [("client", False), ("class", False)]
    assert otp.criteria[0].detail == "account demo (group -) not in accounts bank / groups -"
    assert otp.criteria[1].detail == "marketing not in otp"
    assert lines["fr-marketing"].specificity == "prefix 336 (3 digits)"
    assert lines["fr-marketing"].criteria[0].detail == "33612345678 starts with 336"
    assert lines["world"].criteria == ()
    assert lines["world"].specificity == "any destination"


def test_sender_rewrite_is_shown_for_matching_routes_only() -> None:
    lines = {line.route: line for line in explain(table(), message(), now=0.0)}
    marketing = lines["fr-marketing"].sender
    assert marketing is not None
    assert marketing.rewritten
    assert marketing.address.addr == "33700000001"
    fr = lines["fr"].sender
    assert fr is not None
    assert not fr.rewritten
    assert lines["otp"].sender is None


def test_open_circuits_are_shown_skipped_and_explain_changes_nothing() -> None:
    routes = table()
    for _ in range(2):
        routes.record_result("fr", ok=False, now=0.0)
    lines = {line.route: line for line in explain(routes, message(), now=1.0)}
    line = lines["fr"]
    assert (line.outcome, line.position, line.circuit) == (Outcome.CIRCUIT_OPEN, None, CircuitState.OPEN)
    assert (lines["fr-marketing"].position, lines["world"].position) == (1, 2)
    # Half-open: explain shows the trial but must not take it, nor record the transition.
    for _ in range(3):
        line = next(line for line in explain(routes, message(), now=31.0) if line.route == "fr")
        assert (line.outcome, line.circuit) == (Outcome.TRIED, CircuitState.HALF_OPEN)
    assert routes.take_events() == []
    assert "fr" in {c.route.name for c in routes.candidates(message(), now=31.0)}
    line = next(line for line in explain(routes, message(), now=31.0) if line.route == "fr")
    assert line.outcome is Outcome.TRIAL_IN_FLIGHT


def test_explain_draws_nothing_from_the_random_generator() -> None:
    routes = table()
    state = routes._rng.getstate()
    explain(routes, message(), now=0.0)
    assert routes._rng.getstate() == state


def test_weighted_routes_show_carriers_by_weight_with_shares() -> None:
    world = next(line for line in explain(table(), message(), now=0.0) if line.route == "world")
    assert world.carriers == ("direct", "lossy")
    assert world.shares == (0.75, 0.25)


EXPECTED_TEXT = """\
 1. fr-marketing: tried, prefix 336 (3 digits), priority 100, circuit closed
      ok  destination: 33612345678 starts with 336
      ok  class: marketing in marketing
      carriers (failover): slow
      sender rewritten: route fr-marketing does not carry alphanumeric senders: ACME (TON 0 NPI 0) -> \
33700000001 (TON 1 NPI 1)
 2. fr: tried, prefix 33 (2 digits), priority 100, circuit closed
      ok  destination: 33612345678 starts with 33
      carriers (failover): direct, slow
      sender kept: policy keep
 3. world: tried, any destination, priority 100, circuit closed
      ok  catch-all: no criteria
      carriers (weighted): direct 75%, lossy 25%
      sender kept: policy keep
 - otp: not matched, priority 100, circuit closed
      no  client: account demo (group -) not in accounts bank / groups -
      no  class: marketing not in otp
      carriers (failover): direct
 - grey: test only: probes, never client traffic, any destination, priority 100, circuit closed
      ok  catch-all: no criteria
      carriers (failover): grey
      sender kept: policy keep"""


def test_render_text() -> None:
    assert render_text(explain(table(), message(), now=0.0)) == EXPECTED_TEXT


def test_to_dicts_is_json_ready() -> None:
    dicts = to_dicts(explain(table(), message(), now=0.0))
    assert json.loads(json.dumps(dicts)) == dicts
    first = dicts[0]
    assert first["route"] == "fr-marketing"
    assert first["position"] == 1
    assert first["circuit"] == "closed"
    assert first["sender"] == {
        "address": "33700000001",
        "ton": 1,
        "npi": 1,
        "rewritten": True,
        "reason": first["sender"]["reason"],  # type: ignore[index]
    }
    assert dicts[-1]["sender"] is not None
    assert dicts[3]["sender"] is None
