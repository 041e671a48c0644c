"""Datasets of the assignment: MNIST, Fashion-MNIST and CIFAR-10 from their official files.

``load_dataset(name)`` finds the files (``--data-dir``, ``$HARNESS_DATA``, the user cache,
``/usr/share/datasets``), verifies them against the published checksums, decodes them to
uint8 NHWC arrays and carves a seeded validation split from the training set.
``python -m harness data fetch NAME`` downloads them; ``data info NAME`` describes them.
"""

from harness.data.loader import Dataset, load_dataset
from harness.data.registry import DATASET_NAMES, DATASETS, DatasetSpec, FileSpec, get_spec

__all__ = [
    "DATASETS",
    "DATASET_NAMES",
    "Dataset",
    "DatasetSpec",
    "FileSpec",
    "get_spec",
    "load_dataset",
]
