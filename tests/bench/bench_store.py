"""Writer throughput on an empty store and on a store that already holds millions of records.

    .venv/bin/python -m tests.bench.bench_store [--json] [--records 5000000] [--messages 100000]

Each message of the workload is what the gateway writes for one accepted submit: its MessageRecord
and its IdMapping, plus the receipt update of a message submitted a little earlier. Operations are
built before the clock starts and appended in slices (a producer that never waits), then one barrier
marks the end: the time is the writer thread's, group commit included. The first tenth of each run
warms the connection's cache and is not timed. Runs alternate between the stores; the best of each
is compared (other processes only ever slow a run down), and CPU time per operation is reported too,
the steadier figure on a shared machine. The target (issue "flat cost
as data grows"): the store with 5 million records within 10% of the empty one.

The big store is built directly in SQL (a recursive CTE feeding INSERT ... SELECT) with keys laid out
as the live ones are: gateway ids and times older than the workload's, carrier ids spread over the
whole key space (``--carrier-ids random``: new ids land anywhere in the primary key, the worst case)
or increasing (``sequential``: carriers that number their messages). Everything lives in a temp dir.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import sqlite3
import statistics
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from smpp_gateway.config import StoreConfig
from smpp_gateway.records import StoreWriter
from smpp_gateway.store import IdMapping, MessageRecord, ReceiptUpdate, WriteOp
from smpp_gateway.store import sqlite_schema as schema
from smpp_gateway.store.sqlite import SqliteStore

OLD_MS = 0x018F00000000  # the start time (ms) in the ids of the pre-existing records
SLICE = 1000  # operations appended per loop turn
RECEIPT_LAG = 1000  # a message's receipt arrives this many messages later
# Share of each run written before the clock starts: a running gateway has its page cache warm (the
# index tails, the current mapping epoch); a freshly opened connection has not.
WARMUP = 0.1

_BUILD_MESSAGES = """
INSERT INTO messages (gateway_id, account, received_at, source, destination, source_ton, source_npi,
    outcome, status, reasons, parts, message_class, is_probe, route, carrier, carrier_message_id,
    sent_source, sent_source_ton, sent_source_npi, carrier_status, timed_out, submit_latency, attempts,
    submitted_at, receipt_state, receipt_at, receipt_latency)
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < :count - 1)
SELECT printf('%012x%04x%08x', :old_ms, 1, i), 'demo', 1.0e9 + i * 0.01, 'ACME', printf('336%08d', i),
    5, 0, 'accepted', 0, '[]', 1, 'transactional', 0, 'fr-direct', 'direct', {carrier_id},
    'ACME', 5, 0, 0, 0, 0.05, 1, 1.0e9 + i * 0.01 + 0.05, 2, 1.0e9 + i * 0.01 + 5, 5.0
FROM n
"""

_BUILD_MAPPINGS = """
INSERT INTO id_mappings (gateway_id, carrier, carrier_message_id, account, route, submitted_at,
    registered_delivery, source, destination, part_index, part_count, is_probe, lookup_key)
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < :count - 1)
SELECT printf('%012x%04x%08x', :old_ms, 1, i), 'direct', {carrier_id}, 'demo', 'fr-direct',
    1.0e9 + i * 0.01 + 0.05, 1, 'ACME', printf('336%08d', i), 1, 1, 0,
    (i / :epoch) << 32 | carrier_hash('direct', {carrier_id})
FROM n
"""

# Carrier ids as normalize_carrier_id() leaves them (no leading zero, lower case): spread evenly over
# the hex key space (random mode, so the UUIDs of the workload land anywhere) or a counter.
_CARRIER_IDS = {
    "random": "printf('%x%08x', i * 4294967295 / :count, i)",
    "sequential": "printf('%d', 1000000000000000000 + i)",
}


def build_store(path: Path, records: int, carrier_ids: str) -> float:
    """Create the schema and fill it with ``records`` messages and mappings; return seconds taken."""
    SqliteStore(path).close()
    started = time.perf_counter()
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = OFF")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -1048576")
    conn.create_function("carrier_hash", 2, schema.carrier_hash, deterministic=True)
    conn.execute("BEGIN")
    params = {"count": records, "old_ms": OLD_MS, "epoch": schema.MAPPING_EPOCH}
    for template in (_BUILD_MESSAGES, _BUILD_MAPPINGS):
        conn.execute(template.format(carrier_id=_CARRIER_IDS[carrier_ids]), params)
    conn.execute("COMMIT")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.close()
    return time.perf_counter() - started


def workload(messages: int, run: int, carrier_ids: str) -> list[WriteOp]:
    prefix = f"{OLD_MS + 1_000_000 * (run + 1):012x}{os.getpid() & 0xFFFF:04x}"
    now = 2.0e9 + run * 1e6
    ops: list[WriteOp] = []
    for i in range(messages):
        gateway_id = f"{prefix}{i:08x}"
        carrier_id = uuid.uuid4().hex if carrier_ids == "random" else str(2 * 10**18 + 10**15 * run + i)
        at = now + i * 0.001
        ops.append(
            MessageRecord(
                gateway_id=gateway_id, account="demo", received_at=at, source="ACME", source_ton=5,
                destination=f"336{i:08d}", route="fr-direct", carrier="direct", carrier_message_id=carrier_id,
                sent_source="ACME", sent_source_ton=5, carrier_status=0, submit_latency=0.05, attempts=1,
                submitted_at=at + 0.05, message_class="transactional",
            )
        )  # fmt: skip
        ops.append(
            IdMapping(
                gateway_id=gateway_id, carrier="direct", carrier_message_id=carrier_id, account="demo",
                route="fr-direct", submitted_at=at + 0.05, registered_delivery=1, source="ACME",
                destination=f"336{i:08d}",
            )
        )  # fmt: skip
        if i >= RECEIPT_LAG:
            earlier = f"{prefix}{i - RECEIPT_LAG:08x}"
            ops.append(ReceiptUpdate(gateway_id=earlier, receipt_state=2, receipt_at=at, receipt_latency=1.0))
    return ops


async def measure(path: Path, ops: list[WriteOp], cache_mib: int) -> tuple[float, float]:
    """Operations per second (wall clock) and CPU microseconds per operation through a StoreWriter.

    The CPU figure (both threads) is the steadier one on a shared machine: other processes steal wall
    time, not this process's CPU time."""
    store = SqliteStore(path, cache_mib=cache_mib)
    writer = StoreWriter(store, max_backlog=len(ops) + 1)
    writer.start(asyncio.get_running_loop())
    warmup = int(len(ops) * WARMUP)
    await produce(writer, ops[:warmup])
    gc.collect()
    gc.freeze()  # the prepared operations are not garbage: keep full collections from walking them
    started, cpu_started = time.perf_counter(), time.process_time()
    await produce(writer, ops[warmup:])
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    gc.unfreeze()
    await writer.close(timeout=60)
    store.close()
    return (len(ops) - warmup) / elapsed, cpu * 1e6 / (len(ops) - warmup)


