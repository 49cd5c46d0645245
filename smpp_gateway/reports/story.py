"""``smpp-gateway report messages --id X``: everything the store knows about one message, in order.

The story is the record (what the client sent, the checks' reasons, the outcome), the carrier
attempts that failed over, the last attempt, the carrier ids per part, the receipt, and receipts
still waiting for the client. SMPP 3.4 carries no reason text in submit_sm_resp, so this is where
support staff read why a message was refused.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from ..metrics import status_label
from ..smpp.constants import MessageState
from ..store import AttemptRecord, MessageRecord, MessageStory, PendingDelivery
from .common import iso
from .tables import duration_text


def story_dict(story: MessageStory) -> dict[str, Any]:
    """The story as JSON values; stored deliver_sm payloads are left out (binary, and the client's)."""
    document = asdict(story)
    for item in document["pending"]:
        item["payload_bytes"] = len(item.pop("payload"))
    return document


def render_json(story: MessageStory) -> str:
    return json.dumps(story_dict(story), indent=2)


def _status(status: int | None) -> str:
    return "no answer" if status is None else f"{status_label(status)} ({status:#x})"


def _address(addr: str, ton: int | None, npi: int | None) -> str:
    return f"{addr} (TON {ton} NPI {npi})"


def _receipt_state(state: int) -> str:
    try:
        return MessageState(state).name
    except ValueError:
        return f"state {state}"


def _record_lines(record: MessageRecord) -> list[str]:
    source = _address(record.source, record.source_ton, record.source_npi)
    lines = [
        f"message {record.gateway_id} (account {record.account}{', probe' if record.is_probe else ''})",
        f"  received  {iso(record.received_at)}  {source} -> {record.destination}, {record.parts} part(s),"
        f" class {record.message_class or '-'}",
        f"  outcome   {record.outcome.value}: {_status(record.status)} to the client",
    ]
    lines.extend(f"  reason    {reason}" for reason in record.reasons)
    return lines


def _attempt_line(number: int, attempt: AttemptRecord) -> str:
    answer = "timed out" if attempt.timed_out else _status(attempt.carrier_status)
    took = f" in {duration_text(attempt.latency)}" if attempt.latency is not None else ""
    return f"  attempt {number} route {attempt.route} carrier {attempt.carrier}: {answer}{took}; failed over"


def _last_attempt_lines(record: MessageRecord, number: int) -> list[str]:
    if record.route is None:
        return ["  no carrier attempt (refused before routing, or no route)"] if not record.attempts else []
    answer = "timed out" if record.timed_out else _status(record.carrier_status)
    took = f" in {duration_text(record.submit_latency)}" if record.submit_latency is not None else ""
    lines = [f"  attempt {number} route {record.route} carrier {record.carrier}: {answer}{took}"]
    if record.sent_source is not None:
        rewritten = (record.sent_source, record.sent_source_ton, record.sent_source_npi) != (
            record.source,
            record.source_ton,
            record.source_npi,
        )
        sent = _address(record.sent_source, record.sent_source_ton, record.sent_source_npi)
        lines.append(f"  sent as   {sent}{' (sender rewritten by the route)' if rewritten else ''}")
    return lines


def _receipt_lines(record: MessageRecord) -> list[str]:
    if record.receipt_state is None:
        return ["  receipt   none yet"] if record.route is not None and record.status == 0 else []
    delay = f", {duration_text(record.receipt_latency)} after submit" if record.receipt_latency else ""
    return [f"  receipt   {_receipt_state(record.receipt_state)} at {iso(record.receipt_at)}{delay}"]


def _pending_line(item: PendingDelivery) -> str:
    error = f", last error {item.last_error}" if item.last_error else ""
    return (
        f"  waiting   {item.kind.value} for {item.account}: {item.attempts} attempt(s), next "
        f"{iso(item.next_attempt_at)}, expires {iso(item.expires_at)}{error}"
    )


def render_text(story: MessageStory) -> str:
    record = story.record
    lines = _record_lines(record) if record is not None else ["message: no record (only traces below)"]
    lines.extend(_attempt_line(n, attempt) for n, attempt in enumerate(story.attempts, start=1))
    if record is not None:
        lines.extend(_last_attempt_lines(record, len(story.attempts) + 1))
    lines.extend(
        f"  carrier   {m.carrier} id {m.carrier_message_id} (part {m.part_index}/{m.part_count}, "
        f"route {m.route})"
        for m in story.mappings
    )
    if record is not None:
        lines.extend(_receipt_lines(record))
    lines.extend(_pending_line(item) for item in story.pending)
    return "\n".join(lines)
