"""Read a located set of files into raw splits: decode, check structure, verify checksums."""

from __future__ import annotations

import tarfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import IO, cast

import numpy as np

from harness.data.formats import gunzip, parse_cifar_batch, parse_idx
from harness.data.locate import Located
from harness.data.registry import DatasetSpec, FileSpec
from harness.data.verify import md5_of_file, verify_content
from harness.errors import DataError


@dataclass
class RawSplits:
    """The official train and test splits as decoded, before the validation split."""

    train_images: np.ndarray  # uint8 (n, h, w, c)
    train_labels: np.ndarray  # int64 (n,)
    test_images: np.ndarray
    test_labels: np.ndarray
    verified: bool  # every file matched its published checksums


def _read_idx_file(path: Path, file: FileSpec, allow_unverified: bool):
    stored = path.read_bytes()
    gzipped = path.name.endswith(".gz")
    decoded = gunzip(stored, str(path)) if gzipped else stored
    kind = "images" if file.role.endswith("images") else "labels"
    array = parse_idx(decoded, str(path), kind)
    container = stored if gzipped else None
    verified = verify_content(str(path), file, decoded, container, allow_unverified)
    return array, verified


def _check_pair(spec: DatasetSpec, images, labels, where: dict[str, str]) -> None:
    rows, cols, _ = spec.image_shape
    if images.shape[1:3] != (rows, cols):
        raise DataError(
            f"{where['images']}: image size: expected {rows}x{cols} "
            f"({spec.title}), found {images.shape[1]}x{images.shape[2]}"
        )
    if len(images) != len(labels):
        raise DataError(
            f"{where['labels']}: label count: expected {len(images)} (one per "
            f"image in {where['images']}), found {len(labels)}"
        )
    if len(labels) and int(labels.max()) >= len(spec.class_names):
        raise DataError(
            f"{where['labels']}: labels: expected values 0..."
            f"{len(spec.class_names) - 1}, found {int(labels.max())}"
        )


def read_idx(spec: DatasetSpec, located: Located, allow_unverified: bool) -> RawSplits:
    """The four idx files (each .gz or raw) of MNIST or Fashion-MNIST."""
    arrays, verified = {}, True
    for file in spec.files:
        arrays[file.role], ok = _read_idx_file(located.files[file.name], file, allow_unverified)
        verified = verified and ok
    paths = {file.role: str(located.files[file.name]) for file in spec.files}
    for split in ("train", "test"):
        images, labels = arrays[f"{split}_images"], arrays[f"{split}_labels"]
        _check_pair(
            spec,
            images,
            labels,
            {"images": paths[f"{split}_images"], "labels": paths[f"{split}_labels"]},
        )
        arrays[f"{split}_images"] = images[..., np.newaxis]  # idx has no channel axis
        arrays[f"{split}_labels"] = labels.astype(np.int64)
    return RawSplits(**arrays, verified=verified)


def _join_batches(
    spec: DatasetSpec, batches: dict[str, tuple], verified: bool, where: str
) -> RawSplits:
    splits = {}
    for role in ("train", "test"):
        parts = [batches[f.name] for f in spec.files if f.role == role]
        images = np.concatenate([p[0] for p in parts])  # also makes NHWC contiguous
        labels = np.concatenate([p[1] for p in parts])
        _check_pair(spec, images, labels, {"images": where, "labels": where})
        splits[f"{role}_images"], splits[f"{role}_labels"] = images, labels
    return RawSplits(**splits, verified=verified)


def read_cifar_folder(spec: DatasetSpec, located: Located, allow_unverified: bool) -> RawSplits:
    """The extracted ``cifar-10-batches-py/`` folder: one pickled batch per file."""
    batches, verified = {}, True
    for file in spec.files:
        path = located.files[file.name]
        data = path.read_bytes()
        batches[file.name] = parse_cifar_batch(data, str(path))
        verified = verify_content(str(path), file, data, None, allow_unverified) and verified
    return _join_batches(spec, batches, verified, str(located.location))


def _archive_members(spec: DatasetSpec, archive: Path) -> dict[str, bytes]:
    wanted = {f"{spec.folder}/{f.name}": f.name for f in spec.files}
    members = {}
    try:
        with tarfile.open(archive, "r|gz") as tar:  # streamed: one pass over the gzip data
            for member in tar:
                if member.name in wanted and member.isfile():
                    # extractfile gives a stream for every regular file (None for others)
                    members[wanted[member.name]] = cast(IO[bytes], tar.extractfile(member)).read()
    except (tarfile.TarError, EOFError, OSError, zlib.error) as exc:
        raise DataError(
            f"{archive}: corrupt or truncated archive: expected a complete "
            f"tar.gz, found an error ({type(exc).__name__}: {exc})"
        ) from None
    missing = [name for name in wanted if wanted[name] not in members]
    if missing:
        raise DataError(
            f"{archive}: expected the members {', '.join(wanted)}, missing {', '.join(missing)}"
        )
    return members


def read_cifar_archive(spec: DatasetSpec, located: Located, allow_unverified: bool) -> RawSplits:
    """``cifar-10-python.tar.gz`` read in memory (nothing is extracted to disk)."""
    archive = located.archive
    if archive is None:  # never: the loader reads a located archive only
        raise ValueError(f"{located.location}: expected a located archive, received a folder")
    official = md5_of_file(archive) == spec.archive_file.container_md5
    members = _archive_members(spec, archive)
    batches, verified = {}, True
    for file in spec.files:
        where = f"{archive}: {spec.folder}/{file.name}"
        data = members.pop(file.name)
        batches[file.name] = parse_cifar_batch(data, where)
        # The official archive vouches for its members; other archives are checked per member.
        if not official:
            verified = verify_content(where, file, data, None, allow_unverified) and verified
    return _join_batches(spec, batches, verified, str(archive))
