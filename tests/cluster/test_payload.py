"""What the head sends to a node: submission files as bytes, dataset inputs without labels."""

import os

import pytest

from harness.cluster.payload import (
    SUBMISSION_BYTES,
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
