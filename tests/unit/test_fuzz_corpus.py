"""Replays every input of the fuzz corpus (tests/fuzz/corpus: seeds plus what the fuzzer found) through
the invariant of tests/fuzz/targets.py: decode and FrameBuffer give a PDU or an SmppError, the same
frames whatever the chunking, and a Session fed the bytes raises nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fuzz.targets import check

CORPUS = Path(__file__).resolve().parents[1] / "fuzz" / "corpus"
INPUTS = sorted(CORPUS.iterdir())


def test_the_corpus_is_there() -> None:
    assert len(INPUTS) >= 10


@pytest.mark.parametrize("path", INPUTS, ids=lambda path: path.name[:12])
def test_corpus_input_keeps_the_invariant(path: Path) -> None:
    check(path.read_bytes())
