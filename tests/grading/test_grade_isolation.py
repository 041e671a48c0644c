"""Where no sandbox works, grading student code is refused, unless accepted and recorded.

The decision is taken once, at planning, before any data is loaded (no framework here).
"""

import pytest
from project_paths import HOSTILE, SUBMISSIONS

from harness.cli import main
from harness.grading import isolation


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
