"""Search order, accepted layouts, the not-found message and the bundled fallback."""

from __future__ import annotations

import json

import numpy as np
import pytest
from data_fixtures import (
    isolated_search,  # noqa: F401  (a fixture, used through pytestmark)
    random_arrays,
    write_cifar_archive,
    write_cifar_folder,
    write_idx,
)

from harness.cli import main
from harness.data import DATASET_NAMES, load_dataset
from harness.data.loader import BUNDLED_DIR
from harness.errors import ConfigError, DataError

pytestmark = pytest.mark.usefixtures("isolated_search")


def test_dataset_names_match_the_cli():
    from harness.cli import DATASETS

    assert DATASET_NAMES == DATASETS


def test_data_dir_comes_before_harness_data_before_cache(tmp_path, monkeypatch):
    for place in ("given", "env", "cache/mnist"):
        write_idx(tmp_path / place, random_arrays(20, 10))
    monkeypatch.setenv("HARNESS_DATA", str(tmp_path / "env"))
    found = load_dataset("mnist", tmp_path / "given", allow_unverified=True).location
    assert found == str(tmp_path / "given")
    assert load_dataset("mnist", allow_unverified=True).location == str(tmp_path / "env")
    monkeypatch.delenv("HARNESS_DATA")
    assert load_dataset("mnist", allow_unverified=True).location == str(tmp_path / "cache/mnist")


def test_system_folder_is_searched_last(tmp_path):
    write_idx(tmp_path / "system" / "mnist", random_arrays(20, 10))
    ds = load_dataset("mnist", allow_unverified=True)
    assert ds.location == str(tmp_path / "system" / "mnist")


@pytest.mark.parametrize("sub", ["", "mnist"], ids=["flat", "named-subfolder"])
def test_both_layouts_are_accepted(tmp_path, sub):
    write_idx(tmp_path / "d" / sub, random_arrays(20, 10))
    ds = load_dataset("mnist", tmp_path / "d", allow_unverified=True)
    assert ds.location == str(tmp_path / "d" / sub).rstrip("/")


def test_cifar_layouts_folder_inside_and_archive(tmp_path):
    write_cifar_folder(tmp_path / "a" / "cifar10")
    ds = load_dataset("cifar10", tmp_path / "a", allow_unverified=True)
    assert ds.location == str(tmp_path / "a" / "cifar10" / "cifar-10-batches-py")
    ds = load_dataset("cifar10", ds.location, allow_unverified=True)  # the folder itself
    assert ds.location.endswith("cifar-10-batches-py")
    archive, _ = write_cifar_archive(tmp_path / "b")
    assert load_dataset("cifar10", tmp_path / "b", allow_unverified=True).location == str(archive)


def test_not_found_lists_every_place_and_the_fetch_command(tmp_path, monkeypatch):
    monkeypatch.setenv("HARNESS_DATA", str(tmp_path / "env"))
    write_idx(tmp_path / "partial", random_arrays(20, 10))
    (tmp_path / "partial" / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(DataError) as info:
        load_dataset("mnist", tmp_path / "partial")
    message = str(info.value)
    for line in (
        f"--data-dir: {tmp_path / 'partial'} (incomplete: missing t10k-labels-idx1-ubyte.gz)",
        f"$HARNESS_DATA: {tmp_path / 'env'} (no such folder)",
        f"user cache: {tmp_path / 'cache' / 'mnist'} (no such folder)",
        f"system (Debian package): {tmp_path / 'system' / 'mnist'} (no such folder)",
        "python -m harness data fetch mnist",
    ):
        assert line in message


def test_fashion_mnist_falls_back_to_the_bundled_subset(capsys):
    ds = load_dataset("fashion_mnist")
    assert ds.bundled_subset is True and ds.verified is True
    assert ds.location == str(BUNDLED_DIR)
    assert (len(ds.train_labels), len(ds.validation_labels), len(ds.test_labels)) == (
        5_400,
        600,
        1_000,
    )
    counts = np.bincount(np.concatenate([ds.train_labels, ds.validation_labels]))
    assert counts.min() >= 500 and counts.max() <= 700  # roughly balanced
    assert main(["data", "info", "fashion_mnist", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["bundled_subset"] is True and info["verified"] is True
    assert main(["data", "info", "fashion_mnist"]) == 0
    assert "BUNDLED SUBSET" in capsys.readouterr().out


def test_bundled_subset_is_small_and_licensed():
    files = sorted(p.name for p in BUNDLED_DIR.iterdir())
    assert "LICENSE" in files and "README.md" in files
    assert sum(p.stat().st_size for p in BUNDLED_DIR.iterdir()) < 4_000_000
    assert "Copyright (c) 2017 Zalando SE" in (BUNDLED_DIR / "LICENSE").read_text()


def test_validation_size_out_of_range_is_a_config_error(tmp_path):
    write_idx(tmp_path / "d", random_arrays(20, 10))
    with pytest.raises(
        ConfigError,
        match=r"validation_size: expected an integer between 1 "
        r"and 19 .* received 20",
    ):
        load_dataset("mnist", tmp_path / "d", allow_unverified=True, validation_size=20)


def test_arrays_are_read_only(tmp_path):
    write_idx(tmp_path / "d", random_arrays(20, 10))
    ds = load_dataset("mnist", tmp_path / "d", allow_unverified=True)
    with pytest.raises(ValueError):
        ds.train_images[0, 0, 0, 0] = 1
