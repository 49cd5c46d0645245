"""duplicate: the same text to the same recipient more than N times in a window.

A client stuck in a retry loop, or a script run twice, sends the same message again and again;
carriers bill each one and recipients complain. Keys are (account, recipient, hash of the text):
the text itself is not kept, so memory per key is a few timestamps. The key map is an LRU bounded
by ``max_keys``; an evicted key simply starts again from zero.
"""

from __future__ import annotations

from ..message import Message
from .base import ACCEPT, CheckContext, Verdict, reject
from .velocity import DEFAULT_MAX_KEYS, BoundedMap, recent_events


class DuplicateState:
    """Recent send times per (account, recipient, text); one instance shared by all messages."""

    __slots__ = ("_seen",)

    def __init__(self, max_keys: int = DEFAULT_MAX_KEYS) -> None:
        self._seen: BoundedMap[tuple[str, str, int], float | list[float]] = BoundedMap(max_keys)

    def __len__(self) -> int:
        return len(self._seen)

    def observe(self, account: str, recipient: str, text: str, now: float, window: float, keep: int) -> int:
        """Record one send at ``now``; return the sends in the window, this one included.

        At most ``keep`` timestamps are kept per key: the rule only needs to know "more than N".
        """
        seen, key = self._seen, (account, recipient, hash(text))
        times = seen.get(key)
        if times is None:  # the common case: most texts go once to a recipient
            seen[key] = now  # a bare time until a second send: no list for the collector to walk
            if len(seen) > seen.max_keys:
                seen.popitem(last=False)
            return 1
        seen.move_to_end(key)
        if not isinstance(times, list):
            times = seen[key] = [times]
        return recent_events(times, now, window, keep)


def duplicate(message: Message, ctx: CheckContext) -> Verdict:
    rule = ctx.settings.rules["duplicate"]
    number = ctx.dest.e164
    limit = int(rule.threshold)
    count = ctx.duplicates.observe(
        message.account, number, message.text, ctx.epoch, rule.window_seconds, limit + 1
    )
    if count > limit:
        return reject(
            "duplicate",
            f"same text to +{number} {count} times in {rule.window_seconds:g}s (more than {limit})",
        )
    return ACCEPT
