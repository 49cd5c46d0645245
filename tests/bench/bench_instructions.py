"""The gateway's CPU instructions per message, counted by valgrind: the steady figure of the benchmarks.

    .venv/bin/python -m tests.bench.bench_instructions [--messages N] [--json]

Wall-clock rates on a shared 2-vCPU machine move by a third between identical runs; the number of
instructions the gateway executes for a message does not (identical runs agree within 0.01%). The
gateway runs under ``valgrind --tool=cachegrind`` (about 50 times slower), with its shipped
configuration as in ``bench_gateway`` (every check, records, metrics), behind a native `direct`
simulator carrier and load generator (4 binds, window 100, unique texts, sequential destinations).
Two runs send N and 2N messages; their difference divided by N is the cost of a message, start-up,
binds and shutdown cancelling out. Every thread of the gateway counts (the store writer's SQLite work
too), so it is the whole process's CPU work per message, not the event loop's share.

Submits only, no receipts, for now. (The first runs with receipts lost 13 and 25 of 4,000: at this
speed receipts overtook their submit's answer and were dropped as unknown, a gateway bug since fixed,
see GatewayStore.forward_started.)
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from .bench_gateway import gateway_config, simulator_config
from .processes import ROOT, free_port, started

VALGRIND_TIMEOUT = 600.0  # to start or to stop under valgrind (~30 s each on this machine)


def count_instructions(messages: int) -> int:
    """Instructions the gateway process executed to start, carry ``messages`` and stop."""
    with tempfile.TemporaryDirectory(prefix="smppgw-instr-") as name:
        tmp = Path(name)
        sim_port, panel, gw_port, http = free_port(), free_port(), free_port(), free_port()
        simulators = simulator_config(tmp, sim_port, panel, receipts=False)
        command = [sys.executable, "-m", "simulators", "carriers", "-c", str(simulators)]
        with started(command, sim_port, tmp / "sim.log"):
            config = gateway_config(tmp, gw_port, http, sim_port)
            log = tmp / "gateway.log"
            under_valgrind = [
                "valgrind",
                "--tool=cachegrind",
                "--cache-sim=no",
                f"--cachegrind-out-file={tmp / 'cachegrind.out'}",
                *(sys.executable, "-m", "smpp_gateway", "run", "-c", str(config)),
            ]
            env = {**os.environ, "PYTHONHASHSEED": "0"}  # the same dict layouts every run
            with started(under_valgrind, gw_port, log, start_timeout=VALGRIND_TIMEOUT, env=env) as gateway:
                _load(gw_port, messages)
                gateway.send_signal(signal.SIGTERM)  # valgrind writes its count as the gateway exits
                gateway.wait(timeout=VALGRIND_TIMEOUT)
            found = re.search(r"I\s+refs:\s+([\d,]+)", log.read_text(errors="replace"))
            if found is None:
                raise RuntimeError(f"no instruction count in the gateway's output (see {log})")
            return int(found.group(1).replace(",", ""))


def _load(port: int, messages: int) -> None:
    command = [
        sys.executable, "-m", "simulators", "load", "--host", "127.0.0.1", "--port", str(port),
        "--system-id", "demo", "--password", "demopass", "--binds", "4", "--window", "100",
        "--count", str(messages), "--unique", "--to", "3361", "--source", "ACME", "--json",
        "--deadline", "3000",
    ]  # fmt: skip
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=3600)
    if done.returncode != 0:
        raise RuntimeError(f"load generator failed: {done.stderr[-2000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    if result["accepted"] != messages:
        raise RuntimeError(f"not every message went through: {result}")
    time.sleep(2)  # the last records reach the store before the gateway is stopped


def measure(messages: int) -> dict[str, Any]:
    single = count_instructions(messages)
    double = count_instructions(2 * messages)
    return {
        "messages": messages,
        "instructions_per_message": round((double - single) / messages),
        "instructions": {"n": single, "2n": double},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=4000, help="N: the runs send N and 2N")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if shutil.which("valgrind") is None:  # make bench installs it where it can (bench-deps)
        reason = "valgrind is not installed (apt-get install valgrind)"
        print(json.dumps({"skipped": reason}) if args.json else f"{reason}: nothing measured")
        return 0
    result = measure(args.messages)
    if args.json:
        print(json.dumps(result))
    else:
        print(f"{result['instructions_per_message']:,} gateway instructions per message")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
