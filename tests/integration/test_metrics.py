"""Metrics after known traffic through a real gateway and scripted SMSCs on 127.0.0.1: each series of
the issue's list has the value the traffic implies, state series exist before any event, and every
label value comes from a bounded set (never a number or a message id)."""

from __future__ import annotations

import asyncio
import itertools
import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from smpp_gateway.checks.catalogue import RULE_IDS
from smpp_gateway.config import BindType, GatewayConfig, parse
from smpp_gateway.gateway import Gateway
from smpp_gateway.gauges import StateGauges
from smpp_gateway.metrics import Metrics
from smpp_gateway.routing import RouteTable
from smpp_gateway.smpp.constants import CommandStatus, MessageState
from smpp_gateway.store import StoreUnavailable
from tests.polling import until

from .carrier import ScriptedCarrier, running_carrier
from .esme import SyncEsme
from .gateway_harness import PASSWORD, gateway_config, running_gateway, smpp_port

ROUTES = [
    {
        "name": "fr",
        "match": {"prefixes": ["33"]},
        "carriers": ["c1", "c2"],
        "sender": {"mode": "map", "map": {"ACME-FR": "33700000001"}},
    },
    {"name": "probe-only", "carriers": ["c2"], "test_only": True},
]


def carrier(name: str, port: int, **options: Any) -> dict[str, Any]:
    return {
        "name": name,
        "host": "127.0.0.1",
        "port": port,
        "system_id": "gateway",
        "password": "gwpass1",
        "reconnect_min": 0.05,
        "reconnect_max": 0.5,
        "response_timeout": 1,
        "throttle_backoff": 0.3,
        **options,
    }


def config_for(tmp_path: Path, c1: ScriptedCarrier, c2: ScriptedCarrier, **overrides: Any) -> GatewayConfig:
    """The harness config with this test's carriers (short response timeout and throttle back-off)."""
    base = gateway_config(
        tmp_path, {"c1": c1.port, "c2": c2.port}, routes=overrides.pop("routes", ROUTES), **overrides
    )
    document = base.model_dump(mode="json")
    document["carriers"] = [carrier("c1", c1.port), carrier("c2", c2.port)]
    return parse(document, "<test>")


@asynccontextmanager
async def two_carriers(
    tmp_path: Path, **overrides: Any
) -> AsyncIterator[tuple[Gateway, ScriptedCarrier, ScriptedCarrier]]:
    async with running_carrier() as c1, running_carrier() as c2:  # noqa: SIM117 (the config needs their ports)
        async with running_gateway(config_for(tmp_path, c1, c2, **overrides)) as gw:
            yield gw, c1, c2


def value(gw: Gateway, name: str, **labels: str) -> float | None:
    return gw.metrics.registry.get_sample_value(name, labels)


@asynccontextmanager
async def bound_esme(gw: Gateway, kind: str = "transmitter") -> AsyncIterator[SyncEsme]:
    esme = SyncEsme("127.0.0.1", smpp_port(gw), timeout=10)
    try:
        assert await asyncio.to_thread(esme.bind, kind, "acme", PASSWORD) == 0
        yield esme
    finally:
        await asyncio.to_thread(esme.close)


TEXTS = itertools.count()


async def submit(esme: SyncEsme, count: int = 1, **fields: Any) -> list[int]:
    """``count`` submits, each with its own text (the duplicate check refuses a 4th identical one)."""
    results = []
    for _ in range(count):
        result = await asyncio.to_thread(esme.submit, f"Votre code est {next(TEXTS)}", **fields)
        results.append(result.status)
    return results


async def test_state_series_exist_before_any_traffic(tmp_path: Path) -> None:
    async with two_carriers(tmp_path) as (gw, _, _):
        for route in ("fr", "probe-only"):
            assert value(gw, "smppgw_route_circuit_state", route=route) == 0
            assert value(gw, "smppgw_route_failovers_total", route=route) == 0
            assert value(gw, "smppgw_receipts_total", route=route, state="delivered") == 0
        for name in ("c1", "c2"):
            assert value(gw, "smppgw_carrier_connection_up", carrier=name) == 1
            assert value(gw, "smppgw_carrier_window_occupancy", carrier=name) == 0
            assert value(gw, "smppgw_carrier_throttled_total", carrier=name) == 0
            assert value(gw, "smppgw_route_timeouts_total", route="fr", carrier=name) == 0
            assert value(gw, "smppgw_route_submit_latency_seconds_count", route="fr", carrier=name) == 0
        assert value(gw, "smppgw_pending_deliveries", kind="receipt") == 0
        assert value(gw, "smppgw_pending_deliveries", kind="mo") == 0
        for bind_type in BindType:
            assert value(gw, "smppgw_binds", account="acme", bind_type=bind_type.value) == 0
        assert value(gw, "smppgw_store_healthy") == 1


