"""Regenerate ``harness/data/bundled/`` from the full, verified Fashion-MNIST.

    python -m harness.data.make_bundled [--data-dir D] [--out harness/data/bundled]

The subset is the first 6,000 training and the first 1,000 test examples, in file order,
written as idx ``.gz`` files (gzip level 9, mtime 0, so the output is byte-for-byte
reproducible). It prints the decoded sha256 digests to paste into
``registry.BUNDLED_FASHION_MNIST`` and the class histograms (roughly balanced: every class
has between 8.7% and 11.5% of either split).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
from pathlib import Path

import numpy as np

from harness.data import readers
from harness.data.locate import locate
from harness.data.registry import FASHION_MNIST
from harness.errors import DataError

TRAIN_COUNT = 6_000
TEST_COUNT = 1_000


def idx_bytes(array: np.ndarray) -> bytes:
    """An idx file of unsigned bytes: magic (0, 0, 8, ndim), big-endian dims, the data."""
    header = bytes([0, 0, 8, array.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    return header + np.ascontiguousarray(array, dtype=np.uint8).tobytes()


def _subset(data_dir) -> dict[str, np.ndarray]:
    located, looked = locate(FASHION_MNIST, data_dir)
    if located is None:
        raise DataError("full Fashion-MNIST not found; looked in:\n  " + "\n  ".join(looked))
    raw = readers.read_idx(FASHION_MNIST, located, allow_unverified=False)
    return {
        "train-images-idx3-ubyte": raw.train_images[:TRAIN_COUNT, ..., 0],
        "train-labels-idx1-ubyte": raw.train_labels[:TRAIN_COUNT],
        "t10k-images-idx3-ubyte": raw.test_images[:TEST_COUNT, ..., 0],
        "t10k-labels-idx1-ubyte": raw.test_labels[:TEST_COUNT],
    }


def write_bundled(out: Path, data_dir=None) -> dict[str, str]:
    """Write the four files into ``out``; returns {file name: sha256 of decoded bytes}."""
    out.mkdir(parents=True, exist_ok=True)
    digests = {}
    for stem, array in _subset(data_dir).items():
        decoded = idx_bytes(array)
        (out / f"{stem}.gz").write_bytes(gzip.compress(decoded, compresslevel=9, mtime=0))
        digests[f"{stem}.gz"] = hashlib.sha256(decoded).hexdigest()
        if "labels" in stem:
            print(f"{stem}: class histogram {np.bincount(array, minlength=10).tolist()}")
    return digests


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", help="folder with the full Fashion-MNIST files")
    parser.add_argument("--out", default=str(Path(__file__).with_name("bundled")))
    args = parser.parse_args(argv)
    for name, digest in write_bundled(Path(args.out), args.data_dir).items():
        print(f"{name}: decoded sha256 {digest}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
