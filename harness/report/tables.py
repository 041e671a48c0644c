"""The class tables: the gradebook CSV and the rows shared by the Markdown and HTML summaries.

Rows hold raw numbers (None where there is no figure); ``fmt`` turns them into text for
display, so the CSV keeps full precision and the pages stay readable.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from harness.report.analysis import accuracy_ratio, median, throughput_ratio
from harness.report.records import ClassResults
from harness.report.semester import late_rows
from harness.results.record import RunRecord
from harness.sinks import csv_cell

# Per-dataset columns: (key suffix, short header, display format). The graded rate's header
# and CSV name are its unit's (RATE_NAMES): the ratio beside it is that rate over the bar.
COLUMNS = (
    ("test_accuracy", "acc", "{:.4f}"),
    ("accuracy_ratio", "acc/ref", "{:.2f}x"),
    ("graded_rate", "rate", "{:,.0f}"),
    ("throughput_ratio", "rate/ref", "{:.2f}x"),
    ("points", "pts", "{:g}"),
)
# A dataset column's graded rate by the basis of its runs: (CSV name, header, ratio header)
RATE_NAMES = {
    "cpu": ("examples_per_cpu_sec", "ex/CPU-s", "ex/CPU-s/ref"),
    "wall": ("examples_per_sec", "ex/s", "ex/s/ref"),
    "mixed": ("graded_rate", "ex/s or ex/CPU-s", "rate/ref"),  # GPU and CPU runs in one column
}
RUN_HEADERS = (
    "submission",
    "dataset",
    "framework",
    "status",
    "acc",
    "acc/ref",
    "ex/s",
    "ex/CPU-s",
    "rate/ref",  # the graded rate (ex/CPU-s on a CPU, ex/s on a GPU) over the bar
    "points",
    "batch size",
    "batches",
    "params",
)


def dataset_cells(record: RunRecord | None, dataset: str) -> dict:
    """The five figures of one dataset for one row; empty when the run is missing."""
    if record is None:
        return {f"{dataset} {key}": None for key, _, _ in COLUMNS}
    values = (
        record.test_accuracy,
        accuracy_ratio(record),
        record.graded_rate(),
        throughput_ratio(record),
        record.score,
    )
    return {f"{dataset} {key}": v for (key, _, _), v in zip(COLUMNS, values, strict=True)}


def rate_basis(results: ClassResults, dataset: str) -> str:
    """ "cpu" where every rate of ``dataset`` is graded per CPU-second, "wall" where every
    one is per second, "mixed" where both are."""
    bases = {r.throughput_basis for r in results.records if r.dataset == dataset}
    return bases.pop() if len(bases) == 1 and bases <= set(RATE_NAMES) else "mixed"


def dataset_headers(results: ClassResults, dataset: str) -> list[str]:
    """The short headers of one dataset's columns, the graded rate's naming its unit."""
    _, rate, ratio = RATE_NAMES[rate_basis(results, dataset)]
    named = {"graded_rate": rate, "throughput_ratio": ratio}
    return [named.get(key, header) for key, header, _ in COLUMNS]


def student_rows(results: ClassResults) -> list[dict]:
    """One row per student: the counted run of each dataset, the total and failures."""
    rows = []
    for student in results.students:
        row: dict[str, Any] = {"student": student}
        counted = [results.counted(student, d) for d in results.datasets]
        for dataset, record in zip(results.datasets, counted, strict=True):
            row[f"{dataset} framework"] = record.framework if record else None
            row.update(dataset_cells(record, dataset))
        present = [r for r in counted if r]
        row["total"] = round(sum(r.score for r in present), 3)
        row["max_total"] = round(sum(r.max_score for r in present), 3)
        row.update(_late_cells(results, student, row["total"]))
        row["failed runs"] = sum(r.status != "passed" for r in results.runs_of(student))
        row["review"] = review_text(results.runs_of(student))
        rows.append(row)
    return rows


LATE_FIELDS = ("submitted_at", "due", "late_hours", "penalty_percent", "late_penalty", "final")


def _late_cells(results: ClassResults, student: str, total: float) -> dict:
    """The penalty as its own columns: times, percent, points taken (<= 0), final total."""
    row = late_rows(results.semester, {student: total})[0]
    return {name: row[name] for name in LATE_FIELDS}


def reference_rows(results: ClassResults) -> list[dict]:
    """One row per (reference network, framework), with its own figures as the bars."""
    rows = []
    for name, framework in results.reference_rows:
        row: dict[str, Any] = {"student": f"{name} ({framework})"}
        for dataset in results.datasets:
            record = results.reference_run(name, framework, dataset)
            cells = dataset_cells(record, dataset)
            if record is not None:  # a reference is its own bar
                cells[f"{dataset} accuracy_ratio"] = cells[f"{dataset} throughput_ratio"] = 1.0
                cells[f"{dataset} points"] = None
            row.update(cells)
        rows.append(row)
    return rows


def median_row(rows: list[dict], keys: list[str]) -> dict:
    """Class medians of every numeric column (missing runs left out, failed runs count 0 pts)."""
    row: dict[str, Any] = {"student": "class median"}
    for key in keys:
        row[key] = median(r.get(key) for r in rows if isinstance(r.get(key), (int, float)))
    return row


def numeric_keys(results: ClassResults) -> list[str]:
    keys = [f"{d} {k}" for d in results.datasets for k, _, _ in COLUMNS]
    return keys + ["total"]


def fmt(key: str, value) -> str:
    """Display text of one cell."""
    if value is None:
        return ""
    for suffix, _, pattern in COLUMNS:
        if key.endswith(suffix):
            return pattern.format(value)
    return f"{value:g}" if isinstance(value, float) else str(value)


def class_table(results: ClassResults) -> tuple[list[str], list[list[str]]]:
    """Headers and display rows of the class table: students, references, medians."""
    students = student_rows(results)
    keys = numeric_keys(results)
    rows = students + reference_rows(results) + [median_row(students, keys)]
    headers = ["student"] + [
        f"{d} {h}" for d in results.datasets for h in dataset_headers(results, d)
    ]
    headers += ["total"]
    body = [[r["student"]] + [fmt(k, r.get(k)) for k in keys[:-1]] + [_total(r)] for r in rows]
    return headers, body


def _total(row: dict) -> str:
    if row.get("total") is None:
        return ""
    if row.get("max_total"):
        return f"{row['total']:g}/{row['max_total']:g}"
    return fmt("total", row["total"])


def run_rows(records: list[RunRecord]) -> list[list[str]]:
    """Every run, one row each (all frameworks of a Model Builder submission)."""
    return [
        [
            r.submission,
            r.dataset,
            r.framework,
            r.status,
            fmt("test_accuracy", r.test_accuracy),
            fmt("accuracy_ratio", accuracy_ratio(r)),
            fmt("examples_per_sec", r.examples_per_sec),
            fmt("examples_per_sec", r.examples_per_cpu_sec),
            fmt("throughput_ratio", throughput_ratio(r)),
            f"{r.score:g}/{r.max_score:g}",
            _opt(r.batch_size),
            _opt(r.num_batches),
            _opt(r.param_count),
        ]
        for r in records
    ]


def _opt(value) -> str:
    return "" if value is None else str(value)


def review_text(records: list[RunRecord]) -> str:
    """The review evidence of a student's runs, one "dataset/framework: why" each."""
    return " | ".join(f"{r.dataset}/{r.framework}: {r.review}" for r in records if r.review)


