"""The head's backend keeps each run's flight and record apart, whatever the run names spell."""

from __future__ import annotations

import pytest

from harness.cluster import backend as backend_module
from harness.cluster.backend import ClusterBackend
from harness.grading.plan import RunSpec
from harness.worker.remote import Outgoing

# Before runs were keyed by run_key, "alice" declaring FRAMEWORK = "torch-mnist-torch"
# had the run name of student "alice-mnist-torch"'s mnist/torch run.
ALICE = RunSpec("alice", "mnist", "torch-mnist-torch")
NAMESAKE = RunSpec("alice-mnist-torch", "mnist", "torch")


class UnsentSource:
    """A RunSource whose every run is recorded unsent (no Ray task), naming its submission."""

    def __init__(self):
        self.saved: list[tuple[str, str]] = []

    def outgoing(self, run):
        return Outgoing("key", None, {}, b"", None, None, "", unsent=(f"{run.submission}'s",))

    def save(self, run, record, key, wall):
        self.saved.append((run.submission, record.reason))

    def mark(self, run, state):
        pass

    def stored(self, run):
        return None


class NoTask:
    """Ray's task as the unsent runs use it: options taken, never called."""

    def options(self, **_options):
        return self

    def remote(self, *_args):
        raise AssertionError("an unsent run submitted a task")


@pytest.fixture
def backend(monkeypatch):
    monkeypatch.setattr(backend_module.cluster, "task_slots", lambda resource="CPU": 1)
    monkeypatch.setattr(backend_module, "_remote_task", NoTask)
    made = ClusterBackend(UnsentSource())
    yield made
    made._stop.set()
    made._collector.join(timeout=5)


def test_runs_whose_names_collide_each_get_their_own_record(backend):
    assert ALICE.name == NAMESAKE.name  # the names collide; the runs must not
    backend.submit([ALICE])
    record = backend.record(NAMESAKE)
    assert record is not None and record.submission == "alice-mnist-torch"
    assert record.reason == "alice-mnist-torch's"
    assert backend.record(ALICE).reason == "alice's"
    assert backend.source.saved == [
        ("alice", "alice's"),
        ("alice-mnist-torch", "alice-mnist-torch's"),
    ]
