"""Gateway message ids: unique across restarts, short, and cheap to make on the hot path.

An id is 24 lowercase hex characters: the process start time in milliseconds (12), the low 16 bits of
the process id (4), then a per-process counter (8). Two processes share an id only if they started in
the same millisecond with the same low pid bits; a restart always moves the time part on. Clients
store ids in columns of 32-65 characters; 24 fits them all.
"""

from __future__ import annotations

import itertools

# Separates a message id from the index of one of its records (a submit_multi destination, a part of a
# message answered under one id): our ids are hex, so the client-facing id is everything before it.
SUFFIX = "."


def client_id(record_id: str) -> str:
    """The id the client knows for a record id (``abc.2`` -> ``abc``; plain ids are unchanged)."""
    return record_id.split(SUFFIX, 1)[0]


class MessageIdGenerator:
    def __init__(self, start_ms: int, pid: int) -> None:
        self._prefix = f"{start_ms & 0xFFFFFFFFFFFF:012x}{pid & 0xFFFF:04x}"
        self._counter = itertools.count(1)

    def next_id(self) -> str:
        return f"{self._prefix}{next(self._counter) & 0xFFFFFFFF:08x}"
