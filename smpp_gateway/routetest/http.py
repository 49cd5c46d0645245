"""Route testing on the gateway's HTTP port: the JSON API and the status page.

    POST /api/v1/handset-reports            {msisdn, sender, text, received_at} or a list   (token)
    GET  /api/v1/handset-reports/unmatched  ?limit=50
    POST /api/v1/probes                     {route, count?} -> 201 the probes as sent      (token)
    GET  /api/v1/probes                     ?route=&limit=20 -> the latest probes, newest first
    GET  /api/v1/probes/{probe_id}
    GET  /api/v1/scorecards                 ?window=24h
    GET  /                                  the status page (http_static/, polls the API)

Writes need ``Authorization: Bearer <http.api_token>`` (401 otherwise). A bad body is refused whole
with 400 and the reason (nothing is stored): invalid JSON, unknown or missing fields, wrong types.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Annotated

from aiohttp import web
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from ..api import TOKEN_KEY, authorized, json_body, json_error
from ..reports.common import ReportError, parse_duration
from .documents import probe_document, report_document, scorecard_document
from .tester import IncomingReport, PlanError, RouteTester, UnknownRoute

STATIC = Path(__file__).resolve().parent.parent / "http_static"
# Reports per request: a panel flushing a backlog sends lists; more than this is a client bug.
MAX_REPORTS_PER_REQUEST = 1000
MAX_LIMIT = 500

TESTER_KEY: web.AppKey[RouteTester] = web.AppKey("route_tester")


class _Body(BaseModel):
    # No whitespace stripping: a trailing space the route dropped is a text change to report.
    model_config = ConfigDict(extra="forbid", frozen=True)


class HandsetReportIn(_Body):
    msisdn: str = Field(min_length=6, max_length=20, pattern=r"^\+?[0-9]+$")
    sender: str = Field(min_length=1, max_length=20)
    text: str = Field(max_length=2000)
    received_at: AwareDatetime


class ProbeRunIn(_Body):
    route: str = Field(min_length=1, max_length=64)
    count: int | None = Field(None, ge=1, le=100)


_REPORTS = TypeAdapter(
    HandsetReportIn
    | Annotated[list[HandsetReportIn], Field(min_length=1, max_length=MAX_REPORTS_PER_REQUEST)]
)


def add_routes(app: web.Application, tester: RouteTester, token: Callable[[], str]) -> None:
    app[TESTER_KEY] = tester
    app[TOKEN_KEY] = token
    app.router.add_post("/api/v1/handset-reports", authorized(_post_reports))
    app.router.add_get("/api/v1/handset-reports/unmatched", _unmatched)
    app.router.add_post("/api/v1/probes", authorized(_post_probes))
    app.router.add_get("/api/v1/probes", _probes)
    app.router.add_get("/api/v1/probes/{probe_id}", _probe)
    app.router.add_get("/api/v1/scorecards", _scorecards)
    app.router.add_get("/", _page)
    app.router.add_static("/static/", STATIC, show_index=False)


def _problems(error: ValidationError) -> list[dict[str, str]]:
    return [
        {"field": ".".join(str(part) for part in problem["loc"]) or "(body)", "problem": problem["msg"]}
        for problem in error.errors(include_url=False)
    ]


def _bad_input(error: ValidationError) -> web.HTTPException:
    problems = _problems(error)
    summary = "; ".join(f"{p['field']}: {p['problem']}" for p in problems[:5])
    return json_error(web.HTTPBadRequest, summary, problems=problems)


async def _post_reports(request: web.Request) -> web.StreamResponse:
    body = await json_body(request)
    try:
        parsed = _REPORTS.validate_python(body)
    except ValidationError as error:
        raise _bad_input(error) from None
    items = parsed if isinstance(parsed, list) else [parsed]
    reports = [
        IncomingReport(
            msisdn=item.msisdn.removeprefix("+"),
            sender=item.sender,
            text=item.text,
            received_at=_epoch(item.received_at),
        )
        for item in items
    ]
    stored = await request.app[TESTER_KEY].take_reports(reports)
    matched = sum(1 for record in stored if record.probe_id)
    return web.json_response(
        {
            "received": len(stored),
            "matched": matched,
            "unmatched": len(stored) - matched,
            "reports": [report_document(record) for record in stored],
        }
    )


def _epoch(moment: datetime) -> float:
    return moment.timestamp()


async def _post_probes(request: web.Request) -> web.StreamResponse:
    body = await json_body(request)
    try:
        run = ProbeRunIn.model_validate(body)
    except ValidationError as error:
        raise _bad_input(error) from None
    tester = request.app[TESTER_KEY]
    try:
        probes = await tester.run(run.route, run.count)
    except UnknownRoute as error:
        raise json_error(web.HTTPNotFound, str(error)) from None
    except PlanError as error:
        raise json_error(web.HTTPBadRequest, str(error)) from None
    now = tester.wall_clock()
    return web.json_response({"probes": [probe_document(probe.stored(now)) for probe in probes]}, status=201)


def _limit(request: web.Request, default: int) -> int:
    text = request.query.get("limit", str(default))
    if not text.isdigit() or not 1 <= int(text) <= MAX_LIMIT:
        raise json_error(web.HTTPBadRequest, f"limit: a whole number from 1 to {MAX_LIMIT}")
    return int(text)


async def _probes(request: web.Request) -> web.StreamResponse:
    limit = _limit(request, 20)
    route = request.query.get("route") or None
    probes = await request.app[TESTER_KEY].reporting.latest(route, limit)
    return web.json_response({"probes": [probe_document(probe) for probe in probes]})


async def _probe(request: web.Request) -> web.StreamResponse:
    found = await request.app[TESTER_KEY].reporting.probe(request.match_info["probe_id"])
    if found is None:
        raise json_error(web.HTTPNotFound, "unknown probe id")
    return web.json_response(probe_document(found))


async def _scorecards(request: web.Request) -> web.StreamResponse:
    tester = request.app[TESTER_KEY]
    window = tester.settings.scorecard_window
    if "window" in request.query:
        try:
            window = parse_duration(request.query["window"], "window")
        except ReportError as error:
            raise json_error(web.HTTPBadRequest, str(error)) from None
    cards = await tester.reporting.scorecards(window)
    return web.json_response(
        {"window_seconds": window, "scorecards": [scorecard_document(c, window) for c in cards]}
    )


async def _unmatched(request: web.Request) -> web.StreamResponse:
    reports = await request.app[TESTER_KEY].reporting.unmatched(_limit(request, 50))
    return web.json_response({"reports": [report_document(report) for report in reports]})


async def _page(request: web.Request) -> web.StreamResponse:
    return web.FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})
