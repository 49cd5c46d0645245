"""The checks as a client meets them: smpplib against the gateway on the shipped demo policy.

Each refusal carries the status documented in README / docs/checks.md; legitimate traffic passes.
The gateway's clock is set by the test (a Tuesday morning, then an evening), so quiet hours do not
depend on when the suite runs.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from smpp_gateway.config import parse
from smpp_gateway.gateway import Gateway
from smpp_gateway.smpp.constants import CommandStatus

from ..integration.carrier import running_carrier
from ..integration.esme import SyncEsme

ROOT = Path(__file__).resolve().parents[2]
TUESDAY_10H_PARIS = datetime(2026, 11, 24, 9, 0, tzinfo=UTC).timestamp()
TUESDAY_22H_PARIS = datetime(2026, 11, 24, 21, 0, tzinfo=UTC).timestamp()

S = CommandStatus
CASES = [
    # (sender, sender TON, destination, text, expected status)
    ("ACME", 5, "33612345678", "Votre code de connexion est 481516", S.ESME_ROK),
    ("ACME", 5, "33612345678", "Votre colis arrive demain, suivi sur https://suivi.acme.fr/x7", S.ESME_ROK),
    ("36123", 3, "33612345678", "-20% ce week-end sur acme.fr ! STOP au 36123", S.ESME_ROK),
    ("PAYPAL", 5, "33612345678", "Votre compte est actif", S.ESME_RINVSRCADR),  # protected brand
    ("PAYPAI", 5, "33612345678", "Votre compte est actif", S.ESME_RINVSRCADR),  # lookalike
    ("AMAZ0N", 5, "33612345678", "Votre commande est en route", S.ESME_RINVSRCADR),  # lookalike
    ("OTHERBRAND", 5, "33612345678", "Bonjour", S.ESME_RINVSRCADR),  # not registered
    ("ACMEFRANCE12", 5, "33612345678", "Bonjour", S.ESME_RINVSRCADR),  # 12 characters
    ("ACME", 5, "88212345678", "Votre code est 1234", S.ESME_RINVDSTADR),  # high-cost range
    ("ACME", 5, "3361", "Bonjour", S.ESME_RINVDSTADR),  # not a number
    (
        "ACME",
        5,
        "33612345678",
        "URGENT: votre colis est bloque, reglez 1,99 EUR de frais sous 24h sur http://colis-relais.top/p",
        S.ESME_RX_R_APPN,
    ),
    ("ACME", 5, "33612345678", "Plus d'infos ici: bit.ly/3xYz", S.ESME_RX_R_APPN),  # shortener
    ("36123", 3, "33612345678", "-20% ce week-end sur acme.fr !", S.ESME_RX_R_APPN),  # no STOP mention
]


@asynccontextmanager
async def demo_gateway(tmp: Path, clock: list[float]) -> AsyncIterator[Gateway]:
    document = yaml.safe_load((ROOT / "config/gateway.yaml").read_text())
    async with running_carrier() as carrier:
        document["server"].update({"port": 0, "tls": None})
        document["http"]["port"] = 0
        document["store"]["path"] = str(tmp / "gateway.sqlite")
        document["carriers"] = [
            {
                "name": "direct",
                "host": "127.0.0.1",
                "port": carrier.port,
                "system_id": "gateway",
                "password": "gwpass1",
            }
        ]
        document["routes"] = [
            {"name": "fr-direct", "match": {"prefixes": ["33", "882"]}, "carriers": ["direct"]}
        ]
        document.pop("route_tests", None)
        gateway = Gateway(parse(document, "<demo>"), wall_clock=lambda: clock[0])
        await gateway.start()
        try:
            await gateway.pools["direct"].binds[0].wait_bound(10)
            yield gateway
        finally:
            await gateway.stop(grace=2)


def _submit_all(port: int, cases: list[tuple[str, int, str, str, int]]) -> list[int]:
    esme = SyncEsme("127.0.0.1", port)
    assert esme.bind("transmitter", "demo", "demopass") == 0
    statuses = []
    for sender, ton, destination, text, _expected in cases:
        data_coding = 0 if text.isascii() else 8
        body = text.encode("utf-16-be") if data_coding == 8 else text.encode()
        result = esme.submit(
            body,
            source_addr=sender,
            source_addr_ton=ton,
            source_addr_npi=0 if ton == 5 else 1,
            destination_addr=destination,
            data_coding=data_coding,
        )
        statuses.append(result.status)
    esme.close()
    return statuses


async def test_each_rejection_carries_its_documented_status_and_legitimate_traffic_passes(
    tmp_path: Path,
) -> None:
    clock = [TUESDAY_10H_PARIS]
    async with demo_gateway(tmp_path, clock) as gateway:
        statuses = await asyncio.to_thread(_submit_all, gateway.server.ports[0], CASES)
    got = [
        (case[0], case[3][:30], CommandStatus(status).name)
        for case, status in zip(CASES, statuses, strict=True)
    ]
    expected = [(case[0], case[3][:30], CommandStatus(case[4]).name) for case in CASES]
    assert got == expected


@pytest.mark.parametrize(
    ("moment", "expected"),
    [(TUESDAY_10H_PARIS, CommandStatus.ESME_ROK), (TUESDAY_22H_PARIS, CommandStatus.ESME_RX_T_APPN)],
)
async def test_marketing_waits_for_daytime_but_transactional_does_not(
    tmp_path: Path, moment: float, expected: int
) -> None:
    clock = [moment]
    cases = [
        ("36123", 3, "33612345678", "-20% ce week-end sur acme.fr ! STOP au 36123", expected),
        ("ACME", 5, "33612345678", "Votre code est 481516", CommandStatus.ESME_ROK),
    ]
    async with demo_gateway(tmp_path, clock) as gateway:
        statuses = await asyncio.to_thread(_submit_all, gateway.server.ports[0], cases)
    assert statuses == [case[4] for case in cases]
