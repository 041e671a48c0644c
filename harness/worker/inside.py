"""Inside the sandbox: ``python -m harness.worker.inside JOB_DIR`` runs one graded run.

The worker loads the submission first (so hostile import-time code runs before any
framework is loaded), then the adapter; checks a code-form model's output on a small batch
(a Model Builder list's shapes were checked when it was loaded, and a reference's are
ours), trains,
and predicts the unlabelled test images chunk by chunk. It writes ``out/result.json`` and
``out/predictions.npy`` (:mod:`harness.worker.files`); every failure becomes
``{"status": "failed", "reason": ...}`` (see :mod:`harness.worker.reasons`). It never sees
a test label: the trusted side (:mod:`harness.worker.parent`) scores the predictions.

Job files (written by the parent): ``job.json`` (:class:`harness.worker.job.Job`) and
``inputs.npz`` (train/validation images and labels, test images, no test labels).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np

from harness.adapters.base import INFERENCE_CHUNK
from harness.names import CURVE_POINTS, WARMUP_BATCHES
from harness.worker import explore, files
from harness.worker.job import Job
from harness.worker.reasons import StepFailed, describe_exception

CHECK_BATCH = 8  # images in the output-shape check before training
PREDICT_CHUNK = INFERENCE_CHUNK  # test images per logits call



def main(argv: list[str]) -> None:
    """Run the job in ``argv[0]`` and exit; only the worker process writes results."""
    pid = os.getpid()
    job_dir = Path(argv[0]).resolve()
    predictions = None
    try:
        result, predictions = _run(job_dir)
    except BaseException as exc:  # noqa: B036 - student code may raise anything, even exit
        if os.getpid() != pid:  # a process the student forked: leave quietly
            os._exit(1)
        result = {"status": "failed", "reason": _safe_reason(exc, job_dir)}
    files.write_outputs(job_dir / "out", result, predictions)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)  # don't wait for threads the student's code may have left running


def _safe_reason(exc: BaseException, job_dir: Path) -> str:
    try:  # the exception is the student's: its __str__ may raise too
        return describe_exception(exc, job_dir)
    except Exception:
        return f"{type(exc).__name__} (its message could not be read)"


def _run(job_dir: Path) -> tuple[dict, np.ndarray]:
    job = Job.load(job_dir / "job.json")
    source, settings = _model_source(job)  # runs the student's file: before any framework
    from harness.adapters import get_adapter
    adapter = get_adapter(job.framework)
    inputs = dict(np.load(job_dir / "inputs.npz"))
    shape, classes = job.input_shape, job.num_classes
    model = adapter.build(source, shape, classes, seed=job.seed)
    if source.build_model is not None:  # our own networks' shapes are checked before this
        _check_output(adapter, model, inputs, classes)
    config = _train_config(job, settings)
    outcome = _train(adapter, model, inputs, config)
    predictions, probabilities = _predict(adapter, model, inputs["test_images"], classes)
    if not job.is_reference:  # what the student's explore page shows
        explore.write_exports(job_dir / "out", probabilities,
                                     explore.trained_arrays(adapter, model, settings))
    return _result(adapter, model, outcome, settings, config), predictions


def _model_source(job: Job):
    """The ModelSource and the settings to train with, from the submission or the job."""
    from harness.adapters.base import ModelSource
    if job.is_reference:
        settings = {key: getattr(job, key) for key in
                    ("batch_size", "num_batches", "optimizer", "learning_rate")}
        return ModelSource(reference=job.reference), settings
    from harness.config import Assignment, load_assignment
    from harness.submission.load import load_submission
    assignment = load_assignment(job.assignment_path) if job.assignment_path else Assignment()
    submission = load_submission(job.submission_path, assignment)
    if submission.framework not in (None, job.framework):
        raise StepFailed(f"FRAMEWORK: expected {job.framework!r} for this run, received "
                         f"{submission.framework!r}")
    hp = submission.hyperparameters
    settings = {"batch_size": hp.batch_size, "num_batches": hp.num_batches,
                "optimizer": hp.optimizer, "learning_rate": hp.learning_rate,
                "form": submission.form}
    if submission.layers is not None:
        settings["layers"] = [dict(layer) for layer in submission.layers]
    if submission.provenance:  # an index.js: where each layer came from, for the reports
        settings["source"] = submission.provenance
    return submission.model_source(), settings


def _check_output(adapter, model, inputs: dict, classes: int) -> None:
    """Fail with a clear message before training when the model's output is wrong."""
    images = inputs["train_images"][:CHECK_BATCH]
    labels = inputs["train_labels"][:CHECK_BATCH]
    _expect_shape(adapter.logits(model, images), len(images), classes, "in inference mode")
    check = adapter.loss_and_grad_check(model, images, labels)
    _expect_shape(np.empty(check["output_shape"]), len(images), classes, "in training")
    if not np.isfinite(check["loss"]) or not check["grad_finite"]:
        raise StepFailed(f"loss or gradients not finite on the first batch "
                         f"(loss {check['loss']})")


