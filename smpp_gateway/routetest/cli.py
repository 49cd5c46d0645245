"""The route-testing commands: ``smpp-gateway probe`` and ``smpp-gateway report probes``.

``probe`` asks the *running* gateway (the one ``make run`` or ``smpp-gateway run`` started, which owns
the SMPP ports, the carrier binds and the store) to send probes, over its HTTP API with the bearer token
of the config: POST /api/v1/probes, then GET /api/v1/probes/{id} until each is settled. Starting a
second gateway instead would fight the first for its ports, its carrier binds and its store.

``report probes`` reads the store file read-only, like the other reports: it works beside a live
gateway and after it stopped.
"""

from __future__ import annotations

import csv
import io
import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, TextIO

from ..config import GatewayConfig
from ..reports.common import ReportError, iso, load_config, parse_duration
from ..reports.tables import duration_text, percent, render_table
from ..store import probes as q
from .documents import scorecard_document
from .reporting import scorecards_of
from .scorecard import Scorecard
from .storage import connect_read_only

# Exit statuses: 0 every probe settled; 1 some had not settled when --timeout ran out; 2 the command
# could not run (config, gateway unreachable, refused request), like the report commands.
SETTLED, UNSETTLED, FAILED = 0, 1, 2
POLL_INTERVAL = 0.5
# Waiting past the last probe's deadline: its settlement, then the answer to our poll.
DEADLINE_MARGIN = 5.0


