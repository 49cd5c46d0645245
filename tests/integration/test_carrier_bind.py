"""CarrierBind.submit's deadline: the connection's response timeout when it comes first, the caller's
deadline otherwise, and waiting for a window slot counts against the deadline too."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest

from smpp_gateway.config import CarrierConfig
from smpp_gateway.smpp.pdu import Request, SubmitSm, SubmitSmResp
from smpp_gateway.transport.client import CarrierBind
from smpp_gateway.transport.connection import RequestTimeout, SmppConnection

from .carrier import ScriptedCarrier, running_carrier


class _Handler:
    def carrier_request(self, bind: CarrierBind, conn: SmppConnection, pdu: Request) -> None:
        return None

    def carrier_state_changed(self, bind: CarrierBind) -> None:
        return None


@contextlib.asynccontextmanager
async def bound(carrier: ScriptedCarrier, **settings: object) -> AsyncIterator[CarrierBind]:
    config = CarrierConfig.model_validate(
        {
            "name": "c",
            "host": "127.0.0.1",
            "port": carrier.port,
            "system_id": "gateway",
            "password": "gwpass1",
        }
        | settings
    )
    bind = CarrierBind(config, 0, "transceiver", _Handler())
    bind.start()
    try:
        assert await bind.wait_bound(10)
        yield bind
    finally:
        await bind.stop(1)


def submit(text: str) -> SubmitSm:
    return SubmitSm(source_addr="ACME", destination_addr="33612345678", short_message=text.encode())


async def test_a_silent_carrier_times_out_at_its_response_timeout_before_a_later_deadline() -> None:
    async with running_carrier(hold=True) as carrier, bound(carrier, response_timeout=0.3) as bind:
        loop = asyncio.get_running_loop()
        started = loop.time()
        with pytest.raises(RequestTimeout):
            await bind.submit(submit("m"), deadline=started + 30)
        assert loop.time() - started < 5


async def test_a_deadline_before_the_response_timeout_ends_the_wait_at_the_deadline() -> None:
    async with running_carrier(hold=True) as carrier, bound(carrier, response_timeout=30) as bind:
        loop = asyncio.get_running_loop()
        started = loop.time()
        with pytest.raises(TimeoutError):
            await bind.submit(submit("m"), deadline=started + 0.3)
        assert loop.time() - started < 5
        assert len(carrier.received) == 1  # it was sent; only the wait was cut short


async def test_waiting_for_a_window_slot_ends_at_the_deadline() -> None:
    async with running_carrier(hold=True) as carrier, bound(carrier, response_timeout=2, window=1) as bind:
        loop = asyncio.get_running_loop()
        first = asyncio.ensure_future(bind.submit(submit("first"), deadline=loop.time() + 30))
        async with asyncio.timeout(5):
            await carrier.submitted.wait()
        assert bind.in_flight == 1
        with pytest.raises(TimeoutError):
            await bind.submit(submit("second"), deadline=loop.time() + 0.3)
        assert [pdu.short_message for pdu in carrier.received] == [b"first"]  # the second never left
        with pytest.raises(RequestTimeout):
            await first


async def test_an_answered_submit_returns_the_carriers_response() -> None:
    async with running_carrier() as carrier, bound(carrier) as bind:
        response = await bind.submit(submit("m"), deadline=asyncio.get_running_loop().time() + 30)
        assert isinstance(response, SubmitSmResp)
        assert response.command_status == 0
        assert response.message_id == "3e8"  # the scripted carrier's first id, 1000 in hex
