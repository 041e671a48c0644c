"""What the head sends to a node: submission files as bytes, dataset inputs without labels."""

import os

import numpy as np
import pytest

from harness.cluster.payload import (
    SUBMISSION_BYTES,
    join_inputs,
    split_inputs,
    submission_files,
    write_files,
)
from harness.errors import SubmissionError


def test_a_submission_travels_as_its_regular_files_and_no_links(tmp_path):
    folder = tmp_path / "alice"
    (folder / "lib").mkdir(parents=True)
    (folder / "index.py").write_text("LAYERS = []\n")
    (folder / "lib" / "blocks.py").write_bytes(b"X = 1\n")
    (folder / "__pycache__").mkdir()
    (folder / "__pycache__" / "index.cpython-311.pyc").write_bytes(b"\0")
    secret = tmp_path / "labels.npy"
    secret.write_bytes(b"the test labels")
    os.symlink(secret, folder / "labels.npy")
    files = submission_files(folder / "index.py")
    assert files == {"index.py": b"LAYERS = []\n", "lib/blocks.py": b"X = 1\n"}


def test_a_submission_folder_too_large_to_send_is_refused_by_name(tmp_path, monkeypatch):
    monkeypatch.setattr("harness.cluster.payload.SUBMISSION_BYTES", 10)
    (tmp_path / "index.py").write_text("x" * 11)
    with pytest.raises(SubmissionError, match="expected at most 10 bytes"):
        submission_files(tmp_path / "index.py")
    assert SUBMISSION_BYTES >= 1 << 20


def test_files_are_laid_out_readable_and_cannot_leave_their_folder(tmp_path):
    write_files(tmp_path / "sub", {"index.py": b"A", "pkg/mod.py": b"B"})
    assert (tmp_path / "sub" / "pkg" / "mod.py").read_bytes() == b"B"
    assert (tmp_path / "sub" / "pkg").stat().st_mode & 0o777 == 0o755
    assert (tmp_path / "sub" / "index.py").stat().st_mode & 0o777 == 0o644
    with pytest.raises(ValueError, match="outside its folder"):
        write_files(tmp_path / "other", {"../escaped.py": b"C"})
    assert not (tmp_path / "escaped.py").exists()


def test_inputs_split_into_training_split_and_test_images_and_back(tmp_path):
    rng = np.random.default_rng(0)
    arrays = {"train_images": rng.integers(0, 255, (6, 4, 4, 1), dtype=np.uint8),
              "train_labels": np.arange(6), "validation_images": np.zeros((2, 4, 4, 1)),
              "validation_labels": np.arange(2), "test_images": np.ones((3, 4, 4, 1))}
    np.savez(tmp_path / "inputs.npz", **arrays)
    train, test_images = split_inputs(tmp_path / "inputs.npz")
    assert sorted(train) == ["train_images", "train_labels", "validation_images",
                             "validation_labels"]
    join_inputs(tmp_path / "again.npz", train, test_images)
    with np.load(tmp_path / "again.npz") as again:
        assert sorted(again.files) == sorted(arrays)
        for key, value in arrays.items():
            np.testing.assert_array_equal(again[key], value)
