"""No test label reaches a node: everything the head puts into Ray's object store, and every
argument of every task it submits, is searched for the labels."""

import pickle
from dataclasses import fields, is_dataclass
from pathlib import Path

import numpy as np
import pytest
from data_fixtures import write_fashion_slice
from project_paths import SUBMISSIONS

from harness.cluster.connect import LOOPBACK_ENV
from harness.cluster.local import local_cluster
from harness.grading.inputs import prepare_dataset
from harness.grading.plan import GradingPlan, RunSpec
from harness.grading.remote import SessionRuns
from harness.grading.runner import GradingSession

pytestmark = [pytest.mark.realdata, pytest.mark.needs("ray")]


def _session(tmp_path) -> GradingSession:
    from harness.config import default_assignment_path

    data_dir = write_fashion_slice(tmp_path / "data", train=200, test=50)
    plan = GradingPlan(
        runs=[],
        out_dir=str(tmp_path / "out"),
        data_dir=str(data_dir),
        assignment_path=str(default_assignment_path()),
        allow_unverified=True,
        max_batches=5,
    )
    prepare_dataset(plan, "fashion_mnist", seed=0)
    return GradingSession.open(plan)


def _leaves(value):
    """Every array, bytes and string inside ``value`` (dicts, lists, dataclasses)."""
    if is_dataclass(value):
        value = {f.name: getattr(value, f.name) for f in fields(value)}
    if isinstance(value, dict):
        yield from (leaf for key, item in value.items() for leaf in [key, *_leaves(item)])
    elif isinstance(value, (list, tuple)):
        yield from (leaf for item in value for leaf in _leaves(item))
    elif isinstance(value, (np.ndarray, bytes, str)):
        yield value


def _holds_labels(leaf, labels: np.ndarray, labels_path: str) -> bool:
    if isinstance(leaf, str):
        return "label" in leaf and ("test" in leaf or "validation" in leaf) or labels_path in leaf
    raw = leaf.tobytes() if isinstance(leaf, np.ndarray) else leaf
    return labels.tobytes() in raw or labels.astype(np.uint8).tobytes() in raw


def test_nothing_the_head_sends_holds_a_test_label(tmp_path, monkeypatch):
    for key in LOOPBACK_ENV:  # connect sets them; Ray, imported first, has not read them
        monkeypatch.delenv(key, raising=False)
    # Ray imported before connect, as another module of the process may have done: the
    # driver stays on 127.0.0.1 all the same (else it waits minutes on the outward address)
    import ray

    from harness.cluster import backend as backend_module
    from harness.cluster.connect import connect, disconnect

    session = _session(tmp_path)
    runs = [
        RunSpec("reference:original", "fashion_mnist", "torch", reference="original"),
        RunSpec(
            "original", "fashion_mnist", "torch", path=str(SUBMISSIONS / "original" / "index.py")
        ),
    ]
    sent = []

    class Recorder:  # stands in for the Ray task: records its arguments, runs nothing
        def options(self, **options):
            return self

        def remote(self, *args):
            sent.append(args)
            return ray.put(None)

    monkeypatch.setattr(backend_module, "_remote_task", Recorder)
    monkeypatch.setattr(backend_module.ClusterBackend, "_collect", lambda self: None)
    with local_cluster(nodes=1) as cluster:
        connect(cluster.address)
        try:
            backend = backend_module.ClusterBackend(SessionRuns(session))
            backend.submit(runs)
            stored = [ray.get(ref) for ref in backend.puts]
        finally:
            disconnect()
    folder = Path(session.grading_plan.out_dir) / ".work" / "data" / "fashion_mnist"
    assert len(stored) == 1 and len(sent) == 2  # the dataset put once, for both runs
    leaves = list(_leaves(stored)) + list(_leaves([args[0] for args in sent]))
    assert any(isinstance(leaf, np.ndarray) and leaf.shape[0] == 50 for leaf in leaves)
    for split in ("test", "validation"):
        labels_path = str(folder / f"{split}_labels.npy")
        labels = np.load(labels_path)
        assert not [leaf for leaf in leaves if _holds_labels(leaf, labels, labels_path)]
        assert labels_path.encode() not in pickle.dumps(sent)
