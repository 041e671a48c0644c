"""The trusted side of one graded run: start the worker in the sandbox, read what it left.

:func:`run_job` starts ``python -m harness.worker.inside`` with
:func:`harness.sandbox.process.run_isolated`, reads its output files without following
links (:mod:`harness.worker.files`), and names the reason when nothing usable came back.
The parent never trusts the worker's files; the test labels never enter the job folder.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np

from harness.sandbox.process import Limits, SandboxResult, failure_reason, run_isolated
from harness.worker import files as worker_files
from harness.worker.job import Job

# Settings of the parent's environment a run honours; nothing else of it crosses over.
PASSED_ENV = ("HARNESS_GPU_MEMORY_FRACTION", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
              "TF_CPP_MIN_LOG_LEVEL", "TF_ENABLE_ONEDNN_OPTS", "XLA_FLAGS",
              "XLA_PYTHON_CLIENT_MEM_FRACTION", "XLA_PYTHON_CLIENT_PREALLOCATE",
              "CUBLAS_WORKSPACE_CONFIG")


def run_job(job_dir: Path, limits: Limits, *, isolate: bool = True,
            gpu_index: int | None = None) -> tuple[dict, np.ndarray | None, SandboxResult]:
    """Run the worker on ``job_dir`` in the sandbox; return (result, predictions, sandbox).

    ``result`` always has ``status`` ("ok" or "failed") and ``reason``. Predictions are
    returned only for "ok" results and are already checked for shape, dtype and range.
    """
    job_dir = Path(job_dir).resolve()
    job = Job.load(job_dir / "job.json")
    num_test = worker_files.count_test_images(job_dir / "inputs.npz")
    (job_dir / "out").mkdir(exist_ok=True)
    started = time.monotonic()
    sandbox = run_isolated([sys.executable, "-m", "harness.worker.inside", "."],
                           scratch_dir=job_dir, readonly_paths=_visible_paths(job),
                           limits=limits, gpu_index=gpu_index, isolate=isolate,
                           env={k: os.environ[k] for k in PASSED_ENV if k in os.environ})
    result, predictions = worker_files.read_outputs(job_dir / "out")
    result = _verdict(result, sandbox, limits, time.monotonic() - started)
    if result["status"] == "ok":
        result, predictions = worker_files.checked(result, predictions, num_test,
                                                   job.num_classes)
    return result, predictions if result["status"] == "ok" else None, sandbox


def _visible_paths(job: Job) -> list[Path]:
    """The submission's own folder and the assignment file: all a run may read of ours."""
    paths = []
    if job.submission_path:
        paths.append(Path(job.submission_path).resolve().parent)
    if job.assignment_path:
        paths.append(Path(job.assignment_path).resolve())
    return paths


def _verdict(result: dict | None, sandbox: SandboxResult, limits: Limits,
             wall: float) -> dict:
    """The sandbox's cause wins over whatever the worker wrote; no result names why."""
    killed = (sandbox.timed_out or sandbox.memory_exceeded or sandbox.processes_exceeded
              or sandbox.disk_exceeded)
    if killed or result is None or sandbox.returncode or sandbox.signal_name:
        why = failure_reason(sandbox, limits) or "exited early with status 0"
        return {"status": "failed", "reason": f"{why} before returning predictions"}
    if result["status"] == "ok" and (result.get("train_seconds") or 0) > wall:
        return {"status": "failed", "reason": "reported a training time longer than the "
                f"whole run ({result['train_seconds']:.1f} s > {wall:.1f} s)"}
    return result

