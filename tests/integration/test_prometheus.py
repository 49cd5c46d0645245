"""config/prometheus and config/grafana against the real tools: promtool checks the rules, the scrape
config and the alerts' unit tests; a real Prometheus server scrapes a running gateway with known
traffic and answers a per-route query; every dashboard and alert expression is a valid query there
and names only metrics the gateway declares. Tests that need Debian's `prometheus` package skip
without it (`apt-get install prometheus`)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import shutil
import socket
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import yaml
from prometheus_client.metrics import MetricWrapperBase

from smpp_gateway.metrics import Metrics
from smpp_gateway.runtime import running

from .carrier import running_carrier
from .esme import SyncEsme
from .gateway_harness import PASSWORD, gateway_config

ROOT = Path(__file__).resolve().parents[2]
ALERTS = ROOT / "config" / "prometheus" / "alerts.yml"
SCRAPE_CONFIG = ROOT / "config" / "prometheus" / "prometheus.yml"
DASHBOARD = ROOT / "config" / "grafana" / "smpp-gateway.json"
OPERATIONS = ROOT / "docs" / "operations.md"
ALERT_TESTS = Path(__file__).parent / "prometheus" / "alerts_test.yml"
PROMTOOL = shutil.which("promtool")
PROMETHEUS = shutil.which("prometheus")
# Metrics other parts add to metrics.py later but the alerts and the dashboard already use; ``up`` is
# Prometheus's own.
EXPECTED_ELSEWHERE = {"smppgw_probe_verdicts_total", "up"}
METRIC = re.compile(r"\bsmppgw_[a-z0-9_]+\b|\bup(?=\{)")

needs_promtool = pytest.mark.skipif(
    PROMTOOL is None, reason="promtool not installed (apt-get install prometheus)"
)
needs_prometheus = pytest.mark.skipif(
    PROMETHEUS is None, reason="prometheus server not installed (apt-get install prometheus)"
)


def promtool(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    assert PROMTOOL is not None
    return subprocess.run([PROMTOOL, *args], cwd=cwd, capture_output=True, text=True, timeout=30, check=False)


# -- promtool -------------------------------------------------------------------------------------


@needs_promtool
def test_alert_rules_pass_promtool_check() -> None:
    result = promtool("check", "rules", str(ALERTS))
    assert result.returncode == 0, result.stdout + result.stderr


@needs_promtool
def test_scrape_config_passes_promtool_check() -> None:
    result = promtool("check", "config", str(SCRAPE_CONFIG))
    assert result.returncode == 0, result.stdout + result.stderr
    config = yaml.safe_load(SCRAPE_CONFIG.read_text(encoding="utf-8"))
    [job] = config["scrape_configs"]
    assert job["static_configs"][0]["targets"] == ["127.0.0.1:8080"]  # `make run`'s HTTP port
    assert config["rule_files"] == ["alerts.yml"]


@needs_promtool
def test_alerts_fire_on_their_unit_test_series() -> None:
    result = promtool("test", "rules", ALERT_TESTS.name, cwd=ALERT_TESTS.parent)
    assert result.returncode == 0, result.stdout + result.stderr


# -- names: the dashboard and the alerts use the metrics.py contract ---------------------------------


def declared_series() -> set[str]:
    suffixes = {"counter": ("_total",), "gauge": ("",), "histogram": ("_bucket", "_sum", "_count")}
    return {
        family.name + suffix
        for family in Metrics().registry.collect()
        for suffix in suffixes.get(family.type, ("",))
    }


def dashboard_queries() -> list[tuple[str, str]]:
    document = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    return [
        (panel["title"], target["expr"])
        for panel in document["panels"]
        for target in panel.get("targets", ())
    ]


def alert_queries() -> list[tuple[str, str]]:
    document = yaml.safe_load(ALERTS.read_text(encoding="utf-8"))
    return [(rule["alert"], rule["expr"]) for group in document["groups"] for rule in group["rules"]]


def test_dashboard_and_alerts_name_only_declared_metrics() -> None:
    known = declared_series() | EXPECTED_ELSEWHERE
    queries = dashboard_queries() + alert_queries()
    assert len(queries) > 20
    for title, expr in queries:
        used = set(METRIC.findall(expr))
        assert used, f"{title}: no metric found in {expr}"
        assert used <= known, f"{title}: unknown {used - known}"


def test_dashboard_layout_is_sound() -> None:
    document = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    ids = [panel["id"] for panel in document["panels"]]
    assert len(ids) == len(set(ids))
    for panel in document["panels"]:
        grid = panel["gridPos"]
        assert grid["x"] + grid["w"] <= 24, panel["title"]
    titles = " ".join(panel["title"].lower() for panel in document["panels"])
    for topic in (
        "latency",
        "error rate",
        "receipt states",
        "sender rewrites",
        "binds",
        "throughput",
        "connections up",
        "circuit",
        "stored receipts",
    ):
        assert topic in titles, topic
    variables = {variable["name"] for variable in document["templating"]["list"]}
    assert variables == {"datasource", "route", "carrier"}


def documented_metrics() -> dict[str, tuple[str, set[str]]]:
    """The metrics table of docs/operations.md: exposed name -> (type, labels)."""
    rows = re.findall(
        r"^\| `(smppgw_\w+)` \| (\w+) \|\s*([\w, ]*?)\s*\|", OPERATIONS.read_text(encoding="utf-8"), re.M
    )
    return {
        name: (kind, {label.strip() for label in labels.split(",") if label.strip()})
        for name, kind, labels in rows
    }


def test_operations_doc_lists_every_metric_with_its_labels() -> None:
    exposed = {"counter": "_total", "gauge": "", "histogram": ""}
    declared = {
        metric._name + exposed[metric._type]: (metric._type, set(metric._labelnames))
        for metric in vars(Metrics()).values()
        if isinstance(metric, MetricWrapperBase)
    }
    documented = documented_metrics()
    assert {name: documented.get(name) for name in declared} == declared
    # Route testing's metrics are documented here and declared by route testing's own change.
    assert all(name.startswith("smppgw_probe") for name in documented.keys() - declared.keys())


# -- a real Prometheus server ------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@contextlib.asynccontextmanager
async def prometheus_server(tmp_path: Path, target_port: int) -> AsyncIterator[str]:
    """A Prometheus scraping 127.0.0.1:``target_port`` every second, with our alert rules; its URL."""
    assert PROMETHEUS is not None
    config = {
        "global": {"scrape_interval": "1s", "scrape_timeout": "1s", "evaluation_interval": "1s"},
        "rule_files": [str(ALERTS)],
        "scrape_configs": [
            {"job_name": "smpp-gateway", "static_configs": [{"targets": [f"127.0.0.1:{target_port}"]}]}
        ],
    }
    config_file = tmp_path / "prometheus.yml"
    config_file.write_text(yaml.safe_dump(config), encoding="utf-8")
    address = f"127.0.0.1:{free_port()}"
    with (tmp_path / "prometheus.log").open("wb") as log:
        process = await asyncio.create_subprocess_exec(
            PROMETHEUS,
            f"--config.file={config_file}",
            f"--storage.tsdb.path={tmp_path / 'tsdb'}",
            f"--web.listen-address={address}",
            stdout=log,
            stderr=log,
        )
    try:
        yield f"http://{address}"
    finally:
        if process.returncode is None:
            process.terminate()  # this process only, by its PID
            try:
                await asyncio.wait_for(process.wait(), 10)
            except TimeoutError:
                process.kill()
                await process.wait()


async def wait_ready(session: aiohttp.ClientSession, url: str, log: Path) -> None:
    try:
        async with asyncio.timeout(15):
            while True:
                with contextlib.suppress(aiohttp.ClientError):
                    async with session.get(f"{url}/-/ready") as response:
                        if response.status == 200:
                            return
                await asyncio.sleep(0.1)
    except TimeoutError:
        output = await asyncio.to_thread(log.read_text, errors="replace")
        raise AssertionError(f"prometheus not ready after 15 s:\n{output}") from None


async def query(session: aiohttp.ClientSession, url: str, expr: str) -> dict[str, Any]:
    async with session.get(f"{url}/api/v1/query", params={"query": expr}) as response:
        document: dict[str, Any] = await response.json()
    return document


async def wait_value(session: aiohttp.ClientSession, url: str, expr: str, expected: float) -> None:
    """Poll ``expr`` until its single sample equals ``expected`` (bounded: a few scrape intervals)."""
    seen: object = None
    try:
        async with asyncio.timeout(20):
            while True:
                document = await query(session, url, expr)
                result = document["data"]["result"]
                seen = result
                if len(result) == 1 and float(result[0]["value"][1]) == expected:
                    return
                await asyncio.sleep(0.2)
    except TimeoutError:
        raise AssertionError(f"{expr}: expected {expected}, last answer {seen}") from None


def grafana_to_promql(expr: str) -> str:
    """Dashboard variables as Grafana substitutes them with 'All' selected."""
    return expr.replace("$__rate_interval", "1m").replace("$route", ".*").replace("$carrier", ".*")


@needs_prometheus
async def test_prometheus_scrapes_per_route_series_from_a_running_gateway(tmp_path: Path) -> None:
    async with running_carrier() as carrier:
        config = gateway_config(tmp_path, {"c1": carrier.port})
        async with running(config) as (gateway, http):
            esme = SyncEsme("127.0.0.1", gateway.server.ports[0], timeout=10)
            try:
                assert await asyncio.to_thread(esme.bind, "transmitter", "acme", PASSWORD) == 0
                for n in range(3):
                    result = await asyncio.to_thread(esme.submit, f"Votre code est {n}")
                    assert result.status == 0
            finally:
                await asyncio.to_thread(esme.close)
            async with prometheus_server(tmp_path, http.port) as url, aiohttp.ClientSession() as session:
                await wait_ready(session, url, tmp_path / "prometheus.log")
                await wait_value(
                    session,
                    url,
                    'smppgw_route_carrier_responses_total{job="smpp-gateway",route="fr",carrier="c1",'
                    'status="ESME_ROK"}',
                    3,
                )
                await wait_value(session, url, 'smppgw_route_circuit_state{route="fr"}', 0)
                await wait_value(session, url, 'smppgw_carrier_connection_up{carrier="c1"}', 1)
                for title, expr in dashboard_queries() + alert_queries():
                    answer = await query(session, url, grafana_to_promql(expr))
                    assert answer["status"] == "success", f"{title}: {answer}"
                async with session.get(f"{url}/api/v1/rules") as response:
                    rules = await response.json()
                loaded = {rule["name"] for group in rules["data"]["groups"] for rule in group["rules"]}
                assert loaded == {name for name, _ in alert_queries()}
