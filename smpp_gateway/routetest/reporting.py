"""What route testing shows: metrics per settled probe, scorecard gauges, and the API's reads.

Reads come from the store (through the tester's read-only connection) after a barrier, so what was
just settled is included; probes still in memory override their stored copy, which may be older.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections import defaultdict
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from ..store import probes as q
from .scorecard import Scorecard, SettledProbe, scorecard
from .verdicts import NOT_DELIVERED, SENDER_REWRITTEN

if TYPE_CHECKING:
    from .live import LiveProbe
    from .tester import RouteTester

log = logging.getLogger(__name__)
T = TypeVar("T")

# Gauges are recomputed at most this often: a burst of settlements costs one store read.
REFRESH_DELAY = 1.0
# Counted once per probe, beside its verdicts: the handset delay observation.
_DELAY_OBSERVED = "_delay"


def settled_probe(stored: q.StoredProbe) -> SettledProbe:
    return SettledProbe(
        route=stored.sent.route,
        verdicts=stored.verdicts,
        received_sender=stored.received_sender,
        handset_delay=stored.handset_delay,
        submit_latency=stored.sent.submit_latency if stored.sent.submit_status == 0 else None,
        receipt_claimed_delivery=2 in stored.receipt_states,  # MessageState.DELIVERED
    )


def scorecards_of(probes: list[q.StoredProbe], routes: list[str]) -> list[Scorecard]:
    """One scorecard per route of ``routes`` (empty ones too) and per other route seen, by name."""
    by_route: dict[str, list[SettledProbe]] = defaultdict(list)
    for route in routes:
        by_route[route] = []
    for stored in probes:
        by_route[stored.sent.route].append(settled_probe(stored))
    return [scorecard(route, items) for route, items in sorted(by_route.items())]


class Reporting:
    def __init__(self, tester: RouteTester) -> None:
        self.tester = tester
        self._refresh: asyncio.Task[None] | None = None
        self._dirty = False

    # --- metrics ---------------------------------------------------------------------------------

    def count(self, probe: LiveProbe) -> None:
        metrics, route = self.tester.metrics, probe.record.route
        verdicts = {finding.verdict for finding in probe.findings}
        for verdict in sorted(verdicts - probe.counted):
            metrics.probe_verdicts.labels(route, verdict).inc()
            if verdict == SENDER_REWRITTEN:  # the contract metric of every sender rewrite
                metrics.sender_rewrites.labels(route, "carrier").inc()
        probe.counted |= verdicts
        first = probe.first_report()
        if first is not None and NOT_DELIVERED not in verdicts and _DELAY_OBSERVED not in probe.counted:
            metrics.probe_handset_delay.labels(route).observe(
                max(0.0, first.received_at - probe.record.submitted_at)
            )
            probe.counted.add(_DELAY_OBSERVED)

    def refresh_soon(self) -> None:
        self._dirty = True
        if self._refresh is None or self._refresh.done():
            self._refresh = asyncio.ensure_future(self._refresh_gauges())

    async def _refresh_gauges(self) -> None:
        while self._dirty:  # settlements during a refresh are picked up by the next one
            self._dirty = False
            await asyncio.sleep(REFRESH_DELAY)
            await self._set_gauges()

    async def _set_gauges(self) -> None:
        try:
            cards = await self.scorecards(self.tester.settings.scorecard_window)
        except Exception as error:  # gauges are a view: a failed read waits for the next settlement
            log.warning("route testing: scorecard gauges not refreshed: %s", error)
            return
        metrics = self.tester.metrics
        for card in cards:
            for gauge, value in (
                (metrics.probe_delivery_ratio, card.delivery_rate),
                (metrics.probe_sender_preserved_ratio, card.sender_preserved_rate),
                (metrics.probe_text_intact_ratio, card.text_intact_rate),
                (metrics.probe_fake_receipt_ratio, card.fake_receipt_rate),
                (metrics.probe_score, card.score),
            ):
                if value is not None:
                    gauge.labels(card.route).set(value)

    async def close(self) -> None:
        if self._refresh is not None:
            self._refresh.cancel()
            await asyncio.gather(self._refresh, return_exceptions=True)

    # --- reads -----------------------------------------------------------------------------------

    async def _read(self, query: Callable[[sqlite3.Connection], T]) -> T:
        await self.tester.store.durable()
        reader = self.tester.reader
        assert reader is not None, "route tester not started"
        return await reader.run(query)

    async def scorecards(self, window: float) -> list[Scorecard]:
        now = self.tester.wall_clock()
        stored = await self._read(
            lambda conn: q.probes_between(conn, now - window, now + 1, settled_only=True)
        )
        routes = [plan.route for plan in self.tester.settings.plans]
        return scorecards_of(stored, routes)

    async def probe(self, probe_id: str) -> q.StoredProbe | None:
        live = self.tester.live.get(probe_id)
        if live is not None:
            return live.stored(self.tester.wall_clock())
        return await self._read(lambda conn: q.probe(conn, probe_id))

    async def latest(self, route: str | None, limit: int) -> list[q.StoredProbe]:
        now = self.tester.wall_clock()
        stored = await self._read(lambda conn: q.probes_between(conn, 0.0, now + 1, route=route, limit=limit))
        merged = {item.sent.probe_id: item for item in stored}
        for probe_id, live in self.tester.live.items():
            if route is None or live.record.route == route:
                merged[probe_id] = live.stored(now)
        newest = sorted(merged.values(), key=lambda item: item.sent.submitted_at, reverse=True)
        return newest[:limit]

    async def unmatched(self, limit: int) -> list[q.HandsetReportRecord]:
        return await self._read(lambda conn: q.unmatched_reports(conn, limit))
