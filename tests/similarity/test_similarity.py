"""The similarity report: alike configurations, shared code beyond the starter, predictions
that agree beyond what accuracy explains; and a class of 500 searched at once."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest

from harness.config import Assignment
from harness.results.predictions import save_predictions
from harness.results.record import RunRecord
from harness.similarity.agreement import similar_predictions
from harness.similarity.code import similar_code
from harness.similarity.command import find_pairs
from harness.similarity.configs import signature, similar_configs

STARTER = [{"layer": "conv", "field_size": 5, "filters": 16}, {"layer": "flatten"}]
HP = {"batch_size": 64, "num_batches": 3000, "optimizer": "momentum", "learning_rate": 0.01}


def layers(filters: int, units: int = 10, pad: int = 0) -> list[dict]:
    return [
        {"layer": "conv", "field_size": 5, "filters": filters, "zero_pad": pad},
        {"layer": "flatten"},
        {"layer": "dense", "units": units},
    ]


def test_identical_configurations_far_from_the_starter_are_a_pair_and_the_starter_is_not():
    known = [signature(layers(16), HP)]
    signatures = {
        "ann": signature(layers(16), HP),  # the starter, twice: nothing to see
        "ben": signature(layers(16), HP),
        "cat": signature(layers(37, pad=2), {**HP, "learning_rate": 0.003}),
        "dan": signature(layers(37, pad=2), {**HP, "learning_rate": 0.003}),
        "eve": signature(layers(37, pad=2), {**HP, "learning_rate": 0.004}),  # one value apart
        "fay": signature(layers(32), HP),  # one change from the starter, like many
    }
    pairs = {(p["a"], p["b"]): p for p in similar_configs(signatures, known)}
    assert set(pairs) == {("cat", "dan"), ("cat", "eve"), ("dan", "eve")}
    assert pairs["cat", "dan"]["evidence"].startswith("identical layer list and hyperparameters")
    assert "learning_rate: 0.003 vs 0.004" in pairs["cat", "eve"]["evidence"]


def test_shared_code_counts_without_the_starters_lines():
    starter = "import torch\nfrom torch import nn\nFRAMEWORK = 'torch'\n"
    own = "\n".join(f"x{i} = nn.Linear({i}, {i + 1})  # mine" for i in range(12))
    files = {
        "ann": starter + own,
        "ben": starter + "\n\n" + own.replace("  # mine", ""),  # comments and spaces differ
        "cat": starter + "\n".join(f"y{i} = {i}" for i in range(12)),
    }
    from harness.similarity.code import normalised

    (pair,) = similar_code(files, set(normalised(starter)))
    assert (pair["a"], pair["b"]) == ("ann", "ben")
    assert pair["evidence"].startswith("12 code lines in common beyond the starter")
    assert pair["lines"][0][:2] == [4, 6]  # line numbers in each file, side by side


def honest_predictions(rng, labels, accuracy):
    """Right with ``accuracy``; a wrong answer is the dataset's usual confusion half the time."""
    wrong = rng.random(labels.size) > accuracy
    confused = np.where(
        rng.random(labels.size) < 0.5, (labels + 1) % 10, rng.integers(0, 10, labels.size)
    )
    confused = np.where(confused == labels, (labels + 2) % 10, confused)
    return np.where(wrong, confused, labels).astype(np.uint8)


def test_copied_predictions_stand_out_from_honest_pairs_that_share_confusions():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 10, 10_000).astype(np.uint8)
    students = ["ann", "ben", "cat", "dan"]
    preds = [honest_predictions(rng, labels, a) for a in (0.86, 0.88, 0.87, 0.85)]
    preds[3] = preds[0].copy()
    preds[3][rng.random(labels.size) < 0.02] = labels[rng.random(labels.size) < 0.02][0]
    (pair,) = similar_predictions(students, np.stack(preds), labels, "fashion_mnist")
    assert (pair["a"], pair["b"]) == ("ann", "dan") and pair["same_wrong"] > 0.9
    assert "class median" in pair["evidence"]


