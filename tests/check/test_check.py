"""``harness check``: children build every example in its frameworks; problems are listed.

This module imports no framework: the frameworks run in the ``harness.check.child`` children
that ``check`` starts, one per submission and framework, so it carries no framework marker.
"""

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pytest
from needs import require
from project_paths import HOSTILE, ROOT

from harness.check import command as check
from harness.config import Assignment
from harness.submission import spec
from harness.submission.load import discover, load_submission

EXAMPLES = ROOT / "submissions"
BROKEN = ROOT / "tests" / "broken_submissions"

# Hand-countable parameters on 28x28x1 and 32x32x3 (tests/test_spec.py shows the formulas).
PARAMS = {
    "original": (14_682, 17_882),
    "field_size_5": (14_682, 17_882),
    "torch_example": (14_682, 17_882),
    "tensorflow_example": (14_682, 17_882),
    "jax_example": (14_682, 17_882),
    "one_triple_removed": (31_786, 42_186),
    "two_triples_removed": (7_850, 30_730),
    "filters_5": (3_220, 4_220),
    "filters_50": (88_360, 98_360),
    "pool_stride_1": (115_002, 151_642),
    "pool_stride_5": (7_002, 8_282),
    "field_size_1": (8_154, 10_586),
    "field_size_7": (21_210, 25_178),
    "conv_stride_3": (7_002, 7_802),
    "two_extra_conv": (27_514, 30_714),
    "four_extra_conv": (40_346, 43_546),
    "cifar_3x3_30_filters": (23_140, 28_180),
    "tutorial": (33_194, 47_818),
}
# The index.js twins of the Model Builder examples (deeplearn.js, TensorFlow.js) count the same.
PARAMS |= {
    f"{name}_js": counts
    for name, counts in PARAMS.items()
    if not name.endswith("_example") and name != "tutorial"
} | {"original_tfjs": PARAMS["original"], "tutorial_tfjs": PARAMS["tutorial"]}


def args(path, framework=None, dataset=None, as_json=False):
    return argparse.Namespace(
        path=str(path), framework=framework, dataset=dataset, json=as_json, assignment=None
    )


@pytest.fixture(scope="module")
def example_reports():
    """Every example on 28x28x1: one sandboxed child per example and framework."""
    require("quickjs")  # the examples include index.js twins
    reports = check.check_paths(discover([EXAMPLES]), datasets=["fashion_mnist"])
    return {Path(r["path"]).parent.name: r for r in reports}


def test_every_example_is_accepted_with_hand_counted_parameters(example_reports):
    assert sorted(example_reports) == sorted(PARAMS)
    for name, report in example_reports.items():
        assert report["accepted"], (name, report["problems"])
        frameworks = (
            ["torch", "tensorflow", "jax"]
            if report["form"] == "layers"
            else [name.removesuffix("_example")]
        )
        assert sorted(report["frameworks"]) == sorted(frameworks)
        (entry,) = report["inputs"]
        counts = {fw: build["param_count"] for fw, build in entry["builds"].items()}
        assert counts == dict.fromkeys(frameworks, PARAMS[name][0]), name
        for build in entry["builds"].values():
            assert build["output_shape"] == [32, 10] and build["grad_finite"]


@pytest.mark.parametrize("name", [n for n in PARAMS if not n.endswith("_example")])
def test_examples_count_the_same_on_32x32x3(name):
    submission = load_submission(discover([EXAMPLES / name])[0], Assignment())
    assert spec.param_count(submission.layers, (32, 32, 3)) == PARAMS[name][1]


def test_original_reports_layers_params_and_macs(example_reports):
    (entry,) = example_reports["original"]["inputs"]
    assert (entry["param_count"], entry["macs"]) == (14_682, 313_600 + 1_254_400 + 7_840)
    assert [row["output_shape"] for row in entry["layers"]][-3:] == [[7, 7, 16], [784], [10]]
    assert example_reports["torch_example"]["inputs"][0]["macs"] == "n/a"


def test_human_output_for_the_original(capsys):
    code = check.check_command(args(EXAMPLES / "original", "torch", "fashion_mnist"))
    out = capsys.readouterr().out
    assert code == 0
    assert "Model Builder form (8 layers), checked in torch" in out
    assert "total: 14,682 parameters, 1,575,840 MACs per example, output 10" in out
    assert "ACCEPTED: this submission would be accepted for grading" in out


def test_json_output_is_one_object(capsys):
    code = check.check_command(args(EXAMPLES / "original", "torch", "cifar10", as_json=True))
    result = json.loads(capsys.readouterr().out)
    assert code == 0 and result["accepted"]
    (report,) = result["submissions"]
    assert (report["inputs"][0]["param_count"], report["inputs"][0]["macs"]) == (17_882, 2_877_440)
    assert report["inputs"][0]["builds"]["torch"]["output_shape"] == [32, 10]


def test_syntax_error_is_reported_without_starting_a_child(monkeypatch, capsys):
    monkeypatch.setattr(check, "_run_child", lambda *a: pytest.fail("started a child"))
    code = check.check_command(args(BROKEN / "syntax_error"))
    out = capsys.readouterr().out
    assert code == 1
    assert "NOT ACCEPTED: 1 problem(s)" in out and "line 6: syntax error" in out


