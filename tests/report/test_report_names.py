"""Reports for ids that bust file-name limits or cannot be written: one student's page that
cannot be written is that student's warning; every other page is written, ``harness
report`` included."""

from __future__ import annotations

import json

from report_factory import references, run, write_results

from harness.cli import main
from harness.config import Rubric
from harness.grading.scores import score_records
from harness.names import file_name
from harness.report import build_reports

LONG_IDS = ["0" + "\N{GRINNING FACE}" * 22, "!" * 85, "Alice", "alice"]


def _results(folder, ids):
    records = score_records(references() + [run(i) for i in ids], Rubric())
    write_results(folder, records)
    return folder


def test_ids_past_the_file_name_limit_get_every_page(tmp_path, capsys):
    out = _results(tmp_path, LONG_IDS)
    assert main(["report", "--out", str(out)]) == 0
    for student in LONG_IDS:
        stem = file_name(student)
        assert (out / "students" / f"{stem}.md").is_file() and (out / "students" / f"{stem}.html")
        assert json.loads((out / "gradescope" / stem / "results.json").read_text())["tests"]
    assert "could not be built" not in capsys.readouterr().err


def test_a_page_that_cannot_be_written_stays_its_students(tmp_path, capsys):
    out = _results(tmp_path, ["alice", "bob"])
    (out / "students" / "alice.md").mkdir(parents=True)  # writing the page will fail
    (out / "gradescope" / "alice" / "results.json").mkdir(parents=True)
    written = build_reports(out)
    err = capsys.readouterr().err
    assert "warning: the report of alice could not be built (IsADirectoryError" in err
    assert out / "students" / "bob.md" in written and out / "students" / "bob.html" in written
    assert out / "gradescope" / "bob" / "results.json" in written
    assert (out / "summary.md").is_file() and (out / "grades.csv").is_file()
