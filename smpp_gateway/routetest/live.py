"""One probe between its submit and its settlement: the evidence gathered so far and when it may settle.

Settlement rules (the clock is passed in):

* a probe the carrier refused settles at once (``not_delivered`` with the status);
* one with a handset report and a final receipt for each part settles ``duplicate_window`` seconds
  after its first report (time for a second copy to show up);
* otherwise at its deadline, ``not_delivered_timeout`` after the submit.

Evidence that arrives after the settlement (a report after the deadline, a second copy after the
window, a late receipt) revises the verdicts: ``judge`` always looks at all of it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace

from ..store.probes import HandsetReportRecord, ProbeRecord, ProbeSettlement, StoredProbe
from .config import Limits
from .verdicts import Finding, Report, SentProbe, Thresholds, judge

# The submit status of a probe whose submit has not returned yet (no SMPP status is negative).
SENDING = -1


@dataclass(slots=True, eq=False)
class LiveProbe:
    record: ProbeRecord
    reports: list[HandsetReportRecord] = field(default_factory=list)
    receipt_states: list[int] = field(default_factory=list)
    findings: tuple[Finding, ...] = ()
    settled_at: float | None = None
    counted: set[str] = field(default_factory=set)  # verdicts already counted in the metrics

    @classmethod
    def new(
        cls,
        probe_id: str,
        code: str,
        route: str,
        msisdn: str,
        sender: str,
        text: str,
        limits: Limits,
        now: float,
    ) -> LiveProbe:
        record = ProbeRecord(
            probe_id=probe_id,
            code=code,
            route=route,
            msisdn=msisdn,
            sender=sender,
            sent_sender=sender,
            sent_text=text,
            gateway_ids=(),
            carrier=None,
            submit_status=SENDING,
            submit_latency=None,
            submitted_at=now,
            deadline_at=now + limits.not_delivered_timeout,
            late_after=limits.late_after,
            duplicate_window=limits.duplicate_window,
        )
        return cls(record)

    @classmethod
    def restored(
        cls, stored: StoredProbe, reports: list[HandsetReportRecord], states: tuple[int, ...]
    ) -> LiveProbe:
        return cls(stored.sent, list(reports), list(states))

    @property
    def probe_id(self) -> str:
        return self.record.probe_id

    @property
    def sending(self) -> bool:
        return self.record.submit_status == SENDING

    def submitted(self, **changes: object) -> None:
        """The submit returned: gateway ids, carrier, status, latency, sender as sent."""
        self.record = replace(self.record, **changes)  # type: ignore[arg-type]

    def settle_due(self) -> float | None:
        """The wall-clock time this probe may settle, None while its submit is in flight."""
        record = self.record
        if self.sending:
            return None
        if record.submit_status != 0:
            return record.submitted_at
        parts = max(1, len(record.gateway_ids))
        if self.reports and len(self.receipt_states) >= parts:
            first = min(report.received_at for report in self.reports)
            return min(record.deadline_at, first + record.duplicate_window)
        return record.deadline_at

    def judge(self) -> tuple[Finding, ...]:
        record = self.record
        sent = SentProbe(
            sender=record.sent_sender,
            text=record.sent_text,
            submitted_at=record.submitted_at,
            submit_status=max(0, record.submit_status),
        )
        reports = [Report(sender=r.sender, text=r.text, received_at=r.received_at) for r in self.reports]
        return judge(sent, reports, self.receipt_states, Thresholds(late_after=record.late_after))

    def first_report(self) -> HandsetReportRecord | None:
        return min(self.reports, key=lambda report: report.received_at) if self.reports else None

    def settlement(self, now: float) -> ProbeSettlement:
        first = self.first_report()
        return ProbeSettlement(
            probe_id=self.probe_id,
            settled_at=self.settled_at if self.settled_at is not None else now,
            verdicts=tuple(finding.verdict for finding in self.findings),
            findings=json.dumps([{"verdict": f.verdict, "detail": f.detail} for f in self.findings]),
            receipt_states=tuple(self.receipt_states),
            received_sender=first.sender if first else None,
            received_text=first.text if first else None,
            handset_delay=round(first.received_at - self.record.submitted_at, 3) if first else None,
            reports=len(self.reports),
        )

    def stored(self, now: float) -> StoredProbe:
        """This probe as the store will hold it (for the API while it is in memory)."""
        settlement = self.settlement(now)
        return StoredProbe(
            sent=self.record,
            settled_at=self.settled_at,
            verdicts=settlement.verdicts,
            findings=json.loads(settlement.findings),
            receipt_states=settlement.receipt_states,
            received_sender=settlement.received_sender,
            received_text=settlement.received_text,
            handset_delay=settlement.handset_delay,
            reports=settlement.reports,
        )
