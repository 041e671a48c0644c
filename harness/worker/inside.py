"""Inside the sandbox: ``python -m harness.worker.inside JOB_DIR FD`` runs one graded run.

The worker loads the submission first (so hostile import-time code runs before any
framework is loaded), then the adapter; builds the model and checks a code-form model's
output on synthetic images (a Model Builder list's shapes were checked when it was loaded,
and a reference's are ours); declares its settings over the socket ``FD`` and receives the
data the parent planned (:mod:`harness.worker.parent`): the training examples of its
batches with their labels, unlabelled validation and test images. It trains, predicting the
validation images at each curve point, predicts the test images, and sends one ``report``;
a student's run then writes its explore page's exports, outside the parent's clock.
Every failure becomes a report ``{"status": "failed", "reason": ...}`` (see
:mod:`harness.worker.reasons`). It never sees a validation or test label, and nothing it
says about time or counts is used: the parent keeps the clock.
"""

from __future__ import annotations

import os
import socket
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

from harness.adapters import get_adapter
from harness.adapters.base import INFERENCE_CHUNK, ModelSource, TrainConfig, TrainData
from harness.config import Assignment, load_assignment
from harness.names import FRAMEWORKS, WARMUP_BATCHES
from harness.optimizers import OptimizerConfig
from harness.submission.load import LAYERS_NOT_AT_TOP, load_submission
from harness.worker import channel, explore
from harness.worker.job import Job
from harness.worker.reasons import StepFailed, describe_exception

SHAPE_CHECK_IMAGES = 8  # synthetic images in the output-shape check before training
PREDICT_CHUNK = INFERENCE_CHUNK  # test images per logits call
DATA_BYTES = 1 << 40  # the parent's data message is trusted; its size is the plan's


def main(argv: list[str]) -> None:
    """Run the job in ``argv[0]`` over the socket ``argv[1]`` and exit."""
    pid = os.getpid()
    job_dir = Path(argv[0]).resolve()
    sock = socket.socket(fileno=int(argv[1]))
    report: tuple[dict, dict] = ({}, {})
    exports = None
    try:
        report, exports = _run(job_dir, sock)
    except BaseException as exc:  # noqa: B036 - student code may raise anything, even exit
        if os.getpid() != pid:  # a process the student forked: leave quietly
            os._exit(1)
        report = ({"status": "failed", "reason": _safe_reason(exc, job_dir)}, {})
    try:
        channel.send(sock, "report", *report)
    except OSError:
        pass  # the parent stopped listening (it refused a message); it knows why
    if exports is not None:  # after the report: the parent's clock has stopped
        try:
            exports()
        except BaseException:  # noqa: B036 - the run stands; its page loses its pictures
            pass
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)  # don't wait for threads the student's code may have left running


def _safe_reason(exc: BaseException, job_dir: Path) -> str:
    try:  # the exception is the student's: its __str__ may raise too
        return describe_exception(exc, job_dir)
    except Exception:
        return f"{type(exc).__name__} (its message could not be read)"


def _run(job_dir: Path, sock: socket.socket) -> tuple[tuple[dict, dict], Callable | None]:
    """The report, and what writes the explore page's exports once it is sent (None for a
    reference): a student's run is timed for the same work as the reference's."""
    job = Job.load(job_dir / "job.json")
    source, settings = _model_source(job)  # runs the student's file: before any framework

    adapter = get_adapter(job.framework)
    model = adapter.build(source, job.input_shape, job.num_classes, seed=job.seed)
    if source.build_model is not None:  # our own networks' shapes are checked before this
        _check_output(adapter, model, job)
    channel.send(sock, "ready", {"settings": settings})
    _, training_settings, data = channel.receive(sock, DATA_BYTES)
    curve = _train(adapter, model, data, _train_config(job, training_settings), job.num_classes)
    logits = _logits(adapter, model, data["test_images"], job.num_classes)
    body = {
        "status": "ok",
        "param_count": int(adapter.param_count(model)),
        "device": adapter.device_info(),
        "losses": [loss for loss, _ in curve],
    }
    report = (
        body,
        {
            "predictions": np.argmax(logits, axis=1).astype(np.int64),
            "validation_predictions": _stack([p for _, p in curve], data),
        },
    )
    if job.is_reference:
        return report, None
    return report, lambda: explore.write_exports(  # what the student's explore page shows
        job_dir / "out", explore.softmax(logits), explore.trained_arrays(adapter, model, settings)
    )


def _stack(predictions: list[np.ndarray], data: dict) -> np.ndarray:
    if predictions:
        return np.stack(predictions)
    return np.zeros((0, len(data["validation_images"])), np.int64)


