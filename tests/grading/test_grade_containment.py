"""One submission's failure is its own, at every stage, in one real grading.

Beside an honest submission: a 100 KB index.py of unary minus signs (it once exhausted the
parser of the grading process), a folder over the size cap (refused unread), a run that
fills its scratch folder past the disk budget, and one that leaves 3,000 nested folders
(once the cleanup raised RecursionError and the run vanished). Each ends as its own failed
record with its reason; the honest run passes; nothing is left on disk; the exit code
says some runs failed.
"""

import json
import shutil
import subprocess
import sys

import pytest
from project_paths import HOSTILE, ROOT

pytestmark = [pytest.mark.torch, pytest.mark.sandbox, pytest.mark.realdata]

HOSTILE_NAMES = ("honest_tiny", "unary_minus", "fill_scratch", "deep_folders")


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("containment")
    subs = root / "submissions"
    for name in HOSTILE_NAMES:
        shutil.copytree(HOSTILE / name, subs / name)
    shutil.copytree(HOSTILE / "honest_tiny", subs / "too_big")
    (subs / "too_big" / "weights.bin").write_bytes(b"\1" * (2 << 20))
    toml = (ROOT / "harness" / "assignment.toml").read_text()
    toml = toml.replace("scratch_limit_mib = 2048", "scratch_limit_mib = 256")
    (root / "assignment.toml").write_text(toml)
    out = root / "out"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "harness",
            "grade",
            str(subs),
            "--datasets",
            "fashion_mnist",
            "--max-batches",
            "5",
            "--out",
            str(out),
            "--assignment",
            str(root / "assignment.toml"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert (out / "results.json").exists(), done.stdout[-3000:] + done.stderr[-3000:]
    records = {r["submission"]: r for r in json.loads((out / "results.json").read_text())}
    return done, records, out


def test_every_submission_has_its_record_and_the_exit_code_says_some_failed(graded):
    done, records, _ = graded
    assert done.returncode == 1
    assert set(records) >= {*HOSTILE_NAMES, "too_big"}
    assert records["honest_tiny"]["status"] == "passed", records["honest_tiny"]["reason"]


@pytest.mark.parametrize(
    "name, reason",
    [
        ("unary_minus", "MemoryError"),
        ("too_big", "submission folder is larger than the limit of 1024 KiB"),
        ("fill_scratch", "wrote more than 256 MiB to its scratch folder (scratch_limit_mib)"),
        ("deep_folders", "left 3,000 nested folders"),
    ],
)
def test_each_failure_is_named_in_its_own_record(graded, name, reason):
    _, records, _ = graded
    assert records[name]["status"] == "failed" and reason in records[name]["reason"], records[name][
        "reason"
    ]


def test_nothing_is_left_in_scratch(graded):
    _, _, out = graded
    assert list((out / ".work" / "jobs").iterdir()) == []
    assert (out / "students").is_dir() and (out / "gradescope" / "honest_tiny").is_dir()
