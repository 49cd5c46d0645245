"""Start a real gateway (SMPP + HTTP on 127.0.0.1, any free port, SQLite in a temp dir) for tests."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from smpp_gateway.accounts import hash_password
from smpp_gateway.config import GatewayConfig, parse
from smpp_gateway.gateway import Gateway
from smpp_gateway.http import HttpServer
from smpp_gateway.runtime import running

PASSWORD = "secret1"
PASSWORD_HASH = hash_password(PASSWORD)


def gateway_config(tmp: Path, carriers: dict[str, int], **overrides: Any) -> GatewayConfig:
    """A config with account ``acme`` (password ``secret1``), one carrier per entry of ``carriers``
    (name -> port) and a route for +33 trying them in order."""
    account: dict[str, Any] = {
        "system_id": "acme",
        "password_hash": PASSWORD_HASH,
        "throughput": 10_000,
        "window": 100,
        "owned_numbers": ["36123", "38123"],
        "policy": {"registered_senders": ["ACME", "ACME-FR", "36123", "38123"]},
    }
    account.update(overrides.pop("account", {}))
    document: dict[str, Any] = {
        "server": {"host": "127.0.0.1", "port": 0, "bind_timeout": 5},
        "http": {"host": "127.0.0.1", "port": 0},
        "store": {"path": str(tmp / "gateway.sqlite")},
        "shutdown_grace": 5,
        "submit_deadline": 5,
        "accounts": [account, *overrides.pop("extra_accounts", [])],
        "carriers": [
            {
                "name": name,
                "host": "127.0.0.1",
                "port": port,
                "system_id": "gateway",
                "password": "gwpass1",
                "reconnect_min": 0.05,
                "reconnect_max": 0.5,
                "response_timeout": 2,
            }
            for name, port in carriers.items()
        ],
        "routes": [{"name": "fr", "match": {"prefixes": ["33"]}, "carriers": list(carriers)}],
    }
    document.update(overrides)
    return parse(document, "<test>")


@contextlib.asynccontextmanager
async def running_gateway(config: GatewayConfig, *, wait_carriers: bool = True) -> AsyncIterator[Gateway]:
    async with running(config) as (gateway, _http):
        if wait_carriers:
            for pool in gateway.pools.values():
                for bind in pool.binds:
                    await bind.wait_bound(10)
        yield gateway


def smpp_port(gateway: Gateway) -> int:
    return gateway.server.ports[0]


def http_port(http: HttpServer) -> int:
    return http.port
