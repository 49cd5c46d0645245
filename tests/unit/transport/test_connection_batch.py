"""SmppConnection.send_requests_nowait: one session batch, one timer, one transport write."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from smpp_gateway.smpp import codec
from smpp_gateway.smpp import pdu as p
from smpp_gateway.smpp.constants import CommandStatus
from smpp_gateway.smpp.errors import LocalProtocolError
from smpp_gateway.smpp.session import Session, SessionConfig
from smpp_gateway.smpp.states import Role
from smpp_gateway.transport.connection import SmppConnection


class Transport:
    """What the connection uses of an asyncio transport; records each write."""

    def __init__(self) -> None:
        self.writes: list[bytes] = []

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return default

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        pass

    def write(self, data: bytes) -> None:
        self.writes.append(data)

    def is_closing(self) -> bool:
        return False

    def get_write_buffer_size(self) -> int:
        return 0


class Handler:
    def bind_requested(self, conn: SmppConnection, pdu: p.Bind) -> None:
        conn.accept_bind(pdu, "smsc")

    def bound(self, conn: SmppConnection) -> None:
        pass

    def request_received(self, conn: SmppConnection, pdu: p.Request) -> None:
        pass

    def closed(self, conn: SmppConnection) -> None:
        pass


async def bound_connection(window: int) -> tuple[SmppConnection, Transport]:
    config = SessionConfig(max_outbound_window=window)
    conn = SmppConnection(lambda now: Session(Role.SMSC, config, now), Handler())
    transport = Transport()
    conn.connection_made(transport)  # type: ignore[arg-type]
    conn.data_received(codec.encode(p.BindTransceiver(sequence_number=1, system_id="e", password="p")))
    transport.writes.clear()
    return conn, transport


async def test_a_batch_is_one_write_and_its_answers_arrive() -> None:
    conn, transport = await bound_connection(window=5)
    pdus = [p.DeliverSm(source_addr=str(n)) for n in range(3)]
    numbers = conn.send_requests_nowait(pdus)
    assert numbers == [1, 2, 3]
    await asyncio.sleep(0)  # the flush runs once per loop turn
    expected = b"".join(codec.encode(pdu.with_sequence(n)) for pdu, n in zip(pdus, numbers, strict=True))
    assert transport.writes == [expected]
    assert conn.session.outstanding == 3
    conn.data_received(b"".join(codec.encode(p.DeliverSmResp(sequence_number=n)) for n in numbers))
    assert conn.session.outstanding == 0


async def test_a_refused_batch_writes_nothing() -> None:
    conn, transport = await bound_connection(window=2)
    with pytest.raises(LocalProtocolError) as caught:
        conn.send_requests_nowait([p.DeliverSm() for _ in range(3)])
    assert caught.value.status == CommandStatus.ESME_RMSGQFUL
    await asyncio.sleep(0)
    assert transport.writes == []
