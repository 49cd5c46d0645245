"""Route scorecards: settled probes of one route over a window, in figures and a grade. Pure.

Rates (None when nothing to divide by):

* ``delivery_rate``: probes a handset got / probes;
* ``sender_preserved_rate``, ``text_intact_rate``, ``late_rate``, ``duplicate_rate``: among delivered
  probes, those without ``sender_rewritten`` / ``text_modified`` / with ``late`` / ``duplicated``;
* ``fake_receipt_rate``: among probes whose receipt said DELIVRD, those no handset got (how far a
  DELIVRD from this route can be believed).

The grade (docs/route-testing.md "Grade") starts from 100 points and takes off, per percentage
point: 1 for probes not delivered, 1 for probes with a fake receipt (on top of their loss), 0.5 for
rewritten senders, 0.3 for modified texts, 0.2 for late and 0.1 for duplicated deliveries (those four
over delivered probes). A >= 95, B >= 85, C >= 70, D >= 50, else F; a route with any fake receipt is
at best C, one delivering less than 80% at best D: a carrier-relations person sorts by the grade, and
these two are the faults that cost money whatever the rest.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from .verdicts import DUPLICATED, FAKE_RECEIPT, LATE, NOT_DELIVERED, SENDER_REWRITTEN, TEXT_MODIFIED

GRADES = (("A", 95.0), ("B", 85.0), ("C", 70.0), ("D", 50.0))
PENALTIES = {
    NOT_DELIVERED: 1.0,
    FAKE_RECEIPT: 1.0,
    SENDER_REWRITTEN: 0.5,
    TEXT_MODIFIED: 0.3,
    LATE: 0.2,
    DUPLICATED: 0.1,
}
FAKE_RECEIPT_CAP = "C"
LOW_DELIVERY_CAP = "D"
LOW_DELIVERY = 0.8


@dataclass(frozen=True, slots=True, kw_only=True)
class SettledProbe:
    """The facts of one settled probe that scorecards use."""

    route: str
    verdicts: tuple[str, ...]
    received_sender: str | None = None
    handset_delay: float | None = None
    submit_latency: float | None = None
    receipt_claimed_delivery: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Scorecard:
    route: str
    probes: int
    delivered: int
    delivery_rate: float | None
    sender_preserved_rate: float | None
    senders_seen: dict[str, int]
    text_intact_rate: float | None
    fake_receipt_rate: float | None
    late_rate: float | None
    duplicate_rate: float | None
    verdicts: dict[str, int]
    handset_delay_p50: float | None
    handset_delay_p95: float | None
    submit_latency_p50: float | None
    submit_latency_p95: float | None
    score: float | None
    grade: str | None
    caps: tuple[str, ...] = field(default=())


def percentile(values: Sequence[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..100): a value that was observed, None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100.0 * len(ordered)))
    return ordered[rank - 1]


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def scorecard(route: str, probes: Iterable[SettledProbe]) -> Scorecard:
    items = list(probes)
    counts: Counter[str] = Counter(verdict for item in items for verdict in set(item.verdicts))
    delivered = [item for item in items if NOT_DELIVERED not in item.verdicts]
    claimed = sum(1 for item in items if item.receipt_claimed_delivery)
    delays = [item.handset_delay for item in delivered if item.handset_delay is not None]
    latencies = [item.submit_latency for item in items if item.submit_latency is not None]
    score, grade, caps = grade_of(len(items), len(delivered), counts)
    return Scorecard(
        route=route,
        probes=len(items),
        delivered=len(delivered),
        delivery_rate=_rate(len(delivered), len(items)),
        sender_preserved_rate=_rate(len(delivered) - counts[SENDER_REWRITTEN], len(delivered)),
        senders_seen=dict(Counter(item.received_sender for item in delivered if item.received_sender)),
        text_intact_rate=_rate(len(delivered) - counts[TEXT_MODIFIED], len(delivered)),
        fake_receipt_rate=_rate(counts[FAKE_RECEIPT], claimed),
        late_rate=_rate(counts[LATE], len(delivered)),
        duplicate_rate=_rate(counts[DUPLICATED], len(delivered)),
        verdicts=dict(sorted(counts.items())),
        handset_delay_p50=percentile(delays, 50),
        handset_delay_p95=percentile(delays, 95),
        submit_latency_p50=percentile(latencies, 50),
        submit_latency_p95=percentile(latencies, 95),
        score=score,
        grade=grade,
        caps=caps,
    )


def grade_of(
    probes: int, delivered: int, counts: Counter[str]
) -> tuple[float | None, str | None, tuple[str, ...]]:
    """(score 0-100, grade A-F, the caps that applied); (None, None, ()) without probes."""
    if not probes:
        return None, None, ()
    lost = 100.0 * counts[NOT_DELIVERED] / probes
    faked = 100.0 * counts[FAKE_RECEIPT] / probes
    penalty = PENALTIES[NOT_DELIVERED] * lost + PENALTIES[FAKE_RECEIPT] * faked
    if delivered:
        for verdict in (SENDER_REWRITTEN, TEXT_MODIFIED, LATE, DUPLICATED):
            penalty += PENALTIES[verdict] * 100.0 * counts[verdict] / delivered
    score = round(max(0.0, 100.0 - penalty), 1)
    grade = next((name for name, floor in GRADES if score >= floor), "F")
    caps: list[str] = []
    # Grades are letters in order (A < B < ... < F), so "better than the cap" is "less than" it.
    if counts[FAKE_RECEIPT] and grade < FAKE_RECEIPT_CAP:
        grade = FAKE_RECEIPT_CAP
        caps.append("fake receipts: at best C")
    if delivered / probes < LOW_DELIVERY and grade < LOW_DELIVERY_CAP:
        grade = LOW_DELIVERY_CAP
        caps.append("delivery under 80%: at best D")
    return score, grade, tuple(caps)
