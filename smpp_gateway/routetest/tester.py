"""RouteTester: the thin asynchronous layer of route testing. It sends probes, takes in receipts and
handset reports, settles probes on timers, writes everything to the store and keeps the metrics.

Every decision is made by the pure modules (matching, verdicts, scorecard) or by ``LiveProbe``; this
class only routes events to them. Open probes and the most recently settled ones (so that late
evidence can revise them) live in memory, bounded; everything is in the store, which is what the API's
lists and scorecards read, and what a restart reloads open probes from.
"""

from __future__ import annotations

import asyncio
import logging
import random
import sqlite3
import uuid
from collections import OrderedDict
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..store import probes as q
from .codes import new_code, tag
from .config import Limits, ProbePlan, RouteTestsConfig
from .live import LiveProbe
from .matching import Candidate, Match, match_report
from .reporting import Reporting
from .storage import ProbeReader

if TYPE_CHECKING:
    from ..config import GatewayConfig
    from ..ids import MessageIdGenerator
    from ..metrics import Metrics
    from ..persistence import GatewayStore
    from ..probes import ProbeSender
    from ..smpp.receipt import Receipt

log = logging.getLogger(__name__)

# Settled probes kept in memory for revision by late evidence; older ones are only in the store.
RECENT_PROBES = 5_000
# Receipts that arrive while their probe's submit is still being recorded (a fast carrier).
EARLY_RECEIPTS = 1_000
MAX_PROBES_PER_RUN = 100
# Route testing's tables hold a few thousand rows a day: an hourly purge keeps them within retention.
PURGE_INTERVAL = 3600.0


class PlanError(Exception):
    """A probe run that cannot start (no plan, a bad count); the message says why."""


class UnknownRoute(PlanError):
    """The route is not in the configuration."""


@dataclass(frozen=True, slots=True, kw_only=True)
class IncomingReport:
    msisdn: str
    sender: str
    text: str
    received_at: float


