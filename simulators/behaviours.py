"""Pure decisions of a simulated carrier: what happens to one message, drawn from seeded dice.

Theory of operation:
* Determinism. Every random choice about message number ``n`` of a carrier is a function of
  (seed, n, slot) only: ``Dice`` hashes the three with splitmix64. Each decision has its own fixed
  slot, so adding a decision, or a concurrent message finishing first, never shifts another draw.
  Same seed and same arrival order of submits give the same outcomes.
* No I/O, no clock: the carrier passes wall-clock time in where a decision needs it (night hours).
* ``submit_outcome`` runs on every submit (hot path: it does nothing a profile does not ask for);
  ``plan_delivery`` runs once per whole message, after concatenated parts are reassembled.
"""

from __future__ import annotations

import math
import re
from datetime import datetime, timedelta
from enum import IntEnum
from typing import NamedTuple

from smpp_gateway.smpp.constants import MessageState
from smpp_gateway.smpp.text import can_encode_gsm, fold_accents

from .config import Behaviour, Delay, Grey, Receipts, TextAlteration

_MASK = (1 << 64) - 1
_TO_UNIT = 1.0 / (1 << 64)


class Slot(IntEnum):
    """One per decision; the values are part of the determinism contract (never renumber)."""

    ERROR = 1
    LATENCY = 2
    LATENCY_2 = 3
    LOSS = 4
    DELIVERY_DELAY = 5
    DELIVERY_DELAY_2 = 6
    RECEIPT_NONE = 7
    RECEIPT_FAKE = 8
    RECEIPT_LATE = 9
    RECEIPT_WRONG = 10
    RECEIPT_DELAY = 11
    RECEIPT_DELAY_2 = 12
    RECEIPT_LATE_DELAY = 13
    RECEIPT_LATE_DELAY_2 = 14
    SENDER = 15
    SENDER_VALUE = 16
    ACCENTS = 17
    TRUNCATE = 18
    APPEND = 19
    LINK = 20
    LATE = 21
    LATE_DELAY = 22
    LATE_DELAY_2 = 23
    NIGHT = 24
    NIGHT_OFFSET = 25
    DUPLICATE = 26
    DUPLICATE_DELAY = 27
    STOP = 28
    STOP_DELAY = 29
    STOP_DELAY_2 = 30
    MO_FROM = 31
    MO_TEXT = 32


