"""The course templates: the GitHub Actions workflow and Gradescope's run_autograder."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from needs import require
from project_paths import ROOT
from report_factory import references, run, write_results

TEMPLATES = ROOT / "harness" / "report" / "templates"

# Stands in for the harness inside Gradescope's image: `grade` checks what it was handed and
# writes canned records; `report` is the real one, run from this repository.
FAKE_HARNESS = """
import json, os, shutil, subprocess, sys
from pathlib import Path
args = sys.argv[1:]
out = Path(args[args.index("--out") + 1])
if args[0] == "grade":
    handed = Path(args[1])
    assert (handed / os.environ["HANDED"]).exists() and (handed / "helper.txt").exists(), handed
    Path(os.environ["GRADE_ARGS"]).write_text(json.dumps(args))
    out.mkdir(parents=True)
    shutil.copy(os.environ["CANNED_RESULTS"], out / "results.json")
else:
    sys.exit(subprocess.call([sys.executable, "-m", "harness"] + args, cwd=os.environ["ROOT"]))
"""


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


def _autograder(tmp_path, upload: dict[str, str], handed: str = "index.py") -> tuple[dict, Path]:
    root = tmp_path / "autograder"
    (root / "source" / "harness").mkdir(parents=True)
    (root / "source" / "harness" / "__init__.py").write_text("")
    (root / "source" / "harness" / "__main__.py").write_text(FAKE_HARNESS)
    for name, text in upload.items():
        (root / "submission" / name).parent.mkdir(parents=True, exist_ok=True)
        (root / "submission" / name).write_text(text)
    (root / "submission").mkdir(exist_ok=True)
    records = references() + [run("submission"), run("submission", "mnist", score=7.0)]
    canned = write_results(tmp_path, records)
    env = dict(
        os.environ,
        AUTOGRADER_ROOT=str(root),
        HARNESS_PYTHON=sys.executable,
        CANNED_RESULTS=str(canned),
        GRADE_ARGS=str(tmp_path / "args.json"),
        ROOT=str(ROOT),
        HANDED=handed,
    )
    done = subprocess.run(
        ["bash", str(TEMPLATES / "gradescope" / "run_autograder")],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads((root / "results" / "results.json").read_text()), root


def test_run_autograder_grades_the_upload_into_gradescopes_results(tmp_path):
    result, root = _autograder(tmp_path, {"hw/index.py": "LAYERS = []", "hw/helper.txt": "x"})
    assert result["score"] == 17.0
    assert [t["name"] for t in result["tests"]] == ["mnist (torch)", "fashion_mnist (torch)"]
    args = json.loads((tmp_path / "args.json").read_text())
    assert args[args.index("--data-dir") + 1] == str(root / "data")


def test_run_autograder_takes_an_index_js_upload(tmp_path):
    result, _ = _autograder(
        tmp_path, {"hw/index.js": "// deeplearn.js", "hw/helper.txt": "x"}, handed="index.js"
    )
    assert result["score"] == 17.0


def test_run_autograder_without_index_py_says_what_to_upload(tmp_path):
    result, _ = _autograder(tmp_path, {"notes.txt": "forgot the file"})
    assert result["score"] == 0.0
    assert "No index.py or index.js found in your upload" in result["output"]


def test_templates_are_valid_shell_and_executable():
    for name in ("run_autograder", "setup.sh"):
        path = TEMPLATES / "gradescope" / name
        assert os.access(path, os.X_OK), f"{path} must be executable"
        done = subprocess.run(["bash", "-n", str(path)], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
