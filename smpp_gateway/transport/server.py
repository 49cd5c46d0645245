"""EsmeServer: the ESME-facing TCP (and TLS) listeners, with connection caps.

Each accepted socket becomes an ``SmppConnection`` around an SMSC-role ``Session``; binds and requests go
to the ``ConnectionHandler`` (the gateway). Caps protect the process from connection floods: a total
cap, and a cap on connections not yet bound per source IP (a bound client is authenticated; an unbound
one may be anybody). Over a cap, the socket is closed at once with a log line. Each connection also
has a protocol-violation budget (``guard.ViolationBudget``): a peer that mostly sends garbage is closed
once it is spent, after its last answer is written.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections import Counter
from collections.abc import Callable

from ..config import ServerConfig
from ..guard import ViolationBudget
from ..smpp import events as ev
from ..smpp.session import Session, SessionConfig
from ..smpp.states import Role
from .connection import ConnectionHandler, SmppConnection

log = logging.getLogger(__name__)

# Receipts and MO we send to one client bind without waiting for its responses.
DELIVERY_WINDOW = 50


def tls_context(cert: str, key: str) -> ssl.SSLContext:
    """Server TLS with modern defaults: TLS 1.2 minimum, the library's secure cipher selection."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert, key)
    return context


Violations = Callable[[SmppConnection, ev.ProtocolViolation], None]


class EsmeServer:
    def __init__(
        self, config: ServerConfig, handler: ConnectionHandler, *, on_violation: Violations | None = None
    ) -> None:
        self.config = config
        self.handler = handler
        self.on_violation = on_violation
        self.connections: set[SmppConnection] = set()
        self._unbound_per_ip: Counter[str] = Counter()
        self._servers: list[asyncio.Server] = []
        self.session_config = SessionConfig(
            response_timeout=config.response_timeout,
            enquire_link_interval=config.enquire_link_interval,
            inactivity_timeout=config.inactivity_timeout,
            bind_timeout=config.bind_timeout,
            max_pdu_size=config.max_pdu_size,
            # Until a bind says which account this is, no request is admitted; the account's window
            # replaces this at bind time (ClientSide._bind).
            max_inbound_window=1,
            max_outbound_window=DELIVERY_WINDOW,
        )

    @property
    def ports(self) -> list[int]:
        return [sock.getsockname()[1] for server in self._servers for sock in server.sockets]

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        plain = await loop.create_server(self._accept, self.config.host, self.config.port)
        self._servers.append(plain)
        tls = self.config.tls
        if tls is not None:
            context = tls_context(str(tls.cert), str(tls.key))
            secure = await loop.create_server(self._accept, self.config.host, tls.port, ssl=context)
            self._servers.append(secure)
        log.info("SMPP listening on %s ports %s", self.config.host, self.ports)

    def stop_accepting(self) -> None:
        for server in self._servers:
            server.close()

    async def wait_closed(self) -> None:
        for server in self._servers:
            await server.wait_closed()

    def mark_bound(self, conn: SmppConnection) -> None:
        """A connection that bound no longer counts against its IP's unbound cap."""
        if isinstance(conn, _ServerConnection) and conn.counted_unbound:
            conn.counted_unbound = False
            self._unbound_per_ip[conn.peer_ip] -= 1

    def _accept(self) -> SmppConnection:
        factory: Callable[[float], Session] = lambda now: Session(Role.SMSC, self.session_config, now)  # noqa: E731
        return _ServerConnection(self, factory, self.handler)

    def _admit(self, conn: _ServerConnection) -> bool:
        if len(self.connections) >= self.config.max_connections:
            log.warning(
                "refusing connection from %s: %d connections open", conn.peer_ip, len(self.connections)
            )
            return False
        if self._unbound_per_ip[conn.peer_ip] >= self.config.max_unbound_per_ip:
            log.warning("refusing connection from %s: too many unbound connections from it", conn.peer_ip)
            return False
        self.connections.add(conn)
        self._unbound_per_ip[conn.peer_ip] += 1
        conn.counted_unbound = True
        return True

    def _release(self, conn: SmppConnection) -> None:
        if conn in self.connections:
            self.connections.discard(conn)
            self.mark_bound(conn)
            if self._unbound_per_ip[conn.peer_ip] <= 0:
                del self._unbound_per_ip[conn.peer_ip]


class _ServerConnection(SmppConnection):
    """An SmppConnection that checks in and out with its server's caps."""

    def __init__(
        self, server: EsmeServer, factory: Callable[[float], Session], handler: ConnectionHandler
    ) -> None:
        config = server.config
        super().__init__(
            factory,
            handler,
            label="esme",
            max_write_buffer=config.max_write_buffer,
            write_timeout=config.write_timeout,
            on_violation=server.on_violation,
        )
        self.server = server
        self.counted_unbound = False
        self.budget = ViolationBudget(config.max_protocol_violations)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        self.label = f"esme@{self.peer_ip}"
        if not self.server._admit(self):
            self.abort()

    def connection_lost(self, exc: Exception | None) -> None:
        self.server._release(self)
        super().connection_lost(exc)

    def _on_request(self, event: ev.Event) -> None:
        self.budget.earn()
        super()._on_request(event)

    def _on_protocol_violation(self, event: ev.Event) -> None:
        super()._on_protocol_violation(event)
        assert isinstance(event, ev.ProtocolViolation)
        if self.budget.charge(event.status) and not self.session.should_close:
            log.warning("%s: %d protocol violations; closing", self.label, self.budget.limit)
            self.session.close()  # _process flushes the answers already queued, then closes
