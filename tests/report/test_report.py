"""Class summary, gradebook CSV and student pages, built from synthetic run records."""

from __future__ import annotations

import csv
import json

import pytest
from needs import require
from report_factory import FASHION, confusion, references, run, students, write_results

from harness.cli import main
from harness.errors import HarnessError
from harness.report import build_reports
from harness.report.analysis import confused_text, most_confused, notes, safe_name, tail
from harness.report.records import ClassResults, load_records


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    folder = tmp_path_factory.mktemp("report")
    write_results(folder)
    build_reports(folder)
    return folder


def _csv(out) -> dict[str, dict]:
    with open(out / "grades.csv", newline="") as handle:
        return {row["student"]: row for row in csv.DictReader(handle)}


def test_grades_csv_has_one_row_per_student_with_totals(out):
    rows = _csv(out)
    assert list(rows) == ["alice", "bob", "carol", "dave"]
    assert {s: float(r["total"]) for s, r in rows.items()} == {
        "alice": 20.0,
        "bob": 15.5,
        "carol": 9.0,
        "dave": 9.0,
    }
    assert all(float(r["max_total"]) == 20.0 for r in rows.values())


def test_csv_counts_the_best_framework_and_keeps_full_precision(out):
    bob = _csv(out)["bob"]
    assert bob["fashion_mnist framework"] == "jax"  # 8.5 points in jax beat 6 in torch
    assert float(bob["fashion_mnist points"]) == 8.5
    assert float(bob["fashion_mnist accuracy_ratio"]) == pytest.approx(0.85 / 0.88)
    assert float(bob["fashion_mnist throughput_ratio"]) == pytest.approx(2500 / 5000)


def test_csv_leaves_a_failed_runs_figures_empty_and_counts_it(out):
    carol = _csv(out)["carol"]
    assert carol["fashion_mnist test_accuracy"] == ""
    assert float(carol["fashion_mnist points"]) == 0.0
    assert carol["failed runs"] == "1"


def test_summary_has_references_medians_failures_and_caveats(out):
    text = (out / "summary.md").read_text()
    assert "| reference:original (torch)" in text and "| reference:original (jax)" in text
    median = next(line for line in text.splitlines() if line.startswith("| class median"))
    assert "12.25" in median  # totals 20, 15.5, 9, 9
    assert "loss is NaN at batch 40" in text
    assert "not verified against the official checksums for: fashion_mnist" in text
    assert "bundled subset was used for: fashion_mnist" in text
    assert "1 of 13 runs were not isolated" in text
    assert "--max-batches 50 was in force" in text


def test_summary_html_escapes_and_links_student_pages(out):
    page = (out / "summary.html").read_text()
    assert page.startswith("<!DOCTYPE html>")
    assert 'href="students/alice.html"' in page
    assert "loss is NaN at batch 40" in page


def test_most_confused_pair_is_named_from_the_matrix():
    matrix = confusion({(2, 6): 123, (6, 0): 45, (4, 2): 7, (9, 7): 7})
    pairs = most_confused(matrix, FASHION, top=3)
    assert pairs == [
        ("Pullover", "Shirt", 123),
        ("Shirt", "T-shirt/top", 45),
        ("Coat", "Pullover", 7),
    ]
    assert confused_text(*pairs[0]) == "Pullover read as Shirt: 123 times"
    assert most_confused(confusion({(4, 9): 1}), []) == [("4", "9", 1)]


def test_student_page_names_confusions_and_links_existing_charts(out):
    page = (out / "students" / "alice.md").read_text()
    assert "Pullover read as Shirt: 123 times" in page
    for href in ("alice/fashion_mnist-torch-curves.png", "alice/fashion_mnist-torch-confusion.png"):
        assert f"]({href})" in page
        assert (out / "students" / href).stat().st_size > 5000
    assert "Why: full marks" in page and "Examples/sec: 4,000 vs reference 4,000" in page


def test_student_page_shows_every_framework_and_which_counts(out):
    page = (out / "students" / "bob.md").read_text()
    assert "## fashion_mnist · torch (does not count)" in page
    assert "## fashion_mnist · jax\n" in page
    assert "Why: accuracy below bar" in page


def test_charts_are_real_pngs(out):
    require("matplotlib")
    from matplotlib import image

    pixels = image.imread(out / "students" / "dave" / "fashion_mnist-torch-curves.png")
    assert pixels.shape[:2] == (360, 1000)
    assert pixels[..., :3].std() > 0.05  # lines and text, not a blank canvas


