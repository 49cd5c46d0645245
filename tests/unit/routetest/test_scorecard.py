"""Scorecards and the grade formula."""

from __future__ import annotations

from collections import Counter

import pytest

from smpp_gateway.routetest.scorecard import SettledProbe, grade_of, percentile, scorecard
from smpp_gateway.routetest.verdicts import (
    DELIVERED_INTACT,
    DUPLICATED,
    FAKE_RECEIPT,
    LATE,
    NOT_DELIVERED,
    SENDER_REWRITTEN,
    TEXT_MODIFIED,
)


def probe(*verdicts: str, sender: str = "ACME", delay: float = 1.0, claimed: bool = True) -> SettledProbe:
    delivered = NOT_DELIVERED not in verdicts
    return SettledProbe(
        route="r",
        verdicts=verdicts,
        received_sender=sender if delivered else None,
        handset_delay=delay if delivered else None,
        submit_latency=0.01,
        receipt_claimed_delivery=claimed,
    )


def test_empty_scorecard() -> None:
    card = scorecard("r", [])
    assert card.probes == 0
    assert card.delivery_rate is None
    assert card.grade is None
    assert card.score is None
    assert card.handset_delay_p50 is None


def test_all_intact_is_an_a() -> None:
    card = scorecard("r", [probe(DELIVERED_INTACT, delay=float(i)) for i in range(1, 21)])
    assert (card.delivery_rate, card.sender_preserved_rate, card.text_intact_rate) == (1.0, 1.0, 1.0)
    assert card.fake_receipt_rate == 0.0
    assert card.senders_seen == {"ACME": 20}
    assert (card.handset_delay_p50, card.handset_delay_p95) == (10.0, 19.0)
    assert card.submit_latency_p95 == 0.01
    assert (card.score, card.grade, card.caps) == (100.0, "A", ())


def test_rates() -> None:
    probes = [
        probe(DELIVERED_INTACT),
        probe(SENDER_REWRITTEN, sender="33712345678"),
        probe(SENDER_REWRITTEN, TEXT_MODIFIED, sender="INFO"),
        probe(LATE, DUPLICATED),
        probe(NOT_DELIVERED, FAKE_RECEIPT),
        probe(NOT_DELIVERED, claimed=False),
    ]
    card = scorecard("r", probes)
    assert card.probes == 6
    assert card.delivered == 4
    assert card.delivery_rate == pytest.approx(4 / 6)
    assert card.sender_preserved_rate == 0.5
    assert card.text_intact_rate == 0.75
    assert card.fake_receipt_rate == pytest.approx(1 / 5)
    assert card.late_rate == 0.25
    assert card.duplicate_rate == 0.25
    assert card.senders_seen == {"ACME": 2, "33712345678": 1, "INFO": 1}
    assert card.verdicts[NOT_DELIVERED] == 2


def test_grade_formula() -> None:
    # 10% lost, 10% fake, among delivered: 50% sender, 20% text, 10% late, 10% duplicated.
    counts = Counter(
        {NOT_DELIVERED: 10, FAKE_RECEIPT: 10, SENDER_REWRITTEN: 45, TEXT_MODIFIED: 18, LATE: 9, DUPLICATED: 9}
    )
    score, grade, caps = grade_of(100, 90, counts)
    assert score == pytest.approx(100 - 10 - 10 - 25 - 6 - 2 - 1)
    assert grade == "F"
    assert caps == ()


@pytest.mark.parametrize(
    ("lost", "sender", "grade"),
    [
        (0, 0, "A"),
        (5, 0, "A"),
        (6, 0, "B"),
        (15, 0, "B"),
        (16, 0, "C"),
        (0, 60, "C"),
        (0, 61, "D"),
        (19, 63, "F"),
    ],
)
def test_grade_boundaries(lost: int, sender: int, grade: str) -> None:
    delivered = 100 - lost
    counts = Counter({NOT_DELIVERED: lost, SENDER_REWRITTEN: round(sender * delivered / 100)})
    assert grade_of(100, delivered, counts)[1] == grade


def test_fake_receipts_cap_the_grade_at_c() -> None:
    score, grade, caps = grade_of(100, 99, Counter({NOT_DELIVERED: 1, FAKE_RECEIPT: 1}))
    assert score == 98.0
    assert grade == "C"
    assert caps == ("fake receipts: at best C",)


def test_low_delivery_caps_the_grade_at_d() -> None:
    # Impossible with the penalty alone (21% lost is already 79 points), so check the cap is applied.
    _, grade, caps = grade_of(10, 7, Counter({NOT_DELIVERED: 3}))
    assert grade == "D"
    assert caps == ("delivery under 80%: at best D",)
    assert grade_of(10, 7, Counter({NOT_DELIVERED: 3, SENDER_REWRITTEN: 7}))[1] == "F"


def test_percentile_is_nearest_rank() -> None:
    assert percentile([], 50) is None
    assert percentile([3.0], 95) == 3.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 95) == 4.0
