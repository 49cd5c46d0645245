"""CarrierPool: the binds of one carrier, and the choice of which one sends a submit.

A submit goes to the bound, un-paused bind with the fewest requests in flight. A carrier's
ESME_RTHROTTLED / ESME_RMSGQFUL pauses that bind (``CarrierBind.back_off``) and the same message is
tried again, on another bind or after the pause, until its deadline: throttling slows the link down,
it does not fail the message. Parts of one concatenated message name a ``sticky`` key so they leave
on the same connection (some carriers reassemble per bind).
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Callable

from ..config import CarrierConfig
from ..smpp.constants import CommandStatus
from ..smpp.pdu import Request, Response
from .client import BindState, CarrierBind, CarrierHandler, CarrierUnavailable

log = logging.getLogger(__name__)

THROTTLE_STATUSES = frozenset({CommandStatus.ESME_RTHROTTLED, CommandStatus.ESME_RMSGQFUL})
# Sticky keys of concatenated messages whose parts are still arriving; a few thousand is plenty.
MAX_STICKY_KEYS = 10_000


class CarrierPool:
    def __init__(self, config: CarrierConfig, handler: CarrierHandler) -> None:
        self.config = config
        self.name = config.name
        modes = ["transceiver"] if config.bind_mode == "transceiver" else ["transmitter", "receiver"]
        self.binds = [
            CarrierBind(config, index, mode, handler) for index in range(config.binds) for mode in modes
        ]
        self._sticky: OrderedDict[object, CarrierBind] = OrderedDict()
        # Called on each throttling answer (the owner counts them; the pool has no metrics of its own).
        self.on_throttled: Callable[[], None] | None = None

    @property
    def bound_count(self) -> int:
        return sum(1 for bind in self.binds if bind.state is BindState.BOUND)

    @property
    def in_flight(self) -> int:
        return sum(bind.in_flight for bind in self.binds)

    @property
    def up(self) -> bool:
        return any(bind.can_submit for bind in self.binds)

    def start(self) -> None:
        for bind in self.binds:
            bind.start()

    async def stop(self, timeout: float) -> None:
        await asyncio.gather(*(bind.stop(timeout) for bind in self.binds), return_exceptions=True)

    async def submit(self, pdu: Request, deadline: float, sticky: object = None) -> Response:
        """Submit, answered by ``deadline`` (loop time). Raises CarrierUnavailable, LinkLost,
        RequestTimeout, or TimeoutError when the deadline passes first."""
        loop = asyncio.get_running_loop()
        while True:
            bind = self._choose(sticky, loop.time())
            if bind is None:
                # Fail fast: the caller fails over to the next route rather than waiting for a reconnect.
                raise CarrierUnavailable(f"{self.name}: no bound connection")
            response = await bind.submit(pdu, deadline)
            if response.command_status in THROTTLE_STATUSES and loop.time() < deadline:
                bind.back_off(loop.time())
                if self.on_throttled is not None:
                    self.on_throttled()
                log.info("%s: carrier throttled (%#x); backing off", bind.label, response.command_status)
                continue
            return response

    def _choose(self, sticky: object, now: float) -> CarrierBind | None:
        if sticky is not None:
            pinned = self._sticky.get(sticky)
            if pinned is not None and pinned.can_submit:
                self._sticky.move_to_end(sticky)
                return pinned
        # The least busy bind that can send now; a paused one only when all usable ones are paused.
        choice: CarrierBind | None = None
        paused: CarrierBind | None = None
        for bind in self.binds:
            if not bind.can_submit:
                continue
            if bind.paused_until > now:
                if paused is None or bind.in_flight < paused.in_flight:
                    paused = bind
            elif choice is None or bind.in_flight < choice.in_flight:
                choice = bind
        if choice is None:
            if paused is None:
                return None
            choice = paused
        if sticky is not None:
            self._sticky[sticky] = choice
            if len(self._sticky) > MAX_STICKY_KEYS:
                self._sticky.popitem(last=False)
        return choice
