"""The parent's side of what a run sends: framed messages bounded and typed, every field
parsed into a dataclass or refused by name, the training plan checked against the budget,
scores computed with the labels only the parent holds."""

from __future__ import annotations

import json
import socket
import struct
import threading
import time

import numpy as np
import pytest

from harness.config import Budget
from harness.results.scoring import accuracy, check_predictions, confusion_matrix
from harness.worker import channel
from harness.worker.job import Job
from harness.worker.messages import Declared, Refused, parse_declared, parse_report
from harness.worker.stream import RunInputs, send_data, visited
from harness.worker.training_plan import plan_training


@pytest.mark.parametrize(
    "pred, expected",
    [
        (np.array([0, 1, 9]), None),
        (np.array([0, 1]), "predictions: expected shape (3,), received (2,)"),
        (np.zeros((3, 10), np.int64), "predictions: expected shape (3,), received (3, 10)"),
        (
            np.array([0.0, 1.0, 2.0]),
            "predictions: expected integer class indices, received dtype float64",
        ),
        (
            np.array([0, 1, 10]),
            "predictions: expected class indices in [0, 9], received values from 0 to 10",
        ),
        (
            np.array([-1, 1, 2]),
            "predictions: expected class indices in [0, 9], received values from -1 to 2",
        ),
        ([0, 1, 2], "predictions: expected a NumPy array, received list"),
    ],
)
def test_check_predictions(pred, expected):
    assert check_predictions(pred, 3, 10) == expected


def test_accuracy_and_confusion():
    pred, labels = np.array([0, 1, 1, 2]), np.array([0, 1, 2, 2])
    assert accuracy(pred, labels) == 0.75
    assert confusion_matrix(pred, labels, 3) == [[1, 0, 0], [0, 1, 0], [0, 1, 1]]
    assert accuracy(np.zeros(0, np.int64), np.zeros(0, np.int64)) == 0.0


@pytest.fixture
def pair():
    """Both ends of a socket, closed after the test."""
    left, right = socket.socketpair()
    for end in (left, right):
        end.settimeout(10)
    yield left, right
    left.close()
    right.close()


def test_messages_round_trip_with_arrays_sent_in_chunks(monkeypatch, pair):
    monkeypatch.setattr(channel, "CHUNK_BYTES", 64)
    left, right = pair
    images = np.arange(5 * 28 * 28, dtype=np.uint8).reshape(5, 28, 28, 1)
    rows = np.array([0, 3, 4])
    channel.send(
        left,
        "data",
        {"n": 3},
        {"images": channel.Rows(images, rows), "labels": np.array([1, 2, 3])},
    )
    kind, body, arrays = channel.receive(right, 1 << 20)
    assert (kind, body) == ("data", {"n": 3})
    np.testing.assert_array_equal(arrays["images"], images[rows])
    assert arrays["labels"].tolist() == [1, 2, 3]


def _raw(header: dict, payload: bytes = b"") -> bytes:
    text = json.dumps(header).encode()
    return struct.pack("!I", len(text)) + text + payload


@pytest.mark.parametrize(
    "header, expected",
    [
        (
            {"kind": "report", "arrays": [{"name": "p", "dtype": "object", "shape": [2]}]},
            "array 'p': dtype expected one of",
        ),
        (
            {"kind": "report", "arrays": [{"name": "p", "dtype": "int64", "shape": [10**9]}]},
            "array 'p' of shape (1000000000,) is larger than",
        ),
        (
            {"kind": "report", "arrays": [{"name": "p", "dtype": "int64", "shape": [-1]}]},
            "array 'p': shape expected up to 8 sizes >= 0",
        ),
        ({"kind": 3}, "header: expected {kind: str"),
    ],
)
def test_malformed_frames_are_refused_by_name(header, expected, pair):
    left, right = pair
    left.sendall(_raw(header))
    with pytest.raises(channel.ProtocolError, match=None) as caught:
        channel.receive(right, 1 << 20)
    assert str(caught.value).startswith(expected), caught.value


def test_a_deeply_nested_header_is_refused_at_once(pair):
    left, right = pair
    deep = b'{"kind": "ready", "body": {"settings": ' + b"[" * 200_000 + b"]" * 200_000 + b"}}"
    sender = threading.Thread(target=left.sendall, args=(struct.pack("!I", len(deep)) + deep,))
    sender.start()
    with pytest.raises(channel.ProtocolError, match="nests lists or objects deeper than 32"):
        channel.receive(right, 1 << 20)
    sender.join()
    # Brackets inside strings are text, not nesting.
    channel.send(left, "ready", {"settings": {"note": "[" * 1000 + '\\"{' * 100}})
    assert channel.receive(right, 1 << 20)[1]["settings"]["note"].startswith("[[[")


