"""Hostile and broken clients on real sockets (127.0.0.1): each gets the right SMPP answer or a closed
connection, and a well-behaved client bound beside it keeps getting answers with bounded latency.

The latency bound (1 s for one submit through the gateway to a scripted carrier) is a liveness check:
it fails when the event loop is blocked or the gateway stops serving others, not when it is slow.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import random
import socket
import ssl
from collections.abc import AsyncIterator, Awaitable
from pathlib import Path
from typing import Any, TypeVar

import pytest

from smpp_gateway import clients as clients_module
from smpp_gateway.demo import ensure_demo_certificate
from smpp_gateway.gateway import Gateway
from smpp_gateway.smpp import codec
from smpp_gateway.smpp.constants import CommandId, CommandStatus
from smpp_gateway.smpp.pdu import (
    BindTransceiver,
    BindTransceiverResp,
    BindTransmitter,
    EnquireLink,
    EnquireLinkResp,
    GenericNack,
    Pdu,
    QuerySm,
    SubmitSmResp,
)
from tests.polling import until

from .carrier import ScriptedCarrier, running_carrier
from .gateway_harness import PASSWORD, gateway_config, running_gateway, smpp_port
from .wire import QUIET_ACCOUNT, GoodClient, Raw, connect_client, good_client, raw, submit

T = TypeVar("T")

# Short timers so that every timeout is seen within a second or two; limits small enough to reach.
SERVER: dict[str, Any] = {
    "host": "127.0.0.1",
    "port": 0,
    "bind_timeout": 5.0,
    "write_timeout": 1.0,
    "max_protocol_violations": 5,
}


@contextlib.asynccontextmanager
async def gateway(tmp_path: Path, **server: Any) -> AsyncIterator[tuple[Gateway, ScriptedCarrier, int]]:
    async with running_carrier() as carrier:
        config = gateway_config(
            tmp_path, {"c1": carrier.port}, account=QUIET_ACCOUNT, server={**SERVER, **server}
        )
        async with running_gateway(config) as gw:
            yield gw, carrier, smpp_port(gw)


async def live_during(good: GoodClient, attack: Awaitable[T], *, rounds: int = 3) -> T:
    """Run ``attack`` while the good client submits; at least ``rounds`` round trips, each < 1 s."""
    task = asyncio.ensure_future(attack)
    done = 0
    try:
        while not task.done() or done < rounds:
            await good.assert_live()
            done += 1
        return await task
    finally:
        task.cancel()


async def bound_raw(port: int, local_ip: str = "127.0.0.1") -> Raw:
    client = await Raw.connect(port, local_ip)
    await client.send_pdu(BindTransceiver(sequence_number=1, system_id="acme", password=PASSWORD))
    answer = await client.read_pdu()
    assert isinstance(answer, BindTransceiverResp)
    assert answer.command_status == CommandStatus.ESME_ROK
    return client


@pytest.fixture(autouse=True)
async def _close_raw_clients() -> AsyncIterator[None]:
    yield
    await Raw.close_all()


def _errors(gw: Gateway, status: str) -> float:
    value = gw.metrics.registry.get_sample_value(
        "smppgw_protocol_errors_total", {"side": "client", "status": status}
    )
    return value or 0.0


def _unverified(gw: Gateway, reason: str) -> float:
    return gw.metrics.registry.get_sample_value("smppgw_binds_unverified_total", {"reason": reason}) or 0.0


# --- framing and broken bytes -------------------------------------------------------------------


@pytest.mark.parametrize(
    "length",
    [0, 8, 15, 0x7FFFFFFF, 0xFFFFFFF0, 70_001],
    ids=["zero", "tiny", "one-short", "huge", "negative-as-signed", "cap-plus-one"],
)
async def test_a_lying_command_length_gets_generic_nack_then_a_close(tmp_path: Path, length: int) -> None:
    async with gateway(tmp_path) as (_gw, _carrier, port), good_client(port) as good:

        async def attack() -> tuple[Pdu | None, bool]:
            client = await Raw.connect(port)
            await client.send(raw(CommandId.SUBMIT_SM, sequence=7, length=length) + b"\x00" * 64)
            return await client.read_pdu(), await client.closed_by_peer()

        nack, closed = await live_during(good, attack())
        assert isinstance(nack, GenericNack)
        assert nack.command_status == CommandStatus.ESME_RINVCMDLEN
        assert nack.sequence_number == 0  # the header is not trusted: nothing of it is echoed
        assert closed


async def test_pdus_split_into_single_bytes_are_reassembled(tmp_path: Path) -> None:
    async with gateway(tmp_path) as (_gw, carrier, port), good_client(port) as good:

        async def attack() -> list[Pdu | None]:
            client = await Raw.connect(port)
            client.writer.transport.get_extra_info("socket").setsockopt(
                socket.IPPROTO_TCP, socket.TCP_NODELAY, 1
            )
            answers = []
            for pdu in (
                BindTransceiver(sequence_number=1, system_id="acme", password=PASSWORD),
                submit("one byte at a time", sequence_number=2),
            ):
                for byte in codec.encode(pdu):
                    await client.send(bytes([byte]))
                answers.append(await client.read_pdu())
            client.close()
            return answers

        bind_resp, submit_resp = await live_during(good, attack())
        assert isinstance(bind_resp, BindTransceiverResp)
        assert bind_resp.command_status == CommandStatus.ESME_ROK
        assert isinstance(submit_resp, SubmitSmResp)
        assert submit_resp.command_status == CommandStatus.ESME_ROK
        assert any(pdu.short_message == b"one byte at a time" for pdu in carrier.received)


async def test_thousands_of_pdus_in_one_write_each_get_one_answer(tmp_path: Path) -> None:
    async with gateway(tmp_path) as (gw, _carrier, port), good_client(port) as good:
        keepalives, submits = 5000, 300
        burst = b"".join(codec.encode(EnquireLink(sequence_number=10 + i)) for i in range(keepalives))
        burst += b"".join(
            codec.encode(
                submit(f"burst {i}", destination=f"336{10_000_000 + i:08d}", sequence_number=100_000 + i)
            )
            for i in range(submits)
        )
        client = await bound_raw(port)

        async def attack() -> dict[int, list[int]]:
            await client.send(burst)
            answers: dict[int, list[int]] = {}
            for pdu in await client.read_pdus(keepalives + submits):
                answers.setdefault(pdu.sequence_number, []).append(pdu.command_status)
            client.close()
            return answers

        answers = await live_during(good, attack())
        assert all(len(statuses) == 1 for statuses in answers.values())  # one answer each, none twice
        assert len(answers) == keepalives + submits
        submit_statuses = {answers[100_000 + i][0] for i in range(submits)}
        # The window (100) lets some through to the carrier; the rest are refused, retryably.
        assert submit_statuses <= {CommandStatus.ESME_ROK, CommandStatus.ESME_RMSGQFUL}
        assert CommandStatus.ESME_ROK in submit_statuses
        assert _errors(gw, "ESME_RMSGQFUL") == sum(
            1 for i in range(submits) if answers[100_000 + i][0] == CommandStatus.ESME_RMSGQFUL
        )


async def test_unknown_command_ids_are_nacked_until_the_violation_budget_is_spent(tmp_path: Path) -> None:
    async with gateway(tmp_path) as (gw, _carrier, port), good_client(port) as good:

        async def attack() -> tuple[list[Pdu | None], bool]:
            client = await bound_raw(port)
            await client.send(b"".join(raw(0x00000099, sequence=50 + i) for i in range(5)))
            nacks = [await client.read_pdu() for _ in range(5)]
            return nacks, await client.closed_by_peer()

        nacks, closed = await live_during(good, attack())
        for index, nack in enumerate(nacks):
            assert isinstance(nack, GenericNack)
            assert nack.command_status == CommandStatus.ESME_RINVCMDID
            assert nack.sequence_number == 50 + index  # echoed, so the client can match it
        assert closed
        assert _errors(gw, "ESME_RINVCMDID") == 5


async def test_responses_never_asked_for_are_dropped_and_counted(tmp_path: Path) -> None:
    async with gateway(tmp_path) as (gw, _carrier, port), good_client(port) as good:

        async def attack() -> tuple[Pdu | None, bool]:
            client = await bound_raw(port)
            stray = [
                raw(CommandId.SUBMIT_SM_RESP, sequence=900, body=b"x\x00"),
                raw(CommandId.DELIVER_SM_RESP, sequence=901, body=b"\x00"),
                raw(CommandId.GENERIC_NACK, sequence=902, status=CommandStatus.ESME_RSYSERR),
                raw(CommandId.ENQUIRE_LINK_RESP, sequence=903),
            ]
            await client.send(b"".join(stray))
            # Nothing is answered (two peers could nack each other for ever): the next PDU is the
            # answer to this enquire_link.
            await client.send_pdu(EnquireLink(sequence_number=904))
            first = await client.read_pdu()
            await client.send(raw(CommandId.UNBIND_RESP, sequence=905))  # the fifth: budget spent
            return first, await client.closed_by_peer()

        first, closed = await live_during(good, attack())
        assert isinstance(first, EnquireLinkResp)
        assert first.sequence_number == 904
        assert closed
        assert _errors(gw, "ESME_RINVCMDID") >= 5


async def test_a_few_bad_pdus_among_good_ones_do_not_cost_the_connection(tmp_path: Path) -> None:
    async with gateway(tmp_path) as (_gw, _carrier, port):
        client = await bound_raw(port)
        for round_ in range(30):  # 30 violations in all, six times the budget, each after a legal request
            message = submit(f"fine {round_}", destination=f"336{20_000_000 + round_ * 100:08d}")
            await client.send_pdu(dataclasses.replace(message, sequence_number=1000 + round_))
            await client.send(raw(0x00000099, sequence=2000 + round_))
            answers = sorted(await client.read_pdus(2), key=lambda pdu: pdu.sequence_number)
            assert [type(answer) for answer in answers] == [SubmitSmResp, GenericNack]
        # Enquire_link is answered by the session itself and earns nothing: it is not a request the
        # client needed the gateway for.
        client.close()


async def test_requests_before_bind_get_rinvbndsts(tmp_path: Path) -> None:
    async with gateway(tmp_path) as (_gw, carrier, port), good_client(port) as good:

        async def attack() -> list[Pdu | None]:
            client = await Raw.connect(port)
            await client.send_pdu(submit("not bound", sequence_number=3))
            await client.send_pdu(QuerySm(sequence_number=4, message_id="x"))
            await client.send_pdu(EnquireLink(sequence_number=5))  # answered in every state
            answers = [await client.read_pdu() for _ in range(3)]
            client.close()
            return answers

        answers = await live_during(good, attack())
        assert [(type(a).__name__, a.command_status if a else None) for a in answers] == [
            ("SubmitSmResp", CommandStatus.ESME_RINVBNDSTS),
            ("QuerySmResp", CommandStatus.ESME_RINVBNDSTS),
            ("EnquireLinkResp", CommandStatus.ESME_ROK),
        ]
        assert not any(pdu.short_message == b"not bound" for pdu in carrier.received)


async def test_a_second_bind_gets_ralybnd_and_the_bind_stays(tmp_path: Path) -> None:
    async with gateway(tmp_path) as (_gw, _carrier, port), good_client(port) as good:

        async def attack() -> tuple[Pdu | None, Pdu | None]:
            client = await bound_raw(port)
            await client.send_pdu(BindTransmitter(sequence_number=2, system_id="acme", password=PASSWORD))
            again = await client.read_pdu()
            await client.send_pdu(submit("still bound", sequence_number=3))
            after = await client.read_pdu()
            client.close()
            return again, after

        again, after = await live_during(good, attack())
        assert again is not None
        assert again.command_id == CommandId.BIND_TRANSMITTER_RESP
        assert again.command_status == CommandStatus.ESME_RALYBND
        assert isinstance(after, SubmitSmResp)
        assert after.command_status == CommandStatus.ESME_ROK


@pytest.mark.parametrize(
    ("field", "status"),
    [
        ("system_id", CommandStatus.ESME_RINVSYSID),
        ("password", CommandStatus.ESME_RINVPASWD),
        ("system_type", CommandStatus.ESME_RINVSYSTYP),
    ],
)
async def test_binds_with_over_long_fields_are_refused_with_the_fields_status(
    tmp_path: Path, field: str, status: CommandStatus
) -> None:
    async with gateway(tmp_path) as (_gw, _carrier, port), good_client(port) as good:
        fields = {"system_id": b"acme", "password": PASSWORD.encode(), "system_type": b""}
        fields[field] = b"A" * 200  # far beyond the field's maximum: no NUL where one must be
        body = fields["system_id"] + b"\x00" + fields["password"] + b"\x00" + fields["system_type"] + b"\x00"
        body += bytes([0x34, 0, 0]) + b"\x00"

        async def attack() -> tuple[Pdu | None, Pdu | None]:
            client = await Raw.connect(port)
            await client.send(raw(CommandId.BIND_TRANSCEIVER, sequence=8, body=body))
            refused = await client.read_pdu()
            # The framing is intact, so the connection lives and a proper bind still works.
            await client.send_pdu(BindTransceiver(sequence_number=9, system_id="acme", password=PASSWORD))
            accepted = await client.read_pdu()
            client.close()
            return refused, accepted

        refused, accepted = await live_during(good, attack())
        assert isinstance(refused, BindTransceiverResp)
        assert (refused.command_status, refused.sequence_number) == (status, 8)
        assert isinstance(accepted, BindTransceiverResp)
        assert accepted.command_status == CommandStatus.ESME_ROK


# --- slow clients -------------------------------------------------------------------------------


async def test_a_half_sent_bind_is_closed_at_bind_timeout(tmp_path: Path) -> None:
    async with gateway(tmp_path, bind_timeout=1.0) as (gw, _carrier, port), good_client(port) as good:
        bind = codec.encode(BindTransceiver(sequence_number=1, system_id="acme", password=PASSWORD))

        async def attack() -> tuple[bool, float]:
            client = await Raw.connect(port)
            started = asyncio.get_running_loop().time()
            for byte in bind[:-1]:  # a byte every 50 ms: the bind never completes in 1 s
                await client.send(bytes([byte]))
                if client.reader.at_eof():
                    break
                await asyncio.sleep(0.05)
            closed = await client.closed_by_peer(timeout=5)
            return closed, asyncio.get_running_loop().time() - started

        closed, elapsed = await live_during(good, attack())
        assert closed
        assert elapsed < 3.0  # bind_timeout (1 s) counts from the connection, not from the last byte
        await until(lambda: len(gw.server.connections) == 1)


async def test_a_bound_client_stalling_mid_pdu_is_dropped_by_the_keepalive(tmp_path: Path) -> None:
    timers = {"enquire_link_interval": 0.5, "response_timeout": 0.5}
    async with gateway(tmp_path, **timers) as (gw, _carrier, port), good_client(port) as good:

        async def attack() -> bool:
            client = await bound_raw(port)
            await client.send(codec.encode(submit("never finished"))[:30])
            # Whatever the client sends next would be read as the rest of that PDU, so it cannot
            # answer the gateway's enquire_link: the link is declared dead.
            return await client.closed_by_peer(timeout=5)

        assert await live_during(good, attack())
        await until(lambda: len(gw.server.connections) == 1)


async def _pump_without_reading(sock: socket.socket, chunk: bytes, gone: Any, seconds: float) -> int:
    """Send whatever the socket takes, never reading a byte, until ``gone()`` or ``seconds`` pass."""
    loop = asyncio.get_running_loop()
    deadline, sent = loop.time() + seconds, 0
    while not gone() and loop.time() < deadline:
        try:
            sent += sock.send(chunk)
        except BlockingIOError:
            pass
        except OSError:  # reset by the gateway
            break
        await asyncio.sleep(0.005)
    return sent


@pytest.mark.parametrize("bound", [True, False], ids=["bound", "never-bound"])
async def test_a_client_that_never_reads_is_disconnected(tmp_path: Path, bound: bool) -> None:
    async with gateway(tmp_path, bind_timeout=2.0) as (gw, _carrier, port), good_client(port) as good:
        known = set(gw.server.connections)
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.connect(("127.0.0.1", port))
        try:
            await until(lambda: len(gw.server.connections) == 2)
            [victim] = set(gw.server.connections) - known
            # Small kernel buffers on the gateway's side too, so the test reaches the gateway's own
            # buffer after kilobytes, not the megabytes loopback autotuning would otherwise absorb.
            assert victim.transport is not None
            victim.transport.get_extra_info("socket").setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
            keepalives = codec.encode(EnquireLink(sequence_number=2)) * 4096  # each answered: 64 KiB back

            def gone() -> bool:
                return victim not in gw.server.connections

            if bound:
                # The gateway's writes pause (and it stops reading), then write_timeout (1 s) drops it.
                sock.sendall(
                    codec.encode(BindTransceiver(sequence_number=1, system_id="acme", password=PASSWORD))
                )
                sock.setblocking(False)
                sent = await live_during(good, _pump_without_reading(sock, keepalives, gone, 10))
                assert sent > 256 * 1024  # beyond the gateway's high-water mark: flow control was reached
            else:
                # Answers owed, but fewer than the high-water mark: writes never pause. bind_timeout
                # closes the connection, the close cannot flush, and write_timeout drops it.
                await asyncio.to_thread(sock.sendall, keepalives[: 96 * 1024])
            await live_during(good, until(gone, timeout=5))
        finally:
            sock.close()


async def test_unbound_connections_are_capped_per_ip_and_in_total(tmp_path: Path) -> None:
    caps = {"bind_timeout": 30, "max_unbound_per_ip": 5, "max_connections": 12}
    # The good client is bound: it counts in the total, not against its IP.
    async with gateway(tmp_path, **caps) as (gw, _c, port), good_client(port) as good:
        idle = [await Raw.connect(port, "127.0.0.2") for _ in range(5)]
        await until(lambda: len(gw.server.connections) == 6)
        refused = await Raw.connect(port, "127.0.0.2")
        assert await live_during(good, refused.closed_by_peer(timeout=2))
        # Another address is not affected by 127.0.0.2's cap, and a bind frees its slot.
        conn, _events, status = await connect_client(port, local_ip="127.0.0.3")
        assert status == CommandStatus.ESME_ROK
        more = [await Raw.connect(port, f"127.0.0.{4 + i}") for i in range(5)]
        await until(lambda: len(gw.server.connections) == 12)
        over = await Raw.connect(port, "127.0.0.20")
        assert await live_during(good, over.closed_by_peer(timeout=2))
        assert len(gw.server.connections) == 12
        for client in (*idle, *more):
            client.close()
        conn.abort()
        await until(lambda: len(gw.server.connections) == 1)
        await good.assert_live()


# --- authentication -----------------------------------------------------------------------------


async def _bind_status(port: int, password: str, local_ip: str, system_id: str = "acme") -> int:
    conn, _events, status = await connect_client(
        port, system_id=system_id, password=password, local_ip=local_ip
    )
    conn.abort()
    return status


@pytest.fixture
def verifications(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Counts the argon2 verifications the gateway runs."""
    calls: list[str] = []
    real = clients_module.verify_password

    def counting(password_hash: str | None, password: str) -> bool:
        calls.append("verify")
        return real(password_hash, password)

    monkeypatch.setattr(clients_module, "verify_password", counting)
    return calls


