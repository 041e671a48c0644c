"""The suite's own rules (tests/conftest.py): HARNESS_CI_REQUIRE turns a missing sandbox,
dataset, browser or library into a failure, and any other skip but a GPU test's too (without
it they skip with the reason); a test may not leave the environment changed."""

from __future__ import annotations

import os
import subprocess
import sys

from project_paths import ROOT, TESTS

from harness.host import gpu_names

HOSTILE_SYNTAX_ERROR = "tests/worker/test_worker_hostile.py::test_syntax_error"

STRAY_SKIPS = """
import pytest

def test_skips_for_a_reason_ci_did_not_declare():
    pytest.skip("the network is down")

@pytest.mark.gpu
def test_on_a_gpu():
    pass

@pytest.mark.needs("pyyaml")
def test_a_declared_need():
    pass
"""


def pytest_run(*args, **env) -> subprocess.CompletedProcess:
    """A pytest process with this suite's conftest and the given environment changes."""
    environment = {k: v for k, v in os.environ.items() if k != "HARNESS_CI_REQUIRE"}
    environment.update(env, PYTHONPATH=os.pathsep.join([str(ROOT), str(TESTS)]))
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-ra", "-q", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_without_bubblewrap_a_sandbox_test_skips_naming_why():
    done = pytest_run(HOSTILE_SYNTAX_ERROR, HARNESS_NO_BWRAP="1")
    assert done.returncode == 0, done.stdout
    assert "SKIPPED [1] tests/worker/test_worker_hostile.py:" in done.stdout
    assert "needs bubblewrap: bubblewrap cannot start a sandbox here" in done.stdout


def test_where_ci_requires_bubblewrap_its_absence_fails_the_run():
    done = pytest_run(
        HOSTILE_SYNTAX_ERROR, HARNESS_NO_BWRAP="1", HARNESS_CI_REQUIRE="bubblewrap,pyyaml"
    )
    assert done.returncode == 1, done.stdout
    assert "HARNESS_CI_REQUIRE requires bubblewrap: bubblewrap cannot start" in done.stdout
    assert "1 error" in done.stdout  # in the setup of the test that needs it
    assert "HARNESS_CI_REQUIRE: 1 of 2 present, MISSING bubblewrap; 0 skipped" in done.stdout


def test_under_ci_only_gpu_tests_may_skip(tmp_path):
    test_file = tmp_path / "test_stray.py"
    test_file.write_text(STRAY_SKIPS)
    done = pytest_run(
        "-c",
        str(ROOT / "pyproject.toml"),
        "-p",
        "conftest",
        str(test_file),
        HARNESS_CI_REQUIRE="pyyaml",
    )
    assert done.returncode == 1, done.stdout
    assert (
        "skipped under HARNESS_CI_REQUIRE, where only GPU tests and needs it does not list "
        "may skip: the network is down"
    ) in done.stdout
    skipped = "0 skipped, 0" if gpu_names() else "1 skipped, 1"
    assert f"HARNESS_CI_REQUIRE: 1 of 1 present; {skipped} of them GPU tests" in done.stdout


def test_an_unknown_name_in_the_declaration_stops_the_run():
    done = pytest_run(HOSTILE_SYNTAX_ERROR, HARNESS_CI_REQUIRE="bubblewrap,bubblewarp")
    assert done.returncode == 4
    assert (
        "HARNESS_CI_REQUIRE: unknown name(s) bubblewarp; expected some of bubblewrap, "
        "fashion_mnist, chromium"
    ) in done.stderr + done.stdout


def test_a_test_that_leaves_the_environment_changed_fails(tmp_path):
    test_file = tmp_path / "test_leak.py"
    test_file.write_text(
        "import os\n\ndef test_leaks():\n    os.environ['HARNESS_LEAKED'] = '1'\n"
        "    os.environ['XLA_PYTHON_CLIENT_PREALLOCATE'] = 'false'\n"
        "\ndef test_after():\n    assert 'HARNESS_LEAKED' not in os.environ\n"
    )
    done = pytest_run("-c", str(ROOT / "pyproject.toml"), "-p", "conftest", str(test_file))
    assert done.returncode == 1, done.stdout
    assert (
        "the test left environment variable(s) changed: HARNESS_LEAKED, "
        "XLA_PYTHON_CLIENT_PREALLOCATE"
    ) in done.stdout
    assert "2 passed, 1 error" in done.stdout  # test_after ran with the variable put back
