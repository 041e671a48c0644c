"""The class summary (``summary.md`` and ``summary.html``): grades, bars, medians, failures."""

from __future__ import annotations

from pathlib import Path

from harness.report import document, tables
from harness.report.analysis import notes, safe_name
from harness.report.document import Block
from harness.report.records import ClassResults, run_order
from harness.report.semester import late_rows

TITLE = "Class summary"
EXPLANATION = (
    "One row per student. For each dataset: test accuracy (acc), its ratio to the reference "
    "in the same framework (acc/ref), the training rate the points use (ex/CPU-s: examples "
    "per CPU-second, on a CPU; ex/s: per second, on a GPU), its ratio to the reference's "
    "bar in that rate (ex/CPU-s/ref, ex/s/ref) and points (pts). The wall-clock rate of "
    "every run is under 'All runs', where rate/ref is the graded rate over the bar. When a "
    "Model Builder submission ran in several frameworks, the run with the most points "
    "counts; every run is listed under 'All runs'. "
    "Reference rows are the bars; the class median leaves out missing figures and counts "
    "failed runs as 0 points."
)


def summary_blocks(results: ClassResults, student_links: bool = True) -> list[Block]:
    if not results.records:
        return [Block("text", "results.json holds no runs yet: nothing to report.")]
    headers, rows = tables.class_table(results)
    skipped = [_skipped_note(name, why) for name, why in sorted(results.skipped.items())]
    blocks = [
        Block("notes", items=skipped + notes(results.records)),
        Block("heading", "Grades"),
        Block("text", EXPLANATION),
        Block(
            "table",
            items=rows,
            headers=headers,
            row_classes=_row_classes(results),
            groups=_groups(results),
            short_headers=_short_headers(results),
        ),
    ]
    blocks += _late_blocks(results) + _review_blocks(results) + _failed_blocks(results)
    blocks += [
        Block("heading", "All runs"),
        Block(
            "table",
            items=tables.run_rows(sorted(results.records, key=_by_run)),
            headers=list(tables.RUN_HEADERS),
        ),
    ]
    if student_links and results.students:
        blocks += [
            Block("heading", "Student pages"),
            Block("links", items=[(s, f"students/{safe_name(s)}") for s in results.students]),
        ]
    return blocks


def _skipped_note(name: str, why: str) -> str:
    """First sentence of the reason and its last line (how to get the data)."""
    lines = why.strip().splitlines() or [""]
    first = lines[0].split(". Looked in")[0].rstrip(".")
    return f"{name} was not graded: {first}." + (f" {lines[-1]}" if len(lines) > 1 else "")


def _by_run(record) -> tuple:
    return (record.is_reference, record.submission, run_order(record))


def _row_classes(results: ClassResults) -> list[str]:
    students = [
        "failed" if any(r.status != "passed" for r in results.runs_of(s)) else ""
        for s in results.students
    ]
    return students + ["reference"] * len(results.reference_rows) + ["median"]


def _groups(results: ClassResults) -> list[tuple[str, int]]:
    width = len(tables.COLUMNS)
    return [("", 1)] + [(d, width) for d in results.datasets] + [("", 1)]


def _short_headers(results: ClassResults) -> list[str]:
    per_dataset = [h for d in results.datasets for h in tables.dataset_headers(results, d)]
    return ["student", *per_dataset, "total"]


def _late_blocks(results: ClassResults) -> list[Block]:
    """Each late student's penalty as its own line (applied now; no run record holds it)."""
    totals = {s: results.total_of(s) for s in results.students}
    rows = [
        [
            row["student"],
            row["submitted_at"] or "unknown",
            row["due"],
            tables.fmt("penalty_percent", row["penalty_percent"]) + "%",
            tables.fmt("late_penalty", row["late_penalty"]),
            tables.fmt("final", row["final"]),
            row["why"],
        ]
        for row in late_rows(results.semester, totals)
        if row["why"]
    ]
    if not rows:
        return []
    headers = ["student", "submitted", "deadline", "penalty", "points", "final", "why"]
    return [
        Block("heading", f"Late or undated submissions ({len(rows)})"),
        Block("table", items=rows, headers=headers),
    ]


def _review_blocks(results: ClassResults) -> list[Block]:
    """Results a person should look at before the grades are released (points unchanged)."""
    rows = tables.review_rows(sorted(results.records, key=_by_run))
    if not rows:
        return []
    return [
        Block("heading", f"Flagged for review ({len(rows)})"),
        Block(
            "text",
            "Accuracy far above the reference's, at the ceiling, or far above the run's own "
            "validation accuracy: possibly a memorised test set or weights shipped in the "
            "code. Points are pending or withheld (the assignment's [review] unresolved) "
            "until staff resolve the item: the queue is review.html (and review.csv).",
        ),
        Block("table", items=rows, headers=["submission", "dataset", "framework", "evidence"]),
    ]


def _failed_blocks(results: ClassResults) -> list[Block]:
    rows = tables.failed_rows(sorted(results.records, key=_by_run))
    if not rows:
        return [Block("heading", "Failed runs"), Block("text", "None: every run passed.")]
    return [
        Block("heading", f"Failed runs ({len(rows)})"),
        Block(
            "table",
            items=rows,
            headers=["submission", "dataset", "framework", "status", "reason"],
            row_classes=["failed"] * len(rows),
        ),
    ]


def write_summary(results: ClassResults, out_dir: Path) -> list[Path]:
    blocks = summary_blocks(results)
    md_path, html_path = out_dir / "summary.md", out_dir / "summary.html"
    md_path.write_text(document.markdown(TITLE, blocks))
    html_path.write_text(document.html_page(TITLE, blocks))
    return [md_path, html_path]
