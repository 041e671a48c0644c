"""The head's side of cluster grading: submit every run at once, score each as it lands.

One driver (the pytest process of the grading) puts each dataset's training split and test
images into the object store once, submits one Ray task per selected run that has no
reusable record, and a collector thread scores each finished run with the labels only the
head holds and saves its record at once, whatever order pytest asks for them in. A pytest
item then only waits for its own run's record, so every run stays one item while the
cluster runs as many at once as it has slots.

A node lost mid-run (its raylet gone, its machine down) makes Ray run the task again on
another node, up to :data:`RETRIES` more times; after that the run is recorded as an
``error`` naming what was lost, without a fingerprint, so grading again retries it.
"""

from __future__ import annotations

import collections
import functools
import os
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from harness.cluster import connect as cluster
from harness.cluster.node import NodeJob, NodeOutcome, run_on_node
from harness.cluster.payload import write_files
from harness.hashing import code_hash
from harness.results.record import RunRecord
from harness.results.store import run_key
from harness.worker.parent import PASSED_ENV
from harness.worker.remote import PlannedRun, RunSource
from harness.worker.stream import FILES, RunInputs

RETRIES = 2  # extra attempts on another node when a node is lost mid-run
POLL_SECONDS = 0.5


@dataclass
class InFlight:
    """A submitted run, until its record is saved."""

    spec: PlannedRun
    key: str  # the run's fingerprint, computed on the head
    done: threading.Event


@functools.cache
def _remote_task():
    import ray

    return ray.remote(run_on_node)