class RouteTester:
    def __init__(
        self,
        config: Callable[[], GatewayConfig],
        sender: ProbeSender,
        store: GatewayStore,
        metrics: Metrics,
        ids: MessageIdGenerator,
        wall_clock: Callable[[], float],
        rng: random.Random | None = None,
    ) -> None:
        self._config = config
        self._sender = sender
        self.store = store
        self.metrics = metrics
        self._ids = ids
        self.wall_clock = wall_clock
        self._rng = rng or random.Random()
        self.live: OrderedDict[str, LiveProbe] = OrderedDict()  # open first-come, then recent settled
        self._by_code: dict[str, str] = {}
        self._by_gateway_id: dict[str, str] = {}
        self._early: OrderedDict[str, list[int]] = OrderedDict()
        self._timers: dict[str, asyncio.TimerHandle] = {}
        self._turns: dict[str, int] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self.reader: ProbeReader | None = None
        self.reporting = Reporting(self)

    @property
    def settings(self) -> RouteTestsConfig:
        return self._config().route_tests

    # --- lifecycle -------------------------------------------------------------------------------

    async def start(self) -> None:
        self.reader = ProbeReader(self.store.config.path)
        await self._restore()
        self._spawn(self._schedule())

    async def stop(self) -> None:
        for handle in self._timers.values():
            handle.cancel()
        self._timers.clear()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.reporting.close()
        if self.reader is not None:
            self.reader.close()

    def _spawn(self, coroutine: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _restore(self) -> None:
        """Open probes of a previous run: their evidence so far, and their deadlines re-armed."""
        assert self.reader is not None

        def load(conn: sqlite3.Connection) -> list[LiveProbe]:
            return [
                LiveProbe.restored(
                    stored,
                    q.reports_for(conn, stored.sent.probe_id),
                    q.receipt_states(conn, stored.sent.gateway_ids),
                )
                for stored in q.open_probes(conn)
            ]

        for probe in await self.reader.run(load):
            self._track(probe)
            self._arm(probe)
        if self.live:
            log.info("route testing: %d open probes restored", len(self.live))

    async def _schedule(self) -> None:
        """Runs each plan that has ``every_minutes`` on time; reads the plans each turn (SIGHUP)."""
        due: dict[str, float] = {}
        next_purge = self.wall_clock() + PURGE_INTERVAL
        while True:
            now = self.wall_clock()
            settings = self.settings
            if now >= next_purge:
                next_purge = now + PURGE_INTERVAL
                self.purge(now)
            for plan in settings.plans:
                if plan.every_minutes is None:
                    continue
                when = due.setdefault(plan.route, now + settings.first_round_after)
                if now >= when:
                    due[plan.route] = now + plan.every_minutes * 60.0
                    self._spawn(self._scheduled_round(plan.route))
            await asyncio.sleep(1.0)  # a one-second tick is plenty for schedules counted in minutes

    def purge(self, now: float) -> None:
        """Retention: probes, verdicts and reports older than the store's retention_days."""
        before = now - self.store.config.retention_days * 86400.0
        writer = self.store.writer
        writer.append(q.ProbesPurge(before=before))
        writer.append(q.ProbeVerdictsPurge(before=before))
        writer.append(q.HandsetReportsPurge(before=before))

    async def _scheduled_round(self, route: str) -> None:
        try:
            await self.run(route)
        except PlanError as error:
            log.warning("scheduled probes on %s: %s", route, error)

    # --- probes ----------------------------------------------------------------------------------

    def plan(self, route: str) -> ProbePlan:
        if route not in {r.name for r in self._config().routes}:
            raise UnknownRoute(f"unknown route {route!r}")
        plan = self.settings.plan(route)
        if plan is None:
            raise PlanError(f"no probe plan for route {route!r} (route_tests.plans in the config)")
        return plan

    async def run(self, route: str, count: int | None = None) -> list[LiveProbe]:
        """Send ``count`` probes of the route's plan (default: each sender x text once), at once."""
        plan = self.plan(route)
        combos = [(sender, text) for sender in plan.senders for text in plan.texts]
        count = len(combos) if count is None else count
        if not 1 <= count <= MAX_PROBES_PER_RUN:
            raise PlanError(f"count must be 1 to {MAX_PROBES_PER_RUN}")
        limits = self.settings.limits(plan)
        probes = []
        for _ in range(count):
            turn = self._turns.get(route, 0)
            self._turns[route] = turn + 1
            sender, text = combos[turn % len(combos)]
            number = plan.numbers[turn % len(plan.numbers)]
            probes.append(self._open(route, number, sender, text, limits))
        await asyncio.gather(*(self._send(probe) for probe in probes))
        return probes

    def _open(self, route: str, msisdn: str, sender: str, text: str, limits: Limits) -> LiveProbe:
        code = new_code(self._rng)
        while code in self._by_code:
            code = new_code(self._rng)
        probe = LiveProbe.new(
            self._ids.next_id(), code, route, msisdn, sender, tag(code, text), limits, self.wall_clock()
        )
        self._track(probe)  # before the submit: a fast handset may report before the carrier's answer
        return probe

    async def _send(self, probe: LiveProbe) -> None:
        record = probe.record
        try:
            sent = await self._sender.send(record.route, record.sender, record.msisdn, record.sent_text)
        except Exception:  # the store failed, the loop is closing: the probe failed, the tester goes on
            log.exception("probe %s on %s: submit failed", probe.probe_id, record.route)
            probe.submitted(submit_status=0x08)  # ESME_RSYSERR
        else:
            probe.submitted(
                gateway_ids=sent.gateway_ids,
                carrier=sent.carrier,
                submit_status=sent.status,
                submit_latency=round(sent.submit_latency, 6),
                submitted_at=sent.submitted_at,
                deadline_at=sent.submitted_at + (record.deadline_at - record.submitted_at),
                sent_sender=sent.sent_source or record.sender,
            )
        self.metrics.probes_sent.labels(
            record.route, "accepted" if probe.record.submit_status == 0 else "failed"
        ).inc()
        for gateway_id in probe.record.gateway_ids:
            self._by_gateway_id[gateway_id] = probe.probe_id
            probe.receipt_states.extend(self._early.pop(gateway_id, ()))
        self.store.writer.append(probe.record)
        self._arm(probe)

    def _track(self, probe: LiveProbe) -> None:
        self.live[probe.probe_id] = probe
        self._by_code[probe.record.code] = probe.probe_id
        for gateway_id in probe.record.gateway_ids:
            self._by_gateway_id[gateway_id] = probe.probe_id

    def _forget_oldest(self) -> None:
        settled = [pid for pid, probe in self.live.items() if probe.settled_at is not None]
        for probe_id in settled[: max(0, len(settled) - RECENT_PROBES)]:
            probe = self.live.pop(probe_id)
            self._by_code.pop(probe.record.code, None)
            for gateway_id in probe.record.gateway_ids:
                self._by_gateway_id.pop(gateway_id, None)

    # --- evidence --------------------------------------------------------------------------------

    def on_receipt(self, gateway_id: str, receipt: Receipt, received_at: float) -> None:
        """Inbound's hook for probe receipts (final ones count; intermediate ones are noise here)."""
        if not receipt.is_final:
            return
        probe_id = self._by_gateway_id.get(gateway_id)
        probe = self.live.get(probe_id) if probe_id else None
        if probe is None:
            self._early.setdefault(gateway_id, []).append(int(receipt.state))
            while len(self._early) > EARLY_RECEIPTS:
                self._early.popitem(last=False)
            return
        probe.receipt_states.append(int(receipt.state))
        self._evidence(probe)

    async def take_reports(self, reports: Sequence[IncomingReport]) -> list[q.HandsetReportRecord]:
        """Match, record and apply handset reports; return them as stored (durable on return)."""
        stored = [self._take_report(report) for report in reports]
        await self.store.durable()
        return stored

    def _take_report(self, report: IncomingReport) -> q.HandsetReportRecord:
        match = self._match(report)
        record = q.HandsetReportRecord(
            report_id=uuid.uuid4().hex,
            msisdn=report.msisdn,
            sender=report.sender,
            text=report.text,
            received_at=report.received_at,
            reported_at=self.wall_clock(),
            probe_id=match.probe_id if match else None,
            match=match.method if match else None,
            score=match.score if match else None,
        )
        self.store.writer.append(record)
        self.metrics.probe_handset_reports.labels(match.method if match else "unmatched").inc()
        if match is not None:
            probe = self.live[match.probe_id]
            probe.reports.append(record)
            self._evidence(probe)
        return record

    def _match(self, report: IncomingReport) -> Match | None:
        window = self.settings.not_delivered_timeout
        for plan in self.settings.plans:
            window = max(window, self.settings.limits(plan).not_delivered_timeout)
        candidates = {pid: _candidate(probe) for pid, probe in self.live.items()}
        by_code = {probe.code: probe for probe in candidates.values()}
        return match_report(
            report.msisdn,
            report.text,
            report.received_at,
            by_code,
            list(candidates.values()),
            window=window,
            min_similarity=self.settings.min_similarity,
        )

    def _evidence(self, probe: LiveProbe) -> None:
        if probe.settled_at is None:
            self._arm(probe)
        else:
            self._judge(probe)  # late evidence revises a settled probe

    # --- settling --------------------------------------------------------------------------------

    def _arm(self, probe: LiveProbe) -> None:
        due = probe.settle_due()
        if due is None or probe.settled_at is not None:
            return
        old = self._timers.pop(probe.probe_id, None)
        if old is not None:
            old.cancel()
        delay = max(0.0, due - self.wall_clock())
        self._timers[probe.probe_id] = asyncio.get_running_loop().call_later(delay, self._settle, probe)

    def _settle(self, probe: LiveProbe) -> None:
        self._timers.pop(probe.probe_id, None)
        due = probe.settle_due()
        if due is not None and due > self.wall_clock() + 0.001:  # evidence moved the deadline
            self._arm(probe)
            return
        probe.settled_at = self.wall_clock()
        self._judge(probe)
        self.live.move_to_end(probe.probe_id)
        self._forget_oldest()

    def _judge(self, probe: LiveProbe) -> None:
        findings = probe.judge()
        if findings == probe.findings and probe.counted:
            return
        probe.findings = findings
        now = self.wall_clock()
        writer = self.store.writer
        writer.append(probe.settlement(now))
        writer.append(q.ProbeVerdictsCleared(probe_id=probe.probe_id))
        for finding in findings:
            writer.append(
                q.ProbeVerdict(
                    probe_id=probe.probe_id, route=probe.record.route, verdict=finding.verdict, decided_at=now
                )
            )
        self.reporting.count(probe)
        self.reporting.refresh_soon()


def _candidate(probe: LiveProbe) -> Candidate:
    record = probe.record
    return Candidate(
        probe_id=record.probe_id,
        code=record.code,
        msisdn=record.msisdn,
        text=record.sent_text,
        submitted_at=record.submitted_at,
        reports=len(probe.reports),
    )
