"""Code-form example in JAX/Flax: the assignment's original network, with dropout.

build_model returns a flax.linen.Module fed NHWC float32 batches in [0, 1] and returning
logits. Its __call__ takes ``train``: the harness passes True while training (dropout
active, drawing from the "dropout" RNG stream) and False when evaluating.
14,682 parameters on 28x28x1 images (dropout has none).
"""

import flax.linen as nn

FRAMEWORK = "jax"

HYPERPARAMETERS = {"batch_size": 64, "num_batches": 3000, "learning_rate": 0.001,
                   "optimizer": "adam"}


class SmallCNN(nn.Module):
    num_classes: int

    @nn.compact
    def __call__(self, x, train: bool = False):
        for _ in range(2):
            x = nn.Conv(16, kernel_size=(5, 5), padding=2)(x)
            x = nn.max_pool(nn.relu(x), window_shape=(2, 2), strides=(2, 2))
        x = x.reshape((x.shape[0], -1))
        x = nn.Dropout(rate=0.25, deterministic=not train)(x)
        return nn.Dense(self.num_classes)(x)


def build_model(input_shape, num_classes):
    return SmallCNN(num_classes=num_classes)
