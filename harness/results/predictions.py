"""Each scored run's test predictions, kept beside its record for the similarity report.

``OUT/predictions/<dataset>/<run key>.npy`` holds the class the run predicted for every
test image (uint8, in test-set order), and ``OUT/predictions/<dataset>/labels.npy`` the
labels they were scored against. Written by the trusted parent after scoring; a record does
not carry them (10,000 numbers per run would swell ``results.json``).
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from harness.results.store import atomic_write_bytes, run_key

FOLDER = "predictions"


def _folder(out_dir: Path, dataset: str) -> Path:
    return Path(out_dir) / FOLDER / dataset


def _npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def save_predictions(
    out_dir: Path, submission: str, dataset: str, framework: str, predictions, labels
) -> Path:
    """Keep one run's predictions and the labels they were scored against (the same for
    every run of a grading; written each time so that they follow the data)."""
    folder = _folder(out_dir, dataset)
    atomic_write_bytes(folder / "labels.npy", _npy(np.asarray(labels, np.uint8)))
    path = folder / f"{run_key(submission, dataset, framework)}.npy"
    atomic_write_bytes(path, _npy(np.asarray(predictions, np.uint8)))
    return path


def load_predictions(out_dir: Path, submission: str, dataset: str, framework: str):
    """The run's predictions, or None when they were not kept (a run graded before)."""
    path = _folder(out_dir, dataset) / f"{run_key(submission, dataset, framework)}.npy"
    return np.load(path, allow_pickle=False) if path.is_file() else None


def load_labels(out_dir: Path, dataset: str):
    path = _folder(out_dir, dataset) / "labels.npy"
    return np.load(path, allow_pickle=False) if path.is_file() else None