class GatewayApi:
    def __init__(self, base_url: str, token: str, timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout

    def call(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base_url + path, data=data, method=method)
        request.add_header("Authorization", f"Bearer {self.token}")
        request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as error:
            raise ReportError(f"{method} {path}: {error.code} {_reason(error)}") from None
        except (urllib.error.URLError, OSError) as error:
            raise ReportError(
                f"cannot reach the gateway at {self.base_url} ({error}): "
                "is it running? (make run, smpp-gateway run)"
            ) from None


def _reason(error: urllib.error.HTTPError) -> str:
    try:
        return str(json.loads(error.read())["error"])
    except (ValueError, KeyError, TypeError):
        return str(error.reason)


def gateway_url(config: GatewayConfig) -> str:
    host = config.http.host
    host = "127.0.0.1" if host in ("0.0.0.0", "", "::") else host  # a wildcard listener: ask it locally
    return f"http://{host}:{config.http.port}"


def run_probe(
    config_path: Path,
    route: str,
    *,
    count: int | None = None,
    timeout: float | None = None,
    fmt: Literal["text", "json"] = "text",
    url: str | None = None,
    out: TextIO,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Send probes through ``route`` on the running gateway; print each as it settles."""
    config = load_config(config_path)
    api = GatewayApi(url or gateway_url(config), config.http.api_token)
    body: dict[str, Any] = {"route": route} if count is None else {"route": route, "count": count}
    probes = api.call("POST", "/api/v1/probes", body)["probes"]
    if timeout is None:
        latest = max(_epoch(p["deadline_at"]) for p in probes)
        timeout = max(1.0, latest - time.time()) + DEADLINE_MARGIN
    if fmt == "text":
        print(
            f"{len(probes)} probe(s) sent through {route}; waiting up to {timeout:.0f} s",
            file=out,
            flush=True,
        )
    waiting = [probe["probe_id"] for probe in probes]
    give_up = clock() + timeout
    while True:
        waiting = _print_settled(api, waiting, fmt, out)
        if not waiting:
            return SETTLED
        if clock() >= give_up:
            if fmt == "text":
                print(
                    f"{len(waiting)} probe(s) not settled after {timeout:.0f} s: {', '.join(waiting)}",
                    file=out,
                )
            return UNSETTLED
        sleep(POLL_INTERVAL)


def _print_settled(api: GatewayApi, waiting: list[str], fmt: str, out: TextIO) -> list[str]:
    """Print the probes of ``waiting`` that are settled now; return the others."""
    still = []
    for probe_id in waiting:
        document = api.call("GET", f"/api/v1/probes/{probe_id}")
        if document["settled"]:
            print(json.dumps(document) if fmt == "json" else probe_line(document), file=out, flush=True)
        else:
            still.append(probe_id)
    return still


def _epoch(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def probe_line(probe: dict[str, Any]) -> str:
    """One settled probe for a terminal: code, number, sender sent -> shown, verdicts, delay, detail."""
    shown = probe["received_sender"] or "-"
    delay = duration_text(probe["handset_delay"])
    notes = [
        str(finding["detail"].get("summary", ""))
        for finding in probe["findings"]
        if finding["verdict"] == "text_modified"
    ]
    line = (
        f"[{probe['code']}] {probe['msisdn']}  {probe['sent_sender']} -> {shown}  "
        f"{', '.join(probe['verdicts'])}  {delay}"
    )
    return line + (f"  ({'; '.join(notes)})" if notes else "")


# --- report probes ---------------------------------------------------------------------------------


def read_scorecards(config: GatewayConfig, since: float, until: float) -> list[Scorecard]:
    path = config.store.path
    if not path.is_file():
        raise ReportError(f"store {path}: no such file (store.path in the config; has the gateway run here?)")
    conn = connect_read_only(path)
    try:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "probes" not in tables:
            raise ReportError(f"store {path}: no route-testing tables (written by an older gateway)")
        probes = q.probes_between(conn, since, until, settled_only=True, limit=1_000_000)
    finally:
        conn.close()
    return scorecards_of(probes, [plan.route for plan in config.route_tests.plans])


def report_probes(
    config_path: Path,
    *,
    since: str = "1h",
    fmt: Literal["table", "json", "csv"] = "table",
    now: float | None = None,
) -> str:
    window = parse_duration(since)
    config = load_config(config_path)
    until = time.time() if now is None else now
    cards = read_scorecards(config, until - window, until)
    if fmt == "json":
        document = {
            "since": iso(until - window),
            "until": iso(until),
            "scorecards": [scorecard_document(c, window) for c in cards],
        }
        return json.dumps(document, indent=2)
    if fmt == "csv":
        return _csv(cards)
    if not cards:
        return f"route testing, last {since}: no probe plans and no probes"
    return f"route testing, last {since} (until {iso(until)})\n" + _table(cards)


_CSV_FIELDS = (
    "route",
    "probes",
    "delivered",
    "delivery_rate",
    "sender_preserved_rate",
    "text_intact_rate",
    "fake_receipt_rate",
    "late_rate",
    "duplicate_rate",
    "handset_delay_p50",
    "handset_delay_p95",
    "submit_latency_p50",
    "submit_latency_p95",
    "score",
    "grade",
)


def _csv(cards: list[Scorecard]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow((*_CSV_FIELDS, "senders_seen"))
    for card in cards:
        values = ["" if getattr(card, name) is None else getattr(card, name) for name in _CSV_FIELDS]
        senders = " ".join(f"{sender}={n}" for sender, n in sorted(card.senders_seen.items()))
        writer.writerow((*values, senders))
    return buffer.getvalue().rstrip("\n")


def _table(cards: list[Scorecard]) -> str:
    header = (
        "route",
        "probes",
        "deliv%",
        "sender%",
        "text%",
        "fake%",
        "delay p50/p95",
        "submit p50/p95",
        "grade",
        "senders seen",
    )
    rows = [
        (
            card.route,
            str(card.probes),
            percent(card.delivery_rate),
            percent(card.sender_preserved_rate),
            percent(card.text_intact_rate),
            percent(card.fake_receipt_rate),
            f"{duration_text(card.handset_delay_p50)}/{duration_text(card.handset_delay_p95)}",
            f"{duration_text(card.submit_latency_p50)}/{duration_text(card.submit_latency_p95)}",
            "-" if card.grade is None else f"{card.grade} ({card.score:.0f})",
            ", ".join(
                f"{sender} x{n}" for sender, n in sorted(card.senders_seen.items(), key=lambda i: -i[1])[:4]
            )
            or "-",
        )
        for card in cards
    ]
    return render_table(header, rows, left=(0, 9))
