"""Synthetic run records for the report tests: references, students, a failure, caveats.

Nothing here trains; the figures are chosen so that totals, ratios and medians are easy to
check by hand.
"""

from __future__ import annotations

import json
from pathlib import Path

from harness.data.registry import FASHION_MNIST
from harness.results.record import RunRecord

FASHION = list(FASHION_MNIST.class_names)
REFERENCE_ACC = {"fashion_mnist": 0.88, "mnist": 0.98, "cifar10": 0.6}
REFERENCE_RATE = {"torch": 4000.0, "tensorflow": 4500.0, "jax": 5000.0}


def confusion(extra: dict[tuple[int, int], int] | None = None) -> list[list[int]]:
    """90 right per class, plus ``extra`` off-diagonal counts {(true, predicted): n}."""
    matrix = [[90 if i == j else 0 for j in range(10)] for i in range(10)]
    for (i, j), count in (extra or {}).items():
        matrix[i][j] = count
    return matrix


def curve(final_acc: float, batches: int = 300) -> list[dict]:
    return [
        {"batch": b, "loss": 2.3 / (1 + b / 50), "validation_accuracy": final_acc * b / batches}
        for b in range(100, batches + 1, 100)
    ]


def run(submission, dataset="fashion_mnist", framework="torch", **fields) -> RunRecord:
    """A passed, verified, isolated run unless ``fields`` says otherwise."""
    ref_acc, ref_rate = REFERENCE_ACC[dataset], REFERENCE_RATE[framework]
    values = dict(
        submission=submission,
        dataset=dataset,
        framework=framework,
        status="passed",
        test_accuracy=ref_acc,
        examples_per_sec=ref_rate,
        reference_test_accuracy=ref_acc,
        reference_examples_per_sec=ref_rate,
        score=10.0,
        max_score=10.0,
        batch_size=64,
        num_batches=300,
        param_count=14682,
        isolated=True,
        device={"kind": "cpu", "name": "test cpu"},
        data_verified=True,
        curve=curve(fields.get("test_accuracy") or ref_acc),
        confusion=confusion(),
        class_names=list(FASHION),
        settings={"batch_size": 64, "num_batches": 300},
        score_breakdown={"accuracy": 8.0, "throughput": 2.0, "why": "full marks"},
        wall_seconds=12.0,
    )
    values.update(fields)
    return RunRecord(**values)


def references() -> list[RunRecord]:
    return [
        run(
            "reference:original",
            d,
            f,
            reference="original",
            max_score=0.0,
            score=0.0,
            score_breakdown={},
        )
        for d in ("fashion_mnist", "mnist")
        for f in ("torch", "jax")
    ]


def students() -> list[RunRecord]:
    return [
        # alice: torch, full marks on both datasets, many shirts read as pullovers
        run("alice", confusion=confusion({(2, 6): 123, (6, 0): 45, (4, 2): 7})),
        run("alice", "mnist"),
        # bob: Model Builder in torch and jax; the jax run has more points and counts
        run(
            "bob",
            score=6.0,
            test_accuracy=0.80,
            examples_per_sec=2000.0,
            score_breakdown={"accuracy": 5.0, "throughput": 1.0, "why": "accuracy below bar"},
        ),
        run(
            "bob",
            framework="jax",
            score=8.5,
            test_accuracy=0.85,
            examples_per_sec=2500.0,
            score_breakdown={"accuracy": 7.0, "throughput": 1.5, "why": "accuracy below bar"},
        ),
        run(
            "bob",
            "mnist",
            score=7.0,
            test_accuracy=0.95,
            score_breakdown={"accuracy": 5.0, "throughput": 2.0, "why": "accuracy below bar"},
        ),
        # carol: NaN loss on Fashion-MNIST, hostile captured output
        run(
            "carol",
            status="failed",
            reason="loss is NaN at batch 40",
            score=0.0,
            test_accuracy=None,
            examples_per_sec=None,
            confusion=[],
            curve=[{"batch": 20, "loss": 2.1, "validation_accuracy": 0.3}],
            score_breakdown={
                "accuracy": 0.0,
                "throughput": 0.0,
                "why": "run failed: loss is NaN at batch 40",
            },
            output="epoch 1\n<script>alert('pwned')</script>\nTraceback: NaN",
        ),
        run("carol", "mnist", score=9.0, test_accuracy=0.97),
        # dave: unverified bundled data, no bubblewrap, capped batches
        run(
            "dave",
            score=4.0,
            test_accuracy=0.70,
            data_verified=False,
            bundled_subset=True,
            isolated=False,
            max_batches_cap=50,
        ),
        run("dave", "mnist", score=5.0, test_accuracy=0.90),
    ]


def write_results(out_dir: Path, records: list[RunRecord] | None = None) -> Path:
    """``out_dir/results.json`` as grading writes it."""
    records = references() + students() if records is None else records
    path = Path(out_dir) / "results.json"
    path.write_text(json.dumps([r.to_dict() for r in records], indent=1))
    return path
