"""Shared test configuration: one framework per pytest process, GPU tests skipped cleanly."""

from __future__ import annotations

import re
import sys

import pytest
from tiers import FRAMEWORKS as FRAMEWORK_MARKERS

# A test module that imports a framework names it in its file name (test_worker_jax.py):
# collecting a module imports it, so modules of other frameworks must not even be collected.
FRAMEWORK_IN_NAME = re.compile(r"(?:^|_)(" + "|".join(FRAMEWORK_MARKERS) + r")(?:_|$)")


def _selected_group(config) -> str | None:
    """The framework a ``-m`` expression selects, "none" for the neutral group, else None."""
    words = re.findall(r"\w+", config.getoption("markexpr") or "")
    named = [w for w in words if w in FRAMEWORK_MARKERS]
    if set(named) == set(FRAMEWORK_MARKERS) and "not" in words:
        return "none"
    if len(set(named)) == 1 and "not" not in words[:words.index(named[0])]:
        return named[0]
    return None


def pytest_ignore_collect(collection_path, config):
    group = _selected_group(config)
    found = FRAMEWORK_IN_NAME.search(collection_path.stem.removeprefix("test_"))
    if group is None or found is None or collection_path.suffix != ".py":
        return None
    return True if found.group(1) != group else None


def pytest_collection_finish(session):
    loaded = [m for m in FRAMEWORK_MARKERS if sys.modules.get(m) is not None]
    expected = _selected_group(session.config)
    if expected is not None and set(loaded) - {expected}:
        raise pytest.UsageError(f"collecting the {expected!r} group imported {loaded}: a test "
                                "module imports a framework its file name does not say")


@pytest.hookimpl(trylast=True)  # after -m and -k have deselected what will not run
def pytest_collection_modifyitems(config, items):
    """Refuse a session that would import two frameworks into this one process."""
    used = {m for item in items for m in FRAMEWORK_MARKERS if item.get_closest_marker(m)}
    if len(used) > 1:
        raise pytest.UsageError(
            f"this run selects tests of {sorted(used)}: run one framework per process, "
            "e.g. `pytest -m torch` (nox -s tests does this)")


def _cuda_visible() -> bool:
    from harness.host import gpu_names

    return bool(gpu_names())


def pytest_runtest_setup(item):
    if item.get_closest_marker("gpu") and not _cuda_visible():
        pytest.skip("no CUDA GPU on this machine")
