"""What a test needs from the machine, and what CI declares it must have.

A test that needs something a machine may lack says so: ``@pytest.mark.needs("bubblewrap")``
on a test or module, or ``require("bubblewrap")`` inside a test or at a module's top. Where
the thing is missing the test is skipped with the reason, unless ``HARNESS_CI_REQUIRE``
(a comma-separated list of the names below, set by ``.ci/run``) names it: then the test
fails with the reason, so CI cannot pass without what it is there to test.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import shutil

import pytest
from project_paths import DEBIAN_FASHION_MNIST

REQUIRE_VARIABLE = "HARNESS_CI_REQUIRE"


def _bubblewrap() -> str | None:
    from harness.sandbox.process import bubblewrap_available

    if bubblewrap_available():
        return None
    return (
        "bubblewrap cannot start a sandbox here (install bubblewrap, allow unprivileged "
        "user namespaces, leave HARNESS_NO_BWRAP unset)"
    )


def _cgroup() -> str | None:
    """A run cgroup with memory and cpuset limits can be made here (root, a writable
    cgroup file system with those controllers)."""
    from harness.sandbox.cgroup import CgroupUnavailable, open_run_cgroup

    try:
        group = open_run_cgroup(64 << 20, ())
    except CgroupUnavailable as exc:
        return f"no cgroup can be made for a run here ({exc}); run as root with cgroups"
    limited = group.limited
    group.remove()
    lacking = {"memory", "cpuset"} - set(limited)
    return f"the run cgroup lacks {', '.join(sorted(lacking))}" if lacking else None


def _fashion_mnist() -> str | None:
    if (DEBIAN_FASHION_MNIST / "train-images-idx3-ubyte.gz").is_file():
        return None
    return f"the real Fashion-MNIST is not in {DEBIAN_FASHION_MNIST} (apt dataset-fashion-mnist)"


def _container_cgroup() -> str | None:
    from container_cgroup import missing as container_missing

    return container_missing()


def _chromium() -> str | None:
    return None if chromium_path() else "chromium is not installed (apt chromium)"


def _modules(*names: str, extra: str) -> str | None:
    lacking = [name for name in names if importlib.util.find_spec(name) is None]
    return f"{', '.join(lacking)} not importable (pip install '.[{extra}]')" if lacking else None


PROBES = {  # name -> a function giving why it is missing, or None
    "bubblewrap": _bubblewrap,
    "fashion_mnist": _fashion_mnist,
    "chromium": _chromium,
    # a container's limits (memory, CPU quota) as a cgroup: tests/container_cgroup.py
    "container_cgroup": _container_cgroup,
    "pyyaml": lambda: _modules("yaml", extra="test"),
    "matplotlib": lambda: _modules("matplotlib", extra="report"),
    "quickjs": lambda: _modules("quickjs", extra="javascript"),  # index.js submissions
    "ray": lambda: _modules("ray", extra="cluster"),  # grade --cluster
    "torch": lambda: _modules("torch", extra="torch"),
    "tensorflow": lambda: _modules("tensorflow", extra="tensorflow"),
    "jax": lambda: _modules("jax", "flax", "optax", extra="jax"),
    "cgroup": _cgroup,  # a run cgroup bounding memory and cores (root, cgroup v1 or v2)
}


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@functools.cache
def missing(name: str) -> str | None:
    """Why ``name`` is missing on this machine, or None when it is here."""
    if name not in PROBES:
        raise pytest.UsageError(f"unknown need {name!r}; known: {', '.join(PROBES)}")
    return PROBES[name]()


def required() -> tuple[str, ...]:
    """The names ``HARNESS_CI_REQUIRE`` declares; an unknown one is a usage error."""
    names = tuple(n.strip() for n in os.environ.get(REQUIRE_VARIABLE, "").split(",") if n.strip())
    unknown = [n for n in names if n not in PROBES]
    if unknown:
        raise pytest.UsageError(
            f"{REQUIRE_VARIABLE}: unknown name(s) {', '.join(unknown)}; "
            f"expected some of {', '.join(PROBES)}"
        )
    return names


def skip_prefix(name: str) -> str:
    """How the reason of a skip for a missing ``name`` begins."""
    return f"needs {name}: "


def require(name: str) -> None:
    """Skip the calling test (or module) where ``name`` is missing; fail if CI requires it."""
    reason = missing(name)
    if reason is None:
        return
    if name in required():
        pytest.fail(f"{REQUIRE_VARIABLE} requires {name}: {reason}", pytrace=False)
    pytest.skip(skip_prefix(name) + reason, allow_module_level=True)
