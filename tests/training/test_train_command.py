"""`python -m harness train` end to end in each framework: curve lines, then one JSON line.

The command runs in a child process, so this module imports no framework; each case carries
its framework's marker and runs in that framework's pytest group.
"""

import json
import shutil
import subprocess
import sys

import pytest
from project_paths import HOSTILE, ROOT

FRAMEWORKS = [
    pytest.param(name, marks=getattr(pytest.mark, name)) for name in ("torch", "tensorflow", "jax")
]
SUMMARY_KEYS = {
    "framework",
    "dataset",
    "param_count",
    "num_batches",
    "batch_size",
    "test_accuracy",
    "examples_per_sec",
    "train_seconds",
    "device",
    "isolated",
}


def train(*options) -> tuple[list[str], dict]:
    done = subprocess.run(
        [sys.executable, "-m", "harness", "train", *options, "--json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.strip().splitlines()
    return lines[:-1], json.loads(lines[-1])


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_reference_run_prints_its_curve_and_ends_with_the_summary(framework):
    curve, summary = train(
        "--reference",
        "original",
        "--framework",
        framework,
        "--num-batches",
        "40",
        "--batch-size",
        "32",
    )
    assert SUMMARY_KEYS <= summary.keys()
    assert summary["framework"] == framework and summary["dataset"] == "fashion_mnist"
    assert (summary["param_count"], summary["num_batches"], summary["batch_size"]) == (
        14682,
        40,
        32,
    )
    assert 0.3 < summary["test_accuracy"] <= 1.0  # 40 batches learn something; chance is 0.1
    assert summary["examples_per_sec"] == 40 * 32 / summary["train_seconds"]
    assert summary["device"]
    batches = [line for line in curve if line.startswith("batch ")]
    assert len(batches) == 20 and batches[-1].split()[1] == "40/40"


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_code_form_example_trains_with_its_own_settings(framework):
    _, summary = train(f"submissions/{framework}_example/index.py", "--num-batches", "10")
    assert summary["framework"] == framework and summary["num_batches"] == 10
    assert summary["param_count"] == 14_682  # each example is the original network, by hand
    # 10 batches give 10 curve points (one per batch, fewer than the 20 asked for)
    assert [point["batch"] for point in summary["curve"]] == list(range(1, 11))
    assert summary["loss_finite"] is True


@pytest.mark.torch
@pytest.mark.sandbox
def test_a_submission_trains_in_the_sandbox(tmp_path):
    """Its code cannot write beside itself or anywhere of ours: it runs in the sandbox."""
    from harness.sandbox.process import bubblewrap_available

    if not bubblewrap_available():
        pytest.skip("needs bubblewrap")
    folder = tmp_path / "write_outside"
    shutil.copytree(HOSTILE / "write_outside", folder)
    target = tmp_path / "planted_by_train.py"
    (folder / "targets.json").write_text(json.dumps({"write": [str(target)]}))
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "harness",
            "train",
            str(folder / "index.py"),
            "--num-batches",
            "5",
            "--json",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
    )
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert done.returncode == 1 and summary["status"] == "failed" and summary["isolated"]
    assert "PermissionError: blocked 2 of 2 writes" in summary["reason"]
    assert not target.exists() and not (folder / "planted.py").exists()
