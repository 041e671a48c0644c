"""Shared test configuration: one framework per pytest process, GPU tests skipped cleanly."""

from __future__ import annotations

import pytest

FRAMEWORK_MARKERS = ("torch", "tensorflow", "jax")


@pytest.hookimpl(trylast=True)  # after -m and -k have deselected what will not run
def pytest_collection_modifyitems(config, items):
    """Refuse a session that would import two frameworks into this one process."""
    used = {m for item in items for m in FRAMEWORK_MARKERS if item.get_closest_marker(m)}
    if len(used) > 1:
        raise pytest.UsageError(
            f"this run selects tests of {sorted(used)}: run one framework per process, "
            "e.g. `pytest -m torch` (nox -s tests does this)")


def _cuda_visible() -> bool:
    import shutil
    import subprocess

    if not shutil.which("nvidia-smi"):
        return False
    return subprocess.run(["nvidia-smi", "-L"], capture_output=True).returncode == 0


def pytest_runtest_setup(item):
    if item.get_closest_marker("gpu") and not _cuda_visible():
        pytest.skip("no CUDA GPU on this machine")
