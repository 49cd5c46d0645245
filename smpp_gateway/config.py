"""gateway.yaml: typed models, loaded and validated before any socket opens.

``load(path)`` returns a ``GatewayConfig`` or raises ``ConfigError`` whose message names the file, the
path inside it and the problem, one line per problem, e.g.
``config/gateway.yaml: accounts.0.window: Input should be greater than 0``.
"""

from __future__ import annotations

import ipaddress
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .checks.config import AccountPolicy, ChecksConfig
from .message import MessageClass, SenderType
from .routetest.config import RouteTestsConfig
from .yamlconfig import ConfigError as ConfigError  # re-exported: callers catch it from here
from .yamlconfig import load_model, parse_model


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Seconds = Annotated[float, Field(gt=0)]


class BindType(StrEnum):
    TRANSMITTER = "transmitter"
    RECEIVER = "receiver"
    TRANSCEIVER = "transceiver"


class TlsConfig(_Model):
    port: int = Field(3550, ge=0, le=65535, description="TLS listener port (3550 is IANA 'ssmpp'); 0 = any.")
    cert: Path = Field(description="PEM certificate chain file.")
    key: Path = Field(description="PEM private key file.")


class ServerConfig(_Model):
    host: str = Field("127.0.0.1", description="Address the ESME-facing SMPP listener binds to.")
    port: int = Field(2775, ge=0, le=65535, description="Plain SMPP port (2775 is IANA 'smpp'); 0 = any.")
    tls: TlsConfig | None = None
    system_id: str = Field("smppgw", max_length=15, description="system_id answered in bind_resp.")
    max_pdu_size: int = Field(
        70_000,
        ge=1024,
        le=1_048_576,
        description="Largest accepted command_length; message_payload may legally hold up to 64 KiB.",
    )
    bind_timeout: Seconds = Field(10.0, description="A connection must bind within this (slowloris guard).")
    enquire_link_interval: Seconds = Field(30.0, description="Idle time before we send enquire_link.")
    inactivity_timeout: Seconds = Field(300.0, description="No traffic at all for this long -> unbind.")
    response_timeout: Seconds = Field(30.0, description="Wait for a client's response to our request.")
    max_connections: int = Field(2000, ge=1, description="Open client connections in total.")
    max_unbound_per_ip: int = Field(
        100,
        ge=1,
        description="Connections not yet bound, per source IP (a big client reconnects 64 binds at once).",
    )
    max_write_buffer: int = Field(
        4 * 1024 * 1024,
        ge=65536,
        description="Bytes queued to a client that does not read before we drop it.",
    )
    write_timeout: Seconds = Field(
        30.0,
        description="A client that stays this long behind on reading (our writes to it paused), or that does "
        "not take the last bytes of a connection we close, is dropped: otherwise a peer that never reads "
        "would hold its socket and its place under max_connections for ever.",
    )
    max_protocol_violations: int = Field(
        20,
        ge=1,
        description="Protocol violations a connection may commit, net of its legal requests (each earns one "
        "back), before it is closed: aiosmtpd's BOGUS_LIMIT. Window overflow does not count.",
    )
    bind_failures_per_ip: int = Field(
        10,
        ge=0,
        description="Failed binds (unknown system_id, wrong password) from one IP within bind_failure_window "
        "that lock the IP out for bind_lockout; 0 = no limit.",
    )
    bind_failures_per_system_id: int = Field(
        30,
        ge=0,
        description="Failed binds for one system_id, from any IP, within bind_failure_window that lock the "
        "system_id out for bind_lockout; 0 = no limit. Anyone knowing the name can lock it: keep it above "
        "bind_failures_per_ip.",
    )
    bind_failure_window: Seconds = Field(60.0, description="Window in which failed binds are counted.")
    bind_lockout: Seconds = Field(
        300.0,
        description="While locked out, every bind from that IP or for that system_id is answered "
        "ESME_RBINDFAIL without checking the password.",
    )


class HttpConfig(_Model):
    host: str = "127.0.0.1"
    port: int = Field(8080, ge=0, le=65535)
    api_token: str = Field("demo-token", min_length=8, description="Bearer token for write endpoints.")


class StoreConfig(_Model):
    path: Path = Field(Path("var/gateway.sqlite"), description="SQLite database file (WAL mode).")
    retention_days: float = Field(30.0, gt=0, description="Records older than this are purged.")
    max_pending_per_account: int = Field(
        100_000, ge=1, description="Receipts/MO stored for an absent client before the oldest expire."
    )
    pending_expiry: Seconds = Field(72 * 3600.0, description="A stored receipt/MO is dropped after this.")
    cache_mib: int = Field(
        16,
        ge=1,
        le=4096,
        description="SQLite page cache per connection, in MiB (the hot path touches a few MiB; it fills as"
        " the file grows, so it is part of the gateway's steady-state memory).",
    )


