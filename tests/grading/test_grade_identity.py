"""Run identity: a folder name can neither pass for a reference nor overwrite another run.

Found at planning time, before any data is loaded or any run started (no framework here):
a student's bad name fails that student's runs alone; only the grader's own mistake (one
id given twice) stops the grading.
"""

import shutil

from project_paths import HOSTILE

from harness.cli import main
from harness.grading.plan import student_runs
from harness.names import REFERENCE_PREFIX, file_name
from harness.results.store import run_key
from harness.submission.load import discover


def _plant(root, *names):
    for name in names:
        shutil.copytree(HOSTILE / "forge_reference", root / name)
    return root


def _grade(paths, out, capsys):
    code = main(["grade", *map(str, paths), "--datasets", "fashion_mnist", "--out", str(out)])
    return code, capsys.readouterr().err


def test_a_folder_named_like_a_reference_fails_alone(tmp_path):
    root = _plant(tmp_path / "subs", "alice", REFERENCE_PREFIX + "original")
    runs = {r.submission: r for r in student_runs(discover([root]), ("fashion_mnist",), ("torch",))}
    # Recorded apart from the reference's own runs, which the id names.
    assert set(runs) == {"alice", "reserved/reference:original"}
    assert runs["alice"].refused == "" and runs["alice"].reference is None
    forged = runs["reserved/reference:original"]
    assert forged.reference is None and "is reserved" in forged.refused
    assert "rename the folder" in forged.refused


def test_ids_differing_only_in_case_are_two_students_with_their_own_files(tmp_path):
    root = _plant(tmp_path / "subs", "alice", "Alice")
    runs = student_runs(discover([root]), ("fashion_mnist",), ("torch",))
    assert sorted(r.submission for r in runs) == ["Alice", "alice"]
    assert not any(r.refused for r in runs)
    names = {file_name(r.submission).casefold() for r in runs}
    keys = {run_key(r.submission, r.dataset, r.framework).casefold() for r in runs}
    assert len(names) == len(keys) == 2  # distinct even on a case-insensitive disk


def test_one_id_given_twice_is_refused_naming_both(tmp_path, capsys):
    _plant(tmp_path, "a/alice", "b/alice")
    code, err = _grade([tmp_path / "a/alice", tmp_path / "b/alice"], tmp_path / "out", capsys)
    assert code == 2
    assert f"{tmp_path / 'a/alice'} and {tmp_path / 'b/alice'}: two submissions with the id" in err


def test_run_keys_are_injective():
    ids = ["reference:original", "reference_original", "a b", "a_b", "a~20b", "x--mnist", "x"]
    ids += ["Alice", "alice", "x" * 300, "x" * 301]
    keys = {run_key(i, d, "torch") for i in ids for d in ("mnist", "fashion_mnist")}
    # A framework the student named, with "--" in it, cannot pass for another student's run.
    forged = run_key("x", "fashion_mnist", "mnist--torch")
    assert forged != run_key("x--fashion_mnist", "mnist", "torch")
    assert len(keys | {forged}) == len(ids) * 2 + 1
    assert max(len(k) for k in keys) < 230
