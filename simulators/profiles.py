"""Behaviour profiles as data: the six shipped carrier personalities.

A carrier in simulators.yaml names a profile and may override any field of it under ``behaviour:``;
the two are deep-merged (the override wins key by key) before validation, so a profile is only a
set of defaults. Each profile is the smallest set of parameters that makes a route recognisable to
route testing (domain.md, "Carrier and route behaviours the simulators must reproduce").
"""

from __future__ import annotations

from typing import Any

Raw = dict[str, Any]

PROFILES: dict[str, Raw] = {
    # Honest and fast: immediate submit_sm_resp, delivery within a second, true receipts.
    "direct": {
        "delivery_delay": {"distribution": "uniform", "low": 0.0, "high": 0.2},
        "receipts": {"delay": {"distribution": "uniform", "low": 0.05, "high": 0.5}},
    },
    # Honest but slow: submit_sm_resp in hundreds of milliseconds, receipts after tens of seconds.
    "slow": {
        "submit_latency": {"distribution": "lognormal", "mean": 0.4, "sigma": 0.5, "cap": 3.0},
        "delivery_delay": {"distribution": "uniform", "low": 2.0, "high": 20.0},
        "receipts": {"delay": {"distribution": "uniform", "low": 5.0, "high": 30.0}},
    },
    # Accepts everything, delivers 85%; lost messages get EXPIRED receipts, some none at all.
    "lossy": {
        "loss_rate": 0.15,
        "delivery_delay": {"distribution": "uniform", "low": 0.1, "high": 2.0},
        "receipts": {
            "delay": {"distribution": "uniform", "low": 0.5, "high": 5.0},
            "lost_state": "EXPIRED",
            "none_rate": 0.1,
        },
    },
    # A small TPS allowance and one bind; everything else honest.
    "throttled": {
        "tps": 20.0,
        "max_binds": 1,
        "receipts": {"delay": {"distribution": "uniform", "low": 0.1, "high": 1.0}},
    },
    # Errors, jittery latency and a connection drop every minute.
    "flaky": {
        "submit_latency": {"distribution": "exponential", "mean": 0.05, "cap": 2.0},
        "errors": [
            {"status": "ESME_RSYSERR", "rate": 0.05},
            {"status": "ESME_RTHROTTLED", "rate": 0.03},
            {"status": "ESME_RINVDSTADR", "rate": 0.01},
        ],
        "outage": {"drop_every": 60.0},
        "receipts": {"delay": {"distribution": "uniform", "low": 0.2, "high": 3.0}},
    },
    # A grey route: rewrites senders, alters text, loses some messages and says DELIVRD anyway.
    "grey": {
        "loss_rate": 0.2,
        "delivery_delay": {"distribution": "uniform", "low": 0.5, "high": 5.0},
        "receipts": {
            "delay": {"distribution": "uniform", "low": 0.2, "high": 2.0},
            "fake_delivered_rate": 1.0,
        },
        "grey": {
            "sender": {"rate": 0.7, "mode": "random_long", "long_prefix": "337"},
            "text": {
                "strip_accents_rate": 0.5,
                "truncate_rate": 0.1,
                "truncate_to": 100,
                "append_rate": 0.1,
                "link_rewrite_rate": 0.2,
            },
            "late_rate": 0.1,
            "late_delay": {"distribution": "uniform", "low": 300.0, "high": 1800.0},
            "duplicate_rate": 0.05,
        },
    },
}


def merge(base: Raw, override: Raw) -> Raw:
    """``override`` laid over ``base`` key by key (nested mappings merged, anything else replaced)."""
    merged = dict(base)
    for key, value in override.items():
        current = merged.get(key)
        if isinstance(current, dict) and isinstance(value, dict):
            merged[key] = merge(current, value)
        else:
            merged[key] = value
    return merged
