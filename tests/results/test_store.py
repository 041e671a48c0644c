"""The results store on synthetic records: round trips, reuse by fingerprint, damaged files."""

from __future__ import annotations

import json

import pytest

from harness.results.record import RunRecord
from harness.results.store import ResultsStore, UnreadableRun, atomic_write_text, read_run, run_key


def record(submission="alice", dataset="mnist", framework="torch", **fields) -> RunRecord:
    return RunRecord(
        submission, dataset, framework, **{"status": "passed", "fingerprint": "f1", **fields}
    )


def test_run_keys_are_file_safe_and_keep_runs_apart():
    assert run_key("reference:original", "mnist", "torch") == "reference~3Aoriginal--mnist--torch"
    assert run_key("a/../b", "mnist", "jax") == "a~2F..~2Fb--mnist--jax"
    # ids equal after a lossy cleaning would share a file: the escapes keep them apart
    assert run_key("reference_original", "mnist", "torch") != run_key(
        "reference:original", "mnist", "torch"
    )
    assert run_key("alice", "mnist", "torch") != run_key("alice", "mnist", "jax")


def test_a_saved_record_loads_equal(tmp_path):
    store = ResultsStore(tmp_path)
    saved = record(test_accuracy=0.875, confusion=[[1, 0], [2, 3]], device={"kind": "cpu"})
    path = store.save(saved)
    assert path == tmp_path / "runs" / "alice--mnist--torch.json"
    assert store.load("alice", "mnist", "torch") == saved
    assert store.load("bob", "mnist", "torch") is None


def test_reuse_needs_the_same_fingerprint(tmp_path):
    store = ResultsStore(tmp_path)
    store.save(record())
    assert store.reusable("alice", "mnist", "torch", "f1") == record()
    assert store.reusable("alice", "mnist", "torch", "f2") is None
    assert store.reusable("alice", "cifar10", "torch", "f1") is None


@pytest.mark.parametrize(
    "status, reason",
    [
        ("failed", "loss is NaN at batch 40"),
        ("failed", "timed out after 2 s"),
        ("error", "reference run for mnist/torch failed"),
    ],
)
def test_a_run_that_did_not_pass_is_reused_like_any_other(tmp_path, status, reason):
    # The fingerprint holds everything a run depends on, the time limit included, so grading
    # again does not retry a failure; a new --time-limit (or deleting the file) does.
    store = ResultsStore(tmp_path)
    store.save(record(status=status, reason=reason))
    reused = store.reusable("alice", "mnist", "torch", "f1")
    assert (reused.status, reused.reason) == (status, reason)


def test_unknown_fields_in_a_stored_record_are_dropped(tmp_path):
    path = tmp_path / "run.json"
    path.write_text(json.dumps({**record().to_dict(), "from_a_newer_harness": 1}))
    assert read_run(path) == record()


@pytest.mark.parametrize(
    "content, message",
    [
        (b"[1, 2]", "expected a JSON object (one run record), received list [1, 2]"),
        (b'"text"', "expected a JSON object (one run record), received str text"),
        (
            b'{"submission": "alice", "status": "passed"',
            "expected JSON, received invalid text (Expecting ',' delimiter: line 1 column 43",
        ),
        (b'{"submission": "caf\xe9"}', "expected UTF-8 JSON, received byte 0xe9 at offset 19"),
        (
            b'{"submission": "alice", "status": "passed"}',
            "expected a run record, received an object without dataset, framework",
        ),
        (b"", "expected JSON, received invalid text (Expecting value: line 1 column 1"),
    ],
)
def test_a_damaged_run_file_is_named_with_what_is_wrong(tmp_path, content, message):
    path = tmp_path / "runs" / "alice--mnist--torch.json"
    path.parent.mkdir()
    path.write_bytes(content)
    with pytest.raises(UnreadableRun) as error:
        read_run(path)
    assert str(error.value).startswith(f"{path}: {message}")
    # Loading it for reuse treats it as absent: the run is graded again and replaces it.
    assert ResultsStore(tmp_path).load("alice", "mnist", "torch") is None


def test_all_records_reports_damaged_files_and_keeps_the_others(tmp_path):
    store = ResultsStore(tmp_path)
    store.save(record("alice"))
    store.save(record("bob"))
    (store.runs_dir / "list.json").write_text("[1, 2]")
    (store.runs_dir / "latin1.json").write_bytes(b'{"submission": "\xe9"}')
    records, problems = store.all_records()
    assert [r.submission for r in records] == ["alice", "bob"]
    assert problems == [
        f"{store.runs_dir / 'latin1.json'}: expected UTF-8 JSON, received byte 0xe9 at offset 16",
        f"{store.runs_dir / 'list.json'}: expected a JSON object (one run record), "
        "received list [1, 2]",
    ]


def test_an_empty_store_has_no_records(tmp_path):
    assert ResultsStore(tmp_path / "never_written").all_records() == ([], [])


def test_results_json_lists_the_records_in_order(tmp_path):
    store = ResultsStore(tmp_path)
    path = store.write_results([record("bob"), record("alice", score=7.5)])
    assert [(r["submission"], r["score"]) for r in json.loads(path.read_text())] == [
        ("bob", 0.0),
        ("alice", 7.5),
    ]


def test_an_atomic_write_that_fails_leaves_the_old_file_and_no_temporary(tmp_path):
    path = tmp_path / "results.json"
    atomic_write_text(path, "old")

    class Unwritable:
        def __str__(self):
            raise RuntimeError("killed mid-write")

    with pytest.raises(TypeError):
        atomic_write_text(path, Unwritable())
    assert path.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.json"]
