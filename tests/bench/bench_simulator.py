"""Simulator benchmark: ``python -m tests.bench.bench_simulator [--json] [--duration S]``.

One `direct` carrier (``smpp-sim carriers``) in its own process, driven by the load generator
(``smpp-sim load``) in another, over loopback TCP. Scenarios:
* ``submit``: submit_sm answered, no receipts asked (receipts none_rate 1.0 on the carrier too);
* ``receipts``: registered delivery on every message, the carrier sends every receipt on the
  load generator's transceiver binds;
* ``loadgen``: the load generator against a raw sink answering from precomputed bytes: its own limit.
The figures are the load generator's msgs_per_s (answers per second between the first submit and
the last answer), the CPU seconds each process used (which side was the bottleneck), and the
carrier's messages per CPU-second (its capacity on one free core).
Not a test: targets are read from the numbers (docs/benchmarks.md, "Simulators").
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import resource
import struct
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import yaml

from .processes import ROOT, cpu_seconds, free_port, started


@dataclass(frozen=True)
class Scenario:
    name: str
    receipts: bool
    binds: int = 4
    window: int = 200
    sink: bool = False  # a raw answering machine instead of a carrier: the load generator's own limit


SCENARIOS = (
    Scenario("submit", receipts=False),
    Scenario("receipts", receipts=True),
    Scenario("loadgen", receipts=False, sink=True),
)
HEADER = struct.Struct(">IIII")


class _Sink(asyncio.Protocol):
    """Answers binds, submit_sm, enquire_link and unbind from precomputed bytes, nothing else: costs
    about a microsecond per PDU, so the load generator is what limits the `loadgen` scenario."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)
        self.buffer = bytearray()

    def data_received(self, data: bytes) -> None:
        buffer = self.buffer
        buffer += data
        out, position, close = [], 0, False
        while len(buffer) - position >= 16:
            length, command, _, sequence = HEADER.unpack_from(buffer, position)
            if len(buffer) - position < length:
                break
            position += length
            body = _ANSWERS.get(command)
            if body is not None:
                out.append(HEADER.pack(16 + len(body), command | 0x80000000, 0, sequence) + body)
            close = close or command == 6  # unbind
        del buffer[:position]
        self.transport.write(b"".join(out))
        if close:
            self.transport.close()


_ANSWERS = {1: b"sink\0", 2: b"sink\0", 9: b"sink\0", 4: b"1\0", 6: b"", 0x15: b""}


def serve_sink(port: int) -> None:
    async def serve() -> None:
        server = await asyncio.get_running_loop().create_server(_Sink, "127.0.0.1", port)
        async with server:
            await server.serve_forever()

    asyncio.run(serve())


def carrier_config(tmp: Path, port: int, receipts: bool) -> Path:
    behaviour: dict[str, Any] = {"delivery_delay": 0}
    if not receipts:
        behaviour["receipts"] = {"none_rate": 1.0}
    document = {
        "seed": 1,
        "carriers": [
            {
                "name": "direct",
                "port": port,
                "profile": "direct",
                "behaviour": behaviour,
                "window": 1000,
                "deliver_window": 500,
                "credentials": [{"system_id": "bench", "password": "bench"}],
            }
        ],
        "handsets": {"port": free_port(), "history": 10_000},
    }
    path = tmp / "simulators.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return path


def run_scenario(scenario: Scenario, duration: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="smppsim-bench-") as name:
        port = free_port()
        config = carrier_config(Path(name), port, scenario.receipts)
        command = [sys.executable, "-m", "simulators", "carriers", "-c", str(config)]
        if scenario.sink:
            command = [sys.executable, "-m", "tests.bench.bench_simulator", "--sink", str(port)]
        with started(command, port, Path(name) / "carrier.log") as carrier:
            before = cpu_seconds(carrier.pid)
            load = run_load(scenario, port, duration)
            carrier_cpu = cpu_seconds(carrier.pid) - before
        load["carrier_cpu_s"] = round(carrier_cpu, 2)
        # Messages per CPU-second of the carrier: what one free core would answer. On a shared
        # machine this moves much less than msgs_per_s, which also measures waiting for a core.
        load["carrier_msgs_per_cpu_s"] = round(load["accepted"] / carrier_cpu) if carrier_cpu else None
        return load


def run_load(scenario: Scenario, port: int, duration: float) -> dict[str, Any]:
    command = [
        *(sys.executable, "-m", "simulators", "load", "--port", str(port)),
        *("--system-id", "bench", "--password", "bench", "--binds", str(scenario.binds)),
        *("--window", str(scenario.window), "--duration", str(duration), "--json"),
    ]
    if scenario.receipts:
        command += ["--registered-delivery", "--receipt-wait", "30"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=duration + 120, check=False
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise RuntimeError(f"load generator failed: {done.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    result["loadgen_cpu_s"] = round(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, 2)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds of sending per scenario")
    parser.add_argument("--sink", type=int, help=argparse.SUPPRESS)  # internal: run the sink on this port
    args = parser.parse_args(argv)
    if args.sink:
        serve_sink(args.sink)
        return 0
    results = {scenario.name: run_scenario(scenario, args.duration) for scenario in SCENARIOS}
    report = {"python": platform.python_version(), "duration_s": args.duration, "scenarios": results}
    if args.json:
        print(json.dumps(report))
        return 0
    for name, load in results.items():
        latency = load["latency_ms"]
        if name == "loadgen":
            rate = round(load["sent"] / load["loadgen_cpu_s"]) if load["loadgen_cpu_s"] else None
            print(f"{name:9s} {load['msgs_per_s']:>9.0f} msg/s against a sink  ({rate} msg per cpu-s)")
            continue
        print(
            f"{name:9s} {load['msgs_per_s']:>9.0f} msg/s  accepted {load['accepted']:>8}  "
            f"receipts {load['receipts']:>8}  p50 {latency['p50']} p99 {latency['p99']} ms  "
            f"cpu carrier {load['carrier_cpu_s']} s ({load['carrier_msgs_per_cpu_s']} msg per cpu-s), "
            f"loadgen {load['loadgen_cpu_s']} s"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
