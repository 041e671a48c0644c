"""Finding the student's file in a Gradescope upload and copying its folder, links unfollowed."""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

from harness.submission.load import SUBMISSION_FILES  # the first found wins, as in discovery

MAX_DEPTH = 8  # folders below the upload searched; an upload is a file or a folder or two


def find_upload(root: Path) -> Path | None:
    """The first ``index.py`` (else ``index.js``, else ``model.json``) under ``root``,
    shallowest then by path; only regular files count: a link named index.py is not
    followed."""
    for name in SUBMISSION_FILES:
        found = sorted(_regular_files(root, name, 0), key=lambda p: (len(p.parts), str(p)))
        if found:
            return found[0]
    return None


def _regular_files(folder: Path, name: str, depth: int):
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        if entry.is_dir(follow_symlinks=False) and depth < MAX_DEPTH:
            yield from _regular_files(Path(entry.path), name, depth + 1)
        elif entry.name == name and stat.S_ISREG(entry.stat(follow_symlinks=False).st_mode):
            yield Path(entry.path)


def copy_upload(folder: Path, target: Path) -> None:
    """Copy the submission's folder; links are copied as links, never followed (the
    harness then refuses or ignores them as it does in any submission folder)."""
    shutil.copytree(folder, target, symlinks=True)
