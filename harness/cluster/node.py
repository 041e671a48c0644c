"""The Ray task of one graded run: on a node, the same sandboxed worker as on one machine.

The task lays the job out in a private folder of the node (the submission's files, the
assignment file, an empty scratch folder), runs :func:`harness.worker.parent.run_worker`
with the dataset's inputs from the object store (shared by every task of the node), the
limits the head chose and, where the node has no sandbox, the head's
``--allow-unisolated``, and returns the run as the node's parent measured and checked it,
with paths of the node's folder written back as the head's so that reasons read as on one
machine. The head scores it: only it holds the validation and test labels.
"""

from __future__ import annotations

import shutil
import socket
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path

from harness.cluster.payload import write_files
from harness.hashing import code_hash
from harness.sandbox.modes import sandbox_mode
from harness.sandbox.process import Limits
from harness.worker.explore import PROBABILITIES, WEIGHTS, read_export
from harness.worker.job import Job
from harness.worker.parent import WorkerRun, run_worker
from harness.worker.stream import RunInputs

EXPORT_BYTES = 64 << 20  # largest export file a node sends back


@dataclass
class NodeOutcome:
    """What a node returns for one run; the head scores it."""

    run: WorkerRun  # the node's parent's plan, clock and checked report, and the sandbox
    node: str  # "hostname (node id)"
    code_hash: str  # the node's harness source, which must be the head's
    wall_seconds: float  # the task's own time on the node: laying out, running, cleaning up
    exports: dict[str, bytes]  # out/ files for the explore page, checked on the head


@dataclass(frozen=True)
class NodeJob:
    """Everything a node needs for one run besides the dataset objects."""

    job: Job  # with the head's paths
    files: dict[str, bytes]  # the submission's folder; empty for a reference
    assignment: bytes | None  # the assignment file's bytes
    limits: Limits
    test_images: int | None = None  # a probe predicts only the first ones
    unisolated_allowed: str = ""  # the head's reason for accepting unisolated runs, or ""


def _isolate(task: NodeJob) -> bool:
    """Whether the node runs the worker in its sandbox: always, when it has one; a node
    without one runs unisolated only where the head's user accepted that (the record then
    says ``isolation: none``), and refuses otherwise, naming how to get one."""
    return not task.unisolated_allowed or sandbox_mode() is not None


def _lay_out(base: Path, task: NodeJob) -> tuple[Job, Path]:
    job = task.job
    if job.submission_path:
        folder = base / "submission"
        write_files(folder, task.files)
        job = replace(job, submission_path=str(folder / Path(job.submission_path).name))
    if task.assignment is not None:
        assignment = base / "assignment.toml"
        assignment.write_bytes(task.assignment)
        assignment.chmod(0o644)
        job = replace(job, assignment_path=str(assignment))
    job_dir = base / "job"
    job_dir.mkdir()
    return job, job_dir


def _head_paths(text: str, job: Job, base: Path) -> str:
    """``text`` with the node's copies of the submission and assignment named as the head's
    (``job`` holds the head's paths)."""
    if job.submission_path:
        text = text.replace(str(base / "submission"), str(Path(job.submission_path).parent))
    if job.assignment_path:
        text = text.replace(str(base / "assignment.toml"), job.assignment_path)
    return text


def _exports(out: Path) -> dict[str, bytes]:
    """The run's exports for its explore page, as bytes: regular files only, bounded; the
    head checks their contents as it checks a local run's."""
    found = {name: read_export(out / name, EXPORT_BYTES) for name in (PROBABILITIES, WEIGHTS)}
    return {name: data for name, data in found.items() if data is not None}


def node_name() -> str:
    import ray

    return f"{socket.gethostname()} ({ray.get_runtime_context().get_node_id()[:12]})"


def _gpu_index() -> int | None:
    import ray

    ids = ray.get_gpu_ids()
    return int(ids[0]) if ids else None


def run_on_node(task: NodeJob, inputs: RunInputs) -> NodeOutcome:
    """The body of the Ray task (see :mod:`harness.cluster.backend` for its resources)."""
    started = time.monotonic()
    base = Path(tempfile.mkdtemp(prefix="cnn-harness-run-"))
    if task.test_images is not None:
        inputs = replace(inputs, test_images=inputs.test_images[: task.test_images])
    try:
        job, job_dir = _lay_out(base, task)
        run = run_worker(
            job,
            inputs,
            task.limits,
            scratch_dir=job_dir,
            isolate=_isolate(task),
            gpu_index=_gpu_index(),
        )
        exports = _exports(job_dir / "out") if run.status == "ok" else {}
    finally:
        shutil.rmtree(base, ignore_errors=True)
    run.reason = _head_paths(run.reason, task.job, base)
    run.sandbox = replace(
        run.sandbox,
        stdout=_head_paths(run.sandbox.stdout, task.job, base),
        stderr=_head_paths(run.sandbox.stderr, task.job, base),
    )
    return NodeOutcome(run, node_name(), code_hash(), time.monotonic() - started, exports)
