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


def test_label_children_are_memoised_and_forgotten_with_remove_and_clear() -> None:
    metrics = Metrics()
    child = metrics.submits.labels("demo", "accepted")
    assert metrics.submits.labels("demo", "accepted") is child
    assert metrics.submits.labels(account="demo", outcome="accepted") is child  # the library's own path
    child.inc(2)
    metrics.submits.labels("demo", "accepted").inc()

    def accepted() -> float | None:
        return metrics.registry.get_sample_value(
            "smppgw_submits_total", {"account": "demo", "outcome": "accepted"}
        )

    assert accepted() == 3
    metrics.submits.remove("demo", "accepted")
    assert accepted() is None
    fresh = metrics.submits.labels("demo", "accepted")
    assert fresh is not child  # a removed child is never handed out again
    fresh.inc()
    assert accepted() == 1
    metrics.route_circuit_state.labels("fr").set(2)
    metrics.route_circuit_state.clear()
    assert metrics.registry.get_sample_value("smppgw_route_circuit_state", {"route": "fr"}) is None
    metrics.route_circuit_state.labels("fr").set(1)
    assert metrics.registry.get_sample_value("smppgw_route_circuit_state", {"route": "fr"}) == 1
