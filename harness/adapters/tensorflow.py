"""TensorFlow adapter: Keras 3 models on the TensorFlow backend, NHWC, trained by the harness.

Importing this module loads TensorFlow, so it is imported only through
:func:`harness.adapters.get_adapter`, the one place where a process picks its framework.
GPUs are configured here, before TensorFlow touches a device: memory growth, or a fixed
logical device of ``HARNESS_GPU_MEMORY_FRACTION`` of the card when that variable is set.
On the CPU, op determinism is switched on, so the same seed gives the same curve.

Training runs a whole segment of steps (up to the next evaluation or the end of warm-up)
inside one ``tf.function``: the batch index table lives on the device and each step gathers
its batch with ``tf.gather``, so Python is entered once per segment, not once per batch.
"""

from __future__ import annotations

import math
import os
import platform
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

os.environ["KERAS_BACKEND"] = "tensorflow"  # keras must not load the JAX or torch backend
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # keep C++ info logs out of reports

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from harness.adapters.base import (  # noqa: E402
    CurvePoint,
    ModelSource,
    TrainConfig,
    TrainData,
    TrainOutcome,
)
from harness.errors import HarnessError, field_error  # noqa: E402
from harness.optim import OPTIMIZER_DEFAULTS, OptimizerConfig  # noqa: E402

# XLA (jit_compile=True) against plain graph mode, measured on the 2-core CPU for
# `original` on Fashion-MNIST, batch 64: see the report in the module's commit message.
JIT_COMPILE = False
MEMORY_FRACTION_VARIABLE = "HARNESS_GPU_MEMORY_FRACTION"


def _gpu_query() -> dict | None:
    """Name, total memory (MiB) and driver of the first visible GPU, from nvidia-smi."""
    visible = os.environ.get("CUDA_VISIBLE_DEVICES", "0").split(",")[0].strip() or "0"
    try:
        done = subprocess.run(
            ["nvidia-smi", "--query-gpu=name,memory.total,driver_version",
             "--format=csv,noheader,nounits", "-i", visible],
            capture_output=True, text=True, timeout=30, check=True)
    except (OSError, subprocess.SubprocessError):
        return None
    name, memory_mib, driver = (x.strip() for x in done.stdout.splitlines()[0].split(","))
    return {"name": name, "memory_bytes": int(float(memory_mib)) * 2**20, "driver": driver}


def _memory_fraction() -> float | None:
    raw = os.environ.get(MEMORY_FRACTION_VARIABLE)
    if raw is None or raw == "":
        return None
    try:
        fraction = float(raw)
    except ValueError:
        fraction = -1.0
    if not 0.0 < fraction <= 1.0:
        raise HarnessError(field_error("environment", MEMORY_FRACTION_VARIABLE,
                                       "a number in (0, 1]", raw))
    return fraction


def _configure_gpus() -> None:
    """Bound GPU memory; TensorFlow accepts this only before it first uses a device.

    A logical device with a ``memory_limit`` and memory growth cannot be combined, so a set
    fraction gives a fixed-size logical device and no fraction gives memory growth: either
    way a run never grabs the whole card and several runs can share it.
    """
    gpus = tf.config.list_physical_devices("GPU")
    fraction = _memory_fraction() if gpus else None
    query = _gpu_query() if fraction is not None else None
    for gpu in gpus:
        if fraction is None or query is None:
            tf.config.experimental.set_memory_growth(gpu, True)
        else:
            limit_mib = int(query["memory_bytes"] * fraction) // 2**20
            tf.config.set_logical_device_configuration(
                gpu, [tf.config.LogicalDeviceConfiguration(memory_limit=limit_mib)])
    if not gpus:
        tf.config.experimental.enable_op_determinism()  # same seed, same curve on the CPU


def device_name() -> str:
    return "/GPU:0" if tf.config.list_logical_devices("GPU") else "/CPU:0"


def _cpu_name() -> str:
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            names = [line.split(":", 1)[1].strip() for line in cpuinfo
                     if line.startswith("model name")]
    except OSError:
        names = []
    return names[0] if names else (platform.processor() or platform.machine())


