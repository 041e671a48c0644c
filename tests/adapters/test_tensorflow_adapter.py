"""The TensorFlow adapter: the shared adapter contract, plus what only TensorFlow has.

The contract tests (counts, canonical layout, training, seeds, real data) live in
tests/adapters/adapter_contract.py; this module supplies their fixtures.
"""

import pytest
from adapter_contract import *  # noqa: F403 - the contract's tests and fixtures
from adapter_contract import (
    SMALL_SHAPE,
    CodeForm,
    FashionExpectations,
    pattern_data,
    reference,
    train_small,
)

from harness.adapters import get_adapter
from harness.adapters.base import ModelSource
from harness.errors import HarnessError
from harness.optimizers import OptimizerConfig

pytestmark = [pytest.mark.tensorflow, pytest.mark.needs("tensorflow")]

ADAPTER = get_adapter("tensorflow")


@pytest.fixture
def adapter():
    return ADAPTER


def student_build_model(input_shape, num_classes):
    """A code-form submission: a plain Keras Sequential."""
    import keras

    return keras.Sequential(
        [
            keras.Input(input_shape),
            keras.layers.Conv2D(8, 3, padding="same", activation="relu"),
            keras.layers.MaxPooling2D(2),
            keras.layers.Flatten(),
            keras.layers.Dense(num_classes),
        ]
    )


@pytest.fixture
def code_form():
    return CodeForm(student_build_model, [(3, 3, 1, 8), (8,), (1568, 4), (4,)])


@pytest.fixture
def weight_shape_error():
    return r"weights\[4\].*expected shape \(784, 10\), received \(10, 784\)"


@pytest.fixture
def weight_count_error():
    return r"weights: expected 6 arrays, received 2"


@pytest.fixture
def fashion_expectations():
    # Measured on a 2-core EPYC (seed 0): 10 batches 0.32, 300 0.82, 500 0.83 test accuracy.
    return FashionExpectations(
        num_batches=400, lowest=0.78, highest=0.88, validation_within=0.05, untrained_below=0.6
    )


def test_optimizers_get_the_shared_values_not_keras_defaults():
    from harness.adapters.tensorflow import make_optimizer

    adam = make_optimizer(OptimizerConfig.from_name("adam"))
    rmsprop = make_optimizer(OptimizerConfig.from_name("rmsprop"))
    adagrad = make_optimizer(OptimizerConfig.from_name("adagrad"))
    momentum = make_optimizer(OptimizerConfig.from_name("momentum", 0.05))
    assert adam.epsilon == 1e-8 and rmsprop.rho == 0.9 and rmsprop.epsilon == 1e-8
    assert adagrad.initial_accumulator_value == 0.1
    assert momentum.momentum == 0.9 and float(momentum.learning_rate) == pytest.approx(0.05)
    with pytest.raises(HarnessError, match="received 'lbfgs'"):
        make_optimizer(OptimizerConfig(name="lbfgs"))


def test_code_form_must_return_a_keras_model():
    with pytest.raises(HarnessError, match="expected a keras.Model.*received int"):
        ADAPTER.build(ModelSource(build_model=lambda shape, n: 42), SMALL_SHAPE, 10)


def test_code_form_with_global_pooling_trains():
    import keras

    def build_model(input_shape, num_classes):
        return keras.Sequential(
            [
                keras.Input(input_shape),
                keras.layers.Conv2D(8, 3, activation="relu"),
                keras.layers.GlobalMaxPooling2D(),
                keras.layers.Dense(num_classes),
            ]
        )

    model = ADAPTER.build(ModelSource(build_model=build_model), SMALL_SHAPE, 10)
    assert ADAPTER.param_count(model) == 3 * 3 * 8 + 8 + 8 * 10 + 10
    outcome = train_small(ADAPTER, model, 40, "adam", eval_every=20)
    assert outcome.curve[-1].loss < outcome.curve[0].loss


def test_wrong_output_shape_is_reported_by_the_check():
    import keras

    def build_model(input_shape, num_classes):
        return keras.Sequential(
            [keras.Input(input_shape), keras.layers.Flatten(), keras.layers.Dense(num_classes + 1)]
        )

    model = ADAPTER.build(ModelSource(build_model=build_model), SMALL_SHAPE, 10)
    images, labels = pattern_data(4)
    check = ADAPTER.loss_and_grad_check(model, images, labels)
    assert check["output_shape"] == (4, 11) and check["grad_finite"] is False


def test_device_info_on_this_machine():
    import tensorflow as tf

    info = ADAPTER.device_info()
    assert tf.__version__ in info["framework_version"]
    assert info["kind"] == ("gpu" if tf.config.list_physical_devices("GPU") else "cpu")


@pytest.mark.gpu
def test_models_and_data_live_on_the_gpu():
    import tensorflow as tf

    model = reference(ADAPTER)
    assert "GPU" in model.model.trainable_variables[0].device
    assert ADAPTER.device_info()["kind"] == "gpu"
    outcome = train_small(ADAPTER, reference(ADAPTER, "original", SMALL_SHAPE), 20, eval_every=10)
    assert outcome.loss_finite and tf.config.list_logical_devices("GPU")
