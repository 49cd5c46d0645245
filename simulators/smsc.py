"""A simulated carrier: an SMSC on its own port with credentials, a behaviour profile and a seed.

Theory of operation:
* Each accepted socket is a ``Link`` (an ``SmppConnection``) around an SMSC-role ``Session``; this
  class is its handler. Binds are checked against the credentials, the outage switches and
  ``max_binds``.
* submit_sm is answered inline from ``request_received``: no task per message. The TPS bucket, the
  injected error and the latency are decided there; a latency > 0 defers the answer through the
  batch scheduler. Accepted messages go to ``Fate`` (delivery, receipts, replies).
* The message counter is the only input of the dice besides the seed: throttled submits do not
  consume one, so a message's outcome depends on the seed and on how many accepted or errored
  submits came before it, not on timing.
* Receipts and MO leave through one ``Outbox`` per system_id.
* Outages: ``refuse_binds`` answers binds ESME_RBINDFAIL; ``drop_every`` aborts every connection
  periodically (a TCP reset, as a crashing SMSC gives); ``black_hole`` stops reading sockets, so
  nothing at all is answered, not even enquire_link. All can be switched at run time (``set_outage``).
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Callable
from datetime import datetime

from smpp_gateway.smpp.constants import CommandStatus
from smpp_gateway.smpp.errors import LocalProtocolError
from smpp_gateway.smpp.pdu import Bind, DeliverSm, Request, Response, SubmitSm, SubmitSmResp
from smpp_gateway.smpp.session import Session, SessionConfig
from smpp_gateway.smpp.states import BindState, Role
from smpp_gateway.transport.connection import SmppConnection

from .behaviours import Dice, splitmix64, submit_latency, submit_status
from .config import CarrierConfig, Outage
from .fate import Accepted, DeliverySink, Fate, mo_pdus
from .handsets import WallClock
from .mo import KeywordGenerator
from .outbox import RECEIVING, Build, Link, Outbox
from .scheduler import BatchScheduler

log = logging.getLogger(__name__)

_S = CommandStatus
# A TPS bucket holds a tenth of a second of allowance: enough to absorb the jitter of one client's
# window, small enough that a burst above the limit is throttled at once, as carriers do.
BURST_SECONDS = 0.1
HOUSEKEEPING_INTERVAL = 1.0  # reassembly expiry
MAX_ADDRESS = 20  # deliver_sm source_addr and destination_addr are C-Octet Strings of 21 with the NUL


class TokenBucket:
    def __init__(self, rate: float, now: float) -> None:
        self.rate = rate
        self.capacity = max(1.0, rate * BURST_SECONDS)
        self._tokens = self.capacity
        self._at = now

    def take(self, now: float) -> bool:
        self._tokens = min(self.capacity, self._tokens + (now - self._at) * self.rate)
        self._at = now
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return True
        return False


class CarrierSimulator:
    def __init__(
        self,
        config: CarrierConfig,
        *,
        seed: int,
        panel: DeliverySink | None = None,
        wall: Callable[[], datetime] | None = None,
    ) -> None:
        self.config = config
        self.name = config.name
        self.seed = seed
        self.behaviour = config.behaviour
        self.outage = config.behaviour.outage
        self.counter = 0
        self._mo_counter = 0
        self.submits: Counter[str] = Counter()  # outcome name -> count (ESME_ROK, ESME_RTHROTTLED, ...)
        self.binds_refused = 0
        self.links: set[Link] = set()
        self.outboxes: dict[str, Outbox] = {}
        self._passwords = {item.system_id: item.password for item in config.credentials}
        self._panel = panel
        self._wall = wall or WallClock()
        self._id_base = (1 + splitmix64(seed) % 9000) * 10**10  # ids differ between carriers, same per seed
        # What the profile asks of every submit, read once: most profiles inject no error and
        # answer inline, and then draw nothing for either.
        self._injects_errors = bool(config.behaviour.errors)
        self._answers_inline = config.behaviour.submit_latency.is_zero
        self._server: asyncio.Server | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._scheduler: BatchScheduler | None = None
        self._fate: Fate | None = None
        self._bucket: TokenBucket | None = None
        self._timers: list[Repeating] = []
        self._drop_timer: Repeating | None = None
        self._keywords: list[KeywordGenerator] = []
        self._session_config = SessionConfig(
            response_timeout=config.response_timeout,
            enquire_link_interval=config.enquire_link_interval,
            max_inbound_window=config.window,
            max_outbound_window=config.deliver_window,
        )

    # --- lifecycle --------------------------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._server is None or not self._server.sockets:
            raise RuntimeError(f"carrier {self.name} is not started")
        port: int = self._server.sockets[0].getsockname()[1]
        return port

    @property
    def fate(self) -> Fate:
        if self._fate is None:
            raise RuntimeError(f"carrier {self.name} is not started")
        return self._fate

    async def start(self) -> None:
        loop = self._loop = asyncio.get_running_loop()
        self._scheduler = BatchScheduler(loop)
        self._fate = Fate(
            carrier=self.name,
            behaviour=self.behaviour,
            seed=self.seed,
            scheduler=self._scheduler,
            panel=self._panel,
            send=self.send_to_esme,
            wall=self._wall,
            clock=loop.time,
        )
        if self.behaviour.tps is not None:
            self._bucket = TokenBucket(self.behaviour.tps, loop.time())
        self._server = await loop.create_server(self._accept, self.config.host, self.config.port)
        self._every(HOUSEKEEPING_INTERVAL, self._fate.expire)
        self._keywords = [
            KeywordGenerator(self, traffic, self.seed, index)
            for index, traffic in enumerate(self.behaviour.mo.keywords)
        ]
        for generator in self._keywords:
            self._every(generator.traffic.every, generator.fire)
        self.set_outage(self.outage)
        log.info(
            "carrier %s (%s) listening on %s:%d", self.name, self.config.profile, self.config.host, self.port
        )

    async def stop(self) -> None:
        for timer in self._timers:
            timer.cancel()
        self._timers.clear()
        if self._server is not None:
            self._server.close()
        for link in list(self.links):
            link.abort()
        if self._server is not None:
            await self._server.wait_closed()
        if self._scheduler is not None:
            self._scheduler.close()

    def _every(self, interval: float, action: Callable[[], None]) -> Repeating:
        assert self._loop is not None
        timer = Repeating(self._loop, interval, action)
        self._timers.append(timer)
        return timer

    # --- outages --------------------------------------------------------------------------------

    def set_outage(self, outage: Outage) -> None:
        """Switch outage behaviours now; connections in place follow (black hole) or not (binds)."""
        previous, self.outage = self.outage, outage
        for link in self.links:
            _set_reading(link, not outage.black_hole)
        if self._loop is None:
            return
        if self._drop_timer is not None and previous.drop_every != outage.drop_every:
            self._drop_timer.cancel()
            self._timers.remove(self._drop_timer)
            self._drop_timer = None
        if outage.drop_every is not None and self._drop_timer is None:
            self._drop_timer = self._every(outage.drop_every, self.drop_connections)

    def drop_connections(self) -> None:
        """Reset every connection, as a crashing SMSC or a stateful firewall does."""
        for link in list(self.links):
            link.abort()

    # --- SMPP handler ---------------------------------------------------------------------------

    def _accept(self) -> SmppConnection:
        factory: Callable[[float], Session] = lambda now: Session(Role.SMSC, self._session_config, now)  # noqa: E731
        link = Link(factory, self, label=f"{self.name}")
        link.black_hole = self.outage.black_hole
        self.links.add(link)
        return link

    def bind_requested(self, conn: SmppConnection, pdu: Bind) -> None:
        status = self._bind_status(pdu)
        if status == _S.ESME_ROK:
            conn.accept_bind(pdu, self.config.system_id)
        else:
            self.binds_refused += 1
            log.info("carrier %s: bind of %r refused: %s", self.name, pdu.system_id, status.name)
            conn.reject_bind(pdu, status)

    def _bind_status(self, pdu: Bind) -> CommandStatus:
        password = self._passwords.get(pdu.system_id)
        if password is None:
            return _S.ESME_RINVSYSID
        if password != pdu.password:
            return _S.ESME_RINVPASWD
        if self.outage.refuse_binds:
            return _S.ESME_RBINDFAIL
        limit = self.behaviour.max_binds
        if limit is not None and self.bound_count() >= limit:
            return _S.ESME_RBINDFAIL
        return _S.ESME_ROK

    def bound_count(self) -> int:
        return sum(1 for link in self.links if link.session.state in _BOUND)

    def bound(self, conn: SmppConnection) -> None:
        if conn.session.state in RECEIVING and isinstance(conn, Link):
            self.outbox(conn.session.system_id).attach(conn)

    def closed(self, conn: SmppConnection) -> None:
        if isinstance(conn, Link):
            self.links.discard(conn)
            if conn.outbox is not None:
                conn.outbox.detach(conn)

    def request_received(self, conn: SmppConnection, pdu: Request) -> None:
        if type(pdu) is SubmitSm:
            self._on_submit(conn, pdu)
        else:  # query_sm, cancel_sm, data_sm, ...: not offered by this carrier
            conn.send_response(pdu, pdu.make_response(_S.ESME_RINVCMDID))

    # --- submit_sm (hot path) -------------------------------------------------------------------

    def _on_submit(self, conn: SmppConnection, pdu: SubmitSm) -> None:
        bucket = self._bucket
        if bucket is not None and not bucket.take(conn.loop.time()):
            self.submits["ESME_RTHROTTLED"] += 1
            conn.send_response(pdu, pdu.make_response(_S.ESME_RTHROTTLED))
            return
        fate = self._fate
        assert fate is not None  # requests only arrive on a started carrier
        self.counter += 1
        counter = self.counter
        dice = Dice(self.seed, counter)
        status = submit_status(self.behaviour, dice) if self._injects_errors else 0
        if status:
            self.submits[_status_name(status)] += 1
            response = pdu.make_response(status)
        else:
            self.submits["ESME_ROK"] += 1
            message_id = str(self._id_base + counter)
            response = _RESP.evolve(sequence_number=pdu.sequence_number, message_id=message_id)
            record = Accepted(
                message_id,
                counter,
                conn.session.system_id,
                pdu.source_addr,
                pdu.destination_addr,
                pdu.registered_delivery,
                self._wall(),
            )
            fate.accepted(pdu, record, dice)
        if self._answers_inline:
            conn.send_response(pdu, response)
            return
        latency = submit_latency(self.behaviour, dice)
        if latency > 0.0 and self._scheduler is not None:
            self._scheduler.call_later(latency, _answer, (conn, pdu, response))
        else:
            conn.send_response(pdu, response)

    # --- toward the ESME ------------------------------------------------------------------------

    def outbox(self, system_id: str) -> Outbox:
        box = self.outboxes.get(system_id)
        if box is None:
            assert self._scheduler is not None
            box = Outbox(
                system_id, self._scheduler, window=self.config.deliver_window, limit=self.config.queue_limit
            )
            self.outboxes[system_id] = box
        return box

    def send_to_esme(self, system_id: str, pdu: DeliverSm | Build) -> None:
        self.outbox(system_id).put(pdu)

    def inject_mo(self, source: str, destination: str, text: str, system_id: str | None = None) -> int:
        """Queue one MO message (split when long) for ``system_id`` (default: the first account).

        Returns the number of deliver_sm parts queued.
        """
        target = system_id or self.config.credentials[0].system_id
        if target not in self._passwords:
            raise ValueError(f"carrier {self.name} has no account {target!r}")
        for name, address in (("source", source), ("destination", destination)):
            if not 1 <= len(address) <= MAX_ADDRESS:
                raise ValueError(f"the {name} address must be 1 to {MAX_ADDRESS} characters")
        self._mo_counter += 1  # not self.counter: an MO must not shift the dice of later messages
        try:
            parts = mo_pdus(source, destination, text, self._mo_counter)
        except LocalProtocolError as error:  # more than 255 parts
            raise ValueError(f"the text cannot be sent: {error.detail}") from None
        for part in parts:
            self.send_to_esme(target, part)
        return len(parts)

    def stats(self) -> dict[str, object]:
        fate = self.fate.stats
        return {
            "name": self.name,
            "profile": self.config.profile,
            "port": self.port,
            "bound": self.bound_count(),
            "submits": dict(self.submits),
            "binds_refused": self.binds_refused,
            "delivered": fate.delivered,
            "lost": fate.lost,
            "duplicates": fate.duplicates,
            "incomplete": fate.incomplete,
            "receipts": dict(fate.receipts),
            "replies": fate.replies,
            "queued_to_esme": {name: len(box) for name, box in self.outboxes.items()},
            "sent_to_esme": sum(box.sent for box in self.outboxes.values()),
            "dropped_to_esme": sum(box.dropped for box in self.outboxes.values()),
        }


class Repeating:
    """``action()`` every ``interval`` seconds until cancelled."""

    def __init__(self, loop: asyncio.AbstractEventLoop, interval: float, action: Callable[[], None]) -> None:
        self._loop, self._interval, self._action = loop, interval, action
        self._handle: asyncio.TimerHandle | None = loop.call_later(interval, self._tick)

    def _tick(self) -> None:
        self._handle = self._loop.call_later(self._interval, self._tick)
        self._action()

    def cancel(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None


_RESP = SubmitSmResp()  # evolved per answer: cheaper than the keyword __init__ of a frozen dataclass
_BOUND = frozenset({BindState.BOUND_TX, BindState.BOUND_RX, BindState.BOUND_TRX})


def _answer(job: tuple[SmppConnection, SubmitSm, Response]) -> None:
    conn, pdu, response = job
    conn.send_response(pdu, response)


def _set_reading(link: SmppConnection, reading: bool) -> None:
    transport = link.transport
    if transport is None or transport.is_closing():
        return
    if reading:
        transport.resume_reading()
    else:
        transport.pause_reading()


def _status_name(status: int) -> str:
    try:
        return CommandStatus(status).name
    except ValueError:
        return f"{status:#x}"