async def test_failed_binds_lock_the_ip_out_without_spending_verifications(
    tmp_path: Path, verifications: list[str]
) -> None:
    limits = {"bind_failures_per_ip": 3, "bind_failures_per_system_id": 0, "bind_lockout": 60}
    async with gateway(tmp_path, **limits) as (gw, _carrier, port), good_client(port) as good:

        async def attack() -> list[int]:
            statuses = [await _bind_status(port, f"guess{i}", "127.0.0.2") for i in range(3)]
            statuses.append(await _bind_status(port, PASSWORD, "127.0.0.2"))  # right, but locked out
            statuses.append(await _bind_status(port, "guess9", "127.0.0.2", system_id="nobody"))
            return statuses

        before = len(verifications)
        statuses = await live_during(good, attack())
        assert statuses == [CommandStatus.ESME_RINVPASWD] * 3 + [CommandStatus.ESME_RBINDFAIL] * 2
        assert len(verifications) - before == 3  # none for the locked-out binds
        assert _unverified(gw, "ip_locked") == 2
        assert await _bind_status(port, PASSWORD, "127.0.0.3") == CommandStatus.ESME_ROK  # others bind


async def test_failed_binds_lock_the_system_id_out_across_addresses(
    tmp_path: Path, verifications: list[str]
) -> None:
    limits = {"bind_failures_per_ip": 0, "bind_failures_per_system_id": 3, "bind_lockout": 60}
    async with gateway(tmp_path, **limits) as (gw, _carrier, port), good_client(port) as good:

        async def attack() -> list[int]:
            statuses = [await _bind_status(port, "guess", f"127.0.0.{2 + i}") for i in range(3)]
            statuses.append(await _bind_status(port, PASSWORD, "127.0.0.9"))
            return statuses

        statuses = await live_during(good, attack())
        assert statuses == [CommandStatus.ESME_RINVPASWD] * 3 + [CommandStatus.ESME_RBINDFAIL]
        assert _unverified(gw, "system_id_locked") == 1
        await good.assert_live()  # a bind made before the lock-out keeps working


