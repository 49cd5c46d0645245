"""Faults and lifecycle: a carrier dropping mid-window, TLS, reload on SIGHUP, SIGTERM, the CLI."""

from __future__ import annotations

import asyncio
import signal
import socket
import ssl
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
import yaml

from smpp_gateway.accounts import verify_password
from smpp_gateway.cli import main as cli_main
from smpp_gateway.demo import ensure_demo_certificate
from smpp_gateway.smpp.constants import CommandStatus

from .carrier import running_carrier
from .esme import SyncEsme
from .gateway_harness import PASSWORD, PASSWORD_HASH, gateway_config, running_gateway, smpp_port

ROOT = Path(__file__).resolve().parents[2]


async def test_carrier_dropping_mid_window_fails_over_and_answers_each_submit_once(tmp_path: Path) -> None:
    async with running_carrier(hold=True) as flaky, running_carrier() as steady:
        config = gateway_config(tmp_path, {"flaky": flaky.port, "steady": steady.port})
        async with running_gateway(config) as gw:
            esme = SyncEsme("127.0.0.1", smpp_port(gw))
            assert await asyncio.to_thread(esme.bind, "transmitter", "acme", PASSWORD) == 0
            count = 20
            sent = await asyncio.to_thread(
                lambda: [
                    esme.client.send_message(
                        source_addr="ACME",
                        source_addr_ton=5,
                        destination_addr="33612345678",
                        short_message=f"m{i}".encode(),
                    ).sequence
                    for i in range(count)
                ]
            )
            async with asyncio.timeout(10):
                while len(flaky.received) < count:
                    await asyncio.sleep(0.01)
            flaky.drop_links()  # every submit is outstanding on the lost link

            def read_answers() -> Counter[int]:
                seen: Counter[int] = Counter()
                deadline = time.monotonic() + 30
                while sum(seen.values()) < count:
                    assert time.monotonic() < deadline, f"only {sum(seen.values())} of {count} answered"
                    pdu = esme.client.read_pdu()
                    if pdu.command == "submit_sm_resp":
                        assert int(pdu.status) == 0
                        seen[int(pdu.sequence)] += 1
                return seen

            answers = await asyncio.to_thread(read_answers)
            assert set(answers) == set(sent)
            assert set(answers.values()) == {1}  # exactly one answer each
            assert len(steady.received) == count  # failed over, none lost
            esme.client.disconnect()


async def test_tls_listener_accepts_binds(tmp_path: Path) -> None:
    ensure_demo_certificate(tmp_path / "tls")
    async with running_carrier() as carrier:
        config = gateway_config(
            tmp_path,
            {"c1": carrier.port},
            server={
                "host": "127.0.0.1",
                "port": 0,
                "tls": {
                    "port": 0,
                    "cert": str(tmp_path / "tls/cert.pem"),
                    "key": str(tmp_path / "tls/key.pem"),
                },
            },
        )
        async with running_gateway(config) as gw:
            tls_port = gw.server.ports[1]
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            esme = SyncEsme("127.0.0.1", tls_port)
            esme.client._ssl_context = context
            assert await asyncio.to_thread(esme.bind, "transceiver", "acme", PASSWORD) == 0
            result = await asyncio.to_thread(esme.submit, "over TLS")
            assert result.status == 0
            await asyncio.to_thread(esme.close)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _write_config(path: Path, tmp: Path, smpp: int, carrier_port: int, extra_account: bool = False) -> None:
    accounts = [{"system_id": "acme", "password_hash": PASSWORD_HASH}]
    if extra_account:
        accounts.append({"system_id": "newbie", "password_hash": PASSWORD_HASH})
    document = {
        "server": {"host": "127.0.0.1", "port": smpp},
        "http": {"host": "127.0.0.1", "port": _free_port()},
        "store": {"path": str(tmp / "gw.sqlite")},
        "shutdown_grace": 3,
        "accounts": accounts,
        "carriers": [
            {
                "name": "c1",
                "host": "127.0.0.1",
                "port": carrier_port,
                "system_id": "gateway",
                "password": "gwpass1",
            }
        ],
        "routes": [{"name": "fr", "match": {"prefixes": ["33"]}, "carriers": ["c1"]}],
    }
    path.write_text(yaml.safe_dump(document))


def _bind_status(port: int, system_id: str) -> int:
    esme = SyncEsme("127.0.0.1", port, timeout=5)
    try:
        return esme.bind("transceiver", system_id, PASSWORD)
    finally:
        esme.client.disconnect()


def _wait_listening(port: int, process: subprocess.Popen[bytes], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "the gateway exited during start"
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError("the gateway did not start listening")


async def test_sighup_reload_keeps_the_old_config_when_the_new_one_is_bad(tmp_path: Path) -> None:
    async with running_carrier() as carrier:
        config_path, port = tmp_path / "gateway.yaml", _free_port()
        _write_config(config_path, tmp_path, port, carrier.port)
        log_path = tmp_path / "gateway.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(  # noqa: ASYNC220 - starting a child does not block; waits are in threads
                [sys.executable, "-m", "smpp_gateway", "run", "-c", str(config_path)],
                cwd=ROOT,
                stdout=log,
                stderr=log,
            )
        try:
            await asyncio.to_thread(_wait_listening, port, process)
            config_path.write_text("accounts: [ {system_id: broken\n")
            process.send_signal(signal.SIGHUP)
            assert await asyncio.to_thread(_bind_status, port, "acme") == 0  # still serving, old config
            assert await asyncio.to_thread(_bind_status, port, "newbie") == CommandStatus.ESME_RINVSYSID
            _write_config(config_path, tmp_path, port, carrier.port, extra_account=True)
            process.send_signal(signal.SIGHUP)

            def newbie_binds() -> bool:
                deadline = time.monotonic() + 10
                while time.monotonic() < deadline:
                    if _bind_status(port, "newbie") == 0:
                        return True
                    time.sleep(0.1)
                return False

            assert await asyncio.to_thread(newbie_binds)
            process.send_signal(signal.SIGTERM)
            assert await asyncio.to_thread(process.wait, 15) == 0
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
        output = log_path.read_text()
        assert "reload refused" in output
        assert "invalid YAML" in output


def test_hash_password_prints_a_verifiable_hash(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["hash-password", "s3cret"]) == 0
    printed = capsys.readouterr().out.strip()
    assert verify_password(printed, "s3cret")
    assert cli_main(["hash-password", "much-too-long"]) == 2


def test_check_config_reports_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("server: {port: -1}\n")
    assert cli_main(["check-config", "-c", str(bad)]) == 2
    assert "server.port" in capsys.readouterr().err
    assert cli_main(["check-config", "-c", str(ROOT / "config/gateway.yaml")]) == 0
