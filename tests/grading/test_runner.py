"""The trusted runner without a sandbox: what forces a re-run, what is reused, how the parent
scores what a worker returns. The worker is replaced by a recorded stand-in, so every fact
here (was it run, what did it see) is recorded, not timed."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from project_paths import SUBMISSIONS

from harness.config import Assignment, Budget
from harness.grading import fingerprint
from harness.grading.inputs import DatasetMeta, PreparedDataset, work_dir
from harness.grading.plan import GradingPlan, RunSpec, student_runs
from harness.grading.runner import GradingSession, execute, job_description, run_fingerprint
from harness.results.predictions import load_labels, load_predictions
from harness.results.store import ResultsStore
from harness.worker.messages import Report
from harness.worker.parent import WorkerRun
from harness.worker.training_plan import TrainingPlan

LABELS = np.array([0, 1, 2, 2])


@pytest.fixture
def student(tmp_path) -> RunSpec:
    folder = tmp_path / "submissions" / "alice"
    shutil.copytree(SUBMISSIONS / "torch_example", folder)
    return RunSpec("alice", "mnist", "torch", path=str(folder / "index.py"))


@pytest.fixture
def plan(tmp_path) -> GradingPlan:
    assignment = tmp_path / "assignment.toml"
    assignment.write_text("[assignment]\nseed = 0\n")
    return GradingPlan(runs=[], out_dir=str(tmp_path / "out"), assignment_path=str(assignment))


@pytest.fixture
def data(plan) -> PreparedDataset:
    """A prepared dataset as the parent writes it: one .npy per array, labels apart."""
    folder = work_dir(Path(plan.out_dir)) / "data" / "mnist"
    folder.mkdir(parents=True)
    meta = {
        "class_names": ["a", "b", "c"],
        "input_shape": [2, 2, 1],
        "num_classes": 3,
        "verified": True,
        "bundled_subset": False,
        "location": "synthetic",
        "data_hash": "d1",
    }
    (folder / "meta.json").write_text(json.dumps(meta))
    images = np.zeros((4, 2, 2, 1), np.uint8)
    for name in ("train_images", "validation_images", "test_images"):
        np.save(folder / f"{name}.npy", images)
    for name in ("train_labels", "validation_labels", "test_labels"):
        np.save(folder / f"{name}.npy", LABELS)
    return PreparedDataset("mnist", folder, DatasetMeta.from_json(meta))


def test_every_input_of_a_run_changes_its_fingerprint(student, plan, data, monkeypatch):
    """Editing the submission, the assignment, an option, the data or the environment re-runs."""
    base = run_fingerprint(student, plan, data)
    assert run_fingerprint(student, plan, data) == base  # nothing changed: reused
    index = Path(student.path)
    changes = {
        "submission edited": lambda: index.write_text(index.read_text() + "\n# edited\n"),
        "file added to the submission": lambda: (index.parent / "helper.py").write_text(""),
        "assignment.toml edited": lambda: Path(plan.assignment_path).write_text(
            "[assignment]\nseed = 1\n"
        ),
        "--max-batches": lambda: setattr(plan, "max_batches", 30),
        "--time-limit": lambda: setattr(plan, "time_limit", 60.0),
        "data": lambda: setattr(data.meta, "data_hash", "d2"),
        "data verified": lambda: setattr(data.meta, "verified", False),
        "environment": lambda: monkeypatch.setattr(
            fingerprint, "environment_hash", lambda: "other"
        ),
    }
    seen = {base}
    for what, change in changes.items():
        change()
        key = run_fingerprint(student, plan, data)
        assert key not in seen, f"{what} did not change the fingerprint"
        seen.add(key)


def test_a_rubric_edit_keeps_the_fingerprint_so_nothing_is_retrained(student, plan, data):
    """Points are computed from stored runs: the rubric is not an input of a run."""
    path = Path(plan.assignment_path)
    path.write_text("[rubric]\naccuracy_tolerance = 0.02\n")
    before = run_fingerprint(student, plan, data)
    path.write_text("# tolerance raised\n[rubric]\naccuracy_tolerance = 0.05\n")
    assert run_fingerprint(student, plan, data) == before


def test_a_runs_framework_and_reference_are_part_of_its_fingerprint(student, plan, data):
    keys = {
        run_fingerprint(spec, plan, data)
        for spec in (
            student,
            dataclasses.replace(student, framework="jax"),
            RunSpec("reference:original", "mnist", "torch", reference="original"),
            RunSpec("reference:cifar", "mnist", "torch", reference="cifar"),
        )
    }
    assert len(keys) == 4


def test_a_reference_job_takes_the_assignments_settings_capped_by_max_batches(plan, data):
    assignment = Assignment(
        budget=Budget(default_batch_size=32, default_num_batches=500),
        reference_optimizer="adam",
        reference_learning_rate=0.002,
        seed=7,
    )
    spec = RunSpec("reference:original", "mnist", "jax", reference="original")
    job = job_description(spec, plan, assignment, data)
    assert (
        job.kind,
        job.reference,
        job.framework,
        job.batch_size,
        job.num_batches,
        job.optimizer,
        job.learning_rate,
        job.seed,
        job.input_shape,
        job.num_classes,
    ) == ("reference", "original", "jax", 32, 500, "adam", 0.002, 7, (2, 2, 1), 3)
    plan.max_batches = 30
    assert job_description(spec, plan, assignment, data).num_batches == 30
    plan.max_batches = 900  # a cap above the default leaves the default
    assert job_description(spec, plan, assignment, data).num_batches == 500


def test_a_student_job_carries_no_training_settings(student, plan, data):
    plan.max_batches = 30
    job = job_description(student, plan, Assignment(), data)
    assert (job.kind, job.submission_path, job.max_batches, job.assignment_path) == (
        "submission",
        student.path,
        30,
        plan.assignment_path,
    )
    assert (job.batch_size, job.num_batches, job.optimizer, job.learning_rate) == (
        None,
        None,
        None,
        None,
    )


class RecordedWorker:
    """Stands in for :func:`harness.worker.parent.run_worker`; records each call."""

    def __init__(self, status: str, reason: str = ""):
        self.status, self.reason, self.jobs = status, reason, []

    def __call__(
        self,
        job,
        inputs,
        limits,
        *,
        scratch_dir,
        budget=None,
        isolate=True,
        gpu_index=None,
        env=None,
    ):
        self.jobs.append(
            {
                "files": sorted(p.name for p in Path(scratch_dir).iterdir()),
                "inputs": sorted(vars(inputs)),
                "limits": limits,
                "isolate": isolate,
            }
        )
        sandbox = SimpleNamespace(
            stdout="out",
            stderr="err",
            isolated=True,
            isolation="bubblewrap",
            memory_peak_bytes=None,
            resident_peak_bytes=0,
            working_peak_bytes=0,
            bounds="cgroup v1",
        )
        plan = TrainingPlan(
            batch_size=2, num_batches=7, eval_every=7, optimizer="sgd", learning_rate=0.01
        )
        report = Report(
            "ok",
            predictions=np.array([0, 1, 2, 0]),
            param_count=123,
            validation_predictions=np.array([[0, 1, 2, 0]]),
            losses=(0.5,),
        )
        if self.status != "ok":
            return WorkerRun(self.status, self.reason, sandbox)
        return WorkerRun("ok", "", sandbox, plan, report=report, train_seconds=0.5)


@pytest.fixture
def worker(monkeypatch):
    recorded = RecordedWorker("ok")
    monkeypatch.setattr("harness.grading.runner.run_worker", recorded)
    return recorded


def session_for(plan) -> GradingSession:
    return GradingSession(plan, Assignment(), ResultsStore(Path(plan.out_dir)))


def test_the_parent_scores_the_workers_predictions_with_labels_only_it_holds(
    student, plan, data, worker
):
    record = execute(student, session_for(plan))
    assert (record.status, record.test_accuracy) == ("passed", 0.75)  # 3 of 4 right
    assert record.confusion == [[1, 0, 0], [0, 1, 0], [1, 0, 1]]
    assert (
        record.examples_per_sec,
        record.train_seconds,
        record.batch_size,
        record.num_batches,
        record.param_count,
    ) == (28.0, 0.5, 2, 7, 123)  # 2 x 7 examples sent in the parent's 0.5 s
    assert record.output.splitlines()[:2] == ["out", "err"]  # the worker's, then our notes
    assert record.curve == [{"batch": 7, "loss": 0.5, "validation_accuracy": 0.75}]
    assert record.fingerprint == run_fingerprint(student, plan, data)
    assert (worker.jobs[0]["files"], worker.jobs[0]["inputs"]) == (
        [],
        ["test_images", "train_images", "train_labels", "validation_images"],
    )
    assert not any(work_dir(Path(plan.out_dir)).joinpath("jobs").iterdir())  # cleaned up
    assert ResultsStore(Path(plan.out_dir)).load("alice", "mnist", "torch") == record
    kept = load_predictions(Path(plan.out_dir), "alice", "mnist", "torch")
    assert kept.tolist() == [0, 1, 2, 0]  # for the similarity report
    assert load_labels(Path(plan.out_dir), "mnist").tolist() == LABELS.tolist()


def test_the_limits_come_from_the_budget_unless_the_command_line_sets_them(
    student, plan, data, worker
):
    execute(student, session_for(plan))
    plan.time_limit = 60.0
    execute(student, session_for(plan))
    assert [(j["limits"].wall_seconds, j["limits"].memory_bytes) for j in worker.jobs] == [
        (1800.0, 8192 << 20),
        (60.0, 8192 << 20),
    ]


def test_an_unchanged_run_is_reused_without_starting_the_worker(student, plan, data, worker):
    first = execute(student, session_for(plan))
    again = execute(student, session_for(plan))
    assert len(worker.jobs) == 1 and again == first


@pytest.mark.parametrize("reason", ["loss is NaN at batch 40", "timed out after 1800 s"])
def test_a_failed_or_timed_out_run_is_reused_until_an_input_changes(
    student, plan, data, worker, reason
):
    worker.status, worker.reason = "failed", reason
    failed = execute(student, session_for(plan))
    assert (failed.status, failed.reason, failed.test_accuracy) == ("failed", reason, None)
    assert execute(student, session_for(plan)) == failed and len(worker.jobs) == 1
    plan.time_limit = 3600.0  # e.g. a longer limit: a new fingerprint, so a new run
    assert execute(student, session_for(plan)).fingerprint != failed.fingerprint
    assert len(worker.jobs) == 2


def test_a_failure_is_run_again_when_its_memory_share_grows_a_pass_is_not(
    student, plan, data, worker
):
    # --jobs 4 where memory is short gave each run 2 GiB; --jobs 1 gives the assignment's.
    worker.status, worker.reason = "failed", "exceeded the memory limit of 2048 MiB"
    plan.run_memory_mib = 2048
    failed = execute(student, session_for(plan))
    assert execute(student, session_for(plan)) == failed and len(worker.jobs) == 1
    plan.run_memory_mib = None
    worker.status = "ok"
    assert execute(student, session_for(plan)).status == "passed" and len(worker.jobs) == 2
    plan.run_memory_mib = 2048
    assert execute(student, session_for(plan)).status == "passed" and len(worker.jobs) == 2


def test_a_damaged_stored_run_is_run_again_and_replaced(student, plan, data, worker):
    store = ResultsStore(Path(plan.out_dir))
    path = store.path_for("alice", "mnist", "torch")
    path.parent.mkdir(parents=True)
    path.write_text("[1, 2]")
    record = execute(student, session_for(plan))
    assert len(worker.jobs) == 1 and store.load("alice", "mnist", "torch") == record


def test_a_refused_folder_linked_to_another_students_is_never_read(
    tmp_path, plan, data, worker, monkeypatch
):
    submissions = tmp_path / "submissions"
    shutil.copytree(SUBMISSIONS / "torch_example", submissions / "bob")
    (submissions / "mallory").symlink_to(submissions / "bob", target_is_directory=True)
    (spec,) = student_runs([submissions / "mallory" / "index.py"], ("mnist",), ("torch",))
    assert spec.refused == "the submission folder is a symbolic link; hand in the folder itself"
    scanned = []
    scandir = os.scandir
    monkeypatch.setattr(os, "scandir", lambda path=".": scanned.append(path) or scandir(path))
    record = execute(spec, session_for(plan))
    assert (record.status, record.reason) == ("failed", spec.refused) and not worker.jobs
    assert (record.submission_bytes, record.submission_hash) == (None, "")
    assert not [path for path in scanned if "bob" in str(path) or "mallory" in str(path)]
