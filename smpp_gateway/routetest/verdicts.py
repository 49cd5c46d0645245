"""Per-probe verdicts: what a route did to one probe, from what was sent, what the handsets reported
and what the carrier's receipts claimed. Pure: no clock, no I/O; the caller passes every fact in.

Verdict ids are stable (they are metric label values, API values and stored values):

==========================  ====================================================================
delivered_intact            a handset got it, same sender, same text, on time, once, and no receipt
                            said otherwise: the only verdict of a good probe
sender_rewritten            the handset shows another sender (detail: from, to)
text_modified               the handset shows another text (detail: kinds of change, summary, diff)
not_delivered               no handset report (detail: why, when the carrier refused the submit)
fake_receipt                a receipt said DELIVRD but no handset got anything
false_failure_receipt       a receipt said it failed but a handset got it
late                        the first handset report came after ``late_after`` seconds (detail: delay)
duplicated                  more than one handset report (detail: copies)
==========================  ====================================================================

A probe can carry several (``not_delivered`` + ``fake_receipt``; ``sender_rewritten`` + ``late``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ..smpp.constants import MessageState
from .textdiff import compare

DELIVERED_INTACT = "delivered_intact"
SENDER_REWRITTEN = "sender_rewritten"
TEXT_MODIFIED = "text_modified"
NOT_DELIVERED = "not_delivered"
FAKE_RECEIPT = "fake_receipt"
FALSE_FAILURE_RECEIPT = "false_failure_receipt"
LATE = "late"
DUPLICATED = "duplicated"
VERDICTS = (
    DELIVERED_INTACT,
    SENDER_REWRITTEN,
    TEXT_MODIFIED,
    NOT_DELIVERED,
    FAKE_RECEIPT,
    FALSE_FAILURE_RECEIPT,
    LATE,
    DUPLICATED,
)

# Final receipt states that say "the handset did not get it".
FAILED_STATES = frozenset(
    {MessageState.EXPIRED, MessageState.DELETED, MessageState.UNDELIVERABLE, MessageState.REJECTED}
)


@dataclass(frozen=True, slots=True, kw_only=True)
class SentProbe:
    """What left the gateway. ``sender`` is the sender the carrier got (after the route's own sender
    policy: a rewrite by the gateway is not the carrier's doing); ``submit_status`` 0 = accepted."""

    sender: str
    text: str
    submitted_at: float
    submit_status: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class Report:
    """What a handset showed."""

    sender: str
    text: str
    received_at: float


@dataclass(frozen=True, slots=True, kw_only=True)
class Thresholds:
    late_after: float


@dataclass(frozen=True, slots=True)
class Finding:
    verdict: str
    detail: dict[str, Any] = field(default_factory=dict)


def same_sender(sent: str, shown: str) -> bool:
    """Handsets show numbers with or without "+": that is not a rewrite."""
    return _sender_key(sent) == _sender_key(shown)


def _sender_key(value: str) -> str:
    value = value.strip()
    digits = value.lstrip("+")
    return digits if digits.isdigit() else value


def judge(
    sent: SentProbe, reports: Sequence[Report], receipt_states: Sequence[int], thresholds: Thresholds
) -> tuple[Finding, ...]:
    """The verdicts of a settled probe, in the order of ``VERDICTS``."""
    claims_delivered = any(state == MessageState.DELIVERED for state in receipt_states)
    claims_failed = any(state in FAILED_STATES for state in receipt_states)
    if not reports:
        return _undelivered(sent, claims_delivered)
    ordered = sorted(reports, key=lambda report: report.received_at)
    first = ordered[0]
    findings: list[Finding] = []
    if not same_sender(sent.sender, first.sender):
        findings.append(Finding(SENDER_REWRITTEN, {"from": sent.sender, "to": first.sender}))
    change = compare(sent.text, first.text)
    if change is not None:
        detail = {"changes": list(change.kinds), "summary": change.summary}
        findings.append(Finding(TEXT_MODIFIED, detail))
    if claims_failed:
        findings.append(Finding(FALSE_FAILURE_RECEIPT, {"states": _failed_names(receipt_states)}))
    delay = first.received_at - sent.submitted_at
    if delay > thresholds.late_after:
        findings.append(Finding(LATE, {"delay": round(delay, 3), "late_after": thresholds.late_after}))
    if len(ordered) > 1:
        findings.append(Finding(DUPLICATED, {"copies": len(ordered)}))
    return tuple(findings) if findings else (Finding(DELIVERED_INTACT),)


def _undelivered(sent: SentProbe, claims_delivered: bool) -> tuple[Finding, ...]:
    if sent.submit_status:
        return (Finding(NOT_DELIVERED, {"submit_status": sent.submit_status}),)
    findings = [Finding(NOT_DELIVERED)]
    if claims_delivered:
        findings.append(Finding(FAKE_RECEIPT, {"states": ["DELIVERED"]}))
    return tuple(findings)


def _failed_names(states: Sequence[int]) -> list[str]:
    return sorted({MessageState(state).name for state in states if state in FAILED_STATES})


def verdict_ids(findings: Sequence[Finding]) -> list[str]:
    return [finding.verdict for finding in findings]
