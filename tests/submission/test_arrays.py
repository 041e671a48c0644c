"""Which arrays a trained layer list has, and the checks every exported array passes."""

from __future__ import annotations

import numpy as np
import pytest
from explore_factory import ORIGINAL_LAYERS, SHAPE, random_arrays

from harness.errors import SubmissionError
from harness.submission import arrays
from harness.submission.spec import normalize_layers, param_count


def test_the_arrays_of_the_original_network_are_pinned():
    shapes = [s.shape for s in arrays.weight_slots(ORIGINAL_LAYERS, SHAPE)]
    assert shapes == [(5, 5, 1, 16), (16,), (5, 5, 16, 16), (16,), (784, 10), (10,)]
    assert arrays.state_slots(ORIGINAL_LAYERS, SHAPE) == []


def test_batchnorm_has_two_trained_arrays_and_two_statistics():
    layers = normalize_layers(
        [
            {"layer": "conv", "field_size": 3, "filters": 4},
            {"layer": "batchnorm"},
            {"layer": "flatten"},
            {"layer": "dense", "units": 10},
        ],
        "LAYERS",
    )
    trained = arrays.weight_slots(layers, SHAPE)
    assert [(s.layer, s.name, s.shape) for s in arrays.state_slots(layers, SHAPE)] == [
        (1, "moving_mean", (4,)),
        (1, "moving_variance", (4,)),
    ]
    assert sum(int(np.prod(s.shape)) for s in trained) == param_count(layers, SHAPE)


def test_arrays_are_refused_naming_the_array_and_what_was_wrong():
    slots = arrays.weight_slots(ORIGINAL_LAYERS, SHAPE)
    weights, _ = random_arrays(ORIGINAL_LAYERS)
    assert arrays.arrays_problems(weights, slots, "weights") == []
    assert arrays.arrays_problems(weights[:2], slots, "weights") == [
        "weights: expected 6 arrays, received 2"
    ]
    bad = list(weights)
    bad[0] = bad[0].astype(np.float64)
    bad[2] = bad[2][..., :8]
    bad[4] = np.full_like(bad[4], np.nan)
    bad[5] = "ten numbers"
    assert arrays.arrays_problems(bad, slots, "weights") == [
        "weights[0] (LAYERS[0] kernel): expected dtype float32, received float64",
        "weights[2] (LAYERS[3] kernel): expected shape (5, 5, 16, 16), received (5, 5, 16, 8)",
        "weights[4] (LAYERS[7] kernel): expected finite values, received NaN or infinity",
        "weights[5] (LAYERS[7] bias): expected a float32 array, received str",
    ]


def test_a_reported_layer_list_is_checked_like_a_submission():
    raw = [dict(x) for x in ORIGINAL_LAYERS]
    assert arrays.checked_layers(raw, SHAPE, 10, "settings.layers") == ORIGINAL_LAYERS
    with pytest.raises(SubmissionError, match="gives 9 outputs, expected 10"):
        arrays.checked_layers(raw[:-1] + [{"layer": "dense", "units": 9}], SHAPE, 10, "x")
    with pytest.raises(SubmissionError, match="expected one of conv"):
        arrays.checked_layers([{"layer": "eval"}], SHAPE, 10, "x")


def test_too_large_a_network_is_refused_before_its_arrays_are_read():
    layers = normalize_layers(
        [{"layer": "flatten"}, {"layer": "dense", "units": 3000}, {"layer": "dense", "units": 10}],
        "LAYERS",
    )
    slots = arrays.weight_slots(layers, (32, 32, 3))
    assert arrays.arrays_problems([None] * 4, slots, "weights") == [
        "weights: expected at most 2,000,000 numbers, the layer list needs more"
    ]
