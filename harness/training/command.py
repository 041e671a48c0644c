"""``python -m harness train``: train one model in this process and report on it.

For staff and students trying a reference or their own submission by hand. It imports the
submission's code in this process (unlike grading, which isolates it) and one framework.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass

from harness.adapters import get_adapter
from harness.adapters.base import CurvePoint, ModelSource, TrainConfig, TrainData
from harness.config import Assignment, load_assignment
from harness.errors import ConfigError, field_error, require_count, require_positive
from harness.names import CURVE_POINTS, WARMUP_BATCHES, reference_id
from harness.training.batching import batch_indices
from harness.training.optim import OPTIMIZER_NAMES, OptimizerConfig


@dataclass(frozen=True)
class TrainingChoice:
    """What to train, as resolved from the command line, the submission and the rubric."""

    source: ModelSource
    framework: str
    batch_size: int
    num_batches: int
    optimizer: OptimizerConfig
    label: str


def _reference_choice(args, assignment: Assignment) -> TrainingChoice:
    budget = assignment.budget
    optimizer = OptimizerConfig.from_name(
        _given(args.optimizer, assignment.reference_optimizer),
        _given(args.learning_rate, assignment.reference_learning_rate))
    return TrainingChoice(ModelSource(reference=args.reference), args.framework or "torch",
                          _given(args.batch_size, budget.default_batch_size),
                          _given(args.num_batches, budget.default_num_batches), optimizer,
                          reference_id(args.reference))


def _submission_choice(args, assignment: Assignment) -> TrainingChoice:
    from harness.submission.load import load_submission

    sub = load_submission(args.submission, assignment)
    if sub.framework and args.framework and args.framework != sub.framework:
        raise ConfigError(f"--framework: {sub.path} is written for {sub.framework}, "
                          f"received {args.framework}")
    hp = sub.hyperparameters
    optimizer = OptimizerConfig.from_name(_given(args.optimizer, hp.optimizer),
                                          _given(args.learning_rate, hp.learning_rate))
    return TrainingChoice(sub.model_source(), sub.framework or args.framework or "torch",
                          _given(args.batch_size, hp.batch_size),
                          _given(args.num_batches, hp.num_batches), optimizer, sub.student_id)


def _given(option, default):
    """The command-line value when one was given (0 included), else ``default``."""
    return default if option is None else option


def check_options(args) -> None:
    """Refuse out-of-range command-line training options before anything is loaded."""
    require_count("--batch-size", args.batch_size)
    require_count("--num-batches", args.num_batches)
    require_positive("--learning-rate", args.learning_rate)
    if args.optimizer is not None and args.optimizer not in OPTIMIZER_NAMES:
        raise ConfigError(field_error("command line", "--optimizer",
                                      f"one of {', '.join(OPTIMIZER_NAMES)}", args.optimizer))


def _progress(total: int):
    def show(point: CurvePoint) -> None:
        print(f"batch {point.batch:>6}/{total}  loss {point.loss:.4f}  "
              f"validation accuracy {point.validation_accuracy:.4f}", flush=True)
    return show


def train_command(args) -> int:
    from harness.data import load_dataset

    check_options(args)
    assignment = load_assignment(args.assignment)
    choice = (_reference_choice if args.reference else _submission_choice)(args, assignment)
    data = load_dataset(args.dataset, data_dir=args.data_dir,
                        allow_unverified=args.allow_unverified, seed=args.seed)
    summary = run_training(choice, data, args.seed)
    if args.json:
        print(json.dumps(summary))
    return 0


def run_training(choice: TrainingChoice, data, seed: int) -> dict:
    """Build, train and test ``choice`` on ``data``; returns the JSON summary."""
    from harness.results.scoring import accuracy

    adapter = get_adapter(choice.framework)
    model = adapter.build(choice.source, data.image_shape, data.num_classes, seed=seed)
    config = TrainConfig(batch_size=choice.batch_size, num_batches=choice.num_batches,
                         optimizer=choice.optimizer, seed=seed,
                         eval_every=max(1, choice.num_batches // CURVE_POINTS),
                         warmup_batches=min(WARMUP_BATCHES, choice.num_batches - 1))
    order = batch_indices(len(data.train_images), choice.batch_size, choice.num_batches, seed)
    print(f"training {choice.label} with {choice.framework} on {data.name} "
          f"({choice.num_batches} batches of {choice.batch_size}, {choice.optimizer.name})",
          file=sys.stderr, flush=True)
    outcome = adapter.train(model, TrainData(data.train_images, data.train_labels,
                                             data.validation_images, data.validation_labels,
                                             order), config, _progress(choice.num_batches))
    test_accuracy = accuracy(adapter.predict(model, data.test_images), data.test_labels)
    print(f"test accuracy {test_accuracy:.4f}, {outcome.examples_per_sec:.0f} examples/s "
          f"(warm-up {outcome.warmup_seconds:.2f} s)", flush=True)
    return {"framework": choice.framework, "dataset": data.name, "model": choice.label,
            "param_count": adapter.param_count(model), "num_batches": choice.num_batches,
            "batch_size": choice.batch_size, "optimizer": choice.optimizer.name,
            "test_accuracy": test_accuracy, "examples_per_sec": outcome.examples_per_sec,
            "warmup_seconds": outcome.warmup_seconds, "loss_finite": outcome.loss_finite,
            "device": adapter.device_info(), "data_verified": data.verified,
            "bundled_subset": data.bundled_subset,
            "curve": [vars(p) for p in outcome.curve]}
