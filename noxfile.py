"""Sessions staff run: ``nox -s tests`` (default), ``grade``, ``benchmark``, ``lint``, ``types``.

Framework pins come from the environment so a GPU server can pick CUDA builds:
``HARNESS_TORCH_SPEC`` (default ``torch==2.13.0``, the CPU build), ``HARNESS_TENSORFLOW_SPEC``
(default ``tensorflow-cpu``) and ``HARNESS_JAX_SPEC`` (default ``jax``; ``jax[cuda12]`` on a GPU).
"""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path

import nox
from nox.command import CommandFailed

nox.options.sessions = ["tests"]
nox.options.reuse_existing_virtualenvs = True

TORCH_SPEC = os.environ.get("HARNESS_TORCH_SPEC", "torch==2.13.0")
TENSORFLOW_SPEC = os.environ.get("HARNESS_TENSORFLOW_SPEC", "tensorflow-cpu")
JAX_SPEC = os.environ.get("HARNESS_JAX_SPEC", "jax")

# Test groups (one pytest process per framework) and tiers are defined once, in tests/tiers.py.
sys.path[:0] = [str(Path(__file__).parent), str(Path(__file__).parent / "tests")]
import tiers  # noqa: E402


def _install(session: nox.Session) -> None:
    # A spec may carry pip options, e.g. "torch==2.13.0 --index-url URL" for a CUDA build.
    specs = [arg for spec in (TORCH_SPEC, TENSORFLOW_SPEC, JAX_SPEC) for arg in shlex.split(spec)]
    session.install(*specs, "flax", "optax")
    session.install("-e", ".[report,test,javascript,cluster]")


def _run_tier(session: nox.Session, tier: str) -> None:
    """Every group of one tier, each in its own pytest process; fail listing the failed."""
    _install(session)
    failed = []
    for group in tiers.GROUPS:
        session.log(f"pytest group {group}, tier {tier}")
        try:  # every group runs, so one report shows every failure
            session.run("pytest", "-m", tiers.marker_expression(group, tier), *session.posargs)
        except CommandFailed:
            failed.append(group)
    if failed:  # pytest's exit code 5 (no tests collected) lands here too
        session.error(f"pytest failed for group(s): {', '.join(failed)}")


@nox.session
def tests(session: nox.Session) -> None:
    """The harness's own tests, CI tier: unit, parity, sandbox, short real training."""
    _run_tier(session, "ci")


@nox.session
def tests_slow(session: nox.Session) -> None:
    """Long accuracy runs on real data (minutes each); not part of CI."""
    _run_tier(session, "slow")


@nox.session
def tests_gpu(session: nox.Session) -> None:
    """The CUDA paths; their tests skip where no GPU is visible."""
    _run_tier(session, "gpu")


@nox.session
def grade(session: nox.Session) -> None:
    """Grade the submissions under submissions/ into grades/ (bundled data when offline)."""
    _install(session)
    session.run("python", "-m", "harness", "grade", *(session.posargs or ["submissions"]))


@nox.session
def benchmark(session: nox.Session) -> None:
    """Every benchmark suite (frameworks, adapters, experiments, graded-run cost, the class
    at --jobs 1 and every core, data loading); the class runs at full budget: long."""
    _install(session)
    args = session.posargs or ["--suite", "all", "--out", "benchmark"]
    session.run("python", "-m", "harness", "benchmark", *args)


LINTED = ("harness", "reference_models", "tests", "noxfile.py")


@nox.session
def lint(session: nox.Session) -> None:
    """ruff's checks and its format check (the tree is kept as ``ruff format`` writes it)."""
    session.install("ruff")
    session.run("ruff", "check", *LINTED)
    session.run("ruff", "format", "--check", *LINTED)


@nox.session
def types(session: nox.Session) -> None:
    """mypy over harness/ ([tool.mypy] in pyproject.toml); frameworks are not installed, so
    their modules are typed Any and the session stays small."""
    session.install("mypy", "numpy", "pytest")
    session.run("mypy")
