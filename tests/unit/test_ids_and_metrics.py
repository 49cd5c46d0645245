from __future__ import annotations

from smpp_gateway.ids import MessageIdGenerator
from smpp_gateway.metrics import Metrics, status_label


def test_ids_are_unique_and_differ_across_restarts() -> None:
    first = MessageIdGenerator(start_ms=1_700_000_000_000, pid=4242)
    ids = {first.next_id() for _ in range(10_000)}
    assert len(ids) == 10_000
    assert all(len(value) == 24 and value.isalnum() for value in ids)
    restarted = MessageIdGenerator(start_ms=1_700_000_000_001, pid=4242)
    assert restarted.next_id() not in ids


def test_status_labels_are_bounded() -> None:
    assert status_label(0x58) == "ESME_RTHROTTLED"
    assert status_label(0x401) == "vendor_0x401"
    assert status_label(0x1234) == "other"


def test_contract_metric_names_exist() -> None:
    metrics = Metrics()
    metrics.submits.labels("demo", "accepted").inc()
    metrics.route_submit_latency.labels("fr", "direct").observe(0.01)
    names = {family.name for family in metrics.registry.collect()}
    assert {
        "smppgw_submits",
        "smppgw_check_verdicts",
        "smppgw_route_submit_latency_seconds",
        "smppgw_route_carrier_responses",
        "smppgw_route_failovers",
        "smppgw_sender_rewrites",
        "smppgw_receipts",
        "smppgw_receipt_delay_seconds",
        "smppgw_binds",
        "smppgw_carrier_connection_up",
        "smppgw_route_circuit_state",
    } <= names
    assert (
        metrics.registry.get_sample_value("smppgw_submits_total", {"account": "demo", "outcome": "accepted"})
        == 1
    )
