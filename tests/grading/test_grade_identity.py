"""Run identity: a folder name can neither pass for a reference nor overwrite another run.

Refused at planning time, before any data is loaded or any run started (no framework here).
"""

import shutil

import pytest
from project_paths import HOSTILE

from harness.cli import main
from harness.names import REFERENCE_PREFIX
from harness.results.store import run_key


def _plant(root, *names):
    for name in names:
        shutil.copytree(HOSTILE / "forge_reference", root / name)
    return root


def _grade(paths, out, capsys):
    code = main(["grade", *map(str, paths), "--datasets", "fashion_mnist", "--out", str(out)])
    return code, capsys.readouterr().err


def test_folder_named_like_a_reference_is_refused(tmp_path, capsys):
    root = _plant(tmp_path / "subs", "alice", REFERENCE_PREFIX + "original")
    code, err = _grade([root], tmp_path / "out", capsys)
    assert code == 2
    assert f"{root / 'reference:original'}: submission id 'reference:original' is reserved" in err
    assert not (tmp_path / "out").exists()  # refused before any work


@pytest.mark.parametrize("first, second", [("a/alice", "b/alice"), ("a/alice", "b/Alice")])
def test_two_submissions_with_one_id_are_refused_naming_both(tmp_path, capsys, first, second):
    _plant(tmp_path, first, second)
    code, err = _grade([tmp_path / first, tmp_path / second], tmp_path / "out", capsys)
    assert code == 2
    assert f"{tmp_path / first} and {tmp_path / second}: two submissions with the id" in err


def test_run_keys_are_injective():
    ids = ["reference:original", "reference_original", "a b", "a_b", "a~20b", "x--mnist", "x"]
    keys = {run_key(i, d, "torch") for i in ids for d in ("mnist", "fashion_mnist")}
    assert len(keys) == len(ids) * 2
