"""What a student's own page shows now: the assignment's visibility per criterion applied.

A student who sees only part of the result is told what is hidden and until when, at the
top of the page and wherever a hidden figure would have been; the page never shows a total
it is not allowed to, nor says that everything passed.
"""

from __future__ import annotations

from dataclasses import dataclass

from harness.policy import POINT_CRITERIA, utc_text
from harness.report.semester import Semester
from harness.results.record import RunRecord

NAMES = {
    "trains": "whether your network builds and trains, and its learning curve",
    "accuracy": "accuracy points and every figure from the held-out test set",
    "throughput": "throughput points and examples/sec",
}
ACCURACY = ("accuracy",)
THROUGHPUT = ("throughput",)


@dataclass(frozen=True)
class Figure:
    """One line of a run's figures and the criteria whose figures it tells: the line is
    shown only once every one of them is. Whoever writes a line says what it tells."""

    text: str
    needs: tuple[str, ...] = ()


def hidden_lines(semester: Semester, student: str) -> list[str]:
    """One note per hidden criterion, with until when; then that this is not the grade."""
    lines = [
        f"Hidden {semester.hidden_until(c, student)}: {NAMES[c]}." for c in semester.hidden(student)
    ]
    if lines:
        lines.append("What this page shows is not your grade: the rest is hidden, not passed.")
    late = semester.lateness_of(student)
    if late.submitted is not None and late.due is not None:
        lines.append(f"Your deadline: {utc_text(late.due)}; handed in {utc_text(late.submitted)}.")
    return lines


def points_hidden_text(semester: Semester, student: str) -> str:
    """ "hidden until ..." for a points cell, "" when the points are shown."""
    until = [semester.hidden_until(c, student) for c in POINT_CRITERIA]
    return next((f"hidden {text}" for text in until if text), "")


def penalty_rows(semester: Semester, student: str, total: float, shown: bool) -> list[list[str]]:
    """The late penalty as its own row of the points table (its points once they are shown)."""
    late = semester.lateness_of(student)
    if not late.why:
        return []
    taken = late.penalty_points(total)
    points = f"-{taken:g} ({late.percent:g}%)" if shown else f"-{late.percent:g}% of the points"
    return [["late penalty", "", late.why, points]]


def visible_figures(semester: Semester, record: RunRecord, figures: list[Figure]) -> list[str]:
    """The texts of ``figures`` but those telling a criterion the student may not see yet."""
    shown = {c: semester.shown(c, record.submission) for c in POINT_CRITERIA}
    return [f.text for f in figures if all(shown[c] for c in f.needs)]
