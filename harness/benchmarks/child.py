"""``python -m harness.benchmarks.child``: one measured run of ONE framework, one JSON line out.

The runner is the framework's adapter (``--runner adapter``) or its hand-written loop
(``--runner handwritten``). The model is a reference network (``--model original``) or a
Model Builder submission (``--submission PATH``, adapter only: an index.py read as
literals, a saved model.json, or one of the project's own index.js examples; its optimizer
and learning rate are used, and its batch size unless ``--batch-size`` is given;
``--num-batches`` sets the run's length). The last line of stdout is a JSON object: the
settings used, the timings, the learning curve, the accuracies, the device, the peak GPU
memory.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from pathlib import Path

from harness.adapters import get_adapter
from harness.adapters.base import ModelSource, TrainConfig, TrainData
from harness.batch_order import batch_indices
from harness.benchmarks import NETWORKS, warmup_count
from harness.config import load_assignment
from harness.data import load_dataset
from harness.grading.isolation import project_examples
from harness.names import FRAMEWORKS
from harness.optimizers import OptimizerConfig
from harness.submission.load import load_submission, read_literal_layers

RUNNERS = ("adapter", "handwritten")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m harness.benchmarks.child")
    p.add_argument("--framework", required=True, choices=FRAMEWORKS)
    p.add_argument("--runner", default="adapter", choices=RUNNERS)
    p.add_argument("--dataset", default="fashion_mnist")
    what = p.add_mutually_exclusive_group()
    what.add_argument("--model", default="original", choices=("original", "cifar"))
    what.add_argument("--submission", help="a Model Builder submission's index.py")
    p.add_argument(
        "--batch-size",
        type=int,
        help="default: 64 for a reference, the submission's own for a submission",
    )
    p.add_argument("--num-batches", type=int, default=500)
    p.add_argument("--warmup-batches", type=int, default=5)
    p.add_argument("--eval-every", type=int, help="curve point every k batches (default: end)")
    p.add_argument("--optimizer", default="momentum", choices=("sgd", "momentum"))
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--test-accuracy", action="store_true", help="also predict the test split")
    p.add_argument("--data-dir")
    p.add_argument("--allow-unverified", action="store_true")
    return p


def _settings(args) -> tuple[ModelSource, int, OptimizerConfig, str]:
    """(model source, batch size, optimizer, model label) from the reference or submission."""
    optimizer = OptimizerConfig.from_name(args.optimizer)
    if not args.submission:
        return ModelSource(reference=args.model), args.batch_size or 64, optimizer, args.model

    # An index.py is read, never imported: no student Python runs in a benchmark process.
    # A saved model.json is data. An index.js runs (recorded in the embedded engine), so
    # only the project's own examples are taken here; a student's is recorded in the sandbox.
    path = Path(args.submission)
    if path.suffix == ".js" and not project_examples([path]):
        raise SystemExit(f"{path}: a benchmark records the project's own index.js examples only")
    read = load_submission if path.suffix != ".py" else read_literal_layers
    sub = read(args.submission, load_assignment())
    hp = sub.hyperparameters
    return (
        sub.model_source(),
        args.batch_size or hp.batch_size,
        sub.optimizer_config(),
        sub.student_id,
    )


def _train_data(dataset, batch_size: int, num_batches: int, seed: int) -> TrainData:
    order = batch_indices(len(dataset.train_labels), batch_size, num_batches, seed)
    return TrainData(
        dataset.train_images,
        dataset.train_labels,
        dataset.validation_images,
        dataset.validation_labels,
        order,
    )


def run_adapter(args, dataset, source, batch_size, optimizer) -> dict:
    adapter = get_adapter(args.framework)
    model = adapter.build(source, dataset.image_shape, dataset.num_classes, args.seed)
    config = TrainConfig(
        batch_size=batch_size,
        num_batches=args.num_batches,
        optimizer=optimizer,
        seed=args.seed,
        eval_every=args.eval_every or args.num_batches,
        warmup_batches=args.warmup_batches,
    )
    out = adapter.train(
        model, _train_data(dataset, batch_size, args.num_batches, args.seed), config
    )
    result = {
        "examples_per_sec": out.examples_per_sec,
        "warmup_seconds": out.warmup_seconds,
        "steady_seconds": out.steady_seconds,
        "train_seconds": out.train_seconds,
        "final_loss": out.final_loss,
        "loss_finite": out.loss_finite,
        "curve": [[p.batch, p.loss, p.validation_accuracy] for p in out.curve],
        "validation_accuracy": out.curve[-1].validation_accuracy if out.curve else None,
        "param_count": adapter.param_count(model),
        "device": adapter.device_info(),
    }
    if args.test_accuracy:
        predicted = adapter.predict(model, dataset.test_images)
        result["test_accuracy"] = float((predicted == dataset.test_labels).mean())
    result["peak_gpu_memory_bytes"] = adapter.peak_gpu_memory_bytes()
    return result


def run_handwritten(args, dataset, batch_size, optimizer) -> dict:
    get_adapter(args.framework)  # imports the framework the harness's way (TF without JAX)
    loop = importlib.import_module(f"reference_models.handwritten_{args.framework}")
    momentum = optimizer.setting("momentum") if optimizer.name == "momentum" else 0.0
    field, filters = NETWORKS[args.model]
    return loop.train(
        _train_data(dataset, batch_size, args.num_batches, args.seed),
        field,
        filters,
        batch_size,
        args.num_batches,
        warmup_count(args.warmup_batches, args.num_batches),
        optimizer.learning_rate,
        momentum,
        args.seed,
    )


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.runner == "handwritten" and args.submission:
        raise SystemExit("--runner handwritten trains the reference networks only")

    source, batch_size, optimizer, label = _settings(args)
    dataset = load_dataset(args.dataset, args.data_dir, args.allow_unverified)
    if args.runner == "adapter":
        result = run_adapter(args, dataset, source, batch_size, optimizer)
    else:
        result = run_handwritten(args, dataset, batch_size, optimizer)
    result.update(
        framework=args.framework,
        runner=args.runner,
        dataset=args.dataset,
        model=label,
        batch_size=batch_size,
        num_batches=args.num_batches,
        warmup_batches=args.warmup_batches,
        optimizer=optimizer.name,
        learning_rate=optimizer.learning_rate,
        data=dataset.describe(),
    )
    sys.stdout.flush()
    print(json.dumps(result, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
