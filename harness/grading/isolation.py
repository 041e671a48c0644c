"""How a grading's student code will run, decided once, before any data is loaded.

The best sandbox the machine has (:func:`harness.sandbox.modes.sandbox_mode`). Where there
is none, grading is refused with how to get one, except when the user passed
``--allow-unisolated``, or when every submission is one of the project's own examples
(``submissions/`` of this checkout: code the project ships, so that ``nox -s grade`` works
on a fresh machine without bubblewrap), and then with a loud notice. Either way every
record and the summary say the runs were not isolated, and why that was accepted.
"""

from __future__ import annotations

import sys
from pathlib import Path

from harness.names import PACKAGE_ROOT
from harness.sandbox.modes import SandboxUnavailable, sandbox_mode, unavailable_message

EXAMPLES_ROOT = PACKAGE_ROOT.parent / "submissions"  # the project's own example submissions
FLAG = "--allow-unisolated"
BANNER = "!" * 78


def project_examples(paths: list[Path]) -> bool:
    """Whether every path is (once its links are resolved) one of the project's own examples."""
    return EXAMPLES_ROOT.is_dir() and all(
        Path(p).resolve().is_relative_to(EXAMPLES_ROOT.resolve()) for p in paths
    )


def decide_isolation(paths: list[Path], data_dir, allow_unisolated: bool) -> tuple[str, str]:
    """(mode, why unisolated runs are accepted or ""); raises SandboxUnavailable.

    The flag is kept even where this machine has a sandbox: a cluster node without one
    runs unisolated only when the user accepted it (:mod:`harness.cluster.node`)."""
    mode = sandbox_mode(data_dir)
    if mode is not None:
        return mode, FLAG if allow_unisolated else ""
    if allow_unisolated:
        why = FLAG
    elif project_examples(paths):
        why = "project examples"
    else:
        raise SandboxUnavailable(unavailable_message(data_dir, FLAG))
    print(
        f"{BANNER}\nWARNING: student code runs UNISOLATED ({why}).\n"
        f"{unavailable_message(data_dir, FLAG)}\n{BANNER}",
        file=sys.stderr,
    )
    return "none", why
