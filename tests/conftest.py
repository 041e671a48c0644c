"""Shared test configuration: one framework per pytest process, GPU tests skipped cleanly,
and under ``HARNESS_CI_REQUIRE`` no other skip (see ``tests/needs.py``)."""

from __future__ import annotations

import os
import re
import sys

import needs
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
    if len(set(named)) == 1 and "not" not in words[: words.index(named[0])]:
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
        raise pytest.UsageError(
            f"collecting the {expected!r} group imported {loaded}: a test "
            "module imports a framework its file name does not say"
        )


@pytest.hookimpl(trylast=True)  # after -m and -k have deselected what will not run
def pytest_collection_modifyitems(config, items):
    """Refuse a session that would import two frameworks into this one process."""
    used = {m for item in items for m in FRAMEWORK_MARKERS if item.get_closest_marker(m)}
    if len(used) > 1:
        raise pytest.UsageError(
            f"this run selects tests of {sorted(used)}: run one framework per process, "
            "e.g. `pytest -m torch` (nox -s tests does this)"
        )


def _cuda_visible() -> bool:
    from harness.host import gpu_names

    return bool(gpu_names())


def pytest_configure(config):
    needs.required()  # an unknown name in HARNESS_CI_REQUIRE stops the run at once


def pytest_report_header(config):
    declared = needs.required()
    if declared:
        return f"{needs.REQUIRE_VARIABLE}: {', '.join(declared)} (missing ones fail, not skip)"
    return None


def pytest_runtest_setup(item):
    if item.get_closest_marker("gpu") and not _cuda_visible():
        pytest.skip(GPU_SKIP)
    for mark in item.iter_markers("needs"):
        for name in mark.args:
            needs.require(name)


GPU_SKIP = "no CUDA GPU on this machine"


def _undeclared_skip(report) -> str | None:
    """The reason of a skip CI does not allow: not a GPU test's, not an optional need's."""
    if not report.skipped or hasattr(report, "wasxfail") or not needs.required():
        return None
    reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
    reason = reason.removeprefix("Skipped: ")
    allowed = reason == GPU_SKIP or any(
        reason.startswith(needs.skip_prefix(name)) for name in needs.PROBES
    )
    return None if allowed else reason


def _fail_undeclared_skip(report) -> None:
    reason = _undeclared_skip(report)
    if reason is not None:
        report.outcome = "failed"
        report.longrepr = (
            f"skipped under {needs.REQUIRE_VARIABLE}, where only GPU tests and "
            f"needs it does not list may skip: {reason}"
        )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.skipped and isinstance(report.longrepr, tuple):  # name the test, not needs.py
        report.longrepr = (item.location[0], (item.location[1] or 0) + 1, report.longrepr[2])
    _fail_undeclared_skip(report)
    return report


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector):
    report = yield
    _fail_undeclared_skip(report)
    return report


def pytest_terminal_summary(terminalreporter):
    """Under CI's declaration, say what was required and why anything skipped."""
    declared = needs.required()
    if not declared:
        return
    absent = [name for name in declared if needs.missing(name)]
    skips = terminalreporter.stats.get("skipped", [])
    gpu = sum(1 for report in skips if "gpu" in getattr(report, "keywords", {}))
    terminalreporter.write_line(
        f"{needs.REQUIRE_VARIABLE}: {len(declared) - len(absent)} of {len(declared)} present"
        + (f", MISSING {', '.join(absent)}" if absent else "")
        + f"; {len(skips)} skipped, {gpu} of them GPU tests"
    )


# Set once per process when the TensorFlow adapter is first imported, whichever test that is.
SET_ON_IMPORT = {"TF_CPP_MIN_LOG_LEVEL"}


def _settings_runs_read() -> dict[str, str]:
    """The variables the harness reads or hands to a worker (frameworks set others of their
    own when first imported, which is no test's doing)."""
    from harness.worker.parent import PASSED_ENV

    return {
        k: v
        for k, v in os.environ.items()
        if (k.startswith("HARNESS_") or k in PASSED_ENV) and k not in SET_ON_IMPORT
    }


@pytest.fixture(autouse=True)
def _environment_left_as_found():
    """A test that changes a setting runs read must undo it (monkeypatch does): later tests,
    and the worker processes they start, would inherit the change."""
    before = _settings_runs_read()
    yield
    after = _settings_runs_read()
    changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    if changed:
        for name in changed:  # put back, so the failure stays with this test alone
            if name in before:
                os.environ[name] = before[name]
            else:
                del os.environ[name]
        pytest.fail(f"the test left environment variable(s) changed: {', '.join(changed)}")
