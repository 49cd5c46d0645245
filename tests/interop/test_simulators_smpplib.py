"""Each carrier behaviour on real sockets, seen by a third-party ESME: smpplib (blocking, in a thread).

Rates are checked over seeded runs within a binomial tolerance (5 sigma: a correct simulator fails
less than once in a million runs, and with fixed seeds the outcome is the same every time anyway).
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import smpplib.client
import smpplib.consts
import smpplib.exceptions
import smpplib.gsm

from simulators.config import parse
from simulators.runtime import Simulators, run_carriers

SYSTEM_ID, PASSWORD = "gw", "pw"
DEADLINE = 15.0


def config(seed: int = 7, profile: str = "direct", **behaviour: Any) -> dict[str, Any]:
    carrier = {
        "name": "c1",
        "port": 0,
        "profile": profile,
        "seed": seed,
        "credentials": [{"system_id": SYSTEM_ID, "password": PASSWORD}],
        "enquire_link_interval": None,
        "behaviour": behaviour,
    }
    return {"carriers": [carrier], "handsets": {"port": 0}}


INSTANT = {"delivery_delay": 0, "receipts": {"delay": 0}}


def instant(**behaviour: Any) -> dict[str, Any]:
    merged = {**INSTANT, **behaviour}
    merged["receipts"] = {**INSTANT["receipts"], **behaviour.get("receipts", {})}
    return merged


@contextlib.asynccontextmanager
async def carrier(raw: dict[str, Any]) -> AsyncIterator[Simulators]:
    async with run_carriers(parse(raw)) as sims:
        yield sims


def tolerance(n: int, p: float) -> float:
    return 5 * math.sqrt(n * p * (1 - p))


class Esme:
    """A blocking smpplib transceiver that records what it sees."""

    def __init__(self, port: int, system_id: str = SYSTEM_ID, password: str = PASSWORD) -> None:
        self.port = port
        self.system_id, self.password = system_id, password
        self.answers: dict[int, tuple[int, str]] = {}  # sequence -> (status, message_id)
        self.receipts: dict[str, tuple[str, str, str]] = {}  # message_id -> (stat, source, destination)
        self.mo: list[tuple[str, str, str]] = []  # (source, destination, text)
        self.client = self._connect()

    def _connect(self) -> smpplib.client.Client:
        client = smpplib.client.Client("127.0.0.1", self.port, timeout=5, allow_unknown_opt_params=True)
        client.set_message_sent_handler(self._sent)
        client.set_message_received_handler(self._received)
        client.set_error_pdu_handler(lambda pdu: None)  # error answers are outcomes here, not exceptions
        client.connect()
        return client

    def bind(self) -> None:
        self.client.bind_transceiver(system_id=self.system_id, password=self.password)

    def _sent(self, pdu: Any) -> None:
        message_id = pdu.message_id.decode() if pdu.message_id else ""
        self.answers[pdu.sequence] = (int(pdu.status), message_id)

    def _received(self, pdu: Any) -> None:
        text = pdu.short_message.decode("latin-1")
        if pdu.esm_class & 0x04:
            stat = text.split("stat:")[1].split()[0]
            self.receipts[pdu.receipted_message_id.decode()] = (
                stat,
                pdu.source_addr.decode(),
                pdu.destination_addr.decode(),
            )
        else:
            payload = pdu.short_message[6:] if pdu.esm_class & 0x40 else pdu.short_message
            decoded = payload.decode("utf-16-be") if pdu.data_coding == 8 else payload.decode("latin-1")
            self.mo.append((pdu.source_addr.decode(), pdu.destination_addr.decode(), decoded))

    def submit(self, count: int, window: int = 1, **fields: Any) -> list[tuple[int, str]]:
        """Send ``count`` messages (keeping ``window`` unanswered); their (status, message_id) in order."""
        sequences: list[int] = []
        for index in range(count):
            pdu = self.client.send_message(**_message(index, **fields))
            sequences.append(pdu.sequence)
            while sum(1 for seq in sequences if seq not in self.answers) >= window:
                self.client.read_once()
        self.read_until(lambda: all(seq in self.answers for seq in sequences))
        return [self.answers[seq] for seq in sequences]

    def read_until(self, done: Callable[[], bool], timeout: float = DEADLINE) -> bool:
        deadline = time.monotonic() + timeout
        self.client._socket.settimeout(0.2)
        try:
            while not done():
                if time.monotonic() > deadline:
                    return False
                try:
                    self.client.read_once(auto_send_enquire_link=False)
                except TimeoutError:
                    continue
        finally:
            self.client._socket.settimeout(5)
        return True

    def close(self) -> None:
        self.client._socket.settimeout(0.5)  # a black-holed carrier never answers the unbind
        with contextlib.suppress(Exception):
            self.client.unbind()
        self.client.disconnect()


def _message(index: int, **fields: Any) -> dict[str, Any]:
    message = {
        "source_addr_ton": 5,
        "source_addr": "ACME",
        "dest_addr_ton": 1,
        "dest_addr_npi": 1,
        "destination_addr": f"336{index:08d}",
        "short_message": f"Code {index}: réglez sur https://acme.fr/p/{index}".encode("utf-16-be"),
        "data_coding": 8,
        "registered_delivery": 1,
    }
    message.update(fields)
    return message


async def in_thread(esme_port: int, work: Callable[[Esme], Any]) -> Any:
    def run() -> Any:
        esme = Esme(esme_port)
        try:
            esme.bind()
            return work(esme), esme
        finally:
            esme.close()

    return await asyncio.to_thread(run)


def run_traffic(count: int, *, window: int = 10, **fields: Any) -> Callable[[Esme], list[tuple[int, str]]]:
    def work(esme: Esme) -> list[tuple[int, str]]:
        answers = esme.submit(count, window=window, **fields)
        accepted = sum(1 for status, _ in answers if status == 0)
        if fields.get("registered_delivery", 1):
            esme.read_until(lambda: len(esme.receipts) >= accepted)
        return answers

    return work


async def test_loss_rate_and_the_panel_shows_only_what_was_delivered() -> None:
    n, loss = 2000, 0.1
    async with carrier(config(seed=11, **instant(loss_rate=loss))) as sims:
        answers, esme = await in_thread(sims.carriers["c1"].port, run_traffic(n, window=20))
        panel = sims.panel.deliveries()
    assert all(status == 0 for status, _ in answers)
    states = {message_id: stat for message_id, (stat, _, _) in esme.receipts.items()}
    assert len(states) == n
    undelivered = [message_id for message_id, stat in states.items() if stat == "UNDELIV"]
    assert abs(len(undelivered) - n * loss) < tolerance(n, loss)
    shown = {message_id for item in panel for message_id in item.message_ids}
    assert shown == {message_id for message_id, stat in states.items() if stat == "DELIVRD"}
    assert not shown & set(undelivered)
    # Receipts go back to the original sender, from the handset; the panel shows the untouched text.
    for item in panel[:50]:
        _stat, source, destination = esme.receipts[item.message_ids[0]]
        assert (source, destination) == (item.msisdn, "ACME")
        assert item.sender == "ACME"
        assert item.text.startswith("Code ")
        assert "réglez" in item.text


async def test_error_injection_rates() -> None:
    n = 2000
    errors = [{"status": "ESME_RSYSERR", "rate": 0.1}, {"status": "ESME_RINVDSTADR", "rate": 0.05}]
    async with carrier(config(seed=3, **instant(errors=errors))) as sims:
        answers, _ = await in_thread(
            sims.carriers["c1"].port, run_traffic(n, window=20, registered_delivery=0)
        )
    statuses = [status for status, _ in answers]
    assert abs(statuses.count(0x08) - n * 0.1) < tolerance(n, 0.1)
    assert abs(statuses.count(0x0B) - n * 0.05) < tolerance(n, 0.05)
    assert statuses.count(0) == n - statuses.count(0x08) - statuses.count(0x0B)


async def grey_run(seed: int, n: int = 300) -> tuple[list[tuple[int, str]], dict[str, Any], list[Any]]:
    async with carrier(
        config(seed=seed, profile="grey", **instant(grey={"late_rate": 0.0, "duplicate_delay": 0}))
    ) as sims:
        answers, esme = await in_thread(sims.carriers["c1"].port, run_traffic(n, window=1))
        return answers, esme.receipts, sorted(sims.panel.deliveries(), key=lambda item: item.message_ids)


async def test_same_seed_gives_the_same_outcomes_and_another_seed_does_not() -> None:
    first, again, other = await grey_run(5), await grey_run(5), await grey_run(6)
    strip_time = [
        [(d.msisdn, d.sender, d.text, d.message_ids) for d in run[2]] for run in (first, again, other)
    ]
    assert first[0] == again[0]
    assert {k: v[0] for k, v in first[1].items()} == {k: v[0] for k, v in again[1].items()}
    assert strip_time[0] == strip_time[1]
    assert strip_time[0] != strip_time[2]


async def test_grey_route_rewrites_alters_and_fakes_receipts() -> None:
    n = 500
    answers, receipts, panel = await grey_run(9, n)
    shown = {message_id for item in panel for message_id in item.message_ids}
    accepted = {message_id for status, message_id in answers if status == 0}
    never_delivered = accepted - shown
    assert len(never_delivered) > 0.1 * n  # the grey profile loses 20%
    # Every one of them is receipted DELIVRD anyway: the fake receipt route testing must catch.
    assert all(receipts[message_id][0] == "DELIVRD" for message_id in never_delivered)
    senders = [item.sender for item in panel]
    rewritten = [sender for sender in senders if sender != "ACME"]
    assert abs(len(rewritten) - len(senders) * 0.7) < tolerance(len(senders), 0.7)
    assert all(sender.startswith("337") and len(sender) == 11 for sender in rewritten)
    downgraded = [item.text for item in panel if "reglez" in item.text]
    assert downgraded
    duplicates = [
        item for item in panel if sum(1 for other in panel if other.message_ids == item.message_ids) > 1
    ]
    assert duplicates  # 5% duplicated deliveries


async def test_mo_injected_over_http_and_stop_replies() -> None:
    behaviour = instant(mo={"stop_reply_rate": 1.0, "reply_delay": 0})
    async with carrier(config(**behaviour)) as sims:
        port, http = sims.carriers["c1"].port, sims.http_port

        def work(esme: Esme) -> None:
            esme.submit(1, registered_delivery=0)
            esme.read_until(lambda: len(esme.mo) >= 1)
            asyncio.run_coroutine_threadsafe(post_mo(http), loop).result(5)
            esme.read_until(lambda: len(esme.mo) >= 2)

        loop = asyncio.get_running_loop()
        _, esme = await in_thread(port, work)
    assert esme.mo[0] == ("33600000000", "ACME", "STOP")
    assert esme.mo[1] == ("33611122233", "36123", "STOP SMS ça suffit")


async def post_mo(port: int) -> None:
    body = {"carrier": "c1", "from": "33611122233", "to": "36123", "text": "STOP SMS ça suffit"}
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"http://127.0.0.1:{port}/api/mo", json=body) as response,
    ):
        assert response.status == 202


async def set_outage(port: int, **outage: Any) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"http://127.0.0.1:{port}/api/carriers/c1/outage", json=outage) as response,
    ):
        assert response.status == 200, await response.text()


async def test_outage_drop_refuse_and_reconnect() -> None:
    async with carrier(config(**instant())) as sims:
        port, http = sims.carriers["c1"].port, sims.http_port
        loop = asyncio.get_running_loop()

        def work(esme: Esme) -> list[str]:
            seen = []
            assert esme.submit(1, registered_delivery=0)[0][0] == 0  # no receipt to read before the drop
            outage = set_outage(http, refuse_binds=True, drop_now=True)
            asyncio.run_coroutine_threadsafe(outage, loop).result(5)
            try:
                esme.client.read_once()
            except (smpplib.exceptions.ConnectionError, OSError):
                seen.append("dropped")
            again = Esme(port)
            try:
                again.bind()
            except smpplib.exceptions.PDUError as error:
                seen.append(f"refused {error.args[1]:#x}")
            again.client.disconnect()
            asyncio.run_coroutine_threadsafe(set_outage(http), loop).result(5)
            third = Esme(port)
            third.bind()
            seen.append(f"reconnected {third.submit(1)[0][0]}")
            third.close()
            return seen

        seen, _ = await in_thread(port, work)
    assert seen == ["dropped", "refused 0xd", "reconnected 0"]


async def test_black_hole_answers_nothing() -> None:
    async with carrier(config(**instant())) as sims:
        port, http = sims.carriers["c1"].port, sims.http_port
        loop = asyncio.get_running_loop()

        def work(esme: Esme) -> tuple[bool, bool]:
            before = esme.read_until(lambda: bool(esme.submit(1)), timeout=2)
            asyncio.run_coroutine_threadsafe(set_outage(http, black_hole=True), loop).result(5)
            esme.answers.clear()
            esme.client.send_message(**_message(1))
            return before, esme.read_until(lambda: bool(esme.answers), timeout=0.6)

        (answered_before, answered_after), _ = await in_thread(port, work)
    assert answered_before is True
    assert answered_after is False


async def test_tps_limit_throttles() -> None:
    tps = 100.0
    async with carrier(config(**instant(tps=tps))) as sims:
        started = time.monotonic()
        answers, _ = await in_thread(
            sims.carriers["c1"].port, run_traffic(400, window=20, registered_delivery=0)
        )
        elapsed = time.monotonic() - started
    statuses = [status for status, _ in answers]
    accepted = statuses.count(0)
    assert statuses.count(0x58) > 0
    assert statuses.count(0) + statuses.count(0x58) == 400
    assert accepted <= tps * elapsed + tps * 0.1 + 1


async def test_max_binds() -> None:
    async with carrier(config(**instant(max_binds=1))) as sims:
        port = sims.carriers["c1"].port

        def work(esme: Esme) -> int:
            second = Esme(port)
            try:
                second.bind()
            except smpplib.exceptions.PDUError as error:
                return int(error.args[1])
            finally:
                second.client.disconnect()
            return 0

        status, _ = await in_thread(port, work)
    assert status == 0x0D


async def test_wrong_credentials_are_refused() -> None:
    async with carrier(config()) as sims:
        port = sims.carriers["c1"].port

        def attempt(system_id: str, password: str) -> int:
            esme = Esme(port, system_id, password)
            try:
                esme.bind()
            except smpplib.exceptions.PDUError as error:
                return int(error.args[1])
            finally:
                esme.client.disconnect()
            return 0

        results = await asyncio.to_thread(lambda: (attempt("nobody", PASSWORD), attempt(SYSTEM_ID, "wrong")))
    assert results == (0x0F, 0x0E)


async def test_concatenated_message_is_shown_whole_once() -> None:
    text = "Votre colis arrive demain entre 8h et 12h. " * 5
    parts, coding, esm = smpplib.gsm.make_parts(text)
    async with carrier(config(**instant())) as sims:

        def work(esme: Esme) -> list[tuple[int, str]]:
            answers = []
            for part in parts:
                answers += esme.submit(1, short_message=part, data_coding=coding, esm_class=esm)
            esme.read_until(lambda: len(esme.receipts) >= len(parts))
            return answers

        answers, esme = await in_thread(sims.carriers["c1"].port, work)
        panel = sims.panel.deliveries()
    assert len(parts) > 1
    assert [item.text for item in panel] == [text]
    assert set(panel[0].message_ids) == {message_id for _, message_id in answers}
    assert set(esme.receipts) == set(panel[0].message_ids)


async def test_submit_latency_wrong_state_and_receipt_delay() -> None:
    behaviour = instant(
        submit_latency=0.05,
        receipts={"delay": 0.2, "wrong_state_rate": 1.0, "wrong_state": "REJECTED"},
    )
    async with carrier(config(**behaviour)) as sims:

        def work(esme: Esme) -> tuple[float, float]:
            started = time.monotonic()
            esme.submit(1)
            answered = time.monotonic() - started
            esme.read_until(lambda: bool(esme.receipts))
            return answered, time.monotonic() - started

        (answered, receipted), esme = await in_thread(sims.carriers["c1"].port, work)
        panel = sims.panel.deliveries()
    assert answered >= 0.05
    assert receipted >= 0.2
    assert [stat for stat, _, _ in esme.receipts.values()] == ["REJECTD"]
    assert len(panel) == 1  # delivered all the same: the receipt lies about it


async def test_alphanumeric_sender_rewrite_and_truncation() -> None:
    grey = {
        "sender": {"rate": 1.0, "mode": "alphanumeric", "alphanumerics": ["INFO", "SMS"]},
        "text": {"truncate_rate": 1.0, "truncate_to": 10, "append_rate": 1.0, "append_text": " +1"},
    }
    async with carrier(config(**instant(grey=grey))) as sims:
        await in_thread(sims.carriers["c1"].port, run_traffic(50, registered_delivery=0))
        panel = sims.panel.deliveries()
    assert len(panel) == 50
    assert {item.sender for item in panel} == {"INFO", "SMS"}
    assert all(len(item.text) == 13 and item.text.endswith(" +1") for item in panel)
