"""The JAX adapter and Flax reference networks: shapes, counts, layout, training, real data."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from harness.adapters.base import ModelSource, TrainConfig, TrainData
from harness.batching import batch_indices
from harness.errors import HarnessError
from harness.optim import OPTIMIZER_NAMES, OptimizerConfig

pytestmark = pytest.mark.jax

jax = pytest.importorskip("jax")
nn = pytest.importorskip("flax.linen")
from harness.adapters import jax_training  # noqa: E402
from harness.adapters.jax import ADAPTER  # noqa: E402

DEBIAN_FASHION = Path("/usr/share/datasets/fashion-mnist")
ORIGINAL = ModelSource(reference="original")
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


def test_set_weights_rejects_a_wrong_shape_or_count():
    model = _reference()
    weights = ADAPTER.get_weights(model)
    with pytest.raises(HarnessError, match=r"weights\[4\].*expected shape \(784, 10\)"):
        ADAPTER.set_weights(model, weights[:4] + [weights[4].T] + weights[5:])
    with pytest.raises(HarnessError, match="expected 6 arrays"):
        ADAPTER.set_weights(model, weights[:5])


def test_layers_form_matches_reference_count_and_logits():
    reference = _reference()
    built = ADAPTER.build(ModelSource(layers=ORIGINAL_LAYERS), (28, 28, 1), 10, seed=3)
    assert ADAPTER.param_count(built) == 14_682
    images = _images(16)
    assert not np.allclose(ADAPTER.logits(built, images), ADAPTER.logits(reference, images))
    ADAPTER.set_weights(built, ADAPTER.get_weights(reference))
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
    assert ADAPTER.logits(model, _images(3, (16, 16, 3))).shape == (3, 10)


def test_canonical_order_follows_the_network_not_sorted_names():
    """Twelve dense layers: sorted names would put Dense_10 before Dense_2."""
    layers = ({"layer": "flatten"},) + tuple({"layer": "dense", "units": 3} for _ in range(12))
    model = ADAPTER.build(ModelSource(layers=layers), (2, 2, 1), 3)
    images = _images(4, (2, 2, 1))
    x = images.reshape(4, -1).astype(np.float64) / 255
    weights = ADAPTER.get_weights(model)
    for kernel, bias in zip(weights[::2], weights[1::2], strict=True):
        x = x @ kernel + bias
    np.testing.assert_allclose(ADAPTER.logits(model, images), x, rtol=1e-5, atol=1e-6)


def test_output_shapes_and_gradient_check():
    model = _reference("cifar", (32, 32, 3))
    images, labels = _images(7, (32, 32, 3)), np.arange(7) % 10
    assert ADAPTER.logits(model, images).shape == (7, 10)
    predicted = ADAPTER.predict(model, images, batch_size=3)
    assert predicted.shape == (7,) and predicted.dtype == np.int64
    np.testing.assert_array_equal(predicted, ADAPTER.logits(model, images).argmax(axis=1))
    check = ADAPTER.loss_and_grad_check(model, images, labels)
    assert check["output_shape"] == (7, 10) and check["grad_finite"]
    assert 0 < check["loss"] < 10


def test_gradient_check_reports_a_wrong_output_shape():
    model = ADAPTER.build(ModelSource(reference="original"), (28, 28, 1), 12)
    model.num_classes = 10  # as if build_model ignored num_classes
    check = ADAPTER.loss_and_grad_check(model, _images(4), np.arange(4))
    assert check["output_shape"] == (4, 12) and not check["grad_finite"]


@pytest.mark.parametrize("name", OPTIMIZER_NAMES)
def test_optimizers_follow_the_shared_update_rules(name):
    """Two updates of one weight, against the rules written out by hand (torch's forms)."""
    config = OptimizerConfig.from_name(name)
    lr, s = config.learning_rate, config.settings
    tx = jax_training.make_optimizer(config)
    params = np.float32(1.0)
    state, grads = tx.init(params), (np.float32(0.5), np.float32(-0.25))
    for g in grads:
        updates, state = tx.update(g, state, params)
        params = params + updates
    g1, g2 = grads
    want = {
        "sgd": lambda: 1 - lr * (g1 + g2),
        "momentum": lambda: 1 - lr * g1 - lr * (s["momentum"] * g1 + g2),
        "adam": lambda: _adam(lr, s, grads),
        "rmsprop": lambda: _rmsprop(lr, s, grads),
        "adagrad": lambda: _adagrad(lr, s, grads),
    }[name]()
    assert float(params) == pytest.approx(want, rel=1e-5)


def _adam(lr, s, grads, w=1.0, m=0.0, v=0.0):
    for t, g in enumerate(grads, start=1):
        m, v = s["beta1"] * m + (1 - s["beta1"]) * g, s["beta2"] * v + (1 - s["beta2"]) * g * g
        m_hat, v_hat = m / (1 - s["beta1"] ** t), v / (1 - s["beta2"] ** t)
        w -= lr * m_hat / (np.sqrt(v_hat) + s["epsilon"])
    return w


def _rmsprop(lr, s, grads, w=1.0, v=0.0):
    for g in grads:
        v = s["decay"] * v + (1 - s["decay"]) * g * g
        w -= lr * g / (np.sqrt(v) + s["epsilon"])
    return w


def _adagrad(lr, s, grads, w=1.0):
    total = s["initial_accumulator"]
    for g in grads:
        total += g * g
        w -= lr * g / (np.sqrt(total) + s["epsilon"])
    return w


def test_unknown_optimizer_is_named():
    with pytest.raises(HarnessError, match="received 'lion'"):
        jax_training.make_optimizer(OptimizerConfig(name="lion"))


def _short_run(optimizer="momentum", lr=None, num_batches=60, eval_every=20, seed=0,
               source=ORIGINAL):
    images, labels = _separable_data()
    config = TrainConfig(batch_size=32, num_batches=num_batches, eval_every=eval_every,
                         optimizer=OptimizerConfig.from_name(optimizer, lr), seed=seed)
    model = ADAPTER.build(source, (28, 28, 1), 4, seed=seed)
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


def test_progress_is_reported_at_every_point_and_warmup_leaves_a_steady_state():
    images, labels = _separable_data(400)
    config = TrainConfig(batch_size=16, num_batches=3, eval_every=1, warmup_batches=5)
    model, seen = _reference(), []
    outcome = ADAPTER.train(model, _train_data(images, labels, config), config, seen.append)
    assert seen == outcome.curve and [p.batch for p in seen] == [1, 2, 3]
    assert outcome.examples_per_sec == pytest.approx(16 / outcome.steady_seconds)


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


def test_dropout_and_batchnorm_train_deterministically_from_the_seed():
    layers = ORIGINAL_LAYERS[:6] + ({"layer": "batchnorm"}, {"layer": "dropout", "rate": 0.5},
                                    {"layer": "flatten"}, {"layer": "dense", "units": 4})
    runs = [_short_run(num_batches=20, eval_every=10, seed=s, source=ModelSource(layers=layers))
            for s in (0, 0, 1)]
    curves = [[p.loss for p in outcome.curve] for _, outcome in runs]
    assert curves[0] == curves[1] and curves[0] != curves[2]
    stats = runs[0][0].variables["batch_stats"]
    assert float(np.abs(jax.tree.leaves(stats)[0]).sum()) > 0  # moving averages moved


def test_compiled_loop_and_per_step_dispatch_train_the_same(monkeypatch):
    _, per_step = _short_run(num_batches=12, eval_every=6)
    monkeypatch.setattr(jax_training, "COMPILED_LOOP", {"cpu": True, "gpu": True})
    _, looped = _short_run(num_batches=12, eval_every=6)
    np.testing.assert_allclose([p.loss for p in looped.curve],
                               [p.loss for p in per_step.curve], rtol=1e-5)


def test_diverging_loss_stops_early_and_is_reported():
    _, outcome = _short_run(optimizer="sgd", lr=1e12, num_batches=40, eval_every=5)
    assert not outcome.loss_finite
    assert outcome.curve[-1].batch < 40 and not np.isfinite(outcome.final_loss)
    assert all(np.isfinite(p.loss) for p in outcome.curve[:-1])


class StudentNet(nn.Module):
    """A code-form submission: its own layer names and a ``train`` flag for dropout."""

    num_classes: int

    @nn.compact
    def __call__(self, x, train: bool = False):
        x = nn.max_pool(nn.relu(nn.Conv(8, (3, 3), name="features")(x)), (2, 2), (2, 2))
        x = nn.Dropout(0.25, deterministic=not train)(x.reshape((x.shape[0], -1)))
        return nn.Dense(self.num_classes, name="head")(x)


def test_code_form_build_model_trains_with_its_own_layers():
    source = ModelSource(build_model=lambda shape, n: StudentNet(n))
    model = ADAPTER.build(source, (28, 28, 1), 4, seed=0)
    assert model.mode_keyword == "train"
    assert ADAPTER.param_count(model) == 8 * 9 + 8 + 8 * 196 * 4 + 4
    assert [w.shape for w in ADAPTER.get_weights(model)] == [(3, 3, 1, 8), (8,), (1568, 4), (4,)]
    _, outcome = _short_run("adam", num_batches=40, eval_every=20, source=source)
    assert outcome.curve[-1].loss < outcome.curve[0].loss


def test_code_form_must_return_a_flax_module():
    with pytest.raises(HarnessError, match="expected a flax.linen.Module, received 'str'"):
        ADAPTER.build(ModelSource(build_model=lambda shape, n: "a model"), (28, 28, 1), 10)


def test_device_info_names_the_device_and_versions():
    info = ADAPTER.device_info()
    assert info["kind"] in ("cpu", "gpu") and info["name"]
    assert info["framework_version"].startswith(f"jax {jax.__version__}, jaxlib ")


def test_memory_fraction_is_checked_and_mapped_before_jax_loads(monkeypatch):
    monkeypatch.delitem(sys.modules, "jax")  # as in a fresh worker process
    monkeypatch.setenv("HARNESS_GPU_MEMORY_FRACTION", "0.25")
    monkeypatch.delenv("XLA_PYTHON_CLIENT_MEM_FRACTION", raising=False)
    monkeypatch.delenv("XLA_PYTHON_CLIENT_PREALLOCATE", raising=False)
    jax_training.bound_gpu_memory()
    assert os.environ["XLA_PYTHON_CLIENT_MEM_FRACTION"] == "0.2500"
    assert os.environ["XLA_PYTHON_CLIENT_PREALLOCATE"] == "false"
    monkeypatch.setenv("HARNESS_GPU_MEMORY_FRACTION", "half")
    with pytest.raises(HarnessError, match="HARNESS_GPU_MEMORY_FRACTION: expected a number"):
        jax_training.bound_gpu_memory()


@pytest.mark.gpu
def test_gpu_is_used_when_visible():
    assert ADAPTER.device_info()["kind"] == "gpu"
    model = _reference()
    assert jax.tree.leaves(model.variables)[0].devices().pop().platform == "gpu"
    _, outcome = _short_run(num_batches=20, eval_every=10)
    assert outcome.loss_finite and outcome.examples_per_sec > 0


@pytest.fixture(scope="module")
def fashion():
    if not (DEBIAN_FASHION / "train-images-idx3-ubyte.gz").is_file():
        pytest.skip("the real Fashion-MNIST (dataset-fashion-mnist) is not installed")
    from harness.data import load_dataset

    return load_dataset("fashion_mnist")


def _fashion_run(fashion, num_batches):
    """``original`` trained on real Fashion-MNIST: (test accuracy, outcome, seconds)."""
    started = time.perf_counter()
    config = TrainConfig(batch_size=64, num_batches=num_batches, eval_every=num_batches,
                         optimizer=OptimizerConfig.from_name("momentum"))
    data = TrainData(fashion.train_images, fashion.train_labels, fashion.validation_images,
                     fashion.validation_labels,
                     batch_indices(len(fashion.train_labels), 64, num_batches, config.seed))
    model = ADAPTER.build(ORIGINAL, fashion.image_shape, fashion.num_classes, seed=0)
    outcome = ADAPTER.train(model, data, config)
    predicted = ADAPTER.predict(model, fashion.test_images)
    accuracy = float(np.mean(predicted == fashion.test_labels))
    return accuracy, outcome, time.perf_counter() - started


@pytest.mark.realdata
def test_original_learns_real_fashion_mnist_in_a_few_hundred_batches(fashion):
    """Measured on CPU (jax 0.10.2): 0.81 after 300 batches of 64, 0.17 after 10."""
    accuracy, outcome, _ = _fashion_run(fashion, 300)
    assert 0.76 <= accuracy <= 0.88
    assert abs(outcome.curve[-1].validation_accuracy - accuracy) < 0.03
    untrained, _, _ = _fashion_run(fashion, 10)
    assert untrained < 0.5


@pytest.mark.realdata
@pytest.mark.slow
def test_original_reaches_the_assignment_bar_on_real_fashion_mnist(fashion):
    accuracy, outcome, seconds = _fashion_run(fashion, 3000)
    print(f"jax original fashion_mnist 3000x64: test accuracy {accuracy:.4f}, "
          f"{outcome.examples_per_sec:.0f} examples/s, {seconds:.1f} s")
    assert accuracy >= 0.85
