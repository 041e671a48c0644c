"""Grading through a real two-node Ray cluster started on this machine.

The runs train with torch in the sandbox on the cluster's nodes, so this module is in the
torch group though this process imports neither torch nor Ray (the cluster runs in a child
process, see :mod:`harness.cluster.local`).
"""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from data_fixtures import write_fashion_slice
from project_paths import ROOT
from project_paths import SUBMISSIONS as EXAMPLES

from harness.cluster.local import local_cluster

pytestmark = [
    pytest.mark.torch,
    pytest.mark.sandbox,
    pytest.mark.realdata,
    pytest.mark.needs("ray"),
]

SUBMISSIONS = [EXAMPLES / "torch_example"]
ENV = {**os.environ, "OMP_NUM_THREADS": "1"}
# What may differ between two gradings of the same inputs: the clock and the machine.
CLOCK_AND_PLACE = {
    "examples_per_sec",
    "warmup_seconds",
    "reference_examples_per_sec",
    "score_breakdown",
    "wall_seconds",
    "train_seconds",
    "finished_at",
    "node",
    "score",
    "throughput_bar",
    "throughput_samples",
    "throughput_spread",
    # what the kernel accounted to the run, and what bounded it on that machine
    "cpu_seconds",
    "examples_per_cpu_sec",
    "cgroup_peak_mib",
    "working_peak_mib",
    "resident_peak_mib",
    "bounds",
    "interval",  # its throughput ratio follows the clock
    "cores_given",  # cluster runs are placed by Ray, not pinned to a core
    "memory_peak_mib",
    "seed_runs",  # compared by accuracy below
}


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    return write_fashion_slice(tmp_path_factory.mktemp("data"), train=1500, test=300)


@pytest.fixture(scope="module")
def cluster():
    with local_cluster() as running:
        yield running


def _argv(data_dir: Path, out: Path, *extra: str, batches: int = 30) -> list[str]:
    return [
        sys.executable,
        "-m",
        "harness",
        "grade",
        *map(str, SUBMISSIONS),
        "--datasets",
        "fashion_mnist",
        "--frameworks",
        "torch",
        "--data-dir",
        str(data_dir),
        "--allow-unverified",
        "--max-batches",
        str(batches),
        "--out",
        str(out),
        *extra,
    ]


def _grade(argv: list[str]) -> dict[str, dict]:
    done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=600, env=ENV)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    out = Path(argv[argv.index("--out") + 1])
    return {r["submission"]: r for r in json.loads((out / "results.json").read_text())}


def _without_clock(record: dict) -> dict:
    return {k: v for k, v in record.items() if k not in CLOCK_AND_PLACE}


def _seed_accuracies(record: dict) -> list[tuple]:
    return [(s["seed"], s["status"], s["test_accuracy"]) for s in record.get("seed_runs", [])]


def test_a_class_graded_on_the_cluster_equals_local_grading(cluster, data_dir, tmp_path):
    remote = _grade(_argv(data_dir, tmp_path / "cluster", "--cluster", cluster.address))
    local = _grade(_argv(data_dir, tmp_path / "local"))
    assert sorted(remote) == ["reference:original", "torch_example"]
    for name, record in remote.items():
        assert record["status"] == "passed", record["reason"]
        assert _without_clock(record) == _without_clock(local[name])
        assert _seed_accuracies(record) == _seed_accuracies(local[name])
        assert record["node"] != local[name]["node"]  # names the Ray node, not just the host
        assert record["score_breakdown"].get("accuracy") == local[name]["score_breakdown"].get(
            "accuracy"
        )


def _raylet_running_a_worker(raylets: list[int]) -> int | None:
    """The pid, of ``raylets``, of one with a sandboxed worker among its descendants."""
    found = subprocess.run(["pgrep", "-f", "harness.worker"], capture_output=True, text=True)
    for pid in map(int, found.stdout.split()):
        hit = set(_ancestors(pid)) & set(raylets)
        if hit:
            return hit.pop()
    return None


def _ancestors(pid: int) -> list[int]:
    found = []
    while pid > 1:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            break
        pid = int(stat.rsplit(")", 1)[1].split()[1])
        found.append(pid)
    return found


def test_a_node_killed_mid_run_is_survived(data_dir, tmp_path):
    out = tmp_path / "grades"
    with local_cluster() as running:
        grading = subprocess.Popen(
            _argv(data_dir, out, "--cluster", running.address, batches=150),
            cwd=ROOT,
            env=ENV,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline, victim = time.monotonic() + 300, None
        while victim is None and time.monotonic() < deadline and grading.poll() is None:
            victim = _raylet_running_a_worker(running.raylet_pids)
            time.sleep(0.2)
        assert victim is not None, "no run started on a node"
        os.kill(victim, signal.SIGKILL)
        assert grading.wait(timeout=600) == 0
    records = {r["submission"]: r for r in json.loads((out / "results.json").read_text())}
    assert len(records) == 2
    for record in records.values():  # the run on the lost node ran again on the other
        assert record["status"] == "passed", record["reason"]


@pytest.mark.needs("fashion_mnist")  # Debian's labels are readable: no uid sandbox either
def test_nodes_without_a_sandbox_run_unisolated_only_when_the_user_accepted(
    data_dir, tmp_path, monkeypatch
):
    monkeypatch.setenv("HARNESS_NO_BWRAP", "1")  # the nodes', not this head's
    with local_cluster() as running:
        refused = subprocess.run(
            _argv(data_dir, tmp_path / "refused", "--cluster", running.address),
            cwd=ROOT,
            env=ENV,
            timeout=600,
            capture_output=True,
            text=True,
        )
        accepted = _grade(
            _argv(
                data_dir, tmp_path / "accepted", "--cluster", running.address, "--allow-unisolated"
            )
        )
    assert refused.returncode == 3  # no sandbox on the nodes: the grading's failure
    for record in json.loads((tmp_path / "refused" / "results.json").read_text()):
        assert record["status"] == "error" and "no working sandbox" in record["reason"]
    for record in accepted.values():
        assert record["status"] == "passed", record["reason"]
        assert (record["isolation"], record["unisolated_allowed"]) == ("none", "--allow-unisolated")
