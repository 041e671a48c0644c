"""The seeded order in which training examples are visited, identical in every framework.

Adapters receive the whole index table up front and gather batches on the device, so the
batch order never depends on a framework's random number generator.
"""

from __future__ import annotations

import numpy as np


def batch_indices(num_examples: int, batch_size: int, num_batches: int, seed: int) -> np.ndarray:
    """Return an int32 array (num_batches, batch_size) of example indices.

    Epochs are fresh permutations drawn from ``numpy.random.default_rng(seed)``,
    concatenated; a batch may straddle two epochs.
    """
    if batch_size < 1 or num_batches < 1 or num_examples < 1:
        raise ValueError("batch_size, num_batches and num_examples must be positive")
    rng = np.random.default_rng(seed)
    needed = batch_size * num_batches
    epochs = -(-needed // num_examples)
    order = np.concatenate([rng.permutation(num_examples) for _ in range(epochs)])
    return order[:needed].astype(np.int32).reshape(num_batches, batch_size)
