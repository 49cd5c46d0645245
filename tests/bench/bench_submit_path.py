"""The gateway's submit path without sockets: CPU per message from a decoded client submit_sm to its
submit_sm_resp, with the carrier answering in memory.

    .venv/bin/python -m tests.bench.bench_submit_path [--messages N] [--window N] [--no-checks] [--json]

Everything the gateway decides and records runs as in production (the shipped configuration's
checks, routing, forwarding bookkeeping, SQLite records with the id mapping committed before each
answer, metrics); only the carrier's connection is replaced by an object that answers at once, and
the client's by a direct call of ``SubmitPath.submit``. The figures: the event loop thread's CPU per
message (``thread_time``), the process's (adds the store writer thread), and wall time. What it
leaves out, the sockets, sessions and codec of both sides, is in the end-to-end benchmark.
``--no-checks`` answers every policy question with "accept" to show what the checks cost.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from simulators.loadmix import MessageFactory, Mix
from smpp_gateway.clients import ClientBind
from smpp_gateway.config import AccountConfig, BindType, load
from smpp_gateway.gateway import Gateway
from smpp_gateway.heap import settle_heap
from smpp_gateway.message import Message
from smpp_gateway.policy import PolicyOutcome
from smpp_gateway.runtime import RUNNING_GC_THRESHOLD, install_fast_loop
from smpp_gateway.smpp.codec import decode, encode
from smpp_gateway.smpp.constants import CommandStatus
from smpp_gateway.smpp.pdu import Request, Response, SubmitSm

from .bench_gateway import gateway_config
from .processes import free_port


class InstantCarrier:
    """Stands in for a ``CarrierPool``: every submit is accepted at once, with a fresh message id."""

    def __init__(self) -> None:
        self._ids = itertools.count(1)
        self.issued: list[str] = []  # the message ids given, in order (bench_receipt_path's receipts)

    async def submit(self, pdu: Request, deadline: float, sticky: object = None) -> Response:
        message_id = f"{next(self._ids):x}"
        self.issued.append(message_id)
        return pdu.make_response(message_id=message_id)


def submits(count: int) -> list[SubmitSm]:
    """What the end-to-end benchmark's load generator sends: unique texts to sequential numbers."""
    factory = MessageFactory(Mix(to="3361", source="ACME", unique=True))
    # Through the codec, as the gateway gets them: plain ints where the factory used enum members.
    pdus = (decode(encode(factory.parts(index, sequence=index + 1)[0])) for index in range(count))
    return [pdu for pdu in pdus if isinstance(pdu, SubmitSm)]


@dataclass(frozen=True)
class Harness:
    """A gateway on the shipped configuration, started without sockets: its carrier answers in memory."""

    gateway: Gateway
    carrier: InstantCarrier
    account: AccountConfig

    def sender(self) -> ClientBind:
        """A transmitter bind of the demo account, as the submit path sees a client."""
        return ClientBind(conn=None, account=self.account, bind_type=BindType.TRANSMITTER)  # type: ignore[arg-type]


@contextlib.asynccontextmanager
async def harness(prefix: str) -> AsyncIterator[Harness]:
    with tempfile.TemporaryDirectory(prefix=prefix) as name:
        config = load(gateway_config(Path(name), free_port(), free_port(), free_port()))
        gateway = Gateway(config)
        await gateway.store.start()
        try:
            carrier = InstantCarrier()
            gateway.forwarder.pools = {"direct": carrier}  # type: ignore[dict-item]
            account = next(account for account in config.accounts if account.system_id == "demo")
            yield Harness(gateway, carrier, account)
        finally:
            await gateway.store.close(10)


class Stopwatch:
    """Wall time, process CPU and this (the event loop's) thread's CPU since it was made."""

    def __init__(self) -> None:
        self._start = (time.perf_counter(), time.process_time(), time.thread_time())

    def per_item(self, count: int) -> dict[str, float]:
        wall, cpu, thread = (
            time.perf_counter() - self._start[0],
            time.process_time() - self._start[1],
            time.thread_time() - self._start[2],
        )
        return {
            "loop_thread": round(thread / count * 1e6, 1),
            "process": round(cpu / count * 1e6, 1),
            "wall": round(wall / count * 1e6, 1),
        }


async def measure(messages: int, window: int, checks: bool) -> dict[str, Any]:
    async with harness("smppgw-submit-") as bench:
        if not checks:
            bench.gateway.policy.evaluate = _accept  # type: ignore[method-assign]
        client, path = bench.sender(), bench.gateway.submit_path
        pdus = submits(messages)
        await asyncio.gather(*(path.submit(client, pdu) for pdu in submits(window)))  # warm caches
        settle_heap(RUNNING_GC_THRESHOLD)  # as the running gateway does (runtime.py)
        statuses: list[int] = []
        stopwatch = Stopwatch()
        for start in range(0, messages, window):
            answers = await asyncio.gather(
                *(path.submit(client, pdu) for pdu in pdus[start : start + window])
            )
            statuses += [answer.command_status for answer in answers]
        spent = stopwatch.per_item(messages)
    accepted = statuses.count(CommandStatus.ESME_ROK)
    if accepted != messages:
        raise RuntimeError(f"only {accepted} of {messages} accepted: {set(statuses)}")
    return {
        "messages": messages,
        "window": window,
        "checks": checks,
        "loop_thread_us_per_msg": spent["loop_thread"],
        "process_us_per_msg": spent["process"],
        "wall_us_per_msg": spent["wall"],
    }


def _accept(account: object, message: Message) -> PolicyOutcome:
    return PolicyOutcome(None, message, (), ())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--window", type=int, default=400)
    parser.add_argument("--no-checks", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    install_fast_loop()  # uvloop, as the gateway runs
    result = asyncio.run(measure(args.messages, args.window, not args.no_checks))
    if args.json:
        print(json.dumps(result))
    else:
        checks = "on" if result["checks"] else "off"
        print(
            f"{result['messages']} submits, window {result['window']}, checks {checks}: "
            f"loop thread {result['loop_thread_us_per_msg']} us/msg, "
            f"process {result['process_us_per_msg']} us/msg, wall {result['wall_us_per_msg']} us/msg"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