async def test_counts_after_known_traffic(tmp_path: Path) -> None:
    async with two_carriers(tmp_path) as (gw, c1, c2):
        async with bound_esme(gw) as esme:
            assert value(gw, "smppgw_binds", account="acme", bind_type="transmitter") == 1
            assert await submit(esme, 3) == [0, 0, 0]
            assert await submit(esme, 1, source_addr="ACME-FR") == [0]  # the route maps this sender
            assert await submit(esme, 1, source_addr="PAYPAL") == [CommandStatus.ESME_RINVSRCADR]
            c1.status = CommandStatus.ESME_RSYSERR
            assert await submit(esme, 2, registered_delivery=1) == [0, 0]  # c1 refuses, c2 takes them

            assert value(gw, "smppgw_submits_total", account="acme", outcome="accepted") == 6
            assert value(gw, "smppgw_submits_total", account="acme", outcome="rejected") == 1
            rejected_by = {
                sample.labels["rule"]
                for family in gw.metrics.registry.collect()
                if family.name == "smppgw_check_verdicts"
                for sample in family.samples
                if sample.labels.get("verdict") == "reject" and sample.value
            }
            assert rejected_by
            assert rejected_by <= {"sender.registry", "sender.protected"}
            assert (
                value(gw, "smppgw_route_carrier_responses_total", route="fr", carrier="c1", status="ESME_ROK")
                == 4
            )
            assert (
                value(
                    gw,
                    "smppgw_route_carrier_responses_total",
                    route="fr",
                    carrier="c1",
                    status="ESME_RSYSERR",
                )
                == 2
            )
            assert (
                value(gw, "smppgw_route_carrier_responses_total", route="fr", carrier="c2", status="ESME_ROK")
                == 2
            )
            assert value(gw, "smppgw_route_failovers_total", route="fr") == 2
            assert value(gw, "smppgw_route_submit_latency_seconds_count", route="fr", carrier="c1") == 6
            assert value(gw, "smppgw_sender_rewrites_total", route="fr", by="gateway") == 1

            # A receipt for a transmitter-only client is stored until it binds a receiver.
            assert await c2.send_receipt("3e8", c2.received[0], MessageState.DELIVERED) == 0
            assert await c2.send_receipt("3e9", c2.received[1], MessageState.EXPIRED) == 0
            assert value(gw, "smppgw_receipts_total", route="fr", state="delivered") == 1
            assert value(gw, "smppgw_receipts_total", route="fr", state="expired") == 1
            assert value(gw, "smppgw_receipt_delay_seconds_count", route="fr") == 2
            # The periodic refresh counts them (restarted here with a short interval, not called).
            await gw.gauges.stop()
            gw.gauges.interval = 0.05
            gw.gauges.start()
            await until(lambda: value(gw, "smppgw_pending_deliveries", kind="receipt") == 2)

        await until(lambda: value(gw, "smppgw_binds", account="acme", bind_type="transmitter") == 0)


async def test_timeouts_window_occupancy_and_carrier_throttling(tmp_path: Path) -> None:
    async with two_carriers(tmp_path) as (gw, c1, _c2), bound_esme(gw) as esme:
        c1.hold = True
        held = asyncio.ensure_future(submit(esme))
        await until(lambda: len(c1.received) == 1)
        assert value(gw, "smppgw_carrier_window_occupancy", carrier="c1") == 1
        assert await held == [0]  # c1 timed out after 1 s; c2 took it
        assert value(gw, "smppgw_route_timeouts_total", route="fr", carrier="c1") == 1
        assert value(gw, "smppgw_carrier_window_occupancy", carrier="c1") == 0

        c1.hold = False
        c1.status = CommandStatus.ESME_RTHROTTLED
        throttled = asyncio.ensure_future(submit(esme))
        await until(lambda: len(c1.received) == 2)
        c1.status = CommandStatus.ESME_ROK  # the retry after the 0.3 s back-off is accepted
        assert await throttled == [0]
        assert value(gw, "smppgw_carrier_throttled_total", carrier="c1") == 1
        assert len(c1.received) == 3


