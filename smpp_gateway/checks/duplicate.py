"""duplicate: the same text to the same recipient more than N times in a window.

A client stuck in a retry loop, or a script run twice, sends the same message again and again;
carriers bill each one and recipients complain. A key is the hash of (account, recipient, text):
neither the text nor a key tuple is kept, so a key costs its dict slot, one int and its times (a
collision of two 64-bit hashes among the keys kept would count two messages as one text: about
1e-14 per message). The key map is a RecentMap (recent.py): it turns every window, since a key
idle for a window counts from zero anyway, and holds at most ``max_keys`` keys; a key forgotten
early (beyond the bound) starts again from zero.
"""

from __future__ import annotations

from ..message import Message
from .base import ACCEPT, CheckContext, Verdict, reject
from .recent import RecentMap
from .velocity import DEFAULT_MAX_KEYS, record_event


class DuplicateState:
    """Recent send times per (account, recipient, text); one instance shared by all messages."""

    __slots__ = ("_seen",)

    def __init__(self, max_keys: int = DEFAULT_MAX_KEYS) -> None:
        self._seen: RecentMap[int, float | list[float]] = RecentMap(max_keys, 0.0)

    def __len__(self) -> int:
        return len(self._seen)

    def observe(self, account: str, recipient: str, text: str, now: float, window: float, keep: int) -> int:
        """Record one send at ``now``; return the sends in the window, this one included.

        At most ``keep`` timestamps are kept per key: the rule only needs to know "more than N".
        """
        return record_event(self._seen, hash((account, recipient, text)), now, window, keep)


def duplicate(message: Message, ctx: CheckContext) -> Verdict:
    window, limit = ctx.settings.duplicate_limits
    number = ctx.dest.e164
    count = ctx.duplicates.observe(message.account, number, message.text, ctx.epoch, window, limit + 1)
    if count > limit:
        return reject("duplicate", f"same text to +{number} {count} times in {window:g}s (more than {limit})")
    return ACCEPT
