"""The exit status of a grading, from its records: students' failures are not the grader's.

A CI colours its job from this status: 1 means the grading worked and some students' runs
did not pass, which is a normal outcome; 3 means the grading itself failed and staff must act.
"""

from __future__ import annotations

from harness.errors import EXIT_GRADING_FAILED, EXIT_PASSED, EXIT_STUDENT_FAILURES
from harness.results.record import RunRecord

PYTEST_STUDENT_FAILURES = 1  # pytest: some items failed (a run that did not pass)


def grader_failures(records: list[RunRecord], skipped: dict[str, str]) -> list[str]:
    """Why the grading itself failed, one line each (empty when it did not)."""
    why = [f"dataset {name} was not graded" for name in sorted(skipped)]
    why += [
        f"reference run {r.submission} {r.dataset}/{r.framework} {r.status}"
        for r in records
        if r.is_reference and r.status != "passed"
    ]
    why += [
        f"run {r.submission} {r.dataset}/{r.framework}: error on the grader's side"
        for r in records
        if not r.is_reference and r.status == "error"
    ]
    return why


def grading_exit_status(records: list[RunRecord], skipped: dict[str, str], pytest_code: int) -> int:
    """0 every run passed; 1 some student runs failed; 3 the grading itself failed
    (a reference run, an ``error`` run, a skipped dataset, or pytest stopping abnormally)."""
    if pytest_code not in (0, PYTEST_STUDENT_FAILURES) or grader_failures(records, skipped):
        return EXIT_GRADING_FAILED
    if any(r.status != "passed" for r in records):
        return EXIT_STUDENT_FAILURES
    return EXIT_PASSED
