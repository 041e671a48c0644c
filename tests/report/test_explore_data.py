"""What the explore page is built from: the test images the parent picks, and the store."""

from __future__ import annotations

import numpy as np
import pytest
from explore_factory import ORIGINAL_LAYERS, SHAPE, random_arrays

from harness.report.analysis import most_confused
from harness.report.explore import examples, store
from harness.results.scoring import confusion_matrix


def _probabilities(labels, rng):
    """Probabilities that favour the label, with a pullover-as-shirt habit (2 -> 6)."""
    scores = rng.uniform(0, 1, (len(labels), 10))
    scores[np.arange(len(labels)), labels] += 2.0
    habit = (labels == 2) & (rng.uniform(size=len(labels)) < 0.4)
    scores[habit, 6] += 4.0
    return (scores / scores.sum(axis=1, keepdims=True)).astype(np.float32)


@pytest.fixture(scope="module")
def picked():
    rng = np.random.default_rng(3)
    labels = rng.integers(0, 10, 2000)
    probabilities = _probabilities(labels, rng)
    predicted = probabilities.argmax(axis=1)
    return labels, predicted, probabilities, examples.select(labels, predicted, probabilities, 10)


def test_the_picker_has_the_first_two_test_images_of_every_class(picked):
    labels, _, _, selection = picked
    assert len(selection.picker) == 20
    for c in range(10):
        assert [i for i in selection.picker if labels[i] == c] == list(
            np.flatnonzero(labels == c)[:2]
        )


def test_the_pairs_are_the_ones_the_report_names(picked):
    labels, predicted, _, selection = picked
    names = [str(i) for i in range(10)]
    named = most_confused(confusion_matrix(predicted, labels, 10), names)
    assert [(str(p.true), str(p.predicted), p.count) for p in selection.pairs] == named
    assert (selection.pairs[0].true, selection.pairs[0].predicted) == (2, 6)


def test_confused_images_are_the_most_confident_mistakes_beside_right_ones(picked):
    labels, predicted, probabilities, selection = picked
    for pair in selection.pairs:
        assert len(pair.confused) == examples.CONFUSED_PER_PAIR
        assert all(labels[i] == pair.true and predicted[i] == pair.predicted for i in pair.confused)
        shown = probabilities[pair.confused, pair.predicted]
        mistakes = (labels == pair.true) & (predicted == pair.predicted)
        assert shown[0] == probabilities[mistakes, pair.predicted].max()
        assert list(shown) == sorted(shown, reverse=True)
        assert [labels[i] for i in pair.correct] == [pair.true, pair.predicted]
        assert all(predicted[i] == labels[i] for i in pair.correct)


def test_a_network_that_confuses_nothing_has_no_pairs():
    labels = np.arange(10)
    probabilities = np.eye(10, dtype=np.float32)
    selection = examples.select(labels, labels, probabilities, 10)
    assert selection.pairs == [] and selection.indices() == list(range(10))


def test_the_store_keeps_what_the_page_needs(picked, tmp_path):
    labels, predicted, probabilities, selection = picked
    images = np.random.default_rng(0).integers(0, 256, (len(labels), *SHAPE), dtype=np.uint8)
    weights, state = random_arrays(ORIGINAL_LAYERS)
    saved = store.from_selection(selection, images, labels, predicted, probabilities, weights)
    path = store.path_of(tmp_path, "../eve", "fashion_mnist", "torch")
    store.save(saved, path)
    assert path.parent.parent == tmp_path / "explore" and path.name == "fashion_mnist-torch.npz"
    back = store.load(path)
    assert list(back.indices) == selection.indices()
    assert np.array_equal(back.images, images[selection.indices()])
    assert back.probabilities.dtype == np.float32 and back.state == []
    assert all(np.array_equal(a, b) for a, b in zip(back.weights, weights, strict=True))
    first = back.pairs[0]
    assert back.labels[first["confused"][0]] == selection.pairs[0].true
    assert store.load(tmp_path / "missing.npz") is None