def _model_source(job: Job):
    """The ModelSource and the settings to train with, from the submission or the job."""
    if job.is_reference:
        settings = {
            key: getattr(job, key)
            for key in ("batch_size", "num_batches", "optimizer", "learning_rate")
        }
        return ModelSource(reference=job.reference), settings

    assignment = load_assignment(job.assignment_path) if job.assignment_path else Assignment()
    submission = load_submission(job.submission_path, assignment)
    if submission.framework is None and job.framework not in FRAMEWORKS:
        raise StepFailed(LAYERS_NOT_AT_TOP)  # planned as "unknown": its list is not literal
    if submission.framework not in (None, job.framework):
        raise StepFailed(
            f"FRAMEWORK: expected {job.framework!r} for this run, received {submission.framework!r}"
        )
    hp = submission.hyperparameters
    settings = {
        "batch_size": hp.batch_size,
        "num_batches": hp.num_batches,
        "optimizer": hp.optimizer,
        "learning_rate": hp.learning_rate,
        "form": submission.form,
    }
    if submission.layers is not None:
        settings["layers"] = [dict(layer) for layer in submission.layers]
    if submission.provenance:  # an index.js: where each layer came from, for the reports
        settings["source"] = submission.provenance
    return submission.model_source(), settings


def _check_output(adapter, model, job: Job) -> None:
    """Fail with a clear message before training when the model's output is wrong
    (synthetic images: no data reaches the worker before it declares its settings)."""
    rng = np.random.default_rng(job.seed)
    images = rng.integers(0, 256, (SHAPE_CHECK_IMAGES, *job.input_shape), dtype=np.uint8)
    labels = rng.integers(0, job.num_classes, SHAPE_CHECK_IMAGES)
    classes = job.num_classes
    _expect_shape(adapter.logits(model, images), len(images), classes, "in inference mode")
    check = adapter.loss_and_grad_check(model, images, labels)
    _expect_shape(np.empty(check["output_shape"]), len(images), classes, "in training")
    if not np.isfinite(check["loss"]) or not check["grad_finite"]:
        raise StepFailed(
            f"loss or gradients not finite on a first synthetic batch (loss {check['loss']})"
        )


def _expect_shape(logits, rows: int, classes: int, when: str) -> None:
    shape = tuple(np.shape(logits))
    if shape != (rows, classes):
        raise StepFailed(
            f"wrong output shape {when}: expected ({rows}, {classes}), received {shape}"
        )


def _train_config(job: Job, sent: dict):
    """The adapter's configuration, from the training settings the parent sent with the data."""
    num_batches = int(sent["num_batches"])
    return TrainConfig(
        batch_size=int(sent["batch_size"]),
        num_batches=num_batches,
        optimizer=OptimizerConfig.from_name(sent["optimizer"], sent["learning_rate"]),
        seed=job.seed,
        eval_every=int(sent["eval_every"]),
        warmup_batches=min(WARMUP_BATCHES, max(num_batches - 1, 0)),
    )


def _train(adapter, model, data: dict, config, classes: int) -> list[tuple[float, np.ndarray]]:
    """Train on the examples sent; (mean loss, validation predictions) per curve point.

    The adapter's own validation gets no images (it has no labels to score them with); the
    callback predicts the unlabelled validation images with the model as trained so far.
    """
    images = data["validation_images"]
    none = images[:0]
    curve = []

    def at_point(point) -> None:
        logits = _logits(adapter, model, images, classes)
        curve.append((float(point.loss), np.argmax(logits, axis=1).astype(np.int64)))

    train = TrainData(
        data["train_images"],
        data["train_labels"],
        none,
        np.zeros(0, np.int64),
        data["batch_indices"],
    )
    outcome = adapter.train(model, train, config, on_progress=at_point)
    if not outcome.loss_finite:
        at = outcome.curve[-1].batch if outcome.curve else "?"
        raise StepFailed(f"loss became NaN/inf at batch {at}")
    return curve


def _logits(adapter, model, images: np.ndarray, classes: int) -> np.ndarray:
    """Logits chunk by chunk, each chunk's shape checked (a model may change)."""
    chunks = []
    for start in range(0, len(images), PREDICT_CHUNK):
        chunk = images[start : start + PREDICT_CHUNK]
        logits = np.asarray(adapter.logits(model, chunk))
        _expect_shape(logits, len(chunk), classes, "on the test images")
        chunks.append(logits)
    return np.concatenate(chunks) if chunks else np.zeros((0, classes), np.float32)


if __name__ == "__main__":
    main(sys.argv[1:])
