"""A gateway wired to carrier simulators and their handset panel, for route-testing tests.

The panel reports every delivery to the gateway's POST /api/v1/handset-reports, as the demo does; the
gateway's HTTP port is only known once it listens, so the panel's webhook is attached then.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from simulators.config import SimulatorConfig, Webhook
from simulators.config import parse as parse_simulators
from simulators.handsets import WebhookSender
from simulators.runtime import Simulators, run_carriers
from smpp_gateway.config import GatewayConfig
from smpp_gateway.gateway import Gateway
from smpp_gateway.http import HttpServer
from smpp_gateway.runtime import running

from .gateway_harness import gateway_config

TOKEN = "test-token-123"
# Every grey alteration switched off: a test carrier plants exactly the behaviour it names.
QUIET_GREY: dict[str, Any] = {
    "loss_rate": 0.0,
    "delivery_delay": 0.05,
    "receipts": {"delay": 0.05, "fake_delivered_rate": 0.0},
    "grey": {
        "sender": {"rate": 0.0},
        "text": {
            "strip_accents_rate": 0.0,
            "truncate_rate": 0.0,
            "append_rate": 0.0,
            "link_rewrite_rate": 0.0,
        },
        "late_rate": 0.0,
        "duplicate_rate": 0.0,
    },
}


def merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        merged[key] = (
            merge(merged[key], value)
            if isinstance(merged.get(key), dict) and isinstance(value, dict)
            else value
        )
    return merged


def simulators_config(carriers: dict[str, tuple[str, dict[str, Any]]], seed: int = 7) -> SimulatorConfig:
    """name -> (profile, behaviour override)."""
    return parse_simulators(
        {
            "seed": seed,
            "carriers": [
                {
                    "name": name,
                    "port": 0,
                    "profile": profile,
                    "credentials": [{"system_id": "gateway", "password": "gwpass1"}],
                    "behaviour": behaviour,
                    "enquire_link_interval": None,
                }
                for name, (profile, behaviour) in carriers.items()
            ],
            "handsets": {"host": "127.0.0.1", "port": 0},
        },
        "<test simulators>",
    )


def plan(route: str, texts: list[str], senders: list[str] | None = None, **limits: float) -> dict[str, Any]:
    return {
        "route": route,
        "numbers": ["33612000001", "33612000002"],
        "senders": senders or ["ACME"],
        "texts": texts,
        **limits,
    }


def routed_config(
    tmp: Path, ports: dict[str, int], plans: list[dict[str, Any]], **section: Any
) -> GatewayConfig:
    """One route ``via-<carrier>`` per carrier and the probe plans."""
    return gateway_config(
        tmp,
        ports,
        http={"host": "127.0.0.1", "port": 0, "api_token": TOKEN},
        routes=[{"name": f"via-{name}", "carriers": [name], "test_only": True} for name in ports],
        route_tests={"first_round_after": 0, **section, "plans": plans},
    )


@dataclass
class Bench:
    gateway: Gateway
    http: HttpServer
    simulators: Simulators | None
    client: aiohttp.ClientSession

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http.port}"

    async def call(
        self, method: str, path: str, body: Any = None, token: str | None = TOKEN
    ) -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
        async with self.client.request(method, self.url + path, json=body, headers=headers) as response:
            return response.status, await response.json(content_type=None)

    async def run_probes(self, route: str, count: int | None = None) -> list[str]:
        body: dict[str, Any] = {"route": route} if count is None else {"route": route, "count": count}
        status, document = await self.call("POST", "/api/v1/probes", body)
        assert status == 201, document
        return [probe["probe_id"] for probe in document["probes"]]

    async def settled(self, probe_ids: list[str], timeout: float = 30.0) -> list[dict[str, Any]]:
        """Each probe's document once settled (a bounded poll of the API, as the CLI does)."""
        found: dict[str, dict[str, Any]] = {}
        async with asyncio.timeout(timeout):
            while len(found) < len(probe_ids):
                for probe_id in probe_ids:
                    if probe_id not in found:
                        status, document = await self.call("GET", f"/api/v1/probes/{probe_id}")
                        if status == 200 and document["settled"]:
                            found[probe_id] = document
                await asyncio.sleep(0.1)
        return [found[probe_id] for probe_id in probe_ids]


@contextlib.asynccontextmanager
async def bench(
    tmp: Path,
    carriers: dict[str, tuple[str, dict[str, Any]]],
    make_plans: Callable[[list[str]], list[dict[str, Any]]],
    seed: int = 7,
    **section: Any,
) -> AsyncIterator[Bench]:
    async with run_carriers(simulators_config(carriers, seed), http=False) as sims:
        config = routed_config(tmp, sims.ports, make_plans(list(carriers)), **section)
        async with running(config) as (gateway, http), aiohttp.ClientSession() as client:
            for pool in gateway.pools.values():
                for bind in pool.binds:
                    await bind.wait_bound(10)
            webhook = WebhookSender(
                Webhook(
                    url=f"http://127.0.0.1:{http.port}/api/v1/handset-reports",
                    token=TOKEN,
                    backoff_initial=0.05,
                )
            )
            await webhook.start()
            sims.panel.webhook = webhook
            yield Bench(gateway, http, sims, client)
