"""One graded run, end to end, on the trusted side: job in, :class:`RunRecord` out.

The runner describes the job, runs it with :func:`harness.worker.parent.run_worker` (which
streams the planned training batches from the dataset prepared once for the grading, and
keeps the clock), scores the test and validation predictions with the labels only it holds,
and saves the record atomically. A stored record with the same fingerprint is reused.
"""

from __future__ import annotations

import dataclasses
import json
import math
import socket
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from harness.config import Assignment, load_assignment
from harness.grading import fingerprint
from harness.grading.explore import keep_run_page
from harness.grading.inputs import PreparedDataset, load_prepared, work_dir
from harness.grading.plan import GradingPlan, RunSpec
from harness.hashing import code_hash, folder_hash
from harness.results.predictions import save_predictions
from harness.results.record import RunRecord
from harness.results.scoring import accuracy, confusion_matrix, scored_curve
from harness.results.store import ResultsStore, run_key
from harness.sandbox.process import Limits
from harness.sandbox.scratch import remove_tree
from harness.submission.folder import folder_size
from harness.worker.job import Job
from harness.worker.parent import run_worker
from harness.worker.remote import RemoteRuns

PROBE_BATCHES = 300  # a reference's throughput probe: seconds of steady steps on a CPU


def run_fingerprint(spec: RunSpec, plan: GradingPlan, data: PreparedDataset) -> str:
    """Changes when the submission, the data, the assignment or the environment change."""
    code = folder_hash(Path(spec.path).parent) if spec.path else code_hash()
    # The isolation mode too: a result obtained unisolated is never reused for an isolated
    # grading (nor the other way round).
    options = [plan.max_batches, plan.time_limit, spec.framework, spec.reference, plan.isolation]
    if spec.seed:  # another seed is another run (seed 0 keeps the fingerprints it had)
        options.append(spec.seed)
    return fingerprint.combine(
        code,
        data.meta.data_hash,
        str(data.meta.verified),
        fingerprint.assignment_hash(load_assignment(plan.assignment_path)),
        json.dumps(options),
        fingerprint.environment_hash(),
    )


def stored_fingerprint(key: str, status: str, session: GradingSession) -> str:
    """The fingerprint a record of ``status`` is stored with for a run of fingerprint ``key``.

    A passed run's is ``key``. Any other's adds the limits it ran under, its memory share
    (which a larger ``--jobs`` lowers where memory is short) and its cores: running out of
    memory or time, or a MemoryError the student's code raised, may be theirs, so such a
    run is reused only while they are unchanged (regrading with ``--jobs 1`` runs it again).
    """
    if not key or status == "passed":
        return key
    limits = session.limits()
    return fingerprint.combine(key, json.dumps([limits.memory_bytes >> 20, len(limits.cpus)]))


def reusable_record(spec: RunSpec, session: GradingSession, key: str) -> RunRecord | None:
    """The stored record of ``spec`` when it may stand for a run of fingerprint ``key``."""
    store, run = session.store, (spec.submission, spec.dataset, spec.framework)
    failed = stored_fingerprint(key, "failed", session)
    return store.reusable(*run, key) or store.reusable(*run, failed)


