"""PartCollector: parts held until the whole message is there, bounded in time and count."""

from __future__ import annotations

import asyncio

from smpp_gateway.assembly import HeldPart, PartCollector
from smpp_gateway.smpp.concat import ConcatInfo
from smpp_gateway.smpp.constants import CommandStatus
from smpp_gateway.smpp.pdu import Response, SubmitSm


def _part(seqnum: int, sequence: int) -> HeldPart:
    future: asyncio.Future[Response] = asyncio.get_running_loop().create_future()
    return HeldPart(SubmitSm(sequence_number=sequence), b"p%d" % seqnum, seqnum, future)


async def test_parts_in_any_order_complete_in_part_order() -> None:
    dropped: list[tuple[list[HeldPart], str]] = []
    collector = PartCollector(lambda parts, reason: dropped.append((parts, reason)), timeout=5)
    info = ConcatInfo(reference=7, total=3, seqnum=0, kind="udh8")
    assert collector.add("k", info, _part(3, 13)) is None
    assert collector.add("k", info, _part(1, 11)) is None
    done = collector.add("k", info, _part(2, 12))
    assert done is not None
    assert [part.seqnum for part in done] == [1, 2, 3]
    assert len(collector) == 0
    assert dropped == []


async def test_a_message_that_never_completes_is_given_up_after_the_timeout() -> None:
    dropped: list[tuple[list[HeldPart], str]] = []
    given_up = asyncio.Event()

    def on_incomplete(parts: list[HeldPart], reason: str) -> None:
        dropped.append((parts, reason))
        given_up.set()

    collector = PartCollector(on_incomplete, timeout=0.05)
    collector.add("k", ConcatInfo(1, 2, 1, "udh8"), _part(1, 1))
    await asyncio.wait_for(given_up.wait(), 5)
    [(parts, reason)] = dropped
    assert [part.seqnum for part in parts] == [1]
    assert "in time" in reason


async def test_the_oldest_message_is_evicted_at_the_bound() -> None:
    dropped: list[str] = []
    collector = PartCollector(lambda parts, reason: dropped.append(reason), timeout=5, max_messages=2)
    for key in ("a", "b", "c"):
        collector.add(key, ConcatInfo(1, 2, 1, "udh8"), _part(1, 1))
    assert len(collector) == 2
    assert dropped == ["too many concatenated messages waiting for parts"]
    collector.close()
    assert len(dropped) == 3


async def test_a_duplicate_part_replaces_the_first_copy_which_is_answered() -> None:
    collector = PartCollector(lambda parts, reason: None, timeout=5)
    first = _part(1, 1)
    collector.add("k", ConcatInfo(1, 2, 1, "udh8"), first)
    collector.add("k", ConcatInfo(1, 2, 1, "udh8"), _part(1, 2))
    assert first.answer.done()
    assert first.answer.result().command_status == CommandStatus.ESME_RSUBMITFAIL
    collector.close()
