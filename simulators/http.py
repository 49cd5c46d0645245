"""The simulators' HTTP API (aiohttp), served beside the handset panel.

Contract (tools and acceptance checks rely on it; docs/simulators.md):
  GET  /healthz                      {"status": "ok"}
  GET  /api/handsets                 every delivery kept, oldest first: [{msisdn, sender, text,
                                     received_at, carrier, message_ids}, ...]  (?carrier=NAME filters)
  GET  /api/handsets/{msisdn}        that number's deliveries, same shape
  DELETE /api/handsets               forget the history (between test runs)
  POST /api/mo                       {"carrier", "from", "to", "text", ["system_id"]} -> 202 {"parts": n}
  GET  /api/carriers                 per carrier: port, binds, submit outcomes, fates, receipts, queues
  POST /api/carriers/{name}/outage   {"refuse_binds", "black_hole", "drop_every", "drop_now"} -> 200
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from aiohttp import web
from pydantic import ValidationError

from .config import Outage
from .handsets import HandsetPanel
from .smsc import CarrierSimulator

PANEL_KEY = web.AppKey("panel", HandsetPanel)
CARRIERS_KEY = web.AppKey("carriers", dict[str, CarrierSimulator])


def build_app(panel: HandsetPanel, carriers: Mapping[str, CarrierSimulator]) -> web.Application:
    app = web.Application()
    app[PANEL_KEY] = panel
    app[CARRIERS_KEY] = dict(carriers)
    app.router.add_get("/healthz", _healthz)
    app.router.add_get("/api/handsets", _handsets)
    app.router.add_delete("/api/handsets", _clear)
    app.router.add_get("/api/handsets/{msisdn}", _handset)
    app.router.add_post("/api/mo", _mo)
    app.router.add_get("/api/carriers", _carriers)
    app.router.add_post("/api/carriers/{name}/outage", _outage)
    return app


async def _healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def _handsets(request: web.Request) -> web.Response:
    carrier = request.query.get("carrier")
    deliveries = request.app[PANEL_KEY].deliveries(carrier=carrier)
    return web.json_response([item.to_json() for item in deliveries])


async def _handset(request: web.Request) -> web.Response:
    deliveries = request.app[PANEL_KEY].deliveries(msisdn=request.match_info["msisdn"])
    return web.json_response([item.to_json() for item in deliveries])


async def _clear(request: web.Request) -> web.Response:
    request.app[PANEL_KEY].clear()
    return web.json_response({"cleared": True})


async def _json_object(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        raise _bad("the body must be a JSON object") from None
    if not isinstance(body, dict):
        raise _bad("the body must be a JSON object")
    return body


def _bad(detail: str, status: int = 400) -> web.HTTPException:
    error_class = web.HTTPNotFound if status == 404 else web.HTTPBadRequest
    return error_class(text=json.dumps({"error": detail}), content_type="application/json")


def _carrier(request: web.Request, name: object) -> CarrierSimulator:
    carriers = request.app[CARRIERS_KEY]
    if not isinstance(name, str) or name not in carriers:
        raise _bad(f"no carrier {name!r} (known: {', '.join(carriers)})", 404)
    return carriers[name]


async def _mo(request: web.Request) -> web.Response:
    body = await _json_object(request)
    carrier = _carrier(request, body.get("carrier"))
    fields = [body.get(key) for key in ("from", "to", "text")]
    system_id = body.get("system_id")
    if not all(isinstance(value, str) and value for value in fields):
        raise _bad('"from", "to" and "text" must be non-empty strings')
    if system_id is not None and not isinstance(system_id, str):
        raise _bad('"system_id" must be a string')
    source, destination, text = (str(value) for value in fields)
    try:
        parts = carrier.inject_mo(source, destination, text, system_id)
    except ValueError as error:
        raise _bad(str(error)) from None
    return web.json_response({"parts": parts}, status=202)


async def _carriers(request: web.Request) -> web.Response:
    return web.json_response([carrier.stats() for carrier in request.app[CARRIERS_KEY].values()])


async def _outage(request: web.Request) -> web.Response:
    carrier = _carrier(request, request.match_info["name"])
    body = await _json_object(request)
    drop_now = body.pop("drop_now", False)
    try:
        outage = Outage.model_validate(body)
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, p['loc']))}: {p['msg']}" for p in error.errors())
        raise _bad(problems) from None
    carrier.set_outage(outage)
    if drop_now:
        carrier.drop_connections()
    return web.json_response(outage.model_dump())
