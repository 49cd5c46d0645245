"""Verdicts of one probe: every rule, every combination the simulators plant."""

from __future__ import annotations

import itertools

import pytest

from smpp_gateway.routetest.verdicts import (
    DELIVERED_INTACT,
    DUPLICATED,
    FAKE_RECEIPT,
    FALSE_FAILURE_RECEIPT,
    LATE,
    NOT_DELIVERED,
    SENDER_REWRITTEN,
    TEXT_MODIFIED,
    VERDICTS,
    Finding,
    Report,
    SentProbe,
    Thresholds,
    judge,
    same_sender,
    verdict_ids,
)
from smpp_gateway.smpp.constants import MessageState

SENT = SentProbe(sender="ACME", text="[K7Q2M] Votre code est 1234", submitted_at=1000.0)
LIMITS = Thresholds(late_after=30.0)
DELIVERED = (int(MessageState.DELIVERED),)


def report(sender: str = "ACME", text: str = SENT.text, at: float = 1002.0) -> Report:
    return Report(sender=sender, text=text, received_at=at)


def ids(*args: object, **kwargs: object) -> list[str]:
    return verdict_ids(judge(*args, **kwargs))  # type: ignore[arg-type]


def test_intact_delivery_with_a_true_receipt() -> None:
    assert ids(SENT, [report()], DELIVERED, LIMITS) == [DELIVERED_INTACT]


def test_intact_without_any_receipt() -> None:
    assert ids(SENT, [report()], (), LIMITS) == [DELIVERED_INTACT]


def test_sender_rewritten_says_to_what() -> None:
    [finding] = judge(SENT, [report(sender="33712345678")], DELIVERED, LIMITS)
    assert finding == Finding(SENDER_REWRITTEN, {"from": "ACME", "to": "33712345678"})


def test_plus_sign_is_not_a_rewrite() -> None:
    sent = SentProbe(sender="33700000001", text="x", submitted_at=0.0)
    assert ids(sent, [Report(sender="+33700000001", text="x", received_at=1.0)], (), LIMITS) == [
        DELIVERED_INTACT
    ]
    assert same_sender("ACME", " ACME ")
    assert not same_sender("ACME", "acme")


def test_text_modified_carries_the_kinds_and_a_summary() -> None:
    [finding] = judge(SENT, [report(text=SENT.text + " Envoye par SMS-PRO")], DELIVERED, LIMITS)
    assert finding.verdict == TEXT_MODIFIED
    assert finding.detail["changes"] == ["appended"]
    assert "appended" in finding.detail["summary"]


def test_no_report_is_not_delivered() -> None:
    assert ids(SENT, [], (), LIMITS) == [NOT_DELIVERED]
    undeliv = (int(MessageState.UNDELIVERABLE),)
    assert ids(SENT, [], undeliv, LIMITS) == [NOT_DELIVERED]


def test_delivrd_receipt_for_nothing_is_a_fake_receipt() -> None:
    assert ids(SENT, [], DELIVERED, LIMITS) == [NOT_DELIVERED, FAKE_RECEIPT]


def test_a_refused_submit_is_not_delivered_with_its_status() -> None:
    refused = SentProbe(sender="ACME", text="x", submitted_at=0.0, submit_status=0x45)
    assert judge(refused, [], (), LIMITS) == (Finding(NOT_DELIVERED, {"submit_status": 0x45}),)


@pytest.mark.parametrize("state", [MessageState.UNDELIVERABLE, MessageState.EXPIRED, MessageState.REJECTED])
def test_failure_receipt_for_a_delivered_probe_is_false(state: MessageState) -> None:
    [finding] = judge(SENT, [report()], (int(state),), LIMITS)
    assert finding == Finding(FALSE_FAILURE_RECEIPT, {"states": [state.name]})


def test_only_the_failure_states_are_named() -> None:
    states = (int(MessageState.DELETED), int(MessageState.DELIVERED), 77)
    [finding] = judge(SENT, [report()], states, LIMITS)
    assert finding.detail == {"states": ["DELETED"]}


def test_late_over_the_threshold_only() -> None:
    assert ids(SENT, [report(at=1030.0)], DELIVERED, LIMITS) == [DELIVERED_INTACT]
    [finding] = judge(SENT, [report(at=1030.5)], DELIVERED, LIMITS)
    assert finding == Finding(LATE, {"delay": 30.5, "late_after": 30.0})


def test_two_reports_are_duplicated_and_the_first_one_is_judged() -> None:
    reports = [report(sender="INFO", at=1009.0), report(at=1001.0)]
    assert ids(SENT, reports, DELIVERED, LIMITS) == [DUPLICATED]


def test_everything_at_once_in_stable_order() -> None:
    reports = [report(sender="INFO", text="autre", at=1100.0), report(at=1200.0)]
    got = ids(SENT, reports, (int(MessageState.EXPIRED),), LIMITS)
    assert got == [SENDER_REWRITTEN, TEXT_MODIFIED, FALSE_FAILURE_RECEIPT, LATE, DUPLICATED]
    assert got == [v for v in VERDICTS if v in got]


@pytest.mark.parametrize(
    ("rewritten", "modified", "late", "copies", "receipt"),
    list(itertools.product([False, True], [False, True], [False, True], [0, 1, 2], [None, "ok", "failed"])),
)
def test_every_combination(
    rewritten: bool, modified: bool, late: bool, copies: int, receipt: str | None
) -> None:
    at = 1100.0 if late else 1001.0
    reports = [
        report(sender="INFO" if rewritten else "ACME", text="x" if modified else SENT.text, at=at + i)
        for i in range(copies)
    ]
    states = {None: (), "ok": DELIVERED, "failed": (int(MessageState.UNDELIVERABLE),)}[receipt]
    got = set(ids(SENT, reports, states, LIMITS))
    if copies == 0:
        expected = {NOT_DELIVERED} | ({FAKE_RECEIPT} if receipt == "ok" else set())
    else:
        expected = {
            verdict
            for verdict, present in [
                (SENDER_REWRITTEN, rewritten),
                (TEXT_MODIFIED, modified),
                (LATE, late),
                (DUPLICATED, copies > 1),
                (FALSE_FAILURE_RECEIPT, receipt == "failed"),
            ]
            if present
        } or {DELIVERED_INTACT}
    assert got == expected
