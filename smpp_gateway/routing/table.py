"""The route table: which (route, carrier) pairs a message is offered to, in order.

Theory of operation:

- Rule 1 (matching): a route's criteria come in four kinds; a route matches when every kind it
  configures holds, and a kind holds when any of its values does. Destination: the E.164 number
  starts with one of ``prefixes`` or lies in one of ``countries``. Client: the account is in
  ``accounts`` or its group in ``groups``. Class: the message's class is in ``classes`` (an
  unclassified message matches only routes without a class criterion). Sender type: in
  ``sender_types``. A route with no criteria is a catch-all.
- Rule 2 (order): matching routes are tried most specific first: a prefix match (longest matching
  prefix first) before a country match, before a route with no destination criterion; then
  ``priority`` ascending; then configuration order. ``test_only`` routes never serve client traffic.
- Rule 3 (carriers): within a route, ``failover`` offers carriers in configured order; ``weighted``
  draws the first carrier by weight (from the injected ``random.Random``) and offers the others
  after it by descending weight, configuration order breaking ties. A weight of 0 makes a standby
  carrier: never drawn first, still offered as failover.
- Rule 4 (health): a route whose circuit is OPEN is skipped; a HALF_OPEN route is offered while it
  has a trial to give (health.py). When nothing is left the list is empty: no route, which the
  gateway answers with the retryable ESME_RSUBMITFAIL. We do not fall back to open routes: they
  opened because most submits failed there, and a quick retryable error serves the client better
  than a slow likely failure.

Speed: the static part (Rules 1-2) depends only on the longest configured prefix that matches, the
country (only when some route names countries), account, group, class and sender type, so it is
cached under that key; health and weighted draws are applied per call on top.
"""

from __future__ import annotations

import random
from bisect import bisect_right
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..config import CarrierConfig, RouteConfig
from ..message import Message, MessageClass, SenderType
from .health import DEFAULT_HALF_OPEN_TRIALS, CircuitBreaker, CircuitEvent, CircuitState, HealthPolicy
from .sender import policy_problems

CountryOf = Callable[[str], str | None]

# Distinct (prefix, country, account, group, class, sender type) keys kept; the table is cleared
# when full rather than LRU-managed because refilling an entry costs microseconds, and clearing keeps
# the hot path free of bookkeeping. 4096 covers every account x class x sender type combination of a
# large deployment for its main prefixes.
MAX_CACHED_KEYS = 4096

# Transitions kept for the gateway to drain; transitions are rare (two per incident and route), so
# this only fills if nobody drains it, and then the oldest are the ones worth losing.
MAX_PENDING_EVENTS = 1024

# Enum class attribute lookups cost a dict walk through the metaclass; the hot loop uses this name.
_CLOSED = CircuitState.CLOSED

# Ranks of Rule 2.
PREFIX_RANK, COUNTRY_RANK, ANYWHERE_RANK = 0, 1, 2


class RouteTableError(ValueError):
    """Routes that cannot form a table; the message lists every problem."""


@dataclass(frozen=True, slots=True)
class Candidate:
    route: RouteConfig
    carrier: str


class WeightedPick:
    """Rule 3 for one weighted route: one draw, then a precomputed failover order."""

    __slots__ = ("_cumulative", "_last", "_orders", "_total")

    def __init__(self, candidates: Sequence[Candidate], weights: Sequence[float]) -> None:
        cumulative, total = [], 0.0
        for weight in weights:
            total += weight
            cumulative.append(total)
        self._cumulative = cumulative
        self._total = total
        self._last = max(i for i, weight in enumerate(weights) if weight > 0)
        by_weight = sorted(range(len(weights)), key=lambda i: -weights[i])
        self._orders = [
            (candidates[first], *(candidates[i] for i in by_weight if i != first))
            for first in range(len(candidates))
        ]

    def draw(self, rng: random.Random) -> tuple[Candidate, ...]:
        # bisect_right never lands on a zero-width (weight 0) slot; min() guards the rounding case
        # random() * total == total.
        return self._orders[min(bisect_right(self._cumulative, rng.random() * self._total), self._last)]

    def shares(self) -> tuple[float, ...]:
        previous, shares = 0.0, []
        for value in self._cumulative:
            shares.append((value - previous) / self._total)
            previous = value
        return tuple(shares)


@dataclass(slots=True, eq=False)
class RouteEntry:
    """One configured route, compiled: criteria as sets, carrier order, circuit breaker."""

    index: int
    config: RouteConfig
    prefixes: tuple[str, ...]
    countries: frozenset[str]
    accounts: frozenset[str]
    groups: frozenset[str]
    classes: frozenset[MessageClass]
    sender_types: frozenset[SenderType]
    failover: tuple[Candidate, ...]
    weighted: WeightedPick | None
    breaker: CircuitBreaker

    @property
    def name(self) -> str:
        return self.config.name

    def accepts(
        self, account: str, group: str | None, message_class: MessageClass | None, sender: SenderType
    ) -> bool:
        """Rule 1 without the destination kind (the index answers that one)."""
        if (self.accounts or self.groups) and account not in self.accounts and group not in self.groups:
            return False
        if self.classes and message_class not in self.classes:
            return False
        return not self.sender_types or sender in self.sender_types

    def order(self, rng: random.Random) -> tuple[Candidate, ...]:
        return self.failover if self.weighted is None else self.weighted.draw(rng)


