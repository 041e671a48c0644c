"""Reports from ``OUT/results.json``: class summary, student pages, gradebook, Gradescope.

``build_reports(out_dir)`` writes, all under ``out_dir``:

- ``summary.md`` / ``summary.html``: the class table (one row per student, per dataset
  accuracy, throughput, their ratios to the reference, points; reference rows; class
  medians), failed runs with reasons, every run, and caveats (unverified data, bundled
  subset, runs not isolated, ``--max-batches`` caps, devices);
- ``grades.csv``: one row per student with full-precision figures, for a gradebook;
- ``students/<id>.md`` / ``students/<id>.html`` and charts in ``students/<id>/*.png``;
- ``gradescope/<id>/results.json`` in Gradescope's autograder format;
- ``late.json``: each student's deadline, submission time and late penalty, applied now from
  the assignment's ``[deadline]`` (never stored in a run record); ``leaderboard.md`` /
  ``.html`` when the assignment enables one.

HTML pages are self-contained (inline CSS, images embedded as data URIs). Templates for a
course's CI and for Gradescope's image are in ``harness/report/templates/``.
"""

from __future__ import annotations

import json
from pathlib import Path

from harness.report.gradescope import write_gradescope
from harness.report.leaderboard import write_leaderboard
from harness.report.records import ClassResults, load_records
from harness.report.regrade import write_regrade
from harness.report.review import review_queue
from harness.report.semester import late_rows, load_semester
from harness.report.students import write_students
from harness.report.summary import write_summary
from harness.report.tables import write_grades_csv
from harness.sinks import terminal


def build_reports(
    out_dir: Path,
    only_gradescope: bool = False,
    resolutions: str | None = None,
    semester: dict | None = None,
    earlier_points: Path | None = None,
) -> list[Path]:
    """Write every report from ``out_dir/results.json``; returns the files written.
    ``only_gradescope``: the Gradescope results alone (one upload graded in Gradescope's
    container needs no class summary, gradebook or student page). ``resolutions``: the
    staff's review resolutions (default: the assignment's ``[review] resolutions``), applied
    to the points here, each time, never stored in a record. ``semester``:
    :func:`load_semester`'s options (assignment file, submission times, extensions, as-of
    time): deadlines, penalties and visibility, likewise applied here, each time.
    ``earlier_points``: the snapshot the regrade diff compares with (default: the last
    build's, ``points.json``; a grading's later rounds name the one it started from)."""
    out_dir = Path(out_dir)
    records = load_records(out_dir / "results.json")
    assignment_file = (semester or {}).get("assignment_file")
    # before every report, so that withheld points reach Gradescope too
    written = review_queue(records, out_dir, resolutions, assignment_file)
    semester_now = load_semester(records, **(semester or {}))
    results = ClassResults(records, _skipped(out_dir), semester_now)
    if only_gradescope:
        return written + write_gradescope(results, out_dir)
    written += write_summary(results, out_dir)
    written.append(write_grades_csv(results, out_dir / "grades.csv"))
    written.append(write_late(results, out_dir / "late.json"))
    written += write_students(results, out_dir)
    written += write_gradescope(results, out_dir)
    written += write_leaderboard(results, out_dir)
    finals = {row["student"]: row["final"] for row in _late(results)}  # after any penalty
    written += write_regrade(results.records, finals, out_dir, earlier_points)
    return written


def _late(results: ClassResults) -> list[dict]:
    return late_rows(results.semester, {s: results.total_of(s) for s in results.students})


def write_late(results: ClassResults, path: Path) -> Path:
    """``late.json``: each student's deadline, time, penalty and final points, as applied now."""
    path.write_text(json.dumps(_late(results), indent=1) + "\n")
    return path


def _skipped(out_dir: Path) -> dict[str, str]:
    """Datasets the grading session could not grade (``skipped.json``, written by grade)."""
    path = out_dir / "skipped.json"
    return json.loads(path.read_text()) if path.is_file() else {}


def report_command(args) -> int:
    """``python -m harness report --out DIR``: rebuild the reports, say where they are."""
    out_dir = Path(args.out)
    options = {
        "assignment_file": args.assignment,
        "submitted_at": args.submitted_at,
        "extensions": args.extensions,
        "as_of": args.as_of,
    }
    resolutions = getattr(args, "resolutions", None)
    written = build_reports(out_dir, resolutions=resolutions, semester=options)
    print(f"wrote {len(written)} files under {out_dir}/")
    print(f"  class summary: {out_dir / 'summary.html'} (and summary.md)")
    print(f"  gradebook:     {out_dir / 'grades.csv'}")
    print(f"  students:      {out_dir / 'students'}/<id>.html")
    print(f"  gradescope:    {out_dir / 'gradescope'}/<id>/results.json")
    print(f"  review queue:  {out_dir / 'review.html'} (and review.csv, review.json)")
    print(f"  late:          {out_dir / 'late.json'}; {late_summary(out_dir / 'late.json')}")
    return 0


def late_summary(path: Path) -> str:
    """One line: how many students lost points to lateness, and how many have no time."""
    rows = json.loads(path.read_text())
    late = [f"{terminal(r['student'])} {r['late_penalty']:g}" for r in rows if r["penalty_percent"]]
    unknown = sum(1 for r in rows if r["due"] and not r["submitted_at"])
    text = f"{len(late)} late ({', '.join(late)})" if late else "no late penalty"
    return text + (f"; {unknown} without a submission time" if unknown else "")
