"""The Model Builder in Flax: a normalised layer list as one ``flax.linen`` module (NHWC).

Kernels and biases start from the references' initialisers
(:mod:`reference_models.jax_cnn`); padding is written out and pooling is ``VALID``, the
Model Builder's explicit zero padding and floor rule.
"""

from __future__ import annotations

from collections.abc import Callable

import flax.linen as nn
import jax.numpy as jnp

from reference_models.jax_cnn import BIAS_INIT, KERNEL_INIT

POOLS: dict[str, Callable] = {"maxpool": nn.max_pool, "avgpool": nn.avg_pool}
ACTIVATIONS: dict[str, Callable] = {"relu": nn.relu, "sigmoid": nn.sigmoid, "tanh": nn.tanh}


class LayerStack(nn.Module):
    """A normalised Model Builder layer list (every key present) as one Flax module.

    ``train`` switches dropout on and batch normalisation to batch statistics (moving
    averages with decay 0.9, epsilon 1e-5, as in the other frameworks).
    """

    layers: tuple[dict, ...]

    @nn.compact
    def __call__(self, x: jnp.ndarray, train: bool = False) -> jnp.ndarray:
        for spec in self.layers:
            x = self._apply(spec, x, train)
        return x

    def _apply(self, spec: dict, x: jnp.ndarray, train: bool) -> jnp.ndarray:
        kind = spec["layer"]
        if kind == "conv":
            f, p, s = spec["field_size"], spec["zero_pad"], spec["stride"]
            return nn.Conv(
                spec["filters"],
                (f, f),
                strides=(s, s),
                padding=((p, p), (p, p)),
                kernel_init=KERNEL_INIT,
                bias_init=BIAS_INIT,
            )(x)
        if kind in POOLS:
            f, s = spec["field_size"], spec["stride"]
            return POOLS[kind](x, (f, f), strides=(s, s), padding="VALID")
        if kind in ACTIVATIONS:
            return ACTIVATIONS[kind](x)
        if kind == "dense":
            return nn.Dense(spec["units"], kernel_init=KERNEL_INIT, bias_init=BIAS_INIT)(x)
        if kind == "flatten":
            return x.reshape((x.shape[0], -1))
        if kind == "dropout":
            return nn.Dropout(spec["rate"], deterministic=not train)(x)
        if kind == "batchnorm":
            return nn.BatchNorm(use_running_average=not train, momentum=0.9, epsilon=1e-5)(x)
        raise ValueError(f"LAYERS: layer: expected a Model Builder layer kind, received {kind!r}")
