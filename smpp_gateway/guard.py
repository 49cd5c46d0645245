"""Guards of the ESME-facing port: failed-bind lock-out and the protocol-violation budget.

Pure bookkeeping: no sockets, no clock reads (``now`` is passed in), so both are tested without a
loop. ``clients`` asks ``BindGuard`` before it spends an argon2 verification; ``transport.server``
charges each connection's ``ViolationBudget``.

Theory of operation
===================

Rule 1 (lock-out): failed binds are counted per source IP and per system_id in a fixed window
(``bind_failure_window``). When either count reaches its limit, that key is locked for
``bind_lockout``: every bind from that IP, or for that system_id, is refused with ESME_RBINDFAIL at once,
a correct password included (or the lock-out would still let a guesser test passwords), and without
an argon2 verification (or the lock-out would not protect the CPU). Only credential failures count
(ESME_RINVSYSID, ESME_RINVPASWD): a client refused for ``max_binds`` during a reconnect storm has the
right password and must not lock itself out.

Rule 2 (the trade-off of the per-system_id lock): anybody who knows a system_id can lock it out for
everyone. The per-IP limit is therefore the tighter one and the per-system_id limit a backstop against
a guesser spread over many addresses; either is disabled by a limit of 0. A successful bind clears its
IP's count (that address has shown it holds credentials) but not the system_id's: a guesser must not
be able to reset the count by binding an account of its own.

Rule 3 (bounded memory): each table keeps at most ``MAX_TRACKED`` keys, least recently failed first
out. An attacker with more addresses than that can push its own entries out, so the per-IP lock is a
brake, not a wall; the system_id table holds only names someone tried, and the cap keeps made-up names
from growing it.

Rule 4 (violation budget, aiosmtpd's ``BOGUS_LIMIT``): each connection may commit
``max_protocol_violations`` violations (unknown command ids, requests illegal in its bind state, double
binds, undecodable PDUs, responses to nothing) net of the legal requests it sends: every legal request
earns one back, up to the limit. A client that sends a few broken PDUs among thousands of good ones is
never cut off; one that mostly sends garbage is closed after about the limit, so a broken or hostile
peer costs a bounded number of answers and log lines per connection. Window overflow (ESME_RMSGQFUL) is
not a violation here: the spec says to answer it and keep the connection, and a busy client overruns
its window now and then.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Final, Literal

from .config import ServerConfig
from .smpp.constants import CommandStatus

__all__ = ["AUTH_FAILURES", "MAX_TRACKED", "BindGuard", "Scope", "ViolationBudget"]

# Keys remembered per table. One entry is ~200 bytes, so 10,000 cost ~2 MB per table: enough for every
# address of a large botnet sweep in one window; beyond it the oldest entries go first (rule 3).
MAX_TRACKED: Final = 10_000

# The bind statuses that mean "wrong credentials" (rule 1).
AUTH_FAILURES: Final = frozenset({CommandStatus.ESME_RINVSYSID, CommandStatus.ESME_RINVPASWD})

Scope = Literal["ip", "system_id"]


@dataclass(slots=True)
class _Tally:
    window_start: float
    failures: int = 0
    locked_until: float = float("-inf")


class _Table:
    """Failures per key within a fixed window, and the lock-out they lead to."""

    def __init__(self, limit: int, window: float, lockout: float, max_keys: int) -> None:
        self.limit = limit
        self.window = window
        self.lockout = lockout
        self.max_keys = max_keys
        self._tallies: OrderedDict[str, _Tally] = OrderedDict()

    def __len__(self) -> int:
        return len(self._tallies)

    def locked(self, key: str, now: float) -> bool:
        tally = self._tallies.get(key)
        return tally is not None and now < tally.locked_until

    def fail(self, key: str, now: float) -> bool:
        """Count one failure; True when it locks the key."""
        if self.limit <= 0:
            return False
        tally = self._tallies.get(key)
        if tally is None or now - tally.window_start >= self.window:
            locked_until = tally.locked_until if tally is not None else float("-inf")
            tally = _Tally(window_start=now, locked_until=locked_until)
        self._tallies[key] = tally
        self._tallies.move_to_end(key)
        while len(self._tallies) > self.max_keys:
            self._tallies.popitem(last=False)
        tally.failures += 1
        if tally.failures < self.limit:
            return False
        tally.locked_until = now + self.lockout
        tally.failures = 0
        tally.window_start = now
        return True

    def forget(self, key: str, now: float) -> None:
        tally = self._tallies.get(key)
        if tally is not None and now >= tally.locked_until:
            del self._tallies[key]


class BindGuard:
    """Failed-bind rate limiting with lock-out, per source IP and per system_id (rules 1-3)."""

    def __init__(self, config: ServerConfig, *, max_keys: int = MAX_TRACKED) -> None:
        window, lockout = config.bind_failure_window, config.bind_lockout
        self._tables: dict[Scope, _Table] = {
            "ip": _Table(config.bind_failures_per_ip, window, lockout, max_keys),
            "system_id": _Table(config.bind_failures_per_system_id, window, lockout, max_keys),
        }

    def tracked(self, scope: Scope) -> int:
        return len(self._tables[scope])

    def locked(self, ip: str, system_id: str, now: float) -> Scope | None:
        """Which lock refuses this bind now, if any."""
        if self._tables["ip"].locked(ip, now):
            return "ip"
        if self._tables["system_id"].locked(system_id, now):
            return "system_id"
        return None

    def failed(self, ip: str, system_id: str, now: float) -> list[Scope]:
        """Record one credential failure; the scopes it has just locked."""
        locked: list[Scope] = []
        if self._tables["ip"].fail(ip, now):
            locked.append("ip")
        if self._tables["system_id"].fail(system_id, now):
            locked.append("system_id")
        return locked

    def succeeded(self, ip: str, now: float) -> None:
        """A bind from ``ip`` succeeded: its count starts again (rule 2)."""
        self._tables["ip"].forget(ip, now)


class ViolationBudget:
    """Protocol violations one connection may still commit (rule 4)."""

    __slots__ = ("left", "limit")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.left = limit

    def charge(self, status: int) -> bool:
        """Count a violation with this status; True when the budget is spent and the peer must go."""
        if status == CommandStatus.ESME_RMSGQFUL:
            return False
        self.left -= 1
        return self.left <= 0

    def earn(self) -> None:
        """A legal request: one violation forgiven, up to the limit."""
        if self.left < self.limit:
            self.left += 1
