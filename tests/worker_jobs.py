"""Build and run graded-run jobs for the sandbox and worker tests (no framework imported).

A job folder holds ``job.json`` as the runner writes it; :func:`run_job` runs it with
:func:`harness.worker.parent.run_worker`, streaming synthetic inputs (no validation or test
label is ever sent).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
from project_paths import HOSTILE

from harness.sandbox.process import Limits
from harness.worker.job import Job
from harness.worker.stream import RunInputs

SHAPE = (28, 28, 1)
NUM_TEST = 40


def synthetic_inputs(seed: int = 0) -> RunInputs:
    """Synthetic 28x28x1 inputs as the parent streams them (no validation or test label)."""
    rng = np.random.default_rng(seed)

    def images(n):
        return rng.integers(0, 256, (n, *SHAPE), dtype=np.uint8)

    return RunInputs(
        train_images=images(96),
        train_labels=rng.integers(0, 10, 96),
        validation_images=images(32),
        test_images=images(NUM_TEST),
    )


def copy_submission(name: str, dest: Path, targets: dict | None = None) -> Path:
    """Copy ``hostile_submissions/<name>`` to ``dest/<name>``, with a targets.json if given."""
    folder = dest / name
    shutil.copytree(HOSTILE / name, folder)
    if targets is not None:
        (folder / "targets.json").write_text(json.dumps(targets))
    return folder / "index.py"


def make_job(
    tmp: Path, index: Path | None, framework: str = "torch", reference: str | None = None
) -> Path:
    """A job folder for ``index`` (a submission) or ``reference``, under ``tmp/job``."""
    job_dir = tmp / "job"
    job_dir.mkdir()
    job = {
        "kind": "reference" if reference else "submission",
        "submission_path": str(index) if index else None,
        "reference": reference,
        "framework": framework,
        "dataset": "fashion_mnist",
        "input_shape": list(SHAPE),
        "num_classes": 10,
        "seed": 0,
        "max_batches": 6,
        "eval_every": 3,
        "batch_size": 16 if reference else None,
        "num_batches": 6 if reference else None,
        "optimizer": "sgd" if reference else None,
        "learning_rate": 0.01 if reference else None,
        "assignment_path": None,
    }
    (job_dir / "job.json").write_text(json.dumps(job))
    return job_dir


def run_job(job_dir: Path, limits: Limits, isolate: bool = True, inputs: RunInputs | None = None):
    """(result, predictions, sandbox) of the job in ``job_dir``: ``result`` holds status,
    reason, the parent's examples_per_sec and train_seconds, and the run's param_count."""
    from harness.worker.parent import run_worker

    job = Job.load(job_dir / "job.json")
    run = run_worker(
        job, inputs or synthetic_inputs(), limits, scratch_dir=job_dir, isolate=isolate
    )
    points = (
        zip(run.training_plan.points, run.report.losses, strict=True) if run.status == "ok" else []
    )
    result = {
        "status": run.status,
        "reason": run.reason,
        "examples_per_sec": run.examples_per_sec,
        "train_seconds": run.train_seconds,
        "param_count": run.report.param_count if run.report else None,
        "settings": run.settings(),
        "curve": [{"batch": b, "loss": loss} for b, loss in points],
    }
    return result, run.predictions, run.sandbox


def limits(**changes) -> Limits:
    """Small limits so that hostile cases end within seconds."""
    base = dict(
        wall_seconds=20.0,
        memory_bytes=3 << 30,
        max_processes=128,
        max_file_bytes=64 << 20,
        output_bytes=8192,
    )
    return Limits(**{**base, **changes})


def assert_honest_layers_pass(tmp: Path, framework: str) -> None:
    """The honest Model Builder submission trains and predicts in ``framework``, isolated."""
    index = copy_submission("honest_layers", tmp / "submissions")
    result, predictions, sandbox = run_job(
        make_job(tmp, index, framework=framework), limits(wall_seconds=180.0)
    )
    assert sandbox.isolated and result["status"] == "ok", (result, sandbox.stderr[-2000:])
    assert result["param_count"] == 4 * 9 + 4 + 4 * 14 * 14 * 10 + 10
    assert predictions.shape == (NUM_TEST,)
