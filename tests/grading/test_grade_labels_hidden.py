"""No test label is readable from inside a graded run, even with a second copy of the
package visible: the Gradescope template's layout, a source checkout (which runs) beside a
non-editable install in the virtual environment the sandbox must show.

A submission reads every file it can see and hashes it raw, gunzipped, without an idx
header and as a NumPy array, against the test labels of the real Fashion-MNIST (Debian's
files) and of the bundled subset; an honest submission is graded in the same grading.
"""

import hashlib
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

import numpy as np
import pytest
from project_paths import HOSTILE, ROOT

from harness.data import load_dataset
from harness.sandbox.modes import bubblewrap_available

pytestmark = [
    pytest.mark.torch,
    pytest.mark.sandbox,
    pytest.mark.realdata,
    pytest.mark.skipif(not bubblewrap_available(), reason="needs bubblewrap"),
]


def _label_hashes() -> list[str]:
    real = load_dataset("fashion_mnist").test_labels.astype(np.uint8)
    return [hashlib.sha256(labels.tobytes()).hexdigest() for labels in (real, real[:1000])]


def _two_copies(root: Path) -> Path:
    """``root/source`` (the checkout) and ``root/venv`` with the package installed in it."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root / "venv")], check=True)
    python = root / "venv" / "bin" / "python"
    site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    # The frameworks, hard-linked (instant, no copy): the sandbox shows only this venv.
    site.rmdir()
    subprocess.run(["cp", "-al", sysconfig.get_paths()["purelib"], str(site)], check=True)
    for editable in [*site.glob("__editable__*"), *site.glob("cnn_harness-*")]:
        shutil.rmtree(editable) if editable.is_dir() else editable.unlink()
    for name in ("harness", "reference_models"):
        for copy in (root / "source" / name, site / name):
            shutil.copytree(ROOT / name, copy, ignore=shutil.ignore_patterns("__pycache__"))
    return python


@pytest.fixture(scope="module")
def graded():
    root = Path(tempfile.mkdtemp(prefix="harness-layout-"))
    root.chmod(0o755)
    try:
        python = _two_copies(root)
        subs = root / "submissions"
        for name in ("hash_every_file", "honest_tiny"):
            shutil.copytree(HOSTILE / name, subs / name)
        (subs / "hash_every_file" / "targets.json").write_text(
            json.dumps({"hashes": _label_hashes()})
        )
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        done = subprocess.run(
            [
                str(python),
                "-m",
                "harness",
                "grade",
                str(subs),
                "--datasets",
                "fashion_mnist",
                "--max-batches",
                "5",
                "--out",
                str(root / "out"),
            ],
            cwd=root / "source",
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
        )
        assert (root / "out" / "results.json").exists(), done.stdout[-3000:] + done.stderr[-3000:]
        records = json.loads((root / "out" / "results.json").read_text())
        yield {r["submission"]: r for r in records}, root
    finally:
        shutil.rmtree(root, ignore_errors=True)


def test_the_installed_copy_is_visible_and_runs_the_source(graded):
    records, root = graded
    assert records["honest_tiny"]["isolation"] == "bubblewrap"
    assert records["honest_tiny"]["status"] == "passed", records["honest_tiny"]["output"][-3000:]


def test_no_label_file_anywhere_in_the_sandbox(graded):
    records, _ = graded
    reason = records["hash_every_file"]["reason"]
    assert "LookupError: no labels in any of" in reason, reason
