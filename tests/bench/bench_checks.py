"""Benchmark of the default checks pipeline (demo account) on a realistic traffic mix.

    .venv/bin/python -m tests.bench.bench_checks [--json] [--messages N] [--recipients N]

The figure is CPU time per message (process_time: what the checks cost, even on a busy host);
wall time is reported alongside. The mix: OTP codes (each text distinct), transactional notices
with the account's link, marketing campaigns from the 36xxx short code (one text to many
recipients), and a tail of fraud (spoofed senders, phishing links, high-cost destinations).
Recipients are drawn from a pool: repeat recipients hit the phone-number cache, as OTP users and
customers do; ``--recipients`` equal to ``--messages`` approximates a cold cache (every number
new). Target: < 15 us per message (see docs/checks.md, Performance).
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import time
from datetime import UTC, datetime

from smpp_gateway.checks import CheckContext, ChecksConfig, Pipeline, demo_account_policy
from smpp_gateway.checks.duplicate import DuplicateState
from smpp_gateway.checks.numbers import PhoneCache
from smpp_gateway.checks.optout import InMemoryOptOutList
from smpp_gateway.checks.velocity import VelocityState
from smpp_gateway.message import Address, Message
from smpp_gateway.smpp.constants import Npi, Ton

START = datetime(2025, 6, 11, 9, 0, tzinfo=UTC)  # a Wednesday, 11:00 in Paris
# Simulated time between messages: one mid-size account's pace (5 messages a second). The rate
# only matters to the velocity rules; the figure measured is CPU time per message.
RATE = 5.0

OTP = ("Votre code ACME est {code}. Il expire dans 10 minutes.", "{code} est votre code de connexion ACME")
NOTICES = (
    "Votre colis ACME n°{ref} est en cours de livraison. Suivi : https://suivi.acme.fr/c/{ref}",
    "Rappel : votre rendez-vous ACME est confirmé le {day}/06 à 14h30. Pour annuler : acme.fr/rdv",
    "Votre commande {ref} est prête. Retrait en magasin jusqu'au {day}/06. Merci, ACME",
)
CAMPAIGNS = (
    "-20% ce week-end sur acme.fr ! STOP au 36123",
    "Soldes ACME : jusqu'à -50% sur une sélection, en magasin et sur www.acme.fr. STOP au 36123",
    "Nouveau chez ACME : la collection été est arrivée 🌞 acme.fr/ete Stop SMS 36123",
)
FRAUD = (
    ("AMELI", "Votre carte vitale expire. Renouvelez-la sur ameli-renouvellement.info"),
    ("ACME", "Votre colis est en attente. Réglez 1,99 EUR de frais de livraison : colis-suivi.top/fr"),
    ("PAYPA1", "Votre compte est suspendu, confirmez vos identifiants: https://paypal.com@secure-login.io"),
    ("ACME", "Dernier rappel : amende impayée, réglez sous 24h sur bit.ly/antai-paiement"),
)


def _mobile(rng: random.Random) -> str:
    """A valid French mobile number: +33 6 (but 63x/69x partly unallocated) or +33 7 (73-79)."""
    head = rng.choice(("336" + rng.choice("01245678"), "337" + rng.choice("3456789")))
    return f"{head}{rng.randrange(10**7):07d}"


def _message(rng: random.Random, recipients: list[str]) -> Message:
    dest = Address(rng.choice(recipients), Ton.INTERNATIONAL, Npi.ISDN)
    roll = rng.random()
    if roll < 0.45:
        text = rng.choice(OTP).format(code=rng.randrange(100000, 999999))
        source = Address("ACME", Ton.ALPHANUMERIC, Npi.UNKNOWN)
    elif roll < 0.70:
        text = rng.choice(NOTICES).format(ref=rng.randrange(10**6, 10**7), day=rng.randrange(10, 28))
        source = Address(rng.choice(("ACME", "38123")), Ton.ALPHANUMERIC, Npi.UNKNOWN)
    elif roll < 0.92:
        text = rng.choice(CAMPAIGNS)
        source = Address("36123", Ton.NETWORK_SPECIFIC, Npi.UNKNOWN)
    else:
        sender, text = rng.choice(FRAUD)
        source = Address(sender, Ton.ALPHANUMERIC, Npi.UNKNOWN)
        if rng.random() < 0.25:
            dest = Address("88216" + str(rng.randrange(10**7, 10**8)), Ton.INTERNATIONAL, Npi.ISDN)
    if source.addr == "38123":
        source = Address("38123", Ton.NETWORK_SPECIFIC, Npi.UNKNOWN)
    return Message(account="demo", source=source, destination=dest, text=text)


def run(messages: int, recipients: int, seed: int = 7) -> dict[str, float]:
    rng = random.Random(seed)
    pool = [_mobile(rng) for _ in range(recipients)]
    batch = [_message(rng, pool) for _ in range(messages)]
    pipeline = Pipeline.from_config(ChecksConfig(), demo_account_policy())
    optouts, velocity, duplicates, phones = (
        InMemoryOptOutList(),
        VelocityState(),
        DuplicateState(),
        PhoneCache(),
    )
    start = START.timestamp()
    # The batch is the benchmark's fixture, not the gateway's: frozen out of the collector, so that
    # full collections do not traverse it (a long-running gateway freezes its start-up objects too).
    gc.collect()
    gc.freeze()
    rejected = 0
    wall, cpu = time.perf_counter(), time.process_time()
    for i, message in enumerate(batch):
        context = CheckContext(
            now=datetime.fromtimestamp(start + i / RATE, UTC),
            optouts=optouts,
            velocity=velocity,
            duplicates=duplicates,
            phones=phones,
        )
        if not pipeline.run(message, context).accepted:
            rejected += 1
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    gc.unfreeze()
    return {
        "messages": messages,
        "recipients": recipients,
        "us_per_message": cpu / messages * 1e6,
        "wall_us_per_message": wall / messages * 1e6,
        "rejected_share": rejected / messages,
        "phone_cache_hit_rate": phones.hits / max(1, phones.hits + phones.misses),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--messages", type=int, default=50_000)
    parser.add_argument("--recipients", type=int, default=5_000, help="distinct recipient pool size")
    args = parser.parse_args()
    run(2_000, 500, seed=1)  # warm-up: imports, compiled tables, tldextract snapshot
    result = run(args.messages, args.recipients)
    if args.json:
        print(json.dumps(result))
    else:
        print(
            f"checks pipeline: {result['us_per_message']:.1f} us/message of CPU "
            f"({result['wall_us_per_message']:.1f} wall) over {args.messages} messages "
            f"({args.recipients} recipients, phone cache hit rate {result['phone_cache_hit_rate']:.0%}, "
            f"{result['rejected_share']:.1%} rejected)"
        )


if __name__ == "__main__":
    main()
