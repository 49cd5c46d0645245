"""Forwarding: one accepted message (one or more PDUs) to the first carrier that takes it.

Candidates come from the route table in order. For each, the route's sender policy may rewrite the
source; the PDUs go to the carrier's pool; an error, a timeout or a lost link moves on to the next
candidate (failover). The parts of a concatenated message leave by one route and one carrier
connection: once a carrier accepted the first part, the others are sent there too and never fail over
(a message split across two carriers would arrive as two broken halves).

Status mapping when no candidate took the message (docs/server-behaviour.md):
- the last carrier answered a permanent error (e.g. ESME_RINVDSTADR): that status, passed through,
  because retrying the same message will not help;
- otherwise (timeouts, lost links, throttling, no bound carrier, no route): ESME_RSUBMITFAIL, which
  clients treat as "not accepted, retry later".
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from .message import Address, Message
from .metrics import Metrics, status_label
from .routing import Candidate, RouteTable, apply_sender_policy
from .smpp.constants import TEMPORARY_STATUSES, CommandStatus, RegisteredDelivery
from .smpp.errors import SmppError
from .smpp.pdu import DataSm, MessageResp, Response, SubmitSm
from .transport.client import CarrierUnavailable
from .transport.connection import LinkLost, RequestRejected, RequestTimeout
from .transport.pool import CarrierPool

log = logging.getLogger(__name__)

OutboundPdu = SubmitSm | DataSm
RECEIPT_BITS = 0x03
# Plain ints: IntFlag arithmetic builds enum members, a few microseconds per message.
_ASK_FINAL_RECEIPT = int(RegisteredDelivery.SMSC_RECEIPT_FINAL)
_OK = int(CommandStatus.ESME_ROK)


@dataclass(slots=True)
class Attempt:
    route: str
    carrier: str
    status: int | None  # None: no response (timeout, link lost, carrier down)
    error: str = ""


@dataclass(slots=True)
class ForwardResult:
    status: int
    carrier_message_ids: list[str] = field(default_factory=list)
    part_statuses: list[int] = field(default_factory=list)
    candidate: Candidate | None = None
    sent_source: Address | None = None
    rewrite_reason: str = ""
    attempts: list[Attempt] = field(default_factory=list)
    latency: float = 0.0

    @property
    def accepted(self) -> bool:
        return self.status == CommandStatus.ESME_ROK


def outbound_pdu(pdu: OutboundPdu, source: Address) -> OutboundPdu:
    """The PDU as the carrier sees it: our sender decision, and a receipt always requested (the gateway
    measures every route's delivery; the client still gets only the receipts it asked for)."""
    registered = (int(pdu.registered_delivery) & ~RECEIPT_BITS) | _ASK_FINAL_RECEIPT
    return pdu.evolve(
        sequence_number=0,
        source_addr=source.addr,
        source_addr_ton=source.ton,
        source_addr_npi=source.npi,
        registered_delivery=registered,
    )


class Forwarder:
    def __init__(self, routes: RouteTable, pools: Mapping[str, CarrierPool], metrics: Metrics) -> None:
        self.routes = routes
        self.pools = pools
        self.metrics = metrics

    async def forward(
        self, message: Message, pdus: Sequence[OutboundPdu], deadline: float, candidates: list[Candidate]
    ) -> ForwardResult:
        """Try ``candidates`` in order until one carrier accepts the first part; send the rest there."""
        loop = asyncio.get_running_loop()
        started = loop.time()
        result = ForwardResult(status=CommandStatus.ESME_RSUBMITFAIL)
        # Parts of one message stay on one connection; a lone PDU may take any.
        sticky = id(result) if len(pdus) > 1 else None
        for index, candidate in enumerate(candidates):
            if loop.time() >= deadline:
                break
            decision = apply_sender_policy(candidate.route, message)
            outbound = [outbound_pdu(pdu, decision.address) for pdu in pdus]
            first = await self._send(candidate, outbound[0], deadline, result, sticky)
            if first is not None and first.command_status == _OK:
                result.status = _OK
                result.candidate = candidate
                result.sent_source = decision.address
                result.rewrite_reason = decision.reason if decision.rewritten else ""
                result.carrier_message_ids.append(_message_id(first))
                result.part_statuses.append(_OK)
                if len(outbound) > 1:
                    await self._send_rest(candidate, outbound[1:], deadline, result, sticky)
                break
            if index + 1 < len(candidates):
                self.metrics.route_failovers.labels(candidate.route.name).inc()
        else:
            if not candidates:
                log.info("no route for %s to %s", message.account, message.destination.addr[:4] + "…")
        if result.status != _OK:
            result.status = _client_status(result.attempts)
            result.part_statuses = [result.status] * len(pdus)
        result.latency = loop.time() - started
        return result

    async def _send_rest(
        self,
        candidate: Candidate,
        rest: Sequence[OutboundPdu],
        deadline: float,
        result: ForwardResult,
        sticky: object,
    ) -> None:
        responses = await asyncio.gather(
            *(self._send(candidate, pdu, deadline, result, sticky) for pdu in rest)
        )
        for response in responses:
            if response is not None and response.command_status == CommandStatus.ESME_ROK:
                result.carrier_message_ids.append(_message_id(response))
                result.part_statuses.append(CommandStatus.ESME_ROK)
            else:
                status = response.command_status if response is not None else CommandStatus.ESME_RSUBMITFAIL
                result.carrier_message_ids.append("")
                result.part_statuses.append(_client_status([Attempt("", "", status)]))

    async def _send(
        self,
        candidate: Candidate,
        pdu: OutboundPdu,
        deadline: float,
        result: ForwardResult,
        sticky: object = None,
    ) -> Response | None:
        route, carrier = candidate.route.name, candidate.carrier
        pool = self.pools[carrier]
        loop = asyncio.get_running_loop()
        started = loop.time()
        timed_out = False
        response: Response | None = None
        try:
            response = await pool.submit(pdu, deadline, sticky=sticky)
        except (RequestTimeout, TimeoutError):
            timed_out = True
            result.attempts.append(Attempt(route, carrier, None, "timeout"))
            self.metrics.route_timeouts.labels(route, carrier).inc()
        except (LinkLost, CarrierUnavailable, RequestRejected, SmppError) as error:
            result.attempts.append(Attempt(route, carrier, None, str(error)))
        now = loop.time()
        ok = response is not None and response.command_status == _OK
        if response is not None:
            result.attempts.append(Attempt(route, carrier, response.command_status))
            self.metrics.route_carrier_responses.labels(
                route, carrier, status_label(response.command_status)
            ).inc()
            self.metrics.route_submit_latency.labels(route, carrier).observe(now - started)
        throttled = response is not None and response.command_status in _THROTTLING
        if not throttled:
            for event in self.routes.record_result(candidate.route.name, ok=ok, timeout=timed_out, now=now):
                log.warning(
                    "route %s: circuit %s -> %s (%s)",
                    event.route,
                    event.from_state.name,
                    event.to_state.name,
                    event.reason,
                )
                self.metrics.route_circuit_state.labels(event.route).set(int(event.to_state))
        return response


_THROTTLING = frozenset({CommandStatus.ESME_RTHROTTLED, CommandStatus.ESME_RMSGQFUL})


def _message_id(response: Response) -> str:
    return response.message_id if isinstance(response, MessageResp) else ""


def _client_status(attempts: Sequence[Attempt]) -> int:
    """What the client hears when no carrier took the message (see the module docstring)."""
    if attempts:
        last = attempts[-1].status
        if last is not None and last != CommandStatus.ESME_ROK and last not in TEMPORARY_STATUSES:
            return last
    return CommandStatus.ESME_RSUBMITFAIL
