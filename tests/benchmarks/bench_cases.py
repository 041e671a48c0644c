"""Checks shared by tests/test_bench_<framework>.py; each module runs one framework only."""

from __future__ import annotations

import importlib

from harness.adapters import get_adapter
from harness.adapters.base import TrainData
from harness.batch_order import batch_indices
from harness.benchmarks import HANDWRITTEN_KEYS, NETWORKS
from harness.benchmarks.spawn import run_child
from harness.data.loader import load_bundled


def small_data(batch_size: int, num_batches: int) -> TrainData:
    """The bundled real Fashion-MNIST subset with 1,000 validation images."""
    dataset = load_bundled()
    order = batch_indices(len(dataset.train_labels), batch_size, num_batches, seed=0)
    return TrainData(
        dataset.train_images,
        dataset.train_labels,
        dataset.validation_images[:1000],
        dataset.validation_labels[:1000],
        order,
    )


def check_handwritten_loop_trains(framework: str) -> None:
    get_adapter(framework)  # the framework imported the harness's way, as the child does
    loop = importlib.import_module(f"reference_models.handwritten_{framework}")
    field, filters = NETWORKS["original"]
    result = loop.train(
        small_data(64, 40),
        field,
        filters,
        batch_size=64,
        num_batches=40,
        warmup=5,
        learning_rate=0.01,
        momentum=0.9,
        seed=0,
    )
    assert set(HANDWRITTEN_KEYS) <= set(result)
    assert result["param_count"] == 14_682  # the same network as the references
    assert result["warmup_seconds"] > 0 and result["steady_seconds"] > 0
    assert result["examples_per_sec"] == (40 - 5) * 64 / result["steady_seconds"]
    # 40 momentum steps on real images: far above chance (0.1), far from converged
    assert 0.3 < result["validation_accuracy"] < 0.95


def check_child_runs_adapter(framework: str) -> None:
    run = run_child(
        {
            "framework": framework,
            "runner": "adapter",
            "batch_size": 32,
            "num_batches": 12,
            "warmup_batches": 2,
            "eval_every": 4,
            "test_accuracy": True,
        },
        timeout=600,
    )
    assert "error" not in run, run.get("error")
    assert (run["framework"], run["runner"], run["model"]) == (framework, "adapter", "original")
    assert [p[0] for p in run["curve"]] == [4, 8, 12]
    # The accuracy is a count of the test images it was measured on, over their number.
    test_count = run["data"]["test_count"]
    assert round(run["test_accuracy"] * test_count, 6) % 1 == 0 and run["examples_per_sec"] > 0
    assert run["device"]["framework_version"]
    # The adapter reports its allocator's GPU peak, and nothing where it ran on the CPU.
    if run["device"]["kind"] == "cpu":
        assert run["peak_gpu_memory_bytes"] is None
    else:
        assert run["peak_gpu_memory_bytes"] > 0
