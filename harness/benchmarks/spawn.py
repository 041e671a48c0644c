"""Run one benchmark child process and read its one JSON line.

Children inherit this interpreter and the repository root on ``PYTHONPATH``; their stdout
is only trusted for its last line, and a failure becomes ``{"error": ...}`` with the tail
of stderr, so one broken run never ends the benchmark.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from harness.names import PACKAGE_ROOT

REPO_ROOT = PACKAGE_ROOT.parent  # where harness and reference_models are importable from
CHILD_MODULE = "harness.benchmarks.child"
ERROR_TAIL = 1500  # characters of stderr kept with a failed run


def child_command(options: dict) -> list[str]:
    """``python -m harness.benchmarks.child`` with ``--key value`` per option (True: flag)."""
    argv = [sys.executable, "-m", CHILD_MODULE]
    for key, value in options.items():
        if value is None or value is False:
            continue
        argv.append("--" + key.replace("_", "-"))
        if value is not True:
            argv.append(str(value))
    return argv


def child_env() -> dict[str, str]:
    """The environment of every process a benchmark starts: this one's, with one CPU thread
    per run unless ``OMP_NUM_THREADS`` is set, as ``grade`` runs them (torch's pool
    collapses on a CPU that anything else uses). The benchmark's own environment is left
    as it is."""
    env = dict(os.environ)
    env.setdefault("OMP_NUM_THREADS", "1")
    return env


def _environment() -> dict:
    env = child_env()
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    return env


def last_json_line(stdout: str) -> dict | None:
    for line in reversed(stdout.strip().splitlines()):
        if line.startswith("{"):
            try:
                return json.loads(line)
            except json.JSONDecodeError:
                return None
    return None


def run_child(options: dict, timeout: float | None = None) -> dict:
    """One child run; ``options`` are the child's flags (see ``child.build_parser``)."""
    label = {
        k: options.get(k)
        for k in ("framework", "runner", "dataset", "model", "submission")
        if options.get(k)
    }
    try:
        done = subprocess.run(
            child_command(options),
            capture_output=True,
            text=True,
            timeout=timeout,
            env=_environment(),
            cwd=REPO_ROOT,
        )
    except subprocess.TimeoutExpired:
        return {**label, "error": f"timed out after {timeout:.0f} s"}
    result = last_json_line(done.stdout) if done.returncode == 0 else None
    if result is None:
        tail = (done.stderr or done.stdout)[-ERROR_TAIL:]
        return {**label, "error": f"exit status {done.returncode}: {tail}"}
    return result
