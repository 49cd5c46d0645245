"""Benchmark of the default checks pipeline (demo account) on a realistic traffic mix.

    .venv/bin/python -m tests.bench.bench_checks [--json] [--messages N] [--recipients N]
    .venv/bin/python -m tests.bench.bench_checks --memory [--messages N] [--rate R]
    .venv/bin/python -m tests.bench.bench_checks --instructions [--messages N] [--recipients N]

The figure is CPU time per message (process_time: what the checks cost, even on a busy host);
wall time is reported alongside. The mix: OTP codes (each text distinct), transactional notices
with the account's link, marketing campaigns from the 36xxx short code (one text to many
recipients), and a tail of fraud (spoofed senders, phishing links, high-cost destinations).
Recipients are drawn from a pool: repeat recipients hit the phone-number cache, as OTP users and
customers do; ``--recipients`` equal to ``--messages`` approximates a cold cache (every number
new). The collector runs with the thresholds ``smpp-gateway run`` sets (``--default-collector``
keeps the interpreter's: about 0.6 us a message more). Target: < 15 us per message (see
docs/checks.md, Performance).

``--memory`` measures the checks' state instead: the mix is sent to distinct sequential recipients
(33610000001, 33610000002, ..., as the end-to-end load generator numbers them) at ``--rate``
simulated messages a second, and tracemalloc reports what each checks module holds at the end.

``--instructions`` counts the pipeline's instructions per message with valgrind (``instructions``):
steady where CPU time drifts with the host's load.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import re
import subprocess
import sys
import time
from datetime import UTC, datetime

from smpp_gateway.checks import CheckContext, ChecksConfig, Pipeline, RuleSettings, demo_account_policy
from smpp_gateway.checks.duplicate import DuplicateState
from smpp_gateway.checks.numbers import PhoneCache
from smpp_gateway.checks.optout import InMemoryOptOutList
from smpp_gateway.checks.velocity import VelocityState
from smpp_gateway.message import Address, Message
from smpp_gateway.runtime import RUNNING_GC_THRESHOLD
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


def run(
    messages: int, recipients: int, seed: int = 7, gateway_collector: bool = True, measure: bool = True
) -> dict[str, float]:
    rng = random.Random(seed)
    pool = [_mobile(rng) for _ in range(recipients)]
    batch = [_message(rng, pool) for _ in range(messages)]
    return _measure(batch, RATE, gateway_collector) if measure else {}


def instructions(messages: int, recipients: int) -> float:
    """The pipeline's instructions per message, counted by callgrind: this benchmark run twice, once
    measuring ``messages`` and once only building them (the interpreter's collector, fixed hashes),
    the difference over ``messages``. Identical runs agree within about 1%."""
    counts = []
    for build_only in (False, True):
        command = [
            "valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
            sys.executable, "-m", "tests.bench.bench_checks", "--default-collector",
            "--messages", str(messages), "--recipients", str(recipients),
        ] + (["--build-only"] if build_only else [])  # fmt: skip
        done = subprocess.run(
            command, capture_output=True, text=True, env={**os.environ, "PYTHONHASHSEED": "0"}, check=True
        )
        found = re.search(r"I\s+refs:\s+([\d,]+)", done.stderr)
        if found is None:
            raise RuntimeError(f"no instruction count in valgrind's output: {done.stderr[-500:]}")
        counts.append(int(found.group(1).replace(",", "")))
    return (counts[0] - counts[1]) / messages


def _measure(batch: list[Message], rate: float, gateway_collector: bool = True) -> dict[str, float]:
    messages = len(batch)
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
    thresholds = gc.get_threshold()
    if gateway_collector:  # as `smpp-gateway run` sets it (runtime.RUNNING_GC_THRESHOLD)
        gc.set_threshold(*RUNNING_GC_THRESHOLD)
    rejected = 0
    wall, cpu = time.perf_counter(), time.process_time()
    for i, message in enumerate(batch):
        context = CheckContext(
            now=datetime.fromtimestamp(start + i / rate, UTC),
            optouts=optouts,
            velocity=velocity,
            duplicates=duplicates,
            phones=phones,
        )
        if not pipeline.run(message, context).accepted:
            rejected += 1
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    gc.set_threshold(*thresholds)
    gc.unfreeze()
    return {
        "messages": messages,
        "recipients": len({message.destination.addr for message in batch}),  # distinct
        "us_per_message": cpu / messages * 1e6,
        "wall_us_per_message": wall / messages * 1e6,
        "rejected_share": rejected / messages,
        "phone_cache_hit_rate": phones.hits / max(1, phones.hits + phones.misses),
    }


def memory(messages: int, rate: float, seed: int = 7) -> dict[str, float]:
    """MB that each checks module holds after ``messages`` to distinct sequential recipients."""
    import tracemalloc

    rng = random.Random(seed)
    pool = [f"3361{n:07d}" for n in range(1, messages + 1)]
    batch = [_message(rng, pool[i : i + 1]) for i in range(messages)]
    # As the end-to-end benchmark's account (bench_gateway): sequential numbers are no AIT there, so
    # every counter records every message (the worst case for memory).
    lenient = {
        rule: RuleSettings(threshold=100_000_000) for rule in ("velocity.burst", "velocity.sequential")
    }
    policy = demo_account_policy().model_copy(update={"rules": lenient})
    pipeline = Pipeline.from_config(ChecksConfig(), policy)
    state = (InMemoryOptOutList(), VelocityState(), DuplicateState(), PhoneCache())
    start = START.timestamp()
    tracemalloc.start()
    for i, message in enumerate(batch):
        context = CheckContext(
            now=datetime.fromtimestamp(start + i / rate, UTC),
            optouts=state[0],
            velocity=state[1],
            duplicates=state[2],
            phones=state[3],
        )
        pipeline.run(message, context)
    del batch, context, message  # the fixture and the last message are not the checks' state
    gc.collect()
    snapshot = tracemalloc.take_snapshot()
    tracemalloc.stop()
    result: dict[str, float] = {}
    for stat in snapshot.statistics("filename"):
        name = stat.traceback[0].filename
        if "/smpp_gateway/checks/" in name:
            result[name.rsplit("/", 1)[1]] = round(stat.size / 1e6, 1)
    return {"checks_total": round(sum(result.values()), 1), **result}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--messages", type=int, help="50 000 (200 000 with --memory)")
    parser.add_argument("--recipients", type=int, default=5_000, help="distinct recipient pool size")
    parser.add_argument("--memory", action="store_true", help="MB held by the checks' state")
    parser.add_argument(
        "--default-collector",
        action="store_true",
        help="keep the interpreter's collector thresholds (default: the running gateway's)",
    )
    parser.add_argument("--rate", type=float, default=1_000.0, help="simulated msg/s (--memory)")
    parser.add_argument(
        "--instructions", action="store_true", help="instructions per message under valgrind (callgrind)"
    )
    parser.add_argument(
        "--build-only", action="store_true", help=argparse.SUPPRESS
    )  # --instructions' baseline
    args = parser.parse_args()
    if args.instructions:
        count = instructions(args.messages or 5_000, args.recipients)
        print(
            json.dumps({"instructions_per_message": round(count)})
            if args.json
            else f"{count:,.0f} instructions/message"
        )
        return
    if args.memory:
        figures = memory(args.messages or 200_000, args.rate)
        print(json.dumps(figures) if args.json else "\n".join(f"{k}: {v} MB" for k, v in figures.items()))
        return
    run(2_000, 500, seed=1)  # warm-up: imports, compiled tables, tldextract snapshot
    messages = args.messages or 50_000
    result = run(messages, args.recipients, not args.default_collector, measure=not args.build_only)
    if args.build_only:
        return
    if args.json:
        print(json.dumps(result))
    else:
        print(
            f"checks pipeline: {result['us_per_message']:.1f} us/message of CPU "
            f"({result['wall_us_per_message']:.1f} wall) over {messages} messages "
            f"({args.recipients} recipients, phone cache hit rate {result['phone_cache_hit_rate']:.0%}, "
            f"{result['rejected_share']:.1%} rejected)"
        )


if __name__ == "__main__":
    main()
