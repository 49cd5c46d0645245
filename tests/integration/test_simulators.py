"""Simulators on real sockets (127.0.0.1, port 0) with the project's own ESME side, the load generator,
the HTTP API, the webhook and the CLI. Waits are on conditions with deadlines, never fixed sleeps."""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from simulators import cli, fate, outbox, smsc
from simulators.config import parse
from simulators.loadgen import LoadOptions, run_load
from simulators.runtime import Simulators, run_carriers
from smpp_gateway.smpp.concat import apply_part, split
from smpp_gateway.smpp.constants import CommandStatus, DataCoding, is_receipt
from smpp_gateway.smpp.pdu import (
    Bind,
    BindReceiver,
    BindTransceiver,
    BindTransmitter,
    DeliverSm,
    Request,
    SubmitSm,
)
from smpp_gateway.smpp.receipt import parse_receipt
from smpp_gateway.smpp.session import Session, SessionConfig
from smpp_gateway.smpp.states import Role
from smpp_gateway.smpp.text import encode_text
from smpp_gateway.transport.connection import SmppConnection
from tests.polling import until

ROOT = Path(__file__).resolve().parents[2]
SYSTEM_ID, PASSWORD = "gw", "pw"
INSTANT = {"delivery_delay": 0, "receipts": {"delay": 0}}


def config(**carrier: Any) -> dict[str, Any]:
    base = {
        "name": "c1",
        "port": 0,
        "seed": 1,
        "credentials": [{"system_id": SYSTEM_ID, "password": PASSWORD}],
        "behaviour": INSTANT,
    }
    handsets = carrier.pop("handsets", {"port": 0})
    return {"carriers": [{**base, **carrier}], "handsets": handsets}


@contextlib.asynccontextmanager
async def carrier(**fields: Any) -> AsyncIterator[Simulators]:
    async with run_carriers(parse(config(**fields))) as sims:
        yield sims


class Esme:
    """The project's own ESME side (SmppConnection, ESME role), collecting deliver_sm."""

    def __init__(self, refuse: int = 0) -> None:
        self.delivered: list[DeliverSm] = []
        self.refused = 0
        self.refuse = refuse  # answer the first N deliver_sm with ESME_RX_T_APPN ("try again later")
        self.conn: SmppConnection | None = None

    def bind_requested(self, conn: SmppConnection, pdu: Bind) -> None:
        raise AssertionError("an ESME is never asked to bind")

    def bound(self, conn: SmppConnection) -> None:
        pass

    def request_received(self, conn: SmppConnection, pdu: Request) -> None:
        assert isinstance(pdu, DeliverSm)
        if self.refused < self.refuse:
            self.refused += 1
            conn.send_response(pdu, pdu.make_response(CommandStatus.ESME_RX_T_APPN))
            return
        self.delivered.append(pdu)
        conn.send_response(pdu, pdu.make_response(CommandStatus.ESME_ROK))

    def closed(self, conn: SmppConnection) -> None:
        pass

    async def connect(self, port: int, bind: type[Bind] = BindTransceiver) -> int:
        loop = asyncio.get_running_loop()
        config = SessionConfig(enquire_link_interval=None)
        _, conn = await loop.create_connection(
            lambda: SmppConnection(lambda now: Session(Role.ESME, config, now), self), "127.0.0.1", port
        )
        self.conn = conn
        return await conn.bind(bind(system_id=SYSTEM_ID, password=PASSWORD))

    async def submit(self, pdu: SubmitSm) -> str:
        assert self.conn is not None
        response = await self.conn.request(pdu)
        assert response.command_status == 0
        return str(getattr(response, "message_id", ""))

    @property
    def receipts(self) -> list[DeliverSm]:
        return [pdu for pdu in self.delivered if is_receipt(pdu.esm_class)]


def message(text: str, **fields: Any) -> SubmitSm:
    base = {"source_addr": "ACME", "destination_addr": "33612345678", "registered_delivery": 1}
    return SubmitSm(short_message=encode_text(text, 0), **{**base, **fields})


