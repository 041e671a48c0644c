"""The review queue's files: ``OUT/review.csv``, ``review.json`` and ``review.md`` / ``.html``."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from harness.report import document
from harness.report.document import Block
from harness.report.review.queue import ReviewItem
from harness.report.review.resolutions import Resolution
from harness.sinks import csv_cell  # the one CSV escaping (docs/security.md)

TITLE = "Review queue"
CSV_FIELDS = (
    "student",
    "dataset",
    "framework",
    "similar_to",
    "submission",
    "state",
    "decision",
    "computed_points",
    "points",
    "max_points",
    "evidence",
    "note",
)


def write_review_csv(items: list[ReviewItem], path: Path) -> Path:
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(CSV_FIELDS)
        for item in items:
            row = item.to_dict()
            writer.writerow([csv_cell(row[name]) for name in CSV_FIELDS])
    return path


def write_review_json(
    items: list[ReviewItem], unmatched: list[Resolution], unresolved: str, path: Path
) -> Path:
    data = {
        "unresolved_points": unresolved,
        "items": [item.to_dict() for item in items],
        "unmatched_resolutions": [r.where for r in unmatched],
    }
    path.write_text(json.dumps(data, indent=1, allow_nan=False) + "\n")
    return path


def _points(item: ReviewItem) -> str:
    if item.max_points is None:
        return ""
    shown = "" if item.points is None else f"{item.points:g}"
    computed = "" if item.computed_points is None else f" (rubric: {item.computed_points:g})"
    return f"{shown}/{item.max_points:g}{computed}"


def queue_blocks(items: list[ReviewItem], unmatched: list[Resolution], unresolved: str) -> list:
    open_items = [i for i in items if i.state != "resolved"]
    counted = (
        "withheld (0) until resolved" if unresolved == "withheld" else "counted, marked pending"
    )
    blocks = [
        Block(
            "text",
            f"{len(items)} item(s), {len(open_items)} open. Points of an open flagged run are "
            f"{counted}. "
            "Resolve an item in the resolutions file (docs/review.md) with its student, dataset "
            "and framework (or similar_to) and its submission hash, then run `harness report`.",
        )
    ]
    for title, chosen in (
        ("Open", open_items),
        ("Resolved", [i for i in items if i.state == "resolved"]),
    ):
        rows = [
            [
                i.student,
                f"{i.dataset}/{i.framework}" if i.dataset else f"similar to {i.similar_to}",
                i.submission,
                i.state,
                _points(i),
                i.evidence,
                i.note,
            ]
            for i in chosen
        ]
        blocks.append(Block("heading", f"{title} ({len(rows)})"))
        if rows:
            headers = ["student", "item", "submission", "state", "points", "evidence", "note"]
            blocks.append(Block("table", items=rows, headers=headers))
    if unmatched:
        blocks.append(Block("heading", f"Resolutions matching no item now ({len(unmatched)})"))
        blocks.append(Block("bullets", items=[r.where for r in unmatched]))
    return blocks


def write_review_pages(
    items: list[ReviewItem], unmatched: list[Resolution], unresolved: str, out_dir: Path
) -> list[Path]:
    """Every file of the queue, under ``out_dir``."""
    blocks = queue_blocks(items, unmatched, unresolved)
    md_path, html_path = out_dir / "review.md", out_dir / "review.html"
    md_path.write_text(document.markdown(TITLE, blocks))
    html_path.write_text(document.html_page(TITLE, blocks))
    return [
        write_review_csv(items, out_dir / "review.csv"),
        write_review_json(items, unmatched, unresolved, out_dir / "review.json"),
        md_path,
        html_path,
    ]
