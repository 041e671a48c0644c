"""Cross-framework parity: same network, same weights, same batches, same numbers.

Each framework runs in its own child process (tests/parity_child.py); this process
imports none of them.
"""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from project_paths import ROOT, TESTS

from harness.adapters import FRAMEWORKS
from harness.optimizers import OPTIMIZER_NAMES

CHILD = Path(__file__).with_name("parity_child.py")


def _run_child(framework: str, source: str, tmp_path: Path) -> dict:
    out = tmp_path / f"{framework}-{source}.npz"
    done = subprocess.run(
        [sys.executable, str(CHILD), framework, source, str(out)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
        env=child_env(),
    )
    assert done.returncode == 0, done.stderr[-3000:]
    with np.load(out) as data:
        return {k: data[k] for k in data.files}


def child_env() -> dict:
    """This environment, with the checkout and the shared test helpers (adapter_contract
    imports tests/needs.py) on the child's path."""
    import os

    environment = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return {**environment, "PYTHONPATH": os.pathsep.join([str(ROOT), str(TESTS)])}


@pytest.fixture(scope="module", params=["original", "layers"])
def results(request, tmp_path_factory):
    tmp = tmp_path_factory.mktemp(request.param)
    return {fw: _run_child(fw, request.param, tmp) for fw in FRAMEWORKS}


def test_parameter_counts_are_equal_and_pinned(results):
    assert {int(r["param_count"]) for r in results.values()} == {14682}


def test_logits_agree_with_the_same_weights(results):
    base = results["torch"]["logits"]
    assert base.shape == (16, 10)
    for framework in ("tensorflow", "jax"):
        np.testing.assert_allclose(results[framework]["logits"], base, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("optimizer", OPTIMIZER_NAMES)
def test_ten_steps_give_the_same_losses(results, optimizer):
    """Every optimizer name means one update rule: the same losses in all three frameworks."""
    key = f"losses_{optimizer}"
    base = results["torch"][key]
    assert base.shape == (10,) and base[-1] < base[0]
    for framework in ("tensorflow", "jax"):
        np.testing.assert_allclose(
            results[framework][key], base, rtol=1e-4, atol=1e-4, err_msg=f"{framework} {optimizer}"
        )
