"""The JAX adapter's compiled parts: Optax optimizers, the training loop, batched inference.

JAX, Flax and Optax are imported inside functions only (:func:`lib`), after
HARNESS_GPU_MEMORY_FRACTION has been mapped onto XLA's settings, which act only before jax
is first imported.

Training runs the steps between two stops (curve points, the end of warm-up) as one
compiled ``fori_loop`` with traced bounds: a single compilation, inside the warm-up, serves
every segment, and Python dispatches once per segment rather than once per batch. Batches
are gathered on the device with ``jnp.take`` from the index table, placed there once with
the images; the loss is summed on the device and read at curve points only.

Optimizers take harness/optimizers.py's values explicitly: ``sgd`` and ``momentum`` are
``optax.sgd`` (its trace ``v = m*v + g`` is torch's heavy ball); ``adam`` is ``optax.adam``
with ``eps_root=0`` (torch's rule); ``rmsprop`` and ``adagrad`` put epsilon *outside* the
square root, ``g / (sqrt(v) + eps)``, as torch does. Optax's defaults put it inside, as
Keras does; at eps=1e-8 the two rules differ only where ``v`` is tiny.
"""

from __future__ import annotations

import importlib
import math
import os
import sys
import time
from collections.abc import Callable
from functools import cache
from types import SimpleNamespace
from typing import Any

import numpy as np

from harness.adapters.base import (
    CurvePoint,
    TrainConfig,
    TrainData,
    TrainOutcome,
    gpu_memory_fraction,
)
from harness.errors import HarnessError, field_error

COMPILED_LOOP = {"cpu": False, "gpu": True}  # per backend platform; see make_runner


@cache
def lib() -> SimpleNamespace:
    """jax, jax.numpy, flax.linen, flax.traverse_util and optax, imported once."""
    bound_gpu_memory()
    names = {
        "jax": "jax",
        "jnp": "jax.numpy",
        "nn": "flax.linen",
        "traverse": "flax.traverse_util",
        "optax": "optax",
    }
    return SimpleNamespace(**{k: importlib.import_module(m) for k, m in names.items()})


def bound_gpu_memory() -> None:
    """Map HARNESS_GPU_MEMORY_FRACTION onto XLA_PYTHON_CLIENT_MEM_FRACTION (no preallocation)."""
    if "jax" in sys.modules:
        return
    fraction = gpu_memory_fraction()
    if fraction is None:
        return
    os.environ["XLA_PYTHON_CLIENT_MEM_FRACTION"] = f"{fraction:.4f}"
    os.environ["XLA_PYTHON_CLIENT_PREALLOCATE"] = "false"  # grow on demand, up to the bound


def make_optimizer(config) -> Any:
    """An Optax GradientTransformation for an :class:`harness.optimizers.OptimizerConfig`."""
    optax, lr, get = lib().optax, config.learning_rate, config.setting
    if config.name == "sgd":
        return optax.sgd(lr)
    if config.name == "momentum":
        return optax.sgd(lr, momentum=get("momentum"))
    if config.name == "adam":
        return optax.adam(lr, b1=get("beta1"), b2=get("beta2"), eps=get("epsilon"), eps_root=0.0)
    if config.name == "rmsprop":
        return optax.rmsprop(lr, decay=get("decay"), eps=get("epsilon"), eps_in_sqrt=False)
    if config.name == "adagrad":
        scale = scale_by_root_sum_of_squares(get("initial_accumulator"), get("epsilon"))
        return optax.chain(scale, optax.scale(-lr))
    raise HarnessError(
        field_error("optimizer", "name", "sgd, momentum, adam, rmsprop or adagrad", config.name)
    )


def scale_by_root_sum_of_squares(initial: float, eps: float) -> Any:
    """Adagrad's scaling ``g / (sqrt(sum of g^2) + eps)``, epsilon outside the root (torch)."""
    jax, jnp, optax = lib().jax, lib().jnp, lib().optax

    def init(params):
        return jax.tree.map(lambda p: jnp.full_like(p, initial), params)

    def update(grads, sums, params=None):
        sums = jax.tree.map(lambda s, g: s + g * g, sums, grads)
        return jax.tree.map(lambda g, s: g / (jnp.sqrt(s) + eps), grads, sums), sums

    return optax.GradientTransformation(init, update)


