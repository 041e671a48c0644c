"""Hashes of file trees: a submission's folder, and the harness's own source.

A grading reuses a stored run only when its code is the same (:mod:`harness.grading.fingerprint`),
and a cluster node's harness must be the head's (:mod:`harness.cluster.node`): both hash here.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

from harness.names import PACKAGE_ROOT, REFERENCE_MODELS_ROOT


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
    """Hash of every file in a submission folder (students may split their code)."""
    digest = hashlib.sha256()
    _hash_tree(digest, Path(folder), "*")
    return digest.hexdigest()


@functools.lru_cache(maxsize=1)
def code_hash() -> str:
    """The harness's and the reference networks' own source."""
    digest = hashlib.sha256()
    for root in (PACKAGE_ROOT, REFERENCE_MODELS_ROOT):
        digest.update(f"{root.name}\0".encode())
        _hash_tree(digest, root, "*.py")
    return digest.hexdigest()
