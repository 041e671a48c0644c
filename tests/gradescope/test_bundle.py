"""`gradescope build`: the zip Gradescope expects, with the harness, the assignment, pinned
requirements and the options its bars are built and uploads graded with."""

from __future__ import annotations

import subprocess
import sys
import zipfile

import pytest
from project_paths import ROOT

from harness.errors import ConfigError
from harness.gradescope.bundle import EXECUTABLE, _staff_files


def _build(tmp_path, *options: str) -> zipfile.ZipFile:
    out = tmp_path / "autograder.zip"
    done = subprocess.run(
        [sys.executable, "-m", "harness", "gradescope", "build", "--out", str(out), *options],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return zipfile.ZipFile(out)


def test_the_zip_holds_what_gradescope_and_setup_need_at_its_root(tmp_path):
    bundle = _build(tmp_path, "--datasets", "fashion_mnist", "--max-batches", "20")
    names = set(bundle.namelist())
    for name in ("setup.sh", "run_autograder"):
        assert name in names  # at the root, not under a folder (Gradescope's rule)
        assert bundle.getinfo(name).external_attr == EXECUTABLE
    assert {"assignment.toml", "requirements.txt", "grade_options", "pyproject.toml"} <= names
    assert {"harness/__main__.py", "harness/gradescope/autograder.py"} <= names
    assert any(n.startswith("reference_models/") for n in names)
    assert not any("__pycache__" in n for n in names)
    options = bundle.read("grade_options").decode().split()
    assert options == [
        "--datasets",
        "fashion_mnist",
        "--frameworks",
        "torch",
        "--max-batches",
        "20",
    ]


def test_requirements_are_pinned_to_what_is_installed_here(tmp_path):
    import importlib.metadata

    bundle = _build(tmp_path, "--frameworks", "torch,jax")
    pins = dict(line.split("==") for line in bundle.read("requirements.txt").decode().split())
    assert pins["torch"] == importlib.metadata.version("torch")
    assert pins["jax"] == importlib.metadata.version("jax")
    assert pins["numpy"] == importlib.metadata.version("numpy")
    assert "pytest" in pins and "matplotlib" in pins


def test_an_unknown_dataset_is_refused_naming_the_option(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "harness", "gradescope", "build", "--datasets", "imagenet"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert "command line: --datasets: expected a comma-separated list" in done.stderr
    assert "'imagenet'" in done.stderr


def test_the_extensions_file_the_assignment_names_travels_beside_it(tmp_path):
    """The autograder reads [deadline] extensions relative to the bundled assignment.toml."""
    toml = tmp_path / "assignment.toml"
    toml.write_text(
        (ROOT / "harness" / "assignment.toml")
        .read_text()
        .replace('extensions = ""', 'extensions = "extensions.csv"')
    )
    (tmp_path / "extensions.csv").write_text("student,extra_hours\nada@uni.example,24\n")
    bundle = _build(tmp_path, "--assignment", str(toml), "--datasets", "fashion_mnist")
    assert bundle.read("extensions.csv").decode().startswith("student,extra_hours")


def _assignment_with(tmp_path, **fields: str):
    """The default assignment with a due date and the given ``key = "value"`` fields."""
    text = (ROOT / "harness" / "assignment.toml").read_text()
    for key, value in {"due": "2026-10-09T23:59:00-07:00", **fields}.items():
        text = text.replace(f'\n{key} = ""', f'\n{key} = "{value}"', 1)
    path = tmp_path / "assignment.toml"
    path.write_text(text)
    return path


def test_every_staff_file_the_assignment_names_travels_beside_it(tmp_path):
    """An upload is graded as the class is: its extensions and the review's resolutions are
    read beside the bundled assignment.toml, its time from Gradescope's metadata."""
    path = _assignment_with(
        tmp_path,
        extensions="extensions.csv",
        resolutions="review/resolutions.toml",
        submitted_at="gradescope:/autograder/submission_metadata.json",
    )
    (tmp_path / "extensions.csv").write_text("student,extra_hours\nada@uni.example,24\n")
    (tmp_path / "review").mkdir()
    (tmp_path / "review" / "resolutions.toml").write_text("# none yet\n")
    bundle = _build(tmp_path, "--assignment", str(path), "--datasets", "fashion_mnist")
    assert bundle.read("review/resolutions.toml") == b"# none yet\n"
    assert bundle.read("extensions.csv").startswith(b"student,extra_hours")


def test_resolutions_not_written_yet_are_left_out_with_a_note(tmp_path, capsys):
    path = _assignment_with(tmp_path, resolutions="resolutions.toml")
    assert _staff_files(path) == []
    assert "[review] resolutions: resolutions.toml does not exist yet" in capsys.readouterr().err


def test_a_submitted_at_csv_is_refused_at_build_naming_the_field(tmp_path):
    """A staff CSV is written before any upload and the container holds no course repository:
    every upload's grading would fail, so the build refuses and names what applies."""
    for source in ("times.csv", "git:submissions", "gradescope:submission_metadata.json"):
        path = _assignment_with(tmp_path, submitted_at=source)
        (tmp_path / "times.csv").write_text("student,submitted_at\n")
        with pytest.raises(ConfigError) as refused:
            _staff_files(path)
        assert "[deadline] submitted_at: expected" in str(refused.value)
        assert "gradescope:/autograder/submission_metadata.json" in str(refused.value)
        assert repr(source) in str(refused.value)


def test_a_staff_file_outside_the_assignment_folder_is_refused(tmp_path):
    (tmp_path / "x.csv").write_text("student,extra_hours\n")
    for name in ("../x.csv", str(tmp_path / "x.csv")):
        path = _assignment_with(tmp_path, extensions=name)
        with pytest.raises(ConfigError, match=r"\[deadline\] extensions: expected a path inside"):
            _staff_files(path)
