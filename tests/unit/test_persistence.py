"""GatewayStore: one writer barrier per event-loop pass (durable), and receipts that overtake their submit."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from smpp_gateway import persistence
from smpp_gateway.config import StoreConfig
from smpp_gateway.metrics import Metrics
from smpp_gateway.persistence import GatewayStore
from smpp_gateway.store import IdMapping, StoreUnavailable


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[GatewayStore]:
    gateway_store = GatewayStore(
        StoreConfig(path=tmp_path / "gw.sqlite"), Metrics(), wall_clock=lambda: 1000.0
    )
    await gateway_store.start()
    try:
        yield gateway_store
    finally:
        await gateway_store.close(5)


def count_barriers(store: GatewayStore) -> list[int]:
    issued = [0]
    barrier = store.writer.barrier

    async def counted() -> None:
        issued[0] += 1
        await barrier()

    store.writer.barrier = counted  # type: ignore[method-assign]
    return issued


async def test_callers_of_one_pass_share_one_barrier_and_see_their_writes(store: GatewayStore) -> None:
    issued = count_barriers(store)
    for number in range(5):
        store.add_opt_out(f"3361234567{number}", "demo", "")
    await asyncio.gather(*(store.durable() for _ in range(5)))
    assert issued == [1]
    assert len(await store.opt_outs()) == 5
    await store.durable()  # a later pass: a barrier of its own
    assert issued == [2]


async def test_a_cancelled_caller_leaves_the_others_waiting(store: GatewayStore) -> None:
    first, second = asyncio.ensure_future(store.durable()), asyncio.ensure_future(store.durable())
    await asyncio.sleep(0)  # both wait on the barrier of this pass
    first.cancel()
    await second
    assert first.cancelled()
    assert second.done()


async def test_a_failing_store_fails_every_caller_of_the_pass(store: GatewayStore) -> None:
    async def failing() -> None:
        raise StoreUnavailable("disk full")

    store.writer.barrier = failing  # type: ignore[method-assign]
    results = await asyncio.gather(store.durable(), store.durable(), return_exceptions=True)
    assert [type(result) for result in results] == [StoreUnavailable, StoreUnavailable]


async def test_the_configured_page_cache_reaches_every_connection(tmp_path: Path) -> None:
    gateway_store = GatewayStore(
        StoreConfig(path=tmp_path / "gw.sqlite", cache_mib=3), Metrics(), wall_clock=lambda: 1000.0
    )
    await gateway_store.start()
    try:
        gateway_store.add_opt_out("33612345670", "demo", "")
        await gateway_store.durable()  # the writer thread has opened its connection
        await gateway_store.opt_outs()  # and a reader its own
        connections = gateway_store._store._connections  # type: ignore[union-attr]
        assert len(connections) >= 2
        assert {conn.execute("PRAGMA cache_size").fetchone()[0] for conn in connections} == {-3 * 1024}
    finally:
        await gateway_store.close(5)


def _mapping(carrier_id: str) -> IdMapping:
    return IdMapping(
        gateway_id="g1",
        carrier="c1",
        carrier_message_id=carrier_id,
        account="demo",
        route="fr",
        submitted_at=1.0,
    )


async def test_an_unknown_id_is_answered_at_once_when_no_forward_is_under_way(
    store: GatewayStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(persistence, "MAPPING_GRACE", 60.0)
    async with asyncio.timeout(10):  # it does not wait out the grace
        assert await store.mapping("c1", "abc1") is None


async def test_a_receipt_waits_for_the_forward_under_way_to_record_its_id(store: GatewayStore) -> None:
    store.forward_started()
    lookups = [asyncio.ensure_future(store.mapping("c1", "ABC1")) for _ in range(2)]  # any spelling
    await asyncio.sleep(0.2)  # the store was read and knew nothing
    assert not any(lookup.done() for lookup in lookups)
    store._remember(_mapping("abc1"))  # what record_submit does once the carrier answered
    store.forward_recorded()
    found = await asyncio.gather(*lookups)
    assert [mapping.gateway_id for mapping in found if mapping is not None] == ["g1", "g1"]
    assert store._mapping_waiters == {}


async def test_a_receipt_for_an_id_no_forward_records_is_unknown_after_the_grace(
    store: GatewayStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(persistence, "MAPPING_GRACE", 0.1)
    store.forward_started()
    try:
        lookup = asyncio.ensure_future(store.mapping("c1", "zzz9"))
        await asyncio.sleep(0.05)
        store._remember(_mapping("other"))  # another message's id wakes nobody
        assert await lookup is None
        assert store._mapping_waiters == {}
    finally:
        store.forward_recorded()
