"""What the head sends to a node: a submission's files as bytes, a dataset's worker inputs.

No shared filesystem is assumed. A submission travels as ``{relative path: bytes}`` of the
regular files in its folder (links are not followed: one could point at the labels). A
dataset travels as one object, put into Ray's object store once per grading and shared by
every task: its :class:`harness.worker.stream.RunInputs` (training images and labels,
validation and test images). The validation and test labels are never part of it; the head
keeps them.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from harness.errors import SubmissionError
from harness.untrusted import read_regular

SUBMISSION_BYTES = 64 << 20  # largest submission folder sent to a node


def _regular_files(folder: Path):
    for root, dirs, files in os.walk(folder, followlinks=False):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        for name in files:
            path = Path(root) / name
            if stat.S_ISREG(os.lstat(path).st_mode):
                yield path


def submission_files(index_py: str | Path) -> dict[str, bytes]:
    """The regular files of the submission's folder, by path relative to it."""
    folder = Path(os.path.abspath(index_py)).parent  # links not followed, as at planning
    files, total = {}, 0
    for path in _regular_files(folder):
        total += os.lstat(path).st_size
        if total > SUBMISSION_BYTES:
            raise SubmissionError(
                folder,
                [f"folder: expected at most {SUBMISSION_BYTES} bytes of files, received more"],
            )
        files[path.relative_to(folder).as_posix()] = read_regular(path, SUBMISSION_BYTES)
    return files


def write_files(folder: Path, files: dict[str, bytes]) -> None:
    """Node side: lay ``files`` out under ``folder``, readable by the sandbox's uid."""
    folder.mkdir(parents=True, exist_ok=True)
    root = folder.resolve()
    for relative, data in files.items():
        target = (root / relative).resolve()
        if not target.is_relative_to(root) or target == root:
            raise ValueError(f"submission file outside its folder: {relative!r}")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        target.chmod(0o644)
    for path in [root, *(p for p in root.rglob("*") if p.is_dir())]:
        path.chmod(0o755)
