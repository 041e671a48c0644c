"""``python -m harness grade`` as the tests run it: on a slice of real Fashion-MNIST written
with :func:`data_fixtures.write_fashion_slice`, one thread per run, from the repository."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from project_paths import ROOT


def grade_slice(
    submissions, data: Path, out: Path, *options: str, timeout: int = 900, **run
) -> subprocess.CompletedProcess:
    """Grade ``submissions`` on the slice in ``data`` into ``out`` with further ``options``
    (``--max-batches`` and the like); ``run`` goes to :func:`subprocess.run`."""
    argv = [sys.executable, "-m", "harness", "grade", *map(str, submissions)]
    argv += ["--datasets", "fashion_mnist", "--data-dir", str(data), "--allow-unverified"]
    argv += ["--out", str(out), *options]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    return subprocess.run(
        argv, cwd=ROOT, capture_output=True, text=True, timeout=timeout, env=env, **run
    )


def records_by_submission(out: Path) -> dict[str, dict]:
    """``out/results.json`` keyed by submission name."""
    return {r["submission"]: r for r in json.loads((out / "results.json").read_text())}