def test_student_html_escapes_captured_output(out):
    page = (out / "students" / "carol.html").read_text()
    assert "&lt;script&gt;alert(&#x27;pwned&#x27;)&lt;/script&gt;" in page
    assert "<script>" not in page
    assert "loss is NaN at batch 40" in page


def test_curves_use_the_reference_of_the_same_dataset_and_framework():
    results = ClassResults(references() + [run("eve", "mnist", "jax")])
    reference = results.reference_for(results.runs_of("eve")[0])
    assert (reference.submission, reference.dataset, reference.framework) == (
        "reference:original",
        "mnist",
        "jax",
    )


def test_clean_runs_carry_no_caveats():
    assert notes([run("alice")]) == ["Device(s): cpu test cpu."]


def test_long_output_keeps_its_end_and_says_what_was_cut():
    text = tail("x" * 100 + "Traceback: boom", limit=15)
    assert text.endswith("Traceback: boom") and "100 earlier characters cut" in text


def test_student_ids_never_escape_the_report_folder():
    assert safe_name("../../etc/passwd") == "~2E.~2F..~2Fetc~2Fpasswd"
    assert "/" not in safe_name("a/b") and safe_name("") == "~"


def test_different_student_ids_never_share_a_file_name():
    ids = ["a b", "a_b", "a~20b", "reference:original", "reference_original", "ß", "~", ""]
    assert len({safe_name(i) for i in ids}) == len(ids)


def test_malformed_results_name_the_file_entry_and_field(tmp_path):
    path = tmp_path / "results.json"
    path.write_text('{"submission": "x"}')
    with pytest.raises(HarnessError, match="results.json: top level: expected a JSON list"):
        load_records(path)


def test_a_record_without_a_run_is_left_out_with_a_warning(tmp_path, capsys):
    path = tmp_path / "results.json"
    path.write_text('[{"submission": "x", "framework": "torch", "status": "passed"}, 3]')
    assert load_records(path) == []
    err = capsys.readouterr().err
    assert "entry 0: dataset: expected a string, received None" in err
    assert "entry 1: record: expected a JSON object, received 'int'" in err


@pytest.mark.parametrize(
    "changes, expected",
    [
        ({"curve": [{"loss": 1.0}]}, "curve: expected points with an integer 'batch'"),
        ({"test_accuracy": "high"}, "test_accuracy: expected float, received str"),
        ({"examples_per_sec": float("inf")}, "examples_per_sec: expected a finite number"),
        ({"confusion": [["x"]]}, "confusion: expected rows of integer counts"),
        ({"status": "great"}, "status: expected one of passed, failed, error"),
        ({"device": []}, "device: expected dict, received list"),
    ],
)
def test_one_broken_record_is_its_runs_error_and_every_report_is_written(
    tmp_path, changes, expected
):
    records = [r.to_dict() for r in references() + students()]
    records[-1].update(changes)  # dave's mnist run
    (tmp_path / "results.json").write_text(json.dumps(records))
    build_reports(tmp_path)
    loaded = {(r.submission, r.dataset): r for r in load_records(tmp_path / "results.json")}
    broken = loaded[("dave", "mnist")]
    assert broken.status == "error" and expected in broken.reason
    for student in ("alice", "bob", "carol", "dave"):
        assert (tmp_path / "students" / f"{student}.html").is_file()
        # dave's unusable record is the grader's failure: no Gradescope zero, a note for staff
        gradescope = "autograder_failure.txt" if student == "dave" else "results.json"
        assert (tmp_path / "gradescope" / student / gradescope).is_file()
    assert "unusable" in (tmp_path / "students" / "dave.md").read_text()


def test_a_page_that_cannot_be_built_is_that_students_error(tmp_path, monkeypatch, capsys):
    from harness.report import students as pages

    real = pages.student_blocks

    def breaks_for_bob(results, student, chart_dir):
        if student == "bob":
            raise KeyError("batch")
        return real(results, student, chart_dir)

    monkeypatch.setattr(pages, "student_blocks", breaks_for_bob)
    write_results(tmp_path)
    build_reports(tmp_path)
    assert (
        "could not be built from the stored results (KeyError: 'batch')"
        in (tmp_path / "students" / "bob.md").read_text()
    )
    assert "Feedback for alice" in (tmp_path / "students" / "alice.md").read_text()
    assert "the report of bob could not be built" in capsys.readouterr().err


