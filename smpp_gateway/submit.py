"""The submit path: client PDUs -> Message -> checks -> routes -> carrier -> answers and records.

One ``SubmitPath.submit`` call answers one client submit_sm or data_sm. Parts of a concatenated message
wait in the ``PartCollector`` until all have arrived; the whole message is then judged once and every
part gets the same verdict (assembly.py). The answer is written only after a carrier accepted the part
and the id mapping was committed to the store (``durable()``), so a message_id always means "a carrier
has it and a later receipt will find you".
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from .assembly import HeldPart, PartCollector
from .clients import ClientBind
from .config import GatewayConfig
from .forwarding import Forwarder, ForwardResult, OutboundPdu
from .ids import SUFFIX, MessageIdGenerator
from .message import Address, Message
from .metrics import Metrics
from .persistence import GatewayStore, SubmitFacts
from .policy import Policy, PolicyOutcome
from .routing import RouteTable
from .smpp.concat import user_data
from .smpp.constants import CommandStatus
from .smpp.pdu import DataSm, Response, SubmitSm
from .smpp.text import decode_text

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Submitted:
    """What the submit path decided for one message, part by part (for submit_multi and probes)."""

    statuses: tuple[int, ...]
    gateway_ids: tuple[str, ...]
    route: str | None


class SubmitPath:
    def __init__(
        self,
        config: Callable[[], GatewayConfig],
        policy: Callable[[], Policy],
        routes: Callable[[], RouteTable],
        forwarder: Callable[[], Forwarder],
        store: GatewayStore,
        metrics: Metrics,
        ids: MessageIdGenerator,
        wall_clock: Callable[[], float],
    ) -> None:
        self._config = config
        self._policy = policy
        self._routes = routes
        self._forwarder = forwarder
        self.store = store
        self.metrics = metrics
        self.ids = ids
        self.wall_clock = wall_clock
        self.collector = PartCollector(self._incomplete)
        self.tasks: set[asyncio.Task[None]] = set()

    async def submit(
        self, client: ClientBind, pdu: SubmitSm | DataSm, gateway_id: str | None = None
    ) -> Response:
        """Answer one client submit_sm / data_sm. ``gateway_id``: a fixed id (submit_multi's fan-out)."""
        if not self.store.healthy:
            self.metrics.submits.labels(client.account.system_id, "store_unavailable").inc()
            return pdu.make_response(CommandStatus.ESME_RSYSERR)
        data = user_data(pdu)
        loop = asyncio.get_running_loop()
        part = HeldPart(pdu, data.payload, data.concat.seqnum if data.concat else 1, loop.create_future())
        if data.concat is None or data.concat.total <= 1:
            await self._process(client, [part], gateway_id)
        else:
            key: Hashable = (
                client.account.system_id,
                pdu.source_addr,
                pdu.destination_addr,
                data.concat.kind,
                data.concat.reference,
            )
            parts = self.collector.add(key, data.concat, part)
            if parts is not None:
                self._spawn(self._process(client, parts))
        return await part.answer

    async def _process(
        self, client: ClientBind, parts: list[HeldPart], gateway_id: str | None = None
    ) -> None:
        try:
            await self._judge_and_forward(client, parts, gateway_id)
        except Exception:
            log.exception("%s: submit failed", client.label)
            _answer_all(parts, CommandStatus.ESME_RSYSERR)

    async def _judge_and_forward(
        self, client: ClientBind, parts: list[HeldPart], gateway_id: str | None
    ) -> None:
        account = client.account
        message = self._message(client, parts)
        outcome = self._policy().evaluate(account, message)
        self._count_findings(account.system_id, outcome)
        if outcome.status is not None:
            self.metrics.submits.labels(account.system_id, "rejected").inc()
            self.store.record_rejected(
                gateway_id or self.ids.next_id(), message, outcome.status, outcome.reasons
            )
            _answer_all(parts, outcome.status)
            return
        message = outcome.message
        pdus: list[OutboundPdu] = [part.pdu for part in parts]
        candidates = self._routes().candidates(
            message, account.policy.group, now=asyncio.get_running_loop().time()
        )
        deadline = asyncio.get_running_loop().time() + self._config().submit_deadline
        result = await self._forwarder().forward(message, pdus, deadline, candidates)
        if gateway_id is None:
            gateway_ids = [self.ids.next_id() for _ in parts]
        else:  # one id for the client, one record key per part
            gateway_ids = [
                gateway_id if len(parts) == 1 else f"{gateway_id}{SUFFIX}{n}"
                for n in range(1, len(parts) + 1)
            ]
        await self._answer(client, message, parts, result, outcome.reasons, gateway_ids)

    async def _answer(
        self,
        client: ClientBind,
        message: Message,
        parts: list[HeldPart],
        result: ForwardResult,
        reasons: tuple[str, ...],
        gateway_ids: list[str],
    ) -> None:
        facts = SubmitFacts(message=message, result=result, reasons=reasons, submitted_at=self.wall_clock())
        for index, (part, gateway_id) in enumerate(zip(parts, gateway_ids, strict=True)):
            self.store.record_submit(gateway_id, part.pdu, index, facts)
        outcome = "accepted" if result.accepted else "failed"
        self.metrics.submits.labels(client.account.system_id, outcome).inc(len(parts))
        if result.accepted and result.rewrite_reason and result.candidate is not None:
            self.metrics.sender_rewrites.labels(result.candidate.route.name, "gateway").inc()
        try:
            await self.store.durable()
        except Exception as error:  # the store failed: nothing we cannot record is acknowledged
            log.error("%s: store unavailable, refusing: %s", client.label, error)
            _answer_all(parts, CommandStatus.ESME_RSYSERR)
            return
        for part, gateway_id, status in zip(parts, gateway_ids, result.part_statuses, strict=True):
            if part.answer.done():
                continue
            if status == CommandStatus.ESME_ROK:
                part.answer.set_result(part.pdu.make_response(message_id=gateway_id))
            else:
                part.answer.set_result(part.pdu.make_response(status))

    def _message(self, client: ClientBind, parts: list[HeldPart]) -> Message:
        first = parts[0].pdu
        payload = b"".join(part.payload for part in parts)
        return Message(
            account=client.account.system_id,
            source=Address(first.source_addr, first.source_addr_ton, first.source_addr_npi),
            destination=Address(first.destination_addr, first.dest_addr_ton, first.dest_addr_npi),
            text=decode_text(payload, first.data_coding),
            data_coding=first.data_coding,
            esm_class=first.esm_class,
            registered_delivery=first.registered_delivery,
            parts=len(parts),
            received_at=self.wall_clock(),
            service_type=first.service_type,
        )

    def _count_findings(self, account: str, outcome: PolicyOutcome) -> None:
        for finding in outcome.findings:
            self.metrics.check_verdicts.labels(finding.rule, finding.mode, finding.verdict).inc()
            if finding.rule.startswith("velocity."):  # an AIT alert, whatever the rule's mode
                self.metrics.velocity_alerts.labels(account, finding.rule).inc()

    def _incomplete(self, parts: list[HeldPart], reason: str) -> None:
        log.info("concatenated message dropped before forwarding: %s", reason)
        _answer_all(parts, CommandStatus.ESME_RSUBMITFAIL)

    def _spawn(self, coroutine: object) -> None:
        assert asyncio.iscoroutine(coroutine)
        task = asyncio.ensure_future(coroutine)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)


def _answer_all(parts: list[HeldPart], status: int) -> None:
    for part in parts:
        if not part.answer.done():
            part.answer.set_result(part.pdu.make_response(status))
