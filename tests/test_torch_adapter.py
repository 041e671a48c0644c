"""The PyTorch adapter and reference networks: shapes, counts, layout, training, real data."""

from __future__ import annotations

import numpy as np
import pytest

from harness.adapters.base import ModelSource, TrainConfig, TrainData
from harness.batching import batch_indices
from harness.optim import OPTIMIZER_NAMES, OptimizerConfig

pytestmark = pytest.mark.torch

torch = pytest.importorskip("torch")
from harness.adapters.torch import ADAPTER, make_optimizer  # noqa: E402

ORIGINAL_LAYERS = (
    {"layer": "conv", "field_size": 5, "stride": 1, "filters": 16, "zero_pad": 2},
    {"layer": "relu"},
    {"layer": "maxpool", "field_size": 2, "stride": 2},
    {"layer": "conv", "field_size": 5, "stride": 1, "filters": 16, "zero_pad": 2},
    {"layer": "relu"},
    {"layer": "maxpool", "field_size": 2, "stride": 2},
    {"layer": "flatten"},
    {"layer": "dense", "units": 10},
)


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """One intra-op thread: on a shared 2-core machine two OpenMP threads spin-wait on each
    other and run up to 8x slower (measured); results do not depend on the thread count."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def _images(n, shape=(28, 28, 1), seed=0):
    return np.random.default_rng(seed).integers(0, 256, (n, *shape), dtype=np.uint8)


def _separable_data(n=1200, seed=0):
    """Images whose label is the quadrant holding a bright square: learnable in a few steps."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 4, n)
    images = rng.integers(0, 60, (n, 28, 28, 1), dtype=np.uint8)
    for i, label in enumerate(labels):
        row, col = divmod(int(label), 2)
        images[i, row * 14 + 3:row * 14 + 11, col * 14 + 3:col * 14 + 11] = 255
    return images, labels


def _train_data(images, labels, config, validation=200):
    n = len(images) - validation
    order = batch_indices(n, config.batch_size, config.num_batches, config.seed)
    return TrainData(images[:n], labels[:n], images[n:], labels[n:], order)


def _reference(name="original", shape=(28, 28, 1), seed=0):
    return ADAPTER.build(ModelSource(reference=name), shape, 10, seed=seed)


@pytest.mark.parametrize("name, shape, count", [
    ("original", (28, 28, 1), 14_682),
    ("original", (32, 32, 3), 17_882),
    ("cifar", (32, 32, 3), 28_180),
])
def test_reference_parameter_counts_are_pinned(name, shape, count):
    assert ADAPTER.param_count(_reference(name, shape)) == count


def test_canonical_weight_shapes_of_original():
    shapes = [w.shape for w in ADAPTER.get_weights(_reference())]
    assert shapes == [(5, 5, 1, 16), (16,), (5, 5, 16, 16), (16,), (784, 10), (10,)]


def test_weights_round_trip_and_biases_start_at_zero():
    model = _reference()
    assert not ADAPTER.get_weights(model)[1].any()
    rng = np.random.default_rng(1)
    new = [rng.standard_normal(w.shape).astype(np.float32) for w in ADAPTER.get_weights(model)]
    ADAPTER.set_weights(model, new)
    for got, want in zip(ADAPTER.get_weights(model), new, strict=True):
        np.testing.assert_array_equal(got, want)


def test_set_weights_rejects_a_wrong_shape():
    model = _reference()
    weights = ADAPTER.get_weights(model)
    weights[4] = weights[4].T
    with pytest.raises(Exception, match="expected shape"):
        ADAPTER.set_weights(model, weights)


def test_layers_form_matches_reference_count_and_logits():
    reference = _reference()
    built = ADAPTER.build(ModelSource(layers=ORIGINAL_LAYERS), (28, 28, 1), 10, seed=3)
    assert ADAPTER.param_count(built) == 14_682
    ADAPTER.set_weights(built, ADAPTER.get_weights(reference))
    images = _images(16)
    np.testing.assert_allclose(ADAPTER.logits(built, images), ADAPTER.logits(reference, images),
                               rtol=0, atol=1e-6)


