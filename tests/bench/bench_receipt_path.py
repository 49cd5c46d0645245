"""The gateway's receipt path without sockets: CPU per delivery receipt, from a decoded carrier
deliver_sm to the client's deliver_sm_resp.

    .venv/bin/python -m tests.bench.bench_receipt_path [--receipts N] [--window N] [--json]

The gateway runs with the shipped configuration. Messages are first submitted through the submit
path (carrier answered in memory, as in bench_submit_path) so that their id mappings exist; then one
receipt per message goes through ``Inbound.handle`` as the carrier's connection would hand it over,
``window`` at a time: receipt parsing, id mapping, per-route metrics, the receipt update and the
store-and-forward item (committed before the carrier would get its deliver_sm_resp), and the
account's outbox delivering it to a receiver bind whose client acknowledges at once, and the item's
deletion. The figures: the event loop thread's CPU per receipt (``thread_time``), the process's
(adds the store writer and reader threads), and wall time. What it leaves out, the sockets,
sessions and codec of both links, is in the end-to-end benchmark's ``receipts_4x100``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from datetime import UTC, datetime
from typing import Any

from simulators.receipts import ReceiptFactory
from smpp_gateway.clients import ClientBind
from smpp_gateway.config import BindType
from smpp_gateway.heap import settle_heap
from smpp_gateway.runtime import RUNNING_GC_THRESHOLD, install_fast_loop
from smpp_gateway.smpp.codec import decode, encode
from smpp_gateway.smpp.constants import CommandStatus, MessageState
from smpp_gateway.smpp.pdu import DeliverSm, Request, Response, SubmitSm

from .bench_submit_path import InstantCarrier, Stopwatch, harness, submits


class InstantClient:
    """Stands in for a receiver bind's connection: every deliver_sm is acknowledged at once."""

    peer_ip = "127.0.0.1"

    def __init__(self) -> None:
        self.acknowledged = 0
        self.delivered = asyncio.Event()
        self.expected = 0

    async def request(self, pdu: Request, timeout: float | None = None) -> Response:
        self.acknowledged += 1
        if self.acknowledged >= self.expected:
            self.delivered.set()
        return pdu.make_response()


def receipts_for(carrier: InstantCarrier, pdus: list[SubmitSm]) -> list[DeliverSm]:
    """One DELIVRD receipt per submitted message, as the simulator carrier builds them."""
    factory = ReceiptFactory()
    now = datetime.now(UTC).replace(tzinfo=None)
    built = [
        factory.build(message_id, MessageState.DELIVERED, now, now, "", pdu.destination_addr, pdu.source_addr)
        for message_id, pdu in zip(carrier.issued, pdus, strict=True)
    ]
    # Through the codec, as the gateway gets them: plain ints where the factory used enum members.
    decoded = (decode(encode(pdu)) for pdu in built)
    return [pdu for pdu in decoded if isinstance(pdu, DeliverSm)]


async def measure(count: int, window: int) -> dict[str, Any]:
    async with harness("smppgw-receipt-") as bench:
        gateway, sender = bench.gateway, bench.sender()
        pdus = [pdu.evolve(registered_delivery=1) for pdu in submits(count + window)]
        for start in range(0, len(pdus), window):
            answers = await asyncio.gather(
                *(gateway.submit_path.submit(sender, pdu) for pdu in pdus[start : start + window])
            )
            if any(answer.command_status != CommandStatus.ESME_ROK for answer in answers):
                raise RuntimeError("a submit was refused")
        receipts = receipts_for(bench.carrier, pdus)
        client = InstantClient()
        receiver = ClientBind(conn=client, account=bench.account, bind_type=BindType.RECEIVER)  # type: ignore[arg-type]
        gateway.clients.registry.add(receiver)
        direct = next(carrier for carrier in gateway.config.carriers if carrier.name == "direct")
        handle = gateway.inbound.handle
        # Warm-up: the first window's receipts, delivered.
        client.expected = window
        await asyncio.gather(*(handle(direct, pdu) for pdu in receipts[:window]))
        await asyncio.wait_for(client.delivered.wait(), 30)
        settle_heap(RUNNING_GC_THRESHOLD)  # as the running gateway does (runtime.py)
        client.delivered.clear()
        client.expected = window + count
        statuses: list[int] = []
        stopwatch = Stopwatch()
        for start in range(window, window + count, window):
            statuses += await asyncio.gather(
                *(handle(direct, pdu) for pdu in receipts[start : start + window])
            )
        await asyncio.wait_for(client.delivered.wait(), 60)
        spent = stopwatch.per_item(count)
    if statuses.count(CommandStatus.ESME_ROK) != count:
        raise RuntimeError(f"receipts refused: {set(statuses)}")
    return {
        "receipts": count,
        "window": window,
        "delivered_to_client": client.acknowledged - window,
        "loop_thread_us_per_receipt": spent["loop_thread"],
        "process_us_per_receipt": spent["process"],
        "wall_us_per_receipt": spent["wall"],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--receipts", type=int, default=20_000)
    parser.add_argument("--window", type=int, default=400)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    install_fast_loop()  # uvloop, as the gateway runs
    result = asyncio.run(measure(args.receipts, args.window))
    if args.json:
        print(json.dumps(result))
    else:
        print(
            f"{result['receipts']} receipts, window {result['window']}: "
            f"loop thread {result['loop_thread_us_per_receipt']} us/receipt, "
            f"process {result['process_us_per_receipt']} us/receipt, "
            f"wall {result['wall_us_per_receipt']} us/receipt"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
