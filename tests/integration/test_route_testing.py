"""Route testing end to end: gateway + carrier simulators + handset panel on 127.0.0.1.

Each planted behaviour is a simulator carrier that does exactly that one thing, at rate 1.0, behind a
route of its own; probes go through the HTTP API as the CLI sends them, and the handset panel reports
to the gateway exactly as a real test panel would.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import socket
import sqlite3
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from smpp_gateway.cli import main
from smpp_gateway.routetest.cli import report_probes, run_probe
from smpp_gateway.routetest.tester import PlanError

from .routetest_harness import QUIET_GREY, TOKEN, bench, merge, plan

GSM = "Votre code ACME est 481516"
ACCENTED = "Réglé : votre colis arrive à l'hôtel « Ambre » vendredi"
LINK = "Suivez votre colis sur https://acme.fr/suivi/42 merci"
LONG = "Votre commande ACME est prete et sera livree demain matin entre 8h et 12h. " * 3  # GSM: 2 parts


async def test_direct_route_delivers_every_probe_intact(tmp_path: Path) -> None:
    texts = [GSM, ACCENTED, LINK, LONG]
    senders = ["ACME", "36123", "33700000001"]
    limits = {"not_delivered_timeout": 8.0, "late_after": 5.0, "duplicate_window": 0.5}
    async with bench(
        tmp_path, {"direct": ("direct", {})}, lambda names: [plan("via-direct", texts, senders, **limits)]
    ) as b:
        ids = await b.run_probes("via-direct")
        assert len(ids) == len(texts) * len(senders)
        probes = await b.settled(ids)
        for probe in probes:
            assert probe["verdicts"] == ["delivered_intact"], (
                probe["sent_text"],
                probe["received_text"],
                probe["findings"],
            )
            assert probe["received_text"] == probe["sent_text"]
            assert probe["sent_text"].startswith(f"[{probe['code']}] ")
            assert probe["receipts"]
            assert all(state == "DELIVERED" for state in probe["receipts"])
        assert {p["sent_sender"] for p in probes} == set(senders)
        assert {len(p["gateway_ids"]) for p in probes} == {1, 2}  # the long text went as 2 parts


# carrier -> (behaviour planted at rate 1.0, the plan's text, the verdicts expected, text change kinds)
PLANTED: dict[str, tuple[dict[str, Any], str, list[str], list[str]]] = {
    "sender": (
        {"grey": {"sender": {"rate": 1.0, "mode": "fixed", "fixed": "33700000099"}}},
        GSM,
        ["sender_rewritten"],
        [],
    ),
    "accents": (
        {"grey": {"text": {"strip_accents_rate": 1.0}}},
        ACCENTED,
        ["text_modified"],
        ["accents_lost"],
    ),
    "truncate": (
        {"grey": {"text": {"truncate_rate": 1.0, "truncate_to": 60}}},
        LONG,
        ["text_modified"],
        ["truncated"],
    ),
    "append": ({"grey": {"text": {"append_rate": 1.0}}}, GSM, ["text_modified"], ["appended"]),
    "link": ({"grey": {"text": {"link_rewrite_rate": 1.0}}}, LINK, ["text_modified"], ["link_changed"]),
    "fake": (
        {"loss_rate": 1.0, "receipts": {"fake_delivered_rate": 1.0}},
        GSM,
        ["not_delivered", "fake_receipt"],
        [],
    ),
    "loss": ({"loss_rate": 1.0}, GSM, ["not_delivered"], []),
    "late": ({"grey": {"late_rate": 1.0, "late_delay": 2.5}}, GSM, ["late"], []),
    "duplicate": ({"grey": {"duplicate_rate": 1.0}}, GSM, ["duplicated"], []),
    "liar": ({"receipts": {"wrong_state_rate": 1.0}}, GSM, ["false_failure_receipt"], []),
}
PLANTED_LIMITS = {"not_delivered_timeout": 4.0, "late_after": 1.5, "duplicate_window": 0.5}
# The simulator sends a duplicate 1 to 10 s after the first copy.
DUPLICATE_LIMITS = {"not_delivered_timeout": 12.0, "late_after": 5.0, "duplicate_window": 10.5}


def planted_plans(names: list[str]) -> list[dict[str, Any]]:
    return [
        plan(
            f"via-{name}", [PLANTED[name][1]], **(DUPLICATE_LIMITS if name == "duplicate" else PLANTED_LIMITS)
        )
        for name in names
    ]


async def test_each_planted_grey_behaviour_gets_its_verdict_and_no_other(tmp_path: Path) -> None:
    carriers = {name: ("grey", merge(QUIET_GREY, behaviour)) for name, (behaviour, *_rest) in PLANTED.items()}
    async with bench(tmp_path, carriers, planted_plans) as b:
        runs = {name: await b.run_probes(f"via-{name}", count=2) for name in PLANTED}
        for name, ids in runs.items():
            _behaviour, _text, verdicts, kinds = PLANTED[name]
            for probe in await b.settled(ids):
                assert probe["verdicts"] == verdicts, (name, probe["findings"])
                assert probe["text_changes"] == kinds, (name, probe["findings"])
        [sender_probe] = await b.settled(runs["sender"][:1])
        assert sender_probe["findings"] == [
            {"verdict": "sender_rewritten", "detail": {"from": "ACME", "to": "33700000099"}}
        ]
        [late] = await b.settled(runs["late"][:1])
        assert late["findings"][0]["detail"]["delay"] > 2.5
        [twice] = await b.settled(runs["duplicate"][:1])
        assert twice["reports"] == 2
        registry = b.gateway.metrics.registry
        assert (
            registry.get_sample_value(
                "smppgw_sender_rewrites_total", {"route": "via-sender", "by": "carrier"}
            )
            == 2
        )
        assert (
            registry.get_sample_value(
                "smppgw_probe_verdicts_total", {"route": "via-fake", "verdict": "fake_receipt"}
            )
            == 2
        )
        assert (
            registry.get_sample_value(
                "smppgw_probes_sent_total", {"route": "via-loss", "outcome": "accepted"}
            )
            == 2
        )


async def test_scorecard_figures_match_the_planted_rates(tmp_path: Path) -> None:
    mixed = merge(
        QUIET_GREY,
        {
            "loss_rate": 0.3,
            "grey": {"sender": {"rate": 0.5, "mode": "alphanumeric"}, "text": {"strip_accents_rate": 0.4}},
        },
    )
    limits = {"not_delivered_timeout": 3.0, "late_after": 2.0, "duplicate_window": 0.3}
    async with bench(
        tmp_path, {"mixed": ("grey", mixed)}, lambda names: [plan("via-mixed", [ACCENTED], **limits)], seed=11
    ) as b:
        probes = await b.settled(await b.run_probes("via-mixed", count=100), timeout=20)
        status, document = await b.call("GET", "/api/v1/scorecards?window=1h")
        assert status == 200
        [card] = document["scorecards"]
        assert b.simulators is not None
        handsets = b.simulators.panel.deliveries(carrier="mixed")
        # Exactly what the carrier did (what the handsets got), and close to the planted rates.
        assert card["probes"] == 100
        assert card["delivered"] == len(handsets) == sum("not_delivered" not in p["verdicts"] for p in probes)
        kept = sum(1 for delivery in handsets if delivery.sender == "ACME")
        intact = sum(1 for delivery in handsets if "é" in delivery.text)
        assert card["sender_preserved_rate"] == pytest.approx(kept / len(handsets))
        assert card["text_intact_rate"] == pytest.approx(intact / len(handsets))
        assert card["delivery_rate"] == pytest.approx(0.7, abs=0.15)
        assert card["sender_preserved_rate"] == pytest.approx(0.5, abs=0.2)
        assert card["text_intact_rate"] == pytest.approx(0.6, abs=0.2)
        assert card["fake_receipt_rate"] == 0.0  # lost messages got honest UNDELIV receipts
        assert set(card["senders_seen"]) <= {"ACME", "INFO", "SMS"}
        assert card["handset_delay_p50"] is not None
        assert card["handset_delay_p95"] < limits["late_after"]
        assert card["submit_latency_p95"] is not None
        assert card["grade"] == "F"
        registry = b.gateway.metrics.registry
        delivery = {"route": "via-mixed"}
        await wait_for(
            lambda: (
                registry.get_sample_value("smppgw_probe_delivery_ratio", delivery) == card["delivery_rate"]
            )
        )
        assert registry.get_sample_value("smppgw_probe_score", delivery) == card["score"]
    # A restart keeps everything: the scorecard is read from the store.
    async with bench(
        tmp_path, {"mixed": ("grey", mixed)}, lambda names: [plan("via-mixed", [ACCENTED], **limits)]
    ) as b:
        status, again = await b.call("GET", "/api/v1/scorecards?window=1h")
        assert again["scorecards"] == document["scorecards"]


async def wait_for(condition: Callable[[], object], timeout: float = 5.0) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.05)


GOOD_REPORT = {
    "msisdn": "+33612000001",
    "sender": "ACME",
    "text": "hello",
    "received_at": "2026-01-01T10:00:00Z",
}


def _report(**changes: Any) -> dict[str, Any]:
    body = {**GOOD_REPORT, **changes}
    return {key: value for key, value in body.items() if value is not None}


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("{not json", "invalid JSON"),
        ({**GOOD_REPORT, "carrier": "x"}, "carrier: Extra inputs are not permitted"),
        (_report(received_at=None), "received_at: Field required"),
        (_report(msisdn="call me"), "msisdn: String should match pattern"),
        (_report(received_at="2026-01-01T10:00:00"), "received_at: Input should have timezone info"),
        (_report(text=5), "text: Input should be a valid string"),
        ([], "should have at least 1 item"),
        ([GOOD_REPORT, _report(sender="")], "1.sender: String should have at least 1 character"),
        ("[1, 2]", "Input should be a valid dictionary"),
    ],
)
async def test_bad_handset_reports_are_refused_whole_with_the_reason(
    tmp_path: Path, body: Any, reason: str
) -> None:
    async with bench(tmp_path, {"direct": ("direct", {})}, lambda names: []) as b:
        raw = body if isinstance(body, str) else json.dumps(body)
        async with b.client.post(
            b.url + "/api/v1/handset-reports", data=raw, headers={"Authorization": f"Bearer {TOKEN}"}
        ) as response:
            assert response.status == 400
            assert reason in (await response.json())["error"]
        assert await stored_reports(b) == 0


@pytest.mark.parametrize("header", [None, "Bearer wrong-token", f"Basic {TOKEN}", "Bearer"])
async def test_writes_need_the_bearer_token(tmp_path: Path, header: str | None) -> None:
    async with bench(tmp_path, {"direct": ("direct", {})}, lambda names: [plan("via-direct", [GSM])]) as b:
        headers = {"Authorization": header} if header else {}
        for path, body in (
            ("/api/v1/handset-reports", GOOD_REPORT),
            ("/api/v1/probes", {"route": "via-direct"}),
        ):
            async with b.client.post(b.url + path, json=body, headers=headers) as response:
                assert response.status == 401
                assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert await stored_reports(b) == 0
        _status, listed = await b.call("GET", "/api/v1/probes")
        assert listed["probes"] == []


async def test_probe_and_read_errors(tmp_path: Path) -> None:
    async with bench(
        tmp_path,
        {"direct": ("direct", {}), "spare": ("direct", {})},
        lambda names: [plan("via-direct", [GSM])],
    ) as b:
        assert await b.call("POST", "/api/v1/probes", {"route": "nowhere"}) == (
            404,
            {"error": "unknown route 'nowhere'"},
        )
        status, error = await b.call("POST", "/api/v1/probes", {"route": "via-spare"})
        assert (status, error["error"]) == (
            400,
            "no probe plan for route 'via-spare' (route_tests.plans in the config)",
        )
        status, error = await b.call("POST", "/api/v1/probes", {"route": "via-direct", "count": 0})
        assert status == 400
        assert "count" in error["error"]
        status, error = await b.call("POST", "/api/v1/probes", {"route": "via-direct", "every": 5})
        assert status == 400
        assert (await b.call("GET", "/api/v1/probes/nope"))[0] == 404
        assert (await b.call("GET", "/api/v1/probes?limit=0"))[0] == 400
        assert (await b.call("GET", "/api/v1/handset-reports/unmatched?limit=x"))[0] == 400
        status, error = await b.call("GET", "/api/v1/scorecards?window=soon")
        assert status == 400
        assert "window" in error["error"]
        status, listed = await b.call("GET", "/api/v1/probes")
        assert listed["probes"] == []


async def test_reports_without_a_readable_code_match_by_number_time_and_similarity(tmp_path: Path) -> None:
    limits = {"not_delivered_timeout": 30.0, "late_after": 20.0, "duplicate_window": 0.2}
    # A carrier that loses everything: the handset reports here are written by the test.
    async with bench(
        tmp_path,
        {"lossy": ("grey", merge(QUIET_GREY, {"loss_rate": 1.0}))},
        lambda n: [plan("via-lossy", [GSM], **limits)],
    ) as b:
        [probe_id] = await b.run_probes("via-lossy", count=1)
        status, probe = await b.call("GET", f"/api/v1/probes/{probe_id}")
        now = datetime.now(UTC).isoformat()
        mangled = "[" + "?" * 5 + probe["sent_text"][6:]
        reports = [
            {"msisdn": "+" + probe["msisdn"], "sender": "ACME", "text": mangled, "received_at": now},
            {"msisdn": "33699999999", "sender": "X", "text": "unrelated", "received_at": now},
        ]
        status, answer = await b.call("POST", "/api/v1/handset-reports", reports)
        assert (status, answer["received"], answer["matched"], answer["unmatched"]) == (200, 2, 1, 1)
        matched, unmatched = answer["reports"]
        assert (matched["probe_id"], matched["match"]) == (probe_id, "similarity")
        assert 0.6 <= matched["score"] < 1
        assert unmatched["probe_id"] is None
        [settled] = await b.settled([probe_id])
        # The carrier said UNDELIV, yet a handset reported it: the receipt lied too.
        assert settled["verdicts"] == ["text_modified", "false_failure_receipt"]
        assert settled["received_text"] == mangled
        status, listed = await b.call("GET", "/api/v1/handset-reports/unmatched")
        assert [item["text"] for item in listed["reports"]] == ["unrelated"]
        assert await stored_reports(b) == 2


async def stored_reports(b: Any) -> int:
    await b.gateway.store.durable()
    conn = sqlite3.connect(b.gateway.config.store.path)
    try:
        return int(conn.execute("SELECT count(*) FROM handset_reports").fetchone()[0])
    finally:
        conn.close()


def cli_config(b: Any, path: Path) -> Path:
    """The running gateway's config as a file, with its real HTTP port, for the command line."""
    document = b.gateway.config.model_dump(mode="json", exclude_none=True)
    document["http"]["port"] = b.http.port
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return path