async def test_load_generator_cli_prints_one_json_object() -> None:
    async with carrier() as sims:
        port = sims.carriers["c1"].port
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "simulators",
            "load",
            *("--port", str(port), "--system-id", SYSTEM_ID, "--password", PASSWORD),
            *("--count", "400", "--binds", "2", "--window", "20", "--registered-delivery", "--unique"),
            *("--ucs2-share", "0.3", "--long-share", "0.2", "--to", "3361", "--json"),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        stdout, stderr = await asyncio.wait_for(process.communicate(), 60)
        panel = sims.panel.deliveries()
    assert process.returncode == 0, stderr.decode()
    summary = json.loads(stdout)
    assert {"sent", "accepted", "rejected", "msgs_per_s", "latency_ms", "receipts"} <= set(summary)
    assert set(summary["latency_ms"]) == {"p50", "p99", "max"}
    assert summary["messages"] == 400
    assert summary["sent"] > 400  # long messages are several submits
    assert summary["accepted"] == summary["sent"]
    assert summary["rejected"] == {}
    assert summary["receipts"] == summary["sent"]
    assert summary["msgs_per_s"] > 0
    assert len(panel) == 400  # each message once, whole
    assert any("ünïcødé" in item.text for item in panel)
    assert len({item.msisdn for item in panel}) > 100


async def test_load_generator_rate_limit_rejections_and_plain_summary() -> None:
    async with carrier(behaviour={**INSTANT, "errors": [{"status": "ESME_RSYSERR", "rate": 0.5}]}) as sims:
        options = LoadOptions(
            port=sims.carriers["c1"].port, system_id=SYSTEM_ID, password=PASSWORD, count=60, rate=200.0
        )
        result = await run_load(options)
    assert result.sent == 60
    assert result.accepted + result.rejected["ESME_RSYSERR"] == 60
    assert 10 < result.rejected["ESME_RSYSERR"] < 50
    assert result.elapsed >= 60 / 200.0 - 0.1
    text = cli._plain(result.to_json())
    assert "accepted" in text
    assert "ESME_RSYSERR" in text


async def test_load_generator_reports_refused_binds_and_dead_ports() -> None:
    async with carrier() as sims:
        port = sims.carriers["c1"].port
        refused = await run_load(LoadOptions(port=port, system_id=SYSTEM_ID, password="bad", count=5))
    assert refused.binds == 0
    assert refused.bind_errors == {"ESME_RINVPASWD": 1}
    dead = await run_load(LoadOptions(port=port, system_id=SYSTEM_ID, password=PASSWORD, count=5))
    assert dead.binds == 0
    assert dead.bind_errors == {"ConnectionRefusedError": 1}


async def test_receipts_wait_for_a_receiver_bind_and_the_queue_is_bounded() -> None:
    async with carrier(queue_limit=3) as sims:
        port = sims.carriers["c1"].port
        sender = Esme()
        assert await sender.connect(port, BindTransmitter) == 0
        ids = [await sender.submit(message(f"m{n}")) for n in range(5)]
        outbox = sims.carriers["c1"].outbox(SYSTEM_ID)
        await until(lambda: outbox.dropped == 2)
        receiver = Esme()
        assert await receiver.connect(port, BindReceiver) == 0
        await until(lambda: len(receiver.receipts) == 3)
    got = [parse_receipt(pdu) for pdu in receiver.receipts]
    assert [receipt.message_id for receipt in got if receipt] == ids[2:]  # the oldest two were dropped


async def test_receipts_round_robin_over_receiver_binds() -> None:
    async with carrier() as sims:
        port = sims.carriers["c1"].port
        first, second = Esme(), Esme()
        assert await first.connect(port) == 0
        assert await second.connect(port) == 0
        for n in range(20):
            await first.submit(message(f"m{n}"))
        await until(lambda: len(first.receipts) + len(second.receipts) == 20)
    assert len(first.receipts) > 0
    assert len(second.receipts) > 0


async def test_black_hole_from_the_start_never_answers_a_bind() -> None:
    async with carrier(behaviour={**INSTANT, "outage": {"black_hole": True}}) as sims:
        esme = Esme()
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(esme.connect(sims.carriers["c1"].port), 0.5)


async def test_refused_receipts_are_retried_then_dropped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(outbox, "RETRY_PAUSE", 0.01)
    monkeypatch.setattr(outbox, "MAX_ATTEMPTS", 3)
    async with carrier() as sims:
        port = sims.carriers["c1"].port
        patient = Esme(refuse=2)  # refuses twice: the third attempt lands
        assert await patient.connect(port) == 0
        await patient.submit(message("retried"))
        await until(lambda: len(patient.receipts) == 1)
        assert patient.conn is not None
        patient.conn.close()
        await asyncio.wait_for(patient.conn.closed, 5)
        stubborn = Esme(refuse=1000)
        assert await stubborn.connect(port) == 0
        await stubborn.submit(message("dropped"))
        box = sims.carriers["c1"].outbox(SYSTEM_ID)
        await until(lambda: box.dropped == 1)
    assert (patient.refused, stubborn.refused) == (2, 3)
    assert box.sent == 1