def _device_info() -> dict:
    versions = f"tensorflow {tf.__version__}, keras {keras.__version__}"
    gpus = tf.config.list_physical_devices("GPU")
    if not gpus:
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
        return {"kind": "cpu", "name": _cpu_name(), "memory_bytes": memory, "driver": None,
                "framework_version": versions}
    query = _gpu_query() or {"memory_bytes": None, "driver": None}
    details = tf.config.experimental.get_device_details(gpus[0])
    fraction = _memory_fraction()
    info = {"kind": "gpu", "name": details.get("device_name") or query.get("name"),
            "memory_bytes": query["memory_bytes"], "driver": query["driver"],
            "framework_version": versions}
    if fraction is not None and query["memory_bytes"]:
        info["memory_limit_bytes"] = int(query["memory_bytes"] * fraction)
    return info


_configure_gpus()


@dataclass
class KerasModel:
    """The handle :meth:`TensorFlowAdapter.build` returns: the model and its compiled calls."""

    model: keras.Model
    input_shape: tuple[int, int, int]
    num_classes: int
    _compiled: dict = field(default_factory=dict, repr=False)

    def forward(self) -> Callable:
        """Inference-mode logits as a ``tf.function`` (traced once per batch shape)."""
        if "forward" not in self._compiled:
            model = self.model
            self._compiled["forward"] = tf.function(
                lambda x: tf.cast(model(x, training=False), tf.float32),
                jit_compile=JIT_COMPILE)
        return self._compiled["forward"]


def to_float(images) -> tf.Tensor:
    """uint8 NHWC images -> float32 in [0, 1], on the adapter's device."""
    with tf.device(device_name()):
        return tf.cast(tf.convert_to_tensor(images), tf.float32) / 255.0


def make_optimizer(config: OptimizerConfig) -> keras.optimizers.Optimizer:
    """The Keras optimizer for ``config``, every setting explicit (Keras defaults differ)."""
    if config.name not in OPTIMIZER_DEFAULTS:
        raise HarnessError(f"optimizer: expected one of {', '.join(OPTIMIZER_DEFAULTS)}, "
                           f"received {config.name!r}")
    s = {**OPTIMIZER_DEFAULTS[config.name][1], **config.settings}
    lr = config.learning_rate
    opt = keras.optimizers
    if config.name in ("sgd", "momentum"):
        # Keras: v = m*v - lr*g; w += v. Torch's v = m*v + g; w -= lr*v is the same
        # trajectory for a constant learning rate.
        return opt.SGD(lr, momentum=s.get("momentum", 0.0), nesterov=False)
    if config.name == "adam":
        return opt.Adam(lr, beta_1=s["beta1"], beta_2=s["beta2"], epsilon=s["epsilon"],
                        amsgrad=False)
    if config.name == "rmsprop":
        return opt.RMSprop(lr, rho=s["decay"], momentum=0.0, epsilon=s["epsilon"],
                           centered=False)
    return opt.Adagrad(lr, initial_accumulator_value=s["initial_accumulator"],
                       epsilon=s["epsilon"])


def softmax_cross_entropy(labels, logits) -> tf.Tensor:
    """Mean softmax cross-entropy of integer labels against float32 logits."""
    return tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
        labels=labels, logits=tf.cast(logits, tf.float32)))


def _build_keras(source: ModelSource, input_shape, num_classes) -> keras.Model:
    from reference_models import tensorflow_cnn

    if source.reference is not None:
        return tensorflow_cnn.NETWORKS[source.reference](input_shape, num_classes)
    if source.layers is not None:
        return tensorflow_cnn.from_layers(source.layers, input_shape)
    model = source.build_model(input_shape, num_classes)
    if not isinstance(model, keras.Model):
        raise HarnessError(f"build_model: expected a keras.Model (FRAMEWORK = 'tensorflow'), "
                           f"received {type(model).__name__}")
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
        with tf.device(device_name()):
            self.images = to_float(data.train_images)
            self.labels = tf.constant(np.asarray(data.train_labels, np.int32))
            self.table = tf.constant(np.asarray(data.batch_indices, np.int32))
            self.val_images = to_float(data.validation_images)
            self.val_labels = tf.constant(np.asarray(data.validation_labels, np.int32))
            self.loss_sum = tf.Variable(0.0, trainable=False, dtype=tf.float32)
        optimizer.build(self.variables)  # slots exist before tracing, not inside XLA
        self.run_steps = tf.function(self._steps, jit_compile=JIT_COMPILE)
        self.correct = tf.function(self._correct, jit_compile=JIT_COMPILE)

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
        predicted = tf.argmax(logits, axis=1, output_type=tf.int32)
        return tf.reduce_sum(tf.cast(tf.equal(predicted, labels), tf.int32))

    def validation_accuracy(self) -> float:
        total, size = len(self.val_labels), self.config.eval_batch_size
        if total == 0:
            return float("nan")
        counts = [self.correct(self.val_images[s:s + size], self.val_labels[s:s + size])
                  for s in range(0, total, size)]
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
            clock["warmup" if stop <= config.warmup_batches else "steady"] += \
                time.perf_counter() - tic
            start = stop
            if stop in points:
                curve.append(CurvePoint(stop, loss_sum / (stop - last_point),
                                        self.validation_accuracy()))
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
            curve=curve, final_loss=curve[-1].loss, examples_per_sec=rate,
            warmup_seconds=clock["warmup"], steady_seconds=clock["steady"],
            train_seconds=wall, loss_finite=math.isfinite(curve[-1].loss))