async def test_cli_probe_asks_the_running_gateway_and_prints_one_json_line_per_probe(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    limits = {"not_delivered_timeout": 8.0, "late_after": 5.0, "duplicate_window": 0.3}
    texts = [GSM, ACCENTED]
    async with bench(
        tmp_path, {"direct": ("direct", {})}, lambda n: [plan("via-direct", texts, **limits)]
    ) as b:
        config = cli_config(b, tmp_path / "cli.yaml")
        argv = ["probe", "--route", "via-direct", "--format", "json", "-c", str(config)]
        assert await asyncio.to_thread(main, argv) == 0
        lines = capsys.readouterr().out.splitlines()
        assert len(lines) == 2
        for line in lines:
            probe = json.loads(line)
            assert {
                "probe_id",
                "route",
                "msisdn",
                "sent_sender",
                "sent_text",
                "received_sender",
                "received_text",
            } <= set(probe)
            assert probe["route"] == "via-direct"
            assert probe["verdicts"] == ["delivered_intact"]
            assert probe["received_text"] == probe["sent_text"]
        out = io.StringIO()
        assert await asyncio.to_thread(run_probe, config, "via-direct", count=1, out=out) == 0
        first, second = out.getvalue().splitlines()
        assert first.startswith("1 probe(s) sent through via-direct")
        assert "ACME -> ACME  delivered_intact" in second

        table = await asyncio.to_thread(report_probes, config, since="1h")
        assert "via-direct" in table.splitlines()[2]
        assert "100.0%" in table
        assert "A (100)" in table
        document = json.loads(await asyncio.to_thread(report_probes, config, since="1h", fmt="json"))
        [card] = document["scorecards"]
        assert (card["route"], card["probes"], card["grade"], card["senders_seen"]) == (
            "via-direct",
            3,
            "A",
            {"ACME": 3},
        )
        [row] = list(csv.DictReader(io.StringIO(await asyncio.to_thread(report_probes, config, fmt="csv"))))
        assert (row["route"], row["probes"], row["delivery_rate"], row["senders_seen"]) == (
            "via-direct",
            "3",
            "1.0",
            "ACME=3",
        )


async def test_cli_probe_errors_and_timeout(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lost = merge(QUIET_GREY, {"loss_rate": 1.0})
    async with bench(tmp_path, {"lost": ("grey", lost)}, lambda n: [plan("via-lost", [GSM])]) as b:
        config = cli_config(b, tmp_path / "cli.yaml")
        out = io.StringIO()
        assert await asyncio.to_thread(run_probe, config, "via-lost", timeout=0.2, out=out) == 1
        assert "not settled after 0 s" in out.getvalue()
        assert await asyncio.to_thread(main, ["probe", "--route", "elsewhere", "-c", str(config)]) == 2
        assert "404 unknown route 'elsewhere'" in capsys.readouterr().err
        with socket.socket() as unused:  # a port nobody listens on
            unused.bind(("127.0.0.1", 0))
            url = f"http://127.0.0.1:{unused.getsockname()[1]}"
            argv = ["probe", "--route", "via-lost", "-c", str(config), "--url", url]
            assert await asyncio.to_thread(main, argv) == 2
        assert "cannot reach the gateway" in capsys.readouterr().err
    missing = tmp_path / "missing.yaml"
    document = yaml.safe_load(config.read_text())
    document["store"]["path"] = str(tmp_path / "nowhere.sqlite")
    missing.write_text(yaml.safe_dump(document))
    assert main(["report", "probes", "-c", str(missing)]) == 2
    assert "no such file" in capsys.readouterr().err


async def test_open_probes_survive_a_restart_and_retention_purges_old_ones(tmp_path: Path) -> None:
    lost = merge(QUIET_GREY, {"loss_rate": 1.0})
    limits = {"not_delivered_timeout": 2.0, "late_after": 1.0, "duplicate_window": 0.2}
    plans = lambda names: [plan("via-lost", [GSM], **limits)]  # noqa: E731
    async with bench(tmp_path, {"lost": ("grey", lost)}, plans) as b:
        [probe_id] = await b.run_probes("via-lost", count=1)
        status, probe = await b.call("GET", f"/api/v1/probes/{probe_id}")
        assert (status, probe["state"]) == (200, "open")
    async with bench(tmp_path, {"lost": ("grey", lost)}, plans) as b:
        [settled] = await b.settled([probe_id], timeout=10)
        assert settled["verdicts"] == ["not_delivered"]
        assert await stored_rows(b, "probes") == 1
        b.gateway.route_tests.purge(time.time() + 31 * 86400)  # a month later: past retention_days
        assert await stored_rows(b, "probes") == 0
        assert await stored_rows(b, "probe_verdicts") == 0


async def stored_rows(b: Any, table: str) -> int:
    await b.gateway.store.durable()
    conn = sqlite3.connect(b.gateway.config.store.path)
    try:
        return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
    finally:
        conn.close()


async def test_bad_counts_are_refused_and_a_failing_submit_is_a_failed_probe(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with bench(tmp_path, {"direct": ("direct", {})}, lambda n: [plan("via-direct", [GSM])]) as b:
        tester = b.gateway.route_tests
        with pytest.raises(PlanError, match="count must be 1 to 100"):
            await tester.run("via-direct", 101)

        async def broken(*args: object) -> None:
            raise RuntimeError("store gone")

        monkeypatch.setattr(b.gateway.probes, "send", broken)
        [probe] = await tester.run("via-direct", 1)
        [settled] = await b.settled([probe.probe_id])
        assert settled["findings"] == [{"verdict": "not_delivered", "detail": {"submit_status": 8}}]
        registry = b.gateway.metrics.registry
        assert (
            registry.get_sample_value(
                "smppgw_probes_sent_total", {"route": "via-direct", "outcome": "failed"}
            )
            == 1
        )
