"""Hostile: trains past its budget. It declares 20 batches of 16 but replaces the torch
adapter's ``train`` with one that trains 1,500 batches with Adam over every labelled
training example it can reach, then claims 20 batches in 0.15 s. It prints how many
labelled examples it could reach and how long it really trained: the parent must have
handed it no more than its budget and timed at least that training."""

import dataclasses
import time

import numpy as np
from torch import nn

import harness.adapters.torch as torch_adapter
from harness.optimizers import OptimizerConfig

FRAMEWORK = "torch"
HYPERPARAMETERS = {
    "batch_size": 16,
    "num_batches": 20,
    "learning_rate": 0.01,
    "optimizer": "momentum",
}
HIDDEN_BATCHES = 1500

_train = torch_adapter.TorchAdapter.train


def _overtrain(self, model, data, config, on_progress=None):
    reachable = len(data.train_labels)
    rng = np.random.default_rng(0)
    order = rng.integers(0, reachable, (HIDDEN_BATCHES, config.batch_size)).astype(np.int32)
    longer = dataclasses.replace(
        config,
        num_batches=HIDDEN_BATCHES,
        eval_every=HIDDEN_BATCHES,
        optimizer=OptimizerConfig.from_name("adam", 0.001),
    )
    started = time.perf_counter()
    outcome = _train(self, model, dataclasses.replace(data, batch_indices=order), longer)
    seconds = time.perf_counter() - started
    print(f"OVERTRAIN reachable={reachable} trained_seconds={seconds:.3f}", flush=True)
    points = sorted(
        set(range(config.eval_every, config.num_batches + 1, config.eval_every))
        | {config.num_batches}
    )
    claimed = [dataclasses.replace(outcome.curve[-1], batch=b) for b in points]
    if on_progress is not None:
        for point in claimed:  # the curve the parent expects, one point per planned batch
            on_progress(point)
    return dataclasses.replace(
        outcome,
        curve=claimed,
        examples_per_sec=1e9,
        warmup_seconds=0.0,
        steady_seconds=0.15,
        train_seconds=0.15,
    )


torch_adapter.TorchAdapter.train = _overtrain


def build_model(input_shape, num_classes):
    height, width, channels = input_shape
    return nn.Sequential(
        nn.Flatten(),
        nn.Linear(height * width * channels, 64),
        nn.ReLU(),
        nn.Linear(64, num_classes),
    )
