"""Late penalties: each student's deadline (with an extension) against the time handed in.

Pure functions of the ``[deadline]`` table, the extensions file and the submission times;
the reports call them each time they are built, so a moved due date or a new extension
changes only the rows it concerns and no run is trained again.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from harness.errors import ConfigError, field_error
from harness.policy import Deadline, parse_time, utc_text
from harness.report.submitted import csv_rows

DAY = timedelta(days=1)


@dataclass(frozen=True)
class Extension:
    extra_hours: float = 0.0  # added to the class deadline
    due: datetime | None = None  # or a deadline of the student's own


@dataclass(frozen=True)
class Lateness:
    """One student's standing against the deadline; ``percent`` of the points is taken."""

    due: datetime | None  # the student's deadline (extension included); None: no deadline
    submitted: datetime | None  # None: no time known for this student
    percent: float = 0.0
    why: str = ""  # in words, for the student and staff ("" when on time)

    @property
    def late_by(self) -> timedelta | None:
        if self.due is None or self.submitted is None:
            return None
        return max(self.submitted - self.due, timedelta(0))

    def penalty_points(self, earned: float) -> float:
        """Points taken from ``earned`` (the penalty's own line, a number >= 0)."""
        return round(earned * self.percent / 100, 3)


def read_extensions(path: Path) -> dict[str, Extension]:
    """Staff CSV: ``student`` and either ``extra_hours`` or ``due`` per row (``note`` free)."""
    extensions: dict[str, Extension] = {}
    for where, row in csv_rows(path, ("student",)):
        student = (row.get("student") or "").strip()
        if not student or student in extensions:
            raise ConfigError(field_error(where, "student", "a student id listed once", student))
        extensions[student] = _extension(where, row)
    return extensions


def _extension(where: str, row: dict) -> Extension:
    hours, due = (row.get("extra_hours") or "").strip(), (row.get("due") or "").strip()
    if bool(hours) == bool(due):
        raise ConfigError(
            field_error(where, "extra_hours, due", "exactly one of the two", [hours, due])
        )
    if due:
        return Extension(due=parse_time(due, None, where, "due"))
    try:
        extra = float(hours)
    except ValueError:
        extra = math.nan
    if not math.isfinite(extra) or extra < 0:
        raise ConfigError(field_error(where, "extra_hours", "a number of hours >= 0", hours))
    return Extension(extra_hours=extra)


def student_due(deadline: Deadline, extension: Extension | None) -> datetime | None:
    """The class deadline, moved by the student's extension."""
    due = deadline.due_at()
    if due is None or extension is None:
        return due
    return extension.due or due + timedelta(hours=extension.extra_hours)


def lateness(
    deadline: Deadline, extension: Extension | None, submitted: datetime | None
) -> Lateness:
    """Work handed in at or before the student's deadline is on time; within the late
    window it loses ``penalty_percent`` per started day (or once, ``flat``); later, it loses
    ``max_penalty_percent``. Unknown time: no penalty, and the reason says so."""
    due = student_due(deadline, extension)
    if due is None:
        return Lateness(None, submitted)
    if submitted is None:
        return Lateness(due, None, 0.0, "no submission time known: no penalty applied")
    late = submitted - due
    if late <= timedelta(0):
        return Lateness(due, submitted)
    if late > deadline.late_window:
        why = f"handed in {_span(late)} after {utc_text(due)}, after the late window closed"
        return Lateness(due, submitted, deadline.max_penalty_percent, why)
    days = math.ceil(late / DAY)
    rule = {"per_day": deadline.penalty_percent * days, "flat": deadline.penalty_percent}
    percent = min(rule.get(deadline.penalty, 0.0), deadline.max_penalty_percent)
    why = f"handed in {_span(late)} after {utc_text(due)} ({days} started day(s) late)"
    return Lateness(due, submitted, percent, why)


def _span(late: timedelta) -> str:
    hours = late.total_seconds() / 3600
    return f"{hours:.1f} h" if hours >= 0.1 else f"{late.total_seconds():.0f} s"
