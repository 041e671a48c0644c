"""Hostile submissions that strike while the framework runs (torch, the lightest), and the
honest tiny submission passing in the same session, isolated and in the fallback."""

from __future__ import annotations

import pytest
from worker_jobs import NUM_TEST, copy_submission, limits, make_job, run_job

pytestmark = [pytest.mark.torch, pytest.mark.sandbox]
needs_bwrap = pytest.mark.needs("bubblewrap", "torch")


def run(tmp_path, name, isolate=True, **limit_changes):
    index = copy_submission(name, tmp_path / "submissions")
    return run_job(make_job(tmp_path, index), limits(**limit_changes), isolate=isolate)


def expect_failure(tmp_path, name, **limit_changes):
    result, predictions, sandbox = run(tmp_path, name, **limit_changes)
    assert result["status"] == "failed" and predictions is None, result
    assert sandbox.isolated
    return result["reason"], sandbox


@pytest.fixture(scope="module")
def honest(tmp_path_factory):
    """The honest run, isolated; hostile runs use its wall time to size their limits."""
    return run(tmp_path_factory.mktemp("honest"), "honest_tiny")


@needs_bwrap
def test_honest_tiny_passes_isolated(honest, tmp_path):
    result, predictions, sandbox = honest
    assert sandbox.isolated and result["status"] == "ok", (result, sandbox.stderr)
    assert predictions.shape == (NUM_TEST,) and predictions.dtype.kind == "i"
    assert result["param_count"] == 4 * 3 * 3 + 4 + 4 * 13 * 13 * 10 + 10
    assert [p["batch"] for p in result["curve"]] == [3, 6]
    assert set(predictions.tolist()) <= set(range(10))
    assert result["examples_per_sec"] == 6 * 16 / result["train_seconds"]


@needs_bwrap
def test_honest_tiny_passes_unisolated_with_the_same_predictions(honest, tmp_path):
    result, predictions, sandbox = run(tmp_path, "honest_tiny", isolate=False)
    assert not sandbox.isolated and result["status"] == "ok", (result, sandbox.stderr)
    # Same job, same seed, same thread count: the sandbox changes nothing of the result.
    assert predictions.tolist() == honest[1].tolist()
    assert [p["loss"] for p in result["curve"]] == [p["loss"] for p in honest[0]["curve"]]


@needs_bwrap
def test_exception_in_build_model(tmp_path):
    reason, _ = expect_failure(tmp_path, "build_model_raises")
    assert reason.startswith("KeyError: 'conv1' at ") and reason.endswith("index.py:9")


@needs_bwrap
def test_wrong_output_shape(tmp_path):
    reason, _ = expect_failure(tmp_path, "wrong_output_shape")
    assert reason == "wrong output shape in inference mode: expected (8, 10), received (8, 5)"


@needs_bwrap
def test_wrong_output_shape_only_at_evaluation(tmp_path):
    reason, _ = expect_failure(tmp_path, "wrong_shape_at_eval")
    assert reason == "wrong output shape in inference mode: expected (8, 10), received (8, 3)"


@needs_bwrap
def test_nan_loss(tmp_path):
    reason, _ = expect_failure(tmp_path, "nan_loss")
    assert reason == "loss became NaN/inf at batch 3"


@needs_bwrap
def test_hang_in_training(honest, tmp_path):
    reason, sandbox = expect_failure(
        tmp_path, "hang_in_training", wall_seconds=honest[2].wall_seconds + 5
    )
    assert sandbox.timed_out and reason.startswith("timed out after")
    assert "entering the endless step" in sandbox.stdout


@needs_bwrap
def test_sys_exit_in_training(tmp_path):
    reason, _ = expect_failure(tmp_path, "sys_exit_in_training")
    assert reason == "called sys.exit(0) before returning predictions"


@needs_bwrap
def test_os_exit_in_training(tmp_path):
    reason, sandbox = expect_failure(tmp_path, "os_exit_in_training")
    assert sandbox.returncode == 0
    assert reason == "exited early with status 0 before returning predictions"


@needs_bwrap
def test_output_flood_is_captured_and_truncated(tmp_path):
    result, predictions, sandbox = run(tmp_path, "output_flood", output_bytes=4096)
    assert result["status"] == "ok" and predictions is not None
    for text in (sandbox.stdout, sandbox.stderr):
        assert len(text) < 4096 + 100 and " bytes truncated]" in text
    assert sandbox.stdout.rstrip().endswith("last line of the flood")


@needs_bwrap
def test_reference_job_trains_the_named_network(tmp_path):
    result, predictions, sandbox = run_job(make_job(tmp_path, None, reference="original"), limits())
    assert result["status"] == "ok", (result, sandbox.stderr)
    assert result["param_count"] == 14_682 and predictions.shape == (NUM_TEST,)
    assert result["settings"]["optimizer"] == "sgd"


@needs_bwrap
def test_exports_that_fail_after_the_report_leave_the_run_standing(honest, tmp_path):
    result, predictions, sandbox = run(tmp_path, "break_exports")
    assert result["status"] == "ok" and sandbox.returncode == 0, (result, sandbox.stderr)
    assert predictions.tolist() == honest[1].tolist()  # the same network as honest_tiny
    assert not (tmp_path / "job" / "out" / "probabilities.npy").exists()
