from __future__ import annotations

from pathlib import Path

import pytest

from smpp_gateway.config import ConfigError, load, parse

ROOT = Path(__file__).resolve().parents[2]


def test_the_shipped_demo_configuration_is_valid() -> None:
    config = load(ROOT / "config" / "gateway.yaml")
    demo = config.account("demo")
    assert demo is not None
    assert config.server.port == 2775
    assert config.http.port == 8080
    assert {route.name for route in config.routes} >= {"fr-direct", "via-grey"}


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ({"accounts": [{"system_id": "a", "password_hash": "h", "window": 0}]}, "accounts.0.window"),
        ({"routes": [{"name": "r", "carriers": ["nope"]}]}, "unknown carrier(s) nope"),
        ({"server": {"port": 70000}}, "server.port"),
        ({"surprise": 1}, "surprise: Extra inputs are not permitted"),
        ([1, 2], "the top level must be a mapping"),
        (
            {
                "accounts": [
                    {"system_id": "a", "password_hash": "h"},
                    {"system_id": "a", "password_hash": "h"},
                ]
            },
            "duplicate name 'a'",
        ),
    ],
)
def test_errors_name_the_file_the_path_and_the_problem(document: object, expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse(document, "gw.yaml")
    message = str(caught.value)
    assert message.startswith("gw.yaml: ")
    assert expected in message


def test_load_reports_unreadable_and_invalid_yaml(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load(tmp_path / "missing.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("server: [unclosed\n")
    with pytest.raises(ConfigError, match=r"broken\.yaml: invalid YAML"):
        load(broken)


def test_carrier_password_is_not_in_repr() -> None:
    config = parse(
        {"carriers": [{"name": "c", "host": "h", "port": 1, "system_id": "s", "password": "topsecr"}]}
    )
    assert "topsecr" not in repr(config.carriers[0])
