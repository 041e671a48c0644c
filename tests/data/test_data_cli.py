"""``python -m harness data info`` on files that are not the official ones, through cli.main."""

from __future__ import annotations

import json

import pytest
from data_fixtures import (
    isolated_search,  # noqa: F401  (a fixture, used through pytestmark)
    random_arrays,
    write_idx,
)

from harness.cli import main

pytestmark = pytest.mark.usefixtures("isolated_search")


def test_info_refuses_unofficial_mnist_with_a_checksum_error(tmp_path, capsys):
    write_idx(tmp_path / "d", random_arrays(100, 20))
    assert main(["data", "info", "mnist", "--data-dir", str(tmp_path / "d")]) == 2
    err = capsys.readouterr().err
    assert f"error: {tmp_path / 'd' / 'train-images-idx3-ubyte.gz'}: checksum mismatch" in err
    assert "--allow-unverified" in err


def test_info_accepts_them_with_allow_unverified_and_says_unverified(tmp_path, capsys):
    write_idx(tmp_path / "d", random_arrays(100, 20), gz=False)
    args = ["data", "info", "mnist", "--data-dir", str(tmp_path / "d"), "--allow-unverified"]
    assert main([*args, "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info == {
        "name": "mnist",
        "location": str(tmp_path / "d"),
        "train_count": 90,
        "validation_count": 10,
        "test_count": 20,
        "image_shape": [28, 28, 1],
        "verified": False,
        "bundled_subset": False,
        "class_names": [str(d) for d in range(10)],
    }
    assert main(args) == 0
    assert "checksums:   UNVERIFIED" in capsys.readouterr().out


def test_info_without_files_names_the_fetch_command(capsys):
    assert main(["data", "info", "cifar10"]) == 2
    assert "python -m harness data fetch cifar10" in capsys.readouterr().err
