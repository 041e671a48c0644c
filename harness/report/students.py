"""Per-student feedback: ``students/<id>.md`` and ``students/<id>.html``, charts beside them.

The PNGs go to ``students/<id>/`` (the Markdown links them relatively); the HTML embeds the
same PNGs, so it is one portable file.
"""

from __future__ import annotations

import json
import shutil
from functools import partial
from pathlib import Path

from harness.policy import POINT_CRITERIA
from harness.report import document, plots
from harness.report.analysis import (
    accuracy_ratio,
    confused_text,
    most_confused,
    notes,
    safe_name,
    tail,
    throughput_ratio,
)
from harness.report.document import Block
from harness.report.explanation import explanation_blocks, interval_figures, load_explanations
from harness.report.explore import PAGE_NAME, write_explore_page
from harness.report.leaderboard import leaderboard_line
from harness.report.records import ClassResults, guarded
from harness.report.source import layer_lines, source_notes
from harness.report.visible import (
    ACCURACY,
    THROUGHPUT,
    Figure,
    hidden_lines,
    penalty_rows,
    points_hidden_text,
    visible_figures,
)
from harness.results.record import RunRecord


def student_blocks(results: ClassResults, student: str, chart_dir: Path) -> list[Block]:
    runs = results.runs_of(student)
    hidden = hidden_lines(results.semester, student)
    if results.semester.leaderboard_open():
        hidden += leaderboard_line(results, student)
    blocks = [Block("notes", items=hidden + notes(runs)), Block("heading", "Points")]
    blocks += _points_table(results, student)
    for record in runs:
        blocks += _run_blocks(results, record, chart_dir)
    return blocks


def _explained_blocks(explained: list[dict], student: str, chart_dir: Path) -> list[Block]:
    """The explanations of the student's runs (``grade --explain``), if any."""
    mine = [e for e in explained if e.get("student") == student]
    blocks = [Block("heading", "Which change did what")] if mine else []
    for entry in mine:
        blocks += explanation_blocks(entry, chart_dir)
    return blocks


def _points_table(results: ClassResults, student: str) -> list[Block]:
    counted = [c for c in (results.counted(student, d) for d in results.datasets) if c]
    semester = results.semester
    shown = semester.points_shown(student)
    until = points_hidden_text(semester, student)
    rows = [
        [r.dataset, r.framework, r.status, f"{r.score:g}/{r.max_score:g}" if shown else until]
        for r in counted
    ]
    total = results.total_of(student)
    top = sum(r.max_score for r in counted)
    rows += penalty_rows(semester, student, total, shown)
    final = total - semester.lateness_of(student).penalty_points(total)
    rows.append(["total", "", "", f"{final:g}/{top:g}" if shown else until])
    return [Block("table", items=rows, headers=["dataset", "framework", "status", "points"])]


def _run_blocks(results: ClassResults, record: RunRecord, chart_dir: Path) -> list[Block]:
    counts = results.counted(record.submission, record.dataset) is record
    title = f"{record.dataset} · {record.framework}" + ("" if counts else " (does not count)")
    semester = results.semester
    if not semester.shown("trains", record.submission):
        until = semester.hidden_until("trains", record.submission)
        return [Block("heading", title), Block("text", f"This run's results are hidden {until}.")]
    figures = visible_figures(semester, record, _figures(record))
    blocks = [Block("heading", title), Block("bullets", items=figures)]
    blocks += _settings_blocks(record.settings)
    blocks += _chart_blocks(results, record, chart_dir)
    if record.output:
        blocks += [
            Block("heading", "Captured output (end)", level=3),
            Block("pre", tail(record.output)),
        ]
    return blocks


def _figures(record: RunRecord) -> list[Figure]:
    why = record.score_breakdown.get("why") or record.reason or "no explanation recorded"
    figures = [
        Figure(f"Status: {record.status}" + (f" ({record.reason})" if record.reason else "")),
        Figure(
            f"Points: {record.score:g}/{record.max_score:g}" + _parts(record.score_breakdown),
            POINT_CRITERIA,
        ),
        Figure(f"Why: {why}", POINT_CRITERIA),
    ]
    if record.test_accuracy is not None:
        accuracy = _versus(
            "Test accuracy",
            record.test_accuracy,
            record.reference_test_accuracy,
            accuracy_ratio(record),
            "{:.4f}",
        )
        figures.append(Figure(accuracy, ACCURACY))
    if record.examples_per_sec is not None:
        figures += [Figure(text, THROUGHPUT) for text in _throughput_texts(record)]
    if record.interval:
        figures += interval_figures(record.interval)
    figures.append(Figure(_budget(record)))
    if record.review:
        review = f"Review: flagged for a person to look at: {record.review}"
        figures.append(Figure(review, ACCURACY))
    return figures


def _throughput_texts(record: RunRecord) -> list[str]:
    """The graded rate against the reference's bar; on a CPU basis, the wall-clock rate.
    For a run that measured its rate (``examples_per_sec`` set)."""
    graded_rate, wall_rate = record.graded_rate(), record.examples_per_sec
    if graded_rate is None or wall_rate is None:
        raise ValueError(f"{record.submission}: expected a measured rate, received none")
    per_cpu = record.throughput_basis == "cpu"
    graded = _versus(
        "Examples per CPU-second (graded)" if per_cpu else "Examples/sec",
        graded_rate,
        record.reference_examples_per_sec,
        throughput_ratio(record),
        "{:,.0f}",
    )
    wall = f"Examples/sec (wall clock): {wall_rate:,.0f}"
    return [graded, wall] if per_cpu else [graded]


