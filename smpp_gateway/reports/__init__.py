"""The report commands NOC staff and carrier-relations people use: ``routes explain``, ``report
routes`` and ``report messages``. Each function here is what one cli.py subcommand calls: it takes the
config path and the options, returns the text to print, and raises ``ReportError`` (message and exit
status) for anything the operator must fix. They read, never write: the store is opened read-only
and works beside a running gateway (common.py).
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Literal

from ..config import GatewayConfig
from ..message import MessageClass
from ..store import StoreError
from . import explain as _explain
from . import routes as _routes
from . import story as _story
from .common import NOT_FOUND, ReportError, load_config, open_store, parse_duration
from .routes import RouteRow

__all__ = [
    "ReportError",
    "RouteRow",
    "explain_routes",
    "parse_duration",
    "report_message",
    "report_routes",
    "route_rows",
]

ExplainFormat = Literal["text", "json"]
RoutesFormat = Literal["table", "json", "csv"]
StoryFormat = Literal["text", "json"]


def explain_routes(
    config_path: Path,
    *,
    account: str,
    to: str,
    sender: str,
    message_class: MessageClass | None = None,
    fmt: ExplainFormat = "text",
) -> str:
    config = load_config(config_path)
    found = _explain.explain_message(
        config, account=account, to=to, sender=sender, message_class=message_class
    )
    return _explain.render_json(found) if fmt == "json" else _explain.render_explanation(found)


def route_rows(
    config: GatewayConfig, since: float, until: float, include_probes: bool = False
) -> list[RouteRow]:
    """Per-route KPIs between ``since`` and ``until`` (epoch seconds) from the configured store."""
    store = open_store(config)
    try:
        stats = store.route_report(since, until, include_probes=include_probes)
        rewrites = _routes.carrier_sender_rewrites(config.store.path, since, until)
    except (StoreError, sqlite3.Error) as error:
        raise ReportError(f"store {config.store.path}: cannot read: {error}") from None
    finally:
        store.close()
    return _routes.combine(stats, rewrites)


def report_routes(
    config_path: Path,
    *,
    since: str = "1h",
    fmt: RoutesFormat = "table",
    include_probes: bool = False,
    now: float | None = None,
) -> str:
    window = parse_duration(since)
    config = load_config(config_path)
    until = time.time() if now is None else now
    rows = route_rows(config, until - window, until, include_probes)
    if fmt == "json":
        return _routes.render_json(rows, until - window, until, include_probes)
    if fmt == "csv":
        return _routes.render_csv(rows)
    return _routes.render_text(rows, until - window, until)


def report_message(config_path: Path, *, gateway_id: str, fmt: StoryFormat = "text") -> str:
    config = load_config(config_path)
    store = open_store(config)
    try:
        story = store.message_story(gateway_id.strip())
    except StoreError as error:
        raise ReportError(f"store {config.store.path}: cannot read: {error}") from None
    finally:
        store.close()
    if story is None:
        raise ReportError(f"no message with id {gateway_id!r} in {config.store.path}", NOT_FOUND)
    return _story.render_json(story) if fmt == "json" else _story.render_text(story)
