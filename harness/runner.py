"""One graded run, end to end, on the trusted side: job in, :class:`RunRecord` out.

The runner writes the job (training split and *unlabelled* test images), starts the worker
in the sandbox, checks and scores the predictions with the labels only it holds, and saves
the record atomically. A stored record with the same fingerprint is reused as it is.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from harness import fingerprint
from harness.config import Assignment
from harness.plan import Plan, RunSpec
from harness.results import RunRecord
from harness.store import ResultsStore


@dataclass(frozen=True)
class PreparedDataset:
    """A dataset split for grading: worker inputs, and labels kept on this side."""

    name: str
    inputs_path: Path  # npz: train/validation images+labels, test images; no test labels
    labels_path: Path  # npy: test labels
    meta: dict  # class_names, input_shape, num_classes, verified, bundled_subset, data_hash


def work_dir(out_dir: Path) -> Path:
    return Path(out_dir) / ".work"


def prepare_dataset(plan: Plan, name: str, seed: int) -> PreparedDataset:
    """Load ``name`` and write its grading inputs under ``OUT/.work`` (parent, once)."""
    from harness.data import load_dataset

    ds = load_dataset(name, data_dir=plan.data_dir, allow_unverified=plan.allow_unverified,
                      seed=seed)
    folder = work_dir(Path(plan.out_dir)) / "data"
    folder.mkdir(parents=True, exist_ok=True)
    inputs, labels = folder / f"{name}.inputs.npz", folder / f"{name}.labels.npy"
    np.savez(inputs, train_images=ds.train_images, train_labels=ds.train_labels,
             validation_images=ds.validation_images, validation_labels=ds.validation_labels,
             test_images=ds.test_images)
    np.save(labels, ds.test_labels)
    meta = {"class_names": list(ds.class_names), "input_shape": list(ds.image_shape),
            "num_classes": ds.num_classes, "verified": ds.verified,
            "bundled_subset": ds.bundled_subset, "location": ds.location,
            "data_hash": fingerprint.arrays_hash(ds.train_images, ds.train_labels,
                                                 ds.test_images, ds.test_labels)}
    (folder / f"{name}.meta.json").write_text(json.dumps(meta))
    return PreparedDataset(name, inputs, labels, meta)


def load_prepared(out_dir: Path, name: str) -> PreparedDataset:
    folder = work_dir(out_dir) / "data"
    meta = json.loads((folder / f"{name}.meta.json").read_text())
    return PreparedDataset(name, folder / f"{name}.inputs.npz",
                           folder / f"{name}.labels.npy", meta)


def run_fingerprint(spec: RunSpec, plan: Plan, data: PreparedDataset) -> str:
    """Changes when the submission, the data, the assignment or the environment change."""
    code = (fingerprint.folder_hash(Path(spec.path).parent) if spec.path
            else fingerprint.code_hash())
    options = json.dumps([plan.max_batches, plan.time_limit, spec.framework, spec.reference])
    return fingerprint.combine(code, data.meta["data_hash"], str(data.meta["verified"]),
                               Path(plan.assignment_path).read_text(), options,
                               fingerprint.environment_hash())


def job_description(spec: RunSpec, plan: Plan, assignment: Assignment,
                    data: PreparedDataset) -> dict:
    reference = spec.is_reference
    num_batches = assignment.budget.default_num_batches
    if plan.max_batches:
        num_batches = min(num_batches, plan.max_batches)
    return {
        "kind": "reference" if reference else "submission",
        "submission_path": spec.path, "reference": spec.reference,
        "framework": spec.framework, "dataset": spec.dataset,
        "input_shape": data.meta["input_shape"], "num_classes": data.meta["num_classes"],
        "seed": assignment.seed, "max_batches": plan.max_batches,
        "eval_every": None, "curve_points": assignment.curve_points,
        "batch_size": assignment.budget.default_batch_size if reference else None,
        "num_batches": num_batches if reference else None,
        "optimizer": assignment.reference_optimizer if reference else None,
        "learning_rate": assignment.reference_learning_rate if reference else None,
        "assignment_path": plan.assignment_path,
    }


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _make_job_dir(plan: Plan, spec: RunSpec, job: dict, data: PreparedDataset) -> Path:
    jobs = work_dir(Path(plan.out_dir)) / "jobs"
    jobs.mkdir(parents=True, exist_ok=True)
    job_dir = Path(tempfile.mkdtemp(prefix=f"{spec.name}.", dir=jobs))
    (job_dir / "job.json").write_text(json.dumps(job))
    shutil.copyfile(data.inputs_path, job_dir / "inputs.npz")
    return job_dir


@dataclass
class GradingSession:
    """What every run of one grading session shares (one per pytest process)."""

    plan: Plan
    assignment: Assignment
    store: ResultsStore
    gpu_index: int | None = None

    @classmethod
    def open(cls, plan: Plan, gpu_index: int | None = None) -> GradingSession:
        from harness.config import load_assignment

        return cls(plan, load_assignment(plan.assignment_path),
                   ResultsStore(Path(plan.out_dir)), gpu_index)

    def limits(self):
        from harness.sandbox import Limits

        budget = self.assignment.budget
        wall = self.plan.time_limit or budget.time_limit_seconds
        return Limits(wall_seconds=float(wall), memory_bytes=budget.memory_limit_mib << 20)


def execute(spec: RunSpec, session: GradingSession) -> RunRecord:
    """Run (or reuse) one planned run and store its record; never raises for student faults."""
    data = load_prepared(Path(session.plan.out_dir), spec.dataset)
    key = run_fingerprint(spec, session.plan, data)
    stored = session.store.reusable(spec.submission, spec.dataset, spec.framework, key)
    if stored is not None:
        return stored
    job = job_description(spec, session.plan, session.assignment, data)
    job_dir = _make_job_dir(session.plan, spec, job, data)
    started = time.monotonic()
    try:
        record = _run_and_score(spec, session, job_dir, data)
    finally:
        shutil.rmtree(job_dir, ignore_errors=True)
    record.wall_seconds = round(time.monotonic() - started, 3)
    record.fingerprint = key
    session.store.save(record)
    return record


def _run_and_score(spec: RunSpec, session: GradingSession, job_dir: Path,
                   data: PreparedDataset) -> RunRecord:
    from harness.scoring import accuracy, confusion_matrix
    from harness.worker import run_job

    result, predictions, sandbox = run_job(job_dir, session.limits(),
                                           gpu_index=session.gpu_index)
    record = _base_record(spec, session, data, result, sandbox)
    if result["status"] == "ok" and predictions is not None:
        labels = np.load(data.labels_path)
        record.status = "passed"
        record.test_accuracy = accuracy(predictions, labels)
        record.confusion = confusion_matrix(predictions, labels, data.meta["num_classes"])
    return record


def _base_record(spec: RunSpec, session: GradingSession, data: PreparedDataset,
                 result: dict, sandbox) -> RunRecord:
    settings = result.get("settings") or {}
    output = "\n".join(part for part in (sandbox.stdout, sandbox.stderr) if part)
    return RunRecord(
        submission=spec.submission, dataset=spec.dataset, framework=spec.framework,
        status="failed", reason=result.get("reason", ""),
        examples_per_sec=result.get("examples_per_sec"),
        warmup_seconds=result.get("warmup_seconds"),
        batch_size=settings.get("batch_size"),
        num_batches=settings.get("num_batches_run", settings.get("num_batches")),
        max_batches_cap=session.plan.max_batches, param_count=result.get("param_count"),
        isolated=sandbox.isolated, device=result.get("device") or {},
        data_verified=bool(data.meta["verified"]),
        bundled_subset=bool(data.meta["bundled_subset"]),
        curve=result.get("curve") or [], class_names=data.meta["class_names"],
        settings=settings, output=output, train_seconds=result.get("train_seconds"),
        finished_at=_now())
