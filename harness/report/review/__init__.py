"""The review queue at report time: flags, similar pairs and the staff's resolutions.

:func:`apply_review` is called by :func:`harness.report.build_reports` on the records it
loaded, before any report is written, so every report counts the points as resolved now.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from harness.config import Assignment, default_assignment_path, load_assignment
from harness.report.review.pages import write_review_pages
from harness.report.review.queue import build_queue
from harness.report.review.resolutions import load_resolutions
from harness.results.record import RunRecord

SIMILARITY_FILE = "similarity.json"


def resolutions_path(assignment: Assignment, base: Path, given: str | None) -> Path | None:
    """``--resolutions`` (which must exist), else ``[review] resolutions`` relative to the
    assignment's folder (none while that file does not exist)."""
    if given:
        return Path(given)
    named = assignment.review.resolutions
    if not named:
        return None
    if not (base / named).exists():  # none written yet: every item is open
        print(f"note: [review] resolutions: {base / named} does not exist yet", file=sys.stderr)
        return None
    return base / named


def similar_pairs(out_dir: Path) -> list[dict]:
    """The pairs of the last similarity report in ``out_dir`` (none when there is none)."""
    path = Path(out_dir) / SIMILARITY_FILE
    if not path.is_file():
        return []
    try:
        pairs = json.loads(path.read_text()).get("pairs", [])
    except (ValueError, AttributeError) as exc:  # a damaged file costs the pairs, not reports
        print(f"warning: {path}: not a similarity report ({exc}); no pairs queued", file=sys.stderr)
        return []
    keys = ("a", "b", "evidence")
    return [
        p for p in pairs if isinstance(p, dict) and all(isinstance(p.get(k), str) for k in keys)
    ]


def apply_review(
    records: list[RunRecord],
    assignment: Assignment,
    out_dir: Path,
    resolutions: Path | None,
) -> list[Path]:
    """Apply the resolutions to ``records`` (in memory) and write the queue's files."""
    unresolved = assignment.review.unresolved
    items, unmatched = build_queue(
        records, load_resolutions(resolutions), unresolved, similar_pairs(out_dir)
    )
    for resolution in unmatched:
        print(
            f"note: {resolution.where} matches no review item now; ignored",
            file=sys.stderr,
        )
    return write_review_pages(items, unmatched, unresolved, Path(out_dir))


def graded_under(records: list[RunRecord]) -> Path:
    """The assignment file the runs were graded under, else the default one."""
    used = {r.assignment for r in records if r.assignment}
    if len(used) == 1 and Path(next(iter(used))).is_file():
        return Path(next(iter(used)))
    return default_assignment_path()


def review_queue(
    records: list[RunRecord], out_dir: Path, given: str | None, assignment_file: str | None = None
) -> list[Path]:
    """:func:`apply_review` under ``assignment_file`` (``report --assignment``), else the
    assignment the runs were graded under."""
    path = Path(assignment_file) if assignment_file else graded_under(records)
    assignment = load_assignment(path)
    return apply_review(
        records, assignment, out_dir, resolutions_path(assignment, path.parent, given)
    )
