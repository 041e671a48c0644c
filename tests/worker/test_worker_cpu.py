"""The parent's CPU figures of a run: the kernel's CPU-seconds over the clock's window,
examples per CPU-second, and a run that computed on more cores than it was given failed
with the figures (plain numbers; the sandbox tests measure real trees)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from harness.worker.messages import Report
from harness.worker.parent import _verdict
from harness.worker.training_plan import TrainingPlan

PLAN = TrainingPlan(batch_size=10, num_batches=20, eval_every=20, optimizer="sgd", learning_rate=1)
SANDBOX = SimpleNamespace(
    timed_out=False,
    memory_exceeded=False,
    processes_exceeded=False,
    disk_exceeded=False,
    returncode=0,
    signal_name=None,
)


def verdict(seconds: float, cpu: tuple[float, float], cores: int):
    talk = SimpleNamespace(
        training_plan=PLAN,
        declared=None,
        report=Report("ok", predictions=np.zeros(3, np.int64), param_count=1),
        refused=None,
        times=[100.0, 100.0 + seconds],
        cpu=list(cpu),
        account=SimpleNamespace(cores_given=cores),
    )
    return _verdict(talk, SANDBOX, limits=None)


def test_examples_per_cpu_second_come_from_the_window():
    run = verdict(4.0, (10.0, 12.0), cores=1)  # the machine was busy: 2 CPU-s in 4 s
    assert run.status == "ok"
    assert run.train_cpu_seconds == 2.0 and run.cores_given == 1
    assert run.examples_per_sec == 50.0 and run.examples_per_cpu_sec == 100.0


@pytest.mark.parametrize("cores, status", [(1, "failed"), (2, "ok")])
def test_more_cpu_seconds_than_wall_time_x_cores_given_fails_with_the_figures(cores, status):
    run = verdict(2.0, (1.0, 4.9), cores=cores)  # 3.9 CPU-seconds in 2 s
    assert run.status == status
    if status == "failed":
        assert run.reason == (
            "computed on more cores than it was given: 3.90 CPU-seconds in 2.00 s of "
            "training with 1 core(s) given (1.95 cores' worth); a run may not widen its "
            "CPU affinity"
        )
        assert run.examples_per_cpu_sec is None


def test_a_run_without_cpu_figures_keeps_its_clock():
    run = verdict(2.0, (None, None), cores=1)
    assert run.status == "ok" and run.train_cpu_seconds is None
    assert run.examples_per_cpu_sec is None and run.examples_per_sec == 100.0


@pytest.mark.parametrize("gpu_index, basis", [(None, "cpu"), (0, "wall")])
def test_a_cpu_run_is_graded_per_cpu_second_a_gpu_run_on_the_clock(gpu_index, basis):
    """On a GPU a CPU-second measures the host, not the device: the parent's clock (which
    waits for predictions copied off the device) grades it."""
    from harness.grading.runner import _cpu_figures

    run = verdict(4.0, (10.0, 12.0), cores=1)
    run.sandbox = SimpleNamespace(
        memory_peak_bytes=None, resident_peak_bytes=0, working_peak_bytes=0, bounds=""
    )
    figures = _cpu_figures(run, SimpleNamespace(gpu_index=gpu_index))
    assert figures["throughput_basis"] == basis
    assert figures["cpu_seconds"] == 2.0 and figures["examples_per_cpu_sec"] == 100.0
