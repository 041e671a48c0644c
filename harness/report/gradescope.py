"""``gradescope/<id>/results.json`` in Gradescope's autograder format.

Format (https://gradescope-autograders.readthedocs.io/en/latest/specs/): a top-level
``score`` (which overrides the sum of the tests), ``execution_time`` in seconds, ``output``,
``visibility`` and ``stdout_visibility`` (each one of hidden, after_due_date,
after_published, visible), ``tests`` (name, score, max_score, status passed/failed, output,
visibility) and ``leaderboard`` entries {name, value, order: asc|desc}.
Three tests per dataset, one per criterion of the run that counts (``criteria.py``: builds
and trains, accuracy, throughput, each with the assignment's visibility), a late penalty as
a test of its own, and leaderboard entries only where the assignment enables them.

The grader's failure is never the student's zero: when a counted run is an "error" (ours:
a failed reference or calibration, a run the grading lost) or a dataset could not be
loaded, no results.json is written for that student but ``autograder_failure.txt``, which
names the cause for staff; ``run_autograder`` then exits without results, which Gradescope
shows as the autograder's failure (docs/gradescope.md says why these fields).
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

from harness.report.analysis import bars_note, notes, safe_name
from harness.report.criteria import criterion_tests, hidden_note, penalty_test
from harness.report.leaderboard import gradescope_entries
from harness.report.records import ClassResults, guarded
from harness.report.source import layer_lines, source_notes
from harness.results.record import RunRecord
from harness.sinks import json_text

VISIBILITY = "visible"  # staff can change it per assignment in Gradescope's settings
STDOUT_VISIBILITY = "hidden"  # the autograder's stdout is for staff; students get "output"
# Every output and test name is plain text: a student's id, failure reason or layer names
# are shown as written. Gradescope's default for outputs (simple_format) would render the
# HTML a student put in them.
TEXT_FORMATS = {"output_format": "text", "test_output_format": "text", "test_name_format": "text"}


def gradescope_result(results: ClassResults, student: str) -> dict:
    """The results.json object of one student."""
    counted = [c for c in (results.counted(student, d) for d in results.datasets) if c]
    runs = results.runs_of(student)
    penalty = results.semester.lateness_of(student).penalty_points(results.total_of(student))
    tests = [t for r in counted for t in criterion_tests(results, r, runs)]
    result = {
        "score": round(results.total_of(student) - penalty, 3),
        "execution_time": int(round(sum(r.wall_seconds or 0.0 for r in runs))),
        "output": _overall(results, student, counted, runs),
        "visibility": VISIBILITY,
        "stdout_visibility": STDOUT_VISIBILITY,
        "tests": tests + penalty_test(results, student),
        **TEXT_FORMATS,
    }
    board = gradescope_entries(results, student)
    return result | ({"leaderboard": board} if board else {})


def _overall(
    results: ClassResults, student: str, counted: list[RunRecord], runs: list[RunRecord]
) -> str:
    total = results.total_of(student)
    top = sum(r.max_score for r in counted)
    penalty = results.semester.lateness_of(student).penalty_points(total)
    late = f" ({total:g} earned, late penalty -{penalty:g})" if penalty else ""
    final = f"{total - penalty:g}/{top:g} points over {len(counted)} dataset(s){late}."
    lines = hidden_note(results, student) or [f"{student}: {final}"]
    bars = bars_note(results.references)
    lines += [bars] if bars else []
    source = source_notes(runs[0].settings) if runs else []
    layers = layer_lines(runs[0].settings) if source else []
    return "\n".join(lines + notes(runs) + source + (["layers:", *layers] if layers else []))


def _unbuilt(why: str) -> dict:
    return {
        "score": 0.0,
        "output": f"Error: these results could not be built from the stored "
        f"records ({why}). Staff have been warned.",
        **TEXT_FORMATS,
    }


FAILURE_FILE = "autograder_failure.txt"  # in place of results.json: the grader failed


def autograder_failure(results: ClassResults, student: str) -> str:
    """Why this student's result would be the grader's failure, not theirs ("" if not)."""
    problems = [f"{name} could not be loaded: {why}" for name, why in results.skipped.items()]
    for dataset in results.datasets:
        record = results.counted(student, dataset)
        if record is not None and record.status == "error":
            problems.append(f"{dataset}/{record.framework}: {record.reason}")
    return "\n".join(problems)


def write_gradescope(results: ClassResults, out_dir: Path) -> list[Path]:
    """One results.json per student; one that cannot be written is that student's warning."""
    written = []
    for student in results.students:
        write = partial(_write_result, results, student, out_dir)
        written += guarded(student, write, lambda why: [])
    return written


def _write_result(results: ClassResults, student: str, out_dir: Path) -> list[Path]:
    """The student's results.json, or in its place the grader's failure (no zero of theirs)."""
    folder = out_dir / "gradescope" / safe_name(student)
    folder.mkdir(parents=True, exist_ok=True)
    failure = autograder_failure(results, student)
    (folder / FAILURE_FILE).unlink(missing_ok=True)
    if failure:
        (folder / "results.json").unlink(missing_ok=True)
        (folder / FAILURE_FILE).write_text(failure + "\n")
        return [folder / FAILURE_FILE]
    path = folder / "results.json"
    result = guarded(student, partial(gradescope_result, results, student), _unbuilt)
    path.write_text(json_text(result, indent=2) + "\n")
    return [path]