@pytest.mark.parametrize("method", ["sar", "udh16"])
async def test_concatenated_submits_reach_the_handset_whole(method: str) -> None:
    text = "Grâce à votre fidélité, profitez de -20% sur tout le magasin jusqu'à dimanche. " * 2
    parts = split(text, DataCoding.UCS2, method, reference=0x1234)
    async with carrier() as sims:
        esme = Esme()
        assert await esme.connect(sims.carriers["c1"].port) == 0
        base = SubmitSm(source_addr="ACME", destination_addr="33611111111", data_coding=DataCoding.UCS2)
        for part in reversed(parts):  # any order
            await esme.submit(apply_part(base, part))
        await until(lambda: len(sims.panel.deliveries()) == 1)
        await until(lambda: sims.carriers["c1"].fate.stats.delivered == 1)
    assert [item.text for item in sims.panel.deliveries("33611111111")] == [text]


async def test_incomplete_concatenation_expires_as_undelivered(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fate, "REASSEMBLY_TIMEOUT", 0.05)
    monkeypatch.setattr(smsc, "HOUSEKEEPING_INTERVAL", 0.05)
    parts = split("x" * 400, DataCoding.DEFAULT, "udh8", reference=9)
    async with carrier() as sims:
        esme = Esme()
        assert await esme.connect(sims.carriers["c1"].port) == 0
        base = SubmitSm(source_addr="ACME", destination_addr="33611111111", registered_delivery=1)
        message_id = await esme.submit(apply_part(base, parts[0]))
        await until(lambda: len(esme.receipts) == 1)
    receipt = parse_receipt(esme.receipts[0])
    assert receipt is not None
    assert (receipt.message_id, receipt.state.name) == (message_id, "UNDELIVERABLE")
    assert sims.panel.deliveries() == []
    assert sims.carriers["c1"].fate.stats.incomplete == 1


async def test_keyword_mo_traffic_and_connection_drops() -> None:
    keywords = [{"every": 0.05, "to": "36123", "from_prefix": "336", "texts": ["STOP", "INFO"]}]
    behaviour = {**INSTANT, "mo": {"keywords": keywords}, "outage": {"drop_every": 0.5}}
    async with carrier(behaviour=behaviour) as sims:
        esme = Esme()
        assert await esme.connect(sims.carriers["c1"].port) == 0
        await until(lambda: len(esme.delivered) >= 3)
        assert esme.conn is not None
        await asyncio.wait_for(esme.conn.closed, 5)  # dropped by the carrier
    for pdu in esme.delivered[:3]:
        assert pdu.destination_addr == "36123"
        assert pdu.source_addr.startswith("336")
        assert pdu.short_message in (b"STOP", b"INFO")


async def test_webhook_reports_with_bearer_token_and_retries() -> None:
    received: list[tuple[str, dict[str, Any]]] = []
    answers = [503, 200, 400]

    async def report(request: web.Request) -> web.Response:
        received.append((request.headers.get("Authorization", ""), await request.json()))
        return web.Response(status=answers.pop(0) if answers else 200)

    app = web.Application()
    app.router.add_post("/api/v1/handset-reports", report)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}/api/v1/handset-reports"
    webhook = {"url": url, "token": "demo-token", "backoff_initial": 0.01, "msisdn_prefixes": ["336"]}
    try:
        async with carrier(handsets={"port": 0, "webhook": webhook}) as sims:
            esme = Esme()
            assert await esme.connect(sims.carriers["c1"].port) == 0
            await esme.submit(message("Votre code: 1234"))
            await esme.submit(message("refused", destination_addr="33622222222"))
            await esme.submit(message("not a panel number", destination_addr="447700900000"))
            sender = sims.panel.webhook
            assert sender is not None
            await until(lambda: sender.sent + sender.dropped == 2)
    finally:
        await runner.cleanup()
    assert (sender.sent, sender.dropped) == (1, 1)  # retried after 503; 400 is final
    assert [auth for auth, _ in received] == ["Bearer demo-token"] * 3
    first = received[0][1]
    assert set(first) == {"msisdn", "sender", "text", "received_at"}
    assert (first["msisdn"], first["sender"], first["text"]) == ("33612345678", "ACME", "Votre code: 1234")
    assert first["received_at"].endswith("Z")
    assert received[1][1] == first


async def test_webhook_gives_up_after_max_attempts() -> None:
    webhook = {"url": "http://127.0.0.1:9/unreachable", "backoff_initial": 0.01, "max_attempts": 2}
    async with carrier(handsets={"port": 0, "webhook": webhook}) as sims:
        esme = Esme()
        assert await esme.connect(sims.carriers["c1"].port) == 0
        await esme.submit(message("hello"))
        sender = sims.panel.webhook
        assert sender is not None
        await until(lambda: sender.dropped == 1)
    assert sender.sent == 0


