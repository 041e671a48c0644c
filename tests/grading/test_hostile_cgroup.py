"""Memory and cores the run's cgroup bounds (hostile code-form submissions), graded end to
end beside an honest control on a slice of real Fashion-MNIST, with a 2,048 MiB limit per
run: ``memfd_hoard`` (5 x 1,000 MiB in memfd files, never mapped) is stopped at the limit
as a memory kill; ``tmpfs_hoard`` (files in /dev/shm and /tmp until writing fails) stops at
the sandbox's sized tmpfs and inside the limit; ``widen_affinity`` (every thread's mask
widened, two processes computing beside the training) stays on its one core, and its
CPU-seconds show no more than one core's worth."""

import os
import re

import pytest
from data_fixtures import write_fashion_slice
from grading_cli import grade_slice, records_by_submission
from project_paths import HOSTILE, ROOT

from harness.names import PACKAGE_ROOT

pytestmark = [
    pytest.mark.torch,
    pytest.mark.sandbox,
    pytest.mark.realdata,
    pytest.mark.needs("cgroup"),
    pytest.mark.needs("bubblewrap"),
]

MAX_BATCHES = 20
LIMIT_MIB = 2048
SUBMISSIONS = [
    ROOT / "submissions" / "torch_example",
    HOSTILE / "memfd_hoard",
    HOSTILE / "tmpfs_hoard",
    HOSTILE / "widen_affinity",
]


@pytest.fixture(scope="module")
def records(tmp_path_factory):
    data = write_fashion_slice(tmp_path_factory.mktemp("data"), train=2000, test=300)
    assignment = data / "assignment.toml"
    shipped = (PACKAGE_ROOT / "assignment.toml").read_text()
    assignment.write_text(
        re.sub(r"(?m)^memory_limit_mib = \d+", f"memory_limit_mib = {LIMIT_MIB}", shipped)
    )
    out = tmp_path_factory.mktemp("grades")
    done = grade_slice(
        SUBMISSIONS, data, out, "--max-batches", str(MAX_BATCHES), "--jobs", "1",
        "--assignment", str(assignment),
    )  # fmt: skip
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    return records_by_submission(out)


def test_honest_control_passes_in_its_cgroup(records):
    honest = records["torch_example"]
    assert honest["status"] == "passed", honest["reason"]
    assert honest["test_accuracy"] > 0.3 and honest["bounds"].startswith("cgroup v")
    assert f"memory {LIMIT_MIB} MiB" in honest["bounds"]
    assert honest["cpu_seconds"] > 0 and honest["examples_per_cpu_sec"] > 0


def test_memfd_hoard_is_a_memory_kill_at_the_limit(records):
    hoard = records["memfd_hoard"]
    assert hoard["status"] == "failed"
    assert hoard["reason"].startswith(f"exceeded the memory limit of {LIMIT_MIB} MiB"), hoard
    assert "5 x 1000 MiB held" not in hoard["output"]
    assert hoard["cgroup_peak_mib"] <= LIMIT_MIB


def test_tmpfs_hoard_stops_inside_the_limit(records):
    hoard = records["tmpfs_hoard"]
    stored = re.search(r"tmpfs_hoard: stored (\d+) MiB in all", hoard["output"])
    if hoard["status"] == "failed":  # killed by its cgroup before it finished
        assert hoard["reason"].startswith(f"exceeded the memory limit of {LIMIT_MIB} MiB")
    else:  # each private tmpfs is sized: writing failed there
        assert stored and int(stored[1]) <= LIMIT_MIB // 2, hoard["output"][-1000:]
    assert hoard["cgroup_peak_mib"] <= LIMIT_MIB


def test_widened_affinity_stays_on_the_cores_given(records):
    widened = records["widen_affinity"]
    said = re.search(r"widen_affinity: cpus \[([\d, ]+)\]", widened["output"])
    assert said is not None, widened["output"][-1000:]
    assert said[1].split(", ") == [str(min(os.sched_getaffinity(0)))]
    assert widened["status"] == "passed", widened["reason"]
    assert widened["cores_given"] == 1
    assert widened["cpu_seconds"] <= widened["train_seconds"] * 1.05
