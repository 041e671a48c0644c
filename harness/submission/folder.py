"""A submission folder's size and depth, measured before anything in it is read or parsed.

The walk is iterative and stops as soon as a limit is passed, so neither a huge folder nor
a chain of thousands of nested folders costs more than the limit to look at.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from harness.untrusted import MAX_DEPTH, MAX_ENTRIES


def folder_size(folder: Path) -> int | None:
    """Bytes of the files in a submission folder (None when it is beyond the walk's
    limits; such a folder was refused at planning)."""
    total = 0
    for _, size in _walk(Path(folder)):
        if size is None:
            return None
        total += size
    return total


def _walk(folder: Path):
    """(path, size) of every entry, iteratively; (problem, None) once a limit is passed."""
    entries, todo = 0, [(folder, 0)]
    while todo:
        current, depth = todo.pop()
        if depth > MAX_DEPTH:
            yield f"submission folder nests deeper than {MAX_DEPTH} folders", None
            return
        try:
            children = list(os.scandir(current))
        except OSError as exc:
            yield f"submission folder unreadable: {exc.strerror} ({current})", None
            return
        entries += len(children)
        if entries > MAX_ENTRIES:
            yield f"submission folder holds more than {MAX_ENTRIES} files and folders", None
            return
        for child in children:
            info = child.stat(follow_symlinks=False)
            if stat.S_ISDIR(info.st_mode):
                todo.append((Path(child.path), depth + 1))
            yield child.path, info.st_size


def folder_problem(folder: Path, max_bytes: int) -> str:
    """Why ``folder`` is refused unread ("" when it is within the limits). Links are
    counted, never followed."""
    total = 0
    for path, size in _walk(Path(folder)):
        if size is None:
            return path
        total += size
        if total > max_bytes:
            return (
                f"submission folder is larger than the limit of {max_bytes >> 10} KiB "
                "(max_submission_kib in assignment.toml); hand in index.py and only "
                "the small files it needs"
            )
    return ""
