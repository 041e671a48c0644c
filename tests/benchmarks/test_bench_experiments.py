"""The experiments and class suites' neutral parts: variants, tables, chart, efficiency.

Children are fakes here; the GPU test runs real children of all three frameworks (each its
own process) and skips where no CUDA device is visible.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

import pytest
from test_bench import fake_run

from harness.benchmarks import class_grading, experiments, suites, tables
from harness.benchmarks import command as bench
from harness.errors import ConfigError

SMALL = (experiments.EXPERIMENTS[0], experiments.EXPERIMENTS[2])  # batch size, filters


def test_batch_size_variants_see_the_same_examples_and_shares_cut_the_batches():
    by_label = {v.label: v for v in experiments.EXPERIMENTS[0].variants}
    assert by_label["20"].child_options(500)["num_batches"] == 500 * 64 // 20
    assert by_label["500"].child_options(500) | {"submission": None} == {
        "submission": None,
        "batch_size": 500,
        "num_batches": 64,
    }
    assert by_label["64"].child_options(500)["batch_size"] is None  # the submission's own
    quarter = experiments.EXPERIMENTS[1].variants[0]
    assert quarter.child_options(500)["num_batches"] == 125
    for experiment in experiments.EXPERIMENTS:
        for variant in experiment.variants:
            assert (experiments.SUBMISSIONS / variant.submission / "index.py").is_file()


def _fake_child(calls):
    def child(options, timeout=None):
        calls.append(options)
        batch = options.get("batch_size") or 64
        filters = {"filters_5": 5, "filters_50": 50}.get(
            os.path.basename(os.path.dirname(options["submission"])), 16
        )
        rate = 100.0 * batch / (1 + batch / 64) / (filters / 16)  # bends with batch size
        if options["framework"] == "jax":
            rate *= 1.5
        return fake_run(options["framework"], "adapter", rate, batch_size=batch)

    return child


def test_experiments_are_chosen_by_name():
    assert experiments.select("all") == experiments.EXPERIMENTS
    assert [e.name for e in experiments.select("filters, batch size")] == ["batch size", "filters"]
    with pytest.raises(ConfigError, match="--experiments: expected all or"):
        experiments.select("filters,colour")


def test_each_distinct_variant_runs_once_per_framework_and_round(monkeypatch):
    calls = []
    monkeypatch.setattr(suites, "run_child", _fake_child(calls))
    plan = suites.SuitePlan(num_batches=40, rounds=2)
    runs = experiments.run_experiments(
        ["torch", "jax"], "fashion_mnist", plan, experiments.EXPERIMENTS
    )
    distinct = {experiments._key(v, 40) for e in experiments.EXPERIMENTS for v in e.variants}
    assert len(runs.by_key) == len(distinct) < sum(len(e.variants) for e in experiments.EXPERIMENTS)
    assert len(calls) == len(distinct) * 2 * 2
    assert {c["eval_every"] for c in calls if c.get("batch_size") == 20} == {
        40 * 64 // 20 // plan.curve_points
    }


def test_tables_chart_and_markdown_of_the_experiments(monkeypatch, tmp_path):
    monkeypatch.setattr(suites, "run_child", _fake_child([]))
    plan = suites.SuitePlan(num_batches=40, rounds=3)
    runs = experiments.run_experiments(["torch", "jax"], "fashion_mnist", plan, SMALL)
    result = experiments.experiment_tables(runs, 40, SMALL)
    batch, filters = result
    assert batch["accuracy_bar"] == pytest.approx(0.8)
    rows = {(r["variant"], r["framework"]): r for r in batch["rows"]}
    assert rows[("20", "jax")]["ratio_to_fastest"] == 1.0
    assert rows[("20", "torch")]["ratio_to_fastest"] == pytest.approx(1 / 1.5)
    assert rows[("500", "torch")]["batch_size"] == 500 and rows[("500", "torch")]["rounds"] == 3
    assert [r["x"] for r in filters["rows"]] == [5, 5, 16, 16, 50, 50]
    text = tables.experiment_table(batch)
    assert "cpu: test cpu" in text and "3/3" in text
    assert "batch size" in tables.experiment_title(batch)
    from harness.benchmarks.chart import write_experiment_chart

    assert write_experiment_chart(tmp_path / "e.png", result)
    assert (tmp_path / "e.png").read_bytes()[:4] == b"\x89PNG"


RECORDS = [
    {
        "submission": "reference:original",
        "reference": "original",
        "framework": "torch",
        "status": "passed",
        "test_accuracy": 0.9,
        "examples_per_sec": 6000.0,
        "throughput_bar": 5000.0,
        "throughput_samples": [6000.0, 5000.0, 4800.0],
        "throughput_spread": 0.24,
        "train_seconds": 40.0,
        "wall_seconds": 43.0,
    },
    {
        "submission": "original",
        "reference": None,
        "framework": "torch",
        "status": "passed",
        "examples_per_sec": 5100.0,
        "reference_examples_per_sec": 5000.0,
        "train_seconds": 38.0,
        "wall_seconds": 41.0,
    },
    {
        "submission": "broken",
        "reference": None,
        "framework": "torch",
        "status": "failed",
        "train_seconds": None,
        "wall_seconds": 1.0,
    },
]


def test_class_summary_efficiency_bars_and_the_identical_network():
    one = class_grading.summarise(RECORDS, jobs=1, wall=100.0)
    assert one["train_s"] == 78.0 and one["runs_wall_s"] == 85.0
    assert one["efficiency"] == pytest.approx(0.78)
    assert one["identical"] == {"torch": pytest.approx(1.02)}
    assert one["references"]["torch"]["bar"] == 5000.0
    two = class_grading.summarise(RECORDS, jobs=2, wall=50.0)
    assert two["efficiency"] == pytest.approx(0.78)
    text = class_grading.class_tables([one, two])
    assert "78%" in text and "0.50" in text and "1.02" in text and "±12%" in text


def test_class_summary_reports_the_points_spread_of_identical_networks():
    def run(name, score, framework="torch"):
        return {
            "submission": name,
            "reference": None,
            "framework": framework,
            "dataset": "mnist",
            "status": "passed",
            "score": score,
        }

    twins = [run("pool", 9.9), run("pool_js", 9.85), run("conv", 8.0), run("conv_tfjs", 8.6)]
    assert class_grading.twin_spread(twins) == pytest.approx(0.6)
    assert class_grading.twin_spread([run("pool", 9.9), run("pool", 9.0, "jax")]) is None
    summary = class_grading.summarise(twins, jobs=1, wall=10.0)
    assert "0.6" in class_grading.class_tables([summary])


def test_class_suite_is_wired_into_the_command(tmp_path, monkeypatch, capsys):
    seen = {}

    def fake_class(dataset, out, max_batches=None, data_dir=None, jobs_list=None, submissions=None):
        seen.update(dataset=dataset, max_batches=max_batches)
        gradings = [class_grading.summarise(RECORDS, 1, 100.0)]
        return {
            "dataset": dataset,
            "budget": "--max-batches 7",
            "gradings": gradings,
            "text": class_grading.class_tables(gradings),
        }

    monkeypatch.setattr(bench, "class_benchmark", fake_class)
    args = argparse.Namespace(
        submissions=[],
        frameworks="torch",
        datasets="fashion_mnist",
        out=str(tmp_path / "out"),
        max_batches=7,
        rounds=1,
        data_dir=None,
        allow_unverified=False,
        suite="class",
        accuracy_bar=None,
    )
    assert bench.benchmark_command(args) == 0
    assert seen == {"dataset": "fashion_mnist", "max_batches": 7}
    assert "The class graded on fashion_mnist (--max-batches 7)" in capsys.readouterr().out
    assert json.loads((tmp_path / "out" / "benchmark.json").read_text())["class"]["gradings"]
    assert not {"torch", "tensorflow", "jax"} & set(sys.modules)


@pytest.mark.gpu
@pytest.mark.realdata
def test_experiments_run_on_the_gpu_with_a_bounded_share_of_its_memory(monkeypatch):
    """Compiled steps on the device (JAX's fori_loop, torch and Keras on CUDA), data placed
    there once, and HARNESS_GPU_MEMORY_FRACTION honoured by every framework's child."""
    monkeypatch.setenv("HARNESS_GPU_MEMORY_FRACTION", "0.2")
    batch = (
        experiments.Experiment(
            "batch size",
            "batch size",
            tuple(v for v in experiments.EXPERIMENTS[0].variants if v.label in ("20", "64", "500")),
        ),
    )
    plan = suites.SuitePlan(num_batches=200, rounds=1)
    frameworks = ["torch", "tensorflow", "jax"]
    runs = experiments.run_experiments(frameworks, "fashion_mnist", plan, batch)
    table = experiments.experiment_tables(runs, 200, batch)[0]
    assert len(table["rows"]) == 9 and not [r for r in table["rows"] if r["errors"]]
    for row in table["rows"]:
        assert row["device_kind"] == "gpu", row
        assert row["examples_per_sec"]["median"] > 0
    total = _gpu_memory_bytes()
    for by_framework in runs.by_key.values():
        for framework, framework_runs in by_framework.items():
            peak = framework_runs[0]["peak_gpu_memory_bytes"]
            assert 0 < peak <= 0.2 * total, (framework, peak, total)


def _gpu_memory_bytes() -> int:
    import subprocess

    done = subprocess.run(
        ["nvidia-smi", "--query-gpu=memory.total", "--format=csv,noheader,nounits"],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(done.stdout.splitlines()[0]) * 2**20