async def test_outside_the_accounts_networks_no_password_is_checked(
    tmp_path: Path, verifications: list[str]
) -> None:
    account = {**QUIET_ACCOUNT, "allowed_networks": ["127.0.0.1/32"]}
    async with running_carrier() as carrier:
        config = gateway_config(tmp_path, {"c1": carrier.port}, account=account, server=SERVER)
        async with running_gateway(config) as gw:
            port = smpp_port(gw)
            before = len(verifications)
            wrong = await _bind_status(port, "wrong", "127.0.0.2")
            right = await _bind_status(port, PASSWORD, "127.0.0.2")
            # The same answer either way: a guesser outside the network learns nothing of the password.
            assert wrong == right == CommandStatus.ESME_RBINDFAIL
            assert len(verifications) == before
            assert _unverified(gw, "network") == 2


async def test_a_client_leaving_during_verification_leaves_no_bind_behind(tmp_path: Path) -> None:
    async with gateway(tmp_path) as (gw, _carrier, port):
        for password in ("wrong", PASSWORD):  # (the right one is not cached yet: it is verified too)
            client = await Raw.connect(port)
            await client.send_pdu(BindTransceiver(sequence_number=1, system_id="acme", password=password))
            await until(lambda: gw.clients._verify_waiting > 0)
            client.close()
            await until(lambda: gw.clients._verify_waiting == 0 and not gw.clients.tasks)
        assert gw.clients.registry.count("acme") == 0
        assert len(gw.server.connections) == 0


