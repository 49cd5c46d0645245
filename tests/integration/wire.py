"""Wire-level clients for robustness tests: a well-behaved asyncio ESME that measures its round trips,
and raw-socket helpers for clients that send whatever bytes a test wants.

Every read has a timeout: a test that waits on the gateway never hangs on a silent one.
"""

from __future__ import annotations

import asyncio
import contextlib
import struct
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import ClassVar

from smpp_gateway.smpp import codec
from smpp_gateway.smpp.constants import CommandStatus
from smpp_gateway.smpp.errors import SmppError
from smpp_gateway.smpp.framing import FrameBuffer
from smpp_gateway.smpp.pdu import Bind, BindTransceiver, Pdu, Request, SubmitSm
from smpp_gateway.smpp.session import Session, SessionConfig
from smpp_gateway.smpp.states import Role
from smpp_gateway.transport.connection import SmppConnection

from .gateway_harness import PASSWORD

HEADER = struct.Struct(">IIII")

# The robustness tests measure the gateway, not its content policy: the velocity rules would refuse the
# well-behaved client's steady stream of test messages.
QUIET_ACCOUNT = {
    "policy": {
        "registered_senders": ["ACME"],
        "rules": {
            rule: {"mode": "off"}
            for rule in (
                "velocity.burst",
                "velocity.sequential",
                "velocity.otp_fanout",
                "velocity.high_cost_share",
            )
        },
    }
}


def submit(text: str = "hello", destination: str = "33612345678", **fields: object) -> SubmitSm:
    return SubmitSm(
        source_addr="ACME",
        source_addr_ton=5,
        destination_addr=destination,
        dest_addr_ton=1,
        dest_addr_npi=1,
        short_message=text.encode(),
        **fields,  # type: ignore[arg-type]
    )


def raw(
    command_id: int, sequence: int = 1, body: bytes = b"", status: int = 0, length: int | None = None
) -> bytes:
    """A PDU built by hand: any header, any body; ``length`` overrides command_length (a lie)."""
    size = 16 + len(body) if length is None else length
    return HEADER.pack(size & 0xFFFFFFFF, command_id, status, sequence) + body


@dataclass
class _Events:
    """ConnectionHandler of the well-behaved client: answers what the gateway delivers."""

    delivered: list[Request] = field(default_factory=list)

    def bind_requested(self, conn: SmppConnection, pdu: Bind) -> None:
        conn.reject_bind(pdu, CommandStatus.ESME_RINVBNDSTS)

    def bound(self, conn: SmppConnection) -> None:
        return None

    def request_received(self, conn: SmppConnection, pdu: Request) -> None:
        self.delivered.append(pdu)
        if pdu.response_class is not None:
            conn.send_response(pdu, pdu.make_response())

    def closed(self, conn: SmppConnection) -> None:
        return None


class GoodClient:
    """A bound transceiver that submits one message at a time and times each answer."""

    def __init__(self, conn: SmppConnection, events: _Events) -> None:
        self.conn = conn
        self.events = events
        self.round_trips: list[float] = []

    async def round_trip(self) -> tuple[int, float]:
        # A new text and a number in a new 100-block each time: the duplicate and velocity checks
        # would refuse a repeated message or a sequential run.
        count = len(self.round_trips)
        pdu = submit(f"Order {count} confirmed", destination=f"336{12_000_000 + count * 100:08d}")
        started = time.perf_counter()
        response = await asyncio.wait_for(self.conn.request(pdu), 5)
        elapsed = time.perf_counter() - started
        self.round_trips.append(elapsed)
        return response.command_status, elapsed

    async def assert_live(self, bound: float = 1.0) -> float:
        """One submit answered with status 0 within ``bound`` seconds (a liveness check, not a benchmark)."""
        status, elapsed = await self.round_trip()
        assert status == CommandStatus.ESME_ROK, f"status {status:#x}"
        assert elapsed < bound, f"round trip {elapsed:.3f} s while under attack"
        return elapsed


