"""A bind's request window and the pool's choice of bind (no sockets: binds are set by hand)."""

from __future__ import annotations

import asyncio

from smpp_gateway.config import CarrierConfig
from smpp_gateway.smpp.pdu import Request
from smpp_gateway.transport.client import BindState, CarrierBind, Window
from smpp_gateway.transport.connection import SmppConnection
from smpp_gateway.transport.pool import CarrierPool


async def test_window_hands_slots_out_in_arrival_order() -> None:
    window = Window(2)
    assert window.take()
    assert window.take()
    assert not window.take()
    assert not window.has_room
    order: list[str] = []

    async def queued(name: str) -> None:
        await window.wait()
        order.append(name)

    first, second = asyncio.ensure_future(queued("first")), asyncio.ensure_future(queued("second"))
    await asyncio.sleep(0)
    window.release()
    await asyncio.sleep(0)
    assert order == ["first"]
    assert window.used == 2  # handed over, never freed in between
    assert not window.take()  # a waiter still queues: no overtaking
    window.release()
    await asyncio.gather(first, second)
    assert order == ["first", "second"]
    window.release()
    window.release()
    assert window.used == 0
    assert window.has_room


async def test_a_waiter_that_gives_up_is_skipped_and_a_handed_slot_is_passed_on() -> None:
    window = Window(1)
    assert window.take()
    gone = asyncio.ensure_future(window.wait())
    handed = asyncio.ensure_future(window.wait())
    last = asyncio.ensure_future(window.wait())
    await asyncio.sleep(0)
    gone.cancel()  # gives up while queued: release skips it
    await asyncio.sleep(0)
    window.release()  # to `handed`...
    handed.cancel()  # ...which is cancelled before it runs: the slot goes on to `last`
    await asyncio.sleep(0)
    await asyncio.wait_for(last, 1)
    assert gone.cancelled()
    assert handed.cancelled()
    assert window.used == 1
    window.release()
    assert window.used == 0


class _Handler:
    def carrier_request(self, bind: CarrierBind, conn: SmppConnection, pdu: Request) -> None:
        return None

    def carrier_state_changed(self, bind: CarrierBind) -> None:
        return None


def pool_of(binds: int) -> CarrierPool:
    config = CarrierConfig(name="c", host="127.0.0.1", port=2776, system_id="gw", password="pw", binds=binds)
    pool = CarrierPool(config, _Handler())
    for bind in pool.binds:
        bind.state = BindState.BOUND
    return pool


def test_the_pool_picks_the_least_busy_unpaused_bind() -> None:
    pool = pool_of(3)
    first, second, third = pool.binds
    first._window.used, second._window.used, third._window.used = 5, 2, 2
    assert pool._choose(None, now=10.0) is second  # the first of the least busy
    second.paused_until = 11.0
    assert pool._choose(None, now=10.0) is third
    third.state = BindState.DOWN
    assert pool._choose(None, now=10.0) is first  # busy but not paused beats paused
    first.paused_until = 12.0
    assert pool._choose(None, now=10.0) is second  # all paused: the least busy of them
    first.state = second.state = BindState.DOWN
    assert pool._choose(None, now=10.0) is None


def test_parts_of_one_message_stay_on_one_bind() -> None:
    pool = pool_of(2)
    first, second = pool.binds
    chosen = pool._choose("message", now=0.0)
    assert chosen is first
    first._window.used = 10  # busier now, but the parts stay together
    assert pool._choose("message", now=0.0) is first
    assert pool._choose(None, now=0.0) is second
    first.state = BindState.DOWN  # a lost link: the rest goes where it can
    assert pool._choose("message", now=0.0) is second
