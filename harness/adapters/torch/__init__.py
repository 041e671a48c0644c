"""PyTorch adapter: builds, trains and evaluates models with torch on CUDA or the CPU.

The model handle is a :class:`TorchModel`. Models built from a reference name or from a
Model Builder layer list use the canonical weight layout of :mod:`harness.adapters.base`
(conv OIHW <-> HWIO, dense (out, in) <-> (in, out), flatten channels-last). A student's
``build_model`` module has no layout we can know, so its "canonical" weights are its
trainable parameters in ``module.parameters()`` order, as they are.

Fast path: eager mode, channels_last for our own networks; ``torch.compile`` and foreach
optimizer steps did not pay (docs/benchmarks.md, design measurements). Threads matter more:
whoever runs several jobs at once should give each its thread count (``OMP_NUM_THREADS``
or ``torch.set_num_threads``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from harness import host
from harness.adapters.base import (
    INFERENCE_CHUNK,
    CurvePoint,
    ModelSource,
    TrainConfig,
    TrainData,
    TrainOutcome,
    gpu_memory_fraction,
)
from harness.adapters.torch.builder import (
    build_sequential,
    canonical_slots,
    from_canonical,
    to_canonical,
)
from harness.errors import HarnessError
from harness.optimizers import OptimizerConfig
from reference_models.torch_cnn import NETWORKS


@dataclass
class TorchModel:
    """The opaque handle the adapter hands out."""

    module: nn.Module
    device: torch.device
    canonical: bool  # False for a student's build_model: weights are parameters as-is

    @property
    def memory_format(self) -> torch.memory_format:
        """channels_last for our own networks (faster on CPU, see the module docstring).

        A student's module gets plain NCHW: ``x.view(n, -1)`` after a conv, a common idiom,
        fails on channels_last activations.
        """
        return torch.channels_last if self.canonical else torch.contiguous_format


def pick_device() -> torch.device:
    """CUDA when visible (memory bounded by ``HARNESS_GPU_MEMORY_FRACTION``), else the CPU."""
    if not torch.cuda.is_available():
        return torch.device("cpu")
    device = torch.device("cuda", torch.cuda.current_device())
    fraction = gpu_memory_fraction()
    if fraction:
        torch.cuda.set_per_process_memory_fraction(float(fraction), device)
    return device


# --- building -------------------------------------------------------------------------


def _build_module(source: ModelSource, input_shape, num_classes) -> tuple[nn.Module, bool]:
    if source.reference is not None:
        if source.reference not in NETWORKS:
            raise HarnessError(
                f"reference: expected one of {', '.join(NETWORKS)}, received {source.reference!r}"
            )
        return NETWORKS[source.reference](tuple(input_shape), num_classes), True
    if source.layers is not None:
        return build_sequential(source.layers, tuple(input_shape)), True
    module = source.student_function()(tuple(input_shape), num_classes)
    if not isinstance(module, nn.Module):
        raise HarnessError(
            f"build_model: expected a torch.nn.Module, received {type(module).__name__}"
        )
    return module, False


# --- data and optimizers --------------------------------------------------------------


def images_to_device(images: np.ndarray, model: TorchModel) -> torch.Tensor:
    """uint8 NHWC (NumPy) -> float32 NCHW in [0, 1] on the model's device, converted there."""
    raw = torch.tensor(np.asarray(images), device=model.device)  # copies: arrays may be read-only
    nchw = raw.permute(0, 3, 1, 2).float().div_(255.0)
    # clone, not contiguous(): with one channel a permuted tensor already counts as
    # contiguous while its strides say channels_last, and conv then outputs channels_last.
    return nchw.clone(memory_format=model.memory_format)


def labels_to_device(labels: np.ndarray, device: torch.device) -> torch.Tensor:
    return torch.tensor(np.asarray(labels, dtype=np.int64), device=device)


def make_optimizer(params, config: OptimizerConfig) -> torch.optim.Optimizer:
    """The shared optimizer semantics of :mod:`harness.optimizers`, every value explicit."""
    lr, name = config.learning_rate, config.name
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr, momentum=0.0, dampening=0.0, nesterov=False)
    if name == "momentum":
        return torch.optim.SGD(
            params, lr=lr, momentum=config.setting("momentum"), dampening=0.0, nesterov=False
        )
    if name == "adam":
        betas = (config.setting("beta1"), config.setting("beta2"))
        return torch.optim.Adam(
            params, lr=lr, betas=betas, eps=config.setting("epsilon"), amsgrad=False
        )
    if name == "rmsprop":
        return torch.optim.RMSprop(
            params,
            lr=lr,
            alpha=config.setting("decay"),
            eps=config.setting("epsilon"),
            momentum=0.0,
            centered=False,
        )
    if name == "adagrad":
        return torch.optim.Adagrad(
            params,
            lr=lr,
            lr_decay=0.0,
            eps=config.setting("epsilon"),
            initial_accumulator_value=config.setting("initial_accumulator"),
        )
    raise HarnessError(
        f"optimizer: expected sgd, momentum, adam, rmsprop or adagrad, received {name!r}"
    )


