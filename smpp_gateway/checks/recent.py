"""RecentMap: a bounded map of recently used keys, cheaper than an OrderedDict LRU."""

from __future__ import annotations

import math
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class RecentMap(Generic[K, V]):
    """The keys touched in the last ``span`` seconds, in two plain dicts: the current generation
    and the previous one.

    A key is looked up in ``current``, then in ``previous`` (and moved to ``current``). The
    generations turn (``previous`` is dropped, ``current`` becomes it) when ``current`` is ``span``
    seconds old or holds half of ``max_keys``. A key touched within the last ``span`` seconds is
    therefore always found unless max_keys / 2 other keys came since (the memory bound wins, as an
    LRU's would), and at most ``max_keys`` keys are kept. Half the memory of an OrderedDict LRU
    (no linked list: ~50 bytes a key instead of ~105) and no move_to_end on every hit. ``span``
    grows to the longest window a caller passes (accounts may configure different windows).
    """

    __slots__ = ("current", "half", "max_keys", "previous", "span", "started")

    def __init__(self, max_keys: int, span: float = math.inf) -> None:
        self.max_keys = max_keys
        self.half = max(1, max_keys // 2)
        self.span = span
        self.started = -math.inf
        self.current: dict[K, V] = {}
        self.previous: dict[K, V] = {}

    def __len__(self) -> int:
        return len(self.current) + len(self.previous)

    def values(self) -> list[V]:
        return [*self.previous.values(), *self.current.values()]

    def get(self, key: K, now: float = 0.0) -> V | None:
        """The value of ``key`` (moved to the current generation), None when absent."""
        value = self.current.get(key)
        if value is None:
            value = self.previous.pop(key, None)
            if value is not None:
                self.put(key, value, now)
        return value

    def put(self, key: K, value: V, now: float = 0.0) -> None:
        """Set ``key`` in the current generation, turning the generations first when it is due."""
        current = self.current
        # Due to turn first (rarely true), then whether ``key`` would be a new key (most callers
        # put keys they just found absent, so that test comes last).
        if (now - self.started > self.span or len(current) >= self.half) and key not in current:
            self.previous, current = current, {}
            self.current, self.started = current, now
        current[key] = value
