"""CarrierBind: one outbound SMPP bind to a carrier, kept up by reconnecting with backoff.

The bind connects, binds (transceiver, transmitter or receiver), and serves ``submit`` within its
window and TPS limit until the link drops; then it reconnects after an exponential backoff with full
jitter (so a carrier restart is not met by every gateway bind at the same instant). Requests the carrier
sends us (receipts, MO) go to the ``CarrierHandler``.
"""

from __future__ import annotations

import asyncio
import logging
import random
import ssl
from collections import deque
from collections.abc import Callable
from enum import StrEnum
from typing import Protocol

from ..config import CarrierConfig
from ..smpp.constants import CommandStatus
from ..smpp.pdu import Bind, BindReceiver, BindTransceiver, BindTransmitter, Request, Response
from ..smpp.session import Session, SessionConfig
from ..smpp.states import Role
from .connection import LinkLost, SmppConnection

log = logging.getLogger(__name__)

CONNECT_TIMEOUT = 10.0


class BindState(StrEnum):
    DOWN = "down"
    CONNECTING = "connecting"
    BOUND = "bound"
    STOPPED = "stopped"


class CarrierHandler(Protocol):
    def carrier_request(self, bind: CarrierBind, conn: SmppConnection, pdu: Request) -> None: ...

    def carrier_state_changed(self, bind: CarrierBind) -> None: ...


class CarrierUnavailable(ConnectionError):
    """No bound connection could take the request."""


class Window:
    """The request slots of one bind, handed out in arrival order.

    ``asyncio.Semaphore`` with a synchronous fast path: ``take()`` is a plain comparison when a slot
    is free and nobody queues, which is how nearly every submit finds it.
    """

    __slots__ = ("_waiters", "size", "used")

    def __init__(self, size: int) -> None:
        self.size = size
        self.used = 0
        self._waiters: deque[asyncio.Future[None]] = deque()

    @property
    def has_room(self) -> bool:
        return self.used < self.size and not self._waiters

    def take(self) -> bool:
        """Take a slot if one is free now (and nobody queues for one)."""
        if self.has_room:
            self.used += 1
            return True
        return False

    async def wait(self) -> None:
        """Queue for a slot; ``release`` hands it over (``used`` counts it all along)."""
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():  # handed a slot, but cancelled before using it
                self.release()
            raise

    def release(self) -> None:
        waiters = self._waiters
        while waiters:
            waiter = waiters.popleft()
            if not waiter.done():  # skip those whose caller gave up
                waiter.set_result(None)
                return
        self.used -= 1


