"""``python -m harness gradescope run``: grade one Gradescope upload, what run_autograder does.

In ``ROOT`` (``/autograder`` on Gradescope; any folder in tests):
``submission/`` holds the upload, ``source/`` the extracted bundle (the harness, the
assignment file, ``autograder.json``), ``bars/`` the references ``setup.sh`` built,
``data/`` the datasets it fetched; ``results/results.json`` is written here.

The upload is graded with ``grade --bars`` (only the student's runs and one calibration
probe per framework). When the grading fails for a reason that is not the student's (see
:func:`grader_failure`) no results.json is written and the exit status is 1: Gradescope
then shows the autograder's failure, records no score, and staff read the cause in the
autograder output (docs/gradescope.md says why).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from harness.gradescope.container import oom_kills
from harness.gradescope.upload import copy_upload, find_upload
from harness.sinks import terminal

STUDENT = "submission"  # the id the reports use; Gradescope knows who it is
OPTIONS_FILE = "grade_options"  # one line, written by `gradescope build` beside the harness
ASSIGNMENT_FILE = "assignment.toml"
KILLS = ("SIGKILL", "memory limit")  # how a record words a kill by the kernel
FAILURE_FILE = "autograder_failure.txt"  # harness.report.gradescope.FAILURE_FILE
NO_UPLOAD = (
    "No index.py or index.js found in your upload. Upload index.py or index.js "
    "(the file from the assignment), alone or in its folder."
)


def run_command(args) -> int:
    root = Path(args.root).resolve()
    results = root / "results" / "results.json"
    results.parent.mkdir(parents=True, exist_ok=True)
    results.unlink(missing_ok=True)
    upload = find_upload(root / "submission")
    if upload is None:  # the student's own miss: zero points, and what to do
        _write(results, {"score": 0.0, "output": NO_UPLOAD, "tests": []})
        return 0
    with tempfile.TemporaryDirectory(prefix="autograder-") as work:
        # Searchable, not listable: a run under a uid of its own must reach its submission.
        os.chmod(work, 0o711)
        folder = Path(work) / "submissions" / STUDENT
        copy_upload(upload.parent, folder)
        out = Path(work) / "out"
        before = oom_kills()
        code = subprocess.call(grade_argv(root, folder, out), cwd=root / "source")
        failure = grader_failure(out, code, (oom_kills() or 0) - (before or 0))
        if failure:
            print(failure_text(failure))
            return 1
        shutil.copyfile(out / "gradescope" / STUDENT / "results.json", results)
    return 0


def grade_argv(root: Path, folder: Path, out: Path) -> list[str]:
    """``grade --bars``, with the options the bars were built with (``grade_options``)."""
    source = root / "source"
    options = (source / OPTIONS_FILE).read_text().split()
    argv = [sys.executable, "-m", "harness", "grade", str(folder), "--out", str(out)]
    argv += ["--bars", str(root / "bars"), "--data-dir", str(root / "data")]
    argv += ["--assignment", str(source / ASSIGNMENT_FILE), "--jobs", "1"]
    return argv + ["--reports", "gradescope", *options]


def grader_failure(out: Path, code: int, new_oom_kills: int) -> str:
    """Why this grading failed on our side, in words for staff; "" when it did not.

    Ours: ``grade`` stopped without the student's results (a missing or mismatched bars
    file, a missing dataset, the harness killed or out of memory), a reference or
    calibration failed (the report writes autograder_failure.txt then), or the
    container's kernel killed a run for want of memory (its OOM killer ran while a
    student's run died by SIGKILL or a memory kill).
    """
    folder = out / "gradescope" / STUDENT
    if (folder / FAILURE_FILE).is_file():
        return (folder / FAILURE_FILE).read_text()[:4000]
    if not (folder / "results.json").is_file():
        return f"`grade` exited with status {code} and wrote no results for the upload"
    killed = [
        r
        for r in _student_records(out)
        if r.get("status") != "passed" and any(w in r.get("reason", "") for w in KILLS)
    ]
    if new_oom_kills > 0 and killed:
        return (
            f"this container's kernel killed {new_oom_kills} process(es) for want of memory "
            f"while {killed[0]['dataset']}/{killed[0]['framework']} ran "
            f"({killed[0]['reason']}): raise the autograder's memory in Gradescope's settings"
        )
    return ""


def failure_text(failure: str) -> str:
    """What the autograder prints for the grader's failure: ``failure`` quotes records (a
    run's reason, in a run's own words), so it is escaped for a terminal line by line."""
    return (
        "AUTOGRADER FAILURE, not the student's network: no results.json written, "
        f"so Gradescope records no score for this upload.\n{terminal(failure, keep_newlines=True)}"
    )


def _student_records(out: Path) -> list[dict]:
    try:
        records = json.loads((out / "results.json").read_text())
    except (OSError, ValueError):
        return []
    return [r for r in records if isinstance(r, dict) and r.get("submission") == STUDENT]


def _write(path: Path, result: dict) -> None:
    result = {"visibility": "visible", "stdout_visibility": "hidden", **result}
    path.write_text(json.dumps(result, indent=2, allow_nan=False) + "\n")
