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
from collections.abc import Callable, Hashable, Sequence

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

# One part of a message: its PDU and its user data without UDH.
_Part = tuple[SubmitSm | DataSm, bytes]


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
        concat = data.concat
        if concat is None or concat.total <= 1:  # nearly every message: judged and answered here
            return (await self._process(client, ((pdu, data.payload),), gateway_id))[0]
        part = HeldPart(pdu, data.payload, concat.seqnum, asyncio.get_running_loop().create_future())
        key: Hashable = (
            client.account.system_id,
            pdu.source_addr,
            pdu.destination_addr,
            concat.kind,
            concat.reference,
        )
        parts = self.collector.add(key, concat, part)
        if parts is not None:
            self._spawn(self._answer_held(client, parts))
        return await part.answer

    async def _answer_held(self, client: ClientBind, held: list[HeldPart]) -> None:
        """Judge and forward a reassembled message; each part's own submit call hears its answer."""
        responses = await self._process(client, [(part.pdu, part.payload) for part in held])
        for part, response in zip(held, responses, strict=True):
            if not part.answer.done():
                part.answer.set_result(response)

    async def _process(
        self, client: ClientBind, parts: Sequence[_Part], gateway_id: str | None = None
    ) -> list[Response]:
        try:
            return await self._judge_and_forward(client, parts, gateway_id)
        except Exception:
            log.exception("%s: submit failed", client.label)
            return _answer_all(parts, CommandStatus.ESME_RSYSERR)

    async def _judge_and_forward(
        self, client: ClientBind, parts: Sequence[_Part], gateway_id: str | None
    ) -> list[Response]:
        account = client.account
        message = self._message(client, parts)
        outcome = self._policy().evaluate(account, message)
        if outcome.findings:
            self._count_findings(account.system_id, outcome)
        if outcome.status is not None:
            self.metrics.submits.labels(account.system_id, "rejected").inc()
            self.store.record_rejected(
                gateway_id or self.ids.next_id(), message, outcome.status, outcome.reasons
            )
            return _answer_all(parts, outcome.status)
        message = outcome.message
        pdus: list[OutboundPdu] = [pdu for pdu, _ in parts]
        now = asyncio.get_running_loop().time()
        candidates = self._routes().candidates(message, account.policy.group, now=now)
        deadline = now + self._config().submit_deadline
        if gateway_id is None:
            gateway_ids = [self.ids.next_id() for _ in parts]
        else:  # one id for the client, one record key per part
            gateway_ids = [
                gateway_id if len(parts) == 1 else f"{gateway_id}{SUFFIX}{n}"
                for n in range(1, len(parts) + 1)
            ]
        self.store.forward_started()
        try:
            result = await self._forwarder().forward(message, pdus, deadline, candidates)
            self._record(client, message, pdus, result, outcome.reasons, gateway_ids)
        finally:
            self.store.forward_recorded()
        return await self._answer(client, pdus, result, gateway_ids)

    def _record(
        self,
        client: ClientBind,
        message: Message,
        pdus: list[OutboundPdu],
        result: ForwardResult,
        reasons: tuple[str, ...],
        gateway_ids: list[str],
    ) -> None:
        facts = SubmitFacts(message=message, result=result, reasons=reasons, submitted_at=self.wall_clock())
        record_submit = self.store.record_submit
        for index, (pdu, gateway_id) in enumerate(zip(pdus, gateway_ids, strict=True)):
            record_submit(gateway_id, pdu, index, facts)
        accepted = result.status == CommandStatus.ESME_ROK
        self.metrics.submits.labels(client.account.system_id, "accepted" if accepted else "failed").inc(
            len(pdus)
        )
        if accepted and result.rewrite_reason and result.candidate is not None:
            self.metrics.sender_rewrites.labels(result.candidate.route.name, "gateway").inc()

    async def _answer(
        self, client: ClientBind, pdus: list[OutboundPdu], result: ForwardResult, gateway_ids: list[str]
    ) -> list[Response]:
        """The answers, once the records are committed (a message_id always means "stored")."""
        try:
            await self.store.durable()
        except Exception as error:  # the store failed: nothing we cannot record is acknowledged
            log.error("%s: store unavailable, refusing: %s", client.label, error)
            return [pdu.make_response(CommandStatus.ESME_RSYSERR) for pdu in pdus]
        return [
            pdu.make_response(message_id=gateway_id)
            if status == CommandStatus.ESME_ROK
            else pdu.make_response(status)
            for pdu, gateway_id, status in zip(pdus, gateway_ids, result.part_statuses, strict=True)
        ]

    def _message(self, client: ClientBind, parts: Sequence[_Part]) -> Message:
        first = parts[0][0]
        payload = parts[0][1] if len(parts) == 1 else b"".join(payload for _, payload in parts)
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
        for part in parts:
            if not part.answer.done():
                part.answer.set_result(part.pdu.make_response(CommandStatus.ESME_RSUBMITFAIL))

    def _spawn(self, coroutine: object) -> None:
        assert asyncio.iscoroutine(coroutine)
        task = asyncio.ensure_future(coroutine)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)


def _answer_all(parts: Sequence[_Part], status: int) -> list[Response]:
    return [pdu.make_response(status) for pdu, _ in parts]