def review_rows(records: list[RunRecord]) -> list[list[str]]:
    return [[r.submission, r.dataset, r.framework, r.review] for r in records if r.review]


def failed_rows(records: list[RunRecord]) -> list[list[str]]:
    return [
        [r.submission, r.dataset, r.framework, r.status, r.reason or "(no reason given)"]
        for r in records
        if r.status != "passed"
    ]


def _csv_fields(results: ClassResults) -> list[str]:
    fields = ["student"]
    for dataset in results.datasets:
        fields += [f"{dataset} framework"] + [f"{dataset} {k}" for k, _, _ in COLUMNS]
    return fields + ["total", "max_total", *LATE_FIELDS, "failed runs", "review"]


def write_grades_csv(results: ClassResults, path: Path) -> Path:
    """grades.csv: one row per student, full-precision figures, for a gradebook import.
    Every text cell passes :func:`harness.sinks.csv_cell`: a student's folder name or
    framework is never a formula. A dataset's graded rate is named by its unit
    (``examples_per_cpu_sec`` or ``examples_per_sec``, ``graded_rate`` where both are)."""
    unit = {d: RATE_NAMES[rate_basis(results, d)][0] for d in results.datasets}
    named = {f"{d} graded_rate": f"{d} {name}" for d, name in unit.items()}
    rows = [{named.get(k, k): v for k, v in row.items()} for row in student_rows(results)]
    fields = [named.get(k, k) for k in _csv_fields(results)]
    with open(path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(
            {k: ("" if v is None else csv_cell(v)) for k, v in row.items()} for row in rows
        )
    return path
