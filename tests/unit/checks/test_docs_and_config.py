"""docs/checks.md agrees with the catalogue, and its YAML is a valid configuration."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from smpp_gateway.checks import CATALOGUE, AccountPolicy, ChecksConfig, Pipeline, demo_account_policy

DOC = Path(__file__).resolve().parents[3] / "docs" / "checks.md"


def _rule_rows() -> dict[str, list[str]]:
    rows = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        match = re.match(r"\| `([a-z_.]+)` \|", line)
        if match:
            rows[match.group(1)] = [cell.strip() for cell in re.split(r"(?<!\\)\|", line.strip("|"))]
    return rows


def test_every_rule_is_documented_with_its_status_and_vendor_code() -> None:
    rows = _rule_rows()
    assert list(rows) == list(CATALOGUE)
    for rule_id, info in CATALOGUE.items():
        _, _, status, vendor, _ = rows[rule_id]
        assert info.status.name in status, rule_id
        assert f"0x{info.status.value:02X}" in status, rule_id
        assert vendor == f"0x{info.vendor_code:03X}", rule_id


def test_the_vendor_table_matches() -> None:
    text = DOC.read_text(encoding="utf-8")
    for rule_id, info in CATALOGUE.items():
        assert re.search(rf"0x{info.vendor_code:03X} \| {re.escape(rule_id)} \|", text), rule_id


def _yaml_block() -> dict[str, object]:
    text = DOC.read_text(encoding="utf-8")
    block = text.split("```yaml\n", 1)[1].split("```", 1)[0]
    loaded = yaml.safe_load(block)
    assert isinstance(loaded, dict)
    return loaded


def test_the_documented_yaml_loads_and_builds_pipelines() -> None:
    data = _yaml_block()
    config = ChecksConfig.model_validate(data["checks"])
    accounts = data["accounts"]
    assert isinstance(accounts, list)
    policy = AccountPolicy.model_validate(accounts[0]["policy"])
    assert policy == demo_account_policy()
    assert Pipeline.from_config(config, policy).rule_ids
    assert (
        Pipeline.from_config(config, AccountPolicy(group="banks"))
        .settings.rule("velocity.otp_fanout")
        .threshold
        == 2000
    )


def test_defaults_match_the_domain_specification() -> None:
    config = ChecksConfig()
    names = {b.name for b in config.protected_brands}
    assert {"AMELI", "IMPOTS", "ANTAI", "CAF", "LAPOSTE", "PAYPAL", "AMAZON", "BOUYGTEL"} <= names
    assert config.high_cost_prefixes == ["881", "882", "883", "870", "979"]
    assert {"bit.ly", "tinyurl.com", "t.co", "goo.gl", "ow.ly", "is.gd", "cutt.ly", "rebrand.ly"} <= set(
        config.shorteners
    )
    assert (config.schedule.quiet_start.hour, config.schedule.quiet_end.hour) == (20, 8)
    duplicate = Pipeline.from_config(config, AccountPolicy()).settings.rule("duplicate")
    assert (duplicate.threshold, duplicate.window_seconds) == (3, 600)


def test_unknown_keys_are_refused() -> None:
    import pytest

    with pytest.raises(ValueError, match="extra"):
        ChecksConfig.model_validate({"nope": 1})
    with pytest.raises(ValueError, match="extra"):
        AccountPolicy.model_validate({"registered_sender": ["ACME"]})
    with pytest.raises(ValueError, match="ISO 3166"):
        AccountPolicy.model_validate({"allowed_countries": ["France"]})
