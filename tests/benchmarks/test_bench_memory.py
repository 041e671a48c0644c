"""The class suite's memory figure: the peak of a whole process tree, grandchildren included."""

import subprocess
import sys
import time

import pytest

from harness.benchmarks import class_grading
from harness.benchmarks.memory import TreeMemory, process_bytes, tree_pids

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")

# A child that starts a grandchild holding 200 MiB of touched memory, then both wait.
HOLDER = (
    "import subprocess, sys, time; "
    "subprocess.Popen([sys.executable, '-c', "
    "'import time; block = bytearray(200 << 20); print(1, flush=True); time.sleep(30)'],"
    " stdout=sys.stdout); time.sleep(30)"
)


def test_peak_counts_memory_a_grandchild_holds():
    with subprocess.Popen([sys.executable, "-c", HOLDER], stdout=subprocess.PIPE) as tree:
        try:
            assert tree.stdout.readline().strip() == b"1"  # the block is allocated
            memory = TreeMemory(tree.pid, interval=0.05).start()
            time.sleep(0.3)
            pids = tree_pids(tree.pid)
            peak = memory.stop()
        finally:
            subprocess.run(["pkill", "-KILL", "-P", str(tree.pid)], check=False)
            tree.kill()
    assert len(pids) == 2 and tree.pid in pids
    # The block once, plus two small interpreters: shared pages are not counted twice.
    assert 200 << 20 <= peak < 300 << 20


def test_a_process_that_is_gone_weighs_nothing():
    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert process_bytes(int(done.stdout)) == 0


def test_class_table_shows_the_peak_memory_of_each_grading():
    grading = class_grading.summarise([], jobs=2, wall=10.0)
    grading["peak_memory_bytes"] = 3 << 30
    header, _, row = class_grading.class_tables([grading]).splitlines()[:3]
    cells = dict(
        zip(
            [c.strip() for c in header.split("|")],
            [c.strip() for c in row.split("|")],
            strict=True,
        )
    )
    assert cells["peak memory MiB"] == "3,072"
