"""``python -m harness train``: train one model in the sandbox and report on it.

For staff and students trying a reference or their own submission by hand. The run goes
the way a graded run does (:func:`harness.worker.parent.run_worker`): the submission's code
runs only in the sandboxed worker, the parent streams the planned batches, keeps the clock
and scores the predictions; command-line settings replace the submission's own.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from harness.config import Assignment, load_assignment
from harness.data import load_dataset
from harness.errors import ConfigError, field_error, require_count, require_positive
from harness.names import reference_id
from harness.optimizers import OPTIMIZER_NAMES
from harness.results.scoring import accuracy, scored_curve
from harness.sandbox.process import Limits
from harness.submission.load import peek
from harness.worker.job import Job
from harness.worker.parent import run_worker
from harness.worker.stream import RunInputs


def _given(option, default):
    """The command-line value when one was given (0 included), else ``default``."""
    return default if option is None else option


def _framework(args) -> str:
    """The framework to train in: the submission's FRAMEWORK (read without running it)."""
    if args.reference:
        return args.framework or "torch"

    _, declared = peek(Path(args.submission))
    if declared and args.framework and args.framework != declared:
        raise ConfigError(
            f"--framework: {args.submission} is written for {declared}, received {args.framework}"
        )
    return declared or args.framework or "torch"


def training_job(args, assignment: Assignment, data) -> Job:
    """The job of a ``train`` run; options given on the command line override settings."""
    settings = dict(
        batch_size=args.batch_size,
        num_batches=args.num_batches,
        optimizer=args.optimizer,
        learning_rate=args.learning_rate,
    )
    if args.reference:
        budget = assignment.budget
        settings = dict(
            batch_size=_given(args.batch_size, budget.default_batch_size),
            num_batches=_given(args.num_batches, budget.default_num_batches),
            optimizer=_given(args.optimizer, assignment.reference_optimizer),
            learning_rate=_given(args.learning_rate, assignment.reference_learning_rate),
        )
    return Job(
        kind="reference" if args.reference else "submission",
        framework=_framework(args),
        dataset=data.name,
        input_shape=tuple(data.image_shape),
        num_classes=data.num_classes,
        seed=args.seed,
        reference=args.reference,
        submission_path=str(Path(args.submission).resolve()) if args.submission else None,
        assignment_path=str(Path(args.assignment).resolve()) if args.assignment else None,
        **settings,
    )


def check_options(args) -> None:
    """Refuse out-of-range command-line training options before anything is loaded."""
    require_count("--batch-size", args.batch_size)
    require_count("--num-batches", args.num_batches)
    require_positive("--learning-rate", args.learning_rate)
    if args.optimizer is not None and args.optimizer not in OPTIMIZER_NAMES:
        raise ConfigError(
            field_error(
                "command line",
                "--optimizer",
                f"one of {', '.join(OPTIMIZER_NAMES)}",
                args.optimizer,
            )
        )


def train_command(args) -> int:
    check_options(args)
    assignment = load_assignment(args.assignment)
    data = load_dataset(
        args.dataset, data_dir=args.data_dir, allow_unverified=args.allow_unverified, seed=args.seed
    )
    job = training_job(args, assignment, data)
    label = reference_id(args.reference) if args.reference else Path(args.submission).parent.name
    print(
        f"training {label} with {job.framework} on {data.name} in the sandbox",
        file=sys.stderr,
        flush=True,
    )
    summary = run_training(job, data, assignment, label)
    if args.json:
        print(json.dumps(summary))
    return 0 if summary["status"] == "passed" else 1


def _mib(value: int | None) -> float | None:
    return round(value / 2**20, 1) if value else None


def run_training(job: Job, data, assignment: Assignment, label: str) -> dict:
    """Run ``job`` on ``data`` in the sandbox; print its curve; return the JSON summary."""
    budget = assignment.budget
    limits = Limits(
        wall_seconds=budget.time_limit_seconds, memory_bytes=budget.memory_limit_mib << 20
    )
    inputs = RunInputs(
        data.train_images, data.train_labels, data.validation_images, data.test_images
    )
    with tempfile.TemporaryDirectory(prefix="harness-train.") as scratch:
        run = run_worker(job, inputs, limits, scratch_dir=Path(scratch), budget=budget)
    summary = _summary(run, job, data, label)
    if run.status != "ok":
        print(f"failed: {run.reason}", file=sys.stderr, flush=True)
        return summary
    plan, report = run.training_plan, run.report
    if plan is None or report is None:  # never: a run passes on a report parsed against its plan
        raise ValueError(f"{label}: a passed run without its training plan or report")
    if report.predictions is None or report.validation_predictions is None:
        raise ValueError(f"{label}: a passed run's report without its predictions")
    curve = scored_curve(
        plan.points, report.losses, report.validation_predictions, data.validation_labels
    )
    _print_curve(curve, plan.num_batches)
    test_accuracy = accuracy(report.predictions, data.test_labels)
    print(
        f"test accuracy {test_accuracy:.4f}, {run.examples_per_sec:.0f} examples/s "
        f"(parent's clock, {run.train_seconds:.2f} s)",
        flush=True,
    )
    return {
        **summary,
        "test_accuracy": test_accuracy,
        "curve": curve,
        "loss_finite": True,  # the parent accepts finite losses only
        "param_count": report.param_count,
        "device": report.device,
    }


def _summary(run, job: Job, data, label: str) -> dict:
    """What every run reports, passed or not: its status, settings and the parent's figures."""
    return {
        "status": "passed" if run.status == "ok" else "failed",
        "reason": run.reason,
        "framework": job.framework,
        "dataset": data.name,
        "model": label,
        **_settings(run),
        "examples_per_sec": run.examples_per_sec,
        "train_seconds": run.train_seconds,
        "examples_per_cpu_sec": run.examples_per_cpu_sec,
        "cpu_seconds": run.train_cpu_seconds,
        "resident_peak_mib": round(run.sandbox.resident_peak_bytes / 2**20, 1),
        "cgroup_peak_mib": _mib(run.sandbox.memory_peak_bytes),
        "working_peak_mib": _mib(run.sandbox.working_peak_bytes),
        "bounds": run.sandbox.bounds,
        "isolated": run.sandbox.isolated,
        "data_verified": data.verified,
        "bundled_subset": data.bundled_subset,
    }


def _print_curve(curve: list[dict], num_batches: int) -> None:
    for point in curve:
        print(
            f"batch {point['batch']:>6}/{num_batches}  loss {point['loss']:.4f}  "
            f"validation accuracy {point['validation_accuracy']:.4f}",
            flush=True,
        )


def _settings(run) -> dict:
    training_plan = run.training_plan
    if training_plan is None:
        return {"num_batches": None, "batch_size": None, "optimizer": None}
    return {
        "num_batches": training_plan.num_batches,
        "batch_size": training_plan.batch_size,
        "optimizer": training_plan.optimizer,
        "learning_rate": training_plan.learning_rate,
    }
