"""Shared pieces of the gateway's JSON API: bearer-token checks and JSON errors.

Writes need ``Authorization: Bearer <http.api_token>`` (401 otherwise, compared in constant time).
Errors are JSON objects with an ``error`` text, so CLIs can show the gateway's own reason.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

TOKEN_KEY: web.AppKey[Callable[[], str]] = web.AppKey("api_token")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def json_error(status: type[web.HTTPException], message: str, **extra: Any) -> web.HTTPException:
    headers = {"WWW-Authenticate": 'Bearer realm="smpp-gateway"'} if status is web.HTTPUnauthorized else None
    body = json.dumps({"error": message, **extra})
    return status(text=body, content_type="application/json", headers=headers)


def authorized(handler: Handler) -> Handler:
    async def checked(request: web.Request) -> web.StreamResponse:
        header = request.headers.get("Authorization", "")
        scheme, _, given = header.partition(" ")
        expected = request.app[TOKEN_KEY]()
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), expected.encode()):
            raise json_error(web.HTTPUnauthorized, "a valid bearer token is required (http.api_token)")
        return await handler(request)

    return checked


async def json_body(request: web.Request) -> Any:
    try:
        return json.loads(await request.text())
    except ValueError as error:
        raise json_error(web.HTTPBadRequest, f"invalid JSON: {error}") from None
