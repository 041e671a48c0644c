"""Checksum verification: a file is verified by its published container md5 or by the
published digests of what it decodes to (see ``registry.py`` for why both exist)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from harness.data.registry import FileSpec
from harness.errors import DataError

HASH_CHUNK = 1 << 20


def md5_of_file(path: Path) -> str:
    """The md5 of a file, read in chunks (archives are too big to read whole just to hash)."""
    digest = hashlib.md5()
    with open(path, "rb") as handle:
        while chunk := handle.read(HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _strongest_published(spec: FileSpec) -> tuple[str, str] | None:
    """sha256 when published (also the fastest here, with SHA CPU instructions), else md5."""
    if spec.decoded_sha256:
        return "sha256", spec.decoded_sha256
    if spec.decoded_md5:
        return "md5", spec.decoded_md5
    return None


def _container_note(spec: FileSpec, container: bytes | None) -> str:
    if container is None:
        return ""
    return (
        f"; the file itself has md5 {hashlib.md5(container).hexdigest()}, the official "
        f"{spec.name} has md5 {spec.container_md5 or '(not published)'}"
    )


def verify_content(
    where: str, spec: FileSpec, decoded: bytes, container: bytes | None, allow_unverified: bool
) -> bool:
    """True when the file is the official one; False (allowed) or DataError when it is not.

    ``decoded`` is what the file decodes to; ``container`` the stored bytes of a ``.gz`` file
    (None for a raw file or an archive member). The published digest of the decoded bytes is
    checked when there is one (the gzip CRC ties container and content together, so it also
    settles the container); otherwise the container's published md5.
    """
    published = _strongest_published(spec)
    if published is not None:
        algorithm, expected = published
        found = hashlib.new(algorithm, decoded).hexdigest()
        if found == expected:
            return True
        problem = (
            f"checksum mismatch: expected the content of the official "
            f"{spec.decoded_name} ({algorithm} {expected}), found {algorithm} {found}"
        )
    elif container is not None and spec.container_md5 == hashlib.md5(container).hexdigest():
        return True
    else:
        problem = (
            f"no published checksum of its decoded content is known and the file is "
            f"not the official {spec.name}"
        )
    if allow_unverified:
        return False
    raise DataError(
        f"{where}: {problem}{_container_note(spec, container)}. These are not the "
        f"official files; pass --allow-unverified to use them anyway (the data is "
        f"then reported as unverified)."
    )
