"""State gauges: the metrics that describe state the gateway already holds, rather than events.

Theory of operation:

- Rule 1 (series exist from the start): at start, and after a reload, every configured route,
  carrier, account and pending kind gets its series: circuit state, carrier connections up, binds,
  pending deliveries, and the per-route and per-carrier children of the event counters and
  histograms at 0. Dashboards then show 0 instead of "no data", ``rate()`` has a first sample to
  start from, and alert arithmetic between two series (errors + timeouts) does not drop a route
  because one of them has not happened yet. Label values come from the configuration only.
- Rule 2 (scrape-time reads of cheap state): carrier window occupancy is a ``set_function`` gauge
  over the pools' in-flight counts, read when Prometheus scrapes. It is a handful of integer reads,
  safe from the exposition thread (http.py renders /metrics off the event loop).
- Rule 3 (periodic refresh of costly or loop-bound state): every ``interval`` seconds, on the loop,
  the route circuits are asked for their state (health.py Rule 3: OPEN -> HALF_OPEN is noticed when
  someone asks, and this tick is that someone when no traffic flows), and the stored receipts and MO
  waiting for clients are counted by a query on a store reader thread. The query never runs on the
  event loop, and its cost follows the refresh rate, not the number of scrapers.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from typing import Final

from .config import GatewayConfig
from .metrics import Metrics
from .persistence import GatewayStore
from .routing import RouteTable
from .smpp.constants import CommandStatus, MessageState
from .store import PendingKind
from .transport.pool import CarrierPool

log = logging.getLogger(__name__)

# Prometheus scrapes every 15 s by default; a 5 s refresh keeps the stored-deliveries gauge at most
# one scrape behind while costing one count query per 5 s (the pending table is bounded per account).
REFRESH_INTERVAL: Final = 5.0
# Receipt states pre-created per route: the ones the dashboard's delivery panel and the report show.
PRECREATED_STATES: Final = tuple(
    state.name.lower()
    for state in (
        MessageState.DELIVERED,
        MessageState.UNDELIVERABLE,
        MessageState.EXPIRED,
        MessageState.REJECTED,
    )
)


class StateGauges:
    def __init__(
        self,
        metrics: Metrics,
        *,
        config: Callable[[], GatewayConfig],
        routes: Callable[[], RouteTable],
        pools: Mapping[str, CarrierPool],
        store: GatewayStore,
        interval: float = REFRESH_INTERVAL,
    ) -> None:
        self.metrics = metrics
        self.interval = interval
        self._config = config
        self._routes = routes
        self._pools = pools
        self._store = store
        self._circuit_routes: set[str] = set()
        self._task: asyncio.Task[None] | None = None
        self._store_failing = False

    def start(self) -> None:
        """Rules 1 and 2, then the periodic refresh (its first round runs at once)."""
        metrics = self.metrics
        for name, pool in self._pools.items():
            metrics.carrier_connection_up.labels(name).set(pool.bound_count)
            metrics.carrier_window.labels(name).set_function(_in_flight(pool))
            metrics.carrier_throttled.labels(name)
            pool.on_throttled = metrics.carrier_throttled.labels(name).inc
        for kind in PendingKind:
            metrics.pending_deliveries.labels(kind.value).set(0)
        self.config_changed()
        self._task = asyncio.create_task(self._run(), name="state-gauges")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    def config_changed(self) -> None:
        """Rule 1 for the current accounts and routes; drops circuit series of removed routes."""
        metrics = self.metrics
        for account in self._config().accounts:
            for bind_type in account.bind_types:
                metrics.binds.labels(account.system_id, bind_type.value)
            metrics.throttled.labels(account.system_id, "quota")
        table = self._routes()
        for entry in table.entries:
            route = entry.name
            for carrier in entry.config.carriers:
                metrics.route_submit_latency.labels(route, carrier)
                metrics.route_timeouts.labels(route, carrier)
                metrics.route_carrier_responses.labels(route, carrier, CommandStatus.ESME_ROK.name)
            metrics.route_failovers.labels(route)
            metrics.sender_rewrites.labels(route, "gateway")
            metrics.receipt_delay.labels(route)
            for state in PRECREATED_STATES:
                metrics.receipts.labels(route, state)
        current = {entry.name for entry in table.entries}
        for gone in self._circuit_routes - current:
            metrics.route_circuit_state.remove(gone)
        self._circuit_routes = current
        self._set_circuits(table)

    async def refresh(self) -> None:
        """Rule 3, once: circuit states, then the stored deliveries waiting."""
        self._set_circuits(self._routes())
        try:
            counts = await self._store.writer.run_read(lambda store: store.pending_counts())
        except Exception as error:  # the store's own health metric and log say more; keep the last values
            if not self._store_failing:
                log.warning("pending deliveries gauge not refreshed: %s", error)
            self._store_failing = True
            return
        self._store_failing = False
        for kind, count in counts.items():
            self.metrics.pending_deliveries.labels(kind.value).set(count)

    def _set_circuits(self, table: RouteTable) -> None:
        now = asyncio.get_running_loop().time()
        for route, state in table.circuit_states(now).items():
            self.metrics.route_circuit_state.labels(route).set(int(state))

    async def _run(self) -> None:
        while True:
            await self.refresh()
            await asyncio.sleep(self.interval)


def _in_flight(pool: CarrierPool) -> Callable[[], float]:
    def read() -> float:
        return pool.in_flight

    return read
