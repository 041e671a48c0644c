"""The pytest module that grading runs: one test per planned (submission, dataset, framework).

``python -m harness grade`` invokes pytest on this file with ``-p harness.grading.pytest_plugin``
and ``--harness-plan``; the plugin parametrises :func:`test_graded_run` from the plan.
"""

import pytest

from harness.grading.progress import ProgressBoard
from harness.grading.runner import execute
from harness.sinks import terminal


def test_graded_run(graded_run, grading_session, benchmark):
    """Train, predict and score one run in its sandbox; fail with the run's reason."""
    board = ProgressBoard(grading_session.grading_plan.out_dir)
    if grading_session.remote is None:  # on a cluster the backend knows what runs when
        board.mark(graded_run, "running")
    record = benchmark.pedantic(
        execute, args=(graded_run, grading_session), rounds=1, iterations=1, warmup_rounds=0
    )
    board.mark(graded_run, record.status)
    benchmark.extra_info.update(
        {
            "submission": record.submission,
            "dataset": record.dataset,
            "framework": record.framework,
            "status": record.status,
            "test_accuracy": record.test_accuracy,
            "examples_per_sec": record.examples_per_sec,
        }
    )
    if record.status != "passed":
        pytest.fail(terminal(f"{record.status}: {record.reason}"), pytrace=False)
