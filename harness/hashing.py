"""Hashes of file trees: a submission's folder, and the harness's own source.

A grading reuses a stored run only when its code is the same (:mod:`harness.grading.fingerprint`),
and a cluster node's harness must be the head's (:mod:`harness.cluster.node`): both hash here.
"""

from __future__ import annotations

import functools
import hashlib
import os
import stat
from pathlib import Path

from harness.names import PACKAGE_ROOT, REFERENCE_MODELS_ROOT
from harness.untrusted import MAX_DEPTH, MAX_ENTRIES, read_regular


def _hash_tree(digest, root: Path, pattern: str) -> None:
    """Add every file under ``root`` matching ``pattern``: its path relative to ``root``,
    its length and its bytes, so that no two different trees feed the same stream."""
    files = sorted(
        p for p in Path(root).rglob(pattern) if p.is_file() and "__pycache__" not in p.parts
    )
    for path in files:
        data = path.read_bytes()
        digest.update(f"{path.relative_to(root).as_posix()}\0{len(data)}\0".encode())
        digest.update(data)


def folder_hash(folder: Path) -> str:
    """Hash of every entry of a submission folder (students may split their code), read
    without following a link: a link is hashed as its target's text (``lstat`` and
    ``readlink``), a regular file by its bytes read with
    :func:`harness.untrusted.read_regular`, anything else (a FIFO, a socket) by its kind
    alone. The walk stops at the folder limits planning checks, so nothing in a student's
    folder can make this slow, large or blocking: a link to ``/proc/kmsg`` is a short text."""
    digest = hashlib.sha256()
    root = Path(folder)
    for path in _entries(root):
        relative = path.relative_to(root).as_posix()
        digest.update(f"{relative}\0{_kind_and_bytes(path)}\0".encode(errors="surrogateescape"))
    return digest.hexdigest()


def _entries(root: Path) -> list[Path]:
    """Every entry under ``root`` but bytecode caches, sorted, links not followed, at most
    the walk's limits (an entry past them ends the list)."""
    found: list[Path] = []
    todo = [(root, 0)]
    while todo and len(found) <= MAX_ENTRIES:
        current, depth = todo.pop()
        try:
            children = sorted(os.scandir(current), key=lambda entry: entry.name)
        except OSError:
            continue
        for child in children:
            if child.name == "__pycache__":
                continue
            found.append(Path(child.path))
            if child.is_dir(follow_symlinks=False) and depth < MAX_DEPTH:
                todo.append((Path(child.path), depth + 1))
    return sorted(found[: MAX_ENTRIES + 1])


def _kind_and_bytes(path: Path) -> str:
    """What the hash holds of one entry: ``link:<target>``, ``dir``, ``file:<sha256>`` or
    the kind of anything else."""
    mode = os.lstat(path).st_mode
    if stat.S_ISLNK(mode):
        return f"link:{os.readlink(path)}"
    if stat.S_ISDIR(mode):
        return "dir"
    if not stat.S_ISREG(mode):
        return f"special:{stat.S_IFMT(mode):o}"
    try:
        data = read_regular(path)
    except OSError as exc:  # replaced or grown since the plan measured it
        return f"unreadable:{type(exc).__name__}"
    return f"file:{len(data)}:{hashlib.sha256(data).hexdigest()}"


@functools.lru_cache(maxsize=1)
def code_hash() -> str:
    """The harness's and the reference networks' own source."""
    digest = hashlib.sha256()
    for root in (PACKAGE_ROOT, REFERENCE_MODELS_ROOT):
        digest.update(f"{root.name}\0".encode())
        _hash_tree(digest, root, "*.py")
    return digest.hexdigest()
