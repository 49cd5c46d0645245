"""The Gateway: owns every part, and is the handler of client requests and carrier requests.

Lifecycle (runtime.py drives it): ``start`` opens the store, starts the carrier binds, then listens
for clients; ``stop`` runs in reverse under one deadline: stop accepting binds, let in-flight submits
answer, unbind clients, unbind carriers, flush the store. ``reload`` swaps accounts, checks and routes
without touching live binds.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Awaitable, Callable

from .clients import ClientBind, ClientSide
from .config import CarrierConfig, GatewayConfig
from .forwarding import Forwarder
from .gauges import StateGauges
from .ids import MessageIdGenerator
from .inbound import Inbound
from .metrics import Metrics
from .operations import Operations
from .persistence import GatewayStore
from .policy import Policy
from .probes import ProbeSender
from .receipts import Outbox
from .routetest.tester import RouteTester
from .routing import RouteTable
from .smpp.constants import CommandStatus
from .smpp.pdu import (
    CancelSm,
    DataSm,
    DeliverSm,
    QuerySm,
    ReplaceSm,
    Request,
    Response,
    SubmitMulti,
    SubmitSm,
)
from .submit import SubmitPath
from .transport.client import BindState, CarrierBind
from .transport.connection import SmppConnection
from .transport.pool import CarrierPool
from .transport.server import EsmeServer

log = logging.getLogger(__name__)


class Gateway:
    def __init__(
        self,
        config: GatewayConfig,
        *,
        metrics: Metrics | None = None,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.config = config
        self.metrics = metrics or Metrics()
        self.wall_clock = wall_clock
        self.ids = MessageIdGenerator(int(wall_clock() * 1000), os.getpid())
        self.store = GatewayStore(config.store, self.metrics, wall_clock)
        self.store.id_formats = {carrier.name: carrier.id_format for carrier in config.carriers}
        self.policy = Policy(config, self.store, wall_clock=wall_clock)
        self.routes = RouteTable.from_config(
            config.routes, config.carriers, country_of=self.policy.country_of
        )
        self.pools = {carrier.name: CarrierPool(carrier, self) for carrier in config.carriers}
        self.forwarder = Forwarder(self.routes, self.pools, self.metrics)
        self.clients = ClientSide(lambda: self.config, self, self.metrics)
        self.server = EsmeServer(config.server, self.clients, on_violation=self.clients.protocol_violation)
        self.clients.server = self.server
        self.submit_path = SubmitPath(
            lambda: self.config,
            lambda: self.policy,
            lambda: self.routes,
            lambda: self.forwarder,
            self.store,
            self.metrics,
            self.ids,
            wall_clock,
        )
        self.inbound = Inbound(
            lambda: self.config, self.store, self.metrics, self.outbox, wall_clock, self.policy.on_mo_keyword
        )
        self.operations = Operations(self)
        self.probes = ProbeSender(
            lambda: self.routes,
            lambda: self.forwarder,
            self.store,
            self.ids,
            wall_clock,
            lambda: self.config.submit_deadline,
        )
        self.route_tests = RouteTester(
            lambda: self.config, self.probes, self.store, self.metrics, self.ids, wall_clock
        )
        self.inbound.on_probe_receipt = self.route_tests.on_receipt
        self.gauges = StateGauges(
            self.metrics,
            config=lambda: self.config,
            routes=lambda: self.routes,
            pools=self.pools,
            store=self.store,
        )
        self._outboxes: dict[str, Outbox] = {}
        self._carrier_tasks: set[asyncio.Task[None]] = set()
        self._handlers: dict[type[Request], Callable[[ClientBind, Request], Awaitable[Response]]] = {
            SubmitSm: self._submit,
            DataSm: self._submit,
            SubmitMulti: self.operations.submit_multi,
            QuerySm: self.operations.query_sm,
            CancelSm: self.operations.cancel_sm,
            ReplaceSm: self.operations.replace_sm,
        }

    # --- lifecycle ------------------------------------------------------------------------------

    async def start(self) -> None:
        await self.store.start()
        await self.route_tests.start()
        for entry in await self.store.opt_outs():
            self.policy.state.optouts.add(entry.number, entry.account, entry.sender or None)
        for pool in self.pools.values():
            pool.start()
        self.gauges.start()
        await self.server.start()
        for account in self.config.accounts:
            self.outbox(account.system_id)  # deliver what a previous run stored, once clients bind

    async def stop(self, grace: float | None = None) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + (grace if grace is not None else self.config.shutdown_grace)
        await self.route_tests.stop()
        await self.gauges.stop()
        self.clients.accepting = False
        self.server.stop_accepting()
        await self.clients.drain(max(0.1, (deadline - loop.time()) * 0.5))
        self.submit_path.collector.close()
        await asyncio.gather(
            *(
                client.conn.unbind(max(0.1, (deadline - loop.time()) * 0.3))
                for client in self.clients.registry.all()
            ),
            return_exceptions=True,
        )
        for conn in list(self.server.connections):
            conn.abort()
        await asyncio.gather(*(outbox.stop() for outbox in self._outboxes.values()))
        await asyncio.gather(
            *(pool.stop(max(0.1, (deadline - loop.time()) * 0.5)) for pool in self.pools.values()),
            return_exceptions=True,
        )
        await self.store.close(max(0.5, deadline - loop.time()))
        self.clients.close()

    def reload(self, config: GatewayConfig) -> None:
        """New accounts, checks and routes for new traffic; live binds and carriers stay as they are."""
        self.config = config
        self.policy = Policy(config, self.store, self.policy.state, wall_clock=self.wall_clock)
        self.routes = RouteTable.from_config(
            config.routes, config.carriers, country_of=self.policy.country_of
        )
        self.forwarder = Forwarder(self.routes, self.pools, self.metrics)
        self.store.id_formats = {carrier.name: carrier.id_format for carrier in config.carriers}
        self.gauges.config_changed()
        log.info("configuration reloaded: %d accounts, %d routes", len(config.accounts), len(config.routes))

    def outbox(self, account: str) -> Outbox:
        box = self._outboxes.get(account)
        if box is None:
            box = self._outboxes[account] = Outbox(
                account, self.store, self.clients.registry, self.metrics, self.wall_clock
            )
        return box

    # --- RequestHandler (clients) ---------------------------------------------------------------

    def handle(self, client: ClientBind, pdu: Request) -> Awaitable[Response]:
        handler = self._handlers.get(type(pdu))
        if handler is None:
            return _answer_now(pdu.make_response(CommandStatus.ESME_RINVCMDID))
        return handler(client, pdu)

    def client_bound(self, client: ClientBind) -> None:
        if client.receives:
            self.outbox(client.account.system_id).kick()

    def _submit(self, client: ClientBind, pdu: Request) -> Awaitable[Response]:
        assert isinstance(pdu, SubmitSm | DataSm)
        return self.submit_path.submit(client, pdu)  # the coroutine itself: one frame less per message

    # --- CarrierHandler -------------------------------------------------------------------------

    def carrier_request(self, bind: CarrierBind, conn: SmppConnection, pdu: Request) -> None:
        task = asyncio.ensure_future(self._carrier_request(bind.config, conn, pdu))
        self._carrier_tasks.add(task)
        task.add_done_callback(self._carrier_tasks.discard)

    async def _carrier_request(self, carrier: CarrierConfig, conn: SmppConnection, pdu: Request) -> None:
        if isinstance(pdu, DeliverSm | DataSm):
            try:
                status = await self.inbound.handle(carrier, pdu)
            except Exception:
                log.exception("%s: failed to handle %s", carrier.name, type(pdu).__name__)
                status = CommandStatus.ESME_RX_T_APPN
            conn.send_response(pdu, pdu.make_response(status))
        elif pdu.response_class is not None:
            conn.send_response(pdu, pdu.make_response(CommandStatus.ESME_RINVCMDID))

    def carrier_state_changed(self, bind: CarrierBind) -> None:
        pool = self.pools.get(bind.config.name)
        if pool is not None:
            self.metrics.carrier_connection_up.labels(pool.name).set(pool.bound_count)
        # Connecting is routine; a bind that is down (lost, refused) is what an operator must see.
        level = logging.WARNING if bind.state is BindState.DOWN else logging.INFO
        log.log(level, "carrier %s: %s", bind.label, bind.state.value)


async def _answer_now(response: Response) -> Response:
    return response
