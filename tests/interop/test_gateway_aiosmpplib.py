"""aiosmpplib (an asyncio ESME library) against the real gateway: bind, submit, receipt."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest
from aiosmpplib import (
    ESME,
    NPI,
    TON,
    AbstractHook,
    DeliverSm,
    PhoneNumber,
    SmppMessage,
    SubmitSm,
    SubmitSmResp,
)

from smpp_gateway.smpp.constants import MessageState

from ..integration.carrier import running_carrier
from ..integration.gateway_harness import PASSWORD, gateway_config, running_gateway, smpp_port


class Capture(AbstractHook):
    def __init__(self) -> None:
        self.messages: list[SmppMessage] = []
        self.changed = asyncio.Event()

    async def sending(self, smpp_message: SmppMessage, pdu: bytes, client_id: str) -> None:
        return None

    async def received(self, smpp_message: SmppMessage | None, pdu: bytes, client_id: str) -> None:  # type: ignore[override]
        if smpp_message is not None:
            self.messages.append(smpp_message)
            self.changed.set()

    async def send_error(self, smpp_message: SmppMessage, error: Exception, client_id: str) -> None:
        return None

    async def wait_for(self, kind: type, timeout: float = 10.0) -> SmppMessage:
        async with asyncio.timeout(timeout):
            while True:
                for message in self.messages:
                    if isinstance(message, kind):
                        return message
                self.changed.clear()
                await self.changed.wait()


# aiosmpplib's stop() leaves its StreamWriter to the garbage collector (a ResourceWarning in its code,
# not ours): tolerated here only.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
async def test_aiosmpplib_submits_and_gets_the_receipt(tmp_path: Path) -> None:
    async with (
        running_carrier() as carrier,
        running_gateway(gateway_config(tmp_path, {"c1": carrier.port})) as gw,
    ):
        hook = Capture()
        esme = ESME(
            smsc_host="127.0.0.1",
            smsc_port=smpp_port(gw),
            system_id="acme",
            password=PASSWORD,
            hook=hook,
            log_level=logging.WARNING,
            enquire_link_interval=30.0,
        )
        runner = asyncio.create_task(esme.start())
        try:
            await esme.broker.enqueue(
                SubmitSm(
                    short_message="Votre rendez-vous est confirmé",
                    source=PhoneNumber("ACME", TON.ALPHANUMERIC, NPI.UNKNOWN),
                    destination=PhoneNumber("33612345678", TON.INTERNATIONAL, NPI.ISDN),
                    registered_delivery=1,
                    log_id="m1",
                )
            )
            response = await hook.wait_for(SubmitSmResp)
            assert isinstance(response, SubmitSmResp)
            assert len(response.message_id) == 24
            assert carrier.received[0].short_message.startswith(b"Votre rendez-vous")
            await carrier.send_receipt("3e8", carrier.received[0], MessageState.DELIVERED)
            receipt = await hook.wait_for(DeliverSm)
            assert isinstance(receipt, DeliverSm)
            assert response.message_id in receipt.short_message
        finally:
            await esme.stop()
            runner.cancel()
            await asyncio.gather(runner, return_exceptions=True)
