"""`python -m harness train` refuses bad options before loading data or a framework."""

import subprocess
import sys

import pytest
from project_paths import ROOT

from harness.cli import main

FRAMEWORK_MODULES = ("torch", "tensorflow", "jax")


@pytest.mark.parametrize(
    "options, message",
    [
        (["--num-batches", "0"], "--num-batches: expected an integer >= 1, received 0"),
        (["--batch-size", "-8"], "--batch-size: expected an integer >= 1, received -8"),
        (["--learning-rate", "0"], "--learning-rate: expected a number > 0, received 0.0"),
        (
            ["--optimizer", "lbfgs"],
            "--optimizer: expected one of sgd, momentum, adam, rmsprop, adagrad, received 'lbfgs'",
        ),
    ],
)
def test_out_of_range_options_are_usage_errors(options, message, capsys):
    code = main(["train", "--reference", "original", "--framework", "torch", *options])
    assert code == 2
    assert message in capsys.readouterr().err
    assert not any(name in sys.modules for name in FRAMEWORK_MODULES)


def test_a_submission_for_another_framework_names_both():
    # Loading a submission imports it (and torch): in a child, to keep this process neutral.
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "harness",
            "train",
            "submissions/torch_example/index.py",
            "--framework",
            "jax",
            "--num-batches",
            "1",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert done.returncode == 2
    assert "torch_example/index.py is written for torch, received jax" in done.stderr
