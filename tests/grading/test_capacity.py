"""Runs at once and each run's memory from what the process may use (a container's limits),
and the refusal before any training when it cannot hold one run: on plain numbers, then
`grade` inside a real cgroup of 384 MiB made for the test (half Gradescope's default)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from project_paths import ROOT

from harness import host
from harness.config import Assignment
from harness.errors import HarnessError
from harness.grading import capacity


@pytest.fixture
def container(monkeypatch):
    def limit(cpus: int, mib: int | None):
        monkeypatch.setattr(host, "usable_cpus", lambda: cpus)
        monkeypatch.setattr(host, "usable_memory_bytes", lambda: mib << 20 if mib else None)
        monkeypatch.setattr(host, "memory_bytes", lambda: 64 << 30)

    return limit


def test_a_small_container_gets_one_run_with_its_memory(container):
    container(cpus=1, mib=2048)  # Gradescope at 2 GiB and 1 CPU, on a bigger host
    assert capacity.default_jobs(Assignment(), gpus=0) == 1
    assert capacity.run_memory_mib(Assignment(), jobs=1) == 2048 - 256


def test_runs_share_the_containers_memory_below_the_assignments_limit(container):
    container(cpus=4, mib=9000)
    assert capacity.run_memory_mib(Assignment(), jobs=4) == (9000 - 128 - 4 * 128) // 4
    container(cpus=4, mib=None)  # nothing known: the assignment's limit
    assert capacity.run_memory_mib(Assignment(), jobs=4) == 8192


def test_a_container_that_cannot_hold_one_run_is_refused_naming_the_figures(container):
    container(cpus=1, mib=512)
    limit = capacity.run_memory_mib(Assignment(), jobs=1)
    need = capacity.run_need_mib("torch", "fashion_mnist", 3000, 64)
    with pytest.raises(HarnessError) as refused:
        capacity.refuse_if_too_small({("torch", "fashion_mnist"): need}, limit, jobs=1)
    assert str(refused.value).startswith(
        "not enough memory to grade: this container allows 512 MiB (256 MiB kept for the "
        f"harness); a torch run of this assignment on fashion_mnist peaks at about {need:,} "
        "MiB; raise the autograder's memory"
    )
    capacity.refuse_if_too_small({("torch", "fashion_mnist"): need}, 8192, jobs=1)


def test_a_machine_whose_memory_is_unknown_is_refused_saying_so(container, monkeypatch):
    """No page count and no cgroup limit: the refusal says the memory is unknown."""
    container(cpus=1, mib=None)
    monkeypatch.setattr(host, "memory_bytes", lambda: None)
    need = capacity.run_need_mib("torch", "fashion_mnist", 3000, 64)
    with pytest.raises(HarnessError) as refused:
        capacity.refuse_if_too_small({("torch", "fashion_mnist"): need}, 100, jobs=1)
    assert str(refused.value).startswith(
        "not enough memory to grade: the memory it may use is unknown, so a run gets the "
        "assignment's 100 MiB (256 MiB kept for the harness); a torch run"
    )


def test_a_runs_need_grows_with_the_examples_it_is_streamed():
    small = capacity.run_need_mib("torch", "fashion_mnist", 20, 64)
    full = capacity.run_need_mib("torch", "fashion_mnist", 3000, 64)
    cifar = capacity.run_need_mib("torch", "cifar10", 3000, 64)
    assert small < full < cifar
    growth = capacity.DATA_GROWTH["torch"]
    assert full - small == round(3000 * 64 * 784 * growth / 2**20) - round(
        20 * 64 * 784 * growth / 2**20
    )


@pytest.mark.sandbox
@pytest.mark.needs("cgroup")
@pytest.mark.needs("fashion_mnist")
def test_grade_in_a_384_mib_cgroup_refuses_before_training(tmp_path):
    from harness.sandbox.cgroup import open_run_cgroup

    group = open_run_cgroup(384 << 20, ())
    try:
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "harness",
                "grade",
                str(ROOT / "submissions" / "torch_example"),
                "--datasets",
                "fashion_mnist",
                "--out",
                str(tmp_path / "out"),
            ],
            preexec_fn=group.join,
            capture_output=True,
            text=True,
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            timeout=300,
        )
    finally:
        group.remove()
    assert done.returncode != 0
    assert "not enough memory to grade: this container allows 384 MiB" in done.stderr
    assert "a torch run of this assignment on fashion_mnist peaks at about" in done.stderr
    assert not (tmp_path / "out" / ".work" / "jobs").exists()  # no run was started
