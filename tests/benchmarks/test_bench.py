"""The benchmark's neutral parts: statistics, the accuracy bar, tables, outputs, the command.

Children are replaced by fakes here (no framework is imported); tests/test_bench_<framework>.py
run the real hand-written loops and children, one framework per process.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

import pytest
from project_paths import SUBMISSIONS

from harness.benchmarks import command as bench
from harness.benchmarks import output, spawn, stats, suites, tables
from harness.errors import ConfigError


def fake_run(framework="torch", runner="adapter", rate=1000.0, curve=None, **extra) -> dict:
    curve = curve or [[10, 2.0, 0.5], [20, 1.0, 0.8]]
    return {
        "framework": framework,
        "runner": runner,
        "dataset": "fashion_mnist",
        "model": "original",
        "examples_per_sec": rate,
        "warmup_seconds": 1.5,
        "steady_seconds": 15 * 64 / rate,
        "batch_size": 64,
        "num_batches": 20,
        "warmup_batches": 5,
        "curve": curve,
        "test_accuracy": curve[-1][2] - 0.01,
        "param_count": 14682,
        "validation_accuracy": curve[-1][2],
        "device": {"kind": "cpu", "name": "test cpu", "framework_version": "1.0"},
        **extra,
    }


def test_summary_gives_median_range_and_relative_spread():
    assert stats.summary([3.0, 1.0, 2.0]) == {
        "median": 2.0,
        "min": 1.0,
        "max": 3.0,
        "spread": 1.0,
        "rounds": 3,
    }
    assert stats.summary([None])["median"] is None


def test_paired_ratios_pair_rounds_and_skip_failures():
    adapter = [fake_run(rate=90.0), {"error": "boom"}, fake_run(rate=120.0)]
    hand = [fake_run(rate=100.0), fake_run(rate=100.0), fake_run(rate=100.0)]
    assert stats.paired_ratios(adapter, hand) == pytest.approx([0.9, 1.2])


def test_compare_adapter_ratio_of_medians_and_verdict_on_paired_rounds():
    runs = {
        "adapter": [fake_run(rate=r) for r in (90.0, 94.0, 200.0)],
        "handwritten": [fake_run(runner="handwritten", rate=r) for r in (100.0, 80.0, 100.0)],
    }
    row = suites.compare_adapter("torch", runs)
    assert row["ratio"] == pytest.approx(0.94)  # 94 / 100
    assert row["paired_median"] == pytest.approx(94 / 80)  # of 0.90, 1.175, 2.0
    assert row["meets_target"] is True
    runs["adapter"][1] = fake_run(rate=70.0)  # per round now 0.90, 0.875, 2.0
    assert suites.compare_adapter("torch", runs)["meets_target"] is False


def test_accuracy_bar_is_lowest_final_accuracy_unless_fixed():
    runs = [
        fake_run(curve=[[10, 1, 0.6], [20, 1, 0.81]]),
        fake_run(curve=[[10, 1, 0.7], [20, 1, 0.79]]),
    ]
    assert stats.accuracy_bar(runs) == pytest.approx(0.79)
    assert stats.accuracy_bar(runs, fixed=0.85) == 0.85
    assert stats.accuracy_bar([{"error": "x"}]) is None


def test_seconds_to_bar_uses_warmup_plus_steady_rate():
    run = fake_run(rate=640.0, curve=[[10, 1, 0.5], [20, 1, 0.8]])
    # bar first reached at batch 20: 1.5 s warm-up + (20 - 5) * 64 / 640
    assert stats.seconds_to_bar(run, 0.75) == pytest.approx(1.5 + 1.5)
    assert stats.seconds_to_bar(run, 0.5) == pytest.approx(1.5 + 0.5)
    assert stats.seconds_to_bar(run, 0.9) is None


def test_compare_frameworks_ratio_to_fastest_and_bar():
    runs = {
        "torch": [fake_run(rate=r) for r in (100.0, 110.0, 90.0)],
        "jax": [
            fake_run("jax", rate=r, curve=[[10, 1, 0.7], [20, 1, 0.75]])
            for r in (200.0, 190.0, 210.0)
        ],
    }
    table = suites.compare_frameworks("fashion_mnist", "original", runs)
    assert table["accuracy_bar"] == pytest.approx(0.75)
    by_name = {r["framework"]: r for r in table["rows"]}
    assert by_name["jax"]["ratio_to_fastest"] == 1.0
    assert by_name["torch"]["ratio_to_fastest"] == pytest.approx(0.5)
    assert by_name["torch"]["reached_bar"] == 3
    text = tables.framework_table(table)
    assert "0.50" in text and "200" in text and "3/3" in text


def test_adapter_table_prints_ratio_and_verdict():
    runs = {"adapter": [fake_run(rate=900.0)], "handwritten": [fake_run(rate=1000.0)]}
    text = tables.adapter_table([suites.compare_adapter("jax", runs)])
    assert "| jax" in text and "0.90" in text and "NO" in text


def test_child_command_and_last_json_line():
    argv = spawn.child_command(
        {
            "framework": "jax",
            "num_batches": 3,
            "test_accuracy": True,
            "data_dir": None,
            "allow_unverified": False,
        }
    )
    assert argv[1:] == [
        "-m",
        "harness.benchmarks.child",
        "--framework",
        "jax",
        "--num-batches",
        "3",
        "--test-accuracy",
    ]
    assert spawn.last_json_line('noise\n{"a": 1}\ntrailing') == {"a": 1}
    assert spawn.last_json_line("no json") is None


def test_failed_child_becomes_an_error_run(monkeypatch):
    monkeypatch.setattr(spawn, "CHILD_MODULE", "harness.no_such_module")
    run = spawn.run_child({"framework": "torch", "runner": "adapter"}, timeout=60)
    assert run["framework"] == "torch"
    assert "exit status 1" in run["error"] and "no_such_module" in run["error"]


def _args(tmp_path, **overrides) -> argparse.Namespace:
    values = {
        "submissions": [],
        "frameworks": "torch,jax",
        "datasets": "fashion_mnist",
        "out": str(tmp_path / "out"),
        "max_batches": 20,
        "rounds": 2,
        "data_dir": None,
        "allow_unverified": False,
        "suite": "all",
        "accuracy_bar": None,
    }
    return argparse.Namespace(**{**values, **overrides})


def test_options_are_checked(tmp_path):
    with pytest.raises(ConfigError, match="--frameworks: expected a comma-separated list"):
        bench.benchmark_command(_args(tmp_path, frameworks="torch,mxnet"))
    with pytest.raises(ConfigError, match="--rounds: expected an integer >= 1"):
        bench.make_plan(_args(tmp_path, rounds=0))


def test_code_form_submission_is_skipped_with_a_note(tmp_path):
    index = tmp_path / "alice" / "index.py"
    index.parent.mkdir()
    index.write_text(
        'FRAMEWORK = "torch"\ndef build_model(input_shape, num_classes):\n'
        '    raise RuntimeError("never run by the benchmark parent")\n'
    )
    notes: list[str] = []
    models = bench.framework_models(["fashion_mnist"], [str(index.parent)], notes)
    assert models == [("fashion_mnist", {"model": "original"}, "original")]
    assert "alice" in notes[0] and "Model Builder" in notes[0]


def test_an_index_js_submission_is_benchmarked_like_a_layer_list():
    notes: list[str] = []
    models = bench.framework_models(["fashion_mnist"], [str(SUBMISSIONS / "original_js")], notes)
    index = SUBMISSIONS / "original_js" / "index.js"
    assert models[-1] == (
        "fashion_mnist",
        {"submission": str(index), "batch_size": None},
        "original_js",
    )
    assert notes == []


def test_benchmark_command_writes_tables_json_chart_and_pytest_benchmark(
    tmp_path, monkeypatch, capsys
):
    calls = []

    def fake_child(options, timeout=None):
        calls.append(options)
        rate = {"adapter": 1000.0, "handwritten": 1010.0}[options["runner"]]
        if options["framework"] == "jax":
            rate *= 2
        return fake_run(options["framework"], options["runner"], rate)

    monkeypatch.setattr(suites, "run_child", fake_child)
    monkeypatch.setattr(bench, "data_loading", lambda datasets, plan, notes: None)
    monkeypatch.setattr(bench, "class_grading", lambda dataset, args, notes: None)
    assert bench.benchmark_command(_args(tmp_path)) == 0
    runners = [(c["framework"], c["runner"]) for c in calls[:4]]
    assert runners == [
        ("torch", "adapter"),
        ("torch", "handwritten"),
        ("torch", "handwritten"),
        ("torch", "adapter"),
    ]  # interleaved rounds
    printed = capsys.readouterr().out
    assert "Adapter vs hand-written loop" in printed and "0.99" in printed
    out = tmp_path / "out"
    saved = json.loads((out / "benchmark.json").read_text())
    assert saved["frameworks"][0]["rows"][1]["ratio_to_fastest"] == 1.0
    assert (out / "benchmark.png").read_bytes()[:4] == b"\x89PNG"
    pb = json.loads((out / "pytest-benchmark.json").read_text())
    entry = next(
        b for b in pb["benchmarks"] if b["name"] == "adapter" and b["group"] == "adapters-torch"
    )
    assert entry["stats"]["median"] == pytest.approx(15 * 64 / 1000.0)
    assert entry["stats"]["rounds"] == 2
    assert not {"torch", "tensorflow", "jax"} & set(sys.modules)


def test_children_get_one_thread_while_the_command_keeps_its_own_environment(monkeypatch):
    """As grade runs them; the benchmark passes that to its children (tests/conftest.py
    fails a test whose command changes ``os.environ``)."""
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    assert spawn.child_env()["OMP_NUM_THREADS"] == "1"
    assert "OMP_NUM_THREADS" not in os.environ
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    assert spawn.child_env()["OMP_NUM_THREADS"] == "3"


def test_markdown_lists_failed_runs():
    result = {
        "settings": {},
        "machine": {"host": output.host_info(), "frameworks": {}},
        "errors": ["exit status 1: Traceback ...\nValueError: bad thing"],
    }
    assert "ValueError: bad thing" in output.markdown(result)


@pytest.mark.slow
def test_real_children_of_all_three_frameworks_from_one_framework_free_parent(
    tmp_path, monkeypatch
):
    args = _args(
        tmp_path, frameworks="torch,tensorflow,jax", suite="adapters", max_batches=6, rounds=1
    )
    assert bench.benchmark_command(args) == 0, (tmp_path / "out" / "benchmark.md").read_text()
    saved = json.loads((tmp_path / "out" / "benchmark.json").read_text())
    assert [r["framework"] for r in saved["adapters"]] == ["torch", "tensorflow", "jax"]
    assert all(r["ratio"] > 0 for r in saved["adapters"])
    assert not {"torch", "tensorflow", "jax"} & set(sys.modules)


def test_a_students_index_js_is_skipped_not_recorded_outside_the_sandbox(tmp_path):
    """The benchmark child records an index.js unsandboxed, so only the project's own
    examples are given to it; a student's is skipped with a note, and the child refuses one."""
    from harness.benchmarks import child

    index = tmp_path / "mallory" / "index.js"
    index.parent.mkdir()
    index.write_text((SUBMISSIONS / "original_js" / "index.js").read_text())
    notes: list[str] = []
    models = bench.framework_models(["fashion_mnist"], [str(index.parent)], notes)
    assert models == [("fashion_mnist", {"model": "original"}, "original")]
    assert "mallory" in notes[0] and "recorded only in the sandbox" in notes[0]
    argv = ["--framework", "torch", "--submission", str(index)]
    with pytest.raises(SystemExit, match="project's own index.js examples only"):
        child.main(argv)
