"""The JAX adapter and Flax networks: the shared adapter contract, plus what only JAX has.

The contract tests (counts, canonical layout, training, seeds, real data) live in
tests/adapters/adapter_contract.py; this module supplies their fixtures.
"""

from __future__ import annotations

import os
import sys

import numpy as np
import pytest
from adapter_contract import *  # noqa: F403 - the contract's tests and fixtures
from adapter_contract import (
    ORIGINAL_LAYERS,
    CodeForm,
    FashionExpectations,
    random_images,
    reference,
    short_run,
)
from needs import require

from harness.adapters.base import ModelSource
from harness.errors import HarnessError
from harness.optimizers import OPTIMIZER_NAMES, OptimizerConfig

pytestmark = pytest.mark.jax

require("jax")
import flax.linen as nn  # noqa: E402
import jax  # noqa: E402

from harness.adapters.jax import ADAPTER  # noqa: E402
from harness.adapters.jax import training as jax_training  # noqa: E402


@pytest.fixture
def adapter():
    return ADAPTER


class StudentNet(nn.Module):
    """A code-form submission: its own layer names and a ``train`` flag for dropout."""

    num_classes: int

    @nn.compact
    def __call__(self, x, train: bool = False):
        x = nn.max_pool(nn.relu(nn.Conv(8, (3, 3), name="features")(x)), (2, 2), (2, 2))
        x = nn.Dropout(0.25, deterministic=not train)(x.reshape((x.shape[0], -1)))
        return nn.Dense(self.num_classes, name="head")(x)


@pytest.fixture
def code_form():
    return CodeForm(lambda shape, n: StudentNet(n), [(3, 3, 1, 8), (8,), (1568, 4), (4,)])


@pytest.fixture
def weight_shape_error():
    return r"weights\[4\].*expected shape \(784, 10\), received \(10, 784\)"


@pytest.fixture
def weight_count_error():
    return r"weights: expected 6 arrays in the canonical layout, received 2"


@pytest.fixture
def fashion_expectations():
    # Measured on CPU (jax 0.10.2): 0.81 after 300 batches of 64, 0.17 after 10.
    return FashionExpectations(
        num_batches=300, lowest=0.76, highest=0.88, validation_within=0.03, untrained_below=0.5
    )


def test_code_form_passes_the_train_flag_it_declares():
    model = ADAPTER.build(
        ModelSource(build_model=lambda shape, n: StudentNet(n)), (28, 28, 1), 4, seed=0
    )
    assert model.mode_keyword == "train"


def test_canonical_order_follows_the_network_not_sorted_names():
    """Twelve dense layers: sorted names would put Dense_10 before Dense_2."""
    layers = ({"layer": "flatten"},) + tuple({"layer": "dense", "units": 3} for _ in range(12))
    model = ADAPTER.build(ModelSource(layers=layers), (2, 2, 1), 3)
    images = random_images(4, (2, 2, 1))
    x = images.reshape(4, -1).astype(np.float64) / 255
    weights = ADAPTER.get_weights(model)
    for kernel, bias in zip(weights[::2], weights[1::2], strict=True):
        x = x @ kernel + bias
    np.testing.assert_allclose(ADAPTER.logits(model, images), x, rtol=1e-5, atol=1e-6)


def test_gradient_check_reports_a_wrong_output_shape():
    model = ADAPTER.build(ModelSource(reference="original"), (28, 28, 1), 12)
    model.num_classes = 10  # as if build_model ignored num_classes
    check = ADAPTER.loss_and_grad_check(model, random_images(4), np.arange(4))
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


def test_dropout_and_batchnorm_train_deterministically_from_the_seed():
    layers = ORIGINAL_LAYERS[:6] + (
        {"layer": "batchnorm"},
        {"layer": "dropout", "rate": 0.5},
        {"layer": "flatten"},
        {"layer": "dense", "units": 4},
    )
    source = ModelSource(layers=layers)
    runs = [
        short_run(ADAPTER, num_batches=20, eval_every=10, seed=s, source=source) for s in (0, 0, 1)
    ]
    curves = [[p.loss for p in outcome.curve] for _, outcome in runs]
    assert curves[0] == curves[1] and curves[0] != curves[2]
    stats = runs[0][0].variables["batch_stats"]
    assert float(np.abs(jax.tree.leaves(stats)[0]).sum()) > 0  # moving averages moved


def test_compiled_loop_and_per_step_dispatch_train_the_same(monkeypatch):
    _, per_step = short_run(ADAPTER, num_batches=12, eval_every=6)
    monkeypatch.setattr(jax_training, "COMPILED_LOOP", {"cpu": True, "gpu": True})
    _, looped = short_run(ADAPTER, num_batches=12, eval_every=6)
    np.testing.assert_allclose(
        [p.loss for p in looped.curve], [p.loss for p in per_step.curve], rtol=1e-5
    )


def test_code_form_must_return_a_flax_module():
    with pytest.raises(HarnessError, match="expected a flax.linen.Module, received 'str'"):
        ADAPTER.build(ModelSource(build_model=lambda shape, n: "a model"), (28, 28, 1), 10)


def test_device_info_names_the_jax_and_jaxlib_versions():
    info = ADAPTER.device_info()
    assert info["framework_version"].startswith(f"jax {jax.__version__}, jaxlib ")


def test_memory_fraction_is_checked_and_mapped_before_jax_loads(monkeypatch):
    monkeypatch.delitem(sys.modules, "jax")  # as in a fresh worker process
    monkeypatch.setenv("HARNESS_GPU_MEMORY_FRACTION", "0.25")
    for name in ("XLA_PYTHON_CLIENT_MEM_FRACTION", "XLA_PYTHON_CLIENT_PREALLOCATE"):
        # setenv first records the variable, so what bound_gpu_memory sets is undone after
        # (delenv of an unset variable records nothing, and the setting would leak on).
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)
    jax_training.bound_gpu_memory()
    assert os.environ["XLA_PYTHON_CLIENT_MEM_FRACTION"] == "0.2500"
    assert os.environ["XLA_PYTHON_CLIENT_PREALLOCATE"] == "false"
    monkeypatch.setenv("HARNESS_GPU_MEMORY_FRACTION", "half")
    with pytest.raises(HarnessError, match="HARNESS_GPU_MEMORY_FRACTION: expected a number"):
        jax_training.bound_gpu_memory()


@pytest.mark.gpu
def test_gpu_is_used_when_visible():
    assert ADAPTER.device_info()["kind"] == "gpu"
    model = reference(ADAPTER)
    assert jax.tree.leaves(model.variables)[0].devices().pop().platform == "gpu"
    _, outcome = short_run(ADAPTER, num_batches=20, eval_every=10)
    assert outcome.loss_finite and outcome.examples_per_sec > 0
