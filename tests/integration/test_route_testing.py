"""Route testing end to end: gateway + carrier simulators + handset panel on 127.0.0.1.

Each planted behaviour is a simulator carrier that does exactly that one thing, at rate 1.0, behind a
route of its own; probes go through the HTTP API as the CLI sends them, and the handset panel reports
to the gateway exactly as a real test panel would.
"""

from __future__ import annotations

from pathlib import Path

from .routetest_harness import bench, plan

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
