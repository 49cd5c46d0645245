"""Reading route testing's tables from the gateway: one read-only connection on one thread.

Writes go through the store's batching writer like every record (``store.probes`` ops); reads are
rare (the API, the status page polling every few seconds, a restart) and run here, off the event loop,
on a connection of their own: SQLite in WAL mode lets them run beside the writer without blocking it.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


class ProbeReader:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="routetest-reader")
        self._conn: sqlite3.Connection | None = None

    async def run(self, query: Callable[[sqlite3.Connection], T]) -> T:
        """``query(connection)`` on the reader thread."""
        return await asyncio.get_running_loop().run_in_executor(self._executor, self._call, query)

    def _call(self, query: Callable[[sqlite3.Connection], T]) -> T:
        if self._conn is None:
            self._conn = connect_read_only(self.path)
        return query(self._conn)

    def close(self) -> None:
        self._executor.submit(self._close)
        self._executor.shutdown(wait=True)

    def _close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def connect_read_only(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
    conn.execute("PRAGMA busy_timeout = 5000")
    return conn
