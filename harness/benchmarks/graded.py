"""The fixed cost of one graded run beside its training time, per framework.

A graded run pays for a process, its isolation, the framework's import, building the model,
predicting and scoring, on top of training. This measures, per framework:

* ``sandbox``: starting an isolated ``python -c pass``;
* ``import``: importing the framework inside the sandbox, beyond that;
* ``graded run``: a real reference run through :func:`harness.grading.runner.execute`, split into
  training (the parent's clock: first byte of data sent to predictions received, so
  evaluations and test predictions included) and everything else.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

from tabulate import tabulate

from harness.names import FRAMEWORKS

IMPORTS = {"torch": "import torch", "tensorflow": "import tensorflow",
           "jax": "import jax, flax, optax"}
# Most seconds a graded run may cost beyond its training and the framework's bare import.
TARGET_BEYOND_IMPORT = {"torch": 0.5, "tensorflow": 0.5, "jax": 1.5}


def _sandboxed_seconds(code: str, scratch: Path) -> float:
    from harness.sandbox.process import Limits, run_isolated

    limits = Limits(wall_seconds=300, memory_bytes=8 << 30)
    started = time.monotonic()
    result = run_isolated([sys.executable, "-c", code], scratch_dir=scratch,
                          readonly_paths=[], limits=limits)
    if result.returncode != 0:
        raise RuntimeError(f"sandboxed {code!r} failed: {result.stderr[-500:]}")
    return time.monotonic() - started


def _graded_run(framework: str, dataset: str, num_batches: int, data_dir: str | None,
                out: Path):
    from harness.config import load_assignment
    from harness.grading.inputs import prepare_dataset
    from harness.grading.plan import Plan, RunSpec
    from harness.grading.runner import GradingSession, execute
    from harness.names import reference_id

    assignment = load_assignment()
    plan = Plan(runs=[], out_dir=str(out), assignment_path=str(_assignment_path()),
                data_dir=data_dir, max_batches=num_batches)
    prepare_dataset(plan, dataset, assignment.seed)
    spec = RunSpec(reference_id(assignment.references[dataset]), dataset, framework,
                   reference=assignment.references[dataset])
    return execute(spec, GradingSession.open(plan))


def _assignment_path() -> Path:
    from harness.config import default_assignment_path

    return default_assignment_path()


def overhead_row(framework: str, dataset: str, num_batches: int,
                 data_dir: str | None) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp) / "scratch"
        scratch.mkdir()
        sandbox = _sandboxed_seconds("pass", scratch)
        imported = _sandboxed_seconds(IMPORTS[framework], scratch) - sandbox
        record = _graded_run(framework, dataset, num_batches, data_dir, Path(tmp) / "out")
    if record.status != "passed":
        raise RuntimeError(f"{framework} reference run failed: {record.reason}")
    train = record.train_seconds or 0.0
    fixed = record.wall_seconds - train
    return {"framework": framework, "batches": record.num_batches,
            "sandbox_s": sandbox, "import_s": imported,
            "fixed_s": fixed, "beyond_import_s": fixed - imported,
            "target_s": TARGET_BEYOND_IMPORT.get(framework), "train_s": train,
            "wall_s": record.wall_seconds,
            "fixed_share": (record.wall_seconds - train) / record.wall_seconds,
            "examples_per_sec": record.examples_per_sec, "isolated": record.isolated}


def overhead_table(rows: list[dict]) -> str:
    headers = ["framework", "batches", "sandbox s", "import s", "fixed s (all but training)",
               "fixed beyond import s", "target s", "training s",
               "whole run s", "fixed share", "examples/s", "isolated"]
    body = [[r["framework"], r["batches"], f"{r['sandbox_s']:.2f}", f"{r['import_s']:.2f}",
             f"{r['fixed_s']:.2f}", f"{r['beyond_import_s']:.2f}", f"{r['target_s']}",
             f"{r['train_s']:.2f}",
             f"{r['wall_s']:.2f}", f"{r['fixed_share']:.0%}", f"{r['examples_per_sec']:.0f}",
             r["isolated"]] for r in rows]
    return tabulate(body, headers=headers)


def graded_run_benchmark(frameworks, dataset="fashion_mnist", num_batches=500,
                         data_dir=None) -> tuple[list[dict], str]:
    """Rows per framework and their table; each framework's run is its own process.

    Runs get one CPU thread unless ``OMP_NUM_THREADS`` says otherwise, as in ``grade``.
    """
    os.environ.setdefault("OMP_NUM_THREADS", "1")  # also when run as a script
    rows = [overhead_row(fw, dataset, num_batches, data_dir) for fw in frameworks]
    return rows, overhead_table(rows)


if __name__ == "__main__":
    frameworks = sys.argv[1].split(",") if len(sys.argv) > 1 else list(FRAMEWORKS)
    batches = int(sys.argv[2]) if len(sys.argv) > 2 else 500
    print(graded_run_benchmark(frameworks, num_batches=batches)[1])
