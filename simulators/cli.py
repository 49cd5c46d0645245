"""The `smpp-sim` command: argument parsing and logging set-up only.

smpp-sim carriers -c config/simulators.yaml     simulated carriers + handset panel, until Ctrl-C
smpp-sim handsets [--url U] [--msisdn N]        what the handsets received (JSON)
smpp-sim mo --carrier C --from N --to S TEXT    inject one MO message through a running carrier
smpp-sim load --host H --port P ...             ESME load generator (--json for one JSON object)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import signal
import sys
import urllib.error
import urllib.request
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from typing import Any, TypeVar

from smpp_gateway.heap import settle_heap

DEFAULT_CONFIG = Path("config/simulators.yaml")
DEFAULT_PANEL = "http://127.0.0.1:8081"
LOG_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"
T = TypeVar("T")
# The collector's generation-0 threshold once a simulator runs. At the default (700 allocations) a
# carrier at full speed collects every few dozen messages and walks the receipts it holds (up to
# half a second's worth) each time; its hot path makes almost no reference cycles.
RUNNING_GC_THRESHOLD = (50_000, 20, 100)


def run_async(main: Coroutine[Any, Any, T]) -> T:
    """Run on uvloop when it is installed (it roughly doubles what one process can push)."""
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop is a dependency on every supported platform
        return asyncio.run(main)
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(main)


def _cmd_carriers(args: argparse.Namespace) -> int:
    from .config import ConfigError, load

    try:
        config = load(args.config)
    except ConfigError as error:
        print(error, file=sys.stderr)
        return 2
    return run_async(_serve(config))


async def _serve(config: Any) -> int:
    from .runtime import run_carriers

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    async with run_carriers(config) as sims:
        print(json.dumps({"carriers": sims.ports, "panel": sims.http_port}), flush=True)
        settle_heap(RUNNING_GC_THRESHOLD)
        await stop.wait()
    return 0


def _http(url: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def _cmd_handsets(args: argparse.Namespace) -> int:
    url = f"{args.url.rstrip('/')}/api/handsets" + (f"/{args.msisdn}" if args.msisdn else "")
    try:
        status, body = _http(url)
    except (urllib.error.URLError, OSError) as error:
        print(f"{url}: {error}", file=sys.stderr)
        return 1
    print(json.dumps(body, indent=2, ensure_ascii=False))
    return 0 if status == 200 else 1


def _cmd_mo(args: argparse.Namespace) -> int:
    body = {"carrier": args.carrier, "from": args.source, "to": args.to, "text": args.text}
    if args.system_id:
        body["system_id"] = args.system_id
    url = f"{args.url.rstrip('/')}/api/mo"
    try:
        status, answer = _http(url, body)
    except (urllib.error.URLError, OSError) as error:
        print(f"{url}: {error}", file=sys.stderr)
        return 1
    print(json.dumps(answer))
    return 0 if status == 202 else 1


def _cmd_load(args: argparse.Namespace) -> int:
    from .loadgen import LoadOptions, run_load
    from .loadmix import Mix

    mix = Mix(
        source=args.source,
        to=args.to,
        text=args.text,
        registered_delivery=args.registered_delivery,
        ucs2_share=args.ucs2_share,
        long_share=args.long_share,
        unique=args.unique,
    )
    options = LoadOptions(
        host=args.host,
        port=args.port,
        system_id=args.system_id,
        password=args.password,
        binds=args.binds,
        window=args.window,
        count=args.count,
        duration=args.duration,
        rate=args.rate,
        mix=mix,
        receipt_wait=args.receipt_wait,
        deadline=args.deadline,
    )
    settle_heap(RUNNING_GC_THRESHOLD)
    result = run_async(run_load(options))
    summary = result.to_json()
    if args.json:
        print(json.dumps(summary))
    else:
        print(_plain(summary))
    return 0 if result.binds else 1


def _plain(summary: dict[str, Any]) -> str:
    latency = summary["latency_ms"]
    lines = [
        f"binds        {summary['binds']} up"
        + (f", errors {summary['bind_errors']}" if summary["bind_errors"] else ""),
        f"messages     {summary['messages']} ({summary['sent']} submit_sm)",
        f"accepted     {summary['accepted']}",
        f"rejected     {sum(summary['rejected'].values())} {summary['rejected'] or ''}".rstrip(),
        f"timeouts     {summary['timeouts']}, unanswered {summary['unanswered']}",
        f"throughput   {summary['msgs_per_s']:.0f} msgs/s",
        f"latency ms   p50 {latency['p50']:.2f}  p99 {latency['p99']:.2f}  max {latency['max']:.2f}",
        f"receipts     {summary['receipts']} {summary['receipt_states'] or ''}".rstrip(),
        f"elapsed      {summary['elapsed_s']:.2f} s",
    ]
    return "\n".join(lines)


def _share(value: str) -> float:
    share = float(value)
    if not 0.0 <= share <= 1.0:
        raise argparse.ArgumentTypeError("a share is between 0 and 1")
    return share


def _positive_int(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number


def _positive_float(value: str) -> float:
    number = float(value)
    if number <= 0:
        raise argparse.ArgumentTypeError("must be positive")
    return number


def _add_load(sub: Any) -> None:
    load = sub.add_parser("load", help="ESME load generator")
    load.add_argument("--host", default="127.0.0.1")
    load.add_argument("--port", type=int, required=True)
    load.add_argument("--system-id", required=True)
    load.add_argument("--password", required=True)
    load.add_argument("--binds", type=_positive_int, default=1)
    load.add_argument("--window", type=_positive_int, default=10, help="outstanding submits per bind")
    limit = load.add_mutually_exclusive_group()
    limit.add_argument("--count", type=_positive_int, help="messages to send (default 1000)")
    limit.add_argument("--duration", type=_positive_float, help="seconds of sending")
    load.add_argument("--rate", type=_positive_float, help="messages per second, all binds together")
    load.add_argument("--source", default="ACME")
    load.add_argument("--to", default="33612345678", help="a number, or a prefix completed per message")
    load.add_argument("--text", default="Load test message")
    load.add_argument("--registered-delivery", action="store_true", help="ask for receipts (binds TRX)")
    load.add_argument("--ucs2-share", type=_share, default=0.0)
    load.add_argument("--long-share", type=_share, default=0.0, help="share of multi-part messages")
    load.add_argument("--unique", action="store_true", help="a distinct text per message")
    load.add_argument("--receipt-wait", type=float, default=10.0, help="seconds to wait for receipts")
    load.add_argument("--deadline", type=_positive_float, default=300.0, help="hard limit for the run")
    load.add_argument("--json", action="store_true", help="print one JSON object")
    load.set_defaults(handler=_cmd_load)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="smpp-sim", description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--log-level", default="warning", choices=["debug", "info", "warning", "error"])
    sub = parser.add_subparsers(dest="command", required=True)
    carriers = sub.add_parser("carriers", help="run the simulated carriers and the handset panel")
    carriers.add_argument("-c", "--config", type=Path, default=DEFAULT_CONFIG)
    carriers.set_defaults(handler=_cmd_carriers)
    handsets = sub.add_parser("handsets", help="what the simulated handsets received")
    handsets.add_argument("--url", default=DEFAULT_PANEL)
    handsets.add_argument("--msisdn")
    handsets.set_defaults(handler=_cmd_handsets)
    mo = sub.add_parser("mo", help="inject one MO message")
    mo.add_argument("--url", default=DEFAULT_PANEL)
    mo.add_argument("--carrier", required=True)
    mo.add_argument("--from", dest="source", required=True, help="the handset's number")
    mo.add_argument("--to", required=True, help="short code or number written to")
    mo.add_argument("--system-id", help="ESME account to deliver to (default: the carrier's first)")
    mo.add_argument("text")
    mo.set_defaults(handler=_cmd_mo)
    _add_load(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), format=LOG_FORMAT, stream=sys.stderr)
    handler: Callable[[argparse.Namespace], int] = args.handler
    return handler(args)
