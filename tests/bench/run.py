"""`make bench`: every benchmark, each in its own process, results printed and saved as JSON.

Each module under tests/bench/ that takes part is run as `python -m tests.bench.<name> --json` and must
print one JSON document on its last line. The combined results go to var/bench/results.json so runs
can be compared (docs/benchmarks.md records the figures with the command and the date).
`--soak` runs the 10-minute end-to-end soak instead (`make soak`).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

DEFAULT = (
    "bench_codec",
    "bench_text",
    "bench_routing",
    "bench_checks",
    "bench_store",
    "bench_simulator",
    "bench_submit_path",
    "bench_receipt_path",
    "bench_gateway",
    "bench_memory",
    "bench_instructions",
)
RESULTS = Path("var/bench/results.json")


def _run(name: str, extra: list[str]) -> dict[str, object]:
    module = Path(__file__).with_name(f"{name}.py")
    if not module.exists():
        return {"skipped": "not present"}
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", f"tests.bench.{name}", "--json", *extra],
        capture_output=True,
        text=True,
        timeout=3600,
    )
    elapsed = time.monotonic() - started
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-5:], "seconds": elapsed}
    lines = [line for line in done.stdout.strip().splitlines() if line.startswith("{")]
    if not lines:
        return {"error": "no JSON line in the output", "seconds": elapsed}
    result: dict[str, object] = json.loads(lines[-1])
    result["seconds"] = round(elapsed, 1)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make bench", description=__doc__)
    parser.add_argument("--only", nargs="*", help="benchmark module names (default: all)")
    parser.add_argument("--soak", action="store_true", help="run the 10-minute end-to-end soak")
    args = parser.parse_args(argv)
    names = ["bench_gateway"] if args.soak else (args.only or list(DEFAULT))
    extra = ["--soak"] if args.soak else []
    report: dict[str, object] = {
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "results": {},
    }
    results: dict[str, object] = {}
    for name in names:
        print(f"== {name}", flush=True)
        results[name] = _run(name, extra)
        print(json.dumps(results[name], indent=2), flush=True)
    report["results"] = results
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2))
    print(f"saved {RESULTS}")
    failed = [name for name, result in results.items() if isinstance(result, dict) and "error" in result]
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