def to_float(images):
    """The shared rule for pixels: float32 = uint8 / 255."""
    jnp = lib().jnp
    return jnp.asarray(images, jnp.float32) / 255.0


def host_float(images) -> np.ndarray:
    """:func:`to_float` on the host, in NumPy: the same numbers, no compilation."""
    return np.asarray(images, np.float32) / np.float32(255.0)


def make_step(apply: Callable, tx) -> Callable:
    """``step(i, carry, images, labels, indices, rng) -> carry``: one SGD step, not jitted.

    ``apply(variables, x, train, rng)`` returns logits and, when training, the updated state
    collections. ``carry`` is ``(variables, opt_state, loss_sum)``; step ``i`` trains on the
    rows ``indices[i]`` with dropout key ``fold_in(rng, i)``, so results do not depend on
    how the steps are grouped into calls.
    """
    jax, jnp, optax = lib().jax, lib().jnp, lib().optax

    def loss_fn(params, state, x, y, rng):
        logits, new_state = apply({"params": params, **state}, x, True, rng)
        return optax.softmax_cross_entropy_with_integer_labels(logits, y).mean(), new_state

    def step(i, carry, images, labels, indices, rng):
        variables, opt_state, loss_sum = carry
        rows = indices[i]
        x, y = jnp.take(images, rows, axis=0), jnp.take(labels, rows, axis=0)
        params = variables["params"]
        state = {k: v for k, v in variables.items() if k != "params"}
        (loss, state), grads = jax.value_and_grad(loss_fn, has_aux=True)(
            params, state, x, y, jax.random.fold_in(rng, i)
        )
        updates, opt_state = tx.update(grads, opt_state, params)
        params = optax.apply_updates(params, updates)
        return {"params": params, **state}, opt_state, loss_sum + loss

    return step


def make_runner(step: Callable, compiled_loop: bool) -> Callable:
    """``run(carry, start, stop, *arrays) -> carry`` for steps ``start..stop-1``.

    ``compiled_loop``: one jitted ``fori_loop`` per call, with traced bounds so it compiles
    once; otherwise a Python loop over the jitted step (dispatch is asynchronous, so Python
    runs ahead of the device). On XLA's CPU backend the compiled loop is several times
    slower per step (convolution gradients inside a while loop lose the fast kernels), so
    :data:`COMPILED_LOOP` keeps it for GPUs, where per-call dispatch is what costs.
    """
    jax = lib().jax
    if compiled_loop:

        def loop(carry, start, stop, *arrays):
            return jax.lax.fori_loop(start, stop, lambda i, c: step(i, c, *arrays), carry)

        return jax.jit(loop)
    one_step = jax.jit(step)

    def run(carry, start, stop, *arrays):
        for i in range(start, stop):
            carry = one_step(i, carry, *arrays)
        return carry

    return run


def make_chunk_logits(apply: Callable) -> Callable:
    """Jitted ``logits(variables, chunk)`` for one uint8 chunk shaped (chunk_size, H, W, C)."""
    jax = lib().jax
    return jax.jit(lambda variables, chunk: apply(variables, to_float(chunk), False, None))


def padded_chunks(images, chunk_size: int) -> list:
    """``images`` (NumPy) cut into chunks of exactly ``chunk_size`` rows, the last zero-padded.

    Every call of the model then has one shape: the output check, the validation points and
    the test predictions share a single compilation.
    """
    chunks = []
    for start in range(0, len(images), chunk_size):
        chunk = np.asarray(images[start : start + chunk_size])
        missing = chunk_size - len(chunk)
        if missing:
            chunk = np.concatenate([chunk, np.zeros((missing, *chunk.shape[1:]), chunk.dtype)])
        chunks.append(chunk)
    return chunks


def chunked_logits(chunk_logits: Callable, variables, chunks: list, count: int) -> np.ndarray:
    """NumPy logits of the first ``count`` rows of ``chunks``; every chunk dispatched first."""
    outputs = [chunk_logits(variables, chunk) for chunk in chunks]  # asynchronous dispatch
    return np.concatenate([np.asarray(out) for out in outputs])[:count]