def _receive_raw(pair, raw: bytes):
    """What :func:`channel.receive` makes of ``raw`` sent as one header, and its seconds."""
    left, right = pair
    sender = threading.Thread(target=left.sendall, args=(struct.pack("!I", len(raw)) + raw,))
    sender.start()
    started = time.perf_counter()
    try:
        return channel.receive(right, channel.HEADER_BYTES), time.perf_counter() - started
    except channel.ProtocolError as exc:
        return exc, time.perf_counter() - started
    finally:
        sender.join()


def test_an_unclosed_string_of_escaped_quotes_is_checked_in_linear_time(pair):
    # A backtracking string pattern took 25 s on 32,000 of these pairs, holding the GIL.
    size = channel.HEADER_BYTES - 100
    opening = b'{"kind": "ready", "body": {"note": "'
    hostile = opening + b'\\"' * ((size - len(opening)) // 2)
    benign = opening + b"ab" * ((size - len(opening)) // 2) + b'"}}'
    refused, hostile_seconds = _receive_raw(pair, hostile)
    (_, body, _), benign_seconds = _receive_raw(pair, benign)
    assert isinstance(refused, channel.ProtocolError) and body["note"].startswith("abab")
    assert hostile_seconds < max(5 * benign_seconds, 1.0), (hostile_seconds, benign_seconds)


def test_brackets_after_a_string_ending_in_backslashes_still_count(pair):
    # The quote after an even run of backslashes closes the string; what follows nests.
    deep = b'{"kind": "ready", "body": {"a": "x\\\\", "b": ' + b"[" * 40 + b"]" * 40 + b"}}"
    refused, _ = _receive_raw(pair, deep)
    assert "nests lists or objects deeper than 32" in str(refused)
    escaped = b'{"kind": "ready", "body": {"a": "x\\\\\\" ' + b"[" * 40 + b'"}}'
    (_, body, _), _ = _receive_raw(pair, escaped)
    assert body["a"] == 'x\\" ' + "[" * 40


def test_oversized_header_and_early_close_are_refused(pair):
    left, right = pair
    left.sendall(struct.pack("!I", 5 << 20))
    with pytest.raises(channel.ProtocolError, match="header of 5242880 bytes"):
        channel.receive(right, 64 << 20)
    left.close()
    with pytest.raises(channel.Closed):
        channel.receive(right, 1 << 20)


def _report(**changes):
    body = {
        "status": "ok",
        "reason": "",
        "param_count": 7,
        "losses": [1.5, 0.5],
        "device": {"kind": "cpu", "threads": 1},
    }
    arrays = {
        "predictions": np.array([1, 2, 3]),
        "validation_predictions": np.zeros((2, 4), np.int64),
    }
    for key, value in changes.items():
        (arrays if key.endswith("predictions") else body)[key] = value
    return parse_report(body, arrays, points=2, num_test=3, validation_images=4, classes=10)


def test_report_keeps_checked_fields_only():
    report = _report(extra="ignored", examples_per_sec=1e9, train_seconds=0.001)
    assert report.status == "ok" and report.losses == (1.5, 0.5) and report.param_count == 7
    assert report.predictions.tolist() == [1, 2, 3] and report.device["threads"] == 1
    assert not hasattr(report, "examples_per_sec")


@pytest.mark.parametrize(
    "changes, expected",
    [
        ({"losses": [1.0]}, "report.losses: expected 2 finite numbers >= 0 (one per curve point)"),
        ({"losses": [1.0, float("nan")]}, "report.losses: expected 2 finite numbers"),
        ({"losses": [1.0, -2.0]}, "report.losses: expected 2 finite numbers"),
        ({"param_count": "many"}, "report.param_count: expected an integer >= 0, received 'many'"),
        ({"device": {"name": ["x"]}}, "report.device.name: expected a number, text or null"),
        ({"device": {"memory": float("nan")}}, "report.device.memory: expected a finite number"),
        ({"device": {"tflops": float("inf")}}, "report.device.tflops: expected a finite number"),
        ({"predictions": np.array([0, 1])}, "report.predictions: expected shape (3,)"),
        (
            {"validation_predictions": np.zeros((1, 4), np.int64)},
            "report.validation_predictions: expected an array of shape (2, 4), received (1, 4)",
        ),
        (
            {"validation_predictions": np.full((2, 4), 12)},
            "report.validation_predictions: expected class indices in [0, 9]",
        ),
        ({"status": "passed"}, "report.status: expected 'ok' or 'failed', received 'passed'"),
    ],
)
def test_report_fields_are_refused_by_name(changes, expected):
    with pytest.raises(Refused) as caught:
        _report(**changes)
    assert str(caught.value).startswith(expected), caught.value


def test_failed_report_keeps_a_bounded_reason():
    report = parse_report(
        {"status": "failed", "reason": "x" * 10_000},
        {},
        points=0,
        num_test=3,
        validation_images=4,
        classes=10,
    )
    assert report.status == "failed" and len(report.reason) == 4000


def test_declared_settings_are_typed_and_layers_validated():
    declared = parse_declared(
        {
            "settings": {
                "batch_size": 16,
                "form": "layers",
                "other": 1,
                "layers": [{"layer": "flatten"}],
            }
        }
    )
    assert declared.hyperparameters == {"batch_size": 16} and declared.form == "layers"
    with pytest.raises(Refused, match="ready.settings.layers: expected a valid layer list"):
        parse_declared({"settings": {"layers": [{"layer": "teleport"}]}})
    with pytest.raises(Refused, match="ready.settings: expected an object"):
        parse_declared({"settings": [1]})


JOB = Job(
    kind="submission",
    framework="torch",
    dataset="fashion_mnist",
    input_shape=(28, 28, 1),
    num_classes=10,
    seed=0,
    max_batches=30,
)


def test_plan_caps_batches_and_refuses_a_budget_breaking_declaration():
    budget = Budget(max_examples=1000)
    plan = plan_training(
        JOB, Declared({"batch_size": 8, "num_batches": 100, "optimizer": "adam"}), budget
    )
    assert (plan.batch_size, plan.num_batches, plan.eval_every) == (8, 30, 1)
    assert plan.points == list(range(1, 31)) and plan.examples == 240
    with pytest.raises(Refused, match="outside the assignment's budget: .*batch_size x"):
        plan_training(JOB, Declared({"batch_size": 64, "num_batches": 100}), budget)


def test_data_sent_is_the_planned_batches_and_no_other_label(pair):
    plan = plan_training(JOB, Declared({"batch_size": 4, "num_batches": 3}), Budget())
    rng = np.random.default_rng(1)
    inputs = RunInputs(
        rng.integers(0, 256, (50, 2, 2, 1), dtype=np.uint8),
        np.arange(50) % 10,
        np.zeros((7, 2, 2, 1), np.uint8),
        np.zeros((5, 2, 2, 1), np.uint8),
    )
    left, right = pair
    send_data(left, plan, inputs, seed=0)
    kind, body, arrays = channel.receive(right, 1 << 20)
    rows, table = visited(50, plan, 0)
    assert kind == "data" and body["num_batches"] == 3 and len(rows) <= 12
    assert set(arrays) == {
        "train_images",
        "train_labels",
        "batch_indices",
        "validation_images",
        "test_images",
    }
    np.testing.assert_array_equal(
        arrays["train_labels"][arrays["batch_indices"]], inputs.train_labels[rows][table]
    )
    np.testing.assert_array_equal(arrays["train_images"], inputs.train_images[rows])


def test_inputs_saved_on_a_node_are_read_back_as_read_only_memory_maps(tmp_path):
    rng = np.random.default_rng(0)
    inputs = RunInputs(
        rng.integers(0, 256, (6, 2, 2, 1), dtype=np.uint8),
        np.arange(6),
        np.zeros((3, 2, 2, 1), np.uint8),
        np.ones((2, 2, 2, 1), np.uint8),
    )
    inputs.save(tmp_path / "fashion_mnist")
    again = RunInputs.from_folder(tmp_path / "fashion_mnist")
    assert isinstance(again.train_images, np.memmap) and not again.train_images.flags.writeable
    np.testing.assert_array_equal(again.train_images, inputs.train_images)
    assert sorted(p.name for p in (tmp_path / "fashion_mnist").iterdir()) == [
        "test_images.npy",
        "train_images.npy",
        "train_labels.npy",
        "validation_images.npy",
    ]
    assert all(p.stat().st_mode & 0o222 == 0 for p in (tmp_path / "fashion_mnist").iterdir())


def test_a_report_of_success_before_any_data_is_refused(pair):
    from harness.config import Budget
    from harness.worker.parent import _Conversation

    left, right = pair
    inputs = RunInputs(
        np.zeros((4, 2, 2, 1), np.uint8),
        np.arange(4),
        np.zeros((2, 2, 2, 1), np.uint8),
        np.zeros((3, 2, 2, 1), np.uint8),
    )
    talk = _Conversation(left, JOB, inputs, Budget())
    channel.send(
        right,
        "report",
        {"status": "ok", "param_count": 1, "losses": [], "device": {}},
        {
            "predictions": np.zeros(3, np.int64),
            "validation_predictions": np.zeros((0, 2), np.int64),
        },
    )
    talk()
    assert talk.refused == "report: expected 'failed' before any data was sent, received 'ok'"
    assert talk.report is None and talk.training_plan is None
