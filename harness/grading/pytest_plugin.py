"""pytest plugin that turns a grading plan into test items.

Each (submission, dataset, framework) becomes ``test_graded_run[<name>]``, so ``-k``
selects runs, ``--junitxml`` reports them, pytest-xdist spreads them over ``--jobs``
workers, and pytest-benchmark times each training run.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from harness.grading.plan import GradingPlan
from harness.grading.progress import ProgressBoard
from harness.grading.remote import open_backend
from harness.grading.runner import GradingSession
from harness.host import run_threads


def pytest_addoption(parser):
    group = parser.getgroup("harness", "grading with the CNN harness")
    group.addoption("--harness-plan", help="plan file written by `python -m harness grade`")


def _plan(config) -> GradingPlan | None:
    path = config.getoption("--harness-plan")
    return GradingPlan.load(Path(path)) if path else None


def pytest_generate_tests(metafunc):
    if "graded_run" not in metafunc.fixturenames:
        return
    plan = _plan(metafunc.config)
    runs = plan.runs if plan else []
    metafunc.parametrize("graded_run", runs, ids=[r.name for r in runs])


@pytest.hookimpl(trylast=True)  # after -k and -m have deselected what will not run
def pytest_collection_modifyitems(config, items):
    plan = _plan(config)
    if plan is not None:
        ProgressBoard(plan.out_dir).selected(len(_selected_runs(items)))


def _gpu_for_worker() -> int | None:
    """Pin each xdist worker to its own GPU (round robin) when there are several."""
    visible = os.environ.get("HARNESS_GPU_COUNT")
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    if not visible or int(visible) < 1:
        return None
    return int(worker.removeprefix("gw") or 0) % int(visible)


def _cpus_for_worker() -> tuple[int, ...]:
    """The cores of this xdist worker's runs: as many as a run has threads
    (``OMP_NUM_THREADS``, which ``grade`` sets to 1 unless given), the workers side by side,
    round robin over the cores this process may use. Runs of one worker take turns on them,
    so no run computes on more cores than the reference's, whatever threads it starts."""
    available = sorted(os.sched_getaffinity(0))
    width = min(run_threads() or 1, len(available))
    worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
    start = worker * width
    return tuple(available[(start + i) % len(available)] for i in range(width))


@pytest.fixture(scope="session")
def grading_session(pytestconfig, request):
    plan = _plan(pytestconfig)
    if plan is None:
        pytest.skip("no --harness-plan given")
    # On a cluster the nodes place runs; these cores are this machine's.
    cpus = () if plan.cluster else _cpus_for_worker()
    session = GradingSession.open(plan, gpu_index=_gpu_for_worker(), cpus=cpus)
    if not plan.cluster:
        yield session
        return

    with open_backend(session, _selected_runs(request.session.items)):
        yield session


def _selected_runs(items) -> list:
    """The planned runs of the items that will run (after -k and -m), in their order."""
    return [
        item.callspec.params["graded_run"]
        for item in items
        if "graded_run" in getattr(getattr(item, "callspec", None), "params", {})
    ]