class ClusterBackend:
    """Runs a grading session's runs on the cluster (a :class:`~harness.worker.remote.RemoteRuns`
    for ``GradingSession.remote``); ``source`` prepares, scores and saves each on the head."""

    def __init__(
        self,
        source: RunSource,
        runs_per_gpu: int = 0,
        gpu_memory_fraction: float | None = None,
    ):
        self.source = source
        self.runs_per_gpu = runs_per_gpu  # 0: runs use no GPU
        self.gpu_memory_fraction = gpu_memory_fraction  # each run's share of its card
        self._waiting: collections.deque[PlannedRun] = collections.deque()  # queued for a slot
        self._slots = max(
            1, cluster.task_slots("GPU" if runs_per_gpu else "CPU") * max(1, runs_per_gpu)
        )
        self.puts: list = []  # every object this head put into the store, in order
        self._datasets: dict[str, tuple] = {}
        # keyed by _key: a run name may collide, its run_key never does
        self._flights: dict[str, InFlight] = {}
        self._refs: dict = {}  # ObjectRef -> run key
        self._records: dict[str, RunRecord] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._collector = threading.Thread(target=self._collect, daemon=True)

    def _put(self, value):
        import ray

        ref = ray.put(value)
        self.puts.append(ref)
        return ref

    def _dataset(self, name: str):
        """The dataset's :class:`RunInputs` (no validation or test label) in the store, put
        once per dataset, read in place by every task of a node."""
        if name not in self._datasets:
            inputs = self.source.inputs(name)
            self._datasets[name] = self._put(
                RunInputs(*(np.array(getattr(inputs, field)) for field in FILES))
            )
        return self._datasets[name]

    def _task_options(self) -> dict:
        env = {k: os.environ[k] for k in PASSED_ENV if k in os.environ}
        options: dict[str, Any] = {"num_cpus": 1, "max_retries": RETRIES, "retry_exceptions": False}
        if self.runs_per_gpu:
            # The same bound per run as --jobs on one machine with that many runs per card.
            options["num_gpus"] = 1 / self.runs_per_gpu
            if self.gpu_memory_fraction is not None:
                env.setdefault("HARNESS_GPU_MEMORY_FRACTION", f"{self.gpu_memory_fraction:.2f}")
        if env:
            options["runtime_env"] = {"env_vars": env}
        return options

    def submit(self, specs: Sequence[PlannedRun]) -> None:
        """Send every run of ``specs`` that has no reusable record and is not in flight."""
        task = _remote_task().options(**self._task_options())
        if not self._collector.is_alive():
            self._collector.start()
        for spec in specs:
            if _key(spec) in self._flights:
                continue
            outgoing = self.source.outgoing(spec)
            if outgoing is None:
                continue
            flight = InFlight(spec, outgoing.key, threading.Event())
            if outgoing.unsent:
                self._finish(flight, _unsent_record(spec, outgoing.unsent), outgoing.key)
                continue
            node_job = NodeJob(
                outgoing.job,
                outgoing.files,
                outgoing.assignment,
                outgoing.limits,
                outgoing.test_images,
                outgoing.unisolated_allowed,
            )
            ref = task.remote(node_job, self._dataset(spec.dataset))
            with self._lock:
                self._flights[_key(spec)], self._refs[ref] = flight, _key(spec)
            self._waiting.append(spec)
            self.source.mark(spec, "queued")
        self._show_running()

    def record(self, spec: PlannedRun) -> RunRecord | None:
        """The run's record, once its task has finished (submitted now if it was not)."""
        flight = self._flights.get(_key(spec))
        if flight is None and _key(spec) not in self._records:
            self.submit([spec])
            flight = self._flights.get(_key(spec))
        if flight is not None:
            flight.done.wait()
        return self._records.get(_key(spec)) or self.source.stored(spec)

    def _collect(self) -> None:
        import ray

        while not self._stop.is_set():
            with self._lock:
                refs = list(self._refs)
            if not refs:
                time.sleep(POLL_SECONDS)
                continue
            ready, _ = ray.wait(refs, num_returns=1, timeout=POLL_SECONDS)
            for ref in ready:
                with self._lock:
                    flight = self._flights[self._refs.pop(ref)]
                try:
                    self._land(flight, ref)
                except Exception as exc:  # noqa: BLE001 - a waiting pytest item must not hang
                    reason = f"the head could not score it: {_first_line(exc)}"
                    self._finish(flight, _error_record(flight.spec, reason), "")

    def _land(self, flight: InFlight, ref) -> None:
        """Score and save one finished (or lost) run."""
        import ray

        try:
            outcome: NodeOutcome = ray.get(ref)
        except ray.exceptions.RayTaskError as exc:  # our code on the node raised: not retried
            reason = f"failed on its node: {_first_line(getattr(exc, 'cause', None) or exc)}"
            self._finish(flight, _error_record(flight.spec, reason), "")
            return
        except ray.exceptions.RayError as exc:
            self._finish(flight, _lost_record(flight.spec, exc), "")
            return
        record = self._scored(flight, outcome)
        self._finish(
            flight, record, flight.key if record.status != "error" else "", outcome.wall_seconds
        )

    def _scored(self, flight: InFlight, outcome: NodeOutcome) -> RunRecord:
        if outcome.code_hash != code_hash():
            record = _error_record(
                flight.spec,
                f"node {outcome.node} runs harness code "
                "different from the head's; install the same version",
            )
        else:
            with tempfile.TemporaryDirectory(prefix="cnn-harness-exports-") as job_dir:
                write_files(Path(job_dir) / "out", outcome.exports)
                record = self.source.scored(flight.spec, Path(job_dir), outcome.run)
        record.node = outcome.node
        return record

    def _finish(self, flight: InFlight, record: RunRecord, key: str, wall: float = 0.0) -> None:
        self.source.save(flight.spec, record, key, wall)
        self._records[_key(flight.spec)] = record
        self.source.mark(flight.spec, record.status)
        self._show_running()
        flight.done.set()

    def _show_running(self) -> None:
        """Mark as running as many in-flight runs as the cluster has slots, oldest first.

        Ray does not tell the head when a task starts; it starts them in about the order
        they were submitted, so this is what the progress display calls running.
        """
        with self._lock:
            landed = sum(1 for name in self._flights if name in self._records)
            running = len(self._flights) - landed - len(self._waiting)
            starting = []
            while self._waiting and running < self._slots:
                starting.append(self._waiting.popleft())
                running += 1
        for spec in starting:
            self.source.mark(spec, "running")

    def close(self) -> None:
        self._stop.set()
        if self._collector.is_alive():
            self._collector.join(timeout=5)
        cluster.disconnect()


def _key(spec: PlannedRun) -> str:
    """The run's key within the grading, the same injective one its record file has."""
    return run_key(spec.submission, spec.dataset, spec.framework)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _error_record(spec: PlannedRun, reason: str) -> RunRecord:
    return RunRecord(
        submission=spec.submission,
        dataset=spec.dataset,
        framework=spec.framework,
        status="error",
        reason=reason,
        finished_at=_now(),
    )


def _lost_record(spec: PlannedRun, exc: BaseException) -> RunRecord:
    """The run's record when Ray could not bring a result back (after its retries)."""
    return _error_record(
        spec,
        f"lost on the cluster after {RETRIES + 1} attempts: "
        f"{type(exc).__name__}: {_first_line(exc)}; grading again retries it",
    )


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [""])[0][:300]


def _unsent_record(spec: PlannedRun, problems: tuple[str, ...]) -> RunRecord:
    record = _error_record(spec, "; ".join(problems))
    record.status = "failed"
    return record
