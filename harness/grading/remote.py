"""A grading session's runs on a Ray cluster: the grading's side of the backend.

:class:`SessionRuns` is the :class:`~harness.worker.remote.RunSource` the cluster backend
(:class:`harness.cluster.backend.ClusterBackend`) is given: each run prepared, scored and
saved here, on the head, with the labels only it holds. :func:`open_backend` connects, routes
the session's runs there until the block ends, and disconnects.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from pathlib import Path
from typing import cast

from harness.cluster import connect as cluster
from harness.cluster.backend import ClusterBackend
from harness.cluster.payload import submission_files
from harness.errors import SubmissionError
from harness.grading.command import shared_gpu_memory_fraction
from harness.grading.inputs import PreparedDataset, load_prepared
from harness.grading.plan import RunSpec
from harness.grading.progress import ProgressBoard
from harness.grading.runner import (
    GradingSession,
    job_description,
    reusable_record,
    run_fingerprint,
    run_inputs,
    scored_record,
    store_record,
)
from harness.results.record import RunRecord
from harness.worker.parent import WorkerRun
from harness.worker.remote import Outgoing, PlannedRun
from harness.worker.stream import RunInputs


def _spec(run: PlannedRun) -> RunSpec:
    """The backend hands back the runs it was given: this session's :class:`RunSpec`."""
    return cast(RunSpec, run)


class SessionRuns:
    """The runs of one grading session, as a cluster backend needs them."""

    def __init__(self, session: GradingSession, board: ProgressBoard | None = None):
        self.session = session
        self.board = board
        self._prepared: dict[str, PreparedDataset] = {}

    def _data(self, dataset: str) -> PreparedDataset:
        if dataset not in self._prepared:
            out_dir = Path(self.session.grading_plan.out_dir)
            self._prepared[dataset] = load_prepared(out_dir, dataset)
        return self._prepared[dataset]

    def outgoing(self, planned: PlannedRun) -> Outgoing | None:
        run, session, plan = _spec(planned), self.session, self.session.grading_plan
        data = self._data(run.dataset)
        key = run_fingerprint(run, plan, data)
        if reusable_record(run, session, key):
            return None
        try:
            files = submission_files(run.path) if run.path else {}
        except SubmissionError as exc:
            files, unsent = {}, tuple(exc.problems)
        else:
            unsent = ()
        return Outgoing(
            key=key,
            job=job_description(run, plan, session.assignment, data),
            files=files,
            assignment=Path(plan.assignment_path).read_bytes(),
            limits=session.limits(),
            test_images=len(run_inputs(run, session, data).test_images) if run.probe else None,
            unisolated_allowed=plan.unisolated_allowed,
            unsent=unsent,
        )

    def inputs(self, dataset: str) -> RunInputs:
        return self._data(dataset).inputs()

    def scored(self, run: PlannedRun, exports: Path, outcome: WorkerRun) -> RunRecord:
        data = self._data(run.dataset)
        return scored_record(_spec(run), self.session, data, exports, outcome)

    def save(self, run: PlannedRun, record: RunRecord, key: str, wall: float) -> None:
        store_record(self.session, record, key, wall)

    def stored(self, run: PlannedRun) -> RunRecord | None:
        return self.session.store.load(run.submission, run.dataset, run.framework)

    def mark(self, run: PlannedRun, status: str) -> None:
        if self.board is not None:
            self.board.mark(_spec(run), status)


@contextlib.contextmanager
def open_backend(session: GradingSession, runs: Sequence[RunSpec]):
    """Connect to ``session.grading_plan.cluster``, submit ``runs`` and route the session's
    runs there until the block ends."""
    plan = session.grading_plan
    assert plan.cluster, "open_backend is for a grading with --cluster"
    cluster.connect(plan.cluster)
    runs_per_gpu = plan.runs_per_gpu if cluster.task_slots("GPU") >= 1 else 0
    backend = ClusterBackend(
        SessionRuns(session, ProgressBoard(Path(plan.out_dir))),
        runs_per_gpu=runs_per_gpu,
        gpu_memory_fraction=shared_gpu_memory_fraction(1, runs_per_gpu),
    )
    session.remote = backend
    try:
        backend.submit(runs)
        yield backend
    finally:
        session.remote = None
        backend.close()
