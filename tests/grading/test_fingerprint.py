"""The hashes behind reuse: each changes with what it covers and with nothing else."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import numpy as np
import pytest

from harness import hashing
from harness.grading import fingerprint
from harness.names import THREAD_VARIABLES


@pytest.fixture
def fresh_hashes():
    """The cached hashes recomputed on every call, and the cache left clean afterwards."""

    def clear():
        fingerprint.environment_hash.cache_clear()
        hashing.code_hash.cache_clear()

    clear()
    yield clear
    clear()


def submission(tmp_path, name="alice", **files) -> Path:
    folder = tmp_path / name
    folder.mkdir()
    for file, text in {"index.py": "LAYERS = []\n", **files}.items():
        (folder / file).write_text(text)
    return folder


def test_a_submission_folder_hash_follows_every_file_and_its_name(tmp_path):
    folder = submission(tmp_path, helper_py="x = 1\n")
    first = hashing.folder_hash(folder)
    assert hashing.folder_hash(submission(tmp_path, "copy", helper_py="x = 1\n")) == first
    (folder / "helper_py").write_text("x = 2\n")
    edited = hashing.folder_hash(folder)
    (folder / "helper_py").rename(folder / "helper2_py")
    renamed = hashing.folder_hash(folder)
    (folder / "notes.txt").write_text("")
    added = hashing.folder_hash(folder)
    assert len({first, edited, renamed, added}) == 4


def test_a_submission_folder_hash_ignores_bytecode_caches(tmp_path):
    folder = submission(tmp_path)
    before = hashing.folder_hash(folder)
    (folder / "__pycache__").mkdir()
    (folder / "__pycache__" / "index.cpython-312.pyc").write_bytes(b"\0")
    assert hashing.folder_hash(folder) == before


def test_file_boundaries_are_part_of_the_hash(tmp_path):
    # "ab" + "c" and "a" + "bc" hold the same bytes in the same order.
    one = submission(tmp_path, "one", **{"a": "ab", "b": "c"})
    two = submission(tmp_path, "two", **{"a": "a", "b": "bc"})
    assert hashing.folder_hash(one) != hashing.folder_hash(two)


def test_the_code_hash_follows_python_sources_of_both_roots(tmp_path, monkeypatch, fresh_hashes):
    harness_root, models_root = tmp_path / "harness", tmp_path / "reference_models"
    for root in (harness_root, models_root):
        root.mkdir()
        (root / "a.py").write_text("A = 1\n")
    monkeypatch.setattr(hashing, "PACKAGE_ROOT", harness_root)
    monkeypatch.setattr(hashing, "REFERENCE_MODELS_ROOT", models_root)
    hashes = [hashing.code_hash()]
    for change in (
        lambda: (harness_root / "notes.md").write_text("not code"),
        lambda: (harness_root / "a.py").write_text("A = 2\n"),
        lambda: (models_root / "b.py").write_text(""),
    ):
        change()
        fresh_hashes()
        hashes.append(hashing.code_hash())
    assert hashes[1] == hashes[0] and len(set(hashes[1:])) == 3


@pytest.mark.parametrize("variable", THREAD_VARIABLES)
def test_the_environment_hash_follows_thread_counts(monkeypatch, fresh_hashes, variable):
    monkeypatch.setenv(variable, "1")
    one = fingerprint.environment_hash()
    fresh_hashes()
    monkeypatch.setenv(variable, "2")
    assert fingerprint.environment_hash() != one


def test_the_environment_hash_follows_the_device_and_package_versions(monkeypatch, fresh_hashes):
    before = fingerprint.environment_hash()
    fresh_hashes()
    monkeypatch.setattr(fingerprint.host, "device_description", lambda: "another GPU")
    other_device = fingerprint.environment_hash()
    fresh_hashes()
    monkeypatch.setattr(fingerprint, "package_version", lambda package: "0.0.0-other")
    other_versions = fingerprint.environment_hash()
    assert len({before, other_device, other_versions}) == 3


def test_the_arrays_hash_follows_values_shape_and_dtype():
    data = np.arange(6, dtype=np.uint8)
    hashes = {
        fingerprint.arrays_hash(data),
        fingerprint.arrays_hash(data.reshape(2, 3)),
        fingerprint.arrays_hash(data.astype(np.int8)),
        fingerprint.arrays_hash(data[::-1].copy()),
        fingerprint.arrays_hash(data[:3], data[3:]),
    }
    assert len(hashes) == 5
    assert fingerprint.arrays_hash(data) == fingerprint.arrays_hash(np.arange(6, dtype=np.uint8))


def test_combining_keeps_part_boundaries():
    assert fingerprint.combine("ab", "c") != fingerprint.combine("a", "bc")
    assert len(fingerprint.combine("x")) == 32


def _fingerprint_with(tmp_path, toml: str) -> str:
    """The fingerprint of one student run graded under an assignment file holding ``toml``."""
    from harness.grading.inputs import DatasetMeta, PreparedDataset
    from harness.grading.plan import GradingPlan, RunSpec
    from harness.grading.runner import run_fingerprint

    path = tmp_path / "assignment.toml"
    path.write_text(toml)
    student = tmp_path / "alice"
    student.mkdir(exist_ok=True)
    (student / "index.py").write_text("LAYERS = []\n")
    spec = RunSpec("alice", "fashion_mnist", "torch", path=str(student / "index.py"))
    data = PreparedDataset(
        "fashion_mnist", tmp_path, DatasetMeta([], (28, 28, 1), 10, True, False, "", "d")
    )
    return run_fingerprint(spec, GradingPlan([spec], str(tmp_path), str(path)), data)


def test_report_only_settings_reuse_every_run_and_training_settings_do_not(tmp_path):
    """A due date, an extension file, a visibility, the leaderboard or the rubric changes
    what the reports say, never a run: a regrade after editing them trains nothing."""
    folder = tmp_path / "a"
    folder.mkdir()
    base = _fingerprint_with(folder, "")
    report_only = (
        '[deadline]\ndue = "2026-10-09T23:59:00-07:00"\nextensions = "x.csv"\n',
        '[visibility]\naccuracy = "visible"\n',
        "[leaderboard]\nenabled = true\n",
        "[rubric]\naccuracy_share = 0.5\n",
        '[assignment]\nname = "renamed"\n',
    )
    for toml in report_only:
        assert _fingerprint_with(folder, toml) == base, toml
    for toml in ("[assignment]\nseed = 1\n", "[budget]\ndefault_num_batches = 10\n"):
        assert _fingerprint_with(folder, toml) != base, toml


def _hash_within(folder: Path, seconds: float = 20.0) -> str:
    """The folder's hash, or a failure (not a hung suite) when it takes longer."""
    result: list[str] = []
    worker = threading.Thread(target=lambda: result.append(hashing.folder_hash(folder)))
    worker.daemon = True
    worker.start()
    worker.join(seconds)
    assert result, f"folder_hash still reading after {seconds} s (a link was followed)"
    return result[0]