def accuracy(chunk_logits: Callable, variables, chunks: list, labels: np.ndarray) -> float:
    """Share of the images whose arg-max logit is the label (arg-max on the host: no compile)."""
    if len(labels) == 0:
        return math.nan
    logits = chunked_logits(chunk_logits, variables, chunks, len(labels))
    return float((logits.argmax(axis=-1) == labels).mean())


def segment_stops(num_batches: int, eval_every: int, warmup: int) -> tuple[list[int], set]:
    """Where to stop stepping (curve points and the end of warm-up); which stops are points."""
    points = set(range(eval_every, num_batches + 1, eval_every)) | {num_batches}
    return sorted(points | ({warmup} if warmup > 0 else set())), points


def _on_device(data: TrainData, config: TrainConfig) -> tuple[tuple, Callable]:
    """Training arrays placed on the device once, and ``validate(variables) -> accuracy``.

    Pixels become float32 and labels int32 on the host (the same numbers as
    :func:`to_float`), so no eager operation needs compiling before the first step.
    """
    jax = lib().jax
    if len(data.batch_indices) < config.num_batches:
        raise HarnessError(
            field_error(
                "TrainData", "batch_indices", f"{config.num_batches} rows", len(data.batch_indices)
            )
        )
    arrays = (
        jax.device_put(host_float(data.train_images)),
        jax.device_put(np.asarray(data.train_labels, np.int32)),
        jax.device_put(np.asarray(data.batch_indices)),
    )
    chunks = [
        jax.device_put(c) for c in padded_chunks(data.validation_images, config.eval_batch_size)
    ]
    labels = np.asarray(data.validation_labels)
    return arrays, lambda logits_fn, variables: accuracy(logits_fn, variables, chunks, labels)


def train(
    model,
    data: TrainData,
    config: TrainConfig,
    on_progress: Callable[[CurvePoint], None] | None = None,
) -> TrainOutcome:
    """The shared training semantics (harness/adapters/base.py) for a JaxModel handle.

    Warm-up is at most ``num_batches - 1`` batches, so a run always has a steady state. A
    non-finite loss ends the run at the curve point that shows it (that point included).
    """
    jax = lib().jax
    started = time.perf_counter()
    tx = make_optimizer(config.optimizer)
    run = make_runner(
        make_step(model.apply, tx), COMPILED_LOOP.get(jax.devices()[0].platform, False)
    )
    arrays, validate = _on_device(data, config)
    rng = jax.random.fold_in(jax.random.PRNGKey(config.seed), 1)  # the dropout stream
    zero = jax.device_put(np.float32(0.0))
    carry = (model.variables, tx.init(model.variables["params"]), zero)
    warmup = min(config.warmup_batches, config.num_batches - 1)
    stops, points = segment_stops(config.num_batches, config.eval_every, warmup)
    clock = {True: 0.0, False: 0.0}  # seconds of warm-up (True) and steady state (False)
    curve, done, since = [], 0, 0
    for stop in stops:
        tick = time.perf_counter()
        carry = jax.block_until_ready(run(carry, done, stop, *arrays, rng))
        clock[stop <= warmup] += time.perf_counter() - tick
        since, done = since + stop - done, stop
        if stop in points:
            loss = float(carry[2]) / since
            curve.append(CurvePoint(stop, loss, validate(model.chunk_logits, carry[0])))
            if on_progress is not None:
                model.variables = carry[0]  # the model as trained so far, for the callback
                on_progress(curve[-1])
            if not math.isfinite(loss):
                break
            carry, since = (carry[0], carry[1], zero), 0
    model.variables, model.opt_state = carry[0], carry[1]
    return _outcome(
        curve, clock, max(done - warmup, 0) * config.batch_size, time.perf_counter() - started
    )


def _outcome(curve: list, clock: dict, steady_examples: int, train_seconds: float):
    final_loss = curve[-1].loss
    return TrainOutcome(
        curve=curve,
        final_loss=final_loss,
        examples_per_sec=steady_examples / clock[False] if clock[False] > 0 else 0.0,
        warmup_seconds=clock[True],
        steady_seconds=clock[False],
        train_seconds=train_seconds,
        loss_finite=math.isfinite(final_loss),
    )
