"""The store fills up (SQLITE_FULL, forced with PRAGMA max_page_count) under a running gateway: nothing
it cannot record is acknowledged, new traffic is refused with a retryable status, receipts and MO are
refused so the carrier retries them, and everything works again once the store does.
"""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from smpp_gateway.gateway import Gateway
from smpp_gateway.smpp.constants import CommandStatus, MessageState
from smpp_gateway.store.sqlite import SqliteStore

from .carrier import running_carrier
from .gateway_harness import gateway_config, running_gateway, smpp_port
from .wire import QUIET_ACCOUNT, good_client, submit


def _sqlite(gw: Gateway) -> SqliteStore:
    store = gw.store._store
    assert store is not None
    return store


def _cap_at_current_size(store: SqliteStore) -> None:
    pages = int(store._connection().execute("PRAGMA page_count").fetchone()[0])
    store.set_max_size(pages * 4096)  # not one page more: the next page the writer needs fails


async def _wait(condition: object, timeout: float = 10.0) -> None:
    assert callable(condition)
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.01)


async def test_a_full_store_refuses_traffic_retryably_and_recovers(tmp_path: Path) -> None:
    async with running_carrier() as carrier:
        config = gateway_config(tmp_path, {"c1": carrier.port}, account=QUIET_ACCOUNT)
        async with running_gateway(config) as gw, good_client(smpp_port(gw)) as client:
            store = _sqlite(gw)
            _cap_at_current_size(store)
            acknowledged: list[str] = []
            refused_at: int | None = None
            for index in range(500):  # each message adds rows: the cap is reached within a few pages
                pdu = submit(f"Order {index} shipped", destination=f"336{30_000_000 + index * 100:08d}")
                response = await client.conn.request(pdu)
                if response.command_status != CommandStatus.ESME_ROK:
                    assert response.command_status == CommandStatus.ESME_RSYSERR  # retryable
                    refused_at = index
                    break
                acknowledged.append(response.message_id)  # type: ignore[attr-defined]
            assert refused_at is not None, "the store never filled up"
            assert not gw.store.healthy
            assert gw.metrics.registry.get_sample_value("smppgw_store_healthy") == 0

            # While it is down, submits are refused before they reach a carrier...
            forwarded = len(carrier.received)
            for index in range(5):
                pdu = submit(f"Refused {index}", destination=f"336{40_000_000 + index * 100:08d}")
                response = await client.conn.request(pdu)
                assert response.command_status == CommandStatus.ESME_RSYSERR
            assert len(carrier.received) == forwarded
            # ...and receipts and MO are refused with "try later", so the carrier keeps them.
            receipt_status = await carrier.send_receipt("3e8", carrier.received[0], MessageState.DELIVERED)
            assert receipt_status == CommandStatus.ESME_RX_T_APPN
            assert await carrier.send_mo("33655443322", "36123", "hello") == CommandStatus.ESME_RX_T_APPN

            store.set_max_size(None)  # the operator frees space
            await _wait(lambda: gw.store.healthy)
            assert gw.metrics.registry.get_sample_value("smppgw_store_healthy") == 1
            response = await client.conn.request(submit("Back again", destination="33650000000"))
            assert response.command_status == CommandStatus.ESME_ROK
            await gw.store.durable()

    # Every acknowledged message is recorded with its carrier id mapping; the file is sound.
    with sqlite3.connect(tmp_path / "gateway.sqlite") as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        recorded = {row[0] for row in db.execute("SELECT gateway_id FROM id_mappings")}
    assert set(acknowledged) <= recorded
