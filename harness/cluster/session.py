"""Open and close the cluster backend for one grading session (the pytest plugin's side)."""

from __future__ import annotations

import contextlib

from harness.cluster import connect as cluster


@contextlib.contextmanager
def open_backend(session, runs: list):
    """Connect to ``session.plan.cluster``, submit ``runs`` and route the session's runs
    there until the block ends."""
    from harness.cluster.backend import ClusterBackend

    cluster.connect(session.plan.cluster)
    from harness.grading.progress import ProgressBoard

    backend = ClusterBackend(
        session, runs_per_gpu=_runs_per_gpu(session.plan), board=ProgressBoard(session.plan.out_dir)
    )
    session.remote = backend
    try:
        backend.submit(runs)
        yield backend
    finally:
        session.remote = None
        backend.close()


def _runs_per_gpu(plan) -> int:
    """Runs sharing one card when the cluster has GPUs; 0 when it has none."""
    return plan.runs_per_gpu if cluster.task_slots("GPU") >= 1 else 0
