"""Scratch folders: sized without recursion, removed whatever a run left in them."""

import os

from harness.sandbox.scratch import folder_bytes, remove_tree
from harness.submission.folder import MAX_DEPTH, folder_problem


def _chain(root, depth):
    here = os.getcwd()
    os.chdir(root)
    try:
        for _ in range(depth):
            os.mkdir("d")
            os.chdir("d")
        with open("bottom.bin", "wb") as handle:
            handle.write(b"\0" * 4096)
        os.chmod(".", 0o500)  # closed to writing, as a run may leave it
    finally:
        os.chdir(here)


def test_a_3000_deep_chain_is_removed(tmp_path):
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    _chain(scratch, 3000)
    assert remove_tree(scratch) == ""
    assert not scratch.exists()


def test_a_removal_failure_is_returned_not_raised(tmp_path):
    assert "could not remove the run's scratch folder" in remove_tree(tmp_path / "absent")


def test_folder_bytes_stops_past_the_limit(tmp_path):
    for number in range(5):
        (tmp_path / f"f{number}").write_bytes(b"\1" * 8192)
    assert folder_bytes(tmp_path, 1 << 20) >= 5 * 8192
    assert 8192 <= folder_bytes(tmp_path, 4096) < 5 * 8192


def test_a_deep_submission_folder_is_refused_unread(tmp_path):
    _chain(tmp_path, MAX_DEPTH + 5)
    assert folder_problem(tmp_path, 1 << 20) == (
        f"submission folder nests deeper than {MAX_DEPTH} folders"
    )
    os.chmod(tmp_path, 0o700)
    remove_tree(tmp_path)
