"""The JAX adapter: Flax (``flax.linen``) models trained with Optax under ``jax.jit``.

JAX is imported inside functions only (through :func:`harness.adapters.jax.training.lib`),
so importing this module costs nothing and its name never shadows the real package. The
compiled training loop and the optimizers live in :mod:`harness.adapters.jax.training`.

Models come from a reference name (``reference_models/jax_cnn.py``), from a Model Builder
layer list (``LayerStack`` in :mod:`harness.adapters.jax.builder`) or from a submission's
``build_model(input_shape, num_classes)`` returning a ``flax.linen.Module`` fed NHWC float32
images. If that module's ``__call__`` takes ``train`` or ``training`` (or
``deterministic``), the harness passes the mode; dropout draws from the ``"dropout"`` RNG
stream; collections other than ``params`` (such as ``batch_stats``) are state, updated while
training and excluded from the weights.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from harness import host
from harness.adapters.base import (
    INFERENCE_CHUNK,
    CurvePoint,
    ModelSource,
    TrainConfig,
    TrainData,
    TrainOutcome,
    int_shape,
)
from harness.adapters.jax import training
from harness.errors import HarnessError, field_error

# keyword of a module's __call__ -> the value it takes while training
MODE_KEYWORDS = {"train": True, "training": True, "deterministic": False}


@dataclass
class JaxModel:
    """The opaque handle :meth:`JaxAdapter.build` returns."""

    module: Any  # a flax.linen.Module
    mode_keyword: str | None  # keyword of ``module.__call__`` that takes the mode, if any
    variables: dict  # "params" plus state collections such as "batch_stats"
    weight_paths: list[tuple[str, ...]]  # params leaves in canonical order (base.py)
    num_classes: int
    seed: int
    opt_state: Any = None  # optimizer state after the last ``train``

    def apply(self, variables: dict, x, train: bool, rng=None):
        """Logits; while training, ``(logits, updated state collections)``."""
        kwargs = {}
        if self.mode_keyword:
            kwargs[self.mode_keyword] = MODE_KEYWORDS[self.mode_keyword] == train
        if not train:
            return self.module.apply(variables, x, **kwargs)
        state = [k for k in variables if k != "params"]
        return self.module.apply(variables, x, rngs={"dropout": rng}, mutable=state, **kwargs)

    @cached_property
    def chunk_logits(self) -> Callable:
        """Jitted inference on one padded chunk, compiled once for this model."""
        return training.make_chunk_logits(self.apply)


def make_module(source: ModelSource, input_shape: tuple[int, int, int], num_classes: int):
    """``(module, mode_keyword)`` for a reference name, a layer list or ``build_model``."""
    from reference_models import jax_cnn  # lazy: imports jax and flax

    if source.layers is not None:
        from harness.adapters.jax.builder import LayerStack  # lazy: imports flax

        return LayerStack(tuple(source.layers)), "train"
    if source.reference is not None:
        if source.reference not in jax_cnn.NETWORKS:
            raise HarnessError(
                field_error(
                    "reference", "name", f"one of {list(jax_cnn.NETWORKS)}", source.reference
                )
            )
        module = jax_cnn.NETWORKS[source.reference](input_shape, num_classes)
    else:
        module = source.student_function()(input_shape, num_classes)
    if not isinstance(module, training.lib().nn.Module):
        raise HarnessError(
            field_error(
                "build_model(input_shape, num_classes)",
                "return value",
                "a flax.linen.Module",
                type(module).__name__,
            )
        )
    parameters = inspect.signature(module.__call__).parameters
    return module, next((k for k in MODE_KEYWORDS if k in parameters), None)


def canonical_paths(params: dict) -> list[tuple[str, ...]]:
    """Leaves in the creation order of their layers; kernel (or scale) before bias in each.

    Read once at init: jitted updates hand dicts back with sorted keys (``Dense_0`` before
    ``Conv_1``, ``layers_10`` before ``layers_2``), which is not the network's order.
    """
    flat = list(training.lib().traverse.flatten_dict(params))
    layer_order: dict[tuple, int] = {}
    for path in flat:
        layer_order.setdefault(path[:-1], len(layer_order))
    rank = {"kernel": 0, "scale": 0, "bias": 1}
    return sorted(flat, key=lambda p: (layer_order[p[:-1]], rank.get(p[-1], 2)))


def _numbered(name: str) -> tuple[str, int]:
    """``"BatchNorm_10"`` -> ``("BatchNorm", 10)``: Flax numbers modules in creation order."""
    head, _, tail = name.rpartition("_")
    return (head, int(tail)) if tail.isdigit() else (name, -1)


class JaxAdapter:
    """:class:`harness.adapters.base.Adapter` for JAX + Flax + Optax."""

    name = "jax"

    def peak_gpu_memory_bytes(self) -> int | None:
        device = training.lib().jax.devices()[0]
        if device.platform != "gpu":
            return None
        return (device.memory_stats() or {}).get("peak_bytes_in_use")

    def device_info(self) -> dict:
        jax = training.lib().jax
        device = jax.devices()[0]
        jaxlib = importlib.import_module("jaxlib")
        versions = f"jax {jax.__version__}, jaxlib {jaxlib.__version__}"
        if device.platform == "gpu":
            stats = device.memory_stats() or {}
            return {
                "kind": "gpu",
                "name": device.device_kind,
                "memory_bytes": stats.get("bytes_limit"),
                "driver": device.client.platform_version,
                "framework_version": versions,
            }
        return host.cpu_device(versions)

    def build(
        self,
        source: ModelSource,
        input_shape: tuple[int, int, int],
        num_classes: int,
        seed: int = 0,
    ) -> JaxModel:
        lib = training.lib()
        input_shape = int_shape(input_shape)
        module, keyword = make_module(source, input_shape, num_classes)
        handle = JaxModel(module, keyword, {}, [], num_classes, seed)
        kwargs = {keyword: not MODE_KEYWORDS[keyword]} if keyword else {}

        def initialise(key):
            init_key, dropout_key = lib.jax.random.split(key)
            variables = module.init(
                {"params": init_key, "dropout": dropout_key},
                lib.jnp.zeros((1, *input_shape)),
                **kwargs,
            )
            # read while tracing: the dicts jit hands back have sorted keys, not this order
            handle.weight_paths = canonical_paths(variables["params"])
            return variables

        if source.build_model is None:
            # Our own networks: one compilation, keys from XLA's bit generator. Op by op
            # with threefry keys, initialising took 2.7 CPU-seconds of compiling; this 0.7.
            key = lib.jax.random.key(seed, impl="rbg")
            handle.variables = dict(lib.jax.jit(initialise)(key))
        else:  # a student's module initialises as written, traced or not
            handle.variables = dict(initialise(lib.jax.random.PRNGKey(seed)))
        return handle

    def param_count(self, model: JaxModel) -> int:
        leaves = training.lib().jax.tree.leaves(model.variables["params"])
        return int(sum(leaf.size for leaf in leaves))

    def batchnorm_statistics(self, model: JaxModel) -> list[np.ndarray]:
        """``batch_stats`` in layer order (``BatchNorm_2`` before ``BatchNorm_10``)."""
        flat = training.lib().traverse.flatten_dict(model.variables.get("batch_stats", {}))
        ordered = sorted(
            flat, key=lambda path: (tuple(_numbered(p) for p in path[:-1]), path[-1] != "mean")
        )
        return [np.asarray(flat[path], dtype=np.float32) for path in ordered]

    def get_weights(self, model: JaxModel) -> list[np.ndarray]:
        flat = training.lib().traverse.flatten_dict(model.variables["params"])
        return [np.asarray(flat[path]) for path in model.weight_paths]

    def set_weights(self, model: JaxModel, weights: Sequence[np.ndarray]) -> None:
        lib = training.lib()
        flat = lib.traverse.flatten_dict(model.variables["params"])
        if len(weights) != len(model.weight_paths):
            raise HarnessError(
                field_error(
                    "set_weights",
                    "weights",
                    f"{len(model.weight_paths)} arrays in the canonical layout",
                    len(weights),
                )
            )
        for index, (path, value) in enumerate(zip(model.weight_paths, weights, strict=True)):
            value = np.asarray(value, dtype=np.float32)
            if value.shape != flat[path].shape:
                where = f"weights[{index}] ({'/'.join(path)})"
                raise HarnessError(
                    field_error(
                        "set_weights", where, f"shape {tuple(flat[path].shape)}", value.shape
                    )
                )
            flat[path] = lib.jnp.asarray(value)
        model.variables = {**model.variables, "params": lib.traverse.unflatten_dict(flat)}
        model.opt_state = None

    def logits(
        self, model: JaxModel, images: np.ndarray, batch_size: int = INFERENCE_CHUNK
    ) -> np.ndarray:
        if len(images) == 0:
            return np.zeros((0, model.num_classes), np.float32)
        chunks = training.padded_chunks(images, batch_size)
        return training.chunked_logits(model.chunk_logits, model.variables, chunks, len(images))

    def predict(
        self, model: JaxModel, images: np.ndarray, batch_size: int = INFERENCE_CHUNK
    ) -> np.ndarray:
        return self.logits(model, images, batch_size).argmax(axis=-1).astype(np.int64)

    def loss_and_grad_check(self, model: JaxModel, images: np.ndarray, labels: np.ndarray) -> dict:
        lib = training.lib()
        jax, optax = lib.jax, lib.optax
        x, y = training.host_float(images), np.asarray(labels, np.int32)
        rng = jax.random.PRNGKey(model.seed)
        shape = tuple(
            jax.eval_shape(lambda v: model.apply(v, x, True, rng)[0], model.variables).shape
        )
        if shape != (len(images), model.num_classes):
            return {"output_shape": shape, "loss": float("nan"), "grad_finite": False}

        def loss_fn(params):
            logits, _ = model.apply({**model.variables, "params": params}, x, True, rng)
            return optax.softmax_cross_entropy_with_integer_labels(logits, y).mean()

        def loss_and_finite(params):  # one compilation, not one per gradient leaf
            loss, grads = jax.value_and_grad(loss_fn)(params)
            leaves = [lib.jnp.isfinite(g).all() for g in jax.tree.leaves(grads)]
            return loss, lib.jnp.stack(leaves).all()

        loss, finite = jax.jit(loss_and_finite)(model.variables["params"])
        return {"output_shape": shape, "loss": float(loss), "grad_finite": bool(finite)}

    def train(
        self,
        model: JaxModel,
        data: TrainData,
        config: TrainConfig,
        on_progress: Callable[[CurvePoint], None] | None = None,
    ) -> TrainOutcome:
        return training.train(model, data, config, on_progress)


ADAPTER = JaxAdapter()
