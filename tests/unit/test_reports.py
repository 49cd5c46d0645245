"""Report commands (smpp_gateway/reports/): figures from a store with known records, renderings, the
message story, routes explain on the demo configuration, and every error path through the CLI."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from smpp_gateway import cli
from smpp_gateway.message import MessageClass
from smpp_gateway.reports import ReportError, explain_routes, parse_duration, report_message, report_routes
from smpp_gateway.reports.tables import duration_text, render_table
from smpp_gateway.smpp.constants import CommandStatus, MessageState
from smpp_gateway.store import (
    AttemptRecord,
    IdMapping,
    MessageRecord,
    Outcome,
    PendingDelivery,
    PendingKind,
    WriteOp,
)
from smpp_gateway.store.sqlite import SqliteStore

ROOT = Path(__file__).resolve().parents[2]
DEMO_CONFIG = ROOT / "config" / "gateway.yaml"
NOW = 1_800_000_000.0
HASH = "$argon2id$v=19$m=65536,t=3,p=4$VE6TsK5dlWLqwU+pf+EGtg$rnaxEy4CEo1ZmgcRsUmCcogOS/kLlbSdAboLYfO817U"


def write_config(tmp_path: Path, **sections: Any) -> Path:
    document: dict[str, Any] = {
        "store": {"path": str(tmp_path / "gw.sqlite")},
        "accounts": [{"system_id": "demo", "password_hash": HASH}],
        "carriers": [
            {"name": name, "host": "127.0.0.1", "port": 2776, "system_id": "gw", "password": "pw"}
            for name in ("direct", "slow", "grey")
        ],
        "routes": [{"name": "fr", "match": {"prefixes": ["33"]}, "carriers": ["direct", "slow"]}],
    }
    document.update(sections)
    path = tmp_path / "gateway.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return path


def record(n: int, **fields: Any) -> MessageRecord:
    values: dict[str, Any] = {
        "gateway_id": f"id{n:04d}",
        "account": "demo",
        "received_at": NOW - 600 + n,
        "source": "ACME",
        "destination": "33612345678",
        "source_ton": 5,
        "route": "fr",
        "carrier": "direct",
        "sent_source": "ACME",
        "sent_source_ton": 5,
        "sent_source_npi": 0,
        "carrier_status": 0,
        "submit_latency": 0.010 * (n + 1),
        "attempts": 1,
        "submitted_at": NOW - 600 + n,
    }
    values.update(fields)
    return MessageRecord(**values)


def known_traffic() -> list[WriteOp]:
    """Route fr: 10 messages. 8 accepted (receipts: 4 delivered, 2 undeliverable, 1 expired, 1 none;
    2 of them with the sender rewritten), 1 refused by the carrier (RINVDSTADR) after a timeout on
    an earlier attempt, 1 timed out. One message outside the window, one probe, one check reject."""
    ops: list[WriteOp] = []
    states = [MessageState.DELIVERED] * 4 + [MessageState.UNDELIVERABLE] * 2 + [MessageState.EXPIRED, None]
    for n, state in enumerate(states):
        rewritten = (
            {"sent_source": "33700000001", "sent_source_ton": 1, "sent_source_npi": 1} if n < 2 else {}
        )
        receipt = {} if state is None else {"receipt_state": int(state), "receipt_latency": 10.0 * (n + 1)}
        ops.append(
            record(
                n,
                carrier_message_id=f"c{n}",
                receipt_at=NOW - 100 if receipt else None,
                **receipt,
                **rewritten,
            )
        )
    failed = {
        "outcome": Outcome.FAILED,
        "sent_source": None,
        "sent_source_ton": None,
        "sent_source_npi": None,
    }
    ops.append(
        record(
            8,
            status=CommandStatus.ESME_RINVDSTADR,
            carrier_status=CommandStatus.ESME_RINVDSTADR,
            carrier="slow",
            attempts=2,
            **failed,
        )
    )
    ops.append(
        AttemptRecord(gateway_id="id0008", route="fr", carrier="direct", started_at=NOW - 592, timed_out=True)
    )
    ops.append(
        record(
            9,
            status=CommandStatus.ESME_RSUBMITFAIL,
            carrier_status=None,
            timed_out=True,
            submit_latency=5.0,
            **failed,
        )
    )
    ops.append(record(10, received_at=NOW - 7200))  # outside a 1h window
    ops.append(record(11, is_probe=True, route="fr"))
    ops.append(
        MessageRecord(
            gateway_id="rej",
            account="demo",
            received_at=NOW - 10,
            source="PAYPA1",
            destination="33612345678",
            outcome=Outcome.REJECTED,
            status=CommandStatus.ESME_RINVSRCADR,
            reasons=("sender.lookalike (enforce): looks like PAYPAL",),
        )
    )
    return ops


def store_with(tmp_path: Path, ops: list[WriteOp]) -> Path:
    config = write_config(tmp_path)
    store = SqliteStore(tmp_path / "gw.sqlite")
    store.write(ops)
    store.close()
    return config


def routes_json(config: Path, since: str = "1h", **options: Any) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(report_routes(config, since=since, fmt="json", now=NOW, **options))
    return document


# -- durations ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("30m", 1800), ("1h", 3600), ("2d", 172800), ("45s", 45), ("1.5h", 5400), ("1w", 604800)],
)
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "5x", "-1h", "0m", "h", "1 hour", "1h30m", "300w"])
def test_bad_durations_name_the_option_and_the_forms(text: str) -> None:
    with pytest.raises(ReportError, match="--since") as caught:
        parse_duration(text)
    assert caught.value.exit_code == 2


# -- report routes --------------------------------------------------------------------------------


def test_route_figures_match_the_records(tmp_path: Path) -> None:
    config = store_with(tmp_path, known_traffic())
    [fr] = routes_json(config)["routes"]
    assert fr["messages"] == 10
    assert fr["submits"] == 11  # the failed-over attempt counts as a submit to the route
    assert fr["timeouts"] == 2
    assert fr["timeout_rate"] == pytest.approx(2 / 11)
    assert fr["carrier_errors"] == [
        {"status": 0x0B, "name": "ESME_RINVDSTADR", "count": 1, "rate": pytest.approx(1 / 11)}
    ]
    assert fr["carrier_error_rate"] == pytest.approx(1 / 11)
    assert fr["receipts"] == {
        "delivered": 4,
        "undeliverable": 2,
        "expired": 1,
        "rejected": 0,
        "other": 0,
        "none": 1,
    }
    assert fr["receipt_shares"]["delivered"] == pytest.approx(0.5)
    assert fr["receipt_shares"]["none"] == pytest.approx(0.125)
    latency = fr["submit_latency_seconds"]
    assert latency["count"] == 9  # timeouts have no latency
    assert latency["p50"] == pytest.approx(0.05)
    assert latency["p99"] == pytest.approx(0.09)
    assert fr["receipt_delay_seconds"] == {"count": 7, "p50": 40.0, "p95": 70.0}
    # The store has route testing's tables (migration 2): no probe verdicts in the window is 0.
    assert fr["sender_rewrites"] == {"gateway": 2, "carrier": 0}


def test_window_and_probes(tmp_path: Path) -> None:
    config = store_with(tmp_path, known_traffic())
    assert routes_json(config, since="3h")["routes"][0]["messages"] == 11
    assert routes_json(config, since="1h", include_probes=True)["routes"][0]["messages"] == 11
    assert routes_json(config, since="1m")["routes"] == []
    assert "no traffic" in report_routes(config, since="1m", now=NOW)


def test_table_and_csv_renderings(tmp_path: Path) -> None:
    config = store_with(tmp_path, known_traffic())
    table = report_routes(config, now=NOW)
    header, row = table.splitlines()[1:3]
    assert header.split()[:5] == ["route", "msgs", "submits", "err%", "errors"]
    assert row.split()[:6] == ["fr", "10", "11", "9.1%", "RINVDSTADR:1", "2"]
    assert row.split()[-2:] == ["2", "0"]
    rows = list(csv.DictReader(io.StringIO(report_routes(config, fmt="csv", now=NOW))))
    assert rows[0]["carrier_errors"] == "ESME_RINVDSTADR=1"
    assert float(rows[0]["delivered_share"]) == 0.5
    assert rows[0]["carrier_sender_rewrites"] == "0"


def add_probe_verdicts(path: Path, rows: list[tuple[str, str, float]]) -> None:
    conn = sqlite3.connect(path)
    conn.executemany(
        "INSERT INTO probe_verdicts (probe_id, route, verdict, decided_at) VALUES (?, ?, ?, ?)",
        [(f"p{index}", *row) for index, row in enumerate(rows)],
    )
    conn.commit()
    conn.close()


def test_carrier_rewrites_come_from_route_tests_when_present(tmp_path: Path) -> None:
    config = store_with(tmp_path, known_traffic())
    add_probe_verdicts(
        tmp_path / "gw.sqlite",
        [
            ("fr", "sender_rewritten", NOW - 60),
            ("fr", "delivered_intact", NOW - 60),
            ("via-grey", "sender_rewritten", NOW - 50),
            ("via-grey", "sender_rewritten", NOW - 40),
            ("via-grey", "sender_rewritten", NOW - 7200),  # outside the window
        ],
    )
    routes = {row["route"]: row for row in routes_json(config)["routes"]}
    assert routes["fr"]["sender_rewrites"] == {"gateway": 2, "carrier": 1}
    assert routes["via-grey"]["messages"] == 0
    assert routes["via-grey"]["sender_rewrites"] == {"gateway": 0, "carrier": 2}


def test_a_verdicts_table_without_the_expected_columns_counts_as_absent(tmp_path: Path) -> None:
    config = store_with(tmp_path, known_traffic())
    conn = sqlite3.connect(tmp_path / "gw.sqlite")
    conn.execute("DROP TABLE probe_verdicts")
    conn.execute("CREATE TABLE probe_verdicts (probe_id TEXT, verdict TEXT)")
    conn.commit()
    conn.close()
    assert routes_json(config)["routes"][0]["sender_rewrites"]["carrier"] is None


# -- report messages ------------------------------------------------------------------------------


def test_story_of_a_failed_over_message(tmp_path: Path) -> None:
    config = store_with(tmp_path, known_traffic())
    text = report_message(config, gateway_id="id0008")
    assert "outcome   failed: ESME_RINVDSTADR (0xb) to the client" in text
    assert "attempt 1 route fr carrier direct: timed out; failed over" in text
    assert "attempt 2 route fr carrier slow: ESME_RINVDSTADR (0xb) in 90ms" in text


def test_story_of_a_delivered_rewritten_message_with_a_waiting_receipt(tmp_path: Path) -> None:
    mapping = IdMapping(
        gateway_id="id0000",
        carrier="direct",
        carrier_message_id="c0",
        account="demo",
        route="fr",
        submitted_at=NOW - 600,
    )
    pending = PendingDelivery(
        kind=PendingKind.RECEIPT,
        account="demo",
        payload=b"\x00" * 40,
        created_at=NOW - 100,
        next_attempt_at=NOW,
        expires_at=NOW + 3600,
        gateway_id="id0000",
        attempts=2,
        last_error="timeout",
    )
    config = store_with(tmp_path, [*known_traffic(), mapping, pending])
    text = report_message(config, gateway_id="id0000")
    assert "sent as   33700000001 (TON 1 NPI 1) (sender rewritten by the route)" in text
    assert "carrier   direct id c0 (part 1/1, route fr)" in text
    assert "receipt   DELIVERED at" in text
    assert "10.0s after submit" in text
    assert "waiting   receipt for demo: 2 attempt(s)" in text
    assert "last error timeout" in text
    story = json.loads(report_message(config, gateway_id="id0000", fmt="json"))
    assert story["record"]["route"] == "fr"
    assert story["pending"][0]["payload_bytes"] == 40
    assert "payload" not in story["pending"][0]


def test_story_of_a_rejected_message_gives_the_reason(tmp_path: Path) -> None:
    config = store_with(tmp_path, known_traffic())
    text = report_message(config, gateway_id="rej")
    assert "rejected: ESME_RINVSRCADR (0xa)" in text
    assert "reason    sender.lookalike (enforce): looks like PAYPAL" in text
    assert "no carrier attempt" in text


# -- routes explain -------------------------------------------------------------------------------


def test_explain_on_the_demo_configuration() -> None:
    document = json.loads(
        explain_routes(DEMO_CONFIG, account="demo", to="06 12 34 56 78", sender="ACME", fmt="json")
    )
    assert document["message"]["destination"] == {
        "address": "33612345678",
        "valid": True,
        "country": "FR",
        "type": "mobile",
    }
    assert document["message"]["class"] == "transactional"
    assert document["message"]["class_from"] == "account policy"
    assert document["tried"] == ["fr-direct"]
    first = document["routes"][0]
    assert first["carriers"] == ["direct", "slow"]
    assert first["sender"]["rewritten"] is False
    assert {route["outcome"] for route in document["routes"][1:]} == {
        "test only: probes, never client traffic"
    }


def test_explain_text_shows_order_rewrite_and_class(tmp_path: Path) -> None:
    routes = [
        {"name": "fr", "match": {"prefixes": ["33"]}, "carriers": ["direct", "slow"]},
        {
            "name": "fr-marketing",
            "match": {"prefixes": ["336"], "classes": ["marketing"]},
            "carriers": ["grey"],
            "sender": {"mode": "numeric", "number": "33700000001"},
        },
    ]
    config = write_config(tmp_path, routes=routes)
    text = explain_routes(
        config, account="demo", to="+33612345678", sender="ACME", message_class=MessageClass.MARKETING
    )
    lines = text.splitlines()
    assert "class marketing (--class)" in lines[0]
    assert lines[3].startswith(" 1. fr-marketing: tried, prefix 336")
    assert any(line.strip().startswith("sender rewritten: route fr-marketing") for line in lines)
    assert any(line.startswith(" 2. fr: tried") for line in lines)
    short_code = explain_routes(config, account="demo", to="33612345678", sender="36123", fmt="json")
    assert (
        json.loads(short_code)["message"]["class"] == "marketing"
    )  # 36xxx: the account policy's prefix rule


def test_explain_puts_a_national_long_number_sender_in_e164(tmp_path: Path) -> None:
    document = json.loads(
        explain_routes(
            write_config(tmp_path), account="demo", to="0612345678", sender="0698765432", fmt="json"
        )
    )
    assert document["message"]["source"] == {
        "address": "33698765432",
        "ton": 1,
        "npi": 1,
        "type": "long_number",
    }


def test_explain_says_when_no_route_matches(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    text = explain_routes(config, account="demo", to="+4915112345678", sender="ACME")
    assert "no route would be tried: the gateway answers ESME_RSUBMITFAIL" in text
    assert " - fr: not matched" in text


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"account": "nobody"}, "--account: no account 'nobody'"),
        ({"sender": " "}, "--from: the sender must not be empty"),
        ({"to": "hello"}, "--to: 'hello' is not a phone number"),
    ],
)
def test_explain_refuses_bad_input(tmp_path: Path, options: dict[str, str], message: str) -> None:
    arguments = {"account": "demo", "to": "33612345678", "sender": "ACME", **options}
    with pytest.raises(ReportError, match=message):
        explain_routes(write_config(tmp_path), **arguments)


# -- the CLI and its error paths ------------------------------------------------------------------


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_report_routes_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = store_with(tmp_path, [record(0, received_at=0.0), record(1, received_at=time.time() - 60)])
    code, out, _ = run_cli(capsys, "report", "routes", "--since", "1000w", "-c", str(config))
    assert code == 2  # more than 5 years
    code, out, _ = run_cli(
        capsys, "report", "routes", "--since", "52w", "--format", "json", "-c", str(config)
    )
    assert code == 0
    assert json.loads(out)["routes"][0]["messages"] == 1


def test_cli_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = write_config(tmp_path)
    code, _, err = run_cli(capsys, "report", "routes", "-c", str(config))
    assert code == 2
    assert "no such file" in err
    code, _, err = run_cli(capsys, "report", "messages", "--id", "x", "-c", str(config))
    assert code == 2
    assert "no such file" in err
    code, _, err = run_cli(capsys, "report", "routes", "--since", "soon", "-c", str(config))
    assert code == 2
    assert "'soon' is not a duration" in err
    code, _, err = run_cli(capsys, "report", "routes", "-c", str(tmp_path / "missing.yaml"))
    assert code == 2
    assert "cannot read" in err
    store_with(tmp_path, [record(1)])
    code, _, err = run_cli(capsys, "report", "messages", "--id", "nope", "-c", str(config))
    assert code == 1
    assert "no message with id 'nope'" in err
    code, out, _ = run_cli(
        capsys, "report", "messages", "--id", "id0001", "--format", "json", "-c", str(config)
    )
    assert code == 0
    assert json.loads(out)["record"]["gateway_id"] == "id0001"
    code, out, _ = run_cli(
        capsys,
        "routes",
        "explain",
        "--account",
        "demo",
        "--to",
        "33612345678",
        "--from",
        "ACME",
        "--class",
        "otp",
        "-c",
        str(config),
    )
    assert code == 0
    assert "class otp (--class)" in out


def test_a_store_that_is_not_a_database_is_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path)
    (tmp_path / "gw.sqlite").write_bytes(b"not a database, just bytes" * 100)
    code, _, err = run_cli(capsys, "report", "routes", "-c", str(config))
    assert code == 2
    assert "cannot read" in err


# -- formats --------------------------------------------------------------------------------------


def test_duration_text_and_tables() -> None:
    assert [duration_text(v) for v in (None, 0.0004, 0.012, 3.4, 150, 4 * 3600, 2 * 86400)] == [
        "-",
        "400us",
        "12ms",
        "3.4s",
        "2.5m",
        "4.0h",
        "2.0d",
    ]
    assert render_table(("name", "n"), [("a", "1"), ("long", "100")]) == "name    n\na       1\nlong  100"
