"""Graded runs run on other machines: what the grading hands a backend, and what comes back.

The grading (``harness.grading``) and a backend that runs its runs elsewhere
(``harness.cluster``) meet here, below both, so that neither imports the other: the grading
offers a :class:`RunSource` (each run prepared, scored and saved where the labels are), the
backend is the grading session's :class:`RemoteRuns`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from harness.results.record import RunRecord
from harness.sandbox.process import Limits
from harness.worker.job import Job
from harness.worker.parent import WorkerRun
from harness.worker.stream import RunInputs


class PlannedRun(Protocol):
    """One planned run as a backend sees it (:class:`harness.grading.plan.RunSpec` is one);
    keyed within a grading by :func:`harness.results.store.run_key` of these three fields."""

    @property
    def submission(self) -> str: ...

    @property
    def dataset(self) -> str: ...

    @property
    def framework(self) -> str: ...


@dataclass(frozen=True)
class Outgoing:
    """One run, ready to send: everything a machine needs for it but the dataset's arrays."""

    key: str  # the run's fingerprint, computed on the head
    job: Job  # with the head's paths
    files: dict[str, bytes]  # the submission's folder; empty for a reference
    assignment: bytes  # the assignment file
    limits: Limits
    test_images: int | None  # a probe predicts only the first ones; None: all
    unisolated_allowed: str  # the head's reason for accepting unisolated runs, or ""
    unsent: tuple[str, ...] = ()  # why its folder cannot be sent: recorded, never run


class RunSource(Protocol):
    """The grading's side: prepares, scores and saves each run where the labels are."""

    def outgoing(self, run: PlannedRun) -> Outgoing | None:
        """The run to send; None when a reusable record is stored."""

    def inputs(self, dataset: str) -> RunInputs:
        """The dataset's training split and images, without a validation or test label."""

    def scored(self, run: PlannedRun, exports: Path, outcome: WorkerRun) -> RunRecord:
        """The record of a finished run; ``exports`` holds what it exported (``out/``)."""

    def save(self, run: PlannedRun, record: RunRecord, key: str, wall: float) -> None:
        """Store ``record`` with its fingerprint (``""``: never reused) and wall time."""

    def stored(self, run: PlannedRun) -> RunRecord | None:
        """The run's stored record, if any."""

    def mark(self, run: PlannedRun, status: str) -> None:
        """Show the run's progress ("queued", "running", or its record's status)."""


class RemoteRuns(Protocol):
    """A backend running a grading session's runs elsewhere (``GradingSession.remote``)."""

    def submit(self, runs: Sequence[PlannedRun]) -> None:
        """Send every run of ``runs`` that has no reusable record and is not in flight."""

    def record(self, run: PlannedRun) -> RunRecord | None:
        """The run's record, once it has finished (submitted now if it was not); None only
        when a record found reusable has gone from the store since."""
