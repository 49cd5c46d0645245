"""Periodic mobile-originated traffic: handsets writing keywords to a short code.

Each ``KeywordGenerator`` sends one MO every ``traffic.every`` seconds from a number under
``from_prefix`` with a text from ``texts``. Both choices come from the carrier's seed on a stream of
their own (the generator's index and its own counter), so they never disturb the per-message dice.
"""

from __future__ import annotations

from typing import Protocol

from .behaviours import Dice, Slot
from .config import KeywordTraffic

# Keeps the MO streams apart from the message stream (counters 1, 2, ...) of the same seed.
_MO_STREAM = 1 << 62


class MoTarget(Protocol):
    def inject_mo(self, source: str, destination: str, text: str, system_id: str | None = None) -> int: ...


class KeywordGenerator:
    def __init__(self, target: MoTarget, traffic: KeywordTraffic, seed: int, index: int) -> None:
        self.target = target
        self.traffic = traffic
        self.sent = 0
        self._seed = seed ^ (_MO_STREAM + index)

    def next_message(self) -> tuple[str, str]:
        """(handset number, text) of the next MO."""
        self.sent += 1
        dice = Dice(self._seed, self.sent)
        traffic = self.traffic
        digits = 11 - len(traffic.from_prefix)
        number = traffic.from_prefix + str(int(dice.uniform(Slot.MO_FROM) * 10**digits)).zfill(digits)
        text = traffic.texts[int(dice.uniform(Slot.MO_TEXT) * len(traffic.texts))]
        return number, text

    def fire(self) -> None:
        number, text = self.next_message()
        self.target.inject_mo(number, self.traffic.to, text, self.traffic.system_id)
