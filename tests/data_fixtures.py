"""Helpers for the dataset tests: generated files in the official formats, isolated search.

Generated files are exactly what the official ones look like (idx headers, gzip; CIFAR
batches pickled with protocol 2 and bytes keys as Python 2 wrote them) but hold random
pixels, so their checksums are not the published ones.
"""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import pickle
import tarfile
from pathlib import Path

import numpy as np
import pytest

from harness.data import locate
from harness.data.make_bundled import idx_bytes
from harness.data.registry import CIFAR10, DatasetSpec

IDX_STEMS = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}


@pytest.fixture
def isolated_search(tmp_path, monkeypatch):
    """No $HARNESS_DATA, the cache in tmp_path/cache, an empty system folder.

    Use it with ``pytestmark = pytest.mark.usefixtures("isolated_search")`` and put files
    under ``tmp_path``: the search then sees only what the test wrote.
    """
    monkeypatch.delenv("HARNESS_DATA", raising=False)
    monkeypatch.setenv("HARNESS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(locate, "SYSTEM_DATA_ROOT", tmp_path / "system")


def random_arrays(n_train: int, n_test: int, shape=(28, 28), seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    return {
        "train_images": rng.integers(0, 256, (n_train, *shape), dtype=np.uint8),
        "train_labels": rng.integers(0, 10, n_train, dtype=np.uint8),
        "test_images": rng.integers(0, 256, (n_test, *shape), dtype=np.uint8),
        "test_labels": rng.integers(0, 10, n_test, dtype=np.uint8),
    }


def write_idx(folder: Path, arrays: dict, gz: bool = True) -> dict[str, Path]:
    """The four idx files (``.gz`` or raw) under their official names; role -> path."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for role, stem in IDX_STEMS.items():
        data = idx_bytes(arrays[role])
        path = folder / (stem + ".gz" if gz else stem)
        path.write_bytes(gzip.compress(data, mtime=0) if gz else data)
        paths[role] = path
    return paths


def spec_trusting(spec: DatasetSpec, paths) -> DatasetSpec:
    """``spec`` trusting the given generated files: their md5s become the published ones."""
    md5 = {p.name: hashlib.md5(p.read_bytes()).hexdigest() for p in paths}
    if spec.archive:
        return dataclasses.replace(
            spec, archive=dataclasses.replace(spec.archive, container_md5=md5[spec.archive.name])
        )
    # Without decoded digests the container md5 alone decides, as for a published file.
    files = tuple(
        dataclasses.replace(f, container_md5=md5[f.name], decoded_md5=None, decoded_sha256=None)
        for f in spec.files
    )
    return dataclasses.replace(spec, files=files)


def cifar_batch_bytes(images: np.ndarray, labels: np.ndarray, label: str) -> bytes:
    """One batch as the official files hold it: CHW rows of 3072 bytes, a list of labels."""
    rows = images.transpose(0, 3, 1, 2).reshape(len(images), -1)
    batch = {
        b"batch_label": label.encode(),
        b"labels": [int(v) for v in labels],
        b"data": rows,
        b"filenames": [b"x.png"] * len(images),
    }
    # The official files name numpy's old module path, as numpy 1 wrote it.
    return pickle.dumps(batch, protocol=2).replace(b"cnumpy._core.", b"cnumpy.core.")


def write_cifar_folder(base: Path, per_batch: int = 20, seed: int = 0):
    """``base/cifar-10-batches-py/`` with five data batches, a test batch and batches.meta."""
    folder = base / CIFAR10.folder
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    arrays = {}
    for file in CIFAR10.files:
        images = rng.integers(0, 256, (per_batch, 32, 32, 3), dtype=np.uint8)
        labels = rng.integers(0, 10, per_batch)
        (folder / file.name).write_bytes(cifar_batch_bytes(images, labels, file.name))
        arrays[file.name] = (images, labels)
    meta = {b"label_names": [n.encode() for n in CIFAR10.class_names]}
    (folder / "batches.meta").write_bytes(pickle.dumps(meta, protocol=2))
    return folder, arrays


def write_cifar_archive(base: Path, per_batch: int = 20, seed: int = 0):
    """``base/cifar-10-python.tar.gz`` holding the folder write_cifar_folder makes."""
    folder, arrays = write_cifar_folder(base / "src", per_batch, seed)
    archive = base / CIFAR10.archive.name
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(folder, arcname=CIFAR10.folder)
    return archive, arrays


def expected_cifar(arrays: dict, role: str):
    names = [f.name for f in CIFAR10.files if f.role == role]
    return (
        np.concatenate([arrays[n][0] for n in names]),
        np.concatenate([arrays[n][1] for n in names]),
    )


def write_fashion_slice(folder: Path, train: int, test: int) -> Path:
    """The first ``train`` and ``test`` examples of the real Fashion-MNIST, as idx files in
    ``folder/fashion_mnist`` (read back with ``--data-dir folder --allow-unverified``)."""
    from harness.data import load_dataset

    full = load_dataset("fashion_mnist")
    write_idx(
        folder / "fashion_mnist",
        {
            "train_images": full.train_images[:train, :, :, 0],
            "train_labels": full.train_labels[:train],
            "test_images": full.test_images[:test, :, :, 0],
            "test_labels": full.test_labels[:test],
        },
    )
    return folder