def _parts(breakdown: dict) -> str:
    if "accuracy" not in breakdown and "throughput" not in breakdown:
        return ""
    return (
        f" (accuracy {breakdown.get('accuracy', 0):g}, "
        f"throughput {breakdown.get('throughput', 0):g})"
    )


def _versus(
    label: str, value: float, reference: float | None, ratio: float | None, pattern: str
) -> str:
    text = f"{label}: {pattern.format(value)}"
    if reference is not None:
        text += f" vs reference {pattern.format(reference)}"
    return text + (f" ({ratio:.2f}x)" if ratio is not None else "")


def _budget(record: RunRecord) -> str:
    text = f"Budget: {record.num_batches} batches of {record.batch_size} examples"
    if record.max_batches_cap:
        text += f" (capped at {record.max_batches_cap} by --max-batches)"
    if record.param_count is not None:
        text += f"; {record.param_count:,} trainable parameters"
    return text


def _settings_blocks(settings: dict) -> list[Block]:
    if not settings:
        return []
    scalars = [
        [k, json.dumps(v)] for k, v in settings.items() if not isinstance(v, list) and k != "source"
    ]
    blocks = [Block("heading", "Settings used", level=3)]
    if source_notes(settings):
        blocks.append(Block("notes", items=source_notes(settings)))
    if scalars:
        blocks.append(Block("table", items=scalars, headers=["setting", "value"]))
    for key, value in settings.items():
        if isinstance(value, list):
            lines = layer_lines(settings) if key == "layers" else map(json.dumps, value)
            blocks.append(Block("pre", f"{key}:\n" + "\n".join(lines)))
    return blocks


def _chart_blocks(results: ClassResults, record: RunRecord, chart_dir: Path) -> list[Block]:
    if not plots.available():
        return [
            Block(
                "notes",
                items=[
                    "Charts skipped: matplotlib is not installed "
                    "(pip install 'cnn-harness[report]')."
                ],
            )
        ]
    stem = safe_name(f"{record.dataset}-{record.framework}")
    chart_dir.mkdir(parents=True, exist_ok=True)
    blocks = []
    curves = plots.learning_curves(
        record, results.reference_for(record), chart_dir / f"{stem}-curves.png"
    )
    if curves:
        blocks += [
            Block("heading", "Learning curves (reference dashed)", level=3),
            _image(curves, "learning curves"),
        ]
    if not results.semester.shown("accuracy", record.submission):
        return blocks  # the confusion matrix is the held-out test set's
    matrix = plots.confusion_matrix(record, chart_dir / f"{stem}-confusion.png")
    if matrix:
        pairs = most_confused(record.confusion, record.class_names)
        blocks += [
            Block("heading", "Confusion matrix (test set)", level=3),
            _image(matrix, "confusion matrix"),
            Block("text", "Most confused classes:"),
            Block("bullets", items=[confused_text(*p) for p in pairs] or ["none"]),
        ]
    return blocks


def _explore_link(name: str) -> list[Block]:
    return [
        Block("heading", "See inside your network"),
        Block(
            "link",
            "Draw a digit or pick a test image and see every layer of your "
            "trained network at work; the confusions explained with pictures",
            href=f"{name}/{PAGE_NAME}",
        ),
    ]


def _image(path: Path, alt: str) -> Block:
    return Block("image", alt, path=path, href=f"{path.parent.name}/{path.name}")


def _unbuilt(why: str) -> list[Block]:
    return [
        Block(
            "notes",
            items=[
                f"Error: this page could not be built from the stored "
                f"results ({why}). Staff have been warned."
            ],
        )
    ]


def _remove_earlier(charts: Path) -> None:
    """An earlier build's files of a student whose test-set figures are hidden now (a due
    date moved later): the confusion matrix and explore page must not stay behind."""
    if charts.is_dir() and not charts.is_symlink():
        shutil.rmtree(charts)


def write_students(results: ClassResults, out_dir: Path) -> list[Path]:
    """Both pages and the charts of every student; returns every file written. A page that
    cannot be written is that student's warning; the others are written."""
    folder = out_dir / "students"
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    explained = load_explanations(out_dir)
    for student in results.students:
        write = partial(_write_student, results, student, out_dir, explained)
        written += guarded(student, write, lambda why: [])
    return written


def _write_student(results: ClassResults, student: str, out_dir: Path, explained) -> list[Path]:
    folder, name = out_dir / "students", safe_name(student)
    shown = results.semester.shown("accuracy", student)
    if not shown:
        _remove_earlier(folder / name)  # charts and pages of the held-out test set
    blocks = guarded(student, partial(student_blocks, results, student, folder / name), _unbuilt)
    if results.semester.points_shown(student):  # explanations tell accuracies and rates
        blocks += guarded(
            student, partial(_explained_blocks, explained, student, folder / name), _unbuilt
        )
    explore = shown and guarded(
        student, partial(write_explore_page, results, student, out_dir), lambda why: None
    )
    written = []
    if explore:
        blocks[1:1] = _explore_link(name)
        written.append(explore)
    title = f"Feedback for {student}"
    md_path, html_path = folder / f"{name}.md", folder / f"{name}.html"
    md_path.write_text(document.markdown(title, blocks))
    html_path.write_text(document.html_page(title, blocks))
    return written + [md_path, html_path] + sorted((folder / name).glob("*.png"))
