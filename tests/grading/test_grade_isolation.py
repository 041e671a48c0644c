"""Where no sandbox works, grading student code is refused, unless accepted and recorded.

The decision is taken once, at planning, before any data is loaded (no framework here).
"""

import json
import shutil

import pytest
from project_paths import HOSTILE, SUBMISSIONS

from harness.cli import main
from harness.grading import isolation
from harness.hashing import folder_hash


@pytest.fixture
def no_sandbox(monkeypatch):
    monkeypatch.setattr(isolation, "sandbox_mode", lambda data_dir=None: None)


def test_grading_without_a_sandbox_is_refused_saying_how_to_get_one(no_sandbox, tmp_path, capsys):
    code = main(
        [
            "grade",
            str(HOSTILE / "honest_tiny"),
            "--datasets",
            "fashion_mnist",
            "--out",
            str(tmp_path / "out"),
        ]
    )
    err = capsys.readouterr().err
    assert code == 2 and "no working sandbox" in err and "apt-get install bubblewrap" in err
    assert "--allow-unisolated" in err
    assert not (tmp_path / "out").exists()


def test_the_flag_accepts_unisolated_runs_loudly(no_sandbox, capsys):
    assert isolation.decide_isolation([HOSTILE / "honest_tiny" / "index.py"], None, True) == (
        "none",
        "--allow-unisolated",
    )
    assert "WARNING: student code runs UNISOLATED (--allow-unisolated)" in capsys.readouterr().err


def test_the_flag_is_kept_for_the_nodes_where_this_machine_has_a_sandbox(monkeypatch, capsys):
    monkeypatch.setattr(isolation, "sandbox_mode", lambda data_dir=None: "bubblewrap")
    paths = [HOSTILE / "honest_tiny" / "index.py"]
    assert isolation.decide_isolation(paths, None, True) == ("bubblewrap", "--allow-unisolated")
    assert isolation.decide_isolation(paths, None, False) == ("bubblewrap", "")
    assert "UNISOLATED" not in capsys.readouterr().err


def test_the_projects_own_examples_run_unisolated_with_a_notice(no_sandbox, capsys):
    paths = [SUBMISSIONS / "original" / "index.py", SUBMISSIONS / "torch_example" / "index.py"]
    assert isolation.decide_isolation(paths, None, False) == ("none", "project examples")
    assert "UNISOLATED (project examples)" in capsys.readouterr().err


def test_an_example_beside_a_student_is_not_enough(no_sandbox):
    paths = [SUBMISSIONS / "original" / "index.py", HOSTILE / "honest_tiny" / "index.py"]
    with pytest.raises(isolation.SandboxUnavailable):
        isolation.decide_isolation(paths, None, False)


def test_the_manifest_records_every_example_as_it_is():
    recorded = json.loads((isolation.EXAMPLES_ROOT / isolation.MANIFEST).read_text())
    assert recorded == isolation.example_hashes(), (
        "submissions/EXAMPLES.json is out of date; after checking the change to the examples, "
        'write it with: python -c "import json; from harness.grading.isolation import '
        'example_hashes as h; print(json.dumps(h(), indent=1, sort_keys=True))" '
        "> submissions/EXAMPLES.json"
    )


@pytest.fixture
def examples(monkeypatch, tmp_path):
    """A checkout's ``submissions/`` holding one recorded example, ``original``."""
    root = tmp_path / "submissions"
    shutil.copytree(SUBMISSIONS / "original", root / "original")
    (root / isolation.MANIFEST).write_text(json.dumps({"original": folder_hash(root / "original")}))
    monkeypatch.setattr(isolation, "EXAMPLES_ROOT", root)
    return root


def test_a_class_copied_into_submissions_is_student_code(no_sandbox, examples):
    shutil.copytree(HOSTILE / "honest_tiny", examples / "alice")
    assert isolation.project_examples([examples / "original"])
    for paths in ([examples / "alice"], [examples / "alice" / "index.py"], [examples]):
        assert not isolation.project_examples(paths), paths
        with pytest.raises(isolation.SandboxUnavailable):
            isolation.decide_isolation(paths, None, False)


def test_an_edited_example_is_student_code(no_sandbox, examples):
    index = examples / "original" / "index.py"
    index.write_text(index.read_text() + "\nimport os\n")
    assert not isolation.project_examples([index])
    (examples / "original" / "index.py").unlink()
    (examples / "original" / "index.py").symlink_to(SUBMISSIONS / "original" / "index.py")
    assert not isolation.project_examples([examples / "original"])  # a link is not its target


def test_a_run_graded_unisolated_is_never_reused_isolated(tmp_path):
    """The isolation mode is part of the run fingerprint (with the folder's relative
    paths and lengths, already hashed)."""
    import dataclasses

    from harness.grading.inputs import DatasetMeta, PreparedDataset
    from harness.grading.plan import GradingPlan, RunSpec
    from harness.grading.runner import run_fingerprint

    (tmp_path / "a.toml").write_text("")
    spec = RunSpec(
        "alice", "fashion_mnist", "torch", path=str(HOSTILE / "honest_tiny" / "index.py")
    )
    data = PreparedDataset(
        "fashion_mnist", tmp_path, DatasetMeta([], (28, 28, 1), 10, True, False, "", "d")
    )
    plan = GradingPlan([spec], str(tmp_path), str(tmp_path / "a.toml"), isolation="none")
    keys = {
        run_fingerprint(spec, dataclasses.replace(plan, isolation=mode), data)
        for mode in ("none", "uid", "bubblewrap")
    }
    assert len(keys) == 3
