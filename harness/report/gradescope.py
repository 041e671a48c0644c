"""``gradescope/<id>/results.json`` in Gradescope's autograder format.

Format (https://gradescope-autograders.readthedocs.io/en/latest/specs/): a top-level
``score`` (which overrides the sum of the tests), ``execution_time`` in seconds, ``output``,
``visibility`` and ``stdout_visibility`` (each one of hidden, after_due_date,
after_published, visible), ``tests`` (name, score, max_score, status passed/failed, output,
visibility) and ``leaderboard`` entries {name, value, order: asc|desc}.
One test per dataset: the run that counts (see records.py); other frameworks' runs of a
Model Builder submission are summarised in that test's output.

The grader's failure is never the student's zero: when a counted run is an "error" (ours:
a failed reference or calibration, a run the grading lost) or a dataset could not be
loaded, no results.json is written for that student but ``autograder_failure.txt``, which
names the cause for staff; ``run_autograder`` then exits without results, which Gradescope
shows as the autograder's failure (docs/gradescope.md says why these fields).
"""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path

from harness.report.analysis import (
    accuracy_ratio,
    bars_note,
    notes,
    safe_name,
    throughput_ratio,
)
from harness.report.records import ClassResults, guarded
from harness.report.source import layer_lines, source_notes
from harness.results.record import RunRecord

VISIBILITY = "visible"  # staff can change it per assignment in Gradescope's settings
STDOUT_VISIBILITY = "hidden"  # the autograder's stdout is for staff; students get "output"


def gradescope_result(results: ClassResults, student: str) -> dict:
    """The results.json object of one student."""
    counted = [c for c in (results.counted(student, d) for d in results.datasets) if c]
    runs = results.runs_of(student)
    return {
        "score": round(sum(r.score for r in counted), 3),
        "execution_time": int(round(sum(r.wall_seconds or 0.0 for r in runs))),
        "output": _overall(student, counted, runs, bars_note(results.references)),
        "visibility": VISIBILITY,
        "stdout_visibility": STDOUT_VISIBILITY,
        "tests": [_test(r, runs) for r in counted],
        "leaderboard": _leaderboard(counted),
    }


def _overall(student: str, counted: list[RunRecord], runs: list[RunRecord], bars: str) -> str:
    total = sum(r.score for r in counted)
    top = sum(r.max_score for r in counted)
    lines = [f"{student}: {total:g}/{top:g} points over {len(counted)} dataset(s)."]
    lines += [bars] if bars else []
    source = source_notes(runs[0].settings) if runs else []
    layers = layer_lines(runs[0].settings) if source else []
    return "\n".join(lines + notes(runs) + source + (["layers:", *layers] if layers else []))


def _test(record: RunRecord, runs: list[RunRecord]) -> dict:
    return {
        "name": f"{record.dataset} ({record.framework})",
        "score": round(record.score, 3),
        "max_score": round(record.max_score, 3),
        "status": "passed" if record.status == "passed" else "failed",
        "output": _test_output(record, runs),
        "visibility": VISIBILITY,
    }


def _test_output(record: RunRecord, runs: list[RunRecord]) -> str:
    lines = [] if record.status == "passed" else [f"Run {record.status}: {record.reason}"]
    lines.append(record.score_breakdown.get("why", "") or "")
    if record.test_accuracy is not None:
        lines.append(
            f"test accuracy {record.test_accuracy:.4f} {_versus_reference(accuracy_ratio(record))}"
        )
    if record.examples_per_sec is not None:
        per_cpu = record.throughput_basis == "cpu" and record.examples_per_cpu_sec
        graded = f"{record.examples_per_cpu_sec:,.0f} examples per CPU-second, " if per_cpu else ""
        lines.append(
            f"{graded}{record.examples_per_sec:,.0f} examples/sec "
            f"{_versus_reference(throughput_ratio(record))}"
        )
    others = [r for r in runs if r.dataset == record.dataset and r is not record]
    lines += [
        f"also ran in {r.framework}: {r.status}, {r.score:g}/{r.max_score:g} points (not counted)"
        for r in others
    ]
    return "\n".join(line for line in lines if line)


def _versus_reference(value: float | None) -> str:
    return "(no reference figure)" if value is None else f"({value:.2f}x the reference)"


def _leaderboard(counted: list[RunRecord]) -> list[dict]:
    board = []
    for record in counted:
        board.append(
            {
                "name": f"{record.dataset} accuracy",
                "value": round(record.test_accuracy or 0.0, 4),
                "order": "desc",
            }
        )
        board.append(
            {
                "name": f"{record.dataset} examples/sec",
                "value": round(record.examples_per_sec or 0.0, 1),
                "order": "desc",
            }
        )
    return board


def _unbuilt(why: str) -> dict:
    return {
        "score": 0.0,
        "output": f"Error: these results could not be built from the stored "
        f"records ({why}). Staff have been warned.",
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
    written = []
    for student in results.students:
        folder = out_dir / "gradescope" / safe_name(student)
        folder.mkdir(parents=True, exist_ok=True)
        failure = autograder_failure(results, student)
        (folder / FAILURE_FILE).unlink(missing_ok=True)
        if failure:
            (folder / "results.json").unlink(missing_ok=True)
            (folder / FAILURE_FILE).write_text(failure + "\n")
            written.append(folder / FAILURE_FILE)
            continue
        path = folder / "results.json"
        result = guarded(student, partial(gradescope_result, results, student), _unbuilt)
        path.write_text(json.dumps(result, indent=2) + "\n")
        written.append(path)
    return written
