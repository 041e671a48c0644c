"""The torch hand-written benchmark loop trains the reference network; the child reports JSON."""

import pytest
from bench_cases import check_child_runs_adapter, check_handwritten_loop_trains

pytestmark = pytest.mark.torch


def test_handwritten_loop_trains_the_original_network():
    check_handwritten_loop_trains("torch")


def test_child_process_reports_an_adapter_run():
    check_child_runs_adapter("torch")


def test_a_submission_benchmarked_runs_none_of_its_code(tmp_path):
    """Its layer list is read from the syntax tree: code at import never runs."""
    import shutil

    from project_paths import HOSTILE

    from harness.benchmarks.spawn import run_child

    folder = tmp_path / "layers_with_code"
    shutil.copytree(HOSTILE / "layers_with_code", folder)
    run = run_child(
        {
            "framework": "torch",
            "runner": "adapter",
            "num_batches": 6,
            "warmup_batches": 2,
            "submission": str(folder / "index.py"),
        },
        timeout=600,
    )
    assert "error" not in run, run["error"]
    assert run["param_count"] == 28 * 28 * 10 + 10
    assert not (folder / "ran.txt").exists()
