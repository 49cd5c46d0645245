"""Holding the parts of a concatenated submit until the whole message can be checked.

Checks judge a whole message (a phishing link can span two parts), so no part leaves before every part
has arrived and the verdict is known; then every part gets the same verdict and leaves by the same
route and carrier connection. The wait is bounded: a message whose parts do not all arrive within
``timeout`` has every held part answered with a retryable status and nothing forwarded. Consequence,
documented for clients: send all parts of a message without waiting for each part's response (a
window of at least the number of parts). Memory is bounded by ``max_messages``.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field

from .smpp.concat import ConcatInfo
from .smpp.constants import CommandStatus
from .smpp.pdu import DataSm, Response, SubmitSm

DEFAULT_TIMEOUT = 10.0
DEFAULT_MAX_MESSAGES = 10_000


@dataclass(eq=False, slots=True)
class HeldPart:
    pdu: SubmitSm | DataSm
    payload: bytes
    seqnum: int
    answer: asyncio.Future[Response]


@dataclass(eq=False, slots=True)
class _Message:
    total: int
    parts: dict[int, HeldPart] = field(default_factory=dict)
    timer: asyncio.TimerHandle | None = None


class PartCollector:
    def __init__(
        self,
        on_incomplete: Callable[[list[HeldPart], str], None],
        timeout: float = DEFAULT_TIMEOUT,
        max_messages: int = DEFAULT_MAX_MESSAGES,
    ) -> None:
        self._on_incomplete = on_incomplete
        self.timeout = timeout
        self.max_messages = max_messages
        self._messages: OrderedDict[Hashable, _Message] = OrderedDict()

    def __len__(self) -> int:
        return len(self._messages)

    def add(self, key: Hashable, info: ConcatInfo, part: HeldPart) -> list[HeldPart] | None:
        """Hold ``part``; return every part in order once the message is complete."""
        entry = self._messages.get(key)
        if entry is not None and entry.total != info.total:
            self._give_up(key, "a part announced a different number of parts")
            entry = None
        if entry is None:
            entry = self._open(key, info.total)
        duplicate = entry.parts.get(part.seqnum)
        if duplicate is not None and not duplicate.answer.done():
            # The client sent the same part twice: the newer copy replaces the older one.
            duplicate.answer.set_result(duplicate.pdu.make_response(CommandStatus.ESME_RSUBMITFAIL))
        entry.parts[part.seqnum] = part
        if len(entry.parts) < entry.total:
            return None
        del self._messages[key]
        if entry.timer is not None:
            entry.timer.cancel()
        return [entry.parts[number] for number in sorted(entry.parts)]

    def _open(self, key: Hashable, total: int) -> _Message:
        while len(self._messages) >= self.max_messages:
            oldest = next(iter(self._messages))
            self._give_up(oldest, "too many concatenated messages waiting for parts")
        entry = _Message(total)
        loop = asyncio.get_running_loop()
        entry.timer = loop.call_later(self.timeout, self._give_up, key, "not every part arrived in time")
        self._messages[key] = entry
        return entry

    def _give_up(self, key: Hashable, reason: str) -> None:
        entry = self._messages.pop(key, None)
        if entry is None:
            return
        if entry.timer is not None:
            entry.timer.cancel()
        self._on_incomplete(list(entry.parts.values()), reason)

    def close(self, reason: str = "the gateway is stopping") -> None:
        for key in list(self._messages):
            self._give_up(key, reason)
