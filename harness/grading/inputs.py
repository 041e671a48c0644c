"""A dataset prepared for a grading session: the worker's inputs, and the labels kept apart.

The parent loads each dataset once per grading and writes, under ``OUT/.work/data``, the
inputs every run of that dataset gets (training and validation splits, test images without
labels), the test labels the parent alone reads, and what reports need to know about it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from harness.grading import fingerprint
from harness.grading.plan import Plan


@dataclass(frozen=True)
class PreparedDataset:
    """A dataset split for grading: worker inputs, and labels kept on this side."""

    name: str
    inputs_path: Path  # npz: train/validation images+labels, test images; no test labels
    labels_path: Path  # npy: test labels
    meta: dict  # class_names, input_shape, num_classes, verified, bundled_subset, data_hash


def work_dir(out_dir: Path) -> Path:
    return Path(out_dir) / ".work"


def prepare_dataset(plan: Plan, name: str, seed: int) -> PreparedDataset:
    """Load ``name`` and write its grading inputs under ``OUT/.work`` (parent, once)."""
    from harness.data import load_dataset

    ds = load_dataset(name, data_dir=plan.data_dir, allow_unverified=plan.allow_unverified,
                      seed=seed)
    folder = work_dir(Path(plan.out_dir)) / "data"
    folder.mkdir(parents=True, exist_ok=True)
    inputs, labels = folder / f"{name}.inputs.npz", folder / f"{name}.labels.npy"
    np.savez(inputs, train_images=ds.train_images, train_labels=ds.train_labels,
             validation_images=ds.validation_images, validation_labels=ds.validation_labels,
             test_images=ds.test_images)
    np.save(labels, ds.test_labels)
    labels.chmod(0o600)  # the parent's alone: a run under a bare uid must not read them
    meta = {"class_names": list(ds.class_names), "input_shape": list(ds.image_shape),
            "num_classes": ds.num_classes, "verified": ds.verified,
            "bundled_subset": ds.bundled_subset, "location": ds.location,
            "data_hash": fingerprint.arrays_hash(ds.train_images, ds.train_labels,
                                                 ds.test_images, ds.test_labels)}
    (folder / f"{name}.meta.json").write_text(json.dumps(meta))
    return PreparedDataset(name, inputs, labels, meta)


def load_prepared(out_dir: Path, name: str) -> PreparedDataset:
    folder = work_dir(out_dir) / "data"
    meta = json.loads((folder / f"{name}.meta.json").read_text())
    return PreparedDataset(name, folder / f"{name}.inputs.npz",
                           folder / f"{name}.labels.npy", meta)
