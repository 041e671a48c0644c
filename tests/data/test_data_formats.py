"""Official-format files read back exactly; damaged or foreign files give named errors."""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import pickle

import numpy as np
import pytest
from data_fixtures import (
    expected_cifar,
    isolated_search,  # noqa: F401  (a fixture, used through pytestmark)
    random_arrays,
    spec_trusting,
    write_cifar_archive,
    write_cifar_folder,
    write_idx,
)

from harness.data import load_dataset
from harness.data.formats import gunzip, parse_cifar_batch, parse_idx
from harness.data.loader import load_from_spec
from harness.data.registry import CIFAR10, MNIST
from harness.errors import DataError

pytestmark = pytest.mark.usefixtures("isolated_search")


def _examples(images, labels) -> list[tuple[bytes, int]]:
    """(pixels, label) pairs, sorted: equal lists mean the same examples, order aside."""
    return sorted(zip(map(bytes, images.reshape(len(images), -1)), labels.tolist(), strict=True))


def _train_and_validation(ds) -> list[tuple[bytes, int]]:
    return _examples(
        np.concatenate([ds.train_images, ds.validation_images]),
        np.concatenate([ds.train_labels, ds.validation_labels]),
    )


@pytest.mark.parametrize("gz", [True, False], ids=["gz", "raw"])
def test_mnist_idx_files_read_back_exactly(tmp_path, gz):
    arrays = random_arrays(200, 50)
    write_idx(tmp_path / "d", arrays, gz=gz)
    ds = load_dataset(
        "mnist", data_dir=tmp_path / "d", allow_unverified=True, validation_size=40, seed=3
    )
    np.testing.assert_array_equal(ds.test_images[..., 0], arrays["test_images"])
    np.testing.assert_array_equal(ds.test_labels, arrays["test_labels"])
    assert _train_and_validation(ds) == _examples(arrays["train_images"], arrays["train_labels"])
    assert ds.train_images.dtype == np.uint8 and ds.train_labels.dtype == np.int64
    assert ds.image_shape == (28, 28, 1) and ds.num_classes == 10
    assert (len(ds.train_labels), len(ds.validation_labels)) == (160, 40)
    assert ds.verified is False and ds.bundled_subset is False


def test_validation_split_is_seeded_and_apart_from_training(tmp_path):
    arrays = random_arrays(300, 10)
    write_idx(tmp_path / "d", arrays)
    spec = spec_trusting(MNIST, (tmp_path / "d").iterdir())
    a = load_from_spec(spec, tmp_path / "d", validation_size=30, seed=1)
    b = load_from_spec(spec, tmp_path / "d", validation_size=30, seed=1)
    c = load_from_spec(spec, tmp_path / "d", validation_size=30, seed=2)
    np.testing.assert_array_equal(a.validation_images, b.validation_images)
    assert not np.array_equal(a.validation_images, c.validation_images)
    rows = {r.tobytes() for r in a.train_images}
    assert not any(r.tobytes() in rows for r in a.validation_images)
    assert a.verified is True  # the substitute spec trusts these generated files
    assert load_from_spec(spec, tmp_path / "d").describe()["validation_count"] == 30


def test_cifar_folder_reads_back_exactly(tmp_path):
    folder, arrays = write_cifar_folder(tmp_path / "d")
    ds = load_dataset("cifar10", data_dir=tmp_path / "d", allow_unverified=True, validation_size=10)
    test_images, test_labels = expected_cifar(arrays, "test")
    np.testing.assert_array_equal(ds.test_images, test_images)
    np.testing.assert_array_equal(ds.test_labels, test_labels)
    assert _train_and_validation(ds) == _examples(*expected_cifar(arrays, "train"))
    assert ds.image_shape == (32, 32, 3) and ds.location == str(folder)


def test_cifar_archive_reads_back_exactly_and_verifies_by_container(tmp_path):
    archive, arrays = write_cifar_archive(tmp_path / "d")
    spec = spec_trusting(CIFAR10, [archive])
    ds = load_from_spec(spec, tmp_path / "d", validation_size=10, seed=0)
    assert _train_and_validation(ds) == _examples(*expected_cifar(arrays, "train"))
    test_images, _ = expected_cifar(arrays, "test")
    np.testing.assert_array_equal(ds.test_images, test_images)
    assert ds.verified is True and ds.location == str(archive)


