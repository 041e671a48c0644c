"""Build graded-run job folders for the sandbox and worker tests (no framework imported).

A job is written the way the runner writes one: ``job.json`` plus ``inputs.npz`` with
synthetic images, and the test labels kept aside, never inside the job folder.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
from project_paths import HOSTILE

from harness.sandbox.process import Limits

SHAPE = (28, 28, 1)
NUM_TEST = 40


def write_inputs(path: Path, seed: int = 0) -> np.ndarray:
    """Synthetic 28x28x1 data in ``path``; returns the test labels (kept by the caller)."""
    rng = np.random.default_rng(seed)

    def images(n):
        return rng.integers(0, 256, (n, *SHAPE), dtype=np.uint8)

    labels = rng.integers(0, 10, NUM_TEST)
    np.savez(path, train_images=images(96), train_labels=rng.integers(0, 10, 96),
             validation_images=images(32), validation_labels=rng.integers(0, 10, 32),
             test_images=images(NUM_TEST))
    return labels


def copy_submission(name: str, dest: Path, targets: dict | None = None) -> Path:
    """Copy ``hostile_submissions/<name>`` to ``dest/<name>``, with a targets.json if given."""
    folder = dest / name
    shutil.copytree(HOSTILE / name, folder)
    if targets is not None:
        (folder / "targets.json").write_text(json.dumps(targets))
    return folder / "index.py"


def make_job(tmp: Path, index: Path | None, framework: str = "torch",
             reference: str | None = None) -> Path:
    """A job folder for ``index`` (a submission) or ``reference``, under ``tmp/job``."""
    job_dir = tmp / "job"
    job_dir.mkdir()
    job = {"kind": "reference" if reference else "submission",
           "submission_path": str(index) if index else None, "reference": reference,
           "framework": framework, "dataset": "fashion_mnist", "input_shape": list(SHAPE),
           "num_classes": 10, "seed": 0, "max_batches": 6, "eval_every": 3,
           "batch_size": 16 if reference else None, "num_batches": 6 if reference else None,
           "optimizer": "sgd" if reference else None,
           "learning_rate": 0.01 if reference else None, "assignment_path": None}
    (job_dir / "job.json").write_text(json.dumps(job))
    write_inputs(job_dir / "inputs.npz")
    return job_dir


def limits(**changes) -> Limits:
    """Small limits so that hostile cases end within seconds."""
    base = dict(wall_seconds=20.0, memory_bytes=3 << 30, max_processes=128,
                max_file_bytes=64 << 20, output_bytes=8192)
    return Limits(**{**base, **changes})


def assert_honest_layers_pass(tmp: Path, framework: str) -> None:
    """The honest Model Builder submission trains and predicts in ``framework``, isolated."""
    from harness.worker.parent import run_job

    index = copy_submission("honest_layers", tmp / "submissions")
    result, predictions, sandbox = run_job(make_job(tmp, index, framework=framework),
                                           limits(wall_seconds=180.0))
    assert sandbox.isolated and result["status"] == "ok", (result, sandbox.stderr[-2000:])
    assert result["param_count"] == 4 * 9 + 4 + 4 * 14 * 14 * 10 + 10
    assert predictions.shape == (NUM_TEST,)
