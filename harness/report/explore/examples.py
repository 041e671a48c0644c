"""Which test images the explore page shows: picked by the trusted parent, which alone
holds the labels.

Two kinds: a *picker* of a few test images of every class (the first ones of each class in
the test set), and for each of the most-confused pairs the report names, the test images
of the true class that the network read as the other one most confidently, beside the
most confidently right image of each of the two classes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from harness.report.analysis import confused_cells
from harness.results.scoring import confusion_matrix

PICKER_PER_CLASS = 2  # test images of each class in the picker
CONFUSED_PER_PAIR = 3  # confused test images shown per pair


@dataclass(frozen=True)
class Pair:
    """One most-confused pair and the test images (indices into the test set) shown."""

    true: int
    predicted: int
    count: int
    confused: list[int] = field(default_factory=list)  # label true, read as predicted
    correct: list[int] = field(default_factory=list)  # right ones: one of true, one of predicted


@dataclass(frozen=True)
class Selection:
    picker: list[int]  # test indices, a few per class
    pairs: list[Pair]

    def indices(self) -> list[int]:
        """Every test index shown, each once, in first-use order."""
        seen = list(self.picker)
        for pair in self.pairs:
            seen += pair.confused + pair.correct
        return list(dict.fromkeys(seen))


def _most_confident(mask: np.ndarray, scores: np.ndarray, count: int) -> list[int]:
    """Up to ``count`` indices where ``mask`` holds, highest score first, ties by index."""
    where = np.flatnonzero(mask)
    order = np.lexsort((where, -scores[where]))
    return [int(i) for i in where[order[:count]]]


def select(
    labels: np.ndarray, predicted: np.ndarray, probabilities: np.ndarray, num_classes: int
) -> Selection:
    """The picker and the confused pairs for one run, from its test labels, the predictions
    it was scored on and the probabilities its network gave every test image."""
    labels = np.asarray(labels, dtype=np.int64)
    picker = [
        int(i) for c in range(num_classes) for i in np.flatnonzero(labels == c)[:PICKER_PER_CLASS]
    ]
    confusion = confusion_matrix(predicted, labels, num_classes)
    pairs = []
    for count, true, wrong in confused_cells(confusion):  # the pairs the report names
        confused = _most_confident(
            (labels == true) & (predicted == wrong), probabilities[:, wrong], CONFUSED_PER_PAIR
        )
        correct = [
            i
            for c in (true, wrong)
            for i in _most_confident((labels == c) & (predicted == c), probabilities[:, c], 1)
        ]
        pairs.append(Pair(true, wrong, count, confused, correct))
    return Selection(picker, pairs)
