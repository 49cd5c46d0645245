"""Opt-out lists managed by an operator: the JSON API of the running gateway and the CLI over it.

MO "STOP"/"START" replies update the lists by themselves (policy.on_mo_keyword); an operator adds or
removes entries here (a complaint by phone, a number returned to the operator). The running gateway
owns the lists (in memory, written through to the store), so the CLI talks to it over HTTP rather than
writing the store behind its back.

API: ``GET /api/v1/opt-outs[?account=A]``; ``POST`` and ``DELETE /api/v1/opt-outs`` with
``{"number": "+33612345678", "account": "demo", "sender": null}`` (bearer token). A sender of null
stops every sender of the account.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, TextIO

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .api import authorized, json_body, json_error

if TYPE_CHECKING:
    from .gateway import Gateway

GATEWAY_KEY: web.AppKey[Gateway] = web.AppKey("optouts_gateway")
PATH = "/api/v1/opt-outs"


class OptOutRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    number: str = Field(pattern=r"^\+?\d{6,15}$", description="E.164, with or without '+'")
    account: str = Field(min_length=1, max_length=15)
    sender: str | None = Field(None, min_length=1, max_length=20)


def add_routes(app: web.Application, gateway: Gateway) -> None:
    app[GATEWAY_KEY] = gateway
    app.router.add_get(PATH, _list)
    app.router.add_post(PATH, authorized(_add))
    app.router.add_delete(PATH, authorized(_remove))


async def _entry(request: web.Request) -> OptOutRequest:
    try:
        entry = OptOutRequest.model_validate(await json_body(request))
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, p['loc'])) or 'body'}: {p['msg']}" for p in error.errors())
        raise json_error(web.HTTPBadRequest, problems) from None
    if request.app[GATEWAY_KEY].config.account(entry.account) is None:
        raise json_error(web.HTTPNotFound, f"unknown account {entry.account!r}")
    return entry


async def _list(request: web.Request) -> web.StreamResponse:
    entries = request.app[GATEWAY_KEY].policy.state.optouts.list(request.query.get("account"))
    return web.json_response(
        [{"number": entry.msisdn, "account": entry.account, "sender": entry.sender} for entry in entries]
    )


async def _add(request: web.Request) -> web.StreamResponse:
    entry = await _entry(request)
    gateway = request.app[GATEWAY_KEY]
    gateway.policy.state.optouts.add(entry.number, entry.account, entry.sender)
    gateway.store.add_opt_out(entry.number.lstrip("+"), entry.account, entry.sender or "", origin="operator")
    await gateway.store.durable()
    return web.json_response({"added": entry.model_dump()}, status=201)


async def _remove(request: web.Request) -> web.StreamResponse:
    entry = await _entry(request)
    gateway = request.app[GATEWAY_KEY]
    found = gateway.policy.state.optouts.remove(entry.number, entry.account, entry.sender)
    gateway.store.remove_opt_out(entry.number.lstrip("+"), entry.account, entry.sender or "")
    await gateway.store.durable()
    return web.json_response({"removed": entry.model_dump(), "was_listed": found})


def run_optout(action: str, base_url: str, token: str, body: dict[str, Any], out: TextIO) -> int:
    """The `smpp-gateway optout` command: 0 done, 2 refused or unreachable (ReportError raised)."""
    from .routetest.cli import GatewayApi

    api = GatewayApi(base_url, token)
    if action == "list":
        query = f"?account={body['account']}" if body.get("account") else ""
        result = api.call("GET", PATH + query)
    else:
        result = api.call("POST" if action == "add" else "DELETE", PATH, body)
    out.write(json.dumps(result, indent=2) + "\n")
    return 0
