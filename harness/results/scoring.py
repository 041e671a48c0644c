"""Score a run's predictions against the test labels the parent kept. Pure NumPy.

Predictions come from untrusted code: :func:`check_predictions` is called before any score.
"""

from __future__ import annotations

import numpy as np


def check_predictions(pred, num_test: int, num_classes: int) -> str | None:
    """Why ``pred`` cannot be scored (shape, dtype, range), or None when it can."""
    if not isinstance(pred, np.ndarray):
        return f"predictions: expected a NumPy array, received {type(pred).__name__}"
    if pred.shape != (num_test,):
        return f"predictions: expected shape ({num_test},), received {pred.shape}"
    if pred.dtype.kind not in "iu":
        return f"predictions: expected integer class indices, received dtype {pred.dtype}"
    if num_test and (pred.min() < 0 or pred.max() >= num_classes):
        return (
            f"predictions: expected class indices in [0, {num_classes - 1}], received "
            f"values from {pred.min()} to {pred.max()}"
        )
    return None


def accuracy(pred: np.ndarray, labels: np.ndarray) -> float:
    """Fraction of predictions equal to the labels (0.0 for no examples)."""
    labels = np.asarray(labels)
    return float(np.mean(np.asarray(pred) == labels)) if len(labels) else 0.0


def confusion_matrix(pred: np.ndarray, labels: np.ndarray, num_classes: int) -> list[list[int]]:
    """Rows: true class; columns: predicted class; counts as plain ints."""
    counts = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(counts, (np.asarray(labels, np.int64), np.asarray(pred, np.int64)), 1)
    return counts.tolist()


def scored_curve(
    batches, losses, validation_predictions: np.ndarray, validation_labels: np.ndarray
) -> list[dict]:
    """Learning-curve points: the batch the parent planned, the loss the run claims, and the
    accuracy of the run's validation predictions, scored here against the first labels."""
    labels = np.asarray(validation_labels[: np.shape(validation_predictions)[1]])
    return [
        {"batch": int(batch), "loss": float(loss), "validation_accuracy": accuracy(pred, labels)}
        for batch, loss, pred in zip(batches, losses, validation_predictions, strict=True)
    ]
