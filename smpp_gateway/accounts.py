"""ESME accounts: credentials, bind authorisation and throughput quotas.

Pure policy: no sockets, no clock reads (``now`` is passed in). Password hashes are argon2id; verifying
one costs tens of milliseconds by design, so the adapter runs ``verify_password`` in a worker thread.
An unknown system_id still costs one verification (against a dummy hash) so response time does not
reveal which system_ids exist.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from .config import AccountConfig, BindType
from .smpp.constants import CommandStatus
from .smpp.pdu import Bind, BindReceiver, BindTransceiver, BindTransmitter

BIND_TYPE_OF: dict[type[Bind], BindType] = {
    BindTransmitter: BindType.TRANSMITTER,
    BindReceiver: BindType.RECEIVER,
    BindTransceiver: BindType.TRANSCEIVER,
}


@cache
def _hasher() -> PasswordHasher:
    return PasswordHasher()


@cache
def _dummy_hash() -> str:
    return _hasher().hash("not-a-real-password")


def hash_password(password: str) -> str:
    """An argon2id hash for gateway.yaml (`smpp-gateway hash-password`)."""
    return _hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Constant-time check of ``password`` against an argon2 hash; None hashes still cost one check."""
    try:
        return _hasher().verify(password_hash or _dummy_hash(), password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def bind_type_of(pdu: Bind) -> BindType:
    return BIND_TYPE_OF[type(pdu)]


def network_allows(networks: tuple[str, ...], peer_ip: str) -> bool:
    try:
        address = ipaddress.ip_address(peer_ip)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return any(address in ipaddress.ip_network(network, strict=False) for network in networks)


def authorize_bind(
    account: AccountConfig | None,
    password_ok: bool,
    bind_type: BindType,
    peer_ip: str,
    live_binds: int,
) -> CommandStatus:
    """The bind_resp status for this attempt: ESME_ROK, or the reason it fails.

    Order matters: where the client connects from comes before the password, so a guesser outside the
    account's networks never learns whether a password was right (ESME_RINVPASWD vs ESME_RBINDFAIL);
    then the password, what the client asks for, and how many binds it already holds.
    """
    if account is None:
        return CommandStatus.ESME_RINVSYSID
    if not network_allows(account.allowed_networks, peer_ip):
        return CommandStatus.ESME_RBINDFAIL
    if not password_ok:
        return CommandStatus.ESME_RINVPASWD
    if bind_type not in account.bind_types:
        return CommandStatus.ESME_RBINDFAIL
    if live_binds >= account.max_binds:
        return CommandStatus.ESME_RBINDFAIL
    return CommandStatus.ESME_ROK


@dataclass(slots=True)
class TokenBucket:
    """Throughput quota: ``rate`` tokens a second, at most ``burst`` saved up. Time is passed in."""

    rate: float
    burst: float
    tokens: float = field(init=False)
    updated: float = field(init=False, default=0.0)

    def __post_init__(self) -> None:
        self.tokens = self.burst
        self.updated = float("-inf")

    def try_take(self, now: float, count: float = 1.0) -> bool:
        elapsed = now - self.updated
        if elapsed > 0:
            self.tokens = min(self.burst, self.tokens + elapsed * self.rate)
            self.updated = now
        if self.tokens >= count:
            self.tokens -= count
            return True
        return False


def quota_for(account: AccountConfig) -> TokenBucket:
    return TokenBucket(rate=account.throughput, burst=float(account.burst or max(1.0, account.throughput)))
