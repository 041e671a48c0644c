"""The network saved by the course's Model Builder page ("Download model"), as model.json.

Our own files in the page's saved form (harness/submission/builder_file.py names its
fields): one conv/relu/pool triple and a dense layer, the twin of
submissions/one_triple_removed/index.py.
"""

from __future__ import annotations

import json
import runpy

import pytest
from project_paths import SUBMISSIONS

from harness.config import Assignment
from harness.errors import SubmissionError
from harness.submission import spec
from harness.submission.load import discover, load_submission, peek

SAVED = [
    {"layerName": "Convolution", "fieldSize": 5, "stride": 1, "zeroPad": 2, "outputDepth": 16},
    {"layerName": "ReLU"},
    {"layerName": "Max pool", "fieldSize": 2, "stride": 2, "zeroPad": 0},
    {"layerName": "Flatten"},
    {"layerName": "Fully connected", "hiddenUnits": 10},
]


def saved(tmp_path, entries, name="alice") -> object:
    folder = tmp_path / name
    folder.mkdir()
    (folder / "model.json").write_text(json.dumps(entries))
    return folder / "model.json"


def test_a_saved_network_loads_as_its_model_builder_twin(tmp_path):
    path = saved(tmp_path, SAVED)
    assert discover([tmp_path]) == [path.resolve()]
    assert peek(path) == ("layers", None)  # never read in the trusted process
    submission = load_submission(path, Assignment())
    twin = runpy.run_path(str(SUBMISSIONS / "one_triple_removed" / "index.py"))["LAYERS"]
    assert list(submission.layers) == list(spec.normalize_layers(twin, "twin"))
    # 5*5*1*16 + 16 = 416 and 14*14*16 * 10 + 10 = 31,370
    assert spec.param_count(submission.layers, (28, 28, 1)) == 31_786
    budget = Assignment().budget  # the page saves no settings: the assignment's defaults
    assert submission.hyperparameters.batch_size == budget.default_batch_size
    assert submission.hyperparameters.num_batches == budget.default_num_batches


def test_a_reshape_to_one_dimension_is_the_flatten(tmp_path):
    entries = [*SAVED[:3], {"layerName": "Reshape", "outputShape": [3136]}, SAVED[4]]
    assert load_submission(saved(tmp_path, entries), Assignment()).layers[3] == {"layer": "flatten"}


@pytest.mark.parametrize(
    ("entries", "expected"),
    [
        ([*SAVED[:2], {**SAVED[2], "zeroPad": 1}, *SAVED[3:]], "layer 2 ('Max pool'): zeroPad 1"),
        ([*SAVED, {"layerName": "Softmax"}], "layer 5 ('Softmax'): expected one of"),
        ([SAVED[0], {"layerName": "Reshape", "outputShape": [28, 28, 16]}], "only a reshape"),
        ({"layers": SAVED}, "expected the list of layers the Model Builder page saves"),
        (SAVED[:3] + SAVED[4:], "layer 3 (dense: units=10): expected flat features"),
    ],
)
def test_a_saved_network_the_harness_cannot_train_is_refused_naming_the_layer(
    tmp_path, entries, expected
):
    with pytest.raises(SubmissionError) as raised:
        load_submission(saved(tmp_path, entries), Assignment())
    assert any(expected in problem for problem in raised.value.problems), raised.value.problems


def test_index_py_and_index_js_win_over_a_saved_network(tmp_path):
    path = saved(tmp_path, SAVED)
    (path.parent / "index.js").write_text("")
    assert discover([tmp_path]) == [(path.parent / "index.js").resolve()]


@pytest.mark.parametrize("text", ["[{", "[" * 200_000])  # broken; nested past recursion
def test_a_file_that_is_not_a_saved_network_names_the_problem(tmp_path, text):
    path = saved(tmp_path, SAVED)
    path.write_text(text)
    with pytest.raises(SubmissionError, match="could not read the saved Model Builder network"):
        load_submission(path, Assignment())


@pytest.mark.parametrize("size", [(1 << 20) + 1, 2 << 20])  # just over the bound; far over
def test_a_saved_network_over_the_bound_is_refused_saying_so(tmp_path, size):
    """Any size over 1024 KiB gets the same message, naming the file."""
    path = saved(tmp_path, SAVED)
    path.write_bytes(b" " * size)
    with pytest.raises(SubmissionError) as refused:
        load_submission(path, Assignment())
    assert refused.value.problems == [
        "model.json is larger than 1024 KiB; a saved network is small"
    ]
    assert str(refused.value).startswith(str(path))