class CarrierBind:
    """One connection to a carrier. ``mode``: transceiver, transmitter or receiver."""

    def __init__(
        self,
        config: CarrierConfig,
        index: int,
        mode: str,
        handler: CarrierHandler,
        *,
        rng: random.Random | None = None,
    ) -> None:
        self.config = config
        self.index = index
        self.mode = mode
        self.handler = handler
        self.label = f"{config.name}/{mode}-{index}"
        self.state = BindState.DOWN
        self.connection: SmppConnection | None = None
        self.paused_until = 0.0
        self._rng = rng or random.Random()
        self._window = Window(config.window)
        self._stopping = False
        self._bound_event = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._next_send_at = 0.0

    def stopping(self) -> bool:
        """A method, not an attribute read: stop() flips it while _run is suspended."""
        return self._stopping

    @property
    def can_submit(self) -> bool:
        return self.mode != "receiver" and self.state is BindState.BOUND

    @property
    def in_flight(self) -> int:
        return self._window.used

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"carrier:{self.label}")

    async def wait_bound(self, timeout: float) -> bool:
        try:
            await asyncio.wait_for(self._bound_event.wait(), timeout)
        except TimeoutError:
            return False
        return True

    async def stop(self, timeout: float) -> None:
        self._stopping = True
        connection = self.connection
        if connection is not None:
            await connection.unbind(timeout)
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        self._set_state(BindState.STOPPED)

    async def submit(self, pdu: Request, deadline: float) -> Response:
        """Send within the window and TPS limit and answer by ``deadline`` (loop time); raises LinkLost,
        RequestTimeout, CarrierUnavailable, or TimeoutError when the deadline passes first."""
        now = asyncio.get_running_loop().time()
        if (
            deadline - now >= self.config.response_timeout
            and self.paused_until <= now
            and self.config.max_tps is None
            and self._window.take()
        ):
            # A slot, no pacing, and the connection gives up on the response before the deadline:
            # no deadline timer needed (this is the path of nearly every message).
            return await self._send(pdu, holding_slot=True)
        async with asyncio.timeout_at(deadline):
            return await self._send(pdu, holding_slot=False)

    async def _send(self, pdu: Request, *, holding_slot: bool) -> Response:
        window = self._window
        if not holding_slot and not window.take():
            await window.wait()
        try:
            await self._pace()
            connection = self.connection
            if connection is None or self.state is not BindState.BOUND:
                raise CarrierUnavailable(f"{self.label} is {self.state}")
            return await connection.request(pdu)
        finally:
            window.release()

    def back_off(self, now: float) -> None:
        """The carrier said RTHROTTLED/RMSGQFUL: send nothing on this bind for a while."""
        self.paused_until = max(self.paused_until, now + self.config.throttle_backoff)

    async def _pace(self) -> None:
        loop = asyncio.get_running_loop()
        now = loop.time()
        wait = self.paused_until - now
        if self.config.max_tps is not None:
            slot = max(now, self._next_send_at)
            self._next_send_at = slot + 1.0 / self.config.max_tps
            wait = max(wait, slot - now)
        if wait > 0:
            await asyncio.sleep(wait)

    # --- connection lifecycle ---------------------------------------------------------------------

    async def _run(self) -> None:
        attempt = 0
        while not self.stopping():
            self._set_state(BindState.CONNECTING)
            try:
                bound = await self._connect_and_bind()
            except (OSError, TimeoutError, LinkLost) as error:
                log.warning("%s: connect failed: %s", self.label, error)
                bound = False
            if bound:
                attempt = 0
                assert self.connection is not None
                await self.connection.closed
                log.warning("%s: link lost", self.label)
            self.connection = None
            self._bound_event.clear()
            if self.stopping():
                break
            self._set_state(BindState.DOWN)
            await asyncio.sleep(self._backoff(attempt))
            attempt += 1

    def _backoff(self, attempt: int) -> float:
        ceiling = min(self.config.reconnect_max, self.config.reconnect_min * (2**attempt))
        return self.config.reconnect_min / 2 + self._rng.uniform(0, ceiling)

    async def _connect_and_bind(self) -> bool:
        loop = asyncio.get_running_loop()
        config = self.config
        context = ssl.create_default_context() if config.tls else None
        _, connection = await asyncio.wait_for(
            loop.create_connection(self._make_connection, config.host, config.port, ssl=context),
            CONNECT_TIMEOUT,
        )
        self.connection = connection
        status = await connection.bind(self._bind_pdu())
        if status != CommandStatus.ESME_ROK:
            log.error("%s: bind refused: %s", self.label, _status_name(status))
            connection.close()
            return False
        log.info("%s: bound to %s:%d", self.label, config.host, config.port)
        self._set_state(BindState.BOUND)
        self._bound_event.set()
        return True

    def _make_connection(self) -> SmppConnection:
        config = self.config
        session_config = SessionConfig(
            response_timeout=config.response_timeout,
            enquire_link_interval=config.enquire_link_interval,
            inactivity_timeout=None,  # a quiet carrier link is normal; enquire_link proves it alive
            bind_timeout=CONNECT_TIMEOUT,
            max_outbound_window=config.window,
            max_inbound_window=max(100, config.window),
        )
        factory: Callable[[float], Session] = lambda now: Session(Role.ESME, session_config, now)  # noqa: E731
        return SmppConnection(factory, _ConnectionEvents(self), label=self.label)

    def _bind_pdu(self) -> Bind:
        cls = {"transceiver": BindTransceiver, "transmitter": BindTransmitter, "receiver": BindReceiver}[
            self.mode
        ]
        return cls(
            system_id=self.config.system_id,
            password=self.config.password,
            system_type=self.config.system_type,
        )

    def _set_state(self, state: BindState) -> None:
        if state is not self.state:
            self.state = state
            self.handler.carrier_state_changed(self)


class _ConnectionEvents:
    """Adapts connection callbacks to the CarrierBind (a carrier never asks us to bind)."""

    def __init__(self, bind: CarrierBind) -> None:
        self.bind = bind

    def bind_requested(self, conn: SmppConnection, pdu: Bind) -> None:
        conn.reject_bind(pdu, CommandStatus.ESME_RINVBNDSTS)

    def bound(self, conn: SmppConnection) -> None:
        return None

    def request_received(self, conn: SmppConnection, pdu: Request) -> None:
        self.bind.handler.carrier_request(self.bind, conn, pdu)

    def closed(self, conn: SmppConnection) -> None:
        return None


def _status_name(status: int) -> str:
    try:
        return CommandStatus(status).name
    except ValueError:
        return f"{status:#x}"
