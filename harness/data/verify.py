"""Checksum verification: a file is verified by its published container md5 or by the
published digests of what it decodes to (see ``registry.py`` for why both exist)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from harness.data.registry import FileSpec
from harness.errors import DataError

CHUNK = 1 << 20


def md5_of_file(path: Path) -> str:
    """The md5 of a file, read in chunks (archives are too big to read whole just to hash)."""
    digest = hashlib.md5()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _published_decoded(spec: FileSpec) -> dict[str, str]:
    pairs = (("md5", spec.decoded_md5), ("sha256", spec.decoded_sha256))
    return {algorithm: value for algorithm, value in pairs if value}


def _describe(digests: dict[str, str]) -> str:
    return ", ".join(f"{algorithm} {value}" for algorithm, value in digests.items())


def _decoded_problem(spec: FileSpec, decoded: bytes, container_md5: str | None) -> str | None:
    published = _published_decoded(spec)
    container = ""
    if container_md5 is not None:
        container = (f"; the file itself has md5 {container_md5}, the official {spec.name} "
                     f"has md5 {spec.container_md5 or '(not published)'}")
    if not published:
        return (f"no published checksum of its decoded content is known and the file is not "
                f"the official {spec.name}{container}")
    found = {algorithm: hashlib.new(algorithm, decoded).hexdigest() for algorithm in published}
    if found == published:
        return None
    return (f"checksum mismatch: expected the content of the official {spec.decoded_name} "
            f"({_describe(published)}), found {_describe(found)}{container}")


def verify_content(where: str, spec: FileSpec, decoded: bytes, container_md5: str | None,
                   allow_unverified: bool) -> bool:
    """True when the file is the official one; False (allowed) or DataError when it is not.

    ``container_md5`` is the md5 of the file as stored when it is a ``.gz`` container (None
    for a raw file or an archive member); a match with the published md5 settles it.
    """
    if container_md5 is not None and container_md5 == spec.container_md5:
        return True
    problem = _decoded_problem(spec, decoded, container_md5)
    if problem is None:
        return True
    if allow_unverified:
        return False
    raise DataError(f"{where}: {problem}. These are not the official files; pass "
                    f"--allow-unverified to use them anyway (the data is then reported as "
                    f"unverified).")
