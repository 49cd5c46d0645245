"""End-to-end benchmark: load generator -> gateway -> `direct` simulator carrier, three processes.

Each scenario starts a fresh simulator (one `direct` carrier) and a fresh gateway (the shipped
defaults: every check on, records and metrics on, SQLite store in a temp dir), runs `smpp-sim load`
against the gateway for a fixed duration, and reads:
- client side: acknowledged msgs/s, p50/p99/max submit latency, receipts (from the load generator),
- carrier side: submits the simulator received (must equal the acknowledged count),
- CPU seconds and peak RSS of each process (/proc).
The `direct` baseline runs the same load straight at the simulator: the gateway's added latency is the
difference. `--json` prints one JSON document (make bench collects it).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .processes import ROOT, free_port, memory_mb, process_usage, started

PASSWORD_HASH = (
    "$argon2id$v=19$m=65536,t=3,p=4$VE6TsK5dlWLqwU+pf+EGtg$rnaxEy4CEo1ZmgcRsUmCcogOS/kLlbSdAboLYfO817U"
)


@dataclass(frozen=True)
class Scenario:
    name: str
    binds: int
    window: int
    duration: float
    receipts: bool = False
    ucs2_share: float = 0.0
    long_share: float = 0.0
    rate: float | None = None
    direct: bool = False  # load straight at the simulator (the baseline)
    extra: dict[str, Any] = field(default_factory=dict)


SCENARIOS = (
    Scenario("latency_1x1", binds=1, window=1, duration=10),
    Scenario("direct_latency_1x1", binds=1, window=1, duration=10, direct=True),
    Scenario("throughput_4x100", binds=4, window=100, duration=20),
    Scenario("direct_throughput_4x100", binds=4, window=100, duration=20, direct=True),
    Scenario("added_latency_10k", binds=4, window=100, duration=15, rate=10_000),
    Scenario("direct_added_latency_10k", binds=4, window=100, duration=15, rate=10_000, direct=True),
    Scenario("binds_64x10", binds=64, window=10, duration=15),
    Scenario("receipts_4x100", binds=4, window=100, duration=15, receipts=True),
    Scenario("mix_ucs2_30_long_10", binds=4, window=100, duration=15, ucs2_share=0.3, long_share=0.1),
)
# A soak runs at a rate the gateway sustains with every receipt delivered (above it, the backlog of
# receipts grows for ten minutes and the run measures that instead of steady state).
SOAK = Scenario("soak_10min", binds=4, window=100, duration=600, receipts=True, rate=1_000)


class RssSampler:
    """The RSS of a process every ``every`` seconds, from a thread, while the block runs."""

    def __init__(self, pid: int, every: float) -> None:
        self.pid = pid
        self.every = every
        self.samples: list[tuple[float, float]] = []  # (seconds since start, MB)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(10)

    def _run(self) -> None:
        started = time.monotonic()
        while True:
            try:
                rss = memory_mb(self.pid)["VmRSS"]
            except (OSError, KeyError):  # the process is gone
                return
            self.samples.append((round(time.monotonic() - started, 1), rss))
            if self._stop.wait(self.every):
                return

    def summary(self, warm_up: float) -> dict[str, Any]:
        """The first and last RSS after ``warm_up`` seconds (caches filled), and the growth between."""
        warm = [mb for at, mb in self.samples if at >= warm_up] or [mb for _, mb in self.samples[-1:]]
        if not warm:
            return {}
        return {
            "after_warm_up_mb": warm[0],
            "end_mb": warm[-1],
            "max_mb": max(mb for _, mb in self.samples),
            "growth_after_warm_up_pct": round(100 * (warm[-1] - warm[0]) / warm[0], 1),
            "samples": self.samples,
        }


def simulator_config(tmp: Path, smpp: int, panel: int, receipts: bool) -> Path:
    behaviour: dict[str, Any] = {} if receipts else {"receipts": {"none_rate": 1.0}}
    document = {
        "seed": 7,
        "carriers": [
            {
                "name": "direct",
                "port": smpp,
                "profile": "direct",
                "behaviour": behaviour,
                "credentials": [{"system_id": "gateway", "password": "gwpass1"}],
            }
        ],
        "handsets": {"host": "127.0.0.1", "port": panel, "history": 1000},
    }
    path = tmp / "simulators.yaml"
    path.write_text(yaml.safe_dump(document))
    return path


def gateway_config(tmp: Path, smpp: int, http: int, carrier: int, max_binds: int = 200) -> Path:
    """The shipped demo configuration, retargeted: same checks, a bench account sized for bulk."""
    document = yaml.safe_load((ROOT / "config/gateway.yaml").read_text())
    document["server"].update({"port": smpp, "tls": None})
    document["http"]["port"] = http
    document["store"]["path"] = str(tmp / "gateway.sqlite")
    demo = next(account for account in document["accounts"] if account["system_id"] == "demo")
    demo.update({"throughput": 1_000_000, "window": 1000, "max_binds": max_binds})
    # The load generator numbers its destinations in sequence (33610000001, 33610000002, ...), which the
    # AIT rules rightly call a run. A bulk account gets thresholds that fit its volume; the rules still
    # run on every message, so their cost is in the figures.
    demo["policy"]["rules"] = {
        "velocity.burst": {"threshold": 100_000_000},
        "velocity.sequential": {"threshold": 100_000_000},
    }
    document["carriers"] = [
        {
            "name": "direct",
            "host": "127.0.0.1",
            "port": carrier,
            "system_id": "gateway",
            "password": "gwpass1",
            "binds": 2,
            "window": 500,
        }
    ]
    document["routes"] = [{"name": "fr-direct", "match": {"prefixes": ["33"]}, "carriers": ["direct"]}]
    document.pop("route_tests", None)
    path = tmp / "gateway.yaml"
    path.write_text(yaml.safe_dump(document))
    return path


def run_load(scenario: Scenario, port: int, system_id: str, password: str) -> dict[str, Any]:
    command = [
        sys.executable,
        "-m",
        "simulators",
        "load",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--system-id",
        system_id,
        "--password",
        password,
        "--binds",
        str(scenario.binds),
        "--window",
        str(scenario.window),
        "--duration",
        str(scenario.duration),
        "--unique",
        "--to",
        "3361",
        "--source",
        "ACME",
        "--json",
        "--deadline",  # the load generator's own hard stop (300 s by default) must not cut a soak short
        str(scenario.duration + 120),
    ]
    if scenario.rate:
        command += ["--rate", str(scenario.rate)]
    if scenario.receipts:
        command += ["--registered-delivery", "--receipt-wait", "10"]
    if scenario.ucs2_share:
        command += ["--ucs2-share", str(scenario.ucs2_share)]
    if scenario.long_share:
        command += ["--long-share", str(scenario.long_share)]
    started_at = time.monotonic()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=scenario.duration + 120)
    if done.returncode != 0:
        raise RuntimeError(f"load generator failed: {done.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    result["wall_s"] = round(time.monotonic() - started_at, 1)
    return result


def carrier_received(panel: int) -> int | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{panel}/api/carriers", timeout=5) as response:
            document = json.load(response)
    except OSError:
        return None
    for carrier in document:
        if carrier.get("name") == "direct":
            return int(carrier.get("submits", {}).get("ESME_ROK", 0))
    return None


def run_scenario(scenario: Scenario) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="smppgw-bench-") as name:
        tmp = Path(name)
        sim_port, panel, gw_port, http = free_port(), free_port(), free_port(), free_port()
        sims = simulator_config(tmp, sim_port, panel, scenario.receipts)
        with started(
            [sys.executable, "-m", "simulators", "carriers", "-c", str(sims)], sim_port, tmp / "sim.log"
        ) as sim:
            if scenario.direct:
                load = run_load(scenario, sim_port, "gateway", "gwpass1")
                return {
                    "load": load,
                    "carrier_received": carrier_received(panel),
                    "simulator": process_usage(sim.pid),
                }
            gw_config = gateway_config(tmp, gw_port, http, sim_port)
            command = [sys.executable, "-m", "smpp_gateway", "run", "-c", str(gw_config)]
            with started(command, gw_port, tmp / "gateway.log") as gateway:
                time.sleep(1.0)  # let the gateway's carrier binds come up before the load starts
                with RssSampler(gateway.pid, every=max(1.0, scenario.duration / 60)) as rss:
                    load = run_load(scenario, gw_port, "demo", "demopass")
                return {
                    "load": load,
                    "carrier_received": carrier_received(panel),
                    "gateway": process_usage(gateway.pid),
                    "simulator": process_usage(sim.pid),
                    "gateway_rss": rss.summary(warm_up=scenario.duration / 5),
                }


def summary(name: str, result: dict[str, Any]) -> str:
    load = result["load"]
    latency = load["latency_ms"]
    return (
        f"{name:28s} {load['msgs_per_s']:>9.0f} msg/s  accepted {load['accepted']:>8}  "
        f"carrier {result.get('carrier_received')!s:>8}  p50 {latency['p50']:>6} p99 {latency['p99']:>6} "
        f"max {latency['max']:>6} ms  receipts {load.get('receipts', 0)}  "
        f"gw {result.get('gateway', {})} rss {_rss_brief(result.get('gateway_rss', {}))}"
    )


def _rss_brief(rss: dict[str, Any]) -> str:
    if not rss:
        return "-"
    return (
        f"{rss['after_warm_up_mb']} -> {rss['end_mb']} MB after warm-up "
        f"({rss['growth_after_warm_up_pct']:+}%), max {rss['max_mb']} MB"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--soak", action="store_true", help="the 10-minute soak only")
    parser.add_argument("--only", nargs="*", help="scenario names")
    args = parser.parse_args(argv)
    scenarios = [SOAK] if args.soak else [s for s in SCENARIOS if not args.only or s.name in args.only]
    results: dict[str, Any] = {}
    for scenario in scenarios:
        results[scenario.name] = run_scenario(scenario)
        print(
            summary(scenario.name, results[scenario.name]),
            file=sys.stderr if args.json else sys.stdout,
            flush=True,
        )
    if args.json:
        print(json.dumps(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
