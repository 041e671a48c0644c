"""Throughput that holds under contention: graded per CPU-second of the run's process tree
(the kernel's figure), not per second of a clock that the machine's other work moves.

- the identical network graded in a container of one CPU (a CPU quota cgroup made for the
  test) on a host with more cores lands within 0.9-1.1x of its bar;
- two identical networks graded side by side (``--jobs 2``) while another process loads
  every core on and off get points within 0.1 of each other.

Both are real gradings of real Fashion-MNIST (a slice) and take minutes: slow tier.
"""

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from data_fixtures import write_fashion_slice
from grading_cli import grade_slice, records_by_submission
from project_paths import SUBMISSIONS

pytestmark = [pytest.mark.torch, pytest.mark.sandbox, pytest.mark.realdata, pytest.mark.slow]

MAX_BATCHES = 60
# a network whose throughput lands inside the rubric's ramp (between no and full credit),
# so that a difference in its rate is a difference in points
RAMP_NETWORK = "four_extra_conv"
LOADER = """
import os, sys, time
def spin(seconds):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass
for core in range(os.cpu_count()):
    if os.fork() == 0:
        while True:
            spin(1.0)   # load on ...
            time.sleep(1.0)   # ... and off
time.sleep(10**6)
"""


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    return write_fashion_slice(tmp_path_factory.mktemp("data"), train=4000, test=500)


def grade(submissions, data, out, jobs=None, preexec_fn=None):
    options = ["--max-batches", str(MAX_BATCHES)] + (["--jobs", str(jobs)] if jobs else [])
    done = grade_slice(submissions, data, out, *options, timeout=1800, preexec_fn=preexec_fn)
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    return done.stdout + done.stderr, records_by_submission(out)


def graded_ratio(record: dict) -> float:
    assert record["throughput_basis"] == "cpu", record["bounds"]
    return record["examples_per_cpu_sec"] / record["reference_examples_per_sec"]


@pytest.mark.needs("cgroup")
@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="needs a host of 2 or more cores")
def test_the_identical_network_in_a_one_cpu_container_lands_on_its_bar(data, tmp_path):
    quota = _one_cpu_quota()
    try:
        said, records = grade(
            [SUBMISSIONS / "original"],
            data,
            tmp_path / "out",
            preexec_fn=lambda: (quota / "cgroup.procs").write_text(str(os.getpid())),
        )
    finally:
        quota.rmdir()
    assert "1 run(s) at once" in said  # the container's one CPU, not the host's cores
    identical = records["original"]
    assert identical["status"] == "passed", identical["reason"]
    assert 0.9 <= graded_ratio(identical) <= 1.1, identical["score_breakdown"]


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="needs 2 cores for --jobs 2")
def test_identical_networks_graded_together_under_load_get_the_same_points(data, tmp_path):
    twins = []
    for name in ("twin_a", "twin_b"):
        shutil.copytree(SUBMISSIONS / RAMP_NETWORK, tmp_path / "class" / name)
        twins.append(tmp_path / "class" / name)
    loader = subprocess.Popen([sys.executable, "-c", LOADER], start_new_session=True)
    try:
        said, records = grade(twins, data, tmp_path / "out", jobs=2)
    finally:
        os.killpg(loader.pid, 9)
        loader.wait()
    a, b = records["twin_a"], records["twin_b"]
    assert a["status"] == b["status"] == "passed", (a["reason"], b["reason"], said[-3000:])
    assert a["test_accuracy"] == b["test_accuracy"]
    assert 0 < a["score_breakdown"]["throughput"] < 2  # inside the ramp: rates count
    assert abs(a["score"] - b["score"]) <= 0.1, (a["score_breakdown"], b["score_breakdown"])


def _one_cpu_quota() -> Path:
    """A cgroup of one CPU's quota under ours (v1 cpu controller, or v2 cpu.max)."""
    from harness.host import cgroup_hierarchies

    for hierarchy in cgroup_hierarchies():
        if hierarchy.version == 1 and "cpu" in hierarchy.controllers:
            folder = Path(tempfile.mkdtemp(prefix="harness-test-1cpu-", dir=hierarchy.directory))
            (folder / "cpu.cfs_period_us").write_text("100000")
            (folder / "cpu.cfs_quota_us").write_text("100000")
            return folder
        if hierarchy.version == 2 and "cpu" in hierarchy.controllers:
            folder = Path(tempfile.mkdtemp(prefix="harness-test-1cpu-", dir=hierarchy.directory))
            (folder / "cpu.max").write_text("100000 100000")
            return folder
    pytest.skip("needs cgroup: no cpu controller to set a quota with")