class TensorFlowAdapter:
    """The :class:`harness.adapters.base.Adapter` for TensorFlow / Keras 3."""

    name = "tensorflow"

    def device_info(self) -> dict:
        return _device_info()

    def build(self, source: ModelSource, input_shape: tuple[int, int, int], num_classes: int,
              seed: int = 0) -> KerasModel:
        keras.utils.set_random_seed(seed)  # python, numpy, TF and Keras' seed generators
        input_shape = tuple(int(n) for n in input_shape)
        with tf.device(device_name()):
            model = _build_keras(source, input_shape, num_classes)
            model(tf.zeros((1, *input_shape)), training=False)  # creates unbuilt weights
        return KerasModel(model, input_shape, num_classes)

    def param_count(self, model: KerasModel) -> int:
        return int(sum(np.prod(v.shape) for v in model.model.trainable_variables))

    def get_weights(self, model: KerasModel) -> list[np.ndarray]:
        # Keras already stores conv kernels HWIO and dense kernels (in, out), biases after
        # kernels, batch-norm gamma before beta: its trainable order is the canonical one.
        return [np.asarray(v.numpy()) for v in model.model.trainable_variables]

    def set_weights(self, model: KerasModel, weights: Sequence[np.ndarray]) -> None:
        variables = model.model.trainable_variables
        if len(weights) != len(variables):
            raise HarnessError(f"weights: expected {len(variables)} arrays, "
                               f"received {len(weights)}")
        for i, (variable, value) in enumerate(zip(variables, weights, strict=True)):
            if tuple(np.shape(value)) != tuple(variable.shape):
                raise HarnessError(f"weights[{i}] ({variable.path}): expected shape "
                                   f"{tuple(variable.shape)}, received {np.shape(value)}")
            variable.assign(np.asarray(value, dtype=variable.dtype))

    def logits(self, model: KerasModel, images: np.ndarray) -> np.ndarray:
        return np.concatenate([c.numpy() for c in self._chunked_logits(model, images, 1000)])

    def predict(self, model: KerasModel, images: np.ndarray, batch_size: int = 1000
                ) -> np.ndarray:
        chunks = self._chunked_logits(model, images, batch_size)
        return np.concatenate([tf.argmax(c, axis=1).numpy() for c in chunks]).astype(np.int64)

    def _chunked_logits(self, model: KerasModel, images: np.ndarray, batch_size: int):
        forward = model.forward()
        for start in range(0, len(images), batch_size):
            yield forward(to_float(images[start:start + batch_size]))

    def loss_and_grad_check(self, model: KerasModel, images: np.ndarray,
                            labels: np.ndarray) -> dict:
        """Inference mode, so that the check leaves batch-norm statistics untouched."""
        variables = model.model.trainable_variables
        with tf.GradientTape() as tape:
            out = model.model(to_float(images), training=False)
            shape = tuple(int(n) for n in out.shape)
            if shape != (len(images), model.num_classes):
                return {"output_shape": shape, "loss": float("nan"), "grad_finite": False}
            loss = softmax_cross_entropy(tf.convert_to_tensor(labels, tf.int32), out)
        grads = [g for g in tape.gradient(loss, variables) if g is not None]
        finite = all(bool(tf.reduce_all(tf.math.is_finite(g))) for g in grads)
        return {"output_shape": shape, "loss": float(loss), "grad_finite": finite}

    def train(self, model: KerasModel, data: TrainData, config: TrainConfig,
              on_progress: Callable[[CurvePoint], None] | None = None) -> TrainOutcome:
        keras.utils.set_random_seed(config.seed)  # dropout masks follow the seed
        trainer = _Trainer(model, data, config, make_optimizer(config.optimizer))
        return trainer.run(on_progress)


ADAPTER = TensorFlowAdapter()
