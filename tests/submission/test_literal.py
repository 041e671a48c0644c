"""Reading a Model Builder submission without running it (what ``benchmark`` does)."""

import pytest
from project_paths import HOSTILE

from harness.config import Assignment
from harness.errors import SubmissionError
from harness.submission.load import read_literal_layers


def test_literal_layers_are_read_and_code_never_runs(tmp_path):
    (tmp_path / "index.py").write_text((HOSTILE / "layers_with_code" / "index.py").read_text())
    submission = read_literal_layers(tmp_path / "index.py", Assignment())
    assert submission.form == "layers" and len(submission.layers) == 2
    assert submission.hyperparameters.batch_size == 16
    assert not (tmp_path / "ran.txt").exists()


def test_computed_layers_are_refused_naming_the_line(tmp_path):
    (tmp_path / "index.py").write_text("import os\nLAYERS = [os.getcwd()]\n")
    with pytest.raises(SubmissionError, match="line 2: LAYERS: expected a literal"):
        read_literal_layers(tmp_path / "index.py", Assignment())
