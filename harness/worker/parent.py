"""The trusted side of one graded run: start the worker, stream its data, time it, judge it.

:func:`run_worker` is the one function that runs a worker: on this machine for ``grade``
and ``train``, or on a cluster node with inputs from that node's own files. It starts
``python -m harness.worker.inside`` in the sandbox (:func:`harness.sandbox.process.run_isolated`)
with one end of a socket, and converses over the other in a thread:

1. the worker loads the submission, builds the model, checks its output on synthetic
   images, and declares its settings (``ready``);
2. the parent checks them against the budget (:mod:`harness.worker.training_plan`), starts its
   clock and sends the ``data`` (:mod:`harness.worker.stream`): the examples of the
   planned batches with their labels, unlabelled validation and test images;
3. the worker trains, predicts and sends its ``report``; the clock stops when it arrives.

Every number of the result is the parent's: examples sent, seconds from the first byte of
data to the report, their ratio, and the CPU-seconds the kernel accounted to the run's
whole process tree over the same window (:class:`harness.sandbox.account.RunAccount`):
a run that computed on more cores than it was given fails, with the figures. What the
worker sends is parsed field by field (:mod:`harness.worker.messages`). No validation or
test label is ever sent.
"""

from __future__ import annotations

import os
import socket
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from harness.config import Assignment, Budget, load_assignment
from harness.sandbox.account import RunAccount
from harness.sandbox.process import Limits, SandboxResult, failure_reason, run_isolated
from harness.worker import channel, messages
from harness.worker.job import Job
from harness.worker.stream import RunInputs, send_data
from harness.worker.training_plan import TrainingPlan, plan_training

# Settings of the parent's environment a run honours; nothing else of it crosses over.
PASSED_ENV = (
    "HARNESS_GPU_MEMORY_FRACTION",
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "TF_CPP_MIN_LOG_LEVEL",
    "TF_ENABLE_ONEDNN_OPTS",
    "XLA_FLAGS",
    "XLA_PYTHON_CLIENT_MEM_FRACTION",
    "XLA_PYTHON_CLIENT_PREALLOCATE",
    "CUBLAS_WORKSPACE_CONFIG",
)
READY_BYTES = 1 << 20  # the worker's declaration
# CPU-seconds a run may show above wall time x cores given before it counts as computing
# on cores it was not given: the parent reads its clock and the kernel's figure one after
# the other, and /proc (without a cgroup) counts in clock ticks per process
CPU_SLACK_SHARE, CPU_SLACK_SECONDS = 0.05, 0.25
REPORT_BYTES = 64 << 20  # its report: predictions, validation predictions, claims


@dataclass
class WorkerRun:
    """One run as the parent saw it: its plan, its clock, the worker's checked report."""

    status: str  # "ok" or "failed"
    reason: str
    sandbox: SandboxResult
    training_plan: TrainingPlan | None = None
    declared: messages.Declared | None = None
    report: messages.Report | None = None
    train_seconds: float | None = None  # parent's clock: first byte of data -> report
    # the kernel's CPU-seconds of the run's whole tree over the same window, and the cores
    # the run was given to spend them on
    train_cpu_seconds: float | None = None
    cores_given: int | None = None

    @property
    def examples_per_sec(self) -> float | None:
        if self.status != "ok" or not self.train_seconds:
            return None
        return self._passed_plan().examples / self.train_seconds

    @property
    def examples_per_cpu_sec(self) -> float | None:
        """Examples per CPU-second of the run's tree: what load on the machine barely moves."""
        if self.status != "ok" or not self.train_cpu_seconds:
            return None
        return self._passed_plan().examples / self.train_cpu_seconds

    @property
    def predictions(self) -> np.ndarray | None:
        if self.status != "ok":
            return None
        if self.report is None:  # never: a run passes on its report (_verdict)
            raise ValueError("a passed run without a report")
        return self.report.predictions

    def _passed_plan(self) -> TrainingPlan:
        if self.training_plan is None:  # never: a report is parsed against the plan
            raise ValueError("a passed run without a training plan")
        return self.training_plan

    def settings(self) -> dict:
        """Training settings as run: the plan's, and the form and layers the run declared."""
        settings = self.training_plan.message() if self.training_plan else {}
        if self.training_plan:
            settings["num_batches_run"] = self.training_plan.num_batches
        if self.declared and self.declared.form:
            settings["form"] = self.declared.form
        if self.declared and self.declared.layers is not None:
            settings["layers"] = [dict(layer) for layer in self.declared.layers]
        if self.declared and self.declared.source is not None:
            settings["source"] = self.declared.source
        return settings


