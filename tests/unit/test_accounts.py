from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smpp_gateway.accounts import (
    TokenBucket,
    authorize_bind,
    hash_password,
    network_allows,
    quota_for,
    verify_password,
)
from smpp_gateway.config import AccountConfig, BindType
from smpp_gateway.smpp.constants import CommandStatus

HASH = hash_password("secret1")


def _account(**fields: object) -> AccountConfig:
    return AccountConfig.model_validate({"system_id": "acme", "password_hash": HASH, **fields})


def test_password_verification() -> None:
    assert verify_password(HASH, "secret1")
    assert not verify_password(HASH, "secret2")
    assert not verify_password(None, "secret1")  # unknown account: still one (failed) verification
    assert not verify_password("not-a-hash", "secret1")


@pytest.mark.parametrize(
    ("account", "password_ok", "bind_type", "peer", "live", "expected"),
    [
        (None, True, BindType.TRANSCEIVER, "127.0.0.1", 0, CommandStatus.ESME_RINVSYSID),
        (_account(), False, BindType.TRANSCEIVER, "127.0.0.1", 0, CommandStatus.ESME_RINVPASWD),
        (_account(), True, BindType.TRANSCEIVER, "192.0.2.1", 0, CommandStatus.ESME_RBINDFAIL),
        (
            _account(bind_types=["receiver"]),
            True,
            BindType.TRANSMITTER,
            "127.0.0.1",
            0,
            CommandStatus.ESME_RBINDFAIL,
        ),
        (_account(max_binds=2), True, BindType.TRANSCEIVER, "127.0.0.1", 2, CommandStatus.ESME_RBINDFAIL),
        (_account(max_binds=2), True, BindType.TRANSCEIVER, "127.0.0.1", 1, CommandStatus.ESME_ROK),
        (_account(), True, BindType.RECEIVER, "::1", 0, CommandStatus.ESME_ROK),
    ],
)
def test_authorize_bind(
    account: AccountConfig | None, password_ok: bool, bind_type: BindType, peer: str, live: int, expected: int
) -> None:
    assert authorize_bind(account, password_ok, bind_type, peer, live) == expected


def test_network_allows_ipv4_mapped_and_rejects_garbage() -> None:
    assert network_allows(("127.0.0.0/8",), "::ffff:127.0.0.1")
    assert not network_allows(("127.0.0.0/8",), "not an ip")
    assert network_allows(("10.0.0.0/8", "192.168.1.7"), "192.168.1.7")


def test_token_bucket_refills_at_its_rate() -> None:
    bucket = TokenBucket(rate=10.0, burst=2.0)
    assert bucket.try_take(0.0)
    assert bucket.try_take(0.0)
    assert not bucket.try_take(0.0)
    assert not bucket.try_take(0.05)  # half a token
    assert bucket.try_take(0.1)
    assert not bucket.try_take(0.1)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(min_value=0, max_value=0.5), min_size=1, max_size=200), st.floats(1, 100))
def test_token_bucket_never_grants_more_than_rate_allows(gaps: list[float], rate: float) -> None:
    bucket = TokenBucket(rate=rate, burst=rate)
    now, granted = 0.0, 0
    for gap in gaps:
        now += gap
        granted += bucket.try_take(now)
    assert granted <= rate + rate * now + 1e-9


def test_quota_burst_defaults_to_one_second_of_rate() -> None:
    assert quota_for(_account(throughput=50)).burst == 50
    assert quota_for(_account(throughput=50, burst=5)).burst == 5
