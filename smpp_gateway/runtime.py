"""Lifecycle: start the parts in order, wait for a signal, stop them in reverse under a deadline.

SIGTERM / SIGINT: graceful stop (stop accepting binds, answer in-flight submits, unbind clients and
carriers, flush records) within ``shutdown_grace``; a second SIGINT forces the exit. SIGHUP: reload
gateway.yaml (accounts, checks, routes); an invalid file is rejected with its errors and the running
configuration stays.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

from . import redact
from .config import ConfigError, GatewayConfig, load
from .gateway import Gateway
from .heap import settle_heap
from .http import HttpServer

log = logging.getLogger(__name__)

# The collector's thresholds once the gateway runs (heap.settle_heap). At the default generation-0
# threshold (700 allocations) collections were about a fifth of the event loop's time at 2,000 msg/s.
RUNNING_GC_THRESHOLD = (20_000, 20, 100)


def install_fast_loop() -> None:
    """uvloop when it is installed: the same asyncio API, a faster loop."""
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop is a dependency on every supported platform
        return
    uvloop.install()


def run(config_path: Path) -> int:
    try:
        config = load(config_path)
    except ConfigError as error:
        print(error, file=sys.stderr)
        return 2
    install_fast_loop()
    try:
        asyncio.run(serve(config_path, config))
    except KeyboardInterrupt:  # the second Ctrl-C: leave now
        return 130
    return 0


@contextlib.asynccontextmanager
async def running(config: GatewayConfig) -> AsyncIterator[tuple[Gateway, HttpServer]]:
    """The gateway and its HTTP server, started; stopped in reverse order on exit."""
    redact.configure(config.logging.redact)
    gateway = Gateway(config)
    http = HttpServer(gateway)
    await gateway.start()
    try:
        await http.start()
        try:
            yield gateway, http
        finally:
            await http.stop()
    finally:
        await gateway.stop()


async def serve(config_path: Path, config: GatewayConfig) -> None:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    async with running(config) as (gateway, http):
        _install_signals(loop, stop, lambda: _reload(gateway, config_path))
        log.info(
            "gateway ready: SMPP %s:%s, HTTP http://%s:%s",
            config.server.host,
            gateway.server.ports,
            config.http.host,
            http.port,
        )
        settle_heap(RUNNING_GC_THRESHOLD)
        await stop.wait()
        log.info("stopping (grace %.0f s)", config.shutdown_grace)


def _reload(gateway: Gateway, path: Path) -> None:
    try:
        config = load(path)
    except ConfigError as error:
        log.error("reload refused, keeping the running configuration:\n%s", error)
        return
    redact.configure(config.logging.redact)
    gateway.reload(config)


def _install_signals(loop: asyncio.AbstractEventLoop, stop: asyncio.Event, reload: object) -> None:
    def on_stop() -> None:
        if stop.is_set():
            log.warning("second stop signal: exiting now")
            raise SystemExit(130)
        stop.set()

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, on_stop)
    assert callable(reload)
    loop.add_signal_handler(signal.SIGHUP, reload)
