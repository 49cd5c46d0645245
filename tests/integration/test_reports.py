"""Report figures against traffic with known outcomes: a real gateway, a scripted SMSC, a third-party
client; the reports read the store while the gateway runs, in-process and from a separate process."""

from __future__ import annotations

import asyncio
import itertools
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from smpp_gateway.config import GatewayConfig, parse
from smpp_gateway.reports import report_message
from smpp_gateway.smpp.constants import CommandStatus, MessageState

from .carrier import ScriptedCarrier, running_carrier
from .esme import SyncEsme
from .gateway_harness import PASSWORD, gateway_config, running_gateway, smpp_port

ROOT = Path(__file__).resolve().parents[2]
TEXTS = itertools.count()


def config_for(tmp_path: Path, carrier: ScriptedCarrier) -> tuple[GatewayConfig, Path]:
    """One route to one carrier that answers within 1 s; the route maps ACME-FR to a long number."""
    route = {
        "name": "fr",
        "match": {"prefixes": ["33"]},
        "carriers": ["c1"],
        "sender": {"mode": "map", "map": {"ACME-FR": "33700000001"}},
    }
    document: dict[str, Any] = gateway_config(tmp_path, {"c1": carrier.port}, routes=[route]).model_dump(
        mode="json"
    )
    document["carriers"][0]["response_timeout"] = 1
    path = tmp_path / "gateway.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return parse(document, str(path)), path


def submit_all(esme: SyncEsme, count: int, **fields: Any) -> list[tuple[int, str]]:
    """Send ``count`` submits before reading any answer (so held ones time out together)."""
    sent = [
        esme.client.send_message(
            source_addr_ton=5,
            source_addr=fields.get("source_addr", "ACME"),
            dest_addr_ton=1,
            dest_addr_npi=1,
            destination_addr="33612345678",
            short_message=f"Votre code est {next(TEXTS)}".encode(),
            registered_delivery=1,
        )
        for _ in range(count)
    ]
    answers = [esme._response_to(pdu.sequence) for pdu in sent]
    return [(int(answer.status), (answer.message_id or b"").decode()) for answer in answers]


def report(config_path: Path, *argv: str) -> str:
    """The CLI in its own process, as an operator runs it beside the gateway."""
    result = subprocess.run(
        [sys.executable, "-m", "smpp_gateway", *argv, "-c", str(config_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


async def test_route_report_matches_known_traffic(tmp_path: Path) -> None:
    async with running_carrier() as carrier:
        config, config_path = config_for(tmp_path, carrier)
        async with running_gateway(config) as gw:
            esme = SyncEsme("127.0.0.1", smpp_port(gw), timeout=10)
            try:
                assert await asyncio.to_thread(esme.bind, "transmitter", "acme", PASSWORD) == 0
                accepted = await asyncio.to_thread(submit_all, esme, 8)
                accepted += await asyncio.to_thread(submit_all, esme, 2, source_addr="ACME-FR")
                assert [status for status, _ in accepted] == [0] * 10
                carrier.status = CommandStatus.ESME_RINVDSTADR
                refused = await asyncio.to_thread(submit_all, esme, 3)
                assert [status for status, _ in refused] == [CommandStatus.ESME_RINVDSTADR] * 3
                carrier.hold = True
                timed_out = await asyncio.to_thread(submit_all, esme, 2)
                assert [status for status, _ in timed_out] == [CommandStatus.ESME_RSUBMITFAIL] * 2
            finally:
                await asyncio.to_thread(esme.close)
            states = [MessageState.DELIVERED] * 5 + [MessageState.UNDELIVERABLE] * 2 + [MessageState.EXPIRED]
            for index, state in enumerate(states):  # the last two accepted messages get no receipt
                assert await carrier.send_receipt(f"{1000 + index:x}", carrier.received[index], state) == 0

            document = json.loads(
                report(config_path, "report", "routes", "--since", "10m", "--format", "json")
            )
            [fr] = document["routes"]
            assert fr["route"] == "fr"
            assert fr["messages"] == fr["submits"] == 15
            assert fr["carrier_errors"] == [
                {"status": 0x0B, "name": "ESME_RINVDSTADR", "count": 3, "rate": 0.2}
            ]
            assert fr["carrier_error_rate"] == 0.2
            assert fr["timeouts"] == 2
            assert fr["submit_latency_seconds"]["count"] == 13  # timeouts have no latency
            latency = fr["submit_latency_seconds"]
            assert 0 < latency["p50"] <= latency["p95"] <= latency["p99"] < 1
            assert fr["receipts"] == {
                "delivered": 5,
                "undeliverable": 2,
                "expired": 1,
                "rejected": 0,
                "other": 0,
                "none": 2,
            }
            assert fr["receipt_shares"]["delivered"] == 0.5
            assert fr["receipt_delay_seconds"]["count"] == 8
            assert fr["sender_rewrites"] == {"gateway": 2, "carrier": 0}

            story = report_message(config_path, gateway_id=accepted[8][1])
            assert "sent as   33700000001 (TON 1 NPI 1) (sender rewritten by the route)" in story
            assert "receipt   none yet" in story
            story = json.loads(report_message(config_path, gateway_id=accepted[0][1], fmt="json"))
            assert story["record"]["receipt_state"] == MessageState.DELIVERED
            assert [mapping["carrier_message_id"] for mapping in story["mappings"]] == ["3e8"]
            assert story["pending"][0]["kind"] == "receipt"  # the transmitter-only client has not read it
