"""simulators.yaml: the shipped file loads; every kind of bad file is refused naming file, path, problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulators.config import ConfigError, load, parse

ROOT = Path(__file__).resolve().parents[3]
SHIPPED = ROOT / "config" / "simulators.yaml"

CARRIER = "  - {name: c1, port: 0, credentials: [{system_id: gw, password: pw}]}\n"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "simulators.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_config_has_the_demo_carriers_and_panel() -> None:
    config = load(SHIPPED)
    ports = {carrier.name: carrier.port for carrier in config.carriers}
    assert ports == {
        "direct": 2776,
        "slow": 2777,
        "lossy": 2778,
        "throttled": 2779,
        "flaky": 2780,
        "grey": 2781,
    }
    assert {carrier.profile for carrier in config.carriers} == set(ports)
    assert all(carrier.credentials[0].system_id == "gateway" for carrier in config.carriers)
    assert (config.handsets.host, config.handsets.port) == ("127.0.0.1", 8081)
    assert config.handsets.webhook is not None
    assert config.handsets.webhook.url == "http://127.0.0.1:8080/api/v1/handset-reports"
    assert config.handsets.webhook.token == "demo-token"
    grey = next(carrier for carrier in config.carriers if carrier.name == "grey")
    assert grey.behaviour.grey.sender.rate > 0
    assert grey.behaviour.receipts.fake_delivered_rate > 0


def test_profile_overrides_are_merged(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "carriers:\n"
        "  - name: g\n    port: 0\n    profile: grey\n"
        "    credentials: [{system_id: gw, password: pw}]\n"
        "    behaviour: {loss_rate: 0.5, grey: {sender: {mode: fixed}}}\n",
    )
    behaviour = load(path).carriers[0].behaviour
    assert behaviour.loss_rate == 0.5
    assert behaviour.grey.sender.mode == "fixed"
    assert behaviour.grey.sender.rate == 0.7  # kept from the profile
    assert behaviour.receipts.fake_delivered_rate == 1.0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "carriers:\n" + CARRIER.replace("port: 0", "port: 0, behaviour: {loss_rate: 1.5}"),
            "carriers.0.behaviour.loss_rate: Input should be less than or equal to 1",
        ),
        (
            "carriers:\n" + CARRIER.replace("port: 0", "port: 0, colour: red"),
            "carriers.0.colour: Extra inputs",
        ),
        ("carriers:\n" + CARRIER.replace("port: 0", "port: 0, profile: shady"), "unknown profile 'shady'"),
        ("carriers:\n" + CARRIER.replace("port: 0", "port: 70000"), "carriers.0.port: Input should be less"),
        ("carriers:\n" + CARRIER.replace("pw}", "longpassword}"), "carriers.0.credentials.0.password"),
        ("carriers:\n" + CARRIER + CARRIER, "carrier names must be unique"),
        (
            "carriers:\n" + CARRIER + CARRIER.replace("c1", "c2").replace("port: 0", "port: 2") * 2,
            "carrier names must be unique",
        ),
        ("carriers: []\n", "carriers: List should have at least 1 item"),
        (
            "carriers:\n"
            + CARRIER.replace(
                "port: 0",
                "port: 0, behaviour: {mo: {keywords: [{every: 1, to: '1', texts: [x], system_id: nobody}]}}",
            ),
            "names system_id 'nobody'",
        ),
        ("carriers:\n" + CARRIER + "handsets: {webhook: {url: ftp://x}}\n", "handsets.webhook.url"),
        (
            "carriers:\n" + CARRIER.replace("port: 0", "port: 0, behaviour: {grey: {night_start_hour: 6}}"),
            "night_end_hour must be after night_start_hour",
        ),
        ("- just a list\n", "the top level must be a mapping"),
        ("carriers: [\n", "invalid YAML"),
    ],
)
def test_bad_files_are_refused_with_file_path_and_problem(tmp_path: Path, text: str, expected: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: ")
    assert expected in message


def test_duplicate_ports_are_refused() -> None:
    carrier = {"port": 2776, "credentials": [{"system_id": "a", "password": "b"}]}
    with pytest.raises(ConfigError, match="ports must be unique"):
        parse({"carriers": [{"name": "a", **carrier}, {"name": "b", **carrier}]}, "x.yaml")


def test_missing_file_is_named(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    with pytest.raises(ConfigError, match=f"^{missing}: cannot read"):
        load(missing)


def test_seeds_derive_from_the_top_level_seed_and_the_name() -> None:
    config = parse(
        {
            "seed": 5,
            "carriers": [
                {"name": "a", "port": 0, "credentials": [{"system_id": "x", "password": "y"}]},
                {"name": "b", "port": 0, "seed": 42, "credentials": [{"system_id": "x", "password": "y"}]},
            ],
        }
    )
    a, b = config.carriers
    assert config.carrier_seed(b) == 42
    assert config.carrier_seed(a) == parse(config.model_dump()).carrier_seed(a)
    assert config.carrier_seed(a) != parse({**config.model_dump(), "seed": 6}).carrier_seed(a)


def test_passwords_stay_out_of_reprs() -> None:
    config = load(SHIPPED)
    assert "gwpass1" not in repr(config)
    assert "demo-token" not in repr(config)
