"""A memorised public test set cannot be told from learning by the predictions alone: the
result is flagged "review", with its evidence, in the summary, the student's page and the
CSV, while an honest submission in the same grading is not."""

import csv
import hashlib
import json
import shutil
import subprocess
import sys

import pytest
from project_paths import HOSTILE, ROOT

from harness.data import load_dataset

pytestmark = [pytest.mark.torch, pytest.mark.sandbox, pytest.mark.realdata]


def _table() -> dict:
    """What the attacker computes offline from the published test files."""
    test = load_dataset("fashion_mnist")
    return {
        hashlib.sha1(image.tobytes()).hexdigest()[:12]: int(label)
        for image, label in zip(test.test_images, test.test_labels, strict=True)
    }


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("review")
    for name in ("memorised_test_set", "honest_tiny"):
        shutil.copytree(HOSTILE / name, root / "submissions" / name)
    (root / "submissions" / "memorised_test_set" / "table.json").write_text(
        json.dumps(_table(), separators=(",", ":"))
    )
    out = root / "out"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "harness",
            "grade",
            str(root / "submissions"),
            "--datasets",
            "fashion_mnist",
            "--max-batches",
            "100",
            "--out",
            str(out),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert (out / "results.json").exists(), done.stdout[-3000:] + done.stderr[-3000:]
    return {r["submission"]: r for r in json.loads((out / "results.json").read_text())}, out


def test_a_memorised_test_set_is_flagged_with_its_evidence(graded):
    records, _ = graded
    cheat = records["memorised_test_set"]
    assert cheat["status"] == "passed" and cheat["test_accuracy"] == 1.0
    assert "at the ceiling" in cheat["review"] and "above the reference's" in cheat["review"]
    assert "submission folder" in cheat["review"] and "KiB" in cheat["review"]
    assert records["honest_tiny"]["status"] == "passed" and records["honest_tiny"]["review"] == ""


def test_the_flag_is_in_the_summary_the_student_page_and_the_csv(graded):
    _, out = graded
    assert "Flagged for review (1)" in (out / "summary.md").read_text()
    assert (
        "Review: flagged for a person" in (out / "students" / "memorised_test_set.md").read_text()
    )
    with open(out / "grades.csv", newline="") as handle:
        rows = {r["student"]: r for r in csv.DictReader(handle)}
    assert "at the ceiling" in rows["memorised_test_set"]["review"]
    assert rows["honest_tiny"]["review"] == ""