async def test_a_bind_storm_beyond_the_verification_queue_is_refused_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(clients_module, "VERIFY_QUEUE", 4)  # 4 verifications of ~0.1-0.5 s, not 16
    limits = {
        "bind_failures_per_ip": 0,
        "bind_failures_per_system_id": 0,
        "bind_timeout": 30,
        "max_unbound_per_ip": 100,
    }
    async with gateway(tmp_path, **limits) as (gw, _carrier, port):
        storm = 4 + 20
        clients = [await Raw.connect(port) for _ in range(storm)]
        for index, client in enumerate(clients):
            await client.send_pdu(BindTransceiver(sequence_number=1, system_id="acme", password=f"g{index}"))
        answers = [await client.read_pdu(timeout=10) for client in clients]
        statuses = [answer.command_status for answer in answers if answer is not None]
        assert len(statuses) == storm
        refused = statuses.count(CommandStatus.ESME_RBINDFAIL)
        assert refused >= 20 - 4  # (a verification that ends during the storm frees a place)
        assert statuses.count(CommandStatus.ESME_RINVPASWD) == storm - refused
        assert _unverified(gw, "busy") == refused
        for client in clients:
            client.close()


async def test_many_binds_with_the_same_credentials_share_one_verification(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A client that opens 9 binds at once (a restart) costs one argon2 verification, not 9, and is
    not refused as a bind storm: the binds that share a verification take no place in the queue."""
    monkeypatch.setattr(clients_module, "VERIFY_QUEUE", 4)
    calls = 0
    real = clients_module.verify_password

    def counting(password_hash: str | None, password: str) -> bool:
        nonlocal calls
        calls += 1
        return real(password_hash, password)

    monkeypatch.setattr(clients_module, "verify_password", counting)
    async with gateway(tmp_path, bind_timeout=30, max_unbound_per_ip=100) as (_gw, _carrier, port):
        clients = [await Raw.connect(port) for _ in range(9)]  # under max_binds, over VERIFY_QUEUE
        for client in clients:
            await client.send_pdu(BindTransceiver(sequence_number=1, system_id="acme", password=PASSWORD))
        answers = [await client.read_pdu(timeout=20) for client in clients]
        assert [answer.command_status if answer else None for answer in answers] == [
            CommandStatus.ESME_ROK
        ] * 9
        assert calls == 1
        for client in clients:
            client.close()


async def test_tls_below_1_2_is_refused(tmp_path: Path) -> None:
    ensure_demo_certificate(tmp_path / "tls")
    tls = {"port": 0, "cert": str(tmp_path / "tls/cert.pem"), "key": str(tmp_path / "tls/key.pem")}
    async with gateway(tmp_path, tls=tls) as (gw, _carrier, _port):
        tls_port = gw.server.ports[1]

        def context(version: ssl.TLSVersion) -> ssl.SSLContext:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            with contextlib.suppress(ssl.SSLError):
                ctx.set_ciphers("DEFAULT:@SECLEVEL=0")  # let the client at least offer the old version
            ctx.minimum_version = ctx.maximum_version = version
            return ctx

        # Control: TLS 1.2 is accepted, so a failure below is the version, not the set-up.
        _reader, writer = await asyncio.open_connection(
            "127.0.0.1", tls_port, ssl=context(ssl.TLSVersion.TLSv1_2)
        )
        writer.close()
        with pytest.warns(DeprecationWarning, match="TLSv1_1"):
            old = context(ssl.TLSVersion.TLSv1_1)
        refusal: BaseException | None = None
        try:
            _reader, writer = await asyncio.open_connection("127.0.0.1", tls_port, ssl=old)
        except (ssl.SSLError, ConnectionResetError) as error:
            refusal = error
        else:
            writer.close()
        if "NO_PROTOCOLS_AVAILABLE" in str(refusal).upper().replace(" ", "_"):
            pytest.skip(f"the local OpenSSL cannot even offer TLS 1.1: {refusal}")
        # The server's protocol_version alert, or a reset: the hello went out (a refusal by our own
        # OpenSSL raises before anything is sent) and the server would not speak TLS 1.1.
        assert isinstance(refusal, ConnectionResetError) or "VERSION" in str(refusal).upper(), refusal


# --- what reaches the logs ----------------------------------------------------------------------


async def test_logs_hold_no_password_no_text_and_no_full_number(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with gateway(tmp_path) as (gw, carrier, port):
        async with good_client(port) as good:
            otp = submit("Your code is 482913", destination="33699887766", sequence_number=5)
            response = await good.conn.request(otp)
            assert response.command_status == CommandStatus.ESME_ROK
            assert await _bind_status(port, "hunter2", "127.0.0.2") == CommandStatus.ESME_RINVPASWD
            carrier.hold = True
            pending = asyncio.ensure_future(
                good.conn.request(submit("Pin 771155", destination="33611223344"))
            )
            await until(lambda: len(carrier.received) == 2)
            good.conn.abort()  # a ConnectionClosed with an unanswered request, logged at debug
            with contextlib.suppress(Exception):
                await pending
            assert await carrier.send_mo("33655443322", "99999", "STOP 660066") != 0  # unowned MO
        logged = caplog.text
        for secret in ("hunter2", PASSWORD, "482913", "771155", "660066"):
            assert secret not in logged
        for number in ("33699887766", "33611223344", "33655443322", "99999"):
            assert number not in logged
        assert _errors(gw, "ESME_RINVCMDID") == 0


# --- memory under a flood -----------------------------------------------------------------------


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS line")


async def _flood_one(port: int, local_ip: str, payload: bytes, read: bool) -> int:
    """Send ``payload`` (as much as the gateway takes before it closes); read the answers if ``read``."""
    client = await Raw.connect(port, local_ip)
    sent = 0
    with contextlib.suppress(ConnectionError):
        for start in range(0, len(payload), 65536):
            client.writer.write(payload[start : start + 65536])
            await client.writer.drain()
            sent += len(payload[start : start + 65536])
            if read:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(client.reader.read(1 << 20), 0.001)
    return sent


async def _flood_until_offered(port: int, local_ip: str, payload: bytes, max_connections: int = 20) -> int:
    """Offer all of ``payload``, reconnecting (at most ``max_connections`` times) when the gateway
    closes the stream early: how much one stream takes before its close depends on timing."""
    sent = 0
    for _ in range(max_connections):
        if sent >= len(payload):
            break
        sent += await _flood_one(port, local_ip, payload[sent:], False)
    return sent


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc to read a process's RSS")
async def test_memory_stays_bounded_under_50_mb_of_garbage_and_partial_pdus(tmp_path: Path) -> None:
    from .test_crash_safety import _config, _free_port, _gateway_process

    async with running_carrier() as carrier:
        port = _free_port()
        config, log = _config(tmp_path, port, carrier.port), tmp_path / "gateway.log"
        async with _gateway_process(config, port, log, carrier) as process, good_client(port) as good:
            await good.assert_live()  # warm: a bind, a submit, the store written once
            before = _rss_kib(process.pid)
            rng = random.Random(7)
            garbage = rng.randbytes(1 << 20)
            # A header announcing 65,000 octets, then all but the last: the largest partial PDU
            # the gateway must hold (max_pdu_size is 70,000), on 100 connections at once.
            partial = raw(CommandId.SUBMIT_SM, sequence=1, length=65_000) + rng.randbytes(64_900)
            # Answered keepalives are kept small: each costs the gateway real work, and a flood of
            # them slows everyone (see docs/server-behaviour.md); this test is about memory.
            keepalives = codec.encode(EnquireLink(sequence_number=3)) * (1 << 13)  # 128 KiB each
            floods = [
                *(_flood_one(port, f"127.0.1.{i % 10}", partial, False) for i in range(100)),
                *(_flood_until_offered(port, f"127.0.2.{i}", garbage) for i in range(45)),
                *(_flood_one(port, f"127.0.3.{i}", keepalives, True) for i in range(4)),
            ]
            sent = sum(await live_during(good, asyncio.gather(*floods)))
            during = _rss_kib(process.pid)
            await Raw.close_all()
            await good.assert_live()
        print(f"flood: {sent / 1e6:.1f} MB offered, RSS {before} KiB before, {during} KiB during")
        # Taken by the sockets: 6.5 MB of partial PDUs held at once, 47 MB of garbage (each stream
        # closed at its first bad header, the rest discarded and offered again on a new connection),
        # 0.5 MB of keepalives answered. What the gateway may hold is bounded by connections x
        # (max_pdu_size + one read + the write high-water mark): ~60 MB for these 150 connections,
        # and far less in practice.
        assert sent >= 50_000_000
        assert during - before < 64 * 1024, f"RSS grew by {(during - before) // 1024} MiB"


async def test_a_keepalive_flood_does_not_starve_a_well_behaved_client(tmp_path: Path) -> None:
    """enquire_link is legal in every state, so no violation budget stops it: the connection works
    through a big read a slice per loop turn (MAX_BYTES_PER_TURN) and the others keep their turn."""
    from .test_crash_safety import _config, _free_port, _gateway_process

    async with running_carrier() as carrier:
        port = _free_port()
        config, log = _config(tmp_path, port, carrier.port), tmp_path / "gateway.log"
        async with _gateway_process(config, port, log, carrier) as _process, good_client(port) as good:
            await good.assert_live()
            keepalives = codec.encode(EnquireLink(sequence_number=3)) * (1 << 15)  # 512 KiB each
            floods = [_flood_one(port, f"127.0.4.{i}", keepalives, True) for i in range(8)]
            sent = sum(await live_during(good, asyncio.gather(*floods), rounds=5))
            await Raw.close_all()
        assert sent >= 8 * len(keepalives) // 2