async def connect_client(
    port: int,
    system_id: str = "acme",
    password: str = PASSWORD,
    local_ip: str = "127.0.0.1",
    bind: type[Bind] = BindTransceiver,
) -> tuple[SmppConnection, _Events, int]:
    """Connect and bind (a transceiver by default); the connection, its handler, and the bind status."""
    loop = asyncio.get_running_loop()
    events = _Events()
    config = SessionConfig(max_outbound_window=100, enquire_link_interval=None, bind_timeout=10)
    factory: Callable[[float], Session] = lambda now: Session(Role.ESME, config, now)  # noqa: E731
    _, conn = await loop.create_connection(
        lambda: SmppConnection(factory, events, label="good-esme"),
        "127.0.0.1",
        port,
        local_addr=(local_ip, 0),
    )
    status = await asyncio.wait_for(conn.bind(bind(system_id=system_id, password=password)), 10)
    return conn, events, status


@contextlib.asynccontextmanager
async def good_client(port: int, **options: str) -> AsyncIterator[GoodClient]:
    conn, events, status = await connect_client(port, **options)
    assert status == CommandStatus.ESME_ROK, f"the well-behaved client could not bind: {status:#x}"
    try:
        yield GoodClient(conn, events)
    finally:
        conn.abort()


class Raw:
    """A raw socket to the gateway: write any bytes, read whole PDUs back, see the close.

    Every one opened is listed in ``opened`` so a test's teardown can close what an attack left open.
    """

    opened: ClassVar[list[Raw]] = []

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        Raw.opened.append(self)

    @classmethod
    async def close_all(cls) -> None:
        while cls.opened:
            client = cls.opened.pop()
            client.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(client.writer.wait_closed(), 2)

    @classmethod
    async def connect(cls, port: int, local_ip: str = "127.0.0.1") -> Raw:
        reader, writer = await asyncio.open_connection("127.0.0.1", port, local_addr=(local_ip, 0))
        return cls(reader, writer)

    async def send(self, data: bytes) -> None:
        self.writer.write(data)
        with contextlib.suppress(ConnectionError):  # the gateway may close while we still write
            await self.writer.drain()

    async def send_pdu(self, pdu: Pdu) -> None:
        await self.send(codec.encode(pdu))

    async def read_pdu(self, timeout: float = 5.0) -> Pdu | None:
        """The next PDU the gateway sends; None when it closed the connection."""
        try:
            async with asyncio.timeout(timeout):
                header = await self.reader.readexactly(16)
                (length,) = struct.unpack_from(">I", header)
                body = await self.reader.readexactly(length - 16)
        except (asyncio.IncompleteReadError, ConnectionResetError):
            return None
        try:
            return codec.decode(header + body)
        except SmppError as error:
            raise AssertionError(f"the gateway sent an undecodable PDU: {error}") from None

    async def read_pdus(self, count: int, timeout: float = 10.0) -> list[Pdu]:
        """The next ``count`` PDUs, read in large chunks (cheap enough not to slow the gateway beside it)."""
        frames, pdus = FrameBuffer(), []
        async with asyncio.timeout(timeout):
            while len(pdus) < count:
                chunk = await self.reader.read(1 << 20)
                if not chunk:
                    raise AssertionError(f"the gateway closed the connection after {len(pdus)} PDUs")
                frames.feed(chunk)
                pdus.extend(codec.decode(frame) for frame in frames)
        return pdus

    async def closed_by_peer(self, timeout: float = 5.0) -> bool:
        """Read (and discard) until the gateway closes; False if it is still open after ``timeout``."""
        try:
            async with asyncio.timeout(timeout):
                while await self.reader.read(65536):
                    pass
        except TimeoutError:
            return False
        except ConnectionResetError:
            pass
        return True

    def close(self) -> None:
        self.writer.transport.abort()
