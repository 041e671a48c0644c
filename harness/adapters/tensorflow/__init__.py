"""TensorFlow adapter: Keras 3 models on the TensorFlow backend, NHWC, trained by the harness.

Importing this module loads TensorFlow, so it is imported only through
:func:`harness.adapters.get_adapter`, the one place where a process picks its framework.
GPUs are configured here, before TensorFlow touches a device: memory growth, or a fixed
logical device of ``HARNESS_GPU_MEMORY_FRACTION`` of the card when that variable is set.
On the CPU, op determinism is switched on, so the same seed gives the same curve.

Training runs a whole segment of steps (up to the next evaluation or the end of warm-up)
inside one ``tf.function``: the batch index table lives on the device and each step gathers
its batch with ``tf.gather``, so Python is entered once per segment, not once per batch
(faster than one ``tf.function`` call per batch: docs/benchmarks.md).
"""

from __future__ import annotations

import dataclasses
import math
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

os.environ["KERAS_BACKEND"] = "tensorflow"  # keras must not load the JAX or torch backend
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # keep C++ info logs out of reports


def _import_tensorflow_and_keras():
    """Import TensorFlow and Keras with JAX hidden, so that this process loads one framework.

    TensorFlow's TFLite helpers run ``try: from jax import jit`` at import time
    (``tensorflow/lite/python/util.py``) and would load JAX wherever it is installed; a
    ``None`` entry in ``sys.modules`` makes that import fail, and the helper copes.
    """
    hide = "jax" not in sys.modules
    if hide:
        sys.modules["jax"] = None
    try:
        import keras
        import tensorflow
    finally:
        if hide:
            del sys.modules["jax"]
    return tensorflow, keras


if TYPE_CHECKING:  # mypy reads the modules by name (typed Any where not installed)
    import keras
    import tensorflow as tf
else:
    tf, keras = _import_tensorflow_and_keras()

import numpy as np  # noqa: E402

from harness.adapters.base import (  # noqa: E402
    INFERENCE_CHUNK,
    CurvePoint,
    ModelSource,
    TrainConfig,
    TrainData,
    TrainOutcome,
    int_shape,
)
from harness.adapters.tensorflow import builder  # noqa: E402
from harness.adapters.tensorflow import device as tensorflow_device  # noqa: E402
from harness.adapters.tensorflow import optimizers as tensorflow_optimizers  # noqa: E402
from harness.errors import HarnessError  # noqa: E402
from harness.optimizers import OptimizerConfig  # noqa: E402
from reference_models import tensorflow_cnn  # noqa: E402

# Plain graph mode, not XLA: XLA's CPU convolutions are far slower than oneDNN's
# (docs/benchmarks.md), and XLA refuses op determinism ("MaxPool gradient ops do not yet
# have a deterministic XLA implementation").
JIT_COMPILE = False


tensorflow_device.configure_gpus(tf)
tensorflow_device.configure_threads(tf)


@dataclass
class KerasModel:
    """The handle :meth:`TensorFlowAdapter.build` returns: the model and its compiled calls."""

    model: keras.Model
    input_shape: tuple[int, int, int]
    num_classes: int
    _compiled: dict = field(default_factory=dict, repr=False)

    def forward(self) -> Callable:
        """Inference-mode logits as a ``tf.function`` (two traces at most, any batch size)."""
        if "forward" not in self._compiled:
            model = self.model
            self._compiled["forward"] = tf.function(
                lambda x: tf.cast(model(x, training=False), tf.float32),
                jit_compile=JIT_COMPILE,
                reduce_retracing=True,
            )
        return self._compiled["forward"]


def to_float(images) -> tf.Tensor:
    """uint8 NHWC images -> float32 in [0, 1], on the adapter's device."""
    with tf.device(tensorflow_device.device_name(tf)):
        return tf.cast(tf.convert_to_tensor(images), tf.float32) / 255.0


def make_optimizer(config: OptimizerConfig) -> keras.optimizers.Optimizer:
    """The Keras optimizer with the harness's update rule for ``config`` (see the module)."""
    return tensorflow_optimizers.make_optimizer(keras, config)


def softmax_cross_entropy(labels, logits) -> tf.Tensor:
    """Mean softmax cross-entropy of integer labels against float32 logits."""
    return tf.reduce_mean(
        tf.nn.sparse_softmax_cross_entropy_with_logits(
            labels=labels, logits=tf.cast(logits, tf.float32)
        )
    )


