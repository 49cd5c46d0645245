"""The handset panel: what simulated carriers delivered, as the handsets show it, and reports of it.

Theory of operation:
* Carriers call ``deliver`` only for messages that reached a handset (after loss, grey alterations and
  holds). A message a carrier lost never appears here, whatever its receipt claims: that difference is
  what route testing measures.
* History is bounded (``history`` entries, oldest dropped) and indexed by MSISDN for the HTTP API.
* With a webhook configured, each delivery is also POSTed to the gateway's handset-report endpoint as
  JSON {msisdn, sender, text, received_at} with a bearer token, exactly as a real test panel does:
  one sender task, retries with exponential backoff on connection errors, 5xx and 429; other 4xx are
  permanent (the report is dropped and logged). The report queue is bounded too.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from datetime import UTC, datetime
from typing import Any, NamedTuple

import aiohttp

from .config import PanelConfig, Webhook

log = logging.getLogger(__name__)


class Delivery(NamedTuple):
    """One message as a handset shows it (a NamedTuple: one is built per delivery)."""

    msisdn: str
    sender: str
    text: str
    received_at: datetime  # UTC
    carrier: str
    message_ids: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "msisdn": self.msisdn,
            "sender": self.sender,
            "text": self.text,
            "received_at": iso_utc(self.received_at),
            "carrier": self.carrier,
            "message_ids": list(self.message_ids),
        }

    def report(self) -> dict[str, str]:
        """The body of a handset report (the gateway's POST /api/v1/handset-reports)."""
        return {
            "msisdn": self.msisdn,
            "sender": self.sender,
            "text": self.text,
            "received_at": iso_utc(self.received_at),
        }


def iso_utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class HandsetPanel:
    def __init__(self, config: PanelConfig) -> None:
        self.config = config
        self._history: deque[Delivery] = deque(maxlen=config.history)
        self.total = 0
        self.webhook: WebhookSender | None = None
        if config.webhook is not None:
            self.webhook = WebhookSender(config.webhook)

    def __len__(self) -> int:
        return len(self._history)

    def deliver(self, delivery: Delivery) -> None:
        self._history.append(delivery)
        self.total += 1
        if self.webhook is not None:
            self.webhook.submit(delivery)

    def deliveries(self, msisdn: str | None = None, carrier: str | None = None) -> list[Delivery]:
        """Oldest first. A linear scan: the history is bounded and queries are rare."""
        return [
            item
            for item in self._history
            if (msisdn is None or item.msisdn == msisdn) and (carrier is None or item.carrier == carrier)
        ]

    def clear(self) -> None:
        self._history.clear()

    async def start(self) -> None:
        if self.webhook is not None:
            await self.webhook.start()

    async def stop(self) -> None:
        if self.webhook is not None:
            await self.webhook.stop()


class WebhookSender:
    """Posts reports one at a time, in order, retrying each with backoff before moving on."""

    def __init__(self, config: Webhook) -> None:
        self.config = config
        self.sent = 0
        self.dropped = 0
        self._queue: deque[Delivery] = deque()
        self._wakeup = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._session: aiohttp.ClientSession | None = None

    def __len__(self) -> int:
        return len(self._queue)

    def submit(self, delivery: Delivery) -> None:
        prefixes = self.config.msisdn_prefixes
        if prefixes and not delivery.msisdn.startswith(tuple(prefixes)):
            return
        if len(self._queue) >= self.config.queue_limit:
            self._queue.popleft()
            self.dropped += 1
        self._queue.append(delivery)
        self._wakeup.set()

    async def start(self) -> None:
        headers = {"Authorization": f"Bearer {self.config.token}"} if self.config.token else {}
        timeout = aiohttp.ClientTimeout(total=self.config.timeout)
        self._session = aiohttp.ClientSession(headers=headers, timeout=timeout)
        self._task = asyncio.create_task(self._run(), name="handset-webhook")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _run(self) -> None:
        while True:
            while not self._queue:
                self._wakeup.clear()
                await self._wakeup.wait()
            delivery = self._queue[0]
            delivered = await self._post_with_retries(delivery)
            if self._queue and self._queue[0] is delivery:
                self._queue.popleft()
            if delivered:
                self.sent += 1
            else:
                self.dropped += 1

    async def _post_with_retries(self, delivery: Delivery) -> bool:
        pause = self.config.backoff_initial
        for attempt in range(1, self.config.max_attempts + 1):
            outcome = await self._post(delivery)
            if outcome is not None:
                return outcome
            if attempt < self.config.max_attempts:
                await asyncio.sleep(pause)
                pause = min(pause * 2, self.config.backoff_max)
        log.warning(
            "handset report for %s dropped after %d attempts", delivery.msisdn, self.config.max_attempts
        )
        return False

    async def _post(self, delivery: Delivery) -> bool | None:
        """True: accepted; False: refused for good; None: try again."""
        assert self._session is not None
        try:
            async with self._session.post(self.config.url, json=delivery.report()) as response:
                if response.status < 300:
                    return True
                if response.status >= 500 or response.status == 429:
                    log.info("handset report: %s answered %d; will retry", self.config.url, response.status)
                    return None
                log.warning("handset report refused by %s: %d", self.config.url, response.status)
                return False
        except (aiohttp.ClientError, TimeoutError) as error:
            log.info("handset report: %s unreachable (%r); will retry", self.config.url, error)
            return None


def utc_now() -> datetime:
    return datetime.now(UTC)


class WallClock:
    """``datetime.now(UTC)``, re-read at most once a millisecond: a carrier stamps every message
    several times (submit, delivery, receipt), and a monotonic read costs a tenth of a wall read."""

    def __init__(self) -> None:
        self._at = -1.0
        self._value = utc_now()

    def __call__(self) -> datetime:
        now = time.monotonic()
        if now - self._at >= 0.001:
            self._at = now
            self._value = datetime.now(UTC)
        return self._value
