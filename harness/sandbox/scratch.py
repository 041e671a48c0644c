"""A run's scratch folder on the host disk: how much it holds, and removing it whatever
the run left there (a chain of thousands of nested folders, folders it closed to us).

Both walk without recursion and with short paths only, so neither Python's recursion
limit nor the kernel's path length limit can stop them.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path


def folder_bytes(root: Path, stop_above: int) -> int:
    """Bytes of the files under ``root``; stops counting once past ``stop_above``."""
    total, todo = 0, [os.fspath(root)]
    while todo:
        try:
            entries = list(os.scandir(todo.pop()))
        except OSError:
            continue  # too deep for a path, or closed: the watchdog looks again later
        for entry in entries:
            try:
                if entry.is_dir(follow_symlinks=False):
                    todo.append(entry.path)
                else:
                    total += entry.stat(follow_symlinks=False).st_blocks * 512
            except OSError:
                pass
            if total > stop_above:
                return total
    return total


def remove_tree(root: Path) -> str:
    """Delete ``root`` and all it holds; returns "" or why it could not (never raises).

    Each pass lifts the contents of every sub-folder up into ``root`` under a fresh
    name and deletes what is left, so paths stay two levels deep however deep the tree.
    """
    top, prefix = os.fspath(root), f".harness-rm-{secrets.token_hex(4)}-"
    count = 0
    try:
        while entries := list(os.scandir(top)):
            for entry in entries:
                if not entry.is_dir(follow_symlinks=False):
                    os.unlink(entry.path)
                    continue
                os.chmod(entry.path, 0o700, follow_symlinks=False)
                for inner in list(os.scandir(entry.path)):
                    os.rename(inner.path, os.path.join(top, f"{prefix}{count}"))
                    count += 1
                os.rmdir(entry.path)
        os.rmdir(top)
    except OSError as exc:
        return f"could not remove the run's scratch folder {top}: {exc}"
    return ""


def owned_entries(folders: tuple[str, ...], uid: int) -> Iterator[os.DirEntry]:
    """The entries at the top of ``folders`` that ``uid`` owns (links not followed)."""
    for folder in folders:
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            try:
                if entry.stat(follow_symlinks=False).st_uid == uid:
                    yield entry
            except OSError:
                continue


def remove_owned(folders: tuple[str, ...], uid: int) -> None:
    """Delete what ``uid`` (a run's own, in mode "uid") left at the top of the host's shared
    folders (``/dev/shm``, ``/tmp``): a tmpfs file there would hold memory after the run."""
    for entry in owned_entries(folders, uid):
        try:
            if entry.is_dir(follow_symlinks=False):
                remove_tree(Path(entry.path))
            else:
                os.unlink(entry.path)
        except OSError:
            pass
