"""The garbage collector's settings for a long-running process (the gateway, the simulators)."""

from __future__ import annotations

import gc


def settle_heap(threshold: tuple[int, int, int]) -> None:
    """Move everything built at start-up (modules, configuration, tables, templates) out of the
    collector's reach, and make collections rare: at the default generation-0 threshold (700
    allocations) a busy process collects every few messages, walking live objects each time, while
    its hot path makes few reference cycles (values are freed by reference counting)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*threshold)
