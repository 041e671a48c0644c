"""Run in a child process by tests/test_parity.py: one framework, fixed weights and batches.

Usage: python tests/parity_child.py FRAMEWORK SOURCE OUT.npz, where SOURCE is a reference
name or "layers". Writes the parameter count, the logits on a fixed batch and, for every
optimizer of harness/optimizers.py, the losses of ten steps from the same starting weights, all
from weights and batches that every framework receives identically.

``... FRAMEWORK files OUT.npz PATH...`` (tests/adapters/test_javascript_parity.py) loads
each submission file (index.py or index.js building the original's layers) and writes its
parameter count and logits from the same weights, as ``param_count_<i>``, ``logits_<i>``.
"""

import sys

import numpy as np
from adapter_contract import ORIGINAL_LAYERS

from harness.adapters import get_adapter
from harness.adapters.base import ModelSource, TrainConfig, TrainData
from harness.batch_order import batch_indices
from harness.config import Assignment
from harness.optimizers import OPTIMIZER_NAMES, OptimizerConfig
from harness.submission.load import load_submission

SHAPE, CLASSES = (28, 28, 1), 10
# Rates large enough that ten steps move the loss visibly with each update rule.
LEARNING_RATES = {"sgd": 0.05, "momentum": 0.05, "adam": 0.001, "rmsprop": 0.001, "adagrad": 0.05}


def canonical_weights(rng):
    shapes = [(5, 5, 1, 16), (16,), (5, 5, 16, 16), (16,), (7 * 7 * 16, 10), (10,)]
    return [rng.normal(0.0, 0.1, size=s).astype(np.float32) for s in shapes]


def fixed_inputs():
    """The canonical weights, 256 images and their labels, the same in every framework."""
    rng = np.random.default_rng(1234)
    weights = canonical_weights(rng)
    images = rng.integers(0, 256, size=(256, *SHAPE), dtype=np.uint8)
    return weights, images, rng.integers(0, CLASSES, size=256).astype(np.int64)


def file_logits(framework, out_path, paths):
    """Parameter count and logits of each submission file's network from the same weights."""
    weights, images, _ = fixed_inputs()
    adapter, found = get_adapter(framework), {}
    for i, path in enumerate(paths):
        source = load_submission(path, Assignment()).model_source()
        model = adapter.build(source, SHAPE, CLASSES, seed=0)
        adapter.set_weights(model, weights)
        found[f"param_count_{i}"] = adapter.param_count(model)
        found[f"logits_{i}"] = adapter.logits(model, images[:16])
    np.savez(out_path, **found)


def main(framework, source_name, out_path, *paths):
    if source_name == "files":
        return file_logits(framework, out_path, paths)
    weights, images, labels = fixed_inputs()
    source = (
        ModelSource(layers=ORIGINAL_LAYERS)
        if source_name == "layers"
        else ModelSource(reference=source_name)
    )
    adapter = get_adapter(framework)
    model = adapter.build(source, SHAPE, CLASSES, seed=0)
    adapter.set_weights(model, weights)
    logits = adapter.logits(model, images[:16])
    data = TrainData(images, labels, images[:64], labels[:64], batch_indices(256, 32, 10, seed=0))
    losses = {
        f"losses_{name}": ten_steps(adapter, source, weights, data, name)
        for name in OPTIMIZER_NAMES
    }
    np.savez(out_path, param_count=adapter.param_count(model), logits=logits, **losses)


def ten_steps(adapter, source, weights, data, optimizer):
    """The losses of ten steps of ``optimizer`` on a fresh model holding ``weights``."""
    model = adapter.build(source, SHAPE, CLASSES, seed=0)
    adapter.set_weights(model, weights)
    config = TrainConfig(
        batch_size=32,
        num_batches=10,
        seed=0,
        eval_every=1,
        warmup_batches=1,
        optimizer=OptimizerConfig.from_name(optimizer, LEARNING_RATES[optimizer]),
    )
    outcome = adapter.train(model, data, config)
    return np.array([p.loss for p in outcome.curve])


if __name__ == "__main__":
    main(*sys.argv[1:])