# --- training -------------------------------------------------------------------------


class _Stopwatch:
    """Splits training time into warm-up and steady state; reads clocks after a barrier."""

    def __init__(self, device: torch.device):
        cuda = device.type == "cuda"
        self._barrier = (lambda: torch.cuda.synchronize(device)) if cuda else (lambda: None)
        self.seconds = {"warmup": 0.0, "steady": 0.0}
        self._started = time.perf_counter()

    def resume(self) -> None:
        self._started = time.perf_counter()

    def pause(self, bucket: str) -> None:
        self._barrier()
        self.seconds[bucket] += time.perf_counter() - self._started


@torch.no_grad()
def _accuracy(module: nn.Module, images: torch.Tensor, labels: torch.Tensor, chunk: int) -> float:
    if len(labels) == 0:
        return float("nan")
    module.eval()
    correct = torch.zeros((), dtype=torch.int64, device=labels.device)
    for start in range(0, len(labels), chunk):
        batch = module(images[start : start + chunk]).argmax(dim=1)
        correct += (batch == labels[start : start + chunk]).sum()
    module.train()
    return correct.item() / len(labels)


def _train_step(module: nn.Module, optimizer: torch.optim.Optimizer) -> Callable:
    def step(images: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        loss = F.cross_entropy(module(images), labels)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        return loss.detach()

    return step


def _run(model: TorchModel, data: TrainData, config: TrainConfig, on_progress) -> TrainOutcome:
    device, module = model.device, model.module
    images = images_to_device(data.train_images, model)
    labels = labels_to_device(data.train_labels, device)
    val_images = images_to_device(data.validation_images, model)
    val_labels = labels_to_device(data.validation_labels, device)
    order = torch.tensor(np.asarray(data.batch_indices, dtype=np.int64), device=device)
    num_batches = config.num_batches
    if len(order) < num_batches:
        raise HarnessError(f"batch_indices: expected {num_batches} rows, received {len(order)}")
    # At least one steady batch, so that a throughput exists for very short runs.
    warmup = min(config.warmup_batches, num_batches - 1)
    step = _train_step(module, make_optimizer(module.parameters(), config.optimizer))
    torch.manual_seed(config.seed)  # dropout
    module.train()
    curve: list[CurvePoint] = []
    loss_sum, since = torch.zeros((), device=device), 0
    started = time.perf_counter()
    watch = _Stopwatch(device)
    done = 0
    for done in range(1, num_batches + 1):
        batch = order[done - 1]
        loss_sum += step(images[batch], labels[batch])
        since += 1
        if done == warmup:
            watch.pause("warmup")
            watch.resume()
        if done % config.eval_every and done != num_batches:
            continue
        watch.pause("warmup" if done <= warmup else "steady")
        loss = (loss_sum / since).item()
        point = CurvePoint(
            done, loss, _accuracy(module, val_images, val_labels, config.eval_batch_size)
        )
        curve.append(point)
        if on_progress is not None:
            on_progress(point)
            module.train()  # the callback may have evaluated the model
        if not np.isfinite(loss):
            break
        loss_sum.zero_()
        since = 0
        watch.resume()
    return _outcome(curve, watch, done, warmup, config.batch_size, time.perf_counter() - started)


def _outcome(
    curve, watch: _Stopwatch, done: int, warmup: int, batch_size: int, train_seconds: float
) -> TrainOutcome:
    steady = watch.seconds["steady"]
    steady_examples = max(done - warmup, 0) * batch_size
    final_loss = curve[-1].loss if curve else float("nan")
    return TrainOutcome(
        curve=curve,
        final_loss=final_loss,
        examples_per_sec=steady_examples / steady if steady > 0 else 0.0,
        warmup_seconds=watch.seconds["warmup"],
        steady_seconds=steady,
        train_seconds=train_seconds,
        loss_finite=bool(np.isfinite(final_loss)),
    )


# --- device information ---------------------------------------------------------------


def _cuda_info(device: torch.device) -> dict:
    props = torch.cuda.get_device_properties(device)
    driver = getattr(torch._C, "_cuda_getDriverVersion", lambda: None)()
    driver_text = f"{driver // 1000}.{driver % 1000 // 10}" if driver else "unknown"
    return {
        "kind": "gpu",
        "name": props.name,
        "memory_bytes": int(props.total_memory),
        "driver": f"CUDA driver {driver_text}, runtime {torch.version.cuda}",
        "framework_version": torch.__version__,
        "memory_fraction": gpu_memory_fraction(),
    }


# --- the adapter ----------------------------------------------------------------------


class TorchAdapter:
    """The :class:`harness.adapters.base.Adapter` for PyTorch."""

    name = "torch"

    def __init__(self) -> None:
        self._device: torch.device | None = None

    @property
    def device(self) -> torch.device:
        if self._device is None:
            self._device = pick_device()
        return self._device

    def peak_gpu_memory_bytes(self) -> int | None:
        return int(torch.cuda.max_memory_allocated()) if torch.cuda.is_available() else None

    def device_info(self) -> dict:
        if self.device.type == "cuda":
            return _cuda_info(self.device)
        return host.cpu_device(torch.__version__, driver="", threads=torch.get_num_threads())

    def build(self, source: ModelSource, input_shape, num_classes: int, seed: int = 0):
        torch.manual_seed(seed)
        module, canonical = _build_module(source, input_shape, num_classes)
        model = TorchModel(module.to(self.device), self.device, canonical)
        model.module.to(memory_format=model.memory_format)
        return model

    def param_count(self, model: TorchModel) -> int:
        return sum(p.numel() for p in model.module.parameters() if p.requires_grad)

    def batchnorm_statistics(self, model: TorchModel) -> list[np.ndarray]:
        norms = [
            m for m in model.module.modules() if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d))
        ]
        return [
            buffer.detach().cpu().numpy().astype(np.float32)
            for norm in norms
            for buffer in (norm.running_mean, norm.running_var)
        ]

    def get_weights(self, model: TorchModel) -> list[np.ndarray]:
        return [
            to_canonical(layer, name, layer.get_parameter(name)).detach().cpu().numpy().copy()
            for layer, name in canonical_slots(model.module, model.canonical)
        ]

    @torch.no_grad()
    def set_weights(self, model: TorchModel, weights: Sequence[np.ndarray]) -> None:
        slots = canonical_slots(model.module, model.canonical)
        if len(weights) != len(slots):
            raise HarnessError(f"weights: expected {len(slots)} arrays, received {len(weights)}")
        for (layer, name), value in zip(slots, weights, strict=True):
            target = layer.get_parameter(name)
            new = from_canonical(layer, name, torch.as_tensor(np.asarray(value)))
            if tuple(new.shape) != tuple(target.shape):
                raise HarnessError(
                    f"weights: {name} of {type(layer).__name__}: expected "
                    f"shape {tuple(target.shape)}, received {tuple(new.shape)}"
                )
            target.copy_(new)

    @torch.no_grad()
    def logits(self, model: TorchModel, images: np.ndarray, batch_size: int = INFERENCE_CHUNK):
        model.module.eval()
        chunks = [
            model.module(images_to_device(images[s : s + batch_size], model)).float().cpu()
            for s in range(0, len(images), batch_size)
        ]
        return torch.cat(chunks).numpy()

    def predict(self, model: TorchModel, images: np.ndarray, batch_size: int = INFERENCE_CHUNK):
        return self.logits(model, images, batch_size).argmax(axis=1).astype(np.int64)

    def loss_and_grad_check(self, model: TorchModel, images: np.ndarray, labels: np.ndarray):
        module = model.module
        module.eval()  # no dropout and no batch-norm statistics updated by a check
        output = module(images_to_device(images, model))
        loss = F.cross_entropy(output, labels_to_device(labels, model.device))
        module.zero_grad(set_to_none=True)
        loss.backward()
        grads = [p.grad for p in module.parameters() if p.grad is not None]
        finite = all(bool(torch.isfinite(g).all()) for g in grads)
        module.zero_grad(set_to_none=True)
        return {"output_shape": tuple(output.shape), "loss": loss.item(), "grad_finite": finite}

    def train(
        self,
        model: TorchModel,
        data: TrainData,
        config: TrainConfig,
        on_progress: Callable[[CurvePoint], None] | None = None,
    ) -> TrainOutcome:
        return _run(model, data, config, on_progress)


ADAPTER = TorchAdapter()