def test_student_code_runs_only_in_the_child(capsys):
    # sys_exit calls sys.exit(3) when imported: the check survives and reports it
    code = check.check_command(args(BROKEN / "sys_exit", as_json=True))
    (report,) = json.loads(capsys.readouterr().out)["submissions"]
    assert code == 1 and report["form"] is None
    assert report["problems"][0].startswith("line 5: loading the file raised SystemExit: 3")


def test_every_load_problem_is_listed(capsys):
    code = check.check_command(args(BROKEN / "several_problems"))
    out = capsys.readouterr().out
    assert code == 1 and "NOT ACCEPTED: 4 problem(s)" in out
    assert "did you mean 'adam'?" in out and "softmax in the loss" in out


@pytest.mark.parametrize(
    "name, expected",
    [
        (
            "build_model_raises",
            "torch, input 28x28x1: line 8: building the model raised "
            "IndexError: tuple index out of range",
        ),
        (
            "wrong_output_shape",
            "torch, input 28x28x1: output shape: expected (batch, 10) logits, received (2, 5)",
        ),
    ],
)
def test_problems_found_when_building(name, expected, capsys):
    code = check.check_command(args(BROKEN / name, dataset="mnist", as_json=True))
    (report,) = json.loads(capsys.readouterr().out)["submissions"]
    assert code == 1 and report["frameworks"] == ["torch"]
    assert report["problems"][0].startswith(expected), report["problems"]


def test_a_child_that_hangs_becomes_a_problem(monkeypatch):
    monkeypatch.setattr(check, "CHILD_SECONDS", 4)
    monkeypatch.setattr(check, "CHILD_SECONDS_PER_SUBMISSION", 0)
    hang = HOSTILE / "hang_at_import" / "index.py"
    (report,) = check.check_paths([hang], "torch", ["mnist"])
    assert not report["accepted"]
    assert report["problems"] == ["the auto check process timed out after 4 s (wall-time limit)"]


def test_the_child_runs_in_the_sandbox_and_cannot_see_the_datasets(tmp_path):
    folder = tmp_path / "peeker"
    folder.mkdir()
    (folder / "index.py").write_text(
        "import os\nif os.path.exists('/usr/share/datasets/fashion-mnist/"
        "t10k-labels-idx1-ubyte.gz'):\n    raise RuntimeError('labels visible')\n"
        + (EXAMPLES / "original" / "index.py").read_text()
    )
    (report,) = check.check_paths([folder / "index.py"], "torch", ["mnist"])
    assert report["accepted"], report["problems"]


def test_cli_exit_status_and_no_framework_in_the_parent():
    code = (
        "import sys, runpy\nsys.argv = ['harness', 'check', sys.argv[1], '--dataset', "
        "'mnist', '--framework', 'torch']\n"
        "from harness.cli import main\nstatus = main()\n"
        "assert not {'torch', 'tensorflow', 'jax'} & set(sys.modules), 'framework'\n"
        "sys.exit(status)"
    )
    good = subprocess.run(
        [sys.executable, "-c", code, str(EXAMPLES / "original")],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    bad = subprocess.run(
        [sys.executable, "-c", code, str(BROKEN / "wrong_units")],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert (good.returncode, bad.returncode) == (0, 1), good.stderr + bad.stderr
    assert "the last dense layer gives 5 outputs, expected 10" in bad.stdout


def test_one_sandboxed_child_per_submission_in_a_folder(tmp_path):
    """Checked as a folder, a student sees neither another's folder nor their module."""
    for name in ("read_other_student", "zz_honest"):
        source = HOSTILE / "read_other_student" if name != "zz_honest" else EXAMPLES / "original"
        (tmp_path / name).mkdir()
        (tmp_path / name / "index.py").write_text((source / "index.py").read_text())
    reports = check.check_paths(discover([tmp_path]), "torch", ["mnist"])
    assert [r["accepted"] for r in reports] == [True, True], [r["problems"] for r in reports]


def test_a_layer_list_is_checked_in_the_frameworks_installed_here(monkeypatch):
    """A student with only torch installed is not refused for lacking TensorFlow and JAX:
    the check says which it skipped and how to add them."""

    command = check

    layers = ROOT / "submissions" / "original" / "index.py"
    monkeypatch.setattr(command, "installed_frameworks", lambda: ["torch"])
    jobs, early = command.children_to_start([layers], None)
    assert jobs == [("torch", str(layers))] and not early
    note = command._not_installed_note(None)
    assert "not checked in tensorflow, jax" in note
    assert "pip install 'cnn-harness[tensorflow,jax]'" in note
    assert command._not_installed_note("torch") is None  # asked for one: no note
    monkeypatch.setattr(command, "installed_frameworks", lambda: [])
    assert [name for name, _ in command.children_to_start([layers], None)[0]] == list(
        command.FRAMEWORKS
    )


def test_a_layer_list_only_running_the_file_defines_is_named(tmp_path):
    """LAYERS set by code (no top-level assignment): neither form by its syntax tree, so
    the grading gives it no layer-list run; the check says so and how to fix it, where it
    said "None: could not load the framework adapter"."""
    (tmp_path / "student").mkdir()
    (tmp_path / "student" / "index.py").write_text(
        'globals()["LAYERS"] = [{"layer": "flatten"}, {"layer": "dense", "units": 10}]\n'
    )
    (report,) = check.check_paths(discover([tmp_path]), datasets=["fashion_mnist"])
    assert not report["accepted"]
    assert report["problems"] == [
        "LAYERS: expected `LAYERS = [...]` at the top level of the file, received a layer "
        "list that only running the file defines; fix: assign LAYERS at the top level"
    ]
