"""A dataset prepared once per grading: the arrays the parent streams, the labels it keeps.

The parent loads each dataset once per grading and writes, under ``OUT/.work/data/<name>``,
one read-only ``.npy`` file per array (training images and labels, validation and test
images, and apart from them the validation and test labels) and what reports need to know
about it. Every run of the dataset memory-maps the same files (no copy per run; the pages
are shared between pytest workers); no worker reads them: the parent streams each run the
training examples of its planned batches (:mod:`harness.worker.stream`).
"""

from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from harness.data import load_dataset
from harness.grading import fingerprint
from harness.grading.plan import GradingPlan
from harness.sinks import json_text
from harness.worker.stream import RunInputs, save_read_only


@dataclass
class DatasetMeta:
    """What the grading knows about a prepared dataset besides its arrays (``meta.json``)."""

    class_names: list[str]
    input_shape: tuple[int, int, int]  # (height, width, channels)
    num_classes: int
    verified: bool  # every file matched its official checksum
    bundled_subset: bool  # the small subset shipped in the package, not the full dataset
    location: str  # where its files were found
    data_hash: str  # of the arrays the runs see and are scored on

    @classmethod
    def from_json(cls, data: dict) -> DatasetMeta:
        return cls(**{**data, "input_shape": tuple(data["input_shape"])})


@dataclass(frozen=True)
class PreparedDataset:
    """A dataset split for grading: the runs' inputs, and labels kept on this side."""

    name: str
    folder: Path  # <array>.npy files and meta.json
    meta: DatasetMeta

    def inputs(self) -> RunInputs:
        """What the parent streams to a run (memory maps; no validation or test label)."""
        return RunInputs.from_folder(self.folder)

    def labels(self, split: str) -> np.ndarray:
        """``"test"`` or ``"validation"`` labels: the parent's alone, for scoring."""
        return np.load(self.folder / f"{split}_labels.npy", mmap_mode="r")


def work_dir(out_dir: Path) -> Path:
    return Path(out_dir) / ".work"


def prepare_dataset(plan: GradingPlan, name: str, seed: int) -> PreparedDataset:
    """Load ``name`` and write its grading arrays under ``OUT/.work`` (parent, once)."""
    ds = load_dataset(
        name, data_dir=plan.data_dir, allow_unverified=plan.allow_unverified, seed=seed
    )
    folder = work_dir(Path(plan.out_dir)) / "data" / name
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)  # the parent's alone: a run under a bare uid must not read them
    RunInputs(ds.train_images, ds.train_labels, ds.validation_images, ds.test_images).save(folder)
    save_read_only(
        folder, {"validation_labels": ds.validation_labels, "test_labels": ds.test_labels}
    )
    meta = DatasetMeta(
        class_names=list(ds.class_names),
        input_shape=ds.image_shape,
        num_classes=ds.num_classes,
        verified=ds.verified,
        bundled_subset=ds.bundled_subset,
        location=ds.location,
        data_hash=fingerprint.arrays_hash(
            ds.train_images, ds.train_labels, ds.test_images, ds.test_labels
        ),
    )
    (folder / "meta.json").write_text(json_text(dataclasses.asdict(meta)))
    return PreparedDataset(name, folder, meta)


def load_prepared(out_dir: Path, name: str) -> PreparedDataset:
    folder = work_dir(out_dir) / "data" / name
    meta = DatasetMeta.from_json(json.loads((folder / "meta.json").read_text()))
    return PreparedDataset(name, folder, meta)