async def api(session: aiohttp.ClientSession, method: str, url: str, body: Any = None) -> tuple[int, Any]:
    kwargs: dict[str, Any] = {"data": body} if isinstance(body, str) else {"json": body}
    async with session.request(method, url, **kwargs) as response:
        return response.status, await response.json()


async def test_http_api_contract_and_errors() -> None:
    async with carrier() as sims, aiohttp.ClientSession() as session:
        base = f"http://127.0.0.1:{sims.http_port}"
        esme = Esme()
        assert await esme.connect(sims.carriers["c1"].port) == 0
        await esme.submit(message("hello", destination_addr="33600000001"))
        await esme.submit(message("world", destination_addr="33600000002"))
        await until(lambda: len(sims.panel) == 2)
        assert await api(session, "GET", f"{base}/healthz") == (200, {"status": "ok"})
        status, everything = await api(session, "GET", f"{base}/api/handsets")
        assert status == 200
        assert [item["text"] for item in everything] == ["hello", "world"]
        assert {"msisdn", "sender", "text", "received_at", "carrier"} <= set(everything[0])
        assert everything[0]["carrier"] == "c1"
        status, one = await api(session, "GET", f"{base}/api/handsets/33600000002")
        assert [item["text"] for item in one] == ["world"]
        assert (await api(session, "GET", f"{base}/api/handsets?carrier=other"))[1] == []
        status, carriers = await api(session, "GET", f"{base}/api/carriers")
        assert carriers[0]["submits"] == {"ESME_ROK": 2}
        assert (await api(session, "DELETE", f"{base}/api/handsets"))[0] == 200
        assert (await api(session, "GET", f"{base}/api/handsets"))[1] == []
        mo = f"{base}/api/mo"
        assert (await api(session, "POST", mo, "not json"))[0] == 400
        assert (await api(session, "POST", mo, [1]))[0] == 400
        assert (await api(session, "POST", mo, {"carrier": "nope", "from": "1", "to": "2", "text": "x"}))[
            0
        ] == 404
        assert (await api(session, "POST", mo, {"carrier": "c1", "from": "1", "to": "2"}))[0] == 400
        wrong_account = {"carrier": "c1", "from": "1", "to": "2", "text": "x", "system_id": "zz"}
        assert (await api(session, "POST", mo, wrong_account))[0] == 400
        assert (await api(session, "POST", mo, {**wrong_account, "system_id": 5}))[0] == 400
        too_long = {"carrier": "c1", "from": "3" * 21, "to": "2", "text": "x"}
        assert (await api(session, "POST", mo, too_long))[0] == 400
        huge = {"carrier": "c1", "from": "1", "to": "2", "text": "x" * 153 * 256}
        assert (await api(session, "POST", mo, huge))[0] == 400
        outage = f"{base}/api/carriers/c1/outage"
        assert (await api(session, "POST", outage, {"black_hole": "sometimes"}))[0] == 400
        assert (await api(session, "POST", f"{base}/api/carriers/nope/outage", {}))[0] == 404


def test_cli_rejects_a_bad_config(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "simulators.yaml"
    bad.write_text("carriers:\n  - {name: x, port: 0, credentials: [], profile: direct}\n", encoding="utf-8")
    assert cli.main(["carriers", "-c", str(bad)]) == 2
    assert f"{bad}: carriers.0.credentials: List should have at least 1 item" in capsys.readouterr().err


async def test_cli_handsets_and_mo_commands(capsys: pytest.CaptureFixture[str]) -> None:
    async with carrier() as sims:
        url = f"http://127.0.0.1:{sims.http_port}"
        esme = Esme()
        assert await esme.connect(sims.carriers["c1"].port) == 0
        await esme.submit(message("hello", destination_addr="33600000009"))
        await until(lambda: len(sims.panel) == 1)
        assert await asyncio.to_thread(cli.main, ["handsets", "--url", url, "--msisdn", "33600000009"]) == 0
        shown = json.loads(capsys.readouterr().out)
        mo = ["mo", "--url", url, "--carrier", "c1", "--from", "33600000009", "--to", "36123", "STOP"]
        assert await asyncio.to_thread(cli.main, mo) == 0
        await until(lambda: any(not is_receipt(pdu.esm_class) for pdu in esme.delivered))
        assert await asyncio.to_thread(cli.main, [*mo[:4], "nope", *mo[5:]]) == 1
    assert [item["text"] for item in shown] == ["hello"]
    assert await asyncio.to_thread(cli.main, ["handsets", "--url", url]) == 1  # panel gone
    assert await asyncio.to_thread(cli.main, mo) == 1