async def produce(writer: StoreWriter, ops: list[WriteOp]) -> None:
    """Append ``ops`` a slice per loop turn, as the gateway would, and wait for them to be committed."""
    for offset in range(0, len(ops), SLICE):
        for op in ops[offset : offset + SLICE]:
            writer.append(op)
        await asyncio.sleep(0)
    await writer.barrier()


@dataclass(frozen=True, slots=True)
class Side:
    """Runs on one store: ops/s per run (wall clock) and CPU microseconds per operation."""

    rates: list[float]
    cpu_us: list[float]

    @property
    def best(self) -> float:  # other processes only ever slow a run down
        return max(self.rates)

    def summary(self, ops_per_message: float) -> dict[str, object]:
        return {
            "ops_per_s": round(self.best),
            "messages_per_s": round(self.best / ops_per_message),
            "ops_per_s_median": round(statistics.median(self.rates)),
            "cpu_us_per_op": round(min(self.cpu_us), 2),
            "runs_ops_per_s": [round(rate) for rate in self.rates],
        }


async def run(args: argparse.Namespace) -> dict[str, object]:
    sides = {"empty": Side([], []), "full": Side([], [])}
    with tempfile.TemporaryDirectory(prefix="bench_store_") as tmp:
        big = args.big or Path(tmp) / "big.sqlite"
        build_seconds = 0.0 if big.exists() else build_store(big, args.records, args.carrier_ids)
        for rep in range(args.repeat):  # interleaved, so a noisy moment hits both sides
            ops = workload(args.messages, rep, args.carrier_ids)
            empty = Path(tmp) / f"empty{rep}.sqlite"
            for side, path in ((sides["empty"], empty), (sides["full"], big)):
                rate, cpu = await measure(path, ops, args.cache_mib)
                side.rates.append(rate)
                side.cpu_us.append(cpu)
            empty.unlink()
            del ops
        size = big.stat().st_size
    ops_per_message = 3 - RECEIPT_LAG / args.messages
    ratio = sides["full"].best / sides["empty"].best
    return {
        "records": args.records,
        "messages_per_run": args.messages,
        "operations_per_message": round(ops_per_message, 3),
        "carrier_ids": args.carrier_ids,
        "build_seconds": round(build_seconds, 1),
        "big_store_gib": round(size / 2**30, 2),
        "empty": sides["empty"].summary(ops_per_message),
        "full": sides["full"].summary(ops_per_message),
        "full_vs_empty": round(ratio, 3),
        "full_vs_empty_cpu": round(min(sides["empty"].cpu_us) / min(sides["full"].cpu_us), 3),
        "within_10_percent": ratio >= 0.9,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--records", type=int, default=5_000_000, help="records in the big store")
    parser.add_argument("--messages", type=int, default=100_000, help="messages per measured run")
    parser.add_argument("--repeat", type=int, default=3, help="runs per store (the best is compared)")
    parser.add_argument("--carrier-ids", choices=sorted(_CARRIER_IDS), default="random")
    parser.add_argument(
        "--cache-mib",
        type=int,
        default=StoreConfig.model_fields["cache_mib"].default,
        help="SQLite page cache per connection (default: the gateway's, store.cache_mib)",
    )
    parser.add_argument(
        "--big", type=Path, help="keep the big store in this file and reuse it if it exists (default: temp)"
    )
    args = parser.parse_args()
    result = asyncio.run(run(args))
    if args.json:
        print(json.dumps(result))
        return
    print(
        f"big store: {args.records:,} records + mappings ({args.carrier_ids} carrier ids), "
        f"{result['big_store_gib']} GiB, built in {result['build_seconds']} s"
    )
    for label in ("empty", "full"):
        side = cast(dict[str, Any], result[label])
        print(
            f"{label:>5}: {side['ops_per_s']:>9,} ops/s {side['messages_per_s']:>9,} messages/s "
            f"{side['cpu_us_per_op']:>6} CPU us/op   runs {side['runs_ops_per_s']}"
        )
    verdict = "OK" if result["within_10_percent"] else "MISSED"
    print(
        f"full/empty: {result['full_vs_empty']} (best ops/s), {result['full_vs_empty_cpu']} (CPU per op); "
        f"target >= 0.9: {verdict}"
    )


if __name__ == "__main__":
    main()
