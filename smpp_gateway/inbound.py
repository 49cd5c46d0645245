"""What carriers send us: delivery receipts and MO messages, on their way to clients.

A receipt names the carrier's message id; the id mapping gives our id, the account and the sender the
client used. We record the outcome per route (state and delay), then, when the client asked for this
receipt (registered_delivery), rewrite it with our id and hand it to the account's outbox. An MO goes
to the account that owns its destination number; "STOP"/"START" replies also update the opt-out lists.

The carrier's deliver_sm_resp is sent only after the item is committed to the store, so a crash
before that point makes the carrier send it again: nothing acknowledged is lost.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from . import redact
from .config import CarrierConfig, GatewayConfig
from .ids import client_id
from .metrics import Metrics
from .persistence import GatewayStore
from .receipts import Outbox, client_receipt, wants_receipt
from .smpp.constants import CommandStatus, MessageState, RegisteredDelivery
from .smpp.pdu import DataSm, DeliverSm, Request
from .smpp.receipt import Receipt, normalize_message_id, parse_receipt
from .smpp.text import decode_text

log = logging.getLogger(__name__)


_STATE_LABELS = {state: state.name.lower() for state in MessageState}
# Plain int: IntFlag arithmetic builds a member per message.
_INTERMEDIATE = int(RegisteredDelivery.INTERMEDIATE)


def state_label(state: MessageState) -> str:
    return _STATE_LABELS[state]


class Inbound:
    def __init__(
        self,
        config: Callable[[], GatewayConfig],
        store: GatewayStore,
        metrics: Metrics,
        outbox: Callable[[str], Outbox],
        wall_clock: Callable[[], float],
        on_keyword: Callable[[str, str, str], None] | None = None,
    ) -> None:
        # Route testing sets this to hear about probe receipts: (gateway id, receipt, received at).
        self.on_probe_receipt: Callable[[str, Receipt, float], None] | None = None
        self._config = config
        self.store = store
        self.metrics = metrics
        self._outbox = outbox
        self.wall_clock = wall_clock
        self._on_keyword = on_keyword

    async def handle(self, carrier: CarrierConfig, pdu: DeliverSm | DataSm) -> int:
        """The status for the carrier's deliver_sm_resp / data_sm_resp."""
        if not self.store.healthy:
            return CommandStatus.ESME_RX_T_APPN  # "try again later": we cannot keep it safe now
        receipt = parse_receipt(pdu, default_alphabet=carrier.default_alphabet)
        if receipt is not None:
            return await self._receipt(carrier, pdu, receipt)
        return await self._mo(carrier, pdu)

    async def _receipt(self, carrier: CarrierConfig, pdu: DeliverSm | DataSm, receipt: Receipt) -> int:
        carrier_id = normalize_message_id(receipt.message_id, carrier.receipt_id_format)
        mapping = await self.store.mapping(carrier.name, carrier_id)
        if mapping is None:
            log.info("%s: receipt for unknown message id %s", carrier.name, receipt.message_id)
            self.metrics.receipts.labels("unknown", state_label(receipt.state)).inc()
            return CommandStatus.ESME_ROK  # acknowledged: a resend would not find it either
        now = self.wall_clock()
        delay = max(0.0, now - mapping.submitted_at) if mapping.submitted_at else None
        if receipt.is_final:
            self.metrics.receipts.labels(mapping.route, state_label(receipt.state)).inc()
            if delay is not None:
                self.metrics.receipt_delay.labels(mapping.route).observe(delay)
        self.store.record_receipt(mapping.gateway_id, receipt.state, now, delay)
        wanted = wants_receipt(mapping.registered_delivery, receipt.state) and (
            receipt.is_final or mapping.registered_delivery & _INTERMEDIATE
        )
        if mapping.is_probe and self.on_probe_receipt is not None:
            self.on_probe_receipt(mapping.gateway_id, receipt, now)
        if not wanted or mapping.is_probe:
            await self.store.durable()
            return CommandStatus.ESME_ROK
        outgoing = client_receipt(pdu, receipt, client_id(mapping.gateway_id), mapping.source)
        return await self._keep(mapping.account, "receipt", outgoing, mapping.gateway_id)

    async def _mo(self, carrier: CarrierConfig, pdu: DeliverSm | DataSm) -> int:
        owner = self._owner(pdu.destination_addr)
        if owner is None:
            log.warning("%s: MO to %s owned by no account", carrier.name, redact.number(pdu.destination_addr))
            self.metrics.mo_messages.labels("unrouted").inc()
            return CommandStatus.ESME_RX_P_APPN
        if self._on_keyword is not None and isinstance(pdu, DeliverSm):
            text = decode_text(pdu.short_message, pdu.data_coding, carrier.default_alphabet)
            self._on_keyword(owner, pdu.source_addr, text)
        self.metrics.mo_messages.labels("accepted").inc()
        outgoing = _for_client(pdu)
        return await self._keep(owner, "mo", outgoing)

    async def _keep(self, account: str, kind: str, pdu: Request, gateway_id: str | None = None) -> int:
        try:
            item = await self.store.enqueue(account, kind, pdu, self.wall_clock(), gateway_id)
        except Exception as error:
            log.error("cannot store %s for %s: %s", kind, account, error)
            return CommandStatus.ESME_RX_T_APPN
        self._outbox(account).stored(item)
        return CommandStatus.ESME_ROK

    def _owner(self, destination: str) -> str | None:
        wanted = destination.lstrip("+")
        for account in self._config().accounts:
            if wanted in account.owned_numbers:
                return account.system_id
        return None


def _for_client(pdu: DeliverSm | DataSm) -> DeliverSm | DataSm:
    return pdu.evolve(sequence_number=0)
