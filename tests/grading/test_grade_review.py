"""A memorised public test set cannot be told from learning by the predictions alone: the
result is flagged "review", with its evidence, in the summary, the student's page and the
CSV, while an honest submission in the same grading is not. A table wrong on 30% of the
images on purpose (accuracy near the reference's, below the ceiling) is flagged by what the
parent measured itself: the run's validation accuracy against its test accuracy."""

import csv
import hashlib
import json
import shutil
import subprocess
import sys

import numpy as np
import pytest
from project_paths import HOSTILE, ROOT

from harness.data import load_dataset

pytestmark = [pytest.mark.torch, pytest.mark.sandbox, pytest.mark.realdata]


def _table(wrong_share: float = 0.0) -> dict:
    """What the attacker computes offline from the published test files; ``wrong_share`` of
    the labels moved to the next class on purpose."""
    test = load_dataset("fashion_mnist")
    wrong = np.random.default_rng(7).random(len(test.test_labels)) < wrong_share
    labels = np.where(wrong, (test.test_labels + 1) % 10, test.test_labels)
    return {
        hashlib.sha1(image.tobytes()).hexdigest()[:12]: int(label)
        for image, label in zip(test.test_images, labels, strict=True)
    }


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("review")
    for name in ("memorised_test_set", "memorised_with_mistakes", "honest_tiny"):
        shutil.copytree(HOSTILE / name, root / "submissions" / name)
    for name, wrong_share in (("memorised_test_set", 0.0), ("memorised_with_mistakes", 0.3)):
        (root / "submissions" / name / "table.json").write_text(
            json.dumps(_table(wrong_share), separators=(",", ":"))
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


def test_a_table_wrong_on_purpose_is_flagged_by_its_own_validation_accuracy(graded):
    records, _ = graded
    cheat, honest = records["memorised_with_mistakes"], records["honest_tiny"]
    assert cheat["status"] == "passed"
    assert 0.6 < cheat["test_accuracy"] < 0.75  # a plausible accuracy, below the ceiling
    assert "above its own validation accuracy" in cheat["review"]
    assert "at the ceiling" not in cheat["review"]
    assert "examples" in cheat["review"] and "parameters" in cheat["review"]
    assert honest["review"] == ""  # the control: same grading, same rule, no flag


def test_the_flag_is_in_the_summary_the_student_page_and_the_csv(graded):
    _, out = graded
    assert "Flagged for review (2)" in (out / "summary.md").read_text()
    assert (
        "Review: flagged for a person" in (out / "students" / "memorised_test_set.md").read_text()
    )
    with open(out / "grades.csv", newline="") as handle:
        rows = {r["student"]: r for r in csv.DictReader(handle)}
    assert "at the ceiling" in rows["memorised_test_set"]["review"]
    assert rows["honest_tiny"]["review"] == ""
