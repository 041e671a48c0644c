"""The explore exports at the boundary: what a run writes, what the parent accepts.

The worker's folder is writable by student code, so every file is read as hostile: links,
wrong dtypes and shapes, NaN, probabilities that disagree with the scored predictions,
unknown arrays and archives that unpack to far more than they weigh are all refused, and a
refusal costs the page its pictures, never the grade.
"""

from __future__ import annotations

import zipfile

import numpy as np
import pytest
from explore_factory import ORIGINAL_LAYERS, SHAPE, random_arrays

from harness.grading.explore import keep_for_page
from harness.report.explore import store
from harness.worker.explore import (
    PROBABILITIES,
    WEIGHTS,
    read_export,
    read_exports,
    softmax,
    write_exports,
)

SETTINGS = {"layers": [dict(layer) for layer in ORIGINAL_LAYERS]}
NUM_TEST = 60


@pytest.fixture
def run_out(tmp_path):
    """A worker's ``out`` folder as an honest layer-list run leaves it; its predictions."""
    rng = np.random.default_rng(0)
    probabilities = softmax(rng.normal(0, 3, (NUM_TEST, 10)))
    write_exports(tmp_path / "out", probabilities, random_arrays(ORIGINAL_LAYERS))
    return tmp_path / "out", probabilities.argmax(axis=1)


def _read(out, predictions, settings=SETTINGS):
    return read_exports(out, settings, SHAPE, 10, predictions)


def test_an_honest_export_is_accepted_whole(run_out):
    exports, problem = _read(*run_out)
    assert problem == "" and exports.refused == ""
    assert [w.shape for w in exports.weights][:2] == [(5, 5, 1, 16), (16,)]
    assert exports.state == [] and exports.probabilities.shape == (NUM_TEST, 10)


def test_a_code_form_run_keeps_its_probabilities_only(run_out):
    exports, problem = _read(*run_out, settings={})
    assert problem == "" and exports.weights == [] and exports.refused == ""


@pytest.mark.parametrize(
    "change, expected",
    [
        (lambda p: p.astype(np.float64), "expected dtype float32, received float64"),
        (lambda p: p[:-1], f"expected shape ({NUM_TEST}, 10), received ({NUM_TEST - 1}, 10)"),
        (lambda p: np.where(p > 0.5, np.nan, p).astype(np.float32), "expected finite values"),
        (lambda p: p * 2, "expected rows of probabilities summing to 1"),
        (lambda p: p[:, ::-1].copy(), "expected the predicted class to be the most probable"),
    ],
)
def test_probabilities_that_do_not_fit_the_run_are_refused(run_out, change, expected):
    out, predictions = run_out
    np.save(out / PROBABILITIES, change(np.load(out / PROBABILITIES)))
    exports, problem = _read(out, predictions)
    assert exports is None and expected in problem


def _claiming(path, shape):
    """An .npy file whose header claims ``shape`` float32 values and holds 16 bytes."""
    with open(path, "wb") as handle:
        header = {"descr": "<f4", "fortran_order": False, "shape": shape}
        np.lib.format.write_array_header_1_0(handle, header)
        handle.write(b"\0" * 16)


def test_a_header_claiming_a_huge_shape_is_refused_before_reading(run_out):
    out, predictions = run_out
    _claiming(out / PROBABILITIES, (10**12, 10))
    exports, problem = _read(out, predictions)
    assert exports is None
    assert f"expected shape ({NUM_TEST}, 10), received (1000000000000, 10)" in problem


def test_a_weights_entry_claiming_more_than_it_holds_is_refused(run_out, tmp_path):
    out, predictions = run_out
    _claiming(tmp_path / "weight_0.npy", (10**12, 10))
    with zipfile.ZipFile(out / WEIGHTS, "a") as archive:
        archive.write(tmp_path / "weight_0.npy", "weight_9.npy")
    exports, problem = _read(out, predictions)
    assert problem == "" and "more than the file holds" in exports.refused


