"""The simulators' process-wide heap settings (a fresh interpreter: they are process-wide)."""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import gc
from simulators.cli import RUNNING_GC_THRESHOLD, settle_heap
before = gc.get_freeze_count()
settle_heap()
print(before, gc.get_freeze_count(), gc.get_threshold() == RUNNING_GC_THRESHOLD)
"""


def test_settle_heap_freezes_start_up_objects_and_raises_the_threshold() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=60, check=True
    )
    before, after, threshold_set = done.stdout.split()
    assert int(before) == 0
    assert int(after) > 10_000  # the modules and objects built while importing the simulators
    assert threshold_set == "True"
