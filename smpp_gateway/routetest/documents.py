"""The JSON shapes of the route-testing API (and of ``probe --format json`` / ``report probes``)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from ..smpp.constants import MessageState
from ..store.probes import HandsetReportRecord, StoredProbe
from .live import SENDING
from .scorecard import Scorecard
from .textdiff import compare, diff


def iso(epoch: float | None) -> str | None:
    if epoch is None:
        return None
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _state_name(state: int) -> str:
    try:
        return MessageState(state).name
    except ValueError:
        return str(state)


def probe_document(probe: StoredProbe) -> dict[str, Any]:
    sent = probe.sent
    received_at = sent.submitted_at + probe.handset_delay if probe.handset_delay is not None else None
    change = compare(sent.sent_text, probe.received_text) if probe.received_text is not None else None
    return {
        "probe_id": sent.probe_id,
        "code": sent.code,
        "route": sent.route,
        "msisdn": sent.msisdn,
        "sender": sent.sender,
        "sent_sender": sent.sent_sender,
        "sent_text": sent.sent_text,
        "carrier": sent.carrier,
        "gateway_ids": list(sent.gateway_ids),
        "submit_status": None if sent.submit_status == SENDING else sent.submit_status,
        "submit_latency": sent.submit_latency,
        "submitted_at": iso(sent.submitted_at),
        "deadline_at": iso(sent.deadline_at),
        "state": "sending" if sent.submit_status == SENDING else "settled" if probe.settled_at else "open",
        "settled": probe.settled_at is not None,
        "settled_at": iso(probe.settled_at),
        "received_sender": probe.received_sender,
        "received_text": probe.received_text,
        "received_at": iso(received_at),
        "handset_delay": probe.handset_delay,
        "reports": probe.reports,
        "receipts": [_state_name(state) for state in probe.receipt_states],
        "verdicts": list(probe.verdicts) if probe.settled_at is not None else [],
        "findings": probe.findings if probe.settled_at is not None else [],
        "text_changes": list(change.kinds) if change else [],
        "diff": [asdict(segment) for segment in diff(sent.sent_text, probe.received_text)]
        if probe.received_text is not None
        else [],
    }


def report_document(report: HandsetReportRecord) -> dict[str, Any]:
    return {
        "report_id": report.report_id,
        "msisdn": report.msisdn,
        "sender": report.sender,
        "text": report.text,
        "received_at": iso(report.received_at),
        "reported_at": iso(report.reported_at),
        "probe_id": report.probe_id,
        "match": report.match,
        "score": report.score,
    }


def scorecard_document(card: Scorecard, window: float) -> dict[str, Any]:
    document = asdict(card)
    document["window_seconds"] = window
    document["caps"] = list(card.caps)
    return document
