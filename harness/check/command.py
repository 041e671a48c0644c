"""``python -m harness check PATH``: would this submission be accepted for grading?

This process never imports student code or a framework. It reads the file's syntax tree
to learn its form, then starts ``python -m harness.check.child`` children in the sandbox,
one per submission and framework (a Model Builder ``LAYERS`` file is built in torch,
tensorflow and jax, or in the one named with ``--framework``; a code-form file in its own
FRAMEWORK), so that no two students' code ever shares a process. Each child builds the
model for every input shape the assignment grades on (28x28x1 for mnist and fashion_mnist,
32x32x3 for cifar10; ``--dataset`` picks one) and runs one forward and backward pass on a
random batch. The data is never loaded and nothing is trained.

Exit status 0 when every submission checked would be accepted, 1 otherwise.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from harness.adapters import installed_frameworks
from harness.check.report import merge, render
from harness.config import default_assignment_path, load_assignment
from harness.errors import SubmissionError
from harness.names import FRAMEWORKS
from harness.sandbox.modes import require_sandbox
from harness.sandbox.process import Limits, failure_reason, run_isolated
from harness.sinks import json_text, terminal
from harness.submission.load import discover, peek
from harness.untrusted import read_regular

CHILD_SECONDS = 180  # framework import and a first build on a busy 2-core machine
CHILD_SECONDS_PER_SUBMISSION = 30
CHILD_MEMORY_BYTES = 8 << 30  # a framework, one model and a batch; far below this
DESCRIBE_BYTES = 16 << 20  # what one check child may write back


def _run_child(
    argv: list[str], scratch: Path, readable: list[Path], timeout: float, isolate: bool = True
):
    """Run one child in the grading sandbox: only its submission and scratch are visible."""
    limits = Limits(wall_seconds=timeout, memory_bytes=CHILD_MEMORY_BYTES)
    return run_isolated(
        argv, scratch_dir=scratch, readonly_paths=readable, limits=limits, isolate=isolate
    )


def children_to_start(
    paths, framework: str | None
) -> tuple[list[tuple[str, str]], dict[str, list[str]]]:
    """Children to start, one per (framework or "auto", submission): one student's code
    never shares a process with another's; and the problems found already."""
    jobs: list[tuple[str, str]] = []
    early: dict[str, list[str]] = {}
    for path in map(str, paths):
        try:
            form, declared = peek(Path(path))
        except SubmissionError as exc:
            early[path] = exc.problems
            continue
        if form == "layers":
            jobs += [(name, path) for name in ([framework] if framework else _layer_frameworks())]
        elif form == "code" and declared in FRAMEWORKS:
            jobs.append((framework or declared, path))
        else:  # FRAMEWORK computed or missing: the child loads it and reports
            jobs.append(("auto", path))
    return jobs, early


def _layer_frameworks() -> list[str]:
    """Where a layer list is checked without ``--framework``: every framework installed
    here (all three where none is, so that each check says what is missing)."""
    return installed_frameworks() or list(FRAMEWORKS)


def _described(out: Path):
    """What the child wrote (it ran student code), or why it is unusable ("" when absent):
    a regular file of bounded size, strict JSON (a NaN would make ``--json`` invalid)."""

    def refuse(constant):
        raise ValueError(f"{constant} is not a JSON number")

    try:
        raw = read_regular(out, DESCRIBE_BYTES)
    except FileNotFoundError:
        return ""
    except OSError as exc:
        return f"left an unusable describe.json ({exc})"
    try:
        return json.loads(raw, parse_constant=refuse)
    except ValueError as exc:
        return f"wrote describe.json that is not strict JSON ({exc})"


def _not_installed_note(framework: str | None) -> str | None:
    """The line saying which frameworks a layer list was not checked in, or None."""
    missing = [name for name in FRAMEWORKS if name not in _layer_frameworks()]
    if framework or not missing:
        return None
    return (
        f"note: layer lists not checked in {', '.join(missing)}: not installed here "
        f"(pip install 'cnn-harness[{','.join(missing)}]'); grading builds them in the "
        "assignment's builder frameworks"
    )


def _child(
    framework: str, path: str, datasets, assignment: str | None, isolate: bool
) -> list[dict]:
    """Run one describe child; a crash or timeout becomes a problem of the submission."""
    assignment = str(Path(assignment or default_assignment_path()).resolve())
    with tempfile.TemporaryDirectory(prefix="harness-check-") as scratch:
        argv = [
            sys.executable,
            "-m",
            "harness.check.child",
            "--framework",
            framework,
            "--out",
            "describe.json",
            *[f"--dataset={d}" for d in datasets],
            "--assignment",
            assignment,
            path,
        ]
        readable = [Path(path).parent.resolve(), Path(assignment)]  # a linked file not followed
        timeout = CHILD_SECONDS + CHILD_SECONDS_PER_SUBMISSION
        done = _run_child(argv, Path(scratch), readable, timeout, isolate)
        described = _described(Path(scratch) / "describe.json")
        if not isinstance(described, str):
            return described
        reason = (
            described
            or failure_reason(done, Limits(timeout, CHILD_MEMORY_BYTES))
            or (f"exited with status {done.returncode}: {done.stderr.strip()[-1500:]}")
        )
    return [
        {
            "path": path,
            "framework": framework,
            "inputs": [],
            "problems": [f"the {framework} check process {reason}"],
        }
    ]


def check_paths(
    paths,
    framework: str | None = None,
    datasets=None,
    assignment: str | None = None,
    allow_unisolated: bool = False,
) -> list[dict]:
    """One report per submission (see :func:`harness.check.report.merge`); refuses
    (:class:`~harness.sandbox.modes.SandboxUnavailable`) where no sandbox works unless
    ``allow_unisolated``."""
    isolate = require_sandbox(allow_unisolated=allow_unisolated) != "none"
    datasets = list(datasets or load_assignment(assignment).datasets)
    jobs, early = children_to_start(paths, framework)
    workers = max(1, min(len(jobs), os.cpu_count() or 1))
    with ThreadPoolExecutor(workers) as pool:
        done = pool.map(lambda job: _child(job[0], job[1], datasets, assignment, isolate), jobs)
        results = [result for batch in done for result in batch]
    return [
        merge(str(p), early.get(str(p)), [r for r in results if r["path"] == str(p)]) for p in paths
    ]


def check_command(args) -> int:
    """Entry point of ``python -m harness check`` (see :mod:`harness.cli`)."""
    paths = discover([args.path])
    if not paths:
        raise SubmissionError(
            args.path, ["expected a folder holding index.py or index.js, found none"]
        )
    datasets = [args.dataset] if args.dataset else None
    reports = check_paths(
        paths, args.framework, datasets, args.assignment, getattr(args, "allow_unisolated", False)
    )
    accepted = all(report["accepted"] for report in reports)
    note = _not_installed_note(args.framework)
    if note:
        print(note, file=sys.stderr)
    if args.json:
        print(json_text({"accepted": accepted, "submissions": reports}, indent=2))
    else:
        print(terminal(render(reports), keep_newlines=True))
    return 0 if accepted else 1
