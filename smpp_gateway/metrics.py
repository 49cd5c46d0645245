"""Every Prometheus metric of the gateway, declared once.

Names are a contract with config/grafana and config/prometheus (add, never rename): ``smppgw_`` prefix,
base units (seconds), ``_total`` counters. Label values are bounded: accounts, routes and carriers come
from the configuration, statuses from the SMPP status table, rules from the checks catalogue; never a
phone number or a message id. Each gateway owns its registry, so tests can run several side by side.
"""

from __future__ import annotations

from typing import Any, Self

import prometheus_client
from prometheus_client import CollectorRegistry

from .smpp.constants import CommandStatus

# Submit latency runs from sub-millisecond (a local carrier) to the submit deadline (seconds).
LATENCY_BUCKETS = (0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
# Probes reach a handset in seconds on a good route; late and night-held ones take minutes to hours.
PROBE_DELAY_BUCKETS = (0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 900.0, 3600.0, 4 * 3600.0)
# Receipts arrive from seconds to days after the submit.
RECEIPT_DELAY_BUCKETS = (
    1.0,
    5.0,
    15.0,
    30.0,
    60.0,
    300.0,
    900.0,
    3600.0,
    4 * 3600.0,
    24 * 3600.0,
    72 * 3600.0,
)


class _MemoLabels:
    """``labels(*values)`` answered from a plain dict after the first call.

    prometheus_client's ``labels`` converts every value to ``str`` and takes a lock on every call;
    the hot path calls it several times per message with the same few label sets. Label values are
    bounded (see above), so the memo is too; ``remove`` and ``clear`` drop it with the children.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._memo: dict[tuple[object, ...], Any] = {}

    def labels(self, *values: object, **named: object) -> Self:
        if named:
            return super().labels(*values, **named)  # type: ignore[misc, no-any-return]
        child = self._memo.get(values)
        if child is None:
            child = self._memo[values] = super().labels(*values)  # type: ignore[misc]
        return child  # type: ignore[no-any-return]

    def remove(self, *values: Any) -> None:
        self._memo = {}
        super().remove(*values)  # type: ignore[misc]

    def clear(self) -> None:
        self._memo = {}
        super().clear()  # type: ignore[misc]


class Counter(_MemoLabels, prometheus_client.Counter):
    pass


class Gauge(_MemoLabels, prometheus_client.Gauge):
    pass


class Histogram(_MemoLabels, prometheus_client.Histogram):
    pass


def status_label(status: int) -> str:
    """A bounded label for any status: its name, 'vendor_0x4XX' or 'other'."""
    label = _STATUS_LABELS.get(status)
    if label is None:
        try:
            label = CommandStatus(status).name
        except ValueError:
            label = f"vendor_{status:#05x}" if 0x400 <= status <= 0x4FF else "other"
        if len(_STATUS_LABELS) < 4096:  # statuses are 32-bit: keep the memo bounded whatever peers send
            _STATUS_LABELS[status] = label
    return label


# status -> label: the enum lookup costs more than everything else around one carrier response.
_STATUS_LABELS: dict[int, str] = {}


class Metrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        r = self.registry
        self.submits = Counter(
            "smppgw_submits", "Client submits by outcome.", ["account", "outcome"], registry=r
        )
        self.check_verdicts = Counter(
            "smppgw_check_verdicts",
            "Check findings that were not a plain accept.",
            ["rule", "mode", "verdict"],
            registry=r,
        )
        self.route_submit_latency = Histogram(
            "smppgw_route_submit_latency_seconds",
            "submit_sm to submit_sm_resp from the carrier.",
            ["route", "carrier"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.route_carrier_responses = Counter(
            "smppgw_route_carrier_responses",
            "Carrier submit_sm_resp by status.",
            ["route", "carrier", "status"],
            registry=r,
        )
        self.route_timeouts = Counter(
            "smppgw_route_timeouts",
            "Carrier submits with no response in time.",
            ["route", "carrier"],
            registry=r,
        )
        self.route_failovers = Counter(
            "smppgw_route_failovers",
            "Submits that moved on from this route to the next.",
            ["route"],
            registry=r,
        )
        self.sender_rewrites = Counter(
            "smppgw_sender_rewrites",
            "Sender rewrites, by the gateway's policy or seen from the carrier.",
            ["route", "by"],
            registry=r,
        )
        self.receipts = Counter(
            "smppgw_receipts",
            "Delivery receipts from carriers by final state.",
            ["route", "state"],
            registry=r,
        )
        self.receipt_delay = Histogram(
            "smppgw_receipt_delay_seconds",
            "Submit to receipt.",
            ["route"],
            buckets=RECEIPT_DELAY_BUCKETS,
            registry=r,
        )
        self.binds = Gauge("smppgw_binds", "Live client binds.", ["account", "bind_type"], registry=r)
        self.bind_failures = Counter(
            "smppgw_bind_failures", "Refused client binds by status.", ["status"], registry=r
        )
        self.binds_unverified = Counter(
            "smppgw_binds_unverified",
            "Binds refused without a password verification: reason ip_locked, system_id_locked (failed-bind "
            "lock-out), network (not an allowed network of the account) or busy (verification queue full).",
            ["reason"],
            registry=r,
        )
        self.carrier_connection_up = Gauge(
            "smppgw_carrier_connection_up", "Bound connections to the carrier.", ["carrier"], registry=r
        )
        self.carrier_window = Gauge(
            "smppgw_carrier_window_occupancy", "Outstanding submits to the carrier.", ["carrier"], registry=r
        )
        self.route_circuit_state = Gauge(
            "smppgw_route_circuit_state",
            "Route health: 0 closed (in use), 1 half-open, 2 open (out).",
            ["route"],
            registry=r,
        )
        self.throttled = Counter(
            "smppgw_throttled",
            "Client requests refused for quota or window.",
            ["account", "reason"],
            registry=r,
        )
        self.carrier_throttled = Counter(
            "smppgw_carrier_throttled",
            "Carrier ESME_RTHROTTLED / ESME_RMSGQFUL answers; the bind backs off and the submit is retried.",
            ["carrier"],
            registry=r,
        )
        self.pending_deliveries = Gauge(
            "smppgw_pending_deliveries", "Receipts and MO stored for clients not bound.", ["kind"], registry=r
        )
        self.deliveries = Counter(
            "smppgw_deliveries", "deliver_sm to clients by kind and outcome.", ["kind", "outcome"], registry=r
        )
        self.mo_messages = Counter(
            "smppgw_mo_messages", "MO messages from carriers by outcome.", ["outcome"], registry=r
        )
        self.protocol_errors = Counter(
            "smppgw_protocol_errors",
            "Protocol violations answered by a session.",
            ["side", "status"],
            registry=r,
        )
        self.store_healthy = Gauge(
            "smppgw_store_healthy", "1 when the store accepts writes; 0 and traffic is refused.", registry=r
        )
        self.velocity_alerts = Counter(
            "smppgw_velocity_alerts", "AIT velocity rules tripped.", ["account", "rule"], registry=r
        )
        # Route testing (routetest/): probes are the gateway's own traffic, never counted as a client's.
        self.probes_sent = Counter(
            "smppgw_probes_sent",
            "Probes submitted, by whether the carrier accepted them.",
            ["route", "outcome"],
            registry=r,
        )
        self.probe_verdicts = Counter(
            "smppgw_probe_verdicts",
            "Verdicts given to probes (a revision adds only new ones).",
            ["route", "verdict"],
            registry=r,
        )
        self.probe_handset_delay = Histogram(
            "smppgw_probe_handset_delay_seconds",
            "Probe submit to the first handset report.",
            ["route"],
            buckets=PROBE_DELAY_BUCKETS,
            registry=r,
        )
        self.probe_handset_reports = Counter(
            "smppgw_probe_handset_reports",
            "Handset reports by how they matched a probe.",
            ["match"],
            registry=r,
        )
        self.probe_delivery_ratio = Gauge(
            "smppgw_probe_delivery_ratio", "Scorecard: probes a handset got / probes.", ["route"], registry=r
        )
        self.probe_sender_preserved_ratio = Gauge(
            "smppgw_probe_sender_preserved_ratio",
            "Scorecard: delivered with the sender sent.",
            ["route"],
            registry=r,
        )
        self.probe_text_intact_ratio = Gauge(
            "smppgw_probe_text_intact_ratio",
            "Scorecard: delivered with the text sent.",
            ["route"],
            registry=r,
        )
        self.probe_fake_receipt_ratio = Gauge(
            "smppgw_probe_fake_receipt_ratio",
            "Scorecard: DELIVRD receipts for nothing delivered.",
            ["route"],
            registry=r,
        )
        self.probe_score = Gauge(
            "smppgw_probe_score", "Scorecard: 0-100 (docs/route-testing.md, Grade).", ["route"], registry=r
        )
