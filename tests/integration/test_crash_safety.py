"""Faults that must lose nothing: a carrier link reset with submits outstanding and nowhere to fail
over to, and the gateway process killed (SIGKILL) under load, then restarted.

The SIGKILL test runs the gateway as a real subprocess (``python -m smpp_gateway run -c ...``) with a
scripted SMSC in this process recording what it accepted, and counts end to end: every submit sent is
acknowledged, refused or unanswered at the kill; every acknowledged message was accepted by the
carrier; the store passes integrity_check; and after the restart every receipt and MO the gateway
acknowledged to the carrier before the kill reaches the client, and receipts still find their message.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
import sqlite3
import sys
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from smpp_gateway.smpp.constants import CommandStatus, MessageState, Tag
from smpp_gateway.smpp.pdu import BindReceiver, BindTransmitter, DeliverSm
from smpp_gateway.transport.connection import LinkLost, SmppConnection

from .carrier import ScriptedCarrier, running_carrier
from .gateway_harness import PASSWORD_HASH, gateway_config, running_gateway, smpp_port
from .wire import QUIET_ACCOUNT, connect_client, submit

ROOT = Path(__file__).resolve().parents[2]
RETRYABLE = {CommandStatus.ESME_RSUBMITFAIL, CommandStatus.ESME_RSYSERR, CommandStatus.ESME_RTHROTTLED}


async def _wait(condition: Any, timeout: float = 10.0) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.01)


async def test_carrier_reset_with_no_failover_left_answers_each_submit_once_retryably(tmp_path: Path) -> None:
    async with running_carrier(hold=True) as carrier:
        config = gateway_config(tmp_path, {"only": carrier.port}, account=QUIET_ACCOUNT)
        async with running_gateway(config) as gw:
            conn, _events, status = await connect_client(smpp_port(gw), bind=BindTransmitter)
            assert status == CommandStatus.ESME_ROK
            count = 20
            answers = [
                asyncio.ensure_future(
                    conn.request(submit(f"held {i}", destination=f"336{50_000_000 + i * 100:08d}"))
                )
                for i in range(count)
            ]
            await _wait(lambda: len(carrier.received) == count)
            carrier.drop_links()  # every submit is outstanding on the only link there is
            responses = await asyncio.wait_for(asyncio.gather(*answers), 10)
            statuses = Counter(response.command_status for response in responses)
            assert set(statuses) <= RETRYABLE, statuses  # nobody has the message: the client may retry
            assert sorted(r.sequence_number for r in responses) == sorted(
                {r.sequence_number for r in responses}
            )
            # The client's session matched each answer to one request: none twice, none lost.
            assert conn.session.inbound_pending == 0
            assert len(responses) == count
            conn.abort()


# --- SIGKILL under load ---------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _config(tmp: Path, smpp: int, carrier_port: int) -> Path:
    document = {
        "server": {"host": "127.0.0.1", "port": smpp, "bind_timeout": 10},
        "http": {"host": "127.0.0.1", "port": _free_port()},
        "store": {"path": str(tmp / "gateway.sqlite")},
        "shutdown_grace": 3,
        "submit_deadline": 5,
        "accounts": [
            {
                "system_id": "acme",
                "password_hash": PASSWORD_HASH,
                "throughput": 10_000,
                "window": 100,
                "owned_numbers": ["36123"],
                **QUIET_ACCOUNT,
            }
        ],
        "carriers": [
            {
                "name": "c1",
                "host": "127.0.0.1",
                "port": carrier_port,
                "system_id": "gateway",
                "password": "gwpass1",
                "reconnect_min": 0.05,
                "reconnect_max": 0.3,
            }
        ],
        "routes": [{"name": "fr", "match": {"prefixes": ["33"]}, "carriers": ["c1"]}],
    }
    path = tmp / "gateway.yaml"
    path.write_text(yaml.safe_dump(document))
    return path


def _tail(log: Path) -> str:
    return log.read_text(errors="replace")[-2000:]


@contextlib.asynccontextmanager
async def _gateway_process(
    config: Path, port: int, log: Path, carrier: ScriptedCarrier
) -> AsyncIterator[asyncio.subprocess.Process]:
    bound_before = len(carrier.connections)
    with log.open("ab") as output:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "smpp_gateway",
            "run",
            "-c",
            str(config),
            cwd=ROOT,
            stdout=output,
            stderr=output,
        )
    try:
        async with asyncio.timeout(30):
            while True:
                assert process.returncode is None, (
                    f"the gateway exited: {await asyncio.to_thread(_tail, log)}"
                )
                try:
                    _reader, writer = await asyncio.open_connection("127.0.0.1", port)
                    writer.close()
                    break
                except OSError:
                    await asyncio.sleep(0.05)
        await carrier.wait_bound(bound_before + 1, timeout=15)
        yield process
    finally:
        if process.returncode is None:
            process.kill()
        await asyncio.wait_for(process.wait(), 10)


@dataclass
class Ledger:
    """What each side saw, counted end to end."""

    sent: dict[int, str] = field(default_factory=dict)  # sequence -> text
    acknowledged: dict[str, str] = field(default_factory=dict)  # text -> gateway message id
    refused: dict[str, int] = field(default_factory=dict)
    unanswered: set[str] = field(default_factory=set)
    receipts_acked: list[int] = field(default_factory=list)  # carrier submit index
    mo_acked: list[str] = field(default_factory=list)


async def _load(conn: SmppConnection, ledger: Ledger, count: int) -> None:
    """Submits with up to 50 in flight, each outcome entered in the ledger."""
    window = asyncio.Semaphore(50)

    async def one(index: int) -> None:
        text = f"Parcel {index} is on its way"
        pdu = submit(text, destination=f"336{60_000_000 + index * 100:08d}", registered_delivery=1)
        try:
            response = await conn.request(pdu)
        except (LinkLost, TimeoutError):
            ledger.unanswered.add(text)
            return
        finally:
            window.release()
        if response.command_status == CommandStatus.ESME_ROK:
            ledger.acknowledged[text] = response.message_id  # type: ignore[attr-defined]
        else:
            ledger.refused[text] = response.command_status

    tasks = []
    for index in range(count):
        await window.acquire()
        ledger.sent[index] = f"Parcel {index} is on its way"
        tasks.append(asyncio.ensure_future(one(index)))
        if conn.transport is None or conn.transport.is_closing():
            break
    await asyncio.gather(*tasks)


async def _carrier_traffic(carrier: ScriptedCarrier, ledger: Ledger, stop: asyncio.Event) -> None:
    """Receipts for every other message the carrier accepted, and an MO now and then."""
    done = 0
    while not stop.is_set():
        if done >= len(carrier.received):
            await asyncio.sleep(0.005)
            continue
        index, done = done, done + 1
        try:
            if index % 2 == 0:
                receipt_id = f"{1000 + index:x}"  # the scripted carrier's ids, in order of arrival
                status = await carrier.send_receipt(
                    receipt_id, carrier.received[index], MessageState.DELIVERED
                )
                if status == CommandStatus.ESME_ROK:
                    ledger.receipts_acked.append(index)
            if index % 10 == 5:
                text = f"MO number {index}"
                if (
                    await carrier.send_mo(f"336{70_000_000 + index:08d}", "36123", text)
                    == CommandStatus.ESME_ROK
                ):
                    ledger.mo_acked.append(text)
        except (LinkLost, IndexError, ConnectionError):
            return  # the gateway is gone


def _receipt_id(pdu: DeliverSm) -> str | None:
    for tlv in pdu.tlvs:
        if tlv.tag == Tag.RECEIPTED_MESSAGE_ID:
            value = tlv.value
            return value.decode() if isinstance(value, bytes) else str(value)
    return None


async def test_sigkill_under_load_loses_nothing_acknowledged(tmp_path: Path) -> None:
    async with running_carrier() as carrier:
        port = _free_port()
        config, log = _config(tmp_path, port, carrier.port), tmp_path / "gateway.log"
        ledger = Ledger()
        async with _gateway_process(config, port, log, carrier) as process:
            conn, _events, status = await connect_client(port, bind=BindTransmitter)  # no receiver: store
            assert status == CommandStatus.ESME_ROK
            stop = asyncio.Event()
            traffic = asyncio.ensure_future(_carrier_traffic(carrier, ledger, stop))
            load = asyncio.ensure_future(_load(conn, ledger, 3000))
            await _wait(lambda: len(ledger.acknowledged) >= 300 and len(ledger.mo_acked) >= 5, timeout=30)
            process.send_signal(signal.SIGKILL)  # with submits, receipts and MO in flight
            await asyncio.wait_for(load, 15)
            stop.set()
            await asyncio.wait_for(traffic, 15)
            conn.abort()

        # Counted end to end: every submit has exactly one fate, and the kill caught some in flight.
        print(  # for the record of a run: how much traffic the kill interrupted
            f"sent {len(ledger.sent)}, acknowledged {len(ledger.acknowledged)},"
            f" refused {len(ledger.refused)}, unanswered {len(ledger.unanswered)},"
            f" receipts acked {len(ledger.receipts_acked)},"
            f" MO acked {len(ledger.mo_acked)}"
        )
        assert ledger.unanswered
        fates = set(ledger.acknowledged) | set(ledger.refused) | ledger.unanswered
        assert len(fates) == len(ledger.sent)
        assert not set(ledger.acknowledged) & (set(ledger.refused) | ledger.unanswered)
        assert not set(ledger.refused) & ledger.unanswered
        assert set(ledger.refused.values()) <= RETRYABLE
        # No message was acknowledged that a carrier had not accepted.
        accepted = {pdu.short_message.decode() for pdu in carrier.received}
        assert set(ledger.acknowledged) <= accepted
        with sqlite3.connect(f"file:{tmp_path / 'gateway.sqlite'}?mode=ro", uri=True) as db:
            assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            mapped = {row[0] for row in db.execute("SELECT gateway_id FROM id_mappings")}
        assert set(ledger.acknowledged.values()) <= mapped  # the id mapping of each is intact

        gateway_id = {text: ledger.acknowledged.get(text) for text in accepted}
        wanted_receipts = {
            gateway_id[carrier.received[index].short_message.decode()] for index in ledger.receipts_acked
        } - {None}
        async with _gateway_process(config, port, log, carrier) as process:
            receiver, events, status = await connect_client(port, bind=BindReceiver)
            assert status == CommandStatus.ESME_ROK

            def arrived() -> tuple[Counter[str], Counter[str]]:
                receipts: Counter[str] = Counter()
                mos: Counter[str] = Counter()
                for pdu in events.delivered:
                    assert isinstance(pdu, DeliverSm)
                    receipt = _receipt_id(pdu)
                    if receipt is not None:
                        receipts[receipt] += 1
                    else:
                        mos[pdu.short_message.decode()] += 1
                return receipts, mos

            def complete() -> bool:
                receipts, mos = arrived()
                return wanted_receipts <= set(receipts) and set(ledger.mo_acked) <= set(mos)

            await _wait(complete, timeout=20)
            receipts, mos = arrived()
            assert all(receipts[item] == 1 for item in wanted_receipts)
            assert all(mos[text] == 1 for text in ledger.mo_acked)

            # A receipt sent after the restart still finds its acknowledged message.
            late = next(
                index
                for index, pdu in enumerate(carrier.received)
                if index % 2 == 1 and gateway_id.get(pdu.short_message.decode())
            )
            late_id = gateway_id[carrier.received[late].short_message.decode()]
            assert (
                await carrier.send_receipt(f"{1000 + late:x}", carrier.received[late], MessageState.DELIVERED)
                == 0
            )
            await _wait(lambda: late_id in arrived()[0])
            receiver.abort()
            process.send_signal(signal.SIGTERM)
            assert await asyncio.wait_for(process.wait(), 15) == 0