def test_a_link_is_never_followed(run_out, tmp_path):
    out, predictions = run_out
    secret = tmp_path / "labels.npy"
    np.save(secret, np.load(out / PROBABILITIES))  # as if it were the parent's file
    (out / PROBABILITIES).unlink()
    (out / PROBABILITIES).symlink_to(secret)
    exports, problem = _read(out, predictions)
    assert exports is None and "expected a regular file of bounded size" in problem


def test_pickled_objects_are_not_loaded(run_out):
    out, predictions = run_out
    np.save(out / PROBABILITIES, np.array([{"a": 1}] * NUM_TEST, dtype=object), allow_pickle=True)
    exports, problem = _read(out, predictions)
    assert exports is None and "not a readable .npy file" in problem


def _rewrite_weights(out, **arrays):
    with np.load(out / WEIGHTS) as data:
        found = {k: data[k] for k in data.files}
    found.update(arrays)
    np.savez(out / WEIGHTS, **{k: v for k, v in found.items() if v is not None})


@pytest.mark.parametrize(
    "arrays, expected",
    [
        (
            {"weight_1": np.zeros(17, np.float32)},
            "weights[1] (LAYERS[0] bias): expected shape (16,), received (17,)",
        ),
        (
            {"weight_4": np.full((784, 10), np.inf, np.float32)},
            "weights[4] (LAYERS[7] kernel): expected finite values",
        ),
        (
            {"weight_5": None},
            "arrays: expected ['weight_0', 'weight_1', 'weight_2', 'weight_3', "
            "'weight_4', 'weight_5'], received",
        ),
        ({"extra": np.zeros(1, np.float32)}, "arrays: expected"),
    ],
)
def test_weights_that_do_not_fit_the_layer_list_are_refused_keeping_the_rest(
    run_out, arrays, expected
):
    out, predictions = run_out
    _rewrite_weights(out, **arrays)
    exports, problem = _read(out, predictions)
    assert problem == "" and exports.probabilities.shape == (NUM_TEST, 10)
    assert exports.weights == [] and expected in exports.refused


def test_a_reported_layer_list_that_is_wrong_refuses_the_weights(run_out):
    layers = SETTINGS["layers"][:-1] + [{"layer": "dense", "units": 9}]
    exports, _ = _read(*run_out, settings={"layers": layers})
    assert "gives 9 outputs, expected 10" in exports.refused and exports.weights == []


def test_an_archive_that_unpacks_past_the_bound_is_refused_unread(run_out):
    out, predictions = run_out
    with zipfile.ZipFile(out / WEIGHTS, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("weight_0.npy", b"\0" * (9 << 20))  # 9 MB of zeros, 9 kB packed
    assert (out / WEIGHTS).stat().st_size < 100_000
    exports, _ = _read(out, predictions)
    assert "expected at most" in exports.refused and "bytes unpacked" in exports.refused


def test_the_parent_keeps_the_picked_images_and_replaces_an_earlier_page(run_out, tmp_path):
    out, predictions = run_out
    rng = np.random.default_rng(1)
    test = {
        "images": rng.integers(0, 256, (NUM_TEST, *SHAPE), dtype=np.uint8),
        "labels": rng.integers(0, 10, NUM_TEST),
        "input_shape": SHAPE,
        "num_classes": 10,
    }
    page = tmp_path / "explore" / "ada" / "fashion_mnist-torch.npz"
    assert keep_for_page(out, page, SETTINGS, test, predictions) == ""
    kept = store.load(page)
    assert np.array_equal(kept.images, test["images"][kept.indices])
    assert np.array_equal(kept.labels, test["labels"][kept.indices])
    assert len(kept.weights) == 6 and kept.note == ""
    (out / PROBABILITIES).unlink()
    why = keep_for_page(out, page, SETTINGS, test, predictions)
    assert "probabilities.npy: expected a regular file" in why and not page.exists()


def test_an_export_over_its_bound_is_refused_not_truncated(tmp_path):
    """A file one byte over the bound is none to take; never its first ``limit`` bytes."""
    (tmp_path / WEIGHTS).write_bytes(b"x" * 101)
    assert read_export(tmp_path / WEIGHTS, 100) is None
    assert read_export(tmp_path / WEIGHTS, 101) == b"x" * 101
