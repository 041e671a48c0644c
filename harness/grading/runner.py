"""One graded run, end to end, on the trusted side: job in, :class:`RunRecord` out.

The runner writes the job (training split and *unlabelled* test images), starts the worker
in the sandbox, checks and scores the predictions with the labels only it holds, and saves
the record atomically. A stored record with the same fingerprint is reused as it is.
"""

from __future__ import annotations

import json
import shutil
import socket
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from harness.config import Assignment
from harness.grading import fingerprint
from harness.grading.inputs import PreparedDataset, load_prepared, work_dir
from harness.grading.plan import Plan, RunSpec
from harness.results.record import RunRecord
from harness.results.store import ResultsStore
from harness.submission.folder import folder_size
from harness.worker.job import Job

PROBE_BATCHES = 300  # a reference's throughput probe: seconds of steady steps on a CPU


def run_fingerprint(spec: RunSpec, plan: Plan, data: PreparedDataset) -> str:
    """Changes when the submission, the data, the assignment or the environment change."""
    code = (fingerprint.folder_hash(Path(spec.path).parent) if spec.path
            else fingerprint.code_hash())
    # The isolation mode too: a result obtained unisolated is never reused for an isolated
    # grading (nor the other way round).
    options = json.dumps([plan.max_batches, plan.time_limit, spec.framework, spec.reference,
                          plan.isolation])
    return fingerprint.combine(code, data.meta["data_hash"], str(data.meta["verified"]),
                               Path(plan.assignment_path).read_text(), options,
                               fingerprint.environment_hash())