class AccountConfig(_Model):
    system_id: str = Field(min_length=1, max_length=15)
    password_hash: str = Field(
        description="argon2 hash of the password (`smpp-gateway hash-password`); never the password itself."
    )
    bind_types: frozenset[BindType] = frozenset(BindType)
    max_binds: int = Field(10, ge=1)
    allowed_networks: tuple[str, ...] = Field(("127.0.0.0/8", "::1/128"))
    throughput: float = Field(1000.0, gt=0, description="Messages per second (token bucket rate).")
    burst: int | None = Field(None, ge=1, description="Token bucket size; default: one second of rate.")
    window: int = Field(100, ge=1, le=10_000, description="Outstanding requests per bind.")
    owned_numbers: tuple[str, ...] = Field(
        (), description="Short codes and long numbers whose MO traffic goes to this account."
    )
    policy: AccountPolicy = Field(
        default_factory=AccountPolicy,
        description="Checks policy: registered senders and domains, countries, default class, group...",
    )

    @field_validator("allowed_networks")
    @classmethod
    def _networks_parse(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for network in value:
            ipaddress.ip_network(network, strict=False)
        return value


class CarrierConfig(_Model):
    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")
    host: str
    port: int = Field(ge=1, le=65535)
    tls: bool = False
    system_id: str = Field(max_length=15)
    password: str = Field(max_length=8, repr=False)
    system_type: str = Field("", max_length=12)
    bind_mode: Literal["transceiver", "tx_rx"] = "transceiver"
    binds: int = Field(1, ge=1, le=64)
    window: int = Field(50, ge=1, le=10_000)
    max_tps: float | None = Field(None, gt=0, description="Submits per second per connection.")
    enquire_link_interval: Seconds = 30.0
    response_timeout: Seconds = 10.0
    reconnect_min: Seconds = 0.5
    reconnect_max: Seconds = 30.0
    throttle_backoff: Seconds = Field(1.0, description="Pause after ESME_RTHROTTLED / ESME_RMSGQFUL.")
    id_format: Literal["text", "decimal", "hex"] = Field(
        "text", description="How this carrier writes ids in submit_sm_resp (Kannel msg-id-type bit 0)."
    )
    receipt_id_format: Literal["text", "decimal", "hex"] = Field(
        "text", description="How it writes them in receipts (bit 1): both are normalised to match."
    )
    default_alphabet: Literal["gsm", "latin1", "ascii"] = "gsm"


class RouteMatch(_Model):
    prefixes: tuple[str, ...] = Field((), description="E.164 destination prefixes (digits); longest wins.")
    countries: tuple[str, ...] = Field((), description="ISO 3166 alpha-2 destination countries.")
    accounts: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    classes: tuple[MessageClass, ...] = ()
    sender_types: tuple[SenderType, ...] = ()


class SenderPolicy(_Model):
    mode: Literal["keep", "numeric", "map"] = "keep"
    number: str | None = Field(None, description="Replacement for alphanumeric senders (mode numeric).")
    map: dict[str, str] = Field(default_factory=dict, description="account or sender -> replacement.")
    force_ton: int | None = Field(None, ge=0, le=6)
    force_npi: int | None = Field(None, ge=0, le=18)


class RouteConfig(_Model):
    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")
    match: RouteMatch = Field(default_factory=RouteMatch)
    carriers: tuple[str, ...] = Field(min_length=1)
    strategy: Literal["failover", "weighted"] = "failover"
    weights: tuple[float, ...] = ()
    priority: int = Field(100, description="Among equally specific matches, lower is tried first.")
    sender: SenderPolicy = Field(default_factory=SenderPolicy)
    test_only: bool = Field(False, description="Only probes use this route; client traffic never does.")
    error_rate_threshold: float = Field(0.5, gt=0, le=1)
    health_window: Seconds = 60.0
    min_samples: int = Field(20, ge=1)
    open_seconds: Seconds = 30.0

    @model_validator(mode="after")
    def _weights_match(self) -> RouteConfig:
        if self.strategy == "weighted" and len(self.weights) != len(self.carriers):
            raise ValueError("weighted strategy needs one weight per carrier")
        return self


class LoggingConfig(_Model):
    redact: bool = Field(
        True,
        description="Mask phone numbers (all but the last 3 digits) and message texts (only their length) in "
        "log lines. Passwords are never logged, whatever this says.",
    )


class GatewayConfig(_Model):
    server: ServerConfig = Field(default_factory=ServerConfig)
    http: HttpConfig = Field(default_factory=HttpConfig)
    store: StoreConfig = Field(default_factory=StoreConfig)
    shutdown_grace: Seconds = Field(10.0, description="SIGTERM: everything stops within this.")
    submit_deadline: Seconds = Field(25.0, description="Whole time budget of one client submit.")
    checks: ChecksConfig = Field(default_factory=ChecksConfig)
    logging: LoggingConfig = Field(default_factory=LoggingConfig)
    accounts: tuple[AccountConfig, ...] = ()
    carriers: tuple[CarrierConfig, ...] = ()
    routes: tuple[RouteConfig, ...] = ()
    route_tests: RouteTestsConfig = Field(
        default_factory=RouteTestsConfig, description="Probe plans per route (docs/route-testing.md)."
    )

    @model_validator(mode="after")
    def _references_resolve(self) -> GatewayConfig:
        _unique("accounts", [a.system_id for a in self.accounts])
        _unique("carriers", [c.name for c in self.carriers])
        _unique("routes", [r.name for r in self.routes])
        carriers = {c.name for c in self.carriers}
        for index, route in enumerate(self.routes):
            missing = [name for name in route.carriers if name not in carriers]
            if missing:
                raise ValueError(f"routes.{index} ({route.name}): unknown carrier(s) {', '.join(missing)}")
        return self

    @model_validator(mode="after")
    def _probe_plans_resolve(self) -> GatewayConfig:
        routes = {route.name for route in self.routes}
        for index, plan in enumerate(self.route_tests.plans):
            if plan.route not in routes:
                raise ValueError(f"route_tests.plans.{index}: unknown route {plan.route!r}")
        return self

    def account(self, system_id: str) -> AccountConfig | None:
        for account in self.accounts:
            if account.system_id == system_id:
                return account
        return None


def _unique(section: str, names: list[str]) -> None:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise ValueError(f"{section}: duplicate name {name!r}")
        seen.add(name)


def parse(data: Any, source: str = "<config>") -> GatewayConfig:
    """Validate an already-parsed YAML document."""
    return parse_model(GatewayConfig, data, source)


def load(path: str | Path) -> GatewayConfig:
    """Read and validate a configuration file."""
    return load_model(GatewayConfig, path)
