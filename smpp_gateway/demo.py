"""`make run`: the gateway on config/gateway.yaml with the carrier simulators of config/simulators.yaml.

Runs in the foreground until Ctrl-C. The simulators run as a child process (they are a separate
product that the gateway never imports, and a second process uses the second core); the gateway runs
here. The demo's TLS listener needs a certificate: a self-signed pair is made under var/tls/ on first
run (never committed).
"""

from __future__ import annotations

import logging
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

from .cli import LOG_FORMAT
from .config import load
from .runtime import run

log = logging.getLogger("smpp_gateway.demo")

GATEWAY_CONFIG = Path("config/gateway.yaml")
SIMULATORS_CONFIG = Path("config/simulators.yaml")
TLS_DIR = Path("var/tls")


def ensure_demo_certificate(directory: Path = TLS_DIR) -> None:
    cert, key = directory / "cert.pem", directory / "key.pem"
    if cert.exists() and key.exists():
        return
    openssl = shutil.which("openssl")
    if openssl is None:
        raise SystemExit("openssl is needed once to make the demo's self-signed TLS certificate")
    directory.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            openssl,
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "365",
            "-subj",
            "/CN=localhost",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    key.chmod(0o600)
    log.info("made a self-signed demo certificate in %s", directory)


def _wait_for_simulators(process: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    """Start the gateway once the simulated carriers listen, so its first binds succeed."""
    ports = [carrier.port for carrier in load(GATEWAY_CONFIG).carriers]
    deadline = time.monotonic() + timeout
    waiting = set(ports)
    while waiting and time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the carrier simulators exited (status {process.returncode}); see their log")
        for port in list(waiting):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                waiting.discard(port)
            except OSError:
                pass
        time.sleep(0.1)
    if waiting:
        log.warning("simulated carriers not listening on %s yet; the gateway keeps retrying", sorted(waiting))


def main() -> int:
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT, stream=sys.stderr)
    ensure_demo_certificate()
    simulators = subprocess.Popen(
        [sys.executable, "-m", "simulators", "carriers", "-c", str(SIMULATORS_CONFIG)],
    )
    log.info("carrier simulators started (pid %d)", simulators.pid)
    try:
        _wait_for_simulators(simulators)
        return run(GATEWAY_CONFIG)
    finally:
        stop_process(simulators, timeout=10)


def stop_process(process: subprocess.Popen[bytes], timeout: float) -> None:
    """Stop a child we started: SIGTERM, then SIGKILL if it has not exited within ``timeout``."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


if __name__ == "__main__":
    raise SystemExit(main())
