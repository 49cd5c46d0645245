"""Batched timers: thousands of delayed actions per second on one loop timer.

A carrier schedules a delivery, a receipt and maybe a reply per message; a ``loop.call_later`` each
would be tens of thousands of timer handles a second. Instead, due times are rounded *up* to a tick
(so nothing fires early) and actions sharing a tick share one list and one loop timer.
"""

from __future__ import annotations

import asyncio
import heapq
import math
from collections.abc import Callable
from typing import Any

Action = Callable[[Any], None]

# 5 ms: below anything a route test measures, coarse enough that a burst of receipts at the same
# moment lands in one batch (and one write per bind).
DEFAULT_TICK = 0.005


class BatchScheduler:
    def __init__(self, loop: asyncio.AbstractEventLoop, tick: float = DEFAULT_TICK) -> None:
        self._loop = loop
        self._tick = tick
        self._buckets: dict[int, list[tuple[Action, Any]]] = {}
        self._heap: list[int] = []  # bucket numbers, each once
        self._timer: asyncio.TimerHandle | None = None
        self._timer_bucket: int | None = None
        self._closed = False

    def __len__(self) -> int:
        return sum(len(bucket) for bucket in self._buckets.values())

    def call_later(self, delay: float, action: Action, argument: Any) -> None:
        """Run ``action(argument)`` at least ``delay`` seconds from now, in a batch."""
        if self._closed:
            return
        number = math.ceil((self._loop.time() + max(delay, 0.0)) / self._tick)
        bucket = self._buckets.get(number)
        if bucket is None:
            bucket = self._buckets[number] = []
            heapq.heappush(self._heap, number)
            if self._timer_bucket is None or number < self._timer_bucket:
                self._arm(number)
        bucket.append((action, argument))

    def close(self) -> None:
        """Forget everything pending (the owner is stopping)."""
        self._closed = True
        if self._timer is not None:
            self._timer.cancel()
        self._timer = self._timer_bucket = None
        self._buckets.clear()
        self._heap.clear()

    def _arm(self, number: int) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer_bucket = number
        self._timer = self._loop.call_at(number * self._tick, self._fire)

    def _fire(self) -> None:
        self._timer = self._timer_bucket = None
        # The loop may run a timer up to its clock resolution early: count that as on time.
        now_bucket = math.floor(self._loop.time() / self._tick + 1e-6)
        heap = self._heap
        while heap and heap[0] <= now_bucket and not self._closed:
            for action, argument in self._buckets.pop(heapq.heappop(heap)):
                action(argument)
        if heap and not self._closed:
            self._arm(heap[0])
