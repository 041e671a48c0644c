"""The course templates: the GitHub Actions workflow, and Gradescope's scripts as shell.

Gradescope's run_autograder and setup.sh are run for real in tests/gradescope/."""

from __future__ import annotations

import os
import subprocess

import pytest
from needs import require
from project_paths import ROOT

TEMPLATES = ROOT / "harness" / "report" / "templates"


def test_workflow_sets_up_grades_uploads_and_summarises():
    require("pyyaml")
    import yaml

    workflow = yaml.safe_load((TEMPLATES / "github-workflow.yml").read_text())
    steps = workflow["jobs"]["grade"]["steps"]
    scripts = "\n".join(s.get("run", "") for s in steps)
    uses = [s.get("uses", "") for s in steps]
    assert "actions/setup-python@v5" in uses and "actions/upload-artifact@v4" in uses
    assert "apt-get install -y bubblewrap" in scripts
    assert "python -m harness grade" in scripts and "python -m harness report" in scripts
    assert '>> "$GITHUB_STEP_SUMMARY"' in scripts
    assert "${{" not in scripts  # inputs reach scripts through env, never pasted in
    upload = next(s for s in steps if s.get("uses", "").startswith("actions/upload-artifact"))
    assert upload["if"] == "always()"


@pytest.mark.parametrize(
    "status, job_fails, annotation",
    [
        (0, False, "Every run passed."),
        (1, False, "::warning title=Some student runs did not pass"),
        (2, True, "::error title=Nothing was graded"),
        (3, True, "::error title=The grading itself failed"),
    ],
)
def test_workflow_colours_its_job_from_the_exit_status(tmp_path, status, job_fails, annotation):
    """The Grade step's own script, run with a harness that exits ``status``: students'
    failures leave the job green with a warning; the grader's failures fail it."""
    require("pyyaml")
    import yaml

    steps = yaml.safe_load((TEMPLATES / "github-workflow.yml").read_text())["jobs"]["grade"]
    script = next(s["run"] for s in steps["steps"] if s.get("name") == "Grade")
    fake = tmp_path / ".nox" / "grade" / "bin" / "python"
    fake.parent.mkdir(parents=True)
    fake.write_text(f"#!/bin/sh\nexit {status}\n")
    fake.chmod(0o755)
    env = dict(os.environ, OUT="grades", MAX_BATCHES="")
    done = subprocess.run(
        ["bash", "-e", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert (done.returncode != 0) == job_fails
    assert done.returncode in (0, status)
    assert annotation in done.stdout


def test_templates_are_valid_shell_and_executable():
    for name in ("run_autograder", "setup.sh"):
        path = TEMPLATES / "gradescope" / name
        assert os.access(path, os.X_OK), f"{path} must be executable"
        done = subprocess.run(["bash", "-n", str(path)], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
