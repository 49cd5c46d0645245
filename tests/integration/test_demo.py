"""`make run` as a user meets it: the demo on its fixed ports, a first message, its receipt, the panel.

Runs the real demo starter in a copy of config/ (so its SQLite file and certificate land in a temp
dir). Skips when one of the demo's fixed ports is taken (a `make run` already up on this machine).
"""

from __future__ import annotations

import json
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from .esme import SyncEsme

ROOT = Path(__file__).resolve().parents[2]
DEMO_PORTS = (2775, 3550, 8080, 8081, 2776, 2777, 2778, 2779, 2780, 2781)


def _port_taken(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _wait_healthy(process: subprocess.Popen[bytes], timeout: float = 60.0) -> dict[str, object]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "the demo exited during start"
        try:
            with urllib.request.urlopen("http://127.0.0.1:8080/healthz", timeout=1) as response:
                document: dict[str, object] = json.load(response)
                carriers = document["carriers"]
                assert isinstance(carriers, dict)
                if all(carrier["bound"] for carrier in carriers.values()):
                    return document
        except (OSError, ValueError):
            pass
        time.sleep(0.2)
    raise TimeoutError("the demo did not become healthy")


def test_make_run_demo_sends_a_first_message_and_returns_its_receipt(tmp_path: Path) -> None:
    taken = [port for port in DEMO_PORTS if _port_taken(port)]
    if taken:
        pytest.skip(f"demo ports in use (a `make run` is up?): {taken}")
    shutil.copytree(ROOT / "config", tmp_path / "config")
    log = (tmp_path / "demo.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "smpp_gateway.demo"], cwd=tmp_path, stdout=log, stderr=log
    )
    try:
        health = _wait_healthy(process)
        assert health["store_healthy"] is True
        esme = SyncEsme("127.0.0.1", 2775)
        assert esme.bind("transceiver", "demo", "demopass") == 0
        result = esme.submit("Votre code est 123456", registered_delivery=1)
        assert result.status == 0
        [receipt] = esme.wait_delivered(1)
        assert f"id:{result.message_id}" in receipt.short_message.decode()
        esme.close()
        with urllib.request.urlopen("http://127.0.0.1:8081/api/handsets/33612345678", timeout=5) as response:
            deliveries = json.load(response)
        assert any(
            item["text"] == "Votre code est 123456" and item["sender"] == "ACME" for item in deliveries
        )
        assert (tmp_path / "var/tls/cert.pem").exists()  # made on first run, never committed
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        log.close()
    assert not any(_port_taken(port) for port in DEMO_PORTS)  # the simulators child is gone too
