"""The example index.js files build exactly the layers of their index.py twins."""

from __future__ import annotations

import runpy

import pytest
from needs import require
from project_paths import SUBMISSIONS

from harness.config import Assignment
from harness.submission import spec
from harness.submission.javascript import load_javascript
from harness.submission.load import discover, peek

require("quickjs")

TWINS = {
    path.parent.name: SUBMISSIONS / path.parent.name.rsplit("_", 1)[0] / "index.py"
    for path in sorted(SUBMISSIONS.glob("*_js/index.js"))
    + sorted(SUBMISSIONS.glob("*_tfjs/index.js"))
    if not path.parent.name.startswith("template")
}
SHAPES = [(28, 28, 1), (32, 32, 3)]


def test_every_model_builder_example_has_a_javascript_twin():
    # peek reads the syntax tree: running a code-form example would import its framework.
    builder = {
        path.parent.name
        for path in SUBMISSIONS.glob("*/index.py")
        if peek(path)[0] == "layers" and path.parent.name != "template"
    }
    assert builder == {twin.parent.name for twin in TWINS.values()}
    # one twin each (deeplearn.js, or TensorFlow.js for the tutorial); the original has both
    assert len(TWINS) == len(builder) + 1


@pytest.mark.parametrize("name", sorted(TWINS))
def test_an_example_records_its_twins_layers_and_settings(name):
    names = runpy.run_path(str(TWINS[name]))
    expected = spec.normalize_layers(names["LAYERS"], str(TWINS[name]))
    loaded = load_javascript(SUBMISSIONS / name / "index.js", Assignment())
    assert loaded.layers == expected
    assert [spec.param_count(loaded.layers, s) for s in SHAPES] == [
        spec.param_count(expected, s) for s in SHAPES
    ]
    hp = loaded.hyperparameters
    assert {
        "batch_size": hp.batch_size,
        "num_batches": hp.num_batches,
        "learning_rate": hp.learning_rate,
        "optimizer": hp.optimizer,
    } == names["HYPERPARAMETERS"]


def test_the_template_is_accepted():
    loaded = load_javascript(SUBMISSIONS / "template_js" / "index.js", Assignment())
    assert spec.param_count(loaded.layers, (28, 28, 1)) == 14682


def test_discover_finds_index_js_and_prefers_index_py(tmp_path):
    for name, files in {
        "alice": ["index.js"],
        "bob": ["index.py", "index.js"],
        "template_js": ["index.js"],
        "notes": ["readme.txt"],
    }.items():
        (tmp_path / name).mkdir()
        for file in files:
            (tmp_path / name / file).write_text("")
    found = discover([tmp_path])
    assert found == [tmp_path / "alice" / "index.js", tmp_path / "bob" / "index.py"]
    assert discover([tmp_path / "template_js"]) == [tmp_path / "template_js" / "index.js"]
    assert peek(tmp_path / "alice" / "index.js") == ("layers", None)  # never read
