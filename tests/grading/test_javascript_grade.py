"""An index.js graded in the same grading as its index.py twin: same numbers, and reports
that show each layer's source line and say the file's own normalisation is not used.

Runs go through the real sandbox and worker (torch): the recording happens in there.
"""

import json
import subprocess
import sys

import numpy as np
import pytest
from needs import require
from project_paths import ROOT, SUBMISSIONS
from test_grade_pipeline import ENV, data_dir  # noqa: F401 - the fixture, shared

require("quickjs")

pytestmark = [pytest.mark.torch, pytest.mark.sandbox, pytest.mark.realdata]

# Each index.js with its Model Builder twin: the assignment's original in both dialects, the
# course starter's own shape (its one-layer network) and the TensorFlow.js tutorial's.
TWINS = {
    "original_js": "original",
    "original_tfjs": "original",
    "two_triples_removed_js": "two_triples_removed",
    "tutorial_tfjs": "tutorial",
}
NAMES = tuple(dict.fromkeys([*TWINS.values(), *TWINS]))


@pytest.fixture(scope="module")
def graded(data_dir, tmp_path_factory):  # noqa: F811 - the imported fixture
    out = tmp_path_factory.mktemp("grades")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "harness",
            "grade",
            *(str(SUBMISSIONS / n) for n in NAMES),
            "--datasets",
            "fashion_mnist",
            "--data-dir",
            str(data_dir),
            "--allow-unverified",
            "--max-batches",
            "30",
            "--out",
            str(out),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        env=ENV,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    records = json.loads((out / "results.json").read_text())
    return out, {r["submission"]: r for r in records}


def test_an_index_js_trains_exactly_like_its_twin(graded):
    _, records = graded
    for name, twin_name in TWINS.items():
        record, twin = records[name], records[twin_name]
        assert record["status"] == "passed", record["reason"]
        assert record["isolated"] is True
        for key in ("param_count", "batch_size", "num_batches", "test_accuracy"):
            assert record[key] == twin[key], (name, key)
        assert [p["loss"] for p in record["curve"]] == [p["loss"] for p in twin["curve"]]
        assert record["settings"]["layers"] == twin["settings"]["layers"]


def test_reports_show_source_lines_and_the_data_pipeline_note(graded):
    out, records = graded
    sources = records["original_js"]["settings"]["source"]["layer_sources"]
    lines = (SUBMISSIONS / "original_js" / "index.js").read_text().splitlines()
    assert "addConvLayer(graph, x" in lines[sources[0]["line"] - 1]
    page = (out / "students" / "original_js.md").read_text()
    assert f"index.js line {sources[0]['where']} (graph.conv2d)" in page
    assert "normalisation" in page and "not used" in page
    output = json.loads((out / "gradescope" / "original_tfjs" / "results.json").read_text())
    assert "TensorFlow.js layers" in output["output"] and "(tf.layers.conv2d)" in output["output"]


def test_an_index_js_gets_the_explore_page_of_its_twin(graded):
    """Its layer list runs in the page from the weights it trained, the twin's own."""
    from harness.report.explore import store

    out, _ = graded
    kept = {name: store.load(out / "explore" / name / "fashion_mnist-torch.npz") for name in NAMES}
    assert len(kept["original"].weights) == 6
    for name, twin in TWINS.items():
        assert kept[name].note == ""
        for mine, twins in zip(kept[name].weights, kept[twin].weights, strict=True):
            assert np.array_equal(mine, twins), name
        page = (out / "students" / name / "explore.html").read_text()
        assert '"network":{"layers":[' in page and "builds its network in code" not in page