def job_description(spec: RunSpec, plan: Plan, assignment: Assignment,
                    data: PreparedDataset) -> Job:
    """The worker's job: references get the assignment's settings, students their own."""
    shared = dict(framework=spec.framework, dataset=spec.dataset,
                  input_shape=tuple(data.meta["input_shape"]),
                  num_classes=data.meta["num_classes"], seed=assignment.seed,
                  max_batches=plan.max_batches, curve_points=assignment.curve_points,
                  assignment_path=plan.assignment_path)
    if not spec.is_reference:
        return Job(kind="submission", submission_path=spec.path, **shared)
    budget = assignment.budget
    num_batches = min(budget.default_num_batches, plan.max_batches or budget.default_num_batches)
    if spec.probe:  # a throughput sample: short, evaluated as often as the reference run
        # (with one evaluation, probes ran 1.2-1.6x the reference run's rate in a grading here)
        shared["eval_every"] = max(1, num_batches // assignment.curve_points)
        num_batches = min(num_batches, PROBE_BATCHES)
    return Job(kind="reference", reference=spec.reference, batch_size=budget.default_batch_size,
               num_batches=num_batches, optimizer=assignment.reference_optimizer,
               learning_rate=assignment.reference_learning_rate, **shared)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _make_job_dir(plan: Plan, spec: RunSpec, job: Job, data: PreparedDataset) -> Path:
    jobs = work_dir(Path(plan.out_dir)) / "jobs"
    jobs.mkdir(parents=True, exist_ok=True)
    job_dir = Path(tempfile.mkdtemp(prefix=f"{spec.name}.", dir=jobs))
    job.save(job_dir / "job.json")
    shutil.copyfile(data.inputs_path, job_dir / "inputs.npz")
    return job_dir


@dataclass
class GradingSession:
    """What every run of one grading session shares (one per pytest process)."""

    plan: Plan
    assignment: Assignment
    store: ResultsStore
    gpu_index: int | None = None
    remote: object | None = None  # runs elsewhere: has record(spec) -> RunRecord

    @classmethod
    def open(cls, plan: Plan, gpu_index: int | None = None) -> GradingSession:
        from harness.config import load_assignment

        return cls(plan, load_assignment(plan.assignment_path),
                   ResultsStore(Path(plan.out_dir)), gpu_index)

    def limits(self):
        from harness.sandbox.process import Limits

        budget = self.assignment.budget
        wall = self.plan.time_limit or budget.time_limit_seconds
        return Limits(wall_seconds=float(wall), memory_bytes=budget.memory_limit_mib << 20,
                      scratch_bytes=budget.scratch_limit_mib << 20)


def execute(spec: RunSpec, session: GradingSession) -> RunRecord:
    """Run (or reuse) one planned run and store its record; never raises for student faults."""
    data = load_prepared(Path(session.plan.out_dir), spec.dataset)
    started = time.monotonic()
    if spec.refused:  # found at planning (a folder over the size cap): nothing is read or run
        record = _base_record(spec, session, data, {"reason": spec.refused}, None)
        return store_record(session, record, "", time.monotonic() - started)
    key = run_fingerprint(spec, session.plan, data)
    stored = session.store.reusable(spec.submission, spec.dataset, spec.framework, key)
    if stored is not None:
        return stored
    if session.remote is not None:
        return session.remote.record(spec)
    record = _run_in_scratch(spec, session, data)
    return store_record(session, record, key, time.monotonic() - started)


def _run_in_scratch(spec: RunSpec, session: GradingSession,
                    data: PreparedDataset) -> RunRecord:
    """Run in a fresh job folder, then remove it. A harness error or a folder that cannot
    be removed is an error of this run, recorded, never a run that vanished."""
    from harness.sandbox.scratch import remove_tree
    from harness.worker.parent import run_job

    job = job_description(spec, session.plan, session.assignment, data)
    job_dir = _make_job_dir(session.plan, spec, job, data)
    try:
        outcome = run_job(job_dir, session.limits(), isolate=session.plan.isolation != "none",
                          gpu_index=session.gpu_index)
        record = scored_record(spec, session, data, job_dir, *outcome)
    except Exception as exc:  # ours, not the student's: still this run's record, named
        record = _base_record(spec, session, data, {"reason": f"the harness failed on this "
                                                    f"run: {type(exc).__name__}: {exc}"}, None)
        record.status = "error"
    finally:
        leftover = remove_tree(job_dir)
    if leftover:
        record.status, record.reason = "error", f"{record.reason}; {leftover}".lstrip("; ")
    return record


def store_record(session: GradingSession, record: RunRecord, key: str,
                 wall: float) -> RunRecord:
    """Stamp the parent-side wall time and fingerprint on ``record`` and save it."""
    record.wall_seconds = round(wall, 3)
    record.fingerprint = key
    session.store.save(record)
    return record


def scored_record(spec: RunSpec, session: GradingSession, data: PreparedDataset,
                  job_dir: Path, result: dict, predictions, sandbox) -> RunRecord:
    """The record of a finished run, scored here with the test labels only we hold
    (``job_dir/out`` holds what the run exported for its explore page)."""
    from harness.results.scoring import accuracy, confusion_matrix

    record = _base_record(spec, session, data, result, sandbox)
    if result["status"] == "ok" and predictions is not None:
        labels = np.load(data.labels_path)
        record.status = "passed"
        record.test_accuracy = accuracy(predictions, labels)
        record.confusion = confusion_matrix(predictions, labels, data.meta["num_classes"])
        if not spec.is_reference:
            _keep_for_page(session, job_dir, data, record, predictions, labels)
    return record


def _keep_for_page(session: GradingSession, job_dir: Path, data: PreparedDataset,
                   record: RunRecord, predictions: np.ndarray, labels: np.ndarray) -> None:
    """Save what the student's explore page shows; why not, if not, ends the output."""
    from harness.report.explore.keep import keep_for_page
    from harness.report.explore.store import path_of

    with np.load(data.inputs_path) as inputs:  # the parent's copy, not the worker's
        images = inputs["test_images"]
    test = {"images": images, "labels": labels, "num_classes": data.meta["num_classes"],
            "input_shape": tuple(data.meta["input_shape"])}
    page = path_of(Path(session.plan.out_dir), record.submission, record.dataset,
                   record.framework)
    why = keep_for_page(job_dir / "out", page, record.settings, test, predictions)
    if why:
        record.output = "\n".join(part for part in (
            record.output, f"[harness] no explore page for this run: {why}") if part)


def _base_record(spec: RunSpec, session: GradingSession, data: PreparedDataset,
                 result: dict, sandbox) -> RunRecord:
    """The record of a run; ``sandbox`` is None for a run refused before it started."""
    settings = result.get("settings") or {}
    parts = (sandbox.stdout, sandbox.stderr) if sandbox is not None else ()
    output = "\n".join(part for part in parts if part)
    return RunRecord(
        submission=spec.submission, reference=spec.reference, dataset=spec.dataset,
        framework=spec.framework,
        status="failed", reason=result.get("reason", ""),
        examples_per_sec=result.get("examples_per_sec"),
        warmup_seconds=result.get("warmup_seconds"),
        batch_size=settings.get("batch_size"),
        num_batches=settings.get("num_batches_run", settings.get("num_batches")),
        max_batches_cap=session.plan.max_batches, param_count=result.get("param_count"),
        isolated=bool(sandbox and sandbox.isolated),
        isolation=sandbox.isolation if sandbox is not None else "",
        unisolated_allowed=session.plan.unisolated_allowed, device=result.get("device") or {},
        data_verified=bool(data.meta["verified"]),
        bundled_subset=bool(data.meta["bundled_subset"]),
        curve=result.get("curve") or [], class_names=data.meta["class_names"],
        settings=settings, assignment=session.plan.assignment_path, output=output,
        train_seconds=result.get("train_seconds"), throughput_probe=spec.probe,
        submission_bytes=folder_size(Path(spec.path).parent) if spec.path else None,
        node=socket.gethostname(),
        finished_at=_now())
