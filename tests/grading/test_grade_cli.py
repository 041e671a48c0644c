"""`python -m harness grade` refuses bad options before any work, naming the option."""

import os

import pytest

from harness.cli import main


def test_unknown_dataset_is_a_usage_error(tmp_path, capsys):
    code = main(["grade", "submissions/original", "--datasets", "fashion", "--out", str(tmp_path)])
    assert code == 2
    assert (
        "--datasets: expected a comma-separated list of mnist, fashion_mnist, cifar10, "
        "received 'fashion'"
    ) in capsys.readouterr().err
    assert not (tmp_path / "results.json").exists()


def test_unknown_framework_is_a_usage_error(tmp_path, capsys):
    code = main(["grade", "submissions/original", "--frameworks", "mxnet", "--out", str(tmp_path)])
    assert code == 2 and "--frameworks: expected" in capsys.readouterr().err


def test_a_folder_without_submissions_has_nothing_to_grade(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    code = main(
        [
            "grade",
            str(tmp_path / "empty"),
            "--datasets",
            "fashion_mnist",
            "--out",
            str(tmp_path / "out"),
        ]
    )
    assert code == 2
    assert "nothing to grade: no submissions found in" in capsys.readouterr().err


@pytest.mark.parametrize(
    "options, message",
    [
        (["--jobs", "0"], "--jobs: expected an integer >= 1, received 0"),
        (["--max-batches", "0"], "--max-batches: expected an integer >= 1, received 0"),
        (["--time-limit", "0"], "--time-limit: expected a number of seconds > 0, received 0.0"),
    ],
)
def test_out_of_range_numbers_are_usage_errors(options, message, tmp_path, capsys):
    code = main(
        [
            "grade",
            "submissions/original",
            "--datasets",
            "fashion_mnist",
            "--out",
            str(tmp_path),
            *options,
        ]
    )
    assert code == 2 and message in capsys.readouterr().err
    assert not any(tmp_path.iterdir())  # refused before any work


def test_a_dataset_without_a_reference_network_is_a_usage_error(tmp_path, capsys):
    assignment = tmp_path / "assignment.toml"
    assignment.write_text('[assignment]\ndatasets = ["mnist"]\n[references]\nmnist = "original"\n')
    code = main(
        [
            "grade",
            "submissions/original",
            "--assignment",
            str(assignment),
            "--datasets",
            "fashion_mnist",
            "--out",
            str(tmp_path / "out"),
        ]
    )
    assert code == 2
    assert (
        "--datasets: expected a comma-separated list of mnist, received 'fashion_mnist'"
        in capsys.readouterr().err
    )
    assert not (tmp_path / "out").exists()


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="needs two cores")
def test_each_grading_worker_computes_on_its_own_cores(monkeypatch):
    from harness.grading.pytest_plugin import _cpus_for_worker

    cores = sorted(os.sched_getaffinity(0))
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    placed = []
    for worker in ("gw0", "gw1"):
        monkeypatch.setenv("PYTEST_XDIST_WORKER", worker)
        placed.append(_cpus_for_worker())
    assert placed == [(cores[0],), (cores[1],)]
    monkeypatch.setenv("OMP_NUM_THREADS", str(len(cores) + 5))  # never more than it has
    assert _cpus_for_worker() == tuple(cores)
