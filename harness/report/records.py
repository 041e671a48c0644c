"""``OUT/results.json`` as the reports see it: references, students and the run that counts.

A student has one record per (dataset, framework). A code submission runs in one framework;
a Model Builder submission may run in all three. The gradebook needs one figure per student
and dataset, so the run that *counts* is the one with the most points (ties: a passed run
first, then torch, tensorflow, jax). Every other run still appears in the "all runs" tables
and on the student's page.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from harness.errors import HarnessError, field_error
from harness.names import DATASET_NAMES, FRAMEWORKS
from harness.report.semester import Semester
from harness.results.record import RunRecord, record_problems
from harness.sinks import terminal

DATASET_ORDER, FRAMEWORK_ORDER = DATASET_NAMES, FRAMEWORKS
REPORT_REQUIRED_FIELDS = ("submission", "dataset", "framework", "status")


def load_records(path: Path) -> list[RunRecord]:
    """Read a results file; a malformed one names the file, the entry and the field."""
    try:
        data = json.loads(Path(path).read_text())
    except FileNotFoundError as exc:
        raise HarnessError(f"{path}: not found; run `python -m harness grade` first") from exc
    except json.JSONDecodeError as exc:
        raise HarnessError(f"{path}: not valid JSON: {exc}") from exc
    if not isinstance(data, list):
        raise HarnessError(
            field_error(str(path), "top level", "a JSON list of run records", type(data).__name__)
        )
    records = [_record(path, i, entry) for i, entry in enumerate(data)]
    return [record for record in records if record is not None]


def _record(path: Path, index: int, entry) -> RunRecord | None:
    """The entry as a record; one with unusable fields becomes its run's error (the other
    runs' reports are written); one that names no run is left out, with a warning."""
    where = f"{path}: entry {index}"
    if not isinstance(entry, dict):
        _left_out(field_error(where, "record", "a JSON object", type(entry).__name__))
        return None
    for name in REPORT_REQUIRED_FIELDS:
        if not isinstance(entry.get(name), str):
            _left_out(field_error(where, name, "a string", entry.get(name)))
            return None
    problems = record_problems(entry)
    if not problems:
        return RunRecord.from_dict(entry)
    reference = entry.get("reference") if isinstance(entry.get("reference"), str) else None
    return RunRecord(
        submission=entry["submission"],
        dataset=entry["dataset"],
        framework=entry["framework"],
        reference=reference,
        status="error",
        reason=f"the stored record of this run is unusable ({where}): "
        + "; ".join(problems)[:1000],
    )


Built = TypeVar("Built")


def guarded(student: str, build: Callable[[], Built], fallback: Callable[[str], Built]) -> Built:
    """``build()``; when it raises, ``fallback(why)``: one student's report that cannot be
    built is that student's error, never the class's."""
    try:
        return build()
    except Exception as exc:  # noqa: BLE001 - any fault in one record stays with its student
        why = f"{type(exc).__name__}: {str(exc)[:300]}"
        print(
            terminal(f"warning: the report of {student} could not be built ({why})"),
            file=sys.stderr,
        )
        return fallback(why)


def _left_out(problem: str) -> None:
    print(terminal(f"warning: left out of the reports: {problem}"), file=sys.stderr)


def _rank(order: tuple[str, ...], name: str) -> tuple[int, str]:
    return (order.index(name) if name in order else len(order), name)


def run_order(record: RunRecord) -> tuple:
    """Sort key: datasets and frameworks in the assignment's usual order."""
    return (_rank(DATASET_ORDER, record.dataset), _rank(FRAMEWORK_ORDER, record.framework))


def _counts_first(record: RunRecord) -> tuple:
    return (-record.score, record.status != "passed", _rank(FRAMEWORK_ORDER, record.framework))


@dataclass
class ClassResults:
    """All records of one grading session, with the look-ups every report needs."""

    records: list[RunRecord]
    skipped: dict[str, str] = field(default_factory=dict)  # dataset -> why it was not graded
    # Deadlines, penalties and what students see, applied as the reports are built
    semester: Semester = field(default_factory=Semester)

    @property
    def references(self) -> list[RunRecord]:
        return sorted((r for r in self.records if r.is_reference), key=run_order)

    @property
    def datasets(self) -> list[str]:
        return sorted({r.dataset for r in self.records}, key=lambda d: _rank(DATASET_ORDER, d))

    @property
    def students(self) -> list[str]:
        return sorted({r.submission for r in self.records if not r.is_reference})

    @property
    def reference_rows(self) -> list[tuple[str, str]]:
        """(reference submission, framework) pairs, one summary row each."""
        keys = {(r.submission, r.framework) for r in self.references}
        return sorted(keys, key=lambda k: (k[0], _rank(FRAMEWORK_ORDER, k[1])))

    def total_of(self, student: str) -> float:
        """Points earned over the counted runs, before any late penalty."""
        counted = (self.counted(student, d) for d in self.datasets)
        return round(sum(r.score for r in counted if r), 3)

    def runs_of(self, student: str) -> list[RunRecord]:
        return sorted((r for r in self.records if r.submission == student), key=run_order)

    def counted(self, student: str, dataset: str) -> RunRecord | None:
        """The run whose points go into the gradebook for this student and dataset."""
        runs = [r for r in self.runs_of(student) if r.dataset == dataset]
        return min(runs, key=_counts_first) if runs else None

    def reference_for(self, record: RunRecord) -> RunRecord | None:
        """The reference run that set this run's bars (same dataset and framework)."""
        same = [
            r
            for r in self.references
            if r.dataset == record.dataset and r.framework == record.framework
        ]
        exact = [r for r in same if r.test_accuracy == record.reference_test_accuracy]
        candidates = exact or sorted(same, key=lambda r: r.submission)
        return candidates[0] if candidates else None

    def reference_run(self, name: str, framework: str, dataset: str) -> RunRecord | None:
        same = [
            r
            for r in self.references
            if (r.submission, r.framework, r.dataset) == (name, framework, dataset)
        ]
        return same[0] if same else None
