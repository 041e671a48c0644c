"""The assignment's semester settings: deadline, visibility per criterion, leaderboard.

Three tables of ``assignment.toml`` as frozen dataclasses (``[deadline]``, ``[visibility]``,
``[leaderboard]``). They change what the reports say, never how a run trains: the reports
apply them when they are built, and no run record stores them, so moving a due date or
granting an extension is a ``report``, not a regrade.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from harness.errors import ConfigError, field_error

# Gradescope's visibility settings, the same words in the local student pages:
# visible: always; after_due_date: once the deadline (and late window) has passed;
# after_published: once staff publish the grades; hidden: never shown to students.
VISIBILITIES = ("visible", "after_due_date", "after_published", "hidden")
PENALTY_RULES = ("per_day", "flat", "none")
CRITERIA = ("trains", "accuracy", "throughput")  # what a student may see, per dataset
POINT_CRITERIA = ("accuracy", "throughput")  # the criteria that carry points
LEADERBOARD_METRICS = ("test_accuracy",)  # measured by the parent on held-out data


@dataclass(frozen=True)
class Deadline:
    due: str = ""  # ISO 8601 date and time, e.g. "2026-10-09T23:59:00-07:00"; "" = no deadline
    timezone: str = ""  # IANA zone for a `due` without an offset, e.g. "America/Los_Angeles"
    late_window_hours: float = 0.0  # accepted with a penalty this long after the deadline
    penalty: str = "per_day"  # per_day: percent per started day late; flat: once; none
    penalty_percent: float = 10.0  # of the points earned, per started day (per_day) or once
    max_penalty_percent: float = 100.0  # the penalty never takes more than this
    extensions: str = ""  # staff CSV (student,extra_hours or student,due); relative to the toml
    submitted_at: str = ""  # times: a CSV, "git:FOLDER" or "gradescope:FILE"; "" = none known

    def due_at(self) -> datetime | None:
        """The deadline as an aware datetime (None: the assignment has none)."""
        return parse_time(self.due, self.zone(), "[deadline]", "due") if self.due else None

    def zone(self) -> tzinfo | None:
        return ZoneInfo(self.timezone) if self.timezone else None

    @property
    def late_window(self) -> timedelta:
        return timedelta(hours=self.late_window_hours)


@dataclass(frozen=True)
class Visibility:
    trains: str = "visible"  # the network builds, trains, and its learning curve (validation)
    # The criteria with points may not be "hidden": Gradescope would show them in the total.
    accuracy: str = "after_due_date"  # accuracy points against the held-out test set
    throughput: str = "after_due_date"  # throughput points (and examples/sec measured)
    published: bool = False  # staff set true once grades are released (after_published)

    def of(self, criterion: str) -> str:
        return getattr(self, criterion)


@dataclass(frozen=True)
class Leaderboard:
    enabled: bool = False  # off by default: no Gradescope leaderboard, no class page
    metric: str = "test_accuracy"  # ranked on this held-out figure, one table per dataset
    show: str = "after_due_date"  # when students see it (a visibility, as above)
    secret_file: str = "leaderboard.secret"  # key of the pseudonyms; made on first use


def parse_time(text: str, zone: tzinfo | None, where: str, key: str) -> datetime:
    """An ISO 8601 time with its offset (or in ``zone`` when it has none), as an aware datetime."""
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except (ValueError, AttributeError) as exc:
        raise ConfigError(
            field_error(where, key, "an ISO 8601 time such as 2026-10-09T23:59:00-07:00", text)
        ) from exc
    if moment.tzinfo is None:
        if zone is None:
            raise ConfigError(
                field_error(where, key, "a time with a UTC offset (or a [deadline] timezone)", text)
            )
        moment = moment.replace(tzinfo=zone)
    return moment


def utc_text(moment: datetime) -> str:
    """One spelling of a time in every report: UTC, to the minute."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def _fill(cls, table: dict, where: str):
    """``cls`` from ``table``: unknown keys and values of the wrong type name the field."""
    if not isinstance(table, dict):
        raise ConfigError(field_error(where, "table", "a TOML table of keys", table))
    known = {f.name: f for f in dataclasses.fields(cls)}
    values = {}
    for key, value in table.items():
        if key not in known:
            raise ConfigError(field_error(where, key, f"one of {', '.join(known)}", key))
        default = getattr(cls(), key)
        if isinstance(default, bool):
            ok = isinstance(value, bool)
        elif isinstance(default, float):
            ok = isinstance(value, (int, float)) and not isinstance(value, bool)
            ok = ok and math.isfinite(value)
        else:
            ok = isinstance(value, str)
        if not ok:
            raise ConfigError(field_error(where, key, f"a {type(default).__name__}", value))
        values[key] = float(value) if isinstance(default, float) else value
    return cls(**values)


def _one_of(where: str, key: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ConfigError(field_error(where, key, f"one of {', '.join(allowed)}", value))


def load_deadline(table: dict, where: str) -> Deadline:
    deadline = _fill(Deadline, table, where)
    if deadline.timezone:
        try:
            deadline.zone()
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ConfigError(
                field_error(where, "timezone", "an IANA time zone name", deadline.timezone)
            ) from exc
    if deadline.due:
        parse_time(deadline.due, deadline.zone(), where, "due")
    _one_of(where, "penalty", deadline.penalty, PENALTY_RULES)
    for key in ("late_window_hours", "penalty_percent", "max_penalty_percent"):
        if getattr(deadline, key) < 0:
            raise ConfigError(field_error(where, key, "a number >= 0", getattr(deadline, key)))
    for key in ("penalty_percent", "max_penalty_percent"):
        if getattr(deadline, key) > 100:
            raise ConfigError(
                field_error(where, key, "a percent from 0 to 100", getattr(deadline, key))
            )
    return deadline


def load_visibility(table: dict, where: str) -> Visibility:
    visibility = _fill(Visibility, table, where)
    for key in CRITERIA:
        _one_of(where, key, visibility.of(key), VISIBILITIES)
    for key in POINT_CRITERIA:
        # Gradescope shows the total while only "hidden" tests are hidden: points there leak.
        _one_of(where, key, visibility.of(key), VISIBILITIES[:-1])
    return visibility


def load_leaderboard(table: dict, where: str) -> Leaderboard:
    board = _fill(Leaderboard, table, where)
    _one_of(where, "metric", board.metric, LEADERBOARD_METRICS)
    _one_of(where, "show", board.show, VISIBILITIES)
    return board
