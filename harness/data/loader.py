"""``load_dataset``: find, read and verify a dataset, then carve the validation split."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from harness.data import readers
from harness.data.locate import Located, expected_files, locate
from harness.data.registry import BUNDLED_FASHION_MNIST, DatasetSpec, get_spec
from harness.errors import ConfigError, DataError

BUNDLED_DIR = Path(__file__).with_name("bundled")
DEFAULT_VALIDATION_SIZE = 5_000  # for every dataset; a tenth of the training set if smaller


@dataclass(frozen=True, eq=False)
class Dataset:
    """One dataset ready for training: uint8 NHWC images, int64 labels, read-only arrays."""

    name: str
    class_names: tuple[str, ...]
    train_images: np.ndarray
    train_labels: np.ndarray
    validation_images: np.ndarray  # carved from the official training set (seeded)
    validation_labels: np.ndarray
    test_images: np.ndarray  # the official test set, untouched
    test_labels: np.ndarray
    location: str  # the folder or archive the files came from
    verified: bool  # every file matched its published checksums
    bundled_subset: bool  # the small subset shipped in the package, not the full set

    @property
    def image_shape(self) -> tuple[int, int, int]:
        height, width, channels = self.train_images.shape[1:]
        return int(height), int(width), int(channels)

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    def describe(self) -> dict:
        """What every report says about the data (the keys of ``data info --json``)."""
        return {
            "name": self.name,
            "location": self.location,
            "train_count": len(self.train_labels),
            "validation_count": len(self.validation_labels),
            "test_count": len(self.test_labels),
            "image_shape": list(self.image_shape),
            "verified": self.verified,
            "bundled_subset": self.bundled_subset,
            "class_names": list(self.class_names),
        }


def _validation_size(requested: int | None, train_count: int) -> int:
    if requested is None:
        return min(DEFAULT_VALIDATION_SIZE, train_count // 10)
    if not 0 < requested < train_count:
        raise ConfigError(
            f"validation_size: expected an integer between 1 and "
            f"{train_count - 1} (the training set has {train_count} examples), "
            f"received {requested!r}"
        )
    return requested


def _split(images, labels, size: int, seed: int):
    """Seeded validation split; both parts keep the files' order (a boolean mask)."""
    mask = np.zeros(len(labels), dtype=bool)
    mask[np.random.default_rng(seed).permutation(len(labels))[:size]] = True
    return (images[~mask], labels[~mask]), (images[mask], labels[mask])


def _read_only(array: np.ndarray) -> np.ndarray:
    array.flags.writeable = False  # one Dataset may be shared by several consumers
    return array


def _read(spec: DatasetSpec, located: Located, allow_unverified: bool) -> readers.RawSplits:
    if spec.file_format == "idx":
        return readers.read_idx(spec, located, allow_unverified)
    if located.archive is not None:
        return readers.read_cifar_archive(spec, located, allow_unverified)
    return readers.read_cifar_folder(spec, located, allow_unverified)


def _build(
    spec: DatasetSpec,
    raw: readers.RawSplits,
    location: Path,
    validation_size: int | None,
    seed: int,
) -> Dataset:
    size = _validation_size(validation_size, len(raw.train_labels))
    (train_x, train_y), (val_x, val_y) = _split(raw.train_images, raw.train_labels, size, seed)
    return Dataset(
        spec.name,
        spec.class_names,
        _read_only(train_x),
        _read_only(train_y),
        _read_only(val_x),
        _read_only(val_y),
        _read_only(np.ascontiguousarray(raw.test_images)),
        _read_only(raw.test_labels),
        location=str(location),
        verified=raw.verified,
        bundled_subset=spec.bundled_subset,
    )


def load_bundled(validation_size: int | None = None, seed: int = 0) -> Dataset:
    """The Fashion-MNIST subset shipped in ``harness/data/bundled`` (always verified)."""
    spec = BUNDLED_FASHION_MNIST
    files = {f.name: BUNDLED_DIR / f.name for f in spec.files}
    located = Located(BUNDLED_DIR, files)
    return _build(spec, _read(spec, located, False), BUNDLED_DIR, validation_size, seed)


def _not_found(spec: DatasetSpec, looked: list[str]) -> DataError:
    places = "\n".join(f"  - {line}" for line in looked)
    return DataError(
        f"{spec.name}: dataset files not found. Looked in, in this order:\n{places}\n"
        f"Expected the official files: {expected_files(spec)}.\n"
        f"Download them with: python -m harness data fetch {spec.name} "
        f"(or put them in one of the folders above, or pass --data-dir)."
    )


def load_from_spec(
    spec: DatasetSpec,
    data_dir=None,
    allow_unverified: bool = False,
    validation_size: int | None = None,
    seed: int = 0,
) -> Dataset:
    """``load_dataset`` for a given spec (tests pass one with their own files' checksums)."""
    located, looked = locate(spec, data_dir)
    if located is None:
        if spec.name == BUNDLED_FASHION_MNIST.name:
            return load_bundled(validation_size, seed)
        raise _not_found(spec, looked)
    return _build(
        spec, _read(spec, located, allow_unverified), located.location, validation_size, seed
    )


def load_dataset(
    name: str,
    data_dir=None,
    allow_unverified: bool = False,
    validation_size: int | None = None,
    seed: int = 0,
) -> Dataset:
    """Find ``name`` (see ``locate.py`` for the order), verify and decode it, split it.

    Files that fail their checksums raise DataError unless ``allow_unverified``, which marks
    the result ``verified=False``; damaged files raise DataError either way. When no files
    are found anywhere, fashion_mnist falls back to the bundled subset
    (``bundled_subset=True``); the other datasets raise DataError listing where it looked.
    ``validation_size`` defaults to 5,000 (a tenth of the training set if that is smaller);
    ``seed`` picks the validation examples.
    """
    return load_from_spec(get_spec(name), data_dir, allow_unverified, validation_size, seed)
