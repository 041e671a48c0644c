"""The real Fashion-MNIST from Debian's dataset-fashion-mnist (/usr/share/datasets)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from project_paths import DEBIAN_FASHION_MNIST as DEBIAN

from harness.cli import main
from harness.data import load_dataset

pytestmark = [
    pytest.mark.realdata,
    pytest.mark.needs("fashion_mnist"),
]


@pytest.fixture(scope="module")
def fashion():
    return load_dataset("fashion_mnist", data_dir=DEBIAN)


def test_label_histogram_is_6000_per_class_train_and_1000_test(fashion):
    labels = np.concatenate([fashion.train_labels, fashion.validation_labels])
    assert np.bincount(labels, minlength=10).tolist() == [6_000] * 10
    assert np.bincount(fashion.test_labels, minlength=10).tolist() == [1_000] * 10


def test_debian_recompressed_files_verify_by_their_decoded_bytes(fashion):
    assert fashion.verified is True and fashion.bundled_subset is False
    assert fashion.train_images.shape == (55_000, 28, 28, 1)
    assert fashion.validation_images.shape == (5_000, 28, 28, 1)
    assert fashion.test_images.shape == (10_000, 28, 28, 1)
    assert fashion.train_images.dtype == np.uint8 and fashion.test_labels.dtype == np.int64
    # Pixel statistics of the real set (mean ~72.9 on 0..255), far from random bytes.
    assert 70 < fashion.test_images.mean() < 76


def test_info_json_reports_the_full_verified_set(capsys):
    assert main(["data", "info", "fashion_mnist", "--json", "--data-dir", str(DEBIAN)]) == 0
    info = json.loads(capsys.readouterr().out)
    assert (info["train_count"], info["validation_count"], info["test_count"]) == (
        55_000,
        5_000,
        10_000,
    )
    assert info["image_shape"] == [28, 28, 1] and info["verified"] is True
    assert info["bundled_subset"] is False and info["location"] == str(DEBIAN)
