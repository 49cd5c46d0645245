"""Sending a probe: one test message through exactly one named route, recorded as a probe.

Probes are the gateway's own traffic: no account quota, no checks (the operator wrote the text), no
failover to other routes (the point is to see what *this* route does). They request a receipt,
are recorded like any message with ``is_probe`` set (so client statistics leave them out), and their
receipts are handed to ``on_receipt`` instead of to a client.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

from .forwarding import Forwarder, OutboundPdu
from .ids import MessageIdGenerator
from .message import Address, Message
from .persistence import GatewayStore, SubmitFacts
from .routing import RouteTable, address_for
from .smpp.concat import apply_part, split
from .smpp.constants import CommandStatus, RegisteredDelivery, Ton
from .smpp.pdu import SubmitSm
from .smpp.text import choose_coding

PROBE_ACCOUNT = "probe"


@dataclass(frozen=True, slots=True)
class ProbeSent:
    """What became of one probe submit. ``status`` 0: the carrier accepted every part."""

    route: str
    status: int
    gateway_ids: tuple[str, ...]
    carrier: str | None
    carrier_message_ids: tuple[str, ...]
    sent_source: str | None
    submit_latency: float
    submitted_at: float


def probe_pdus(source: Address, destination: str, text: str, reference: int) -> list[OutboundPdu]:
    """The submit_sm PDUs of a probe text: the cheapest coding, UDH parts when it is long."""
    coding = choose_coding(text)
    template = SubmitSm(
        source_addr=source.addr,
        source_addr_ton=source.ton,
        source_addr_npi=source.npi,
        dest_addr_ton=Ton.INTERNATIONAL,
        dest_addr_npi=1,
        destination_addr=destination.lstrip("+"),
        data_coding=coding,
        registered_delivery=RegisteredDelivery.SMSC_RECEIPT_FINAL,
    )
    return [apply_part(template, part) for part in split(text, coding, "udh8", reference)]


class ProbeSender:
    def __init__(
        self,
        routes: Callable[[], RouteTable],
        forwarder: Callable[[], Forwarder],
        store: GatewayStore,
        ids: MessageIdGenerator,
        wall_clock: Callable[[], float],
        deadline: Callable[[], float],
    ) -> None:
        self._routes = routes
        self._forwarder = forwarder
        self.store = store
        self.ids = ids
        self.wall_clock = wall_clock
        self._deadline = deadline
        self._reference = 0

    async def send(self, route: str, sender: str, destination: str, text: str) -> ProbeSent:
        """Submit ``text`` from ``sender`` to ``destination`` through ``route`` only."""
        candidates = self._routes().route_candidates(route)[:1]
        source = address_for(sender)
        self._reference = (self._reference + 1) & 0xFF
        pdus = probe_pdus(source, destination, text, self._reference)
        now = self.wall_clock()
        message = Message(
            account=PROBE_ACCOUNT,
            source=source,
            destination=Address(destination.lstrip("+"), Ton.INTERNATIONAL, 1),
            text=text,
            data_coding=pdus[0].data_coding,
            registered_delivery=RegisteredDelivery.SMSC_RECEIPT_FINAL,
            parts=len(pdus),
            received_at=now,
            is_probe=True,
        )
        loop = asyncio.get_running_loop()
        if not candidates:
            return ProbeSent(route, CommandStatus.ESME_RSUBMITFAIL, (), None, (), None, 0.0, now)
        gateway_ids = tuple(self.ids.next_id() for _ in pdus)
        self.store.forward_started()  # a receipt may overtake the answer: see forward_started
        try:
            deadline = loop.time() + self._deadline()
            result = await self._forwarder().forward(message, pdus, deadline, candidates)
            facts = SubmitFacts(message=message, result=result, reasons=("probe",), submitted_at=now)
            for index, (pdu, gateway_id) in enumerate(zip(pdus, gateway_ids, strict=True)):
                self.store.record_submit(gateway_id, pdu, index, facts)
        finally:
            self.store.forward_recorded()
        await self.store.durable()
        return ProbeSent(
            route=route,
            status=result.status,
            gateway_ids=gateway_ids,
            carrier=result.candidate.carrier if result.candidate else None,
            carrier_message_ids=tuple(result.carrier_message_ids),
            sent_source=result.sent_source.addr if result.sent_source else None,
            submit_latency=result.latency,
            submitted_at=now,
        )
