"""BatchScheduler: never early, batched, in due order, and silent once closed."""

from __future__ import annotations

import asyncio

from simulators.scheduler import BatchScheduler


async def test_actions_run_in_due_order_and_never_early() -> None:
    loop = asyncio.get_running_loop()
    scheduler = BatchScheduler(loop, tick=0.01)
    ran: list[tuple[str, float]] = []
    done = asyncio.Event()
    start = loop.time()

    def record(name: str) -> None:
        ran.append((name, loop.time() - start))
        if len(ran) == 4:
            done.set()

    scheduler.call_later(0.05, record, "c")
    scheduler.call_later(0.0, record, "a")
    scheduler.call_later(0.02, record, "b")
    scheduler.call_later(0.05, record, "d")
    assert len(scheduler) == 4
    await asyncio.wait_for(done.wait(), 2.0)
    assert [name for name, _ in ran] == ["a", "b", "c", "d"]
    for (name, elapsed), due in zip(ran, (0.0, 0.02, 0.05, 0.05), strict=True):
        assert elapsed >= due - 0.002, name
    assert len(scheduler) == 0


async def test_actions_may_schedule_more_and_close_forgets() -> None:
    loop = asyncio.get_running_loop()
    scheduler = BatchScheduler(loop, tick=0.005)
    seen: list[int] = []
    done = asyncio.Event()

    def chain(n: int) -> None:
        seen.append(n)
        if n < 3:
            scheduler.call_later(0.0, chain, n + 1)
        else:
            done.set()

    scheduler.call_later(0.0, chain, 0)
    await asyncio.wait_for(done.wait(), 2.0)
    assert seen == [0, 1, 2, 3]
    scheduler.call_later(0.01, seen.append, 99)
    scheduler.close()
    scheduler.call_later(0.0, seen.append, 98)
    assert len(scheduler) == 0
    await asyncio.sleep(0.03)  # nothing may run: give it the chance
    assert seen == [0, 1, 2, 3]
