"""The collector settings of the running gateway and simulators (a fresh interpreter each: they are
process-wide)."""

from __future__ import annotations

import subprocess
import sys

import pytest

PROBE = """
import gc
from smpp_gateway.heap import settle_heap
from {module} import RUNNING_GC_THRESHOLD
before = gc.get_freeze_count()
settle_heap(RUNNING_GC_THRESHOLD)
print(before, gc.get_freeze_count(), gc.get_threshold() == RUNNING_GC_THRESHOLD, RUNNING_GC_THRESHOLD[0])
"""


@pytest.mark.parametrize("module", ["smpp_gateway.runtime", "simulators.cli"])
def test_settle_heap_freezes_start_up_objects_and_makes_collections_rare(module: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(module=module)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    before, after, threshold_set, generation_0 = done.stdout.split()
    assert int(before) == 0
    assert int(after) > 10_000  # the modules and objects built while importing
    assert threshold_set == "True"
    assert int(generation_0) >= 10_000  # far above the default 700
