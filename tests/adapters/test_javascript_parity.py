"""An index.js and its index.py twin: the same network, so the same logits from the same
weights, in every framework (each in its own child process, see parity_child.py)."""

import subprocess
import sys

import numpy as np
import pytest
from needs import require
from project_paths import ROOT, SUBMISSIONS
from test_parity import CHILD, child_env

from harness.adapters import FRAMEWORKS

require("quickjs")

# The original network as index.py, as the deeplearn.js starter and as TensorFlow.js layers.
FILES = [
    SUBMISSIONS / name
    for name in ("original/index.py", "original_js/index.js", "original_tfjs/index.js")
]


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    tmp, found = tmp_path_factory.mktemp("javascript"), {}
    for framework in FRAMEWORKS:
        out = tmp / f"{framework}.npz"
        done = subprocess.run(
            [sys.executable, str(CHILD), framework, "files", str(out), *map(str, FILES)],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=600,
            env=child_env(),
        )
        assert done.returncode == 0, done.stderr[-3000:]
        with np.load(out) as data:
            found[framework] = {k: data[k] for k in data.files}
    return found


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_an_index_js_gives_its_twins_logits_from_the_same_weights(results, framework):
    found = results[framework]
    assert {int(found[f"param_count_{i}"]) for i in range(len(FILES))} == {14682}
    for i in range(1, len(FILES)):
        np.testing.assert_array_equal(
            found[f"logits_{i}"], found["logits_0"], err_msg=str(FILES[i])
        )


def test_the_index_js_logits_agree_across_frameworks(results):
    for framework in ("tensorflow", "jax"):
        np.testing.assert_allclose(
            results[framework]["logits_1"], results["torch"]["logits_1"], rtol=1e-4, atol=1e-5
        )
