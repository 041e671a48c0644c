"""Finding the student's file in an upload without following links, and reading which
memory cgroup the autograder runs in."""

from __future__ import annotations

import os

from harness.gradescope.container import CGROUP_ROOT, own_memory_cgroup
from harness.gradescope.upload import copy_upload, find_upload


def test_index_py_in_a_folder_is_found_and_wins_over_index_js(tmp_path):
    (tmp_path / "hw").mkdir()
    (tmp_path / "index.js").write_text("// js")
    (tmp_path / "hw" / "index.py").write_text("LAYERS = []")
    assert find_upload(tmp_path) == tmp_path / "hw" / "index.py"


def test_the_shallowest_index_py_counts(tmp_path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "b" / "index.py").write_text("")
    (tmp_path / "z").mkdir()
    (tmp_path / "z" / "index.py").write_text("")
    assert find_upload(tmp_path) == tmp_path / "z" / "index.py"


def test_a_link_named_index_py_is_not_followed(tmp_path):
    """A student's link to a file of the image (the labels, say) is not their upload."""
    os.symlink("/etc/passwd", tmp_path / "index.py")
    (tmp_path / "linked").symlink_to("/usr", target_is_directory=True)
    assert find_upload(tmp_path) is None


def test_an_upload_without_a_submission_file_has_none(tmp_path):
    (tmp_path / "notes.txt").write_text("forgot the file")
    assert find_upload(tmp_path) is None
    assert find_upload(tmp_path / "absent") is None


def test_the_copy_keeps_links_as_links(tmp_path):
    upload = tmp_path / "upload"
    upload.mkdir()
    (upload / "index.py").write_text("LAYERS = []")
    (upload / "data").symlink_to("/etc")
    copy_upload(upload, tmp_path / "copy")
    assert (tmp_path / "copy" / "data").is_symlink()
    assert (tmp_path / "copy" / "index.py").read_text() == "LAYERS = []"


def test_the_memory_cgroup_is_read_for_cgroup_v1_and_v2():
    v1 = "5:devices:/\n4:memory:/docker/abc\n0::/\n"
    assert own_memory_cgroup(v1) == CGROUP_ROOT / "memory" / "docker/abc"
    assert own_memory_cgroup("0::/user.slice/job\n") == CGROUP_ROOT / "user.slice/job"
    assert own_memory_cgroup("") is None
