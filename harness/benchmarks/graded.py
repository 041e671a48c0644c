"""The fixed cost of one graded run beside its training time, per framework.

A graded run pays for a process, its isolation, the framework's import, building the model,
predicting and scoring, on top of training. This measures, per framework:

* ``sandbox``: starting an isolated ``python -c pass``;
* ``import``: importing the framework (the modules its adapter imports) inside the sandbox,
  beyond that. The process then leaves with ``os._exit`` as a graded worker does: a plain
  interpreter exit tears the framework down (0.3 s for torch, over 1 s for TensorFlow),
  which no graded run pays and which would make the import look dearer than it is;
* ``graded run``: a real reference run through :func:`harness.grading.runner.execute`, split into
  training (the parent's clock: first byte of data sent to predictions received, so
  evaluations and test predictions included) and everything else.

Each figure is the median of ``rounds`` rounds (the first pays a cold file cache).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from tabulate import tabulate

from harness.benchmarks.spawn import child_env
from harness.config import default_assignment_path, load_assignment
from harness.grading.inputs import prepare_dataset
from harness.grading.plan import GradingPlan, RunSpec
from harness.grading.runner import GradingSession, execute
from harness.names import FRAMEWORKS, reference_id
from harness.sandbox.process import Limits, run_isolated

# What each adapter imports, then the worker's way out (os._exit: no interpreter teardown).
IMPORTS = {
    "torch": "import torch",
    "tensorflow": "import tensorflow, keras",
    "jax": "import jax, flax.linen, optax",
}
EXIT_AS_WORKER = "; import os; os._exit(0)"
# Most seconds a graded run may cost beyond its training and the framework's bare import.
TARGET_BEYOND_IMPORT = {"torch": 0.5, "tensorflow": 0.5, "jax": 1.5}


def _sandboxed_seconds(code: str, scratch: Path) -> float:
    limits = Limits(wall_seconds=300, memory_bytes=8 << 30)
    started = time.monotonic()
    result = run_isolated(
        [sys.executable, "-c", code], scratch_dir=scratch, readonly_paths=[], limits=limits
    )
    if result.returncode != 0:
        raise RuntimeError(f"sandboxed {code!r} failed: {result.stderr[-500:]}")
    return time.monotonic() - started


def _graded_run(framework: str, dataset: str, num_batches: int, data_dir: str | None, out: Path):
    assignment = load_assignment()
    plan = GradingPlan(
        runs=[],
        out_dir=str(out),
        assignment_path=str(_assignment_path()),
        data_dir=data_dir,
        max_batches=num_batches,
    )
    prepare_dataset(plan, dataset, assignment.seed)
    spec = RunSpec(
        reference_id(assignment.references[dataset]),
        dataset,
        framework,
        reference=assignment.references[dataset],
    )
    return execute(spec, GradingSession.open(plan, env=child_env()))


def _assignment_path() -> Path:
    return default_assignment_path()


def overhead_round(framework: str, dataset: str, num_batches: int, data_dir: str | None) -> dict:
    """One round's figures: sandbox start, bare import, and one graded reference run."""
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp) / "scratch"
        scratch.mkdir()
        sandbox = _sandboxed_seconds("pass" + EXIT_AS_WORKER, scratch)
        imported = _sandboxed_seconds(IMPORTS[framework] + EXIT_AS_WORKER, scratch) - sandbox
        record = _graded_run(framework, dataset, num_batches, data_dir, Path(tmp) / "out")
    if record.status != "passed":
        raise RuntimeError(f"{framework} reference run failed: {record.reason}")
    train = record.train_seconds or 0.0
    return {
        "batches": record.num_batches,
        "sandbox_s": sandbox,
        "import_s": imported,
        "fixed_s": record.wall_seconds - train,
        "train_s": train,
        "wall_s": record.wall_seconds,
        "examples_per_sec": record.examples_per_sec,
        "isolated": record.isolated,
    }


def overhead_row(
    framework: str, dataset: str, num_batches: int, data_dir: str | None, rounds: int = 1
) -> dict:
    """The median of ``rounds`` rounds of every figure, and the target's verdict."""
    runs = [overhead_round(framework, dataset, num_batches, data_dir) for _ in range(rounds)]
    row = {
        key: statistics.median(r[key] for r in runs)
        for key in ("sandbox_s", "import_s", "fixed_s", "train_s", "wall_s", "examples_per_sec")
    }
    target = TARGET_BEYOND_IMPORT.get(framework)
    beyond = row["fixed_s"] - row["import_s"]
    row.update(
        framework=framework,
        batches=runs[0]["batches"],
        rounds=rounds,
        beyond_import_s=beyond,
        target_s=target,
        met=None if target is None else beyond <= target,
        fixed_share=row["fixed_s"] / row["wall_s"],
        isolated=all(r["isolated"] for r in runs),
    )
    return row


def overhead_table(rows: list[dict]) -> str:
    headers = [
        "framework",
        "batches",
        "sandbox s",
        "import s",
        "fixed s (all but training)",
        "fixed beyond import s",
        "target s",
        "met",
        "training s",
        "whole run s",
        "fixed share",
        "examples/s",
        "isolated",
    ]
    body = [
        [
            r["framework"],
            r["batches"],
            f"{r['sandbox_s']:.2f}",
            f"{r['import_s']:.2f}",
            f"{r['fixed_s']:.2f}",
            f"{r['beyond_import_s']:.2f}",
            f"{r['target_s']}",
            {True: "yes", False: "no", None: "n/a"}[r["met"]],
            f"{r['train_s']:.2f}",
            f"{r['wall_s']:.2f}",
            f"{r['fixed_share']:.0%}",
            f"{r['examples_per_sec']:.0f}",
            r["isolated"],
        ]
        for r in rows
    ]
    return tabulate(body, headers=headers)


def graded_run_benchmark(
    frameworks, dataset="fashion_mnist", num_batches=500, data_dir=None, rounds=3
) -> tuple[list[dict], str]:
    """Rows per framework (medians of ``rounds``) and their table; each framework's run is
    its own process. Runs get one CPU thread unless ``OMP_NUM_THREADS`` says otherwise, as
    in ``grade`` (:func:`harness.benchmarks.spawn.child_env`).
    """
    rows = [overhead_row(fw, dataset, num_batches, data_dir, rounds) for fw in frameworks]
    return rows, overhead_table(rows)


if __name__ == "__main__":
    frameworks = sys.argv[1].split(",") if len(sys.argv) > 1 else list(FRAMEWORKS)
    batches = int(sys.argv[2]) if len(sys.argv) > 2 else 500
    print(graded_run_benchmark(frameworks, num_batches=batches)[1])
