"""How a grading's student code will run, decided once, before any data is loaded.

The best sandbox the machine has (:func:`harness.sandbox.modes.sandbox_mode`). Where there
is none, grading is refused with how to get one, except when the user passed
``--allow-unisolated``, or when every submission is one of the project's own examples
(code the project ships, so that ``nox -s grade`` works on a fresh machine without
bubblewrap), and then with a loud notice. Either way every record and the summary say the
runs were not isolated, and why that was accepted.

An example is known by its content, not by where it sits: a folder of this checkout's
``submissions/`` named in :data:`MANIFEST` whose :func:`harness.hashing.folder_hash` is
the one recorded there. A class copied into ``submissions/``, or an example a student
edited, is student code like any other.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from harness.hashing import folder_hash
from harness.names import PACKAGE_ROOT
from harness.sandbox.modes import SandboxUnavailable, sandbox_mode, unavailable_message

EXAMPLES_ROOT = PACKAGE_ROOT.parent / "submissions"  # the project's own example submissions
MANIFEST = "EXAMPLES.json"  # in EXAMPLES_ROOT: {example folder: its folder_hash}
FLAG = "--allow-unisolated"
BANNER = "!" * 78


def project_examples(paths: list[Path]) -> bool:
    """Whether every path (a submission folder or a file in one, links resolved) is one of
    the project's own examples, as :data:`MANIFEST` records them."""
    recorded = _recorded_hashes()
    return bool(recorded) and all(_is_example(Path(p), recorded) for p in paths)


def _is_example(path: Path, recorded: dict[str, str]) -> bool:
    root = EXAMPLES_ROOT.resolve()
    resolved = path.resolve()
    if not resolved.is_relative_to(root) or resolved == root:
        return False
    folder = root / resolved.relative_to(root).parts[0]
    return recorded.get(folder.name) == folder_hash(folder)


def _recorded_hashes() -> dict[str, str]:
    try:
        recorded = json.loads((EXAMPLES_ROOT / MANIFEST).read_text())
    except (OSError, ValueError):
        return {}
    return recorded if isinstance(recorded, dict) else {}


def example_hashes() -> dict[str, str]:
    """{folder: folder_hash} of every example folder in :data:`EXAMPLES_ROOT`: what
    :data:`MANIFEST` must hold (``tests/grading/test_grade_isolation.py`` checks it)."""
    folders = sorted(p for p in EXAMPLES_ROOT.iterdir() if p.is_dir())
    return {folder.name: folder_hash(folder) for folder in folders}


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
