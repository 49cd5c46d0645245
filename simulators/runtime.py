"""Start and stop a set of simulated carriers and the handset panel (the `make run` demo, the tests).

    async with run_carriers(config) as sims:
        sims.carriers["direct"].port        # real port, also when the config says 0
        sims.panel.deliveries("33612345678")
        sims.http_port                      # handset panel / control API

Parts start in dependency order (panel, carriers, HTTP) and stop in reverse; a failure while
starting stops what had started before re-raising.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

from aiohttp import web

from .config import SimulatorConfig
from .handsets import HandsetPanel
from .http import build_app
from .smsc import CarrierSimulator

log = logging.getLogger(__name__)


class Simulators:
    def __init__(self, config: SimulatorConfig, *, http: bool = True) -> None:
        self.config = config
        self.panel = HandsetPanel(config.handsets)
        self.carriers = {
            carrier.name: CarrierSimulator(carrier, seed=config.carrier_seed(carrier), panel=self.panel)
            for carrier in config.carriers
        }
        self._http = http
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None
        self._started: list[CarrierSimulator] = []

    @property
    def http_port(self) -> int:
        if self._runner is None or not self._runner.addresses:
            raise RuntimeError("the HTTP API is not started")
        port: int = self._runner.addresses[0][1]
        return port

    @property
    def ports(self) -> dict[str, int]:
        return {name: carrier.port for name, carrier in self.carriers.items()}

    async def start(self) -> None:
        try:
            await self.panel.start()
            for carrier in self.carriers.values():
                await carrier.start()
                self._started.append(carrier)
            if self._http:
                self._runner = web.AppRunner(build_app(self.panel, self.carriers), access_log=None)
                await self._runner.setup()
                panel = self.config.handsets
                self._site = web.TCPSite(self._runner, panel.host, panel.port)
                await self._site.start()
                log.info("handset panel on http://%s:%d", panel.host, self.http_port)
        except BaseException:
            await self.stop()
            raise

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        for carrier in reversed(self._started):
            await carrier.stop()
        self._started.clear()
        await self.panel.stop()


@contextlib.asynccontextmanager
async def run_carriers(config: SimulatorConfig, *, http: bool = True) -> AsyncIterator[Simulators]:
    simulators = Simulators(config, http=http)
    await simulators.start()
    try:
        yield simulators
    finally:
        await simulators.stop()
