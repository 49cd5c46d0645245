"""What happens to accepted messages: reassembly, delivery to the handset panel, receipts, replies.

The carrier (smsc.py) calls ``accepted`` for each submit_sm it took, with the message id it returned.
Parts of a concatenated message are collected (``concat.Reassembler``) and the whole message gets one
fate, drawn from the dice of its first part: the handset sees the whole text once, and every part
gets its own receipt with the message's outcome. Delivery, receipts and replies are scheduled in
batches (``BatchScheduler``); nothing here creates a task or a timer per message.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import NamedTuple, Protocol

from smpp_gateway.smpp.concat import Completed, Incomplete, Pending, Reassembler, apply_part, split, user_data
from smpp_gateway.smpp.constants import RECEIPT_REQUEST_MASK, EsmClass, MessageState
from smpp_gateway.smpp.pdu import DeliverSm, SubmitSm
from smpp_gateway.smpp.text import choose_coding, decode_text, encode_text

from .behaviours import DeliveryPlan, Dice, ReceiptPlan, is_honest, plan_delivery, plan_honest, plan_receipt
from .config import Behaviour
from .handsets import Delivery
from .outbox import Build
from .receipts import ReceiptFactory, address_type
from .scheduler import BatchScheduler

log = logging.getLogger(__name__)

# Reassembly bounds for one carrier: parts normally arrive together; a minute covers a slow client,
# and a few thousand incomplete messages is far more than any test leaves behind.
REASSEMBLY_TIMEOUT = 60.0
REASSEMBLY_MAX_PENDING = 5_000


class DeliverySink(Protocol):
    def deliver(self, delivery: Delivery) -> None: ...


class Accepted(NamedTuple):
    """One accepted submit_sm, as the carrier received it (a NamedTuple: one per message)."""

    message_id: str
    counter: int
    system_id: str
    source: str  # the original sender (receipts go back to it)
    destination: str  # the handset
    registered_delivery: int
    submitted_at: datetime


@dataclass(slots=True)
class FateStats:
    delivered: int = 0
    lost: int = 0
    duplicates: int = 0
    incomplete: int = 0
    receipts: dict[str, int] = field(default_factory=dict)  # state name -> receipts queued
    replies: int = 0


_Key = tuple[str, str, str, int, str]
_UDHI = int(EsmClass.UDHI)  # a plain int: int & IntFlag builds a new flag object per message
_STATE_NAMES = {state: state.name for state in MessageState}  # Enum.name is a property call


class Fate:
    def __init__(
        self,
        *,
        carrier: str,
        behaviour: Behaviour,
        seed: int,
        scheduler: BatchScheduler,
        panel: DeliverySink | None,
        send: Callable[[str, DeliverSm | Build], None],
        wall: Callable[[], datetime],
        clock: Callable[[], float],
    ) -> None:
        self.carrier = carrier
        self.behaviour = behaviour
        self.seed = seed
        self.stats = FateStats()
        self._scheduler = scheduler
        self._panel = panel
        self._send = send  # (system_id, deliver_sm) -> the outbox of that system_id
        self._wall = wall
        self._clock = clock
        self._reassembler: Reassembler[_Key] = Reassembler(
            timeout=REASSEMBLY_TIMEOUT, max_pending=REASSEMBLY_MAX_PENDING
        )
        self._parts: dict[_Key, list[Accepted]] = {}
        self._receipt_factory = ReceiptFactory()
        self._honest = is_honest(behaviour)
        # The last single-part text decoded: campaigns and load tests send the same one in a row.
        self._last_text: tuple[bytes, int, str] = (b"", -1, "")

    def accepted(self, pdu: SubmitSm, record: Accepted, dice: Dice | None = None) -> None:
        if not pdu.tlvs and not pdu.esm_class & _UDHI:  # the common case, without user_data()
            octets, coding = pdu.short_message, pdu.data_coding
            last_octets, last_coding, text = self._last_text
            if octets != last_octets or coding != last_coding:
                text = decode_text(octets, coding)
                self._last_text = (octets, coding, text)
            self._decide([record], text, dice)
            return
        data = user_data(pdu)
        info = data.concat
        if info is None:
            self._decide([record], decode_text(data.payload, pdu.data_coding), dice)
            return
        key = (record.system_id, pdu.source_addr, pdu.destination_addr, info.reference, info.kind)
        self._parts.setdefault(key, []).append(record)
        result = self._reassembler.add(key, info, data.payload, self._clock())
        if isinstance(result, Completed):
            parts = self._parts.pop(key, [record])
            self._decide(parts, decode_text(result.payload, pdu.data_coding))
        elif isinstance(result, Pending):
            self._give_up(result.dropped)

    def expire(self) -> None:
        """Called periodically: incomplete messages past the reassembly timeout are lost."""
        self._give_up(tuple(self._reassembler.expire(self._clock())))

    def _give_up(self, dropped: tuple[Incomplete[_Key], ...]) -> None:
        for incomplete in dropped:
            parts = self._parts.pop(incomplete.key, [])
            self.stats.incomplete += 1
            if parts:  # never delivered: each part gets the receipt an undelivered message gets
                dice = Dice(self.seed, parts[0].counter)
                self._receipts(parts, plan_receipt(self.behaviour.receipts, dice, False), 0.0, "")

    def _decide(self, parts: list[Accepted], text: str, dice: Dice | None = None) -> None:
        first = parts[0]
        if dice is None:
            dice = Dice(self.seed, first.counter)
        if self._honest:
            plan = plan_honest(self.behaviour, dice, first.source, text)
        else:
            plan = plan_delivery(self.behaviour, dice, first.source, text, self._wall())
        if plan.delivered:
            self.stats.delivered += 1
            if plan.delay > 0.0:
                self._scheduler.call_later(plan.delay, self._to_handset, (first, plan, parts))
            else:
                self._to_handset((first, plan, parts))
            if plan.copies > 1:
                self.stats.duplicates += 1
                self._scheduler.call_later(
                    plan.delay + plan.duplicate_delay, self._to_handset, (first, plan, parts)
                )
            if plan.reply_delay is not None:
                self._scheduler.call_later(plan.delay + plan.reply_delay, self._reply, first)
        else:
            self.stats.lost += 1
        # An honest receipt follows the delivery; a lost message's receipt follows acceptance.
        self._receipts(parts, plan.receipt, plan.delay if plan.delivered else 0.0, text)

    def _receipts(self, parts: list[Accepted], receipt: ReceiptPlan | None, after: float, text: str) -> None:
        if receipt is None:
            return
        for part in parts:
            if wants_receipt(part.registered_delivery, receipt.state):
                self._scheduler.call_later(after + receipt.delay, self._receipt, (part, receipt.state, text))

    def _to_handset(self, job: tuple[Accepted, DeliveryPlan, list[Accepted]]) -> None:
        first, plan, parts = job
        if self._panel is not None:
            ids = (first.message_id,) if len(parts) == 1 else tuple(part.message_id for part in parts)
            self._panel.deliver(
                Delivery(first.destination, plan.sender, plan.text, self._wall(), self.carrier, ids)
            )

    def _receipt(self, job: tuple[Accepted, MessageState, str]) -> None:
        part, state, text = job
        build = partial(
            self._receipt_factory.build,
            part.message_id,
            state,
            part.submitted_at,
            self._wall(),
            text,
            part.destination,
            part.source,
        )
        counts, name = self.stats.receipts, _STATE_NAMES[state]
        counts[name] = counts.get(name, 0) + 1
        self._send(part.system_id, build)  # built when sent, with its sequence number

    def _reply(self, first: Accepted) -> None:
        self.stats.replies += 1
        for pdu in mo_pdus(first.destination, first.source, self.behaviour.mo.stop_text, first.counter):
            self._send(first.system_id, pdu)


def wants_receipt(registered_delivery: int, state: MessageState) -> bool:
    """registered_delivery bits 1-0: 1 = receipt on any final outcome, 2 = on failure only."""
    request = registered_delivery & RECEIPT_REQUEST_MASK
    return request == 1 or (request == 2 and state is not MessageState.DELIVERED)


def mo_pdus(source: str, destination: str, text: str, reference: int) -> list[DeliverSm]:
    """A mobile-originated message as deliver_sm parts (esm_class 0), the cheapest coding."""
    coding = choose_coding(text)
    (source_ton, source_npi), (dest_ton, dest_npi) = address_type(source), address_type(destination)
    base = DeliverSm(
        source_addr_ton=source_ton,
        source_addr_npi=source_npi,
        source_addr=source,
        dest_addr_ton=dest_ton,
        dest_addr_npi=dest_npi,
        destination_addr=destination,
        data_coding=coding,
        short_message=encode_text(text, coding),
    )
    parts = split(text, coding, "udh8", reference & 0xFF)
    return [base] if len(parts) == 1 else [apply_part(base, part) for part in parts]