def job_description(
    spec: RunSpec, plan: GradingPlan, assignment: Assignment, data: PreparedDataset
) -> Job:
    """The worker's job: references get the assignment's settings, students their own."""
    shared: dict[str, Any] = dict(
        framework=spec.framework,
        dataset=spec.dataset,
        input_shape=data.meta.input_shape,
        num_classes=data.meta.num_classes,
        seed=assignment.seed + spec.seed,
        max_batches=plan.max_batches,
        curve_points=assignment.curve_points,
        assignment_path=plan.assignment_path,
    )
    if not spec.is_reference:
        return Job(kind="submission", submission_path=spec.path, **shared)
    budget = assignment.budget
    num_batches = reference_batches(plan, assignment)
    if spec.probe:  # a throughput sample: short, evaluated as often as the reference run
        # (else it runs faster than the run it samples: docs/benchmarks.md); it predicts its
        # share of the test images too (run_inputs)
        shared["eval_every"] = max(1, num_batches // assignment.curve_points)
        num_batches = min(num_batches, PROBE_BATCHES)
    return Job(
        kind="reference",
        reference=spec.reference,
        batch_size=budget.default_batch_size,
        num_batches=num_batches,
        optimizer=assignment.reference_optimizer,
        learning_rate=assignment.reference_learning_rate,
        **shared,
    )


def reference_batches(plan: GradingPlan, assignment: Assignment) -> int:
    """Batches of a reference run: the budget's default, capped by ``--max-batches``."""
    default = assignment.budget.default_num_batches
    return min(default, plan.max_batches or default)


def probe_share(plan: GradingPlan, assignment: Assignment) -> float:
    """The fraction of its reference run a probe is: its batches, curve points and test
    images alike, so that its examples/sec is timed over the same mix of work."""
    full = reference_batches(plan, assignment)
    return min(full, PROBE_BATCHES) / full


def run_inputs(spec: RunSpec, session: GradingSession, data: PreparedDataset):
    """What the parent streams to the run; a probe predicts its share of the test images."""
    inputs = data.inputs()
    if not spec.probe:
        return inputs
    share = probe_share(session.grading_plan, session.assignment)
    kept = max(1, math.ceil(len(inputs.test_images) * share))
    return dataclasses.replace(inputs, test_images=inputs.test_images[:kept])


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _make_job_dir(plan: GradingPlan, spec: RunSpec) -> Path:
    """An empty scratch folder for one run (the worker's only writable place)."""
    jobs = work_dir(Path(plan.out_dir)) / "jobs"
    jobs.mkdir(parents=True, exist_ok=True)
    # The run's key, not its raw name: a student's id is neither bounded nor path-safe.
    key = run_key(spec.submission, spec.dataset, spec.framework)
    return Path(tempfile.mkdtemp(prefix=f"{key}.", dir=jobs))


@dataclass
class GradingSession:
    """What every run of one grading session shares (one per pytest process)."""

    grading_plan: GradingPlan
    assignment: Assignment
    store: ResultsStore
    gpu_index: int | None = None
    remote: RemoteRuns | None = None  # a backend running the runs elsewhere (a cluster)
    cpus: tuple[int, ...] = ()  # this machine's cores its runs compute on; () all
    env: dict[str, str] | None = None  # whose settings runs honour; None: this process's

    @classmethod
    def open(
        cls,
        plan: GradingPlan,
        gpu_index: int | None = None,
        cpus: tuple[int, ...] = (),
        env: dict[str, str] | None = None,
    ) -> GradingSession:
        return cls(
            plan,
            load_assignment(plan.assignment_path),
            ResultsStore(Path(plan.out_dir)),
            gpu_index,
            cpus=cpus,
            env=env,
        )

    def limits(self):
        budget = self.assignment.budget
        wall = self.grading_plan.time_limit or budget.time_limit_seconds
        return Limits(
            wall_seconds=float(wall),
            memory_bytes=(self.grading_plan.run_memory_mib or budget.memory_limit_mib) << 20,
            scratch_bytes=budget.scratch_limit_mib << 20,
            cpus=self.cpus,
        )


def execute(spec: RunSpec, session: GradingSession) -> RunRecord:
    """Run (or reuse) one planned run and store its record; never raises for student faults."""
    data = load_prepared(Path(session.grading_plan.out_dir), spec.dataset)
    started = time.monotonic()
    if spec.refused:  # found at planning (a folder over the size cap): nothing is read or run
        record = _base_record(spec, session, data, None)
        record.reason = spec.refused
        return store_record(session, record, "", time.monotonic() - started)
    key = run_fingerprint(spec, session.grading_plan, data)
    stored = reusable_record(spec, session, key)
    if stored is not None:
        return stored
    if session.remote is not None:
        remote = session.remote.record(spec)
        if remote is None:
            raise RuntimeError(
                f"{spec.name}: its stored record left {session.grading_plan.out_dir}/runs "
                "while the grading ran; grade again"
            )
        return remote
    record = _run_in_scratch(spec, session, data)
    return store_record(session, record, key, time.monotonic() - started)


def _run_in_scratch(spec: RunSpec, session: GradingSession, data: PreparedDataset) -> RunRecord:
    """Run in a fresh job folder, then remove it. A harness error or a folder that cannot
    be removed is an error of this run, recorded, never a run that vanished."""
    job = job_description(spec, session.grading_plan, session.assignment, data)
    job_dir = _make_job_dir(session.grading_plan, spec)
    try:
        run = run_worker(
            job,
            run_inputs(spec, session, data),
            session.limits(),
            scratch_dir=job_dir,
            budget=session.assignment.budget,
            isolate=session.grading_plan.isolation != "none",
            gpu_index=session.gpu_index,
            env=session.env,
        )
        record = scored_record(spec, session, data, job_dir, run)
    except Exception as exc:  # ours, not the student's: still this run's record, named
        record = _base_record(spec, session, data, None)
        record.status = "error"
        record.reason = f"the harness failed on this run: {type(exc).__name__}: {exc}"
    finally:
        leftover = remove_tree(job_dir)
    if leftover:
        record.status, record.reason = "error", f"{record.reason}; {leftover}".lstrip("; ")
    return record


def store_record(session: GradingSession, record: RunRecord, key: str, wall: float) -> RunRecord:
    """Stamp the parent-side wall time and fingerprint (:func:`stored_fingerprint` of the
    run's ``key``) on ``record`` and save it."""
    record.wall_seconds = round(wall, 3)
    record.fingerprint = stored_fingerprint(key, record.status, session)
    session.store.save(record)
    return record


def scored_record(
    spec: RunSpec, session: GradingSession, data: PreparedDataset, job_dir: Path, run
) -> RunRecord:
    """The record of a finished run (:class:`harness.worker.parent.WorkerRun`), scored here
    with the validation and test labels only we hold (``job_dir/out`` holds what the run
    exported for its explore page)."""
    record = _base_record(spec, session, data, run)
    if run.status == "ok":
        labels = np.asarray(data.labels("test")[: len(run.predictions)])  # a probe: its share
        record.status = "passed"
        record.test_accuracy = accuracy(run.predictions, labels)
        record.confusion = confusion_matrix(run.predictions, labels, data.meta.num_classes)
        record.curve = scored_curve(
            run.training_plan.points,
            run.report.losses,
            run.report.validation_predictions,
            data.labels("validation"),
        )
        if not spec.is_reference:
            save_predictions(
                Path(session.grading_plan.out_dir),
                spec.submission,
                spec.dataset,
                spec.framework,
                run.predictions,
                labels,
            )
            out_dir = Path(session.grading_plan.out_dir)
            keep_run_page(out_dir, job_dir, data, record, run.predictions, labels)
    return record


def _cpu_figures(run, session: GradingSession) -> dict:
    """The kernel's CPU figures of a run, and what grades its throughput: examples per
    CPU-second on a CPU (what another process loading the machine barely moves), the
    parent's wall clock on a GPU (the device's time; a CPU-second there is the host's)."""
    if run is None:
        return {}
    sandbox = run.sandbox
    on_cpu = session.gpu_index is None and run.examples_per_cpu_sec is not None
    peak = sandbox.memory_peak_bytes
    return {
        "cpu_seconds": round(run.train_cpu_seconds, 3) if run.train_cpu_seconds else None,
        "examples_per_cpu_sec": run.examples_per_cpu_sec,
        "cores_given": run.cores_given,
        "throughput_basis": "cpu" if on_cpu else "wall",
        "memory_peak_mib": round(sandbox.resident_peak_bytes / 2**20, 1) or None,
        "cgroup_peak_mib": round(peak / 2**20, 1) if peak else None,
        "working_peak_mib": round(sandbox.working_peak_bytes / 2**20, 1) or None,
        "bounds": sandbox.bounds,
    }


def _base_record(spec: RunSpec, session: GradingSession, data: PreparedDataset, run) -> RunRecord:
    """The record of a run (a :class:`harness.worker.parent.WorkerRun`); ``run`` is None for
    a run refused before it started."""
    report, training_plan = (run.report, run.training_plan) if run is not None else (None, None)
    sandbox = run.sandbox if run is not None else None
    parts = (sandbox.stdout, sandbox.stderr) if sandbox is not None else ()
    # A folder refused at planning stays unread (it may be a link to another's folder).
    folder = Path(spec.path).parent if spec.path and not spec.refused else None
    output = "\n".join(part for part in parts if part)
    return RunRecord(
        submission=spec.submission,
        reference=spec.reference,
        dataset=spec.dataset,
        framework=spec.framework,
        status="failed",
        reason=run.reason if run else "",
        examples_per_sec=run.examples_per_sec if run else None,
        train_seconds=run.train_seconds if run else None,
        **_cpu_figures(run, session),
        batch_size=training_plan.batch_size if training_plan else None,
        num_batches=training_plan.num_batches if training_plan else None,
        max_batches_cap=session.grading_plan.max_batches,
        param_count=report.param_count if report else None,
        isolated=bool(sandbox and sandbox.isolated),
        isolation=sandbox.isolation if sandbox is not None else "",
        unisolated_allowed=""
        if sandbox is not None and sandbox.isolated
        else session.grading_plan.unisolated_allowed,
        device=report.device if report else {},
        data_verified=bool(data.meta.verified),
        bundled_subset=bool(data.meta.bundled_subset),
        class_names=data.meta.class_names,
        settings=run.settings() if run else {},
        assignment=session.grading_plan.assignment_path,
        output=output,
        throughput_probe=spec.probe,
        throughput_calibration=spec.calibrates,
        seed=spec.seed,
        variant=spec.variant,
        submission_bytes=folder_size(folder) if folder is not None else None,
        submission_hash=folder_hash(folder) if folder is not None else "",
        environment_hash=fingerprint.environment_hash(),
        node=socket.gethostname(),
        finished_at=_now(),
    )