def splitmix64(value: int) -> int:
    value = (value + 0x9E3779B97F4A7C15) & _MASK
    value = ((value ^ (value >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    value = ((value ^ (value >> 27)) * 0x94D049BB133111EB) & _MASK
    return value ^ (value >> 31)


class Dice:
    """The random draws of one message: ``uniform(slot)`` in [0, 1), the same for the same inputs."""

    __slots__ = ("_base", "_counter", "_seed")

    def __init__(self, seed: int, counter: int) -> None:
        # The hash is computed on the first draw: honest profiles with fixed delays draw nothing.
        self._seed, self._counter = seed, counter
        self._base: int | None = None

    def uniform(self, slot: int) -> float:
        base = self._base
        if base is None:
            base = self._base = splitmix64((splitmix64(self._seed & _MASK) ^ self._counter) & _MASK)
        return splitmix64(base ^ (slot * 0xD1B54A32D192ED03 & _MASK)) * _TO_UNIT

    def chance(self, slot: int, rate: float) -> bool:
        return rate > 0.0 and self.uniform(slot) < rate

    def sample(self, delay: Delay, slot: int) -> float:
        """A draw from ``delay`` using ``slot`` (and ``slot + 1`` for the lognormal)."""
        kind = delay.distribution
        if kind == "fixed":
            value = delay.mean
        elif kind == "uniform":
            value = delay.low + (delay.high - delay.low) * self.uniform(slot)
        elif kind == "exponential":
            value = -delay.mean * math.log(1.0 - self.uniform(slot))
        else:  # lognormal by Box-Muller; the median is ``mean``
            u1, u2 = 1.0 - self.uniform(slot), self.uniform(slot + 1)
            normal = math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)
            value = delay.mean * math.exp(delay.sigma * normal)
        return value if delay.cap is None else min(value, delay.cap)


# --- submit -----------------------------------------------------------------------------------


def submit_status(behaviour: Behaviour, dice: Dice) -> int:
    """The injected error status for this submit, or 0 to accept it."""
    if not behaviour.errors:
        return 0
    draw, cumulative = dice.uniform(Slot.ERROR), 0.0
    for rule in behaviour.errors:
        cumulative += rule.rate
        if draw < cumulative:
            return rule.status
    return 0


def submit_latency(behaviour: Behaviour, dice: Dice) -> float:
    latency = behaviour.submit_latency
    return 0.0 if latency.is_zero else dice.sample(latency, Slot.LATENCY)


# --- delivery ---------------------------------------------------------------------------------


# NamedTuples, not frozen dataclasses: one of each is built per message, and a frozen dataclass's
# __init__ (object.__setattr__ per field) costs several times a tuple's.


class ReceiptPlan(NamedTuple):
    state: MessageState
    delay: float  # seconds after the delivery (or, for a lost message, after acceptance)


class DeliveryPlan(NamedTuple):
    """What happens to one accepted message. ``delivered`` False means the handset never sees it."""

    delivered: bool
    delay: float  # acceptance -> handset
    sender: str  # as the handset shows it
    text: str
    copies: int  # 2 for a duplicated delivery
    duplicate_delay: float
    receipt: ReceiptPlan | None
    reply_delay: float | None  # the handset answers (STOP) this long after delivery


def plan_delivery(behaviour: Behaviour, dice: Dice, sender: str, text: str, wall: datetime) -> DeliveryPlan:
    """The fate of an accepted message: loss, grey alterations, timing, receipt, handset reply.

    Each step is skipped outright when the profile does not ask for it: this runs once per message
    at tens of thousands of messages a second for the honest profiles.
    """
    delivered = not dice.chance(Slot.LOSS, behaviour.loss_rate)
    grey = behaviour.grey
    delivery = behaviour.delivery_delay
    delay = 0.0 if delivery.is_zero else dice.sample(delivery, Slot.DELIVERY_DELAY)
    if grey.late_rate > 0.0 or grey.night_rate > 0.0:
        delay += grey_hold(grey, dice, wall + timedelta(seconds=delay))
    copies = 2 if delivered and dice.chance(Slot.DUPLICATE, grey.duplicate_rate) else 1
    reply = None
    if delivered and dice.chance(Slot.STOP, behaviour.mo.stop_reply_rate):
        reply = dice.sample(behaviour.mo.reply_delay, Slot.STOP_DELAY)
    if _alters(grey):
        sender, text = rewrite_sender(grey, dice, sender), alter_text(grey.text, dice, text)
    return DeliveryPlan(
        delivered=delivered,
        delay=delay,
        sender=sender,
        text=text,
        copies=copies,
        duplicate_delay=dice.sample(grey.duplicate_delay, Slot.DUPLICATE_DELAY) if copies > 1 else 0.0,
        receipt=plan_receipt(behaviour.receipts, dice, delivered),
        reply_delay=reply,
    )


def is_honest(behaviour: Behaviour) -> bool:
    """True when every message is delivered intact with a true receipt (or never any receipt): only
    delays are drawn."""
    grey, receipts = behaviour.grey, behaviour.receipts
    return (
        behaviour.loss_rate == 0.0
        and not _alters(grey)
        and grey.late_rate == grey.night_rate == grey.duplicate_rate == 0.0
        and behaviour.mo.stop_reply_rate == 0.0
        and receipts.none_rate in (0.0, 1.0)
        and receipts.late_rate == receipts.wrong_state_rate == 0.0
    )


def plan_honest(behaviour: Behaviour, dice: Dice, sender: str, text: str) -> DeliveryPlan:
    """``plan_delivery`` for an ``is_honest`` behaviour, with the same draws, in a fraction of the
    time: the `direct` carrier runs this for every message of a benchmark."""
    delivery, receipts = behaviour.delivery_delay, behaviour.receipts.delay
    delay = 0.0 if delivery.is_zero else dice.sample(delivery, Slot.DELIVERY_DELAY)
    if behaviour.receipts.none_rate == 1.0:
        return DeliveryPlan(True, delay, sender, text, 1, 0.0, None, None)
    receipt_delay = 0.0 if receipts.is_zero else dice.sample(receipts, Slot.RECEIPT_DELAY)
    return DeliveryPlan(
        True, delay, sender, text, 1, 0.0, ReceiptPlan(MessageState.DELIVERED, receipt_delay), None
    )


def _alters(grey: Grey) -> bool:
    rule = grey.text
    return (
        grey.sender.rate > 0.0
        or rule.strip_accents_rate > 0.0
        or rule.truncate_rate > 0.0
        or rule.append_rate > 0.0
        or rule.link_rewrite_rate > 0.0
    )


def plan_receipt(receipts: Receipts, dice: Dice, delivered: bool) -> ReceiptPlan | None:
    """The receipt the carrier will send (before registered_delivery is applied), or None."""
    if dice.chance(Slot.RECEIPT_NONE, receipts.none_rate):
        return None
    if delivered:
        wrong = dice.chance(Slot.RECEIPT_WRONG, receipts.wrong_state_rate)
        state = MessageState[receipts.wrong_state] if wrong else MessageState.DELIVERED
    elif dice.chance(Slot.RECEIPT_FAKE, receipts.fake_delivered_rate):
        state = MessageState.DELIVERED
    else:
        state = MessageState[receipts.lost_state]
    delay = 0.0 if receipts.delay.is_zero else dice.sample(receipts.delay, Slot.RECEIPT_DELAY)
    if dice.chance(Slot.RECEIPT_LATE, receipts.late_rate):
        delay += dice.sample(receipts.late_delay, Slot.RECEIPT_LATE_DELAY)
    return ReceiptPlan(state, delay)


def grey_hold(grey: Grey, dice: Dice, due: datetime) -> float:
    """Extra seconds a grey route holds a delivery due at ``due`` (UTC): late, or until night."""
    extra = 0.0
    if dice.chance(Slot.LATE, grey.late_rate):
        extra += dice.sample(grey.late_delay, Slot.LATE_DELAY)
    if dice.chance(Slot.NIGHT, grey.night_rate):
        moment = due + timedelta(seconds=extra)
        extra += seconds_until_night(
            moment, grey.night_start_hour, grey.night_end_hour, dice.uniform(Slot.NIGHT_OFFSET)
        )
    return extra


def seconds_until_night(moment: datetime, start_hour: int, end_hour: int, offset: float) -> float:
    """Seconds from ``moment`` to a point ``offset`` (0..1) into the next night window [start, end).

    Inside a window already, the point is in the rest of the current window.
    """
    day = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    start, end = day + timedelta(hours=start_hour), day + timedelta(hours=end_hour)
    if moment >= end:
        start, end = start + timedelta(days=1), end + timedelta(days=1)
    start = max(start, moment)
    target = start + (end - start) * offset
    return (target - moment).total_seconds()


# --- grey alterations -------------------------------------------------------------------------


def rewrite_sender(grey: Grey, dice: Dice, sender: str) -> str:
    rule = grey.sender
    if not dice.chance(Slot.SENDER, rule.rate):
        return sender
    draw = dice.uniform(Slot.SENDER_VALUE)
    if rule.mode == "fixed":
        return rule.fixed
    if rule.mode == "alphanumeric":
        return rule.alphanumerics[int(draw * len(rule.alphanumerics))]
    digits = 11 - len(rule.long_prefix)
    return rule.long_prefix + str(int(draw * 10**digits)).zfill(digits)


def alter_text(rule: TextAlteration, dice: Dice, text: str) -> str:
    if dice.chance(Slot.ACCENTS, rule.strip_accents_rate):
        text = downgrade_to_gsm(text)
    if dice.chance(Slot.LINK, rule.link_rewrite_rate):
        text = rewrite_links(text, rule.link_to)
    if dice.chance(Slot.TRUNCATE, rule.truncate_rate):
        text = text[: rule.truncate_to]
    if dice.chance(Slot.APPEND, rule.append_rate):
        text += rule.append_text
    return text


def downgrade_to_gsm(text: str) -> str:
    """What a downgrading route does to text: accents stripped (all of them, as the cheap ones do,
    even where GSM has the letter), typography flattened, anything else outside GSM becomes "?"."""
    return "".join(char if can_encode_gsm(char) else "?" for char in fold_accents(text))


# Links with a scheme, with www., or a bare domain followed by a path (domain.md "Content").
_LINK = re.compile(r"(?:https?://|www\.)\S+|\b[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/\S*")


def rewrite_links(text: str, target: str) -> str:
    return _LINK.sub(target, text)
