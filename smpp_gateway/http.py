"""The gateway's HTTP port: /metrics, /healthz and the JSON API.

Prometheus exposition of a large registry takes milliseconds; it runs in a worker thread so a scrape
never stalls SMPP traffic on the event loop.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from . import optouts
from .routetest import http as routetest_http

if TYPE_CHECKING:
    from .gateway import Gateway

log = logging.getLogger(__name__)

GATEWAY_KEY: web.AppKey[Gateway] = web.AppKey("gateway")


class HttpServer:
    def __init__(self, gateway: Gateway) -> None:
        self.gateway = gateway
        self.app = build_app(gateway)
        self._runner: web.AppRunner | None = None
        self.port = 0

    async def start(self) -> None:
        config = self.gateway.config.http
        self._runner = web.AppRunner(self.app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, config.host, config.port)
        await site.start()
        # aiohttp exposes the bound port nowhere else; under uvloop the server is uvloop's own class.
        server: Any = site._server
        self.port = int(server.sockets[0].getsockname()[1])
        log.info("HTTP listening on http://%s:%d", config.host, self.port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


def build_app(gateway: Gateway) -> web.Application:
    app = web.Application(client_max_size=1024 * 1024)
    app[GATEWAY_KEY] = gateway
    app.router.add_get("/metrics", _metrics)
    app.router.add_get("/healthz", _healthz)
    app.router.add_get("/api/v1/status", _status)
    app.router.add_get("/api/v1/messages/{gateway_id}", _message)
    routetest_http.add_routes(app, gateway.route_tests, lambda: gateway.config.http.api_token)
    optouts.add_routes(app, gateway)
    return app


def _gateway(request: web.Request) -> Gateway:
    return request.app[GATEWAY_KEY]


async def _metrics(request: web.Request) -> web.Response:
    registry = _gateway(request).metrics.registry
    body = await asyncio.to_thread(generate_latest, registry)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


def status_document(gateway: Gateway) -> dict[str, Any]:
    carriers = {
        name: {
            "bound": pool.bound_count,
            "binds": len(pool.binds),
            "in_flight": pool.in_flight,
            "states": [bind.state.value for bind in pool.binds],
        }
        for name, pool in gateway.pools.items()
    }
    binds: dict[str, dict[str, int]] = {}
    for client in gateway.clients.registry.all():
        per_account = binds.setdefault(client.account.system_id, {})
        per_account[client.bind_type.value] = per_account.get(client.bind_type.value, 0) + 1
    return {
        "store_healthy": gateway.store.healthy,
        "carriers": carriers,
        "binds": binds,
        "routes": {
            name: state.name.lower()
            for name, state in gateway.routes.circuit_states(asyncio.get_running_loop().time()).items()
        },
    }


async def _healthz(request: web.Request) -> web.Response:
    gateway = _gateway(request)
    document = status_document(gateway)
    healthy = gateway.store.healthy and any(pool.up for pool in gateway.pools.values())
    document["status"] = "ok" if healthy else "degraded"
    return web.json_response(document, status=200 if healthy else 503)


async def _status(request: web.Request) -> web.Response:
    return web.json_response(status_document(_gateway(request)))


async def _message(request: web.Request) -> web.Response:
    gateway = _gateway(request)
    story = await gateway.store.story(request.match_info["gateway_id"])
    if story is None:
        raise web.HTTPNotFound(text='{"error": "unknown message id"}', content_type="application/json")
    return web.json_response(story)
