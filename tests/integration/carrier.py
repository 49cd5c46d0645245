"""A small scriptable SMSC for gateway tests: real sockets, our own session, behaviour set per test.

Unlike the simulators (which model carrier profiles statistically), this one does exactly what the
test says: answer every submit with a status, hold answers, drop the link, or send a receipt for a
given message id on demand.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from smpp_gateway.smpp.constants import CommandStatus, EsmClass, MessageState, Tag
from smpp_gateway.smpp.pdu import Bind, DeliverSm, Request, SubmitSm, Tlv
from smpp_gateway.smpp.session import Session, SessionConfig
from smpp_gateway.smpp.states import Role
from smpp_gateway.transport.connection import SmppConnection


@dataclass
class ScriptedCarrier:
    system_id: str = "gateway"
    password: str = "gwpass1"
    status: int = CommandStatus.ESME_ROK
    hold: bool = False  # never answer submits (a black hole)
    refuse_binds: bool = False
    port: int = 0
    received: list[SubmitSm] = field(default_factory=list)
    connections: list[SmppConnection] = field(default_factory=list)
    submitted: asyncio.Event = field(default_factory=asyncio.Event)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1000))
    _server: asyncio.Server | None = None

    # --- ConnectionHandler ----------------------------------------------------------------------

    def bind_requested(self, conn: SmppConnection, pdu: Bind) -> None:
        if self.refuse_binds or pdu.system_id != self.system_id or pdu.password != self.password:
            conn.reject_bind(pdu, CommandStatus.ESME_RBINDFAIL)
        else:
            conn.accept_bind(pdu, "testsmsc")

    def bound(self, conn: SmppConnection) -> None:
        self.connections.append(conn)

    def request_received(self, conn: SmppConnection, pdu: Request) -> None:
        if isinstance(pdu, SubmitSm):
            self.received.append(pdu)
            self.submitted.set()
            if self.hold:
                return
            if self.status == CommandStatus.ESME_ROK:
                conn.send_response(pdu, pdu.make_response(message_id=f"{next(self._ids):x}"))
            else:
                conn.send_response(pdu, pdu.make_response(self.status))
        elif pdu.response_class is not None:
            conn.send_response(pdu, pdu.make_response())

    def closed(self, conn: SmppConnection) -> None:
        if conn in self.connections:
            self.connections.remove(conn)

    # --- test controls --------------------------------------------------------------------------

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        config = SessionConfig(max_inbound_window=1000, max_outbound_window=1000)
        self._server = await loop.create_server(
            lambda: SmppConnection(lambda now: Session(Role.SMSC, config, now), self, label="test-smsc"),
            "127.0.0.1",
            self.port,
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for conn in list(self.connections):
            conn.abort()
        if self._server is not None:
            await self._server.wait_closed()

    def drop_links(self) -> None:
        for conn in list(self.connections):
            conn.abort()

    async def wait_bound(self, count: int = 1, timeout: float = 10.0) -> None:
        async with asyncio.timeout(timeout):
            while len(self.connections) < count:
                await asyncio.sleep(0.01)

    async def send_receipt(self, message_id: str, submit: SubmitSm, state: MessageState) -> int:
        """Send a receipt for ``message_id`` on a bound link; return the gateway's deliver_sm_resp status."""
        stat = {MessageState.DELIVERED: "DELIVRD", MessageState.UNDELIVERABLE: "UNDELIV"}.get(
            state, "UNKNOWN"
        )
        text = (
            f"id:{message_id} sub:001 dlvrd:001 submit date:2611231000 done date:2611231001 "
            f"stat:{stat} err:000 text:"
        )
        pdu = DeliverSm(
            source_addr=submit.destination_addr,
            destination_addr=submit.source_addr,
            esm_class=EsmClass.DELIVERY_RECEIPT,
            short_message=text.encode(),
            tlvs=(Tlv(Tag.RECEIPTED_MESSAGE_ID, message_id), Tlv(Tag.MESSAGE_STATE, int(state))),
        )
        response = await self.connections[0].request(pdu)
        return response.command_status

    async def send_mo(self, source: str, destination: str, text: str) -> int:
        pdu = DeliverSm(
            source_addr=source,
            source_addr_ton=1,
            source_addr_npi=1,
            destination_addr=destination,
            short_message=text.encode(),
        )
        response = await self.connections[0].request(pdu)
        return response.command_status


@contextlib.asynccontextmanager
async def running_carrier(**options: object) -> AsyncIterator[ScriptedCarrier]:
    carrier = ScriptedCarrier(**options)  # type: ignore[arg-type]
    await carrier.start()
    try:
        yield carrier
    finally:
        await carrier.stop()
