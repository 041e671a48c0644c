"""What the parent streams to a worker: the budgeted training examples, no other label.

:class:`RunInputs` holds a dataset's arrays on the parent's side: training images and
labels, and the validation and test images *without* labels. They may be memory maps of
files prepared once per dataset (:meth:`RunInputs.from_folder`), shared read-only by every
run, or arrays shipped from elsewhere. :func:`send_data` sends a run exactly the training
examples its plan's batches visit (seeded order of :mod:`harness.batch_order`, the
same in every framework), the batch table over them, the first
:data:`harness.names.CURVE_VALIDATION_IMAGES` validation images and the test images.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from harness.batch_order import batch_indices
from harness.names import CURVE_VALIDATION_IMAGES
from harness.worker import channel
from harness.worker.training_plan import TrainingPlan

FILES = ("train_images", "train_labels", "validation_images", "test_images")


@dataclass(frozen=True)
class RunInputs:
    """A dataset as the parent streams it; no validation or test label is here."""

    train_images: np.ndarray  # uint8 (N, H, W, C)
    train_labels: np.ndarray  # int (N,)
    validation_images: np.ndarray  # uint8, labels kept by whoever scores
    test_images: np.ndarray  # uint8, labels kept by whoever scores

    @classmethod
    def from_folder(cls, folder: Path) -> RunInputs:
        """Memory maps of ``<name>.npy`` files (shared pages, nothing copied per run)."""
        return cls(*(np.load(Path(folder) / f"{name}.npy", mmap_mode="r") for name in FILES))

    def save(self, folder: Path) -> None:
        """Write the files :meth:`from_folder` reads (e.g. on a node that received them)."""
        save_read_only(folder, {name: getattr(self, name) for name in FILES})

    @property
    def curve_images(self) -> np.ndarray:
        """The validation images a run predicts at each curve point."""
        return self.validation_images[:CURVE_VALIDATION_IMAGES]


def save_read_only(folder: Path, arrays: dict[str, np.ndarray]) -> None:
    """One ``<name>.npy`` per array in ``folder`` (replacing an earlier one), readable by
    its owner alone: no run reads these files, the parent streams what a run gets."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name, array in arrays.items():
        path = folder / f"{name}.npy"
        if path.exists():
            path.chmod(0o600)
        np.save(path, np.ascontiguousarray(array))
        path.chmod(0o400)


def visited(num_examples: int, plan: TrainingPlan, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(training rows the plan's batches visit, ascending; the batch table over them)."""
    order = batch_indices(num_examples, plan.batch_size, plan.num_batches, seed)
    rows, table = np.unique(order, return_inverse=True)
    return rows, table.reshape(order.shape).astype(np.int32)


def send_data(sock: socket.socket, plan: TrainingPlan, inputs: RunInputs, seed: int) -> None:
    """The one ``data`` message of a run: plan, visited examples, batch table, images."""
    rows, table = visited(len(inputs.train_labels), plan, seed)
    labels = np.asarray(inputs.train_labels[rows], dtype=np.int64)
    channel.send(
        sock,
        "data",
        plan.message(),
        {
            "train_images": channel.Rows(inputs.train_images, rows),
            "train_labels": labels,
            "batch_indices": table,
            "validation_images": inputs.curve_images,
            "test_images": inputs.test_images,
        },
    )
