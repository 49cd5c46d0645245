"""The client (ESME) side of the gateway: binds, the registry of live binds, quotas, request dispatch.

``ClientSide`` is the ``ConnectionHandler`` of every ESME connection. A bind is authenticated off the
event loop (argon2 costs tens of milliseconds and 64 MiB by design, so at most ``VERIFY_THREADS`` run at
once), then authorised by ``accounts.authorize_bind``. Before any verification is spent, ``guard.BindGuard``
refuses IPs and system_ids locked out after repeated failures, and binds from outside the account's
networks or beyond ``VERIFY_QUEUE`` waiting binds are refused too; the lock is checked again when a
waiting bind gets its verification slot. Requests from a bound client pass the account's
token bucket (``ESME_RTHROTTLED``; the session itself answers ``ESME_RMSGQFUL`` past the window) and go
to the ``RequestHandler`` as one task each; the task's response is written when it is ready.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import hmac
import logging
import os
from collections import defaultdict
from collections.abc import Awaitable, Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Protocol

from .accounts import TokenBucket, authorize_bind, bind_type_of, network_allows, quota_for, verify_password
from .config import AccountConfig, BindType, GatewayConfig
from .guard import BindGuard
from .metrics import Metrics, status_label
from .smpp import events as ev
from .smpp.constants import CommandStatus
from .smpp.pdu import Bind, Request, Response, SubmitMulti, SubmitSm
from .transport.connection import SmppConnection
from .transport.server import EsmeServer

log = logging.getLogger(__name__)

VERIFY_THREADS = 2
# Binds verifying or waiting to. One verification costs 0.1-0.5 s of a core depending on the machine,
# so 16 is 1-4 s of work on two threads, within the default bind_timeout; a bind storm beyond it is
# refused at once rather than queued for clients that will have given up before their turn (and a
# waiting bind whose client left is skipped when its turn comes).
VERIFY_QUEUE = 16
RECEIVING = frozenset({BindType.RECEIVER, BindType.TRANSCEIVER})
QUOTA_COMMANDS = (SubmitSm, SubmitMulti)


@dataclass(eq=False, slots=True)
class ClientBind:
    conn: SmppConnection
    account: AccountConfig
    bind_type: BindType

    @property
    def receives(self) -> bool:
        return self.bind_type in RECEIVING

    @property
    def label(self) -> str:
        return f"{self.account.system_id}@{self.conn.peer_ip}/{self.bind_type.value}"


class RequestHandler(Protocol):
    def handle(self, client: ClientBind, pdu: Request) -> Awaitable[Response]: ...

    def client_bound(self, client: ClientBind) -> None: ...


@dataclass(slots=True)
class ClientRegistry:
    by_account: defaultdict[str, list[ClientBind]] = field(default_factory=lambda: defaultdict(list))
    by_connection: dict[SmppConnection, ClientBind] = field(default_factory=dict)
    _turn: defaultdict[str, int] = field(default_factory=lambda: defaultdict(int))

    def add(self, client: ClientBind) -> None:
        self.by_account[client.account.system_id].append(client)
        self.by_connection[client.conn] = client

    def remove(self, conn: SmppConnection) -> ClientBind | None:
        client = self.by_connection.pop(conn, None)
        if client is not None:
            self.by_account[client.account.system_id].remove(client)
        return client

    def count(self, system_id: str) -> int:
        return len(self.by_account.get(system_id, ()))

    def receiver(self, system_id: str) -> ClientBind | None:
        """A receiver/transceiver bind of the account, round robin across its binds."""
        receivers = [client for client in self.by_account.get(system_id, ()) if client.receives]
        if not receivers:
            return None
        turn = self._turn[system_id] = self._turn[system_id] + 1
        return receivers[turn % len(receivers)]

    def all(self) -> list[ClientBind]:
        return list(self.by_connection.values())


class ClientSide:
    def __init__(
        self,
        config: Callable[[], GatewayConfig],
        handler: RequestHandler,
        metrics: Metrics,
    ) -> None:
        self._config = config
        self.handler = handler
        self.metrics = metrics
        self.registry = ClientRegistry()
        self.server: EsmeServer | None = None
        self.tasks: set[asyncio.Task[None]] = set()
        self.accepting = True
        self._quotas: dict[str, TokenBucket] = {}
        self._verifier = ThreadPoolExecutor(VERIFY_THREADS, thread_name_prefix="bind-verify")
        self._verify_slots = asyncio.Semaphore(VERIFY_THREADS)
        self._verify_waiting = 0
        self.guard = BindGuard(config().server)
        # Verified credentials, as keyed digests: a reconnect storm must not cost one argon2 each.
        self._cache_key = os.urandom(32)
        self._verified: dict[tuple[str, bytes], str] = {}
        self._in_flight: dict[tuple[str, bytes], asyncio.Future[bool | None]] = {}

    # --- ConnectionHandler ----------------------------------------------------------------------

    def bind_requested(self, conn: SmppConnection, pdu: Bind) -> None:
        self._spawn(self._bind(conn, pdu))

    def bound(self, conn: SmppConnection) -> None:
        client = self.registry.by_connection.get(conn)
        if client is not None:
            self.handler.client_bound(client)

    def request_received(self, conn: SmppConnection, pdu: Request) -> None:
        client = self.registry.by_connection.get(conn)
        if client is None:  # the session only lets requests through once bound
            conn.send_response(pdu, pdu.make_response(CommandStatus.ESME_RINVBNDSTS))
            return
        if isinstance(pdu, QUOTA_COMMANDS) and not self._quota(client.account).try_take(conn.loop.time()):
            self.metrics.throttled.labels(client.account.system_id, "quota").inc()
            conn.send_response(pdu, pdu.make_response(CommandStatus.ESME_RTHROTTLED))
            return
        self._spawn(self._answer(client, pdu))

    def protocol_violation(self, conn: SmppConnection, event: ev.ProtocolViolation) -> None:
        self.metrics.protocol_errors.labels("client", status_label(event.status)).inc()

    def closed(self, conn: SmppConnection) -> None:
        client = self.registry.remove(conn)
        if client is not None:
            log.info("%s: unbound", client.label)
            self.metrics.binds.labels(client.account.system_id, client.bind_type.value).dec()

    # --- binds ----------------------------------------------------------------------------------

    async def _bind(self, conn: SmppConnection, pdu: Bind) -> None:
        config = self._config()
        account = config.account(pdu.system_id)
        bind_type = bind_type_of(pdu)
        status = await self._authenticate(conn, account, pdu)
        if conn.session.should_close:
            # The client left while its password was checked: a bind registered now would never be
            # removed (closed() has run) and would count against the account's max_binds for ever.
            return
        if status == CommandStatus.ESME_ROK:
            status = (
                CommandStatus.ESME_RBINDFAIL
                if not self.accepting
                else authorize_bind(
                    account, True, bind_type, conn.peer_ip, self.registry.count(pdu.system_id)
                )
            )
        if status != CommandStatus.ESME_ROK or account is None:
            self.metrics.bind_failures.labels(status_label(status)).inc()
            log.warning(
                "bind refused: system_id=%r from %s as %s: %s",
                pdu.system_id,
                conn.peer_ip,
                bind_type.value,
                CommandStatus(status).name,
            )
            conn.reject_bind(pdu, status)
            return
        client = ClientBind(conn, account, bind_type)
        self.registry.add(client)
        conn.session.config = dataclasses.replace(conn.session.config, max_inbound_window=account.window)
        if self.server is not None:
            self.server.mark_bound(conn)
        conn.label = client.label
        self.metrics.binds.labels(account.system_id, bind_type.value).inc()
        log.info("%s: bound", client.label)
        conn.accept_bind(pdu, config.server.system_id)

    async def _authenticate(
        self, conn: SmppConnection, account: AccountConfig | None, pdu: Bind
    ) -> CommandStatus:
        """ESME_ROK when the password is right; else the refusal, decided as cheaply as possible."""
        ip, system_id = conn.peer_ip, pdu.system_id
        shared = (system_id, self._digest(pdu.password)) in self._in_flight
        refusal = self._refuse_unverified(ip, system_id, account, conn.loop.time(), shared)
        if refusal is not None:
            self.metrics.binds_unverified.labels(refusal).inc()
            return CommandStatus.ESME_RBINDFAIL
        password_ok = await self._verify(conn, system_id, account, pdu.password)
        if password_ok is None:  # locked out, or gone, while it waited for a slot
            return CommandStatus.ESME_RBINDFAIL
        now = conn.loop.time()
        if account is None or not password_ok:
            status = CommandStatus.ESME_RINVSYSID if account is None else CommandStatus.ESME_RINVPASWD
            for scope in self.guard.failed(ip, system_id, now):
                log.warning(
                    "bind lock-out: %s %s locked for %g s after repeated failures",
                    scope,
                    ip if scope == "ip" else repr(system_id),
                    self._config().server.bind_lockout,
                )
            return status
        self.guard.succeeded(ip, now)
        return CommandStatus.ESME_ROK

    def _refuse_unverified(
        self, ip: str, system_id: str, account: AccountConfig | None, now: float, shared: bool = False
    ) -> str | None:
        """Why this bind is refused without spending a verification, or None."""
        locked = self.guard.locked(ip, system_id, now)
        if locked is not None:
            return f"{locked}_locked"
        if account is not None and not network_allows(account.allowed_networks, ip):
            return "network"
        if self._verify_waiting >= VERIFY_QUEUE and not shared:  # a shared verification costs nothing
            return "busy"
        return None

    async def _verify(
        self, conn: SmppConnection, system_id: str, account: AccountConfig | None, password: str
    ) -> bool | None:
        """Whether ``password`` is right; None when the bind was locked out or closed while it waited."""
        digest = self._digest(password)
        if account is not None and self._verified.get((account.system_id, digest)) == account.password_hash:
            return True
        # A client that opens many binds at once (64 after a restart is common) waits for one argon2
        # verification of its credentials, not one each: the others share its outcome.
        key = (system_id, digest)
        leader = self._in_flight.get(key)
        if leader is not None:
            shared = await asyncio.shield(leader)
            if shared is not None:
                return shared
        result: asyncio.Future[bool | None] = conn.loop.create_future()
        self._in_flight[key] = result
        outcome: bool | None = None
        try:
            outcome = await self._verify_once(conn, system_id, account, password, digest)
        finally:
            if self._in_flight.get(key) is result:
                del self._in_flight[key]
            result.set_result(outcome)  # None (gone, locked, failed): the others verify for themselves
        return outcome

    def _digest(self, password: str) -> bytes:
        """A keyed digest, so the cache holds no password and a lookup's timing says nothing about one."""
        return hmac.new(self._cache_key, password.encode("latin-1", "replace"), hashlib.sha256).digest()

    async def _verify_once(
        self,
        conn: SmppConnection,
        system_id: str,
        account: AccountConfig | None,
        password: str,
        digest: bytes,
    ) -> bool | None:
        password_hash = account.password_hash if account is not None else None
        self._verify_waiting += 1
        try:
            async with self._verify_slots:
                transport = conn.transport
                if transport is None or transport.is_closing():
                    return None
                locked = self.guard.locked(conn.peer_ip, system_id, conn.loop.time())
                if locked is not None:
                    self.metrics.binds_unverified.labels(f"{locked}_locked").inc()
                    return None
                loop = asyncio.get_running_loop()
                ok = await loop.run_in_executor(self._verifier, verify_password, password_hash, password)
        finally:
            self._verify_waiting -= 1
        if ok and account is not None:
            self._verified[(account.system_id, digest)] = account.password_hash
        return ok

    def _quota(self, account: AccountConfig) -> TokenBucket:
        bucket = self._quotas.get(account.system_id)
        if bucket is None or bucket.rate != account.throughput:
            bucket = self._quotas[account.system_id] = quota_for(account)
        return bucket

    # --- requests -------------------------------------------------------------------------------

    async def _answer(self, client: ClientBind, pdu: Request) -> None:
        try:
            response = await self.handler.handle(client, pdu)
        except Exception:
            # A bug must not leave the client waiting: answer a retryable error and keep the bind.
            log.exception("%s: failed to handle %s", client.label, type(pdu).__name__)
            response = pdu.make_response(CommandStatus.ESME_RSYSERR)
        client.conn.send_response(pdu, response)

    def _spawn(self, coroutine: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def drain(self, timeout: float) -> None:
        """Wait (bounded) for every in-flight request to be answered."""
        if self.tasks:
            await asyncio.wait(set(self.tasks), timeout=timeout)

    def close(self) -> None:
        self._verifier.shutdown(wait=False, cancel_futures=True)
