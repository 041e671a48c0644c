"""The assignment's reference CNNs written idiomatically in Flax (``flax.linen``).

``original`` is the Model Builder network of the assignment (5x5 fields, 16 filters);
``cifar`` is the same shape with 3x3 fields and 30 filters. Both take NHWC float32 images
in [0, 1] and return logits. Kernels are Glorot (Xavier) uniform, biases zero, as in the
PyTorch and Keras references, so that the three frameworks start from the same distribution.
Padding is written out as ``((p, p), (p, p))`` and pooling is ``VALID``, the Model Builder's
explicit zero padding and floor rule, rather than Flax's ``SAME``.

The Model Builder's Flax module (harness/adapters/jax/builder.py) uses the same
initialisers, so ``LAYERS`` submissions and the references start from the same
distribution.
"""

from __future__ import annotations

import flax.linen as nn
import jax.numpy as jnp

KERNEL_INIT = nn.initializers.glorot_uniform()
BIAS_INIT = nn.initializers.zeros


class ConvNet(nn.Module):
    """conv -> relu -> maxpool, twice, then a dense layer to the classes."""

    num_classes: int
    field_size: int
    filters: int

    @nn.compact
    def __call__(self, x: jnp.ndarray) -> jnp.ndarray:
        pad = self.field_size // 2  # "same" size for odd fields at stride 1
        for _ in range(2):
            x = nn.Conv(
                self.filters,
                (self.field_size, self.field_size),
                strides=(1, 1),
                padding=((pad, pad), (pad, pad)),
                kernel_init=KERNEL_INIT,
                bias_init=BIAS_INIT,
            )(x)
            x = nn.relu(x)
            x = nn.max_pool(x, (2, 2), strides=(2, 2), padding="VALID")
        x = x.reshape((x.shape[0], -1))  # NHWC order: height, width, channel
        return nn.Dense(self.num_classes, kernel_init=KERNEL_INIT, bias_init=BIAS_INIT)(x)


def original(input_shape: tuple[int, int, int], num_classes: int) -> ConvNet:
    """The assignment's network: 5x5 fields, 16 filters (14,682 parameters on 28x28x1).

    ``input_shape`` is unused (Flax infers input sizes at init); it keeps the signature of
    the other frameworks' references.
    """
    return ConvNet(num_classes=num_classes, field_size=5, filters=16)


def cifar(input_shape: tuple[int, int, int], num_classes: int) -> ConvNet:
    """The CIFAR variant: 3x3 fields, 30 filters (28,180 parameters on 32x32x3)."""
    return ConvNet(num_classes=num_classes, field_size=3, filters=30)


NETWORKS = {"original": original, "cifar": cifar}
