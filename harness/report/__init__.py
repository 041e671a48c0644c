"""Reports from ``OUT/results.json``: class summary, student pages, gradebook, Gradescope.

``build_reports(out_dir)`` writes, all under ``out_dir``:

- ``summary.md`` / ``summary.html``: the class table (one row per student, per dataset
  accuracy, throughput, their ratios to the reference, points; reference rows; class
  medians), failed runs with reasons, every run, and caveats (unverified data, bundled
  subset, runs not isolated, ``--max-batches`` caps, devices);
- ``grades.csv``: one row per student with full-precision figures, for a gradebook;
- ``students/<id>.md`` / ``students/<id>.html`` and charts in ``students/<id>/*.png``;
- ``gradescope/<id>/results.json`` in Gradescope's autograder format.

HTML pages are self-contained (inline CSS, images embedded as data URIs). Templates for a
course's CI and for Gradescope's image are in ``harness/report/templates/``.
"""

from __future__ import annotations

import json
from pathlib import Path

from harness.report.gradescope import write_gradescope
from harness.report.records import ClassResults, load_records
from harness.report.regrade import write_regrade
from harness.report.review import review_queue
from harness.report.students import write_students
from harness.report.summary import write_summary
from harness.report.tables import write_grades_csv


def build_reports(
    out_dir: Path, only_gradescope: bool = False, resolutions: str | None = None
) -> list[Path]:
    """Write every report from ``out_dir/results.json``; returns the files written.
    ``only_gradescope``: the Gradescope results alone (one upload graded in Gradescope's
    container needs no class summary, gradebook or student page). ``resolutions``: the
    staff's review resolutions (default: the assignment's ``[review] resolutions``), applied
    to the points here, each time, never stored in a record."""
    out_dir = Path(out_dir)
    records = load_records(out_dir / "results.json")
    written = review_queue(records, out_dir, resolutions)  # withheld points reach Gradescope
    results = ClassResults(records, _skipped(out_dir))
    if only_gradescope:
        return written + write_gradescope(results, out_dir)
    written += write_summary(results, out_dir)
    written.append(write_grades_csv(results, out_dir / "grades.csv"))
    written += write_students(results, out_dir)
    written += write_gradescope(results, out_dir)
    totals = {s: sum(r.score for r in _counted(results, s)) for s in results.students}
    written += write_regrade(results.records, totals, out_dir)
    return written


def _counted(results: ClassResults, student: str) -> list:
    return [r for r in (results.counted(student, d) for d in results.datasets) if r]


def _skipped(out_dir: Path) -> dict[str, str]:
    """Datasets the grading session could not grade (``skipped.json``, written by grade)."""
    path = out_dir / "skipped.json"
    return json.loads(path.read_text()) if path.is_file() else {}


def report_command(args) -> int:
    """``python -m harness report --out DIR``: rebuild the reports, say where they are."""
    out_dir = Path(args.out)
    written = build_reports(out_dir, resolutions=getattr(args, "resolutions", None))
    print(f"wrote {len(written)} files under {out_dir}/")
    print(f"  class summary: {out_dir / 'summary.html'} (and summary.md)")
    print(f"  gradebook:     {out_dir / 'grades.csv'}")
    print(f"  students:      {out_dir / 'students'}/<id>.html")
    print(f"  gradescope:    {out_dir / 'gradescope'}/<id>/results.json")
    print(f"  review queue:  {out_dir / 'review.html'} (and review.csv, review.json)")
    return 0
