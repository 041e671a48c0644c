"""Test predictions of two students that agree far more than their accuracies explain.

Two honest networks get many of the same images wrong, and often with the same wrong class
(a shirt read as a T-shirt); how often is a property of the dataset, measured on the
class's own pairs. A pair counts when, on at least ``MIN_BOTH_WRONG`` images both got wrong,
they chose the same wrong class in at least ``MIN_SAME_WRONG`` of them and more than the
class's median pair by ``ABOVE_MEDIAN``.
"""

from __future__ import annotations

import numpy as np

MIN_BOTH_WRONG, MIN_SAME_WRONG, ABOVE_MEDIAN = 30, 0.9, 0.25


def _counts(predictions: np.ndarray, labels: np.ndarray, classes: int):
    """Images both got wrong, and of those the ones with the same wrong class, per pair."""
    wrong = predictions != labels[None, :]
    as_float = wrong.astype(np.float32)
    both = as_float @ as_float.T
    same = np.zeros_like(both)
    for label in range(classes):
        chose = (wrong & (predictions == label)).astype(np.float32)
        same += chose @ chose.T
    return both, same, 1.0 - wrong.mean(axis=1)


def similar_predictions(
    students: list[str], predictions: np.ndarray, labels: np.ndarray, dataset: str
) -> list[dict]:
    """``predictions``: (students, test images) class indices, in ``students`` order."""
    if len(students) < 2:
        return []
    classes = int(max(predictions.max(), labels.max())) + 1
    both, same, accuracy = _counts(predictions, labels, classes)
    upper = np.triu_indices(len(students), 1)
    rates = same[upper] / np.maximum(both[upper], 1)
    median = float(np.median(rates[both[upper] >= MIN_BOTH_WRONG])) if rates.size else 0.0
    bar = max(MIN_SAME_WRONG, median + ABOVE_MEDIAN)
    found = []
    for i, j, rate in zip(*upper, rates, strict=True):
        if both[i, j] < MIN_BOTH_WRONG or rate < bar:
            continue
        expected = (1 - accuracy[i]) * (1 - accuracy[j]) * labels.size
        found.append(
            {
                "a": students[i],
                "b": students[j],
                "dataset": dataset,
                "same_wrong": round(float(rate), 4),
                "evidence": f"{dataset}: same wrong class on {rate:.0%} of the "
                f"{int(both[i, j])} test images both got wrong (class median {median:.0%}; "
                f"independent errors at accuracies {accuracy[i]:.4f} and {accuracy[j]:.4f} "
                f"would share about {expected:.0f} wrong images)",
            }
        )
    return found