def synthetic_class(root, students: int, rng) -> None:
    """``students`` folders with index.js and records and kept predictions; two planted pairs."""
    labels = rng.integers(0, 10, 10_000).astype(np.uint8)
    out, folders = root / "out", root / "submissions"
    records = []
    for n in range(students):
        name = f"s{n:03d}"
        (folders / name).mkdir(parents=True)
        own = "\n".join(
            f"const v{n}_{i} = tf.layers.dense({{units: {rng.integers(9999)}}});" for i in range(15)
        )
        (folders / name / "index.js").write_text("import * as tf from '@tensorflow/tfjs';\n" + own)
        net = [
            *layers(int(rng.integers(4, 128)), int(rng.integers(10, 200)), int(rng.integers(0, 4))),
            *layers(int(rng.integers(4, 128)), int(rng.integers(10, 200)), int(rng.integers(0, 4))),
        ]
        hp = {
            **HP,
            "batch_size": int(rng.choice([16, 32, 64, 128, 256])),
            "learning_rate": float(rng.choice([0.01, 0.003, 0.03, 0.001, 0.1])),
        }
        records.append(
            RunRecord(
                name,
                "fashion_mnist",
                "torch",
                "passed",
                test_accuracy=0.86,
                score=8.0,
                settings={"form": "layers", "layers": net, **hp},
            )
        )
        save_predictions(
            out, name, "fashion_mnist", "torch", honest_predictions(rng, labels, 0.86), labels
        )
    # planted: s001 copies s000's code and network, s003 copies s002's predictions
    (folders / "s001" / "index.js").write_text((folders / "s000" / "index.js").read_text())
    records[1].settings = dict(records[0].settings, layers=layers(61, units=10, pad=2))
    records[0].settings = dict(records[1].settings)
    kept = np.load(out / "predictions" / "fashion_mnist" / "s002--fashion_mnist--torch.npy")
    save_predictions(out, "s003", "fashion_mnist", "torch", kept, labels)
    (out / "results.json").write_text(json.dumps([r.to_dict() for r in records]))


@pytest.mark.parametrize("students", [40, pytest.param(500, marks=pytest.mark.slow)])
def test_a_class_is_searched_and_the_planted_pairs_are_found(tmp_path, students, capsys):
    synthetic_class(tmp_path, students, np.random.default_rng(1))
    started = time.perf_counter()
    pairs, facts = find_pairs(tmp_path / "out", [str(tmp_path / "submissions")], Assignment())
    took = time.perf_counter() - started
    with capsys.disabled():
        print(f"\nsimilarity: {students} submissions searched in {took:.1f} s")
    found = {(p["a"], p["b"]): p["kinds"] for p in pairs}
    assert found[("s000", "s001")] == ["configuration", "code"]
    assert found[("s002", "s003")] == ["predictions"]
    assert len(found) == 2 and facts["runs_without_predictions"] == 0


def test_links_and_fifos_in_student_folders_are_never_read(tmp_path):
    """A linked index.js (to /proc/kmsg, or to another student's file) and a FIFO: the
    search ends, reads none of them, and finds the honest pair beside them."""
    import os

    synthetic_class(tmp_path, 6, np.random.default_rng(2))
    folders = tmp_path / "submissions"
    (folders / "s004" / "index.js").unlink()
    (folders / "s004" / "index.js").symlink_to("/proc/kmsg")
    (folders / "s005" / "index.js").unlink()
    os.mkfifo(folders / "s005" / "index.js")
    (folders / "s002").rename(tmp_path / "elsewhere")
    (folders / "s002").symlink_to(tmp_path / "elsewhere")
    pairs, _ = find_pairs(tmp_path / "out", [str(folders)], Assignment())
    assert {(p["a"], p["b"]) for p in pairs} == {("s000", "s001"), ("s002", "s003")}


def test_the_report_is_refused_before_the_deadline_unless_staff_ask(tmp_path, capsys):
    from harness.cli import main

    synthetic_class(tmp_path, 4, np.random.default_rng(3))
    assignment = tmp_path / "assignment.toml"
    assignment.write_text('[deadline]\ndue = "2999-01-01T00:00:00+00:00"\n')
    command = ["similarity", str(tmp_path / "submissions"), "--out", str(tmp_path / "out")]
    command += ["--assignment", str(assignment)]
    assert main(command) != 0
    assert "the deadline (and late window) has not passed" in capsys.readouterr().err
    assert main([*command, "--before-deadline"]) == 0
    assert "similarity: 2 pair(s) among 4 students" in capsys.readouterr().out
    assert (tmp_path / "out" / "similarity.html").exists()


def test_a_class_is_searched_where_the_project_ships_no_submissions(tmp_path, monkeypatch):
    """An installed wheel holds the harness alone: no project ``submissions/`` folder, and the
    search still finds the planted pairs instead of failing on the missing folder."""
    from harness.similarity import inputs

    monkeypatch.setattr(inputs, "PROJECT_SUBMISSIONS", tmp_path / "site-packages" / "submissions")
    synthetic_class(tmp_path, 6, np.random.default_rng(4))
    pairs, _ = find_pairs(tmp_path / "out", [str(tmp_path / "submissions")], Assignment())
    assert {(p["a"], p["b"]) for p in pairs} == {("s000", "s001"), ("s002", "s003")}


def test_a_student_file_over_the_folder_cap_is_not_read(tmp_path):
    """No part of a file larger than the folder cap is compared (no graded folder holds one)."""
    from harness.similarity.inputs import bounded_text

    (tmp_path / "index.js").write_text("x" * 101)
    assert bounded_text(tmp_path / "index.js", 100) is None
    assert bounded_text(tmp_path / "index.js", 101) == "x" * 101