def _build_keras(source: ModelSource, input_shape, num_classes) -> keras.Model:
    if source.reference is not None:
        return tensorflow_cnn.NETWORKS[source.reference](input_shape, num_classes)
    if source.layers is not None:
        return builder.from_layers(source.layers, input_shape)
    model = source.student_function()(input_shape, num_classes)
    if not isinstance(model, keras.Model):
        raise HarnessError(
            f"build_model: expected a keras.Model (FRAMEWORK = 'tensorflow'), "
            f"received {type(model).__name__}"
        )
    return model


def _boundaries(config: TrainConfig) -> tuple[list[int], set[int]]:
    """Where Python regains control (segment ends) and which of those are curve points."""
    points = set(range(config.eval_every, config.num_batches + 1, config.eval_every))
    points.add(config.num_batches)
    ends = set(points)
    if 0 < config.warmup_batches < config.num_batches:
        ends.add(config.warmup_batches)
    return sorted(ends), points


class _Trainer:
    """One training run: data on the device once, segments of steps in one ``tf.function``."""

    def __init__(self, handle: KerasModel, data: TrainData, config: TrainConfig, optimizer):
        self.handle, self.config, self.optimizer = handle, config, optimizer
        self.variables = handle.model.trainable_variables
        with tf.device(tensorflow_device.device_name(tf)):
            self.images = to_float(data.train_images)
            # int64, not int32: TensorFlow keeps int32 tensors of GPU kernels in host memory
            self.labels = tf.constant(np.asarray(data.train_labels, np.int64))
            self.table = tf.constant(np.asarray(data.batch_indices, np.int64))
            self.val_images = to_float(data.validation_images)
            self.val_labels = tf.constant(np.asarray(data.validation_labels, np.int64))
            self.loss_sum = tf.Variable(0.0, trainable=False, dtype=tf.float32)
        optimizer.build(self.variables)  # slots exist before tracing, not inside XLA
        self.run_steps = tf.function(self._steps, jit_compile=JIT_COMPILE)
        self.correct = tf.function(self._correct, jit_compile=JIT_COMPILE, reduce_retracing=True)

    def _step(self, batch: tf.Tensor) -> None:
        images, labels = tf.gather(self.images, batch), tf.gather(self.labels, batch)
        with tf.GradientTape() as tape:
            loss = softmax_cross_entropy(labels, self.handle.model(images, training=True))
        self.optimizer.apply(tape.gradient(loss, self.variables), self.variables)
        self.loss_sum.assign_add(loss)

    def _steps(self, start: tf.Tensor, stop: tf.Tensor) -> tf.Tensor:
        for i in tf.range(start, stop):
            self._step(self.table[i])
        return self.loss_sum.read_value()

    def _correct(self, images: tf.Tensor, labels: tf.Tensor) -> tf.Tensor:
        logits = self.handle.model(images, training=False)
        predicted = tf.argmax(logits, axis=1, output_type=tf.int64)
        return tf.reduce_sum(tf.cast(tf.equal(predicted, labels), tf.int32))

    def validation_accuracy(self) -> float:
        total, size = len(self.val_labels), self.config.eval_batch_size
        if total == 0:
            return float("nan")
        counts = [
            self.correct(self.val_images[s : s + size], self.val_labels[s : s + size])
            for s in range(0, total, size)
        ]
        return int(tf.add_n(counts).numpy()) / total

    def run(self, on_progress) -> TrainOutcome:
        config, curve = self.config, []
        ends, points = _boundaries(config)
        clock = {"warmup": 0.0, "steady": 0.0}
        start = last_point = 0
        began = time.perf_counter()
        for stop in ends:
            tic = time.perf_counter()
            loss_sum = float(self.run_steps(tf.constant(start), tf.constant(stop)))  # barrier
            clock["warmup" if stop <= config.warmup_batches else "steady"] += (
                time.perf_counter() - tic
            )
            start = stop
            if stop in points:
                curve.append(
                    CurvePoint(stop, loss_sum / (stop - last_point), self.validation_accuracy())
                )
                self.loss_sum.assign(0.0)
                last_point = stop
                if on_progress is not None:
                    on_progress(curve[-1])
                if not math.isfinite(curve[-1].loss):
                    break
        return self._outcome(curve, clock, start, time.perf_counter() - began)

    def _outcome(self, curve, clock, trained: int, wall: float) -> TrainOutcome:
        steady_batches = trained - min(trained, self.config.warmup_batches)
        rate = steady_batches * self.config.batch_size / clock["steady"] if steady_batches else 0.0
        return TrainOutcome(
            curve=curve,
            final_loss=curve[-1].loss,
            examples_per_sec=rate,
            warmup_seconds=clock["warmup"],
            steady_seconds=clock["steady"],
            train_seconds=wall,
            loss_finite=math.isfinite(curve[-1].loss),
        )


