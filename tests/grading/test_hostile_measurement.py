"""Forged measurements (hostile code-form submissions), graded end to end beside an honest
control: every number in a record comes from the parent, whatever the worker claims.

``forge_throughput`` rewrites whatever JSON the worker reports (1e9 examples/s, 1 ms of
training) while each of its training steps sleeps; ``overtrain`` replaces the adapter's
``train`` to train 1,500 hidden batches and claim 20; ``grab_cores`` asks for 64 threads
and spins a thread of its own to compute on more cores than the reference. Runs go through
the real sandbox and worker (torch) on a slice of real Fashion-MNIST.
"""

import os
import re

import pytest
from data_fixtures import write_fashion_slice
from grading_cli import grade_slice, records_by_submission
from project_paths import HOSTILE, ROOT

pytestmark = [pytest.mark.torch, pytest.mark.sandbox, pytest.mark.realdata]

MAX_BATCHES = 20
SUBMISSIONS = [
    ROOT / "submissions" / "torch_example",
    HOSTILE / "forge_throughput",
    HOSTILE / "overtrain",
    HOSTILE / "grab_cores",
]


@pytest.fixture(scope="module")
def records(tmp_path_factory):
    data = write_fashion_slice(tmp_path_factory.mktemp("data"), train=2000, test=300)
    out = tmp_path_factory.mktemp("grades")
    done = grade_slice(SUBMISSIONS, data, out, "--max-batches", str(MAX_BATCHES), "--jobs", "1")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return records_by_submission(out)


def test_honest_control_passes(records):
    honest = records["torch_example"]
    assert honest["status"] == "passed", honest["reason"]
    assert honest["num_batches"] == MAX_BATCHES and honest["examples_per_sec"] > 0


def test_forged_throughput_is_the_parents_measurement(records):
    forged = records["forge_throughput"]
    assert forged["status"] == "passed", forged["reason"]
    examples = forged["num_batches"] * forged["batch_size"]
    slept = forged["num_batches"] * 0.05  # the network sleeps 50 ms per training step
    assert forged["examples_per_sec"] <= examples / slept
    assert forged["train_seconds"] >= slept


def test_training_past_the_budget_is_impossible_and_timed(records):
    record = records["overtrain"]
    claim = re.search(r"OVERTRAIN reachable=(\d+) trained_seconds=([\d.]+)", record["output"])
    assert claim, record["output"][-2000:]
    reachable, trained = int(claim[1]), float(claim[2])
    assert record["num_batches"] == MAX_BATCHES and record["batch_size"] == 16
    assert reachable <= MAX_BATCHES * 16  # labelled examples the parent handed over
    assert record["train_seconds"] >= trained
    assert record["examples_per_sec"] <= MAX_BATCHES * 16 / trained


def test_a_run_computes_on_its_workers_core_whatever_threads_it_starts(records):
    grabbed = records["grab_cores"]
    assert grabbed["status"] == "passed", grabbed["reason"]
    said = re.search(r"grab_cores: threads (\d+), cpus \[([\d, ]+)\]", grabbed["output"])
    assert said is not None, grabbed["output"][-500:]
    assert int(said.group(1)) == 64  # torch granted the threads ...
    assert said.group(2).split(", ") == [str(min(os.sched_getaffinity(0)))]  # ... one core
