"""Slow tier: on the assignment's single-change examples, the effect explain attributes to
each change agrees with the directly graded difference (the example's seed-0 run against
the reference's), within the effect's 95% interval, in each framework.

Budget: Fashion-MNIST, 300 batches of 64, three seeds per network (docs/explain.md has a
run of it and its figures)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from project_paths import ROOT

EXAMPLES = ("filters_5", "filters_50", "field_size_1", "field_size_7", "conv_stride_3",
            "pool_stride_1", "pool_stride_5", "one_triple_removed")  # fmt: skip
BATCHES = 300


def explained(framework: str, out: Path) -> dict[str, dict]:
    argv = [
        sys.executable, "-m", "harness", "explain",
        *(str(ROOT / "submissions" / name) for name in EXAMPLES),
        "--datasets", "fashion_mnist", "--frameworks", framework,
        "--max-batches", str(BATCHES), "--out", str(out),
    ]  # fmt: skip
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=7200, env=env)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return {e["student"]: e for e in json.loads((out / "explanations.json").read_text())}


def agrees(entry: dict) -> list[str]:
    """What does not agree (empty when the graded difference lies in every interval)."""
    effect, direct = entry["effects"]["change 0"], entry["direct"]
    accuracy = effect["accuracy"]
    problems = []
    if not accuracy["low"] <= direct["accuracy"] <= accuracy["high"]:
        problems.append(f"accuracy {direct['accuracy']:+.2f} outside {accuracy}")
    return problems


@pytest.mark.slow
@pytest.mark.parametrize(
    "framework",
    [
        pytest.param(name, marks=getattr(pytest.mark, name))
        for name in ("torch", "tensorflow", "jax")
    ],
)
def test_single_changes_agree_with_the_graded_difference(framework: str, tmp_path: Path):
    entries = explained(framework, tmp_path / "out")
    for name in EXAMPLES:
        assert len(entries[name]["changes"]) == 1, (name, entries[name]["changes"])
        assert entries[name]["seeds_used"] == [0, 1, 2], name
    disagree = {name: agrees(entries[name]) for name in EXAMPLES if agrees(entries[name])}
    assert not disagree, disagree