def test_report_command_rebuilds_reports_and_reports_missing_results(tmp_path, capsys):
    assert main(["report", "--out", str(tmp_path)]) == 2
    assert "results.json: not found" in capsys.readouterr().err
    write_results(
        tmp_path,
        [run("reference:original", reference="original"), run("zoe", max_batches_cap=None)],
    )
    assert main(["report", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "students" / "zoe.html").exists()
    assert (tmp_path / "gradescope" / "zoe" / "results.json").exists()


def test_empty_results_give_a_summary_that_says_so(tmp_path):
    write_results(tmp_path, [])
    written = build_reports(tmp_path)
    assert {p.name for p in written} == {
        "summary.md",
        "summary.html",
        "grades.csv",
        "late.json",
        *("review.csv", "review.json", "review.md", "review.html"),  # an empty queue
        "points.json",  # what the next regrade diff compares with
    }
    assert "holds no runs yet" in (tmp_path / "summary.md").read_text()


def test_summary_names_datasets_the_session_could_not_grade(tmp_path):
    write_results(tmp_path)
    (tmp_path / "skipped.json").write_text(
        json.dumps(
            {
                "cifar10": "cifar10: dataset files not found. Looked in, in this order:\n  - ...\n"
                "Download them with: python -m harness data fetch cifar10"
            }
        )
    )
    build_reports(tmp_path)
    summary = (tmp_path / "summary.md").read_text()
    assert (
        "cifar10 was not graded: cifar10: dataset files not found. Download them with: "
        "python -m harness data fetch cifar10"
    ) in summary


def test_throughput_bars_say_how_they_were_sampled():
    reference = run(
        "reference:original",
        reference="original",
        throughput_bar=6311.0,
        throughput_samples=[7773.0, 6311.0, 6200.0],
        throughput_spread=0.25,
    )
    found = [n for n in notes([reference, run("alice")]) if n.startswith("Throughput")]
    assert found == [
        "Throughput bars (examples/sec): the median of the reference run and "
        "short reference probes spread through the grading: fashion_mnist/torch "
        "6,311 (median of 3, spread ±12%)."
    ]


def _cpu_basis(submission: str, cpu_rate: float, **fields):
    """A run graded per CPU-second: 4000 ex/s on the wall clock, ``cpu_rate`` per CPU-second
    against a bar of 2000 per CPU-second."""
    values = dict(
        throughput_basis="cpu", examples_per_sec=4000.0, reference_examples_per_sec=2000.0
    )
    return run(submission, examples_per_cpu_sec=cpu_rate, **{**values, **fields})


def test_the_class_tables_rate_is_the_graded_one_named_by_its_unit(tmp_path):
    """The rate beside the ratio is the one the ratio divides: per CPU-second on a CPU."""
    ref = _cpu_basis("reference:original", 2000.0, reference="original", max_score=0.0)
    write_results(tmp_path, [ref, _cpu_basis("alice", 1000.0)])
    build_reports(tmp_path)
    alice = _csv(tmp_path)["alice"]
    rate, ratio = (
        alice["fashion_mnist examples_per_cpu_sec"],
        alice["fashion_mnist throughput_ratio"],
    )
    assert (float(rate), float(ratio)) == (
        1000.0,
        0.5,
    ) and "fashion_mnist examples_per_sec" not in alice
    text = (tmp_path / "summary.md").read_text()
    header = next(line for line in text.splitlines() if "fashion_mnist ex/CPU-s" in line)
    assert "fashion_mnist ex/CPU-s/ref" in header
    row = next(line for line in text.splitlines() if line.startswith("| alice"))
    assert "| 1,000 " in row and "| 0.50x " in row and "4,000" not in row
    short = (tmp_path / "summary.html").read_text()
    assert ">ex/CPU-s<" in short and ">ex/s<" not in short.split("All runs")[0]


def test_a_column_of_gpu_and_cpu_rates_says_so(tmp_path):
    ref = _cpu_basis("reference:original", 2000.0, reference="original", max_score=0.0)
    write_results(tmp_path, [ref, _cpu_basis("alice", 1000.0), run("bob", framework="jax")])
    build_reports(tmp_path)
    bob = _csv(tmp_path)["bob"]
    assert float(bob["fashion_mnist graded_rate"]) == 5000.0  # jax's wall-clock rate
    assert "fashion_mnist ex/s or ex/CPU-s" in (tmp_path / "summary.md").read_text()