def normalise_number(value: str) -> str:
    """E.164 digits without '+' or '00' (national numbers are the gateway's job before routing)."""
    if value.startswith("+"):
        return value[1:]
    if value.startswith("00"):
        return value[2:]
    return value


def _compile(index: int, route: RouteConfig, emit: Callable[[CircuitEvent], None], trials: int) -> RouteEntry:
    match = route.match
    failover = tuple(Candidate(route, carrier) for carrier in route.carriers)
    return RouteEntry(
        index=index,
        config=route,
        prefixes=tuple(normalise_number(prefix) for prefix in match.prefixes),
        countries=frozenset(country.upper() for country in match.countries),
        accounts=frozenset(match.accounts),
        groups=frozenset(match.groups),
        classes=frozenset(match.classes),
        sender_types=frozenset(match.sender_types),
        failover=failover,
        weighted=WeightedPick(failover, route.weights) if route.strategy == "weighted" else None,
        breaker=CircuitBreaker(route.name, HealthPolicy.of(route, trials), emit),
    )


def _problems(routes: Sequence[RouteConfig], carriers: Sequence[CarrierConfig]) -> list[str]:
    known = {carrier.name for carrier in carriers}
    problems: list[str] = []
    names: set[str] = set()
    for route in routes:
        if route.name in names:
            problems.append(f"route {route.name}: duplicate name")
        names.add(route.name)
        unknown = [name for name in route.carriers if name not in known]
        if unknown:
            problems.append(f"route {route.name}: unknown carrier(s) {', '.join(unknown)}")
        if len(set(route.carriers)) != len(route.carriers):
            problems.append(f"route {route.name}: a carrier is listed twice")
        if route.strategy == "weighted" and (min(route.weights) < 0 or max(route.weights) <= 0):
            problems.append(f"route {route.name}: weights must be >= 0 with at least one > 0")
        bad = [p for p in route.match.prefixes if not normalise_number(p).isdigit()]
        if bad:
            problems.append(f"route {route.name}: prefixes must be E.164 digits: {', '.join(bad)}")
        problems.extend(policy_problems(route))
    return problems


