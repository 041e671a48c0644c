"""The parent's side of a run's outputs: predictions checked before scoring, result files
read without trusting them, scores computed with the labels only the parent holds."""

from __future__ import annotations

import json

import numpy as np
import pytest

from harness.results.scoring import accuracy, check_predictions, confusion_matrix
from harness.worker.files import checked, read_outputs, write_outputs


@pytest.mark.parametrize("pred, expected", [
    (np.array([0, 1, 9]), None),
    (np.array([0, 1]), "predictions: expected shape (3,), received (2,)"),
    (np.zeros((3, 10), np.int64), "predictions: expected shape (3,), received (3, 10)"),
    (np.array([0.0, 1.0, 2.0]), "predictions: expected integer class indices, "
                                "received dtype float64"),
    (np.array([0, 1, 10]), "predictions: expected class indices in [0, 9], "
                           "received values from 0 to 10"),
    (np.array([-1, 1, 2]), "predictions: expected class indices in [0, 9], "
                           "received values from -1 to 2"),
    ([0, 1, 2], "predictions: expected a NumPy array, received list"),
])
def test_check_predictions(pred, expected):
    assert check_predictions(pred, 3, 10) == expected


def test_accuracy_and_confusion():
    pred, labels = np.array([0, 1, 1, 2]), np.array([0, 1, 2, 2])
    assert accuracy(pred, labels) == 0.75
    assert confusion_matrix(pred, labels, 3) == [[1, 0, 0], [0, 1, 0], [0, 1, 1]]
    assert accuracy(np.zeros(0, np.int64), np.zeros(0, np.int64)) == 0.0


def test_outputs_round_trip(tmp_path):
    result = {"status": "ok", "reason": "", "param_count": 7, "curve": [],
              "examples_per_sec": 10, "warmup_seconds": 0.5, "steady_seconds": 1.0,
              "train_seconds": 1.5, "device": {"kind": "cpu"}, "settings": {}}
    write_outputs(tmp_path, result, np.array([1, 2], np.int64))
    got, pred = read_outputs(tmp_path)
    assert got == {**result, "examples_per_sec": 10.0} and pred.tolist() == [1, 2]


def test_untrusted_fields_are_dropped_or_nulled(tmp_path):
    raw = {"status": "ok", "reason": "x" * 10_000, "param_count": "many",
           "examples_per_sec": float("inf"), "extra": "ignored", "train_seconds": True}
    (tmp_path / "result.json").write_text(json.dumps(raw))
    got, pred = read_outputs(tmp_path)
    assert pred is None and "extra" not in got and len(got["reason"]) == 4000
    assert got["param_count"] is None and got["examples_per_sec"] is None
    assert got["train_seconds"] is None


@pytest.mark.parametrize("content", ["[1, 2]", "not json", '{"status": "passed"}'])
def test_malformed_result_reads_as_none(tmp_path, content):
    (tmp_path / "result.json").write_text(content)
    assert read_outputs(tmp_path) == (None, None)


def test_pickled_predictions_are_refused(tmp_path):
    np.save(tmp_path / "predictions.npy", np.array([{"a": 1}], dtype=object))
    assert read_outputs(tmp_path)[1] is None


def test_linked_out_folder_is_refused(tmp_path):
    real = tmp_path / "elsewhere"
    write_outputs(real, {"status": "ok"}, np.array([1]))
    (tmp_path / "out").symlink_to(real)
    assert read_outputs(tmp_path / "out") == (None, None)


def test_checked_fails_a_result_with_bad_predictions():
    result, pred = checked({"status": "ok", "reason": ""}, np.array([0, 11]), 2, 10)
    assert pred is None and result["status"] == "failed"
    assert result["reason"].startswith("predictions: expected class indices in [0, 9]")
