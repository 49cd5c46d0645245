"""``smpp-gateway routes explain``: which routes a message would be offered to, in order, and why.

Nothing is sent and nothing changes: circuits are read with ``peek`` (no transition, no trial handed
out) and weighted routes show their carriers by weight with their shares instead of a random draw.
The order comes from the table's own matching code, so the explanation cannot disagree with
``RouteTable.candidates``; the per-criterion wording is computed here, for people.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from ..message import Message
from .health import CircuitState
from .sender import SenderDecision, apply_sender_policy
from .table import Candidate, RouteEntry, RouteTable


class Outcome(StrEnum):
    TRIED = "tried"
    CIRCUIT_OPEN = "skipped: circuit open"
    TRIAL_IN_FLIGHT = "skipped: half-open, trial already in flight"
    NOT_MATCHED = "not matched"
    TEST_ONLY = "test only: probes, never client traffic"


@dataclass(frozen=True, slots=True, kw_only=True)
class Criterion:
    kind: str
    held: bool
    detail: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ExplainLine:
    route: str
    position: int | None  # 1-based place among the routes tried; None when not tried
    outcome: Outcome
    specificity: str
    priority: int
    criteria: tuple[Criterion, ...]
    circuit: CircuitState
    strategy: str
    carriers: tuple[str, ...]  # in the order they would be tried (weighted: by weight)
    shares: tuple[float, ...] | None  # weighted routes: each carrier's chance of being drawn first
    sender: SenderDecision | None  # what the route's sender policy would do; None when not matched


def explain(
    table: RouteTable, message: Message, account_group: str | None = None, *, now: float
) -> list[ExplainLine]:
    """Every route, those that would be tried first (in order), then the others in config order."""
    number = message.destination.digits_only
    context = _Context(
        message, account_group, number, table.country(number) if _uses_countries(table) else None
    )
    ordered = table.matching(
        number, message.account, account_group, message.message_class, message.sender_type
    )
    lines: list[ExplainLine] = []
    position = 0
    for entry in ordered:
        admitted = entry.breaker.would_admit(now)
        position += admitted
        lines.append(_line(entry, context, now, position if admitted else None, _health_outcome(entry, now)))
    listed = set(ordered)
    for entry in table.entries:
        if entry not in listed:
            outcome = Outcome.TEST_ONLY if entry.config.test_only else Outcome.NOT_MATCHED
            lines.append(_line(entry, context, now, None, outcome))
    return lines


@dataclass(frozen=True, slots=True)
class _Context:
    message: Message
    group: str | None
    number: str
    country: str | None


def _uses_countries(table: RouteTable) -> bool:
    return any(entry.countries for entry in table.entries)


def _health_outcome(entry: RouteEntry, now: float) -> Outcome:
    if entry.breaker.would_admit(now):
        return Outcome.TRIED
    return Outcome.CIRCUIT_OPEN if entry.breaker.peek(now) is CircuitState.OPEN else Outcome.TRIAL_IN_FLIGHT


def _line(
    entry: RouteEntry, context: _Context, now: float, position: int | None, outcome: Outcome
) -> ExplainLine:
    criteria = _criteria(entry, context)
    matched = all(criterion.held for criterion in criteria)
    order = entry.failover if entry.weighted is None else _by_weight(entry)
    return ExplainLine(
        route=entry.name,
        position=position,
        outcome=outcome,
        specificity=_specificity(entry, context) if matched else "",
        priority=entry.config.priority,
        criteria=criteria,
        circuit=entry.breaker.peek(now),
        strategy=entry.config.strategy,
        carriers=tuple(candidate.carrier for candidate in order),
        shares=None
        if entry.weighted is None
        else tuple(entry.weighted.shares()[i] for i in _weight_order(entry)),
        sender=apply_sender_policy(entry.config, context.message) if matched else None,
    )


def _weight_order(entry: RouteEntry) -> list[int]:
    weights = entry.config.weights
    return sorted(range(len(weights)), key=lambda i: -weights[i])


def _by_weight(entry: RouteEntry) -> tuple[Candidate, ...]:
    return tuple(entry.failover[i] for i in _weight_order(entry))


def _matched_prefix(entry: RouteEntry, number: str) -> str | None:
    return max((p for p in entry.prefixes if number.startswith(p)), key=len, default=None)


def _specificity(entry: RouteEntry, context: _Context) -> str:
    prefix = _matched_prefix(entry, context.number)
    if prefix is not None:
        return f"prefix {prefix} ({len(prefix)} digits)"
    if entry.countries:
        return f"country {context.country}"
    return "any destination"


def _listed(values: Sequence[str] | frozenset[str]) -> str:
    return ", ".join(sorted(values)) or "-"


def _criteria(entry: RouteEntry, context: _Context) -> tuple[Criterion, ...]:
    message, found = context.message, []
    if entry.prefixes or entry.countries:
        found.append(_destination(entry, context))
    if entry.accounts or entry.groups:
        held = message.account in entry.accounts or context.group in entry.groups
        detail = f"account {message.account} (group {context.group or '-'})"
        wanted = f"accounts {_listed(entry.accounts)} / groups {_listed(entry.groups)}"
        found.append(
            Criterion(kind="client", held=held, detail=f"{detail} {'in' if held else 'not in'} {wanted}")
        )
    if entry.classes:
        value = message.message_class
        held = value in entry.classes
        detail = f"{value or 'unclassified'} {'in' if held else 'not in'} {_listed(entry.classes)}"
        found.append(Criterion(kind="class", held=held, detail=detail))
    if entry.sender_types:
        kind = message.sender_type
        held = kind in entry.sender_types
        detail = f"{kind} {'in' if held else 'not in'} {_listed(entry.sender_types)}"
        found.append(Criterion(kind="sender type", held=held, detail=detail))
    return tuple(found)


def _destination(entry: RouteEntry, context: _Context) -> Criterion:
    prefix = _matched_prefix(entry, context.number)
    if prefix is not None:
        return Criterion(kind="destination", held=True, detail=f"{context.number} starts with {prefix}")
    if context.country is not None and context.country in entry.countries:
        return Criterion(kind="destination", held=True, detail=f"{context.number} is in {context.country}")
    tried = []
    if entry.prefixes:
        tried.append(f"prefixes {_listed(entry.prefixes)}")
    if entry.countries:
        tried.append(f"country {context.country or 'unknown'} not in {_listed(entry.countries)}")
    return Criterion(kind="destination", held=False, detail=f"{context.number}: not {' / '.join(tried)}")


def render_text(lines: Sequence[ExplainLine]) -> str:
    """The explanation as an operator reads it in a terminal."""
    out: list[str] = []
    for line in lines:
        place = f"{line.position:>2}." if line.position is not None else " -"
        where = f", {line.specificity}" if line.specificity else ""
        out.append(
            f"{place} {line.route}: {line.outcome}{where}, priority {line.priority}, circuit {_state(line)}"
        )
        for criterion in line.criteria:
            out.append(f"      {'ok ' if criterion.held else 'no '} {criterion.kind}: {criterion.detail}")
        if not line.criteria:
            out.append("      ok  catch-all: no criteria")
        out.append(f"      carriers ({line.strategy}): {_carriers(line)}")
        if line.sender is not None:
            verb = "rewritten" if line.sender.rewritten else "kept"
            out.append(f"      sender {verb}: {line.sender.reason}")
    return "\n".join(out)


def _state(line: ExplainLine) -> str:
    return line.circuit.name.lower().replace("_", "-")


def _carriers(line: ExplainLine) -> str:
    if line.shares is None:
        return ", ".join(line.carriers)
    return ", ".join(
        f"{carrier} {share:.0%}" for carrier, share in zip(line.carriers, line.shares, strict=True)
    )


def to_dicts(lines: Sequence[ExplainLine]) -> list[dict[str, object]]:
    """The explanation as JSON-able values (API and ``--json``)."""
    return [_as_dict(line) for line in lines]


def _as_dict(line: ExplainLine) -> dict[str, object]:
    sender: dict[str, object] | None = None
    if line.sender is not None:
        address = line.sender.address
        sender = {
            "address": address.addr,
            "ton": int(address.ton),
            "npi": int(address.npi),
            "rewritten": line.sender.rewritten,
            "reason": line.sender.reason,
        }
    return {
        "route": line.route,
        "position": line.position,
        "outcome": line.outcome.value,
        "specificity": line.specificity,
        "priority": line.priority,
        "criteria": [{"kind": c.kind, "held": c.held, "detail": c.detail} for c in line.criteria],
        "circuit": _state(line),
        "strategy": line.strategy,
        "carriers": list(line.carriers),
        "shares": None if line.shares is None else list(line.shares),
        "sender": sender,
    }
