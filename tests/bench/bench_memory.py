"""Memory benchmark: gateway RSS with 500 bound clients and 50,000 stored receipts (target <= 200 MB).

    .venv/bin/python -m tests.bench.bench_memory [--clients N] [--receipts N] [--load-seconds S] [--json]

The store is seeded with ``--receipts`` receipts waiting for the bench account (as a previous run
would have left them for a client that is away), the gateway starts on the shipped configuration
(bench_gateway's), ``--clients`` transmitter binds of that account stay bound (so the receipts stay
stored), and then the load generator sends for ``--load-seconds`` to fill the per-message caches
(recent id mappings, check state). RSS is read from /proc at each step; the peak (VmHWM) at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from smpp_gateway.smpp.codec import encode
from smpp_gateway.smpp.constants import CommandStatus, EsmClass
from smpp_gateway.smpp.framing import FrameBuffer
from smpp_gateway.smpp.pdu import BindTransmitter, DeliverSm
from smpp_gateway.store import PendingDelivery, PendingKind
from smpp_gateway.store.sqlite import SqliteStore

from .bench_gateway import Scenario, gateway_config, run_load, simulator_config
from .processes import free_port, memory_mb, started

TARGET_MB = 200.0


def seed_receipts(path: Path, count: int, account: str) -> None:
    """``count`` stored receipts for ``account``, written as the gateway's outbox stores them."""
    store = SqliteStore(path)
    now = time.time()
    try:
        for start in range(0, count, 5000):
            batch = []
            for number in range(start, min(count, start + 5000)):
                text = (
                    f"id:{number:024d} sub:001 dlvrd:001 submit date:2611231000 done date:2611231001 "
                    "stat:DELIVRD err:000 text:"
                )
                receipt = DeliverSm(
                    source_addr=f"336{number:08d}",
                    destination_addr="ACME",
                    esm_class=EsmClass.DELIVERY_RECEIPT,
                    short_message=text.encode(),
                )
                batch.append(
                    PendingDelivery(
                        kind=PendingKind.RECEIPT,
                        account=account,
                        payload=encode(receipt),
                        created_at=now,
                        next_attempt_at=now,
                        expires_at=now + 72 * 3600,
                        gateway_id=f"{number:024d}",
                    )
                )
            store.write(batch)
    finally:
        store.close()


async def bind_clients(port: int, count: int) -> list[asyncio.StreamWriter]:
    """``count`` transmitter binds of the bench account, each kept open; raises if one is refused."""

    async def one(index: int) -> asyncio.StreamWriter:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(encode(BindTransmitter(sequence_number=1, system_id="demo", password="demopass")))
        frames = FrameBuffer()
        async with asyncio.timeout(60):
            while (frame := frames.next_frame()) is None:
                chunk = await reader.read(4096)
                if not chunk:
                    raise ConnectionError(f"client {index}: closed before bind_resp")
                frames.feed(chunk)
        status = int.from_bytes(frame[8:12], "big")
        if status != CommandStatus.ESME_ROK:
            raise ConnectionError(f"client {index}: bind refused with {status:#x}")
        return writer

    writers: list[asyncio.StreamWriter] = []
    for start in range(0, count, 50):  # in waves, as clients reconnecting after a restart do
        writers += await asyncio.gather(*(one(index) for index in range(start, min(count, start + 50))))
    return writers


def run(clients: int, receipts: int, load_seconds: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="smppgw-memory-") as name:
        tmp = Path(name)
        sim_port, panel, gw_port, http = free_port(), free_port(), free_port(), free_port()
        sims = simulator_config(tmp, sim_port, panel, False)
        config = gateway_config(tmp, gw_port, http, sim_port, max_binds=clients + 50)
        seed_receipts(tmp / "gateway.sqlite", receipts, "demo")
        with started(
            [sys.executable, "-m", "simulators", "carriers", "-c", str(sims)], sim_port, tmp / "s.log"
        ):
            command = [sys.executable, "-m", "smpp_gateway", "run", "-c", str(config)]
            with started(command, gw_port, tmp / "gateway.log") as gateway:
                time.sleep(1.0)
                result: dict[str, Any] = {"started": memory_mb(gateway.pid)}

                async def bound_then_loaded() -> dict[str, Any]:
                    writers = await bind_clients(gw_port, clients)
                    await asyncio.sleep(1.0)
                    result["bound"] = memory_mb(gateway.pid)
                    scenario = Scenario("memory", binds=4, window=100, duration=load_seconds)
                    load = await asyncio.to_thread(run_load, scenario, gw_port, "demo", "demopass")
                    result["loaded"] = memory_mb(gateway.pid)
                    for writer in writers:
                        writer.close()
                    return load

                load = asyncio.run(bound_then_loaded())
        result.update(
            clients=clients,
            stored_receipts=receipts,
            load={key: load[key] for key in ("accepted", "msgs_per_s")},
            peak_rss_mb=result["loaded"]["VmHWM"],
            target_mb=TARGET_MB,
        )
        return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=500)
    parser.add_argument("--receipts", type=int, default=50_000)
    parser.add_argument("--load-seconds", type=float, default=15.0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    result = run(args.clients, args.receipts, args.load_seconds)
    if args.json:
        print(json.dumps(result))
    else:
        for step in ("started", "bound", "loaded"):
            print(f"{step:8s} RSS {result[step]['VmRSS']:7.1f} MB  (peak so far {result[step]['VmHWM']} MB)")
        print(
            f"{result['clients']} clients, {result['stored_receipts']} stored receipts, load "
            f"{result['load']['accepted']} msgs at {result['load']['msgs_per_s']}/s: peak "
            f"{result['peak_rss_mb']} MB (target <= {TARGET_MB:.0f} MB)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
