"""What a load run measured: counts by outcome, latencies, receipts; JSON and percentiles."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from smpp_gateway.smpp.constants import CommandStatus


@dataclass
class LoadResult:
    binds: int = 0
    bind_errors: Counter[str] = field(default_factory=Counter)
    messages: int = 0
    sent: int = 0  # submit_sm PDUs
    accepted: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    timeouts: int = 0
    unanswered: int = 0
    receipts: int = 0
    receipt_states: Counter[str] = field(default_factory=Counter)
    mo: int = 0
    latencies: list[float] = field(default_factory=list)
    first_sent: float | None = None
    last_answer: float | None = None
    elapsed: float = 0.0

    @property
    def answered(self) -> int:
        return self.accepted + sum(self.rejected.values())

    @property
    def msgs_per_s(self) -> float:
        if self.first_sent is None or self.last_answer is None or self.last_answer <= self.first_sent:
            return 0.0
        return self.answered / (self.last_answer - self.first_sent)

    def latency_ms(self) -> dict[str, float]:
        ordered = sorted(self.latencies)
        if not ordered:
            return {"p50": 0.0, "p99": 0.0, "max": 0.0}

        def pick(share: float) -> float:
            return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000.0, 3)

        return {"p50": pick(0.50), "p99": pick(0.99), "max": round(ordered[-1] * 1000.0, 3)}

    def to_json(self) -> dict[str, Any]:
        return {
            "binds": self.binds,
            "bind_errors": dict(self.bind_errors),
            "messages": self.messages,
            "sent": self.sent,
            "accepted": self.accepted,
            "rejected": dict(self.rejected),
            "timeouts": self.timeouts,
            "unanswered": self.unanswered,
            "msgs_per_s": round(self.msgs_per_s, 1),
            "latency_ms": self.latency_ms(),
            "receipts": self.receipts,
            "receipt_states": dict(self.receipt_states),
            "mo": self.mo,
            "elapsed_s": round(self.elapsed, 3),
        }


def status_name(status: int) -> str:
    try:
        return CommandStatus(status).name
    except ValueError:
        return f"{status:#x}"