@dataclass
class _Conversation:
    """The parent's half of the protocol, run in a thread while the sandbox runs."""

    sock: socket.socket
    job: Job
    inputs: RunInputs
    budget: Budget
    account: RunAccount | None = None  # the run's CPU accounting (None: the clock only)
    training_plan: TrainingPlan | None = None
    declared: messages.Declared | None = None
    report: messages.Report | None = None
    refused: str | None = None
    times: list[float] = field(default_factory=list)
    cpu: list[float | None] = field(default_factory=list)  # the kernel's, at the same moments

    def __call__(self) -> None:
        try:
            self._converse()
        except (OSError, channel.Closed):
            pass  # the worker went away; the sandbox's verdict says why
        except (messages.Refused, channel.ProtocolError) as exc:
            self.refused = str(exc)
            self.sock.shutdown(socket.SHUT_RDWR)  # a worker still sending stops at once

    def _mark(self) -> None:
        self.times.append(time.monotonic())
        self.cpu.append(self.account.cpu_seconds() if self.account else None)

    def _converse(self) -> None:
        kind, body, arrays = channel.receive(self.sock, READY_BYTES)
        if kind == "ready":
            self.declared = messages.parse_declared(body)
            self.training_plan = plan_training(self.job, self.declared, self.budget)
            self._mark()
            send_data(self.sock, self.training_plan, self.inputs, self.job.seed)
            kind, body, arrays = channel.receive(self.sock, REPORT_BYTES)
            self._mark()
        if kind != "report":
            raise messages.Refused(f"message: expected 'ready' or 'report', received {kind!r}")
        points = len(self.training_plan.points) if self.training_plan else 0
        report = messages.parse_report(
            body,
            arrays,
            points=points,
            num_test=len(self.inputs.test_images),
            validation_images=len(self.inputs.curve_images),
            classes=self.job.num_classes,
        )
        if report.status == "ok" and self.training_plan is None:
            raise messages.Refused(
                "report: expected 'failed' before any data was sent, received 'ok'"
            )
        self.report = report


def _visible_paths(job: Job) -> list[Path]:
    """The submission's own folder and the assignment file: all a run may read of ours."""
    paths = []
    if job.submission_path:
        # The folder, not the file resolved: a linked index.py is not followed to its target.
        paths.append(Path(job.submission_path).parent.resolve())
    if job.assignment_path:
        paths.append(Path(job.assignment_path).resolve())
    return paths


def _budget(job: Job) -> Budget:
    return (load_assignment(job.assignment_path) if job.assignment_path else Assignment()).budget


def run_worker(
    job: Job,
    inputs: RunInputs,
    limits: Limits,
    *,
    scratch_dir: Path,
    budget: Budget | None = None,
    isolate: bool = True,
    gpu_index: int | None = None,
    env: Mapping[str, str] | None = None,
) -> WorkerRun:
    """Run ``job`` in the sandbox with ``scratch_dir`` (empty, ours) as its only writable
    folder; stream it ``inputs``; return what the parent measured and accepted. The run
    honours the :data:`PASSED_ENV` settings of ``env`` (this process's environment when
    None)."""
    env = os.environ if env is None else env
    scratch_dir = Path(scratch_dir).resolve()
    job.save(scratch_dir / "job.json")
    ours, theirs = socket.socketpair()
    account = RunAccount(limits.memory_bytes, limits.cpus)
    talk = _Conversation(ours, job, inputs, budget or _budget(job), account)
    thread = threading.Thread(target=talk, daemon=True)
    thread.start()
    try:
        sandbox = run_isolated(
            [sys.executable, "-m", "harness.worker.inside", ".", str(theirs.fileno())],
            scratch_dir=scratch_dir,
            readonly_paths=_visible_paths(job),
            limits=limits,
            gpu_index=gpu_index,
            isolate=isolate,
            pass_fds=[theirs.fileno()],
            env={k: env[k] for k in PASSED_ENV if k in env},
            account=account,
        )
    finally:
        theirs.close()
        ours.shutdown(socket.SHUT_RDWR)
        thread.join()
        ours.close()
    return _verdict(talk, sandbox, limits)


def _verdict(talk: _Conversation, sandbox: SandboxResult, limits: Limits) -> WorkerRun:
    """The sandbox's cause wins over whatever the worker sent; no report names why."""
    run = WorkerRun("failed", "", sandbox, talk.training_plan, talk.declared, talk.report)
    killed = (
        sandbox.timed_out
        or sandbox.memory_exceeded
        or sandbox.processes_exceeded
        or sandbox.disk_exceeded
    )
    if killed or sandbox.returncode or sandbox.signal_name:
        run.reason = f"{failure_reason(sandbox, limits)} before returning predictions"
    elif talk.refused:
        run.reason = f"refused what the run sent: {talk.refused}"
    elif talk.report is None:
        run.reason = "exited early with status 0 before returning predictions"
    else:
        run.status, run.reason = talk.report.status, talk.report.reason
        if len(talk.times) == 2:
            run.train_seconds = talk.times[1] - talk.times[0]
            _account_cpu(run, talk, run.train_seconds)
    return run


def _account_cpu(run: WorkerRun, talk: _Conversation, train_seconds: float) -> None:
    """CPU-seconds over the clock's window; more than wall time x cores given fails the run
    (it computed on cores it was not given, which only widening its affinity allows)."""
    run.cores_given = talk.account.cores_given if talk.account else None
    start, stop = talk.cpu
    if start is None or stop is None or run.cores_given is None:
        return
    run.train_cpu_seconds = max(stop - start, 0.0)
    allowed = train_seconds * run.cores_given
    if run.status == "ok" and run.train_cpu_seconds > allowed * (1 + CPU_SLACK_SHARE) + (
        CPU_SLACK_SECONDS
    ):
        run.status = "failed"
        run.reason = (
            f"computed on more cores than it was given: {run.train_cpu_seconds:.2f} "
            f"CPU-seconds in {train_seconds:.2f} s of training with "
            f"{run.cores_given} core(s) given ({run.train_cpu_seconds / train_seconds:.2f} "
            "cores' worth); a run may not widen its CPU affinity"
        )
