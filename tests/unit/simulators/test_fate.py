"""Fate: what the handset shows for each accepted message, text by text."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from simulators.config import parse
from simulators.fate import Accepted, Fate
from simulators.handsets import Delivery
from simulators.scheduler import BatchScheduler
from smpp_gateway.smpp.constants import DataCoding
from smpp_gateway.smpp.pdu import SubmitSm
from smpp_gateway.smpp.text import encode_text

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


class Panel:
    def __init__(self) -> None:
        self.texts: list[str] = []

    def deliver(self, delivery: Delivery) -> None:
        self.texts.append(delivery.text)


async def test_each_message_shows_its_own_text_in_its_own_coding() -> None:
    carrier = {
        "name": "c",
        "port": 0,
        "profile": "direct",
        "behaviour": {"delivery_delay": 0},
        "credentials": [{"system_id": "gw", "password": "pw"}],
    }
    config = parse({"carriers": [carrier]})
    panel = Panel()
    fate = Fate(
        carrier="c",
        behaviour=config.carriers[0].behaviour,
        seed=1,
        scheduler=BatchScheduler(asyncio.get_running_loop()),
        panel=panel,
        send=lambda system_id, pdu: None,
        wall=lambda: NOW,
        clock=asyncio.get_running_loop().time,
    )
    same = encode_text("Été", DataCoding.UCS2)
    messages = [
        ("hello", DataCoding.DEFAULT),
        ("hello", DataCoding.DEFAULT),
        ("Été", DataCoding.UCS2),
        ("Été", DataCoding.UCS2),
        ("other", DataCoding.DEFAULT),
    ]
    for counter, (text, coding) in enumerate(messages, 1):
        pdu = SubmitSm(short_message=encode_text(text, coding), data_coding=coding)
        fate.accepted(pdu, Accepted(str(counter), counter, "gw", "ACME", "336", 0, NOW))
    # The same octets read in another coding are another text.
    fate.accepted(
        SubmitSm(short_message=same, data_coding=DataCoding.LATIN_1), Accepted("6", 6, "gw", "A", "3", 0, NOW)
    )
    assert panel.texts == [text for text, _ in messages] + [same.decode("latin-1")]