def test_cifar_archive_with_other_content_is_refused_by_member_checksum(tmp_path):
    write_cifar_archive(tmp_path / "d")
    with pytest.raises(
        DataError,
        match=r"data_batch_1: checksum mismatch: expected the "
        r"content of the official data_batch_1 \(md5 c99caf",
    ):
        load_dataset("cifar10", data_dir=tmp_path / "d")


def test_checksum_mismatch_names_file_expected_and_found(tmp_path):
    write_idx(tmp_path / "d", random_arrays(20, 10))
    with pytest.raises(DataError) as info:
        load_dataset("mnist", data_dir=tmp_path / "d")
    message = str(info.value)
    assert "train-images-idx3-ubyte.gz: checksum mismatch" in message
    assert "md5 6bbc9ace898e44ae57da46a324031adb" in message  # published decoded md5
    assert "official train-images-idx3-ubyte.gz has md5 f68b3c2dcbeaaa9fbdd348bbdeb94873" in message
    assert "--allow-unverified" in message


def test_truncated_gzip_is_refused(tmp_path):
    paths = write_idx(tmp_path / "d", random_arrays(20, 10))
    data = paths["train_images"].read_bytes()
    paths["train_images"].write_bytes(data[: len(data) // 2])
    with pytest.raises(DataError, match=r"train-images-idx3-ubyte.gz: truncated gzip file"):
        load_dataset("mnist", data_dir=tmp_path / "d", allow_unverified=True)


def test_corrupt_gzip_is_refused(tmp_path):
    paths = write_idx(tmp_path / "d", random_arrays(20, 10))
    data = bytearray(paths["test_images"].read_bytes())
    data[-8] ^= 0xFF  # the CRC32 in the gzip trailer
    paths["test_images"].write_bytes(bytes(data))
    with pytest.raises(
        DataError,
        match=r"t10k-images-idx3-ubyte.gz: corrupt gzip data: "
        r"expected a valid deflate stream, found an error",
    ):
        load_dataset("mnist", data_dir=tmp_path / "d", allow_unverified=True)


def test_truncated_raw_idx_is_refused_even_when_unverified_is_allowed(tmp_path):
    paths = write_idx(tmp_path / "d", random_arrays(20, 10), gz=False)
    paths["train_images"].write_bytes(paths["train_images"].read_bytes()[:-100])
    with pytest.raises(
        DataError,
        match=r"train-images-idx3-ubyte: truncated idx file: the "
        r"header announces 20 x 28 x 28 = 15680 bytes of "
        r"data, found 15580",
    ):
        load_dataset("mnist", data_dir=tmp_path / "d", allow_unverified=True)


def test_wrong_magic_and_wrong_kind_are_refused():
    with pytest.raises(
        DataError,
        match=r"f: wrong magic number: expected 0x00000803 \(idx "
        r"file of images\), found 0x00000801 \(an idx file "
        r"of labels\)",
    ):
        parse_idx(
            b"\x00\x00\x08\x01" + (3).to_bytes(4, "big") + b"\x01\x02\x03" + b"\x00" * 8,
            "f",
            "images",
        )
    with pytest.raises(DataError, match=r"found 0x89504e47 \(not an idx file\)"):
        parse_idx(b"\x89PNG\r\n\x1a\n" + b"\x00" * 16, "f", "labels")
    with pytest.raises(DataError, match=r"this is gzip data"):
        parse_idx(gzip.compress(b"x" * 40), "f", "labels")


def test_images_of_the_wrong_size_are_refused(tmp_path):
    arrays = random_arrays(20, 10, shape=(32, 32))
    write_idx(tmp_path / "d", arrays)
    with pytest.raises(
        DataError,
        match=r"image size: expected 28x28 \(MNIST handwritten "
        r"digits\), found 32x32",
    ):
        load_dataset("mnist", data_dir=tmp_path / "d", allow_unverified=True)


def test_label_out_of_range_is_refused(tmp_path):
    arrays = random_arrays(20, 10)
    arrays["test_labels"][3] = 12
    write_idx(tmp_path / "d", arrays)
    with pytest.raises(
        DataError,
        match=r"t10k-labels-idx1-ubyte.gz: labels: expected values "
        r"0...9, found 12",
    ):
        load_dataset("mnist", data_dir=tmp_path / "d", allow_unverified=True)


def test_not_gzip_is_refused():
    with pytest.raises(DataError, match=r"x.gz: not gzip data: expected the bytes 1f 8b"):
        gunzip(b"\x00\x00\x08\x01", "x.gz")


def test_cifar_batch_pickle_with_code_is_refused():
    class Evil:
        def __reduce__(self):
            return (print, ("pwned",))

    with pytest.raises(
        DataError,
        match=r"b: not a CIFAR-10 python batch: expected a pickled "
        r"dict, found undecodable data \(UnpicklingError: "
        r"refusing to load (__builtin__|builtins).print\)",
    ):
        parse_cifar_batch(pickle.dumps({"data": Evil()}, protocol=2), "b")


def test_cifar_batch_with_wrong_fields_is_refused():
    bad = pickle.dumps({b"data": np.zeros((4, 100), np.uint8), b"labels": [0] * 4}, protocol=2)
    with pytest.raises(
        DataError,
        match=r"field 'data': expected a uint8 array of shape "
        r"\(n, 3072\), found uint8 array of shape \(4, 100\)",
    ):
        parse_cifar_batch(bad, "b")
    short = pickle.dumps({b"data": np.zeros((4, 3072), np.uint8), b"labels": [0] * 3})
    with pytest.raises(DataError, match=r"field 'labels': expected 4 labels"):
        parse_cifar_batch(short, "b")


def test_truncated_cifar_archive_is_refused(tmp_path):
    archive, _ = write_cifar_archive(tmp_path / "d")
    archive.write_bytes(archive.read_bytes()[:2000])
    with pytest.raises(
        DataError,
        match=r"cifar-10-python.tar.gz: corrupt or truncated "
        r"archive",
    ):
        load_dataset("cifar10", data_dir=tmp_path / "d", allow_unverified=True)


def _spec_with(paths, **digests):
    """MNIST whose only digests are the given decoded sha256s (by file name)."""
    files = tuple(
        dataclasses.replace(
            f, container_md5=None, decoded_md5=None, decoded_sha256=digests.get(f.name)
        )
        for f in MNIST.files
    )
    return dataclasses.replace(MNIST, files=files)


def test_recompressed_gz_verifies_by_its_decoded_bytes(tmp_path):
    # Debian's case: another gzip container, identical content.
    arrays = random_arrays(30, 10)
    paths = write_idx(tmp_path / "d", arrays)
    sha = {
        p.name: hashlib.sha256(gzip.decompress(p.read_bytes())).hexdigest() for p in paths.values()
    }
    for path in paths.values():
        path.write_bytes(gzip.compress(gzip.decompress(path.read_bytes()), compresslevel=1))
    spec = _spec_with(paths.values(), **sha)
    assert load_from_spec(spec, tmp_path / "d", validation_size=3).verified is True
    sha["t10k-labels-idx1-ubyte.gz"] = "0" * 64
    with pytest.raises(
        DataError,
        match=r"t10k-labels-idx1-ubyte.gz: checksum mismatch: "
        r"expected the content of the official "
        r"t10k-labels-idx1-ubyte \(sha256 0{64}\), found sha256",
    ):
        load_from_spec(_spec_with(paths.values(), **sha), tmp_path / "d")


def test_unknown_decoded_checksum_and_foreign_container_is_refused_honestly(tmp_path):
    paths = write_idx(tmp_path / "d", random_arrays(30, 10))
    with pytest.raises(
        DataError,
        match=r"train-images-idx3-ubyte.gz: no published checksum "
        r"of its decoded content is known and the file is not "
        r"the official train-images-idx3-ubyte.gz; the file "
        r"itself has md5 [0-9a-f]{32}, the official "
        r"train-images-idx3-ubyte.gz has md5 \(not published\)",
    ):
        load_from_spec(_spec_with(paths.values()), tmp_path / "d")
    ds = load_from_spec(_spec_with(paths.values()), tmp_path / "d", allow_unverified=True)
    assert ds.verified is False
