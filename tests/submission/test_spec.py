"""Model Builder spec: defaults, validation, shapes and hand-counted parameters and MACs."""

import pytest

from harness.errors import SubmissionError
from harness.submission import spec


def conv(f=5, s=1, n=16, p=2):
    return {"layer": "conv", "field_size": f, "stride": s, "filters": n, "zero_pad": p}


def pool(f=2, s=2, kind="maxpool"):
    return {"layer": kind, "field_size": f, "stride": s}


def original(f=5, n=16, classes=10):
    block = [conv(f=f, n=n, p=f // 2), {"layer": "relu"}, pool()]
    return spec.normalize_layers(
        block * 2 + [{"layer": "flatten"}, {"layer": "dense", "units": classes}], "t"
    )


@pytest.mark.parametrize("shape, params", [((28, 28, 1), 14_682), ((32, 32, 3), 17_882)])
def test_original_network_parameter_count_matches_hand_count(shape, params):
    # conv1 5*5*C*16+16, conv2 5*5*16*16+16, dense (H/4*W/4*16)*10+10
    height, width, channels = shape
    hand = (
        (25 * channels * 16 + 16) + (25 * 16 * 16 + 16) + (height // 4 * width // 4 * 16 * 10 + 10)
    )
    assert spec.param_count(original(), shape) == hand == params


def test_cifar_reference_network_has_28180_parameters():
    assert spec.param_count(original(f=3, n=30), (32, 32, 3)) == 28_180


def test_macs_count_conv_and_dense_multiply_accumulates():
    # conv1 28*28*16*(5*5*1), conv2 14*14*16*(5*5*16), dense 784*10
    assert spec.macs_per_example(original(), (28, 28, 1)) == 313_600 + 1_254_400 + 7_840


def test_infer_shapes_follows_the_floor_formula():
    layers = spec.normalize_layers(
        [
            conv(f=5, s=3, p=2),
            pool(f=2, s=5),
            {"layer": "flatten"},
            {"layer": "dense", "units": 10},
        ],
        "t",
    )
    # (28 + 4 - 5) // 3 + 1 = 10; (10 - 2) // 5 + 1 = 2
    assert spec.infer_shapes(layers, (28, 28, 1), 10) == [(10, 10, 16), (2, 2, 16), (64,), (10,)]


def test_defaults_are_filled_in():
    layers = spec.normalize_layers(
        [
            {"layer": "conv", "field_size": 3, "filters": 8},
            {"layer": "avgpool", "field_size": 3},
            {"layer": "dropout"},
            {"layer": "batchnorm"},
        ],
        "t",
    )
    assert layers == (
        {"layer": "conv", "field_size": 3, "stride": 1, "filters": 8, "zero_pad": 0},
        {"layer": "avgpool", "field_size": 3, "stride": 3},
        {"layer": "dropout", "rate": 0.5},
        {"layer": "batchnorm"},
    )


def test_batchnorm_counts_gamma_and_beta_per_channel_and_feature():
    layers = spec.normalize_layers(
        [
            conv(n=4),
            {"layer": "batchnorm"},
            {"layer": "flatten"},
            {"layer": "dense", "units": 10},
            {"layer": "batchnorm"},
            {"layer": "tanh"},
            {"layer": "sigmoid"},
        ],
        "t",
    )
    conv_params, dense_params = 25 * 4 + 4, 28 * 28 * 4 * 10 + 10
    assert spec.param_count(layers, (28, 28, 1)) == conv_params + 8 + dense_params + 20


def test_every_problem_is_reported_at_once():
    with pytest.raises(SubmissionError) as info:
        spec.normalize_layers(
            [{"layer": "conv", "field_size": 0}, "relu", {"layer": "softmax"}, {"units": 3}],
            "net.py",
        )
    problems = info.value.problems
    assert len(problems) == 5
    assert str(info.value).startswith("net.py: 5 problem(s)")
    assert problems[0] == (
        "LAYERS[0] (conv): field_size: expected an integer >= 1, received 0; "
        "fix: set 'field_size' to an integer >= 1"
    )
    assert problems[1].startswith("LAYERS[0] (conv): filters: expected a value, received nothing")
    assert "LAYERS[1]: expected a dict" in problems[2]
    assert "the harness applies softmax in the loss" in problems[3]
    assert "LAYERS[3]: layer: expected a 'layer' key" in problems[4]


@pytest.mark.parametrize("value", [True, 2.0, "3", None])
def test_integer_settings_reject_other_types(value):
    with pytest.raises(
        SubmissionError,
        match=rf"filters: expected an integer >= 1, "
        rf"received {value!r}".replace("(", r"\("),
    ):
        spec.normalize_layers([{"layer": "conv", "field_size": 3, "filters": value}], "t")


def test_empty_image_names_layer_settings_and_shapes():
    layers = spec.normalize_layers([conv(f=7, s=2, p=0), pool(f=8, s=8)], "t")
    with pytest.raises(SubmissionError) as info:
        spec.infer_shapes(layers, (28, 28, 1), 10)
    (problem,) = info.value.problems
    # conv: (28 - 7) // 2 + 1 = 11; pool 8/8: (11 - 8) // 8 + 1 = 1, fine; on 5x5 it is not
    assert problem.startswith("LAYERS: the network ends with a 1x1x16 output")
    with pytest.raises(SubmissionError) as info:
        spec.infer_shapes(layers, (14, 14, 1), 10)
    assert info.value.problems[0].startswith(
        "LAYERS[1] (maxpool: field_size=8, stride=8): input 4x4x16 gives an empty image "
        "(output 0x0x16"
    )


def test_last_dense_layer_must_give_one_output_per_class():
    with pytest.raises(
        SubmissionError,
        match=r"LAYERS\[7\] \(dense: units=10\): the last dense "
        r"layer gives 10 outputs, expected 100",
    ):
        spec.infer_shapes(original(), (28, 28, 1), 100)


def test_layer_table_rows_sum_to_the_totals():
    rows = spec.layer_table(original(), (32, 32, 3))
    assert [r["output_shape"] for r in rows][-2:] == [[1024], [10]]
    assert sum(r["params"] for r in rows) == 17_882
    assert sum(r["macs"] for r in rows) == spec.macs_per_example(original(), (32, 32, 3))


def test_numpy_numbers_become_plain_python_numbers():
    import numpy as np

    (dense, dropout) = spec.normalize_layers(
        [{"layer": "dense", "units": np.int64(10)}, {"layer": "dropout", "rate": np.float32(0.25)}],
        "t",
    )
    assert type(dense["units"]) is int and type(dropout["rate"]) is float