class RouteTable:
    """Compiled routes, their health, and the candidates for a message (see the module rules).

    Raises RouteTableError naming every route that cannot be used (unknown or repeated carriers, bad
    weights, prefixes or sender policy). Not thread-safe: the gateway uses it from its event loop.
    """

    def __init__(
        self,
        routes: Sequence[RouteConfig],
        carriers: Sequence[CarrierConfig],
        *,
        country_of: CountryOf | None = None,
        rng: random.Random | None = None,
        half_open_trials: int = DEFAULT_HALF_OPEN_TRIALS,
    ) -> None:
        problems = _problems(routes, carriers)
        if any(route.match.countries for route in routes) and country_of is None:
            problems.append("routes match on countries but no country_of function was given")
        if problems:
            raise RouteTableError("\n".join(problems))
        self._events: deque[CircuitEvent] = deque(maxlen=MAX_PENDING_EVENTS)
        self.entries = tuple(
            _compile(i, route, self._events.append, half_open_trials) for i, route in enumerate(routes)
        )
        self._rng = rng or random.Random()
        self._country_of = country_of
        self._by_name = {entry.name: entry for entry in self.entries}
        live = [entry for entry in self.entries if not entry.config.test_only]
        self._by_prefix = _prefix_hits(live)
        self._prefix_lengths = sorted({len(prefix) for prefix in self._by_prefix}, reverse=True)
        self._by_country: dict[str, list[RouteEntry]] = {}
        for entry in live:
            for country in entry.countries:
                self._by_country.setdefault(country, []).append(entry)
        self._anywhere = [entry for entry in live if not entry.prefixes and not entry.countries]
        self._cache: dict[tuple[object, ...], tuple[RouteEntry, ...]] = {}

    @classmethod
    def from_config(
        cls,
        routes: Sequence[RouteConfig],
        carriers: Sequence[CarrierConfig],
        *,
        country_of: CountryOf | None = None,
        rng: random.Random | None = None,
        half_open_trials: int = DEFAULT_HALF_OPEN_TRIALS,
    ) -> RouteTable:
        return cls(routes, carriers, country_of=country_of, rng=rng, half_open_trials=half_open_trials)

    # -- client traffic -------------------------------------------------------------------------

    def candidates(
        self, message: Message, account_group: str | None = None, *, now: float
    ) -> list[Candidate]:
        """The (route, carrier) pairs to try for ``message``, in order; empty means no route."""
        return self.candidates_for(
            message.destination.digits_only,
            message.account,
            account_group,
            message.message_class,
            message.sender_type,
            now=now,
        )

    def candidates_for(
        self,
        number: str,
        account: str,
        group: str | None,
        message_class: MessageClass | None,
        sender: SenderType,
        *,
        now: float,
    ) -> list[Candidate]:
        """``candidates`` on plain values: ``number`` is already E.164 digits."""
        result: list[Candidate] = []
        rng = self._rng
        for entry in self.matching(number, account, group, message_class, sender):
            breaker = entry.breaker
            if breaker.state is _CLOSED or breaker.admit(now):
                result.extend(entry.failover if entry.weighted is None else entry.weighted.draw(rng))
        return result

    def matching(
        self,
        number: str,
        account: str,
        group: str | None,
        message_class: MessageClass | None,
        sender: SenderType,
    ) -> tuple[RouteEntry, ...]:
        """Rules 1 and 2: the client routes that match, most specific first, whatever their health."""
        prefix = ""
        index = self._by_prefix
        for length in self._prefix_lengths:  # longest_prefix(), inlined: this is the hot path
            if number[:length] in index:
                prefix = number[:length]
                break
        country = self._country_of(number) if self._by_country and self._country_of else None
        key = (prefix, country, account, group, message_class, sender)
        found = self._cache.get(key)
        if found is None:
            found = self._match(prefix, country, account, group, message_class, sender)
            if len(self._cache) >= MAX_CACHED_KEYS:
                self._cache.clear()
            self._cache[key] = found
        return found

    def longest_prefix(self, number: str) -> str:
        """The longest configured client-route prefix that ``number`` starts with, or ''."""
        index = self._by_prefix
        for length in self._prefix_lengths:
            head = number[:length]
            if head in index:
                return head
        return ""

    def country(self, number: str) -> str | None:
        return self._country_of(number) if self._country_of else None

    def _match(
        self,
        prefix: str,
        country: str | None,
        account: str,
        group: str | None,
        message_class: MessageClass | None,
        sender: SenderType,
    ) -> tuple[RouteEntry, ...]:
        rank: dict[RouteEntry, tuple[int, int]] = {}
        for entry, length in self._by_prefix.get(prefix, ()):
            rank[entry] = (PREFIX_RANK, -length)
        for entry in self._by_country.get(country or "", ()):
            rank.setdefault(entry, (COUNTRY_RANK, 0))
        for entry in self._anywhere:
            rank[entry] = (ANYWHERE_RANK, 0)
        chosen = [entry for entry in rank if entry.accepts(account, group, message_class, sender)]
        chosen.sort(key=lambda entry: (*rank[entry], entry.config.priority, entry.index))
        return tuple(chosen)

    # -- probes -----------------------------------------------------------------------------------

    def route(self, name: str) -> RouteConfig | None:
        """A route by name, test-only ones included."""
        entry = self._by_name.get(name)
        return entry.config if entry else None

    def route_candidates(self, name: str) -> list[Candidate]:
        """The carriers of exactly one route, for probes: no other route, test-only allowed, and the
        circuit ignored (probing an open route is how an operator sees that it came back)."""
        entry = self._by_name.get(name)
        return list(entry.order(self._rng)) if entry else []

    # -- health -----------------------------------------------------------------------------------

    def record_result(self, route: str, ok: bool, timeout: bool = False, *, now: float) -> list[CircuitEvent]:
        """Report one carrier answer (not throttling: ``counts_against_health``) on ``route``.

        Returns every circuit transition not yet handed out, including those noticed earlier by
        ``candidates`` or ``circuit_states``, so each transition reaches the caller exactly once.
        A route this table does not know (a result arriving after a reload) is ignored.
        """
        entry = self._by_name.get(route)
        if entry is not None:
            entry.breaker.record(ok, now, timeout)
        return self.take_events()

    def take_events(self) -> list[CircuitEvent]:
        """Circuit transitions since the last call, oldest first."""
        if not self._events:
            return []
        events = list(self._events)
        self._events.clear()
        return events

    def circuit_states(self, now: float) -> dict[str, CircuitState]:
        """Every route's circuit, for the smppgw_route_circuit_state gauge (may queue transitions)."""
        return {entry.name: entry.breaker.refresh(now) for entry in self.entries}


def _prefix_hits(entries: Sequence[RouteEntry]) -> dict[str, tuple[tuple[RouteEntry, int], ...]]:
    """For each configured prefix P: every route with a prefix of P, with its longest such prefix.

    The longest configured prefix a number starts with determines all the others it starts with
    (they are prefixes of it), so one dict hit at call time answers the whole destination kind.
    """
    own: dict[str, list[RouteEntry]] = {}
    for entry in entries:
        for prefix in entry.prefixes:
            own.setdefault(prefix, []).append(entry)
    hits: dict[str, tuple[tuple[RouteEntry, int], ...]] = {}
    for prefix in own:
        best: dict[RouteEntry, int] = {}
        for shorter, holders in own.items():
            if prefix.startswith(shorter):
                for entry in holders:
                    best[entry] = max(best.get(entry, 0), len(shorter))
        hits[prefix] = tuple(best.items())
    return hits
