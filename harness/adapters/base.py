"""The one interface every framework adapter implements.

This module imports no framework. Arrays crossing the interface are NumPy:

* images are ``uint8`` NHWC; adapters scale them to float32 in [0, 1] themselves;
* labels are integer class indices;
* weights travel in a *canonical layout* so the same numbers can be loaded into every
  framework: for each parameterised layer in order, conv kernel ``(kh, kw, in, out)``
  then bias ``(out,)``; dense kernel ``(in, out)`` then bias ``(out,)``, where ``in`` of
  the first dense layer after ``flatten`` is enumerated in NHWC order (height, width,
  channel). Torch models therefore flatten channels-last (see ``FlattenHWC`` there).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from harness.errors import ConfigError, field_error
from harness.names import WARMUP_BATCHES
from harness.optimizers import OptimizerConfig

# Images per inference call (validation points, test predictions): small chunks stay in
# cache (docs/benchmarks.md, design measurements).
INFERENCE_CHUNK = 250


@dataclass(frozen=True)
class ModelSource:
    """Where a model comes from: exactly one of the three fields is set.

    ``reference``: a name in :data:`harness.names.REFERENCE_NETWORKS` (hand-written in
    ``reference_models/``);
    ``layers``: a validated Model Builder layer list (see :mod:`harness.submission.spec`);
    ``build_model``: a submission's ``build_model(input_shape, num_classes)`` function.
    """

    reference: str | None = None
    layers: tuple[dict, ...] | None = None
    build_model: Callable[..., Any] | None = None

    def __post_init__(self):
        given = [x is not None for x in (self.reference, self.layers, self.build_model)]
        if sum(given) != 1:
            raise ValueError("ModelSource needs exactly one of reference, layers, build_model")

    def student_function(self) -> Callable[..., Any]:
        """``build_model``, for a source that is neither a reference nor a layer list."""
        if self.build_model is None:  # never where reference and layers are None
            raise ValueError("ModelSource: expected build_model, received none")
        return self.build_model


def int_shape(input_shape: Sequence[int]) -> tuple[int, int, int]:
    """``(height, width, channels)`` as Python ints (a job's JSON list, NumPy sizes)."""
    height, width, channels = input_shape
    return int(height), int(width), int(channels)


@dataclass(frozen=True)
class TrainConfig:
    """How to train: the harness owns the loop, the loss and the optimizer."""

    batch_size: int
    num_batches: int
    optimizer: OptimizerConfig = field(default_factory=OptimizerConfig)
    seed: int = 0
    eval_every: int = 100  # record loss and validation accuracy every k batches
    warmup_batches: int = WARMUP_BATCHES  # compiled/first steps, timed apart from steady state
    eval_batch_size: int = INFERENCE_CHUNK


@dataclass(frozen=True)
class TrainData:
    """Training inputs; ``batch_indices`` from :func:`harness.batch_order.batch_indices`."""

    train_images: np.ndarray  # uint8 (N, H, W, C)
    train_labels: np.ndarray  # int (N,)
    validation_images: np.ndarray
    validation_labels: np.ndarray
    batch_indices: np.ndarray  # int32 (num_batches, batch_size)


@dataclass(frozen=True)
class CurvePoint:
    batch: int  # number of batches trained so far
    loss: float  # mean training loss over the batches since the previous point
    validation_accuracy: float


@dataclass
class TrainOutcome:
    """What training measured. Times are seconds, read after the framework's barrier."""

    curve: list[CurvePoint]
    final_loss: float
    examples_per_sec: float  # steady state: warm-up batches and evaluations excluded
    warmup_seconds: float  # the first ``warmup_batches`` batches, compilation included
    steady_seconds: float  # the remaining batches only
    train_seconds: float  # wall time of the whole training phase, evaluations included
    loss_finite: bool = True


class Adapter(Protocol):
    """One framework. Implementations live in ``harness/adapters/<name>/__init__.py``
    (``ADAPTER``), reached through :func:`harness.adapters.get_adapter`."""

    name: str

    def device_info(self) -> dict:
        """``{"kind": "cpu"|"gpu", "name", "memory_bytes", "driver", "framework_version"}``."""

    def peak_gpu_memory_bytes(self) -> int | None:
        """Bytes the framework's allocator held at its peak on the first GPU; None on a CPU."""

    def build(
        self,
        source: ModelSource,
        input_shape: tuple[int, int, int],
        num_classes: int,
        seed: int = 0,
    ) -> Any:
        """Build and initialise a model on the adapter's device; returns an opaque handle."""

    def param_count(self, model: Any) -> int:
        """Number of trainable parameters."""

    def get_weights(self, model: Any) -> list[np.ndarray]:
        """Trainable weights in the canonical layout (module docstring)."""

    def set_weights(self, model: Any, weights: Sequence[np.ndarray]) -> None:
        """Load weights given in the canonical layout."""

    def batchnorm_statistics(self, model: Any) -> list[np.ndarray]:
        """float32 moving mean then moving variance of each batchnorm layer, in layer order
        (what inference needs besides the weights; empty without batchnorm)."""

    def logits(self, model: Any, images: np.ndarray) -> np.ndarray:
        """float32 logits (N, num_classes) for uint8 NHWC images, inference mode."""

    def loss_and_grad_check(self, model: Any, images: np.ndarray, labels: np.ndarray) -> dict:
        """One forward and backward pass: ``{"output_shape", "loss", "grad_finite"}``."""

    def train(
        self,
        model: Any,
        data: TrainData,
        config: TrainConfig,
        on_progress: Callable[[CurvePoint], None] | None = None,
    ) -> TrainOutcome:
        """Train in place for ``config.num_batches`` batches; softmax cross-entropy."""

    def predict(
        self, model: Any, images: np.ndarray, batch_size: int = INFERENCE_CHUNK
    ) -> np.ndarray:
        """Predicted class per image (int64), inference mode."""


MEMORY_FRACTION_VARIABLE = "HARNESS_GPU_MEMORY_FRACTION"


def gpu_memory_fraction() -> float | None:
    """``HARNESS_GPU_MEMORY_FRACTION`` as a number in (0, 1], or None when unset.

    Every adapter bounds a run's GPU memory by it, so several runs can share one card.
    """
    import os

    raw = os.environ.get(MEMORY_FRACTION_VARIABLE, "")
    if raw == "":
        return None
    try:
        fraction = float(raw)
    except ValueError:
        fraction = -1.0
    if not 0.0 < fraction <= 1.0:
        raise ConfigError(
            field_error("environment", MEMORY_FRACTION_VARIABLE, "a number in (0, 1]", raw)
        )
    return fraction
