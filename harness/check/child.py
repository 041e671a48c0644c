"""Child process of ``harness check``: load submissions, build them in one framework, and
run one forward and backward pass on a random batch; write what it saw as JSON.

``python -m harness.check.child --framework F --dataset D [--dataset D ...] --out FILE PATH...``

``F`` is ``torch``, ``tensorflow``, ``jax`` or ``auto`` (the code form's own FRAMEWORK;
exactly one submission then). This process imports student code and one framework, so the
parent (``harness.check.command``) never does. Student output to stdout/stderr is not protocol:
the result goes to ``FILE``. Every submission's problems are caught and reported; one
broken submission does not hide the others.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from harness.adapters import get_adapter
from harness.config import load_assignment
from harness.errors import HarnessError, SubmissionError
from harness.names import DATASET_SHAPES
from harness.submission import spec
from harness.submission.load import LAYERS_NOT_AT_TOP, line_of_exception, load_submission

CHECK_BATCH = 32  # largest batch of the check's forward/backward pass; it trains nothing


def input_groups(datasets) -> list[dict]:
    """Datasets grouped by input shape: each shape is built and checked once."""
    groups: dict[tuple, dict] = {}
    for name in datasets:
        shape, classes = DATASET_SHAPES[name]
        group = groups.setdefault(
            (shape, classes), {"input_shape": list(shape), "num_classes": classes, "datasets": []}
        )
        group["datasets"].append(name)
    return list(groups.values())


def _spec_summary(layers, group: dict) -> dict:
    shape = tuple(group["input_shape"])
    return {
        "param_count": spec.param_count(layers, shape),
        "macs": spec.macs_per_example(layers, shape),
        "output_shape": list(spec.infer_shapes(layers, shape)[-1]),
        "layers": spec.layer_table(layers, shape),
    }


def _failure(exc: BaseException, submission, what: str) -> str:
    line = line_of_exception(exc, submission.path)
    where = f"line {line}: " if line else ""
    return f"{where}{what} raised {type(exc).__name__}: {exc}"


def _build_problems(build: dict, group: dict, expected_params) -> list[str]:
    batch_shape = [build["batch"], group["num_classes"]]
    problems = []
    if list(build["output_shape"]) != batch_shape:
        problems.append(
            f"output shape: expected {tuple(batch_shape)} (batch, num_classes) "
            f"logits, received {tuple(build['output_shape'])}; fix: end the "
            f"model with a dense/linear layer of {group['num_classes']} units"
        )
    elif not (np.isfinite(build["loss"]) and build["grad_finite"]):
        problems.append(
            f"loss/gradients: expected finite values on a random batch, received "
            f"loss {build['loss']} (gradients finite: {build['grad_finite']}); "
            "fix: check for divisions or logs that can blow up"
        )
    if expected_params is not None and build["param_count"] != expected_params:
        problems.append(
            f"parameter count: expected {expected_params} (hand count of LAYERS), "
            f"received {build['param_count']} from the framework (a harness bug: "
            "please report it)"
        )
    return problems


def _shape_failure(adapter, model, images, group: dict) -> str | None:
    """The wrong output shape that made the loss fail, if that is what happened."""
    try:
        shape = adapter.logits(model, images[:2]).shape
    except Exception:  # the forward pass itself fails: the caller reports that
        return None
    if tuple(shape) == (2, group["num_classes"]):
        return None
    return (
        f"output shape: expected (batch, {group['num_classes']}) logits, received "
        f"{tuple(shape)} for a batch of 2; fix: end the model with a dense/linear layer "
        f"of {group['num_classes']} units"
    )


def build_and_check(adapter, submission, group: dict, expected_params=None) -> dict:
    """Build for one input shape and run one forward/backward pass on random data."""
    shape, classes = tuple(group["input_shape"]), group["num_classes"]
    batch = min(submission.hyperparameters.batch_size, CHECK_BATCH)
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(batch, *shape), dtype=np.uint8)
    labels = rng.integers(0, classes, size=batch).astype(np.int64)
    started = time.perf_counter()
    try:
        model = adapter.build(submission.model_source(), shape, classes)
    except Exception as exc:  # student code: anything may go wrong in it
        return {"problems": [_failure(exc, submission, "building the model")]}
    try:
        result = adapter.loss_and_grad_check(model, images, labels)
    except Exception as exc:
        return {
            "problems": [
                _shape_failure(adapter, model, images, group)
                or _failure(exc, submission, "a forward/backward pass")
            ]
        }
    build = {
        "param_count": int(adapter.param_count(model)),
        "batch": batch,
        "output_shape": [int(n) for n in result["output_shape"]],
        "loss": float(result["loss"]),
        "grad_finite": bool(result["grad_finite"]),
        "seconds": round(time.perf_counter() - started, 3),
    }
    return {"build": build, "problems": _build_problems(build, group, expected_params)}


def describe(path: Path, framework: str, datasets, assignment) -> dict:
    """Everything ``check`` reports about one submission in one framework."""
    out: dict[str, Any] = {"path": str(path), "framework": framework, "problems": [], "inputs": []}
    try:
        submission = load_submission(path, assignment)
    except SubmissionError as exc:
        return {**out, "problems": exc.problems}
    out.update(
        form=submission.form,
        hyperparameters=asdict(submission.hyperparameters),
        num_layers=len(submission.layers or ()),
        declared=submission.framework,
        provenance=submission.provenance,
    )
    if framework == "auto":
        out["framework"] = submission.framework
        if submission.framework is None:  # a layer list, found only by running the file
            return {**out, "problems": [LAYERS_NOT_AT_TOP]}
        framework = submission.framework
    elif submission.form == "code" and submission.framework != framework:
        return {
            **out,
            "problems": [
                f"FRAMEWORK: the file declares {submission.framework!r} but the check was asked "
                f"for {framework!r}; fix: leave --framework out for code-form submissions"
            ],
        }
    try:
        adapter = get_adapter(framework)
    except Exception as exc:  # e.g. the framework is not installed here
        return {
            **out,
            "problems": [
                f"{framework}: could not load the framework adapter: {type(exc).__name__}: {exc}"
            ],
        }
    for group in input_groups(datasets):
        entry = dict(group)
        if submission.layers is not None:
            entry["spec"] = _spec_summary(submission.layers, group)
        expected = entry.get("spec", {}).get("param_count")
        entry.update(build_and_check(adapter, submission, group, expected))
        out["inputs"].append(entry)
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m harness.check.child")
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--framework", required=True)
    parser.add_argument("--dataset", action="append", required=True, choices=DATASET_SHAPES)
    parser.add_argument("--assignment")
    parser.add_argument("--out", required=True, help="JSON file to write the results to")
    args = parser.parse_args(argv)
    try:
        assignment = load_assignment(args.assignment)
    except HarnessError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    results = [describe(Path(p), args.framework, args.dataset, assignment) for p in args.paths]
    tmp = Path(f"{args.out}.tmp{os.getpid()}")
    tmp.write_text(json.dumps(results, default=str))
    tmp.replace(args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
