"""Opt-out lists: MO STOP from a handset, and an operator's add/remove over the API and the CLI."""

from __future__ import annotations

import asyncio
import io
import json
from pathlib import Path

import aiohttp
import pytest

from smpp_gateway.optouts import run_optout
from smpp_gateway.reports import ReportError
from smpp_gateway.runtime import running
from smpp_gateway.smpp.constants import CommandStatus
from smpp_gateway.smpp.pdu import SubmitSm

from .carrier import running_carrier
from .gateway_harness import gateway_config
from .wire import connect_client

MARKETING = "Soldes -30% ce week-end sur acme.fr STOP au 36123"


def _marketing(number: str) -> SubmitSm:
    return SubmitSm(
        source_addr="36123",
        source_addr_ton=3,
        dest_addr_ton=1,
        dest_addr_npi=1,
        destination_addr=number,
        short_message=MARKETING.encode(),
    )


async def test_stop_and_operator_opt_outs_refuse_marketing_until_removed(tmp_path: Path) -> None:
    account = {
        "policy": {
            "registered_senders": ["ACME", "36123"],
            "registered_domains": ["acme.fr"],
            "rules": {"class.quiet_hours": {"mode": "off"}},  # the test must pass at any hour
        }
    }
    async with running_carrier() as carrier:
        config = gateway_config(tmp_path, {"c1": carrier.port}, account=account)
        async with running(config) as (gw, http):
            await gw.pools["c1"].binds[0].wait_bound(10)
            await carrier.wait_bound()
            conn, _events, _status = await connect_client(gw.server.ports[0])
            url, token = f"http://127.0.0.1:{http.port}", config.http.api_token
            assert (await conn.request(_marketing("33611111111"))).command_status == CommandStatus.ESME_ROK

            assert await carrier.send_mo("33611111111", "36123", "Stop") == CommandStatus.ESME_ROK
            refused = await conn.request(_marketing("33611111111"))
            assert refused.command_status == CommandStatus.ESME_RX_R_APPN  # dest.opt_out

            out = io.StringIO()
            await asyncio.to_thread(
                run_optout, "add", url, token, {"number": "+33622222222", "account": "acme"}, out
            )
            assert (
                await conn.request(_marketing("33622222222"))
            ).command_status == CommandStatus.ESME_RX_R_APPN
            listed = io.StringIO()
            await asyncio.to_thread(run_optout, "list", url, token, {"account": "acme"}, listed)
            assert {entry["number"] for entry in json.loads(listed.getvalue())} == {
                "33611111111",
                "33622222222",
            }

            await asyncio.to_thread(
                run_optout, "remove", url, token, {"number": "33622222222", "account": "acme"}, out
            )
            assert (await conn.request(_marketing("33622222222"))).command_status == CommandStatus.ESME_ROK

            async with aiohttp.ClientSession() as session:
                bad = await session.post(
                    f"{url}/api/v1/opt-outs",
                    json={"number": "1", "account": "acme"},
                    headers={"Authorization": f"Bearer {token}"},
                )
                assert bad.status == 400
                anonymous = await session.post(
                    f"{url}/api/v1/opt-outs", json={"number": "33633333333", "account": "acme"}
                )
                assert anonymous.status == 401
                unknown = await session.post(
                    f"{url}/api/v1/opt-outs",
                    json={"number": "33633333333", "account": "who"},
                    headers={"Authorization": f"Bearer {token}"},
                )
                assert unknown.status == 404
            with pytest.raises(ReportError, match="401"):
                await asyncio.to_thread(
                    run_optout, "add", url, "wrong-token", {"number": "33644444444", "account": "acme"}, out
                )
            conn.abort()
        opted = await asyncio.to_thread(_stored_opt_outs, tmp_path / "gateway.sqlite")
        assert opted == {"33611111111"}  # written through: a restart keeps them


def _stored_opt_outs(path: Path) -> set[str]:
    import sqlite3

    with sqlite3.connect(path) as db:
        return {row[0] for row in db.execute("SELECT number FROM opt_outs")}
