"""Fuzz the SMPP core for a bounded time: ``python -m tests.fuzz.run --seconds 60``.

With atheris installed (the ``fuzz`` extra) the run is coverage-guided: libFuzzer mutates the corpus in
``tests/fuzz/corpus`` and writes back into it the inputs that reach new code (only those, so it grows
by tens of small files per run; commit them and ``make test`` replays them for ever after,
tests/unit/test_fuzz_corpus.py). An input that breaks the invariant of ``targets.check`` is written to
``tests/fuzz/crashes/`` and the run fails: fix the bug, then move the input into the corpus. Without
atheris, Hypothesis generates and mutates inputs for the same time (not coverage-guided, same invariant).

libFuzzer ends its process when it is done, so it runs in a child process of this one.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "corpus"
CRASHES = HERE / "crashes"


def _atheris_child(seconds: int) -> None:
    import atheris

    with atheris.instrument_imports():  # the core is imported here first, so it is instrumented
        from tests.fuzz.targets import check

    CRASHES.mkdir(exist_ok=True)
    flags = [f"-max_total_time={seconds}", f"-artifact_prefix={CRASHES}/", "-max_len=2048", str(CORPUS)]
    atheris.Setup([sys.argv[0], *flags], check)
    atheris.Fuzz()


def _run_atheris(seconds: int) -> int:
    before = len(list(CORPUS.iterdir()))
    child = [sys.executable, "-m", "tests.fuzz.run", "--child", "--seconds", str(seconds)]
    fuzz = subprocess.run(child, check=False)
    if fuzz.returncode != 0:
        print(f"fuzz: the invariant broke; the input is in {CRASHES}", file=sys.stderr)
        return fuzz.returncode
    added = len(list(CORPUS.iterdir())) - before
    print(f"fuzz: {seconds} s with atheris, {added} new corpus inputs in {CORPUS}")
    return 0


def _run_hypothesis(seconds: int) -> int:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from tests.fuzz.targets import check

    seeds = [path.read_bytes() for path in sorted(CORPUS.iterdir())]

    @st.composite
    def mutated(draw: st.DrawFn) -> bytes:
        data = bytearray(draw(st.sampled_from(seeds)))
        for _ in range(draw(st.integers(0, 8))):
            if not data:
                break
            where = draw(st.integers(0, len(data) - 1))
            data[where] = draw(st.integers(0, 255))
        cut = draw(st.integers(0, len(data)))
        return bytes(data[:cut]) + draw(st.binary(max_size=64))

    @settings(max_examples=2000, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(st.one_of(st.binary(max_size=512), mutated()))
    def round_(data: bytes) -> None:
        try:
            check(data)
        except Exception:
            CRASHES.mkdir(exist_ok=True)
            (CRASHES / f"crash-{abs(hash(data)):x}").write_bytes(data)
            raise

    deadline, rounds = time.monotonic() + seconds, 0
    while time.monotonic() < deadline:
        round_()
        rounds += 1
    print(f"fuzz: {seconds} s with hypothesis, {rounds * 2000} inputs")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--engine", choices=["auto", "atheris", "hypothesis"], default="auto")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _atheris_child(args.seconds)
        return 0
    engine = args.engine
    if engine == "auto":
        engine = "atheris" if importlib.util.find_spec("atheris") is not None else "hypothesis"
    with contextlib.suppress(KeyboardInterrupt):
        return _run_atheris(args.seconds) if engine == "atheris" else _run_hypothesis(args.seconds)
    return 130


if __name__ == "__main__":
    raise SystemExit(main())