class TensorFlowAdapter:
    """The :class:`harness.adapters.base.Adapter` for TensorFlow / Keras 3."""

    name = "tensorflow"

    def device_info(self) -> dict:
        return tensorflow_device.describe(tf)

    def peak_gpu_memory_bytes(self) -> int | None:
        if not tf.config.list_logical_devices("GPU"):
            return None
        return int(tf.config.experimental.get_memory_info("GPU:0")["peak"])

    def build(
        self,
        source: ModelSource,
        input_shape: tuple[int, int, int],
        num_classes: int,
        seed: int = 0,
    ) -> KerasModel:
        keras.utils.set_random_seed(seed)  # python, numpy, TF and Keras' seed generators
        input_shape = int_shape(input_shape)
        with tf.device(tensorflow_device.device_name(tf)):
            model = _build_keras(source, input_shape, num_classes)
            model(tf.zeros((1, *input_shape)), training=False)  # creates unbuilt weights
        return KerasModel(model, input_shape, num_classes)

    def param_count(self, model: KerasModel) -> int:
        return int(sum(np.prod(v.shape) for v in model.model.trainable_variables))

    def batchnorm_statistics(self, model: KerasModel) -> list[np.ndarray]:
        norms = [
            layer
            for layer in model.model.layers
            if isinstance(layer, keras.layers.BatchNormalization)
        ]
        return [
            np.asarray(variable.numpy(), dtype=np.float32)
            for norm in norms
            for variable in (norm.moving_mean, norm.moving_variance)
        ]

    def get_weights(self, model: KerasModel) -> list[np.ndarray]:
        # Keras already stores conv kernels HWIO and dense kernels (in, out), biases after
        # kernels, batch-norm gamma before beta: its trainable order is the canonical one.
        return [np.asarray(v.numpy()) for v in model.model.trainable_variables]

    def set_weights(self, model: KerasModel, weights: Sequence[np.ndarray]) -> None:
        variables = model.model.trainable_variables
        if len(weights) != len(variables):
            raise HarnessError(
                f"weights: expected {len(variables)} arrays, received {len(weights)}"
            )
        for i, (variable, value) in enumerate(zip(variables, weights, strict=True)):
            if tuple(np.shape(value)) != tuple(variable.shape):
                raise HarnessError(
                    f"weights[{i}] ({variable.path}): expected shape "
                    f"{tuple(variable.shape)}, received {np.shape(value)}"
                )
            variable.assign(np.asarray(value, dtype=variable.dtype))

    def logits(self, model: KerasModel, images: np.ndarray) -> np.ndarray:
        chunks = self._chunked_logits(model, images, INFERENCE_CHUNK)
        return np.concatenate([c.numpy() for c in chunks])

    def predict(
        self, model: KerasModel, images: np.ndarray, batch_size: int = INFERENCE_CHUNK
    ) -> np.ndarray:
        chunks = self._chunked_logits(model, images, batch_size)
        return np.concatenate([tf.argmax(c, axis=1).numpy() for c in chunks]).astype(np.int64)

    def _chunked_logits(self, model: KerasModel, images: np.ndarray, batch_size: int):
        forward = model.forward()
        for start in range(0, len(images), batch_size):
            yield forward(to_float(images[start : start + batch_size]))

    def loss_and_grad_check(
        self, model: KerasModel, images: np.ndarray, labels: np.ndarray
    ) -> dict:
        """Inference mode, so that the check leaves batch-norm statistics untouched."""
        variables = model.model.trainable_variables
        with tf.GradientTape() as tape:
            out = model.model(to_float(images), training=False)
            shape = tuple(int(n) for n in out.shape)
            if shape != (len(images), model.num_classes):
                return {"output_shape": shape, "loss": float("nan"), "grad_finite": False}
            loss = softmax_cross_entropy(tf.convert_to_tensor(labels, tf.int64), out)
        grads = [g for g in tape.gradient(loss, variables) if g is not None]
        finite = all(bool(tf.reduce_all(tf.math.is_finite(g))) for g in grads)
        return {"output_shape": shape, "loss": float(loss), "grad_finite": finite}

    def train(
        self,
        model: KerasModel,
        data: TrainData,
        config: TrainConfig,
        on_progress: Callable[[CurvePoint], None] | None = None,
    ) -> TrainOutcome:
        keras.utils.set_random_seed(config.seed)  # dropout masks follow the seed
        # As in every adapter: at least one batch is timed as steady state.
        warmup = min(config.warmup_batches, max(config.num_batches - 1, 0))
        config = dataclasses.replace(config, warmup_batches=warmup)
        trainer = _Trainer(model, data, config, make_optimizer(config.optimizer))
        return trainer.run(on_progress)


ADAPTER = TensorFlowAdapter()