def test_links_are_hashed_as_links_and_nothing_blocks(tmp_path):
    folder = submission(tmp_path)
    (folder / "kmsg").symlink_to("/proc/kmsg")  # blocks a reader
    (folder / "pagemap").symlink_to("/proc/self/pagemap")  # never ends
    (folder / "loop").symlink_to("loop")
    (folder / "root").symlink_to("/")
    os.mkfifo(folder / "pipe")  # a reader of a FIFO waits for a writer
    huge = tmp_path / "huge.bin"
    with open(huge, "wb") as handle:
        handle.truncate(1 << 30)  # sparse: 1 GiB that costs no disk
    for i in range(990):  # within the folder limits planning checks (MAX_ENTRIES)
        (folder / f"huge_{i:04d}").symlink_to(huge)
    first = _hash_within(folder)
    (folder / "kmsg").unlink()
    (folder / "kmsg").symlink_to("/proc/version")
    assert _hash_within(folder) != first  # the link's target is part of the hash


def test_a_folder_past_the_limits_is_hashed_without_walking_it_all(tmp_path):
    folder = submission(tmp_path)
    nested = folder
    for _ in range(40):
        nested = nested / "d"
        nested.mkdir()
    for i in range(1500):
        (folder / f"f{i}").symlink_to("/proc/kmsg")
    _hash_within(folder)


def test_a_link_and_a_copy_of_its_target_differ(tmp_path):
    linked, copied = submission(tmp_path, "linked"), submission(tmp_path, "copied")
    (linked / "data.txt").symlink_to(copied / "index.py")
    (copied / "data.txt").write_text((copied / "index.py").read_text())
    assert hashing.folder_hash(linked) != hashing.folder_hash(copied)