def _numpy_forward(weights, images):
    """conv(3x3, pad 1) relu maxpool(2) flatten(HWC) dense, on canonical weights, NHWC."""
    kernel, bias, dense, dense_bias = weights
    x = np.pad(images.astype(np.float64) / 255, ((0, 0), (1, 1), (1, 1), (0, 0)))
    h, w = images.shape[1:3]
    conv = sum(np.einsum("nhwc,cf->nhwf", x[:, i:i + h, j:j + w], kernel[i, j])
               for i in range(3) for j in range(3)) + bias
    relu = np.maximum(conv, 0)
    pooled = relu.reshape(len(x), h // 2, 2, w // 2, 2, -1).max(axis=(2, 4))
    return pooled.reshape(len(x), -1) @ dense + dense_bias


def test_canonical_layout_matches_an_independent_numpy_forward():
    layers = ({"layer": "conv", "field_size": 3, "stride": 1, "filters": 4, "zero_pad": 1},
              {"layer": "relu"}, {"layer": "maxpool", "field_size": 2, "stride": 2},
              {"layer": "flatten"}, {"layer": "dense", "units": 10})
    model = ADAPTER.build(ModelSource(layers=layers), (8, 6, 2), 10, seed=0)
    images = _images(5, (8, 6, 2))
    want = _numpy_forward(ADAPTER.get_weights(model), images)
    np.testing.assert_allclose(ADAPTER.logits(model, images), want, rtol=1e-5, atol=1e-5)


def test_every_layer_kind_builds_with_the_expected_parameters():
    layers = ({"layer": "conv", "field_size": 3, "stride": 2, "filters": 6, "zero_pad": 0},
              {"layer": "batchnorm"}, {"layer": "tanh"},
              {"layer": "avgpool", "field_size": 2, "stride": 2}, {"layer": "dropout", "rate": 0.5},
              {"layer": "flatten"}, {"layer": "dense", "units": 12}, {"layer": "batchnorm"},
              {"layer": "sigmoid"}, {"layer": "dense", "units": 10})
    model = ADAPTER.build(ModelSource(layers=layers), (16, 16, 3), 10)
    # conv 3*3*3*6+6, bn 12, 16x16 -> 7x7 -> 3x3, dense 54*12+12, bn 24, dense 12*10+10
    assert ADAPTER.param_count(model) == 168 + 12 + 660 + 24 + 130
    shapes = [w.shape for w in ADAPTER.get_weights(model)]
    assert shapes[:4] == [(3, 3, 3, 6), (6,), (6,), (6,)] and shapes[4] == (54, 12)


def test_output_shapes_and_gradient_check():
    model = _reference("cifar", (32, 32, 3))
    images, labels = _images(7, (32, 32, 3)), np.arange(7) % 10
    assert ADAPTER.logits(model, images).shape == (7, 10)
    predicted = ADAPTER.predict(model, images, batch_size=3)
    assert predicted.shape == (7,) and predicted.dtype == np.int64
    check = ADAPTER.loss_and_grad_check(model, images, labels)
    assert check["output_shape"] == (7, 10) and check["grad_finite"]
    assert 0 < check["loss"] < 10


@pytest.mark.parametrize("name", OPTIMIZER_NAMES)
def test_optimizers_get_the_shared_values_explicitly(name):
    config = OptimizerConfig.from_name(name)
    group = make_optimizer([torch.nn.Parameter(torch.zeros(2))], config).param_groups[0]
    assert group["lr"] == config.learning_rate
    expected = {"momentum": {"momentum": 0.9, "dampening": 0.0, "nesterov": False},
                "adam": {"betas": (0.9, 0.999), "eps": 1e-8, "amsgrad": False},
                "rmsprop": {"alpha": 0.9, "eps": 1e-8, "momentum": 0.0, "centered": False},
                "adagrad": {"initial_accumulator_value": 0.1, "eps": 1e-8},
                "sgd": {"momentum": 0.0}}[name]
    assert {key: group[key] for key in expected} == expected


def _short_run(optimizer="momentum", lr=None, num_batches=60, eval_every=20, seed=0):
    images, labels = _separable_data()
    config = TrainConfig(batch_size=32, num_batches=num_batches, eval_every=eval_every,
                         optimizer=OptimizerConfig.from_name(optimizer, lr), seed=seed)
    model = ADAPTER.build(ModelSource(reference="original"), (28, 28, 1), 4, seed=seed)
    return model, ADAPTER.train(model, _train_data(images, labels, config), config)


@pytest.mark.parametrize("optimizer", OPTIMIZER_NAMES)
def test_short_training_reduces_loss(optimizer):
    _, outcome = _short_run(optimizer, lr=0.05 if optimizer in ("sgd", "adagrad") else None)
    assert [p.batch for p in outcome.curve] == [20, 40, 60]
    assert outcome.loss_finite and outcome.curve[-1].loss < 0.7 * outcome.curve[0].loss
    assert outcome.curve[-1].validation_accuracy > 0.5


def test_timings_are_positive_and_consistent():
    _, outcome = _short_run(num_batches=30, eval_every=7)
    assert [p.batch for p in outcome.curve] == [7, 14, 21, 28, 30]
    assert outcome.examples_per_sec > 0 and outcome.warmup_seconds > 0
    assert outcome.examples_per_sec == pytest.approx(25 * 32 / outcome.steady_seconds)
    assert outcome.train_seconds >= outcome.warmup_seconds + outcome.steady_seconds


def test_same_seed_gives_bit_identical_runs():
    first_model, first = _short_run(num_batches=25, eval_every=5)
    second_model, second = _short_run(num_batches=25, eval_every=5)
    assert [(p.loss, p.validation_accuracy) for p in first.curve] == \
        [(p.loss, p.validation_accuracy) for p in second.curve]
    for a, b in zip(ADAPTER.get_weights(first_model), ADAPTER.get_weights(second_model),
                    strict=True):
        np.testing.assert_array_equal(a, b)
    _, other = _short_run(num_batches=25, eval_every=5, seed=1)
    assert other.curve[0].loss != first.curve[0].loss


def test_per_batch_losses_with_eval_every_one():
    _, outcome = _short_run(num_batches=4, eval_every=1)
    assert [p.batch for p in outcome.curve] == [1, 2, 3, 4]


def test_diverging_loss_stops_early_and_is_reported():
    _, outcome = _short_run(optimizer="sgd", lr=1e12, num_batches=40, eval_every=5)
    assert not outcome.loss_finite
    assert outcome.curve[-1].batch < 40 and not np.isfinite(outcome.final_loss)


class StudentNet(torch.nn.Module):
    """A code-form submission: NCHW in, flattened with ``view`` (needs plain NCHW)."""

    def __init__(self, input_shape, num_classes):
        super().__init__()
        self.conv = torch.nn.Conv2d(input_shape[2], 8, 3, padding=1)
        self.head = torch.nn.Linear(8 * input_shape[0] * input_shape[1] // 4, num_classes)

    def forward(self, x):
        x = torch.nn.functional.max_pool2d(torch.relu(self.conv(x)), 2)
        return self.head(x.view(x.size(0), -1))


def test_code_form_build_model_trains_and_keeps_its_own_weight_layout():
    model = ADAPTER.build(ModelSource(build_model=StudentNet), (28, 28, 1), 4, seed=0)
    assert ADAPTER.param_count(model) == 8 * 9 + 8 + 8 * 196 * 4 + 4
    assert [w.shape for w in ADAPTER.get_weights(model)] == [(8, 1, 3, 3), (8,), (4, 1568), (4,)]
    images, labels = _separable_data()
    config = TrainConfig(batch_size=32, num_batches=40, eval_every=20,
                         optimizer=OptimizerConfig.from_name("adam"))
    outcome = ADAPTER.train(model, _train_data(images, labels, config), config)
    assert outcome.curve[-1].loss < outcome.curve[0].loss


def test_code_form_must_return_a_module():
    with pytest.raises(Exception, match="expected a torch.nn.Module"):
        ADAPTER.build(ModelSource(build_model=lambda shape, n: "a model"), (28, 28, 1), 10)


def test_device_info_names_the_device():
    info = ADAPTER.device_info()
    assert info["kind"] in ("cpu", "gpu") and info["name"]
    assert info["framework_version"] == torch.__version__


@pytest.mark.gpu
def test_cuda_is_used_when_visible():
    assert ADAPTER.device_info()["kind"] == "gpu"
    model = _reference()
    assert next(model.module.parameters()).is_cuda
    _, outcome = _short_run(num_batches=20, eval_every=10)
    assert outcome.loss_finite and outcome.examples_per_sec > 0


# --- real Fashion-MNIST ---------------------------------------------------------------

@pytest.fixture(scope="module")
def fashion_mnist():
    from harness.data import load_dataset

    dataset = load_dataset("fashion_mnist")
    if dataset.bundled_subset:
        pytest.skip("the real Fashion-MNIST files are not on this machine")
    return dataset


def _test_accuracy(dataset, num_batches, eval_every):
    config = TrainConfig(batch_size=64, num_batches=num_batches, eval_every=eval_every,
                         optimizer=OptimizerConfig.from_name("momentum"))
    order = batch_indices(len(dataset.train_labels), 64, num_batches, seed=0)
    data = TrainData(dataset.train_images, dataset.train_labels, dataset.validation_images,
                     dataset.validation_labels, order)
    model = ADAPTER.build(ModelSource(reference="original"), dataset.image_shape, 10)
    outcome = ADAPTER.train(model, data, config)
    predicted = ADAPTER.predict(model, dataset.test_images)
    return float(np.mean(predicted == dataset.test_labels)), outcome


@pytest.mark.realdata
def test_original_on_fashion_mnist_learns_in_a_few_hundred_batches(fashion_mnist):
    untrained, _ = _test_accuracy(fashion_mnist, num_batches=10, eval_every=10)
    trained, outcome = _test_accuracy(fashion_mnist, num_batches=400, eval_every=200)
    # Measured (torch 2.13 CPU, seed 0): 0.22 after 10 batches, 0.82 after 400.
    assert untrained < 0.50
    assert trained >= 0.78
    assert abs(outcome.curve[-1].validation_accuracy - trained) < 0.05


@pytest.mark.realdata
@pytest.mark.slow
def test_original_on_fashion_mnist_reaches_the_assignment_bar(fashion_mnist):
    # Measured: 0.885 in 65 s of training on one thread of the 2-core CI machine.
    accuracy, outcome = _test_accuracy(fashion_mnist, num_batches=3000, eval_every=500)
    print(f"test accuracy {accuracy:.4f}, {outcome.examples_per_sec:.0f} examples/s, "
          f"warm-up {outcome.warmup_seconds:.2f}s, training {outcome.train_seconds:.1f}s")
    assert accuracy >= 0.85
