"""What the reports apply when they are built: deadlines, penalties and what a student sees.

``load_semester`` reads the assignment's ``[deadline]``, ``[visibility]`` and
``[leaderboard]`` tables, the extensions file and the submission times; :class:`Semester`
answers, per student, the penalty and whether each criterion (``trains``, ``accuracy``,
``throughput``) is shown now, and until when it is hidden. Nothing here is stored in a run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from harness.config import Assignment, default_assignment_path, load_assignment
from harness.policy import POINT_CRITERIA, parse_time, utc_text
from harness.report.late import Extension, Lateness, lateness, read_extensions, student_due
from harness.report.submitted import gradescope_users, submission_times
from harness.results.record import RunRecord


@dataclass(frozen=True)
class Semester:
    assignment: Assignment = field(default_factory=Assignment)
    now: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    late: dict[str, Lateness] = field(default_factory=dict)  # student -> standing
    base: Path = Path(".")  # the assignment file's folder: relative paths start here

    def lateness_of(self, student: str) -> Lateness:
        return self.late.get(student) or Lateness(self.assignment.deadline.due_at(), None)

    def release_of(self, student: str) -> datetime | None:
        """When ``after_due_date`` parts open for this student: deadline plus late window."""
        due = self.lateness_of(student).due
        return None if due is None else due + self.assignment.deadline.late_window

    def shown(self, criterion: str, student: str) -> bool:
        """Whether the student's pages show ``criterion`` now (staff pages show everything)."""
        return self._open(self.assignment.visibility.of(criterion), self.release_of(student))

    def _open(self, setting: str, release: datetime | None) -> bool:
        if setting == "after_due_date":
            return release is None or self.now >= release
        if setting == "after_published":
            return self.assignment.visibility.published
        return setting == "visible"

    def hidden_until(self, criterion: str, student: str) -> str:
        """Until when ``criterion`` is hidden, in words ("" when it is shown)."""
        setting, release = self.assignment.visibility.of(criterion), self.release_of(student)
        if self._open(setting, release):
            return ""
        if setting == "after_due_date" and release is not None:  # hidden: it has a release
            return f"until {utc_text(release)} (your deadline and late window)"
        if setting == "after_published":
            return "until the staff publish the grades"
        return "from students"

    def hidden(self, student: str) -> list[str]:
        return [c for c in ("trains", *POINT_CRITERIA) if not self.shown(c, student)]

    def points_shown(self, student: str) -> bool:
        return all(self.shown(c, student) for c in POINT_CRITERIA)

    def leaderboard_open(self) -> bool:
        """The class leaderboard opens after the last student's deadline and late window."""
        releases = [self.release_of(s) for s in self.late] or [self.release_of("")]
        known = [r for r in releases if r is not None]
        return self._open(self.assignment.leaderboard.show, max(known) if known else None)


def assignment_path(records: list[RunRecord], given: str | None) -> Path:
    """``--assignment``, else the file the runs were graded under, else the default one."""
    if given:
        return Path(given)
    used = {r.assignment for r in records if r.assignment}
    if len(used) == 1 and Path(next(iter(used))).is_file():
        return Path(next(iter(used)))
    return default_assignment_path()


def load_semester(
    records: list[RunRecord],
    assignment_file: str | None = None,
    submitted_at: str | None = None,
    extensions: str | None = None,
    as_of: str | None = None,
) -> Semester:
    """The semester as the reports apply it now (``as_of``: another moment, ISO 8601)."""
    path = assignment_path(records, assignment_file)
    assignment = load_assignment(path)
    base = path.resolve().parent
    now = (
        parse_time(as_of, None, "command line", "--as-of") if as_of else datetime.now(timezone.utc)
    )
    students = sorted({r.submission for r in records if not r.is_reference})
    deadline = assignment.deadline
    if deadline.due_at() is None:
        return Semester(assignment, now, {}, base)
    source = submitted_at if submitted_at is not None else deadline.submitted_at
    times = submission_times(source, base, students)
    granted_file = extensions if extensions is not None else deadline.extensions
    granted = read_extensions(base / granted_file) if granted_file else {}
    aliases = gradescope_users(source, base)  # Gradescope's upload is "submission"
    late = {s: lateness(deadline, _granted(granted, [s, *aliases]), times.get(s)) for s in students}
    return Semester(assignment, now, late, base)


def _granted(granted: dict[str, Extension], names: list[str]) -> Extension | None:
    """The extension listed under the student's id, else under one of their other names."""
    return next((granted[name] for name in names if name in granted), None)


def late_rows(semester: Semester, totals: dict[str, float]) -> list[dict]:
    """One row per student for ``late.json`` and the gradebook (full precision)."""
    rows = []
    for student, total in sorted(totals.items()):
        late = semester.lateness_of(student)
        penalty = late.penalty_points(total)
        rows.append(
            {
                "student": student,
                "submitted_at": late.submitted.isoformat() if late.submitted else None,
                "due": late.due.isoformat() if late.due else None,
                "late_hours": round(late.late_by.total_seconds() / 3600, 3)
                if late.late_by is not None
                else None,
                "penalty_percent": late.percent,
                "late_penalty": -penalty or 0.0,  # no penalty is 0, never -0.0
                "total": total,
                "final": round(total - penalty, 3),
                "why": late.why,
            }
        )
    return rows


def due_text(semester: Semester, student: str) -> str:
    due = student_due(semester.assignment.deadline, None)
    mine = semester.lateness_of(student).due
    if mine is None:
        return "no deadline"
    if due is None:  # never: without a class deadline no student has one
        raise ValueError(f"{student}: a deadline of their own without the class's")
    moved = "" if mine == due else f" (extended from {utc_text(due)})"
    return f"{utc_text(mine)}{moved}"
