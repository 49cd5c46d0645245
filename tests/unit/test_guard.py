"""guard: failed-bind lock-out per IP and per system_id, bounded tables, the violation budget."""

from __future__ import annotations

from smpp_gateway import redact
from smpp_gateway.config import ServerConfig
from smpp_gateway.guard import BindGuard, ViolationBudget
from smpp_gateway.smpp.constants import CommandStatus


def _guard(**fields: float) -> BindGuard:
    settings = {
        "bind_failures_per_ip": 3,
        "bind_failures_per_system_id": 5,
        "bind_failure_window": 60.0,
        "bind_lockout": 100.0,
    }
    settings.update(fields)
    return BindGuard(ServerConfig(**settings))  # type: ignore[arg-type]


def test_an_ip_is_locked_after_its_limit_and_unlocked_after_the_lockout() -> None:
    guard = _guard()
    assert guard.failed("10.0.0.1", "acme", 0.0) == []
    assert guard.failed("10.0.0.1", "acme", 1.0) == []
    assert guard.locked("10.0.0.1", "acme", 1.0) is None
    assert guard.failed("10.0.0.1", "acme", 2.0) == ["ip"]
    assert guard.locked("10.0.0.1", "other", 50.0) == "ip"  # every system_id from that address
    assert guard.locked("10.0.0.2", "acme", 50.0) is None  # other addresses are not locked
    assert guard.locked("10.0.0.1", "acme", 102.0) is None


def test_failures_outside_the_window_do_not_add_up() -> None:
    guard = _guard()
    for at in (0.0, 61.0, 122.0, 183.0):
        guard.failed("10.0.0.1", "acme", at)
        guard.failed("10.0.0.1", "acme", at + 1)
    assert guard.locked("10.0.0.1", "acme", 185.0) is None


def test_a_system_id_is_locked_by_failures_from_many_addresses() -> None:
    guard = _guard()
    locked = [guard.failed(f"10.0.0.{i}", "acme", float(i)) for i in range(5)]
    assert locked[-1] == ["system_id"]
    assert guard.locked("192.0.2.1", "acme", 10.0) == "system_id"
    assert guard.locked("192.0.2.1", "other", 10.0) is None


def test_a_limit_of_zero_disables_that_scope() -> None:
    guard = _guard(bind_failures_per_ip=0, bind_failures_per_system_id=0)
    for at in range(50):
        assert guard.failed("10.0.0.1", "acme", float(at)) == []
    assert guard.locked("10.0.0.1", "acme", 50.0) is None
    assert guard.tracked("ip") == 0


def test_success_clears_the_ip_count_but_not_a_lock_nor_the_system_id_count() -> None:
    guard = _guard()
    guard.failed("10.0.0.1", "acme", 0.0)
    guard.failed("10.0.0.1", "acme", 1.0)
    guard.succeeded("10.0.0.1", 2.0)
    assert guard.failed("10.0.0.1", "acme", 3.0) == []  # the count started again
    assert guard.tracked("system_id") == 1
    for at in (4.0, 5.0):
        guard.failed("10.0.0.1", "acme", at)
    assert guard.locked("10.0.0.1", "acme", 6.0) == "ip"
    guard.succeeded("10.0.0.1", 6.0)  # (a success cannot happen while locked, but must not unlock)
    assert guard.locked("10.0.0.1", "acme", 6.0) == "ip"


def test_tables_are_bounded_oldest_first() -> None:
    guard = BindGuard(ServerConfig(bind_failures_per_ip=2), max_keys=100)
    for i in range(1000):
        guard.failed(f"10.0.{i // 256}.{i % 256}", f"name{i}", float(i))
    assert guard.tracked("ip") == 100
    assert guard.tracked("system_id") == 100


def test_the_violation_budget_is_earned_back_by_legal_requests() -> None:
    budget = ViolationBudget(3)
    assert not budget.charge(CommandStatus.ESME_RINVCMDID)
    assert not budget.charge(CommandStatus.ESME_RINVBNDSTS)
    budget.earn()
    budget.earn()
    budget.earn()  # never above the limit
    assert budget.left == 3
    for _ in range(100):
        assert not budget.charge(CommandStatus.ESME_RMSGQFUL)  # window overflow is not a violation
    assert not budget.charge(CommandStatus.ESME_RINVCMDID)
    assert not budget.charge(CommandStatus.ESME_RINVCMDID)
    assert budget.charge(CommandStatus.ESME_RINVCMDLEN)


def test_redaction_masks_numbers_texts_and_records() -> None:
    from smpp_gateway.smpp.pdu import SubmitSm

    pdu = SubmitSm(destination_addr="33612345678", short_message=b"code 123456")
    try:
        redact.configure(True)
        assert redact.number("33612345678") == "…678"
        assert redact.number("12") == "…"
        assert redact.text(b"code 123456") == "<11 octets>"
        assert redact.text("code") == "<4 characters>"
        assert redact.value(pdu) == "SubmitSm"
        assert "123456" not in redact.value(pdu)
        redact.configure(False)
        assert redact.number("33612345678") == "33612345678"
        assert "code 123456" in redact.text(b"code 123456")
        assert "33612345678" in redact.value(pdu)
    finally:
        redact.configure(True)