async def test_circuit_state_follows_the_route_health(tmp_path: Path) -> None:
    routes = [
        {
            "name": "fr",
            "match": {"prefixes": ["33"]},
            "carriers": ["c1"],
            "min_samples": 2,
            "open_seconds": 0.3,
        }
    ]
    async with two_carriers(tmp_path, routes=routes) as (gw, c1, _), bound_esme(gw) as esme:
        c1.status = CommandStatus.ESME_RSYSERR
        await submit(esme, 2)
        assert value(gw, "smppgw_route_circuit_state", route="fr") == 2  # open
        refreshes = 0

        async def half_open() -> bool:
            nonlocal refreshes
            refreshes += 1
            await gw.gauges.refresh()  # nobody submits: the refresh is what notices the time has come
            return value(gw, "smppgw_route_circuit_state", route="fr") == 1

        async with asyncio.timeout(5):
            while not await half_open():
                await asyncio.sleep(0.05)
        assert refreshes > 1


# -- bounded label sets --------------------------------------------------------------------------

STATUS = re.compile(r"^(ESME_\w+|vendor_0x4[0-9a-f]{2}|other)$")
DIGIT_RUN = re.compile(r"\d{6,}")


def allowed_values(config: GatewayConfig) -> dict[str, set[str]]:
    return {
        "account": {account.system_id for account in config.accounts},
        "route": {route.name for route in config.routes} | {"unknown"},
        "carrier": {c.name for c in config.carriers},
        "bind_type": {b.value for b in BindType},
        "state": {s.name.lower() for s in MessageState},
        "kind": {"receipt", "mo"},
        "by": {"gateway", "carrier"},
        "rule": set(RULE_IDS),
    }


def series(gw: Gateway) -> set[tuple[str, tuple[tuple[str, str], ...]]]:
    return {
        (sample.name, tuple(sorted(sample.labels.items())))
        for family in gw.metrics.registry.collect()
        for sample in family.samples
    }


def assert_bounded(gw: Gateway, secrets: set[str]) -> None:
    allowed = allowed_values(gw.config)
    for name, labels in series(gw):
        for label, text in labels:
            if label in ("le", "quantile"):
                continue
            where = f"{name}{{{label}={text!r}}}"
            if label in allowed:
                assert text in allowed[label], where
            elif label == "status":
                assert STATUS.match(text), where
            else:
                assert len(text) <= 32, where
            assert not DIGIT_RUN.search(text), f"{where} looks like a number"
            assert text not in secrets, f"{where} is a message id"


async def test_label_sets_stay_bounded_whatever_the_traffic(tmp_path: Path) -> None:
    async with two_carriers(tmp_path) as (gw, c1, c2), bound_esme(gw, "transceiver") as esme:
        ids: set[str] = set()

        async def traffic(first: int, count: int) -> None:
            for n in range(first, first + count):
                result = await asyncio.to_thread(esme.submit, f"code {n}", destination_addr=f"3361234{n:04d}")
                ids.add(result.message_id)
            await asyncio.to_thread(
                esme.submit, "x", source_addr="PAYPAL", destination_addr=f"3369999{first:04d}"
            )
            await c1.send_receipt(f"{first:x}ffff", c1.received[-1], MessageState.DELIVERED)  # unknown id

        await traffic(0, 3)
        before = series(gw)
        await traffic(100, 6)
        c1.status = CommandStatus.ESME_RSYSERR
        await traffic(200, 3)
        c1.status = CommandStatus.ESME_ROK
        after = series(gw)
        new = {name for name, labels in after - before}
        # More messages to more numbers add no series; only the new carrier status and the failovers do.
        assert new <= {"smppgw_route_carrier_responses_total", "smppgw_route_carrier_responses_created"}
        ids |= {f"{n:x}" for n in range(1000, 1000 + len(c1.received) + len(c2.received))}
        assert_bounded(gw, ids - {""})


class FailingWriter:
    async def run_read(self, fn: object) -> object:
        raise StoreUnavailable("disk I/O error")


class FailingStore:
    writer = FailingWriter()


async def test_a_failing_store_keeps_the_last_pending_count_and_warns_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config = gateway_config(tmp_path, {"c1": 2776})
    metrics = Metrics()
    routes = RouteTable.from_config(config.routes, config.carriers)
    store: Any = FailingStore()
    gauges = StateGauges(metrics, config=lambda: config, routes=lambda: routes, pools={}, store=store)
    metrics.pending_deliveries.labels("receipt").set(7)
    with caplog.at_level(logging.WARNING, logger="smpp_gateway.gauges"):
        await gauges.refresh()
        await gauges.refresh()
    assert metrics.registry.get_sample_value("smppgw_pending_deliveries", {"kind": "receipt"}) == 7
    assert metrics.registry.get_sample_value("smppgw_route_circuit_state", {"route": "fr"}) == 0
    assert [record.getMessage() for record in caplog.records] == [
        "pending deliveries gauge not refreshed: disk I/O error"
    ]