def _expect_shape(logits, rows: int, classes: int, when: str) -> None:
    shape = tuple(np.shape(logits))
    if shape != (rows, classes):
        raise StepFailed(f"wrong output shape {when}: expected ({rows}, {classes}), "
                         f"received {shape}")


def _train_config(job: Job, settings: dict):
    from harness.adapters.base import TrainConfig
    from harness.training.optim import OptimizerConfig
    num_batches = int(settings["num_batches"])
    if job.max_batches:
        num_batches = min(num_batches, job.max_batches)
    settings["num_batches_run"] = num_batches
    points = job.curve_points or CURVE_POINTS
    eval_every = job.eval_every or max(1, num_batches // points)
    return TrainConfig(
        batch_size=int(settings["batch_size"]), num_batches=num_batches,
        optimizer=OptimizerConfig.from_name(settings["optimizer"], settings["learning_rate"]),
        seed=job.seed, eval_every=eval_every,
        warmup_batches=min(WARMUP_BATCHES, max(num_batches - 1, 0)))


def _train(adapter, model, inputs: dict, config):
    from harness.adapters.base import TrainData
    from harness.training.batching import batch_indices
    order = batch_indices(len(inputs["train_images"]), config.batch_size,
                          config.num_batches, config.seed)
    data = TrainData(inputs["train_images"], inputs["train_labels"],
                     inputs["validation_images"], inputs["validation_labels"], order)
    outcome = adapter.train(model, data, config)
    if not outcome.loss_finite:
        at = outcome.curve[-1].batch if outcome.curve else "?"
        raise StepFailed(f"loss became NaN/inf at batch {at}")
    return outcome


def _predict(adapter, model, images: np.ndarray, classes: int):
    """Argmax of logits and their softmax, chunk by chunk, each chunk's shape checked (a
    model may change)."""
    chunks = []
    for start in range(0, len(images), PREDICT_CHUNK):
        chunk = images[start:start + PREDICT_CHUNK]
        logits = np.asarray(adapter.logits(model, chunk))
        _expect_shape(logits, len(chunk), classes, "on the test images")
        chunks.append(logits)
    logits = np.concatenate(chunks) if chunks else np.zeros((0, classes), np.float32)
    return np.argmax(logits, axis=1).astype(np.int64), explore.softmax(logits)


def _result(adapter, model, outcome, settings: dict, config) -> dict:
    return {
        "status": "ok", "reason": "", "param_count": int(adapter.param_count(model)),
        "curve": [{"batch": p.batch, "loss": p.loss,
                   "validation_accuracy": p.validation_accuracy} for p in outcome.curve],
        "examples_per_sec": outcome.examples_per_sec,
        "warmup_seconds": outcome.warmup_seconds, "steady_seconds": outcome.steady_seconds,
        "train_seconds": outcome.train_seconds, "device": adapter.device_info(),
        "settings": {**settings, "eval_every": config.eval_every},
    }


if __name__ == "__main__":
    main(sys.argv[1:])
