"""The worker runs a Model Builder submission with tensorflow inside the sandbox (the memory
limit, the private /tmp and the missing network suit the framework)."""

from __future__ import annotations

import pytest
from worker_jobs import NUM_TEST, copy_submission, limits, make_job

from harness.sandbox import bubblewrap_available
from harness.worker import run_job

pytestmark = [pytest.mark.tensorflow, pytest.mark.sandbox,
              pytest.mark.skipif(not bubblewrap_available(), reason="needs bubblewrap")]


def test_honest_layers_pass_isolated(tmp_path):
    index = copy_submission("honest_layers", tmp_path / "submissions")
    result, predictions, sandbox = run_job(make_job(tmp_path, index, framework="tensorflow"),
                                           limits(wall_seconds=180.0))
    assert sandbox.isolated and result["status"] == "ok", (result, sandbox.stderr[-2000:])
    assert result["param_count"] == 4 * 9 + 4 + 4 * 14 * 14 * 10 + 10
    assert predictions.shape == (NUM_TEST,)
