"""Late penalties: exactly at the deadline, across time-zone offsets, extensions, the window."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from harness.errors import ConfigError
from harness.policy import Deadline
from harness.report.late import Extension, lateness, read_extensions

DUE = "2026-10-09T23:59:00-07:00"  # 2026-10-10 06:59 UTC
DEADLINE = Deadline(due=DUE, late_window_hours=72.0, penalty_percent=10.0)
UTC_DUE = datetime(2026, 10, 10, 6, 59, tzinfo=timezone.utc)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


@pytest.mark.parametrize(
    "submitted, percent",
    [
        ("2026-10-09T23:59:00-07:00", 0.0),  # exactly at the deadline: on time
        ("2026-10-10T06:59:00+00:00", 0.0),  # the same moment written in UTC
        ("2026-10-10T15:59:00+09:00", 0.0),  # ... and in Tokyo
        ("2026-10-09T23:59:00.000001-07:00", 10.0),  # a microsecond late: one started day
        ("2026-10-10T09:00:00+02:00", 10.0),  # one minute late, written in Paris's offset
        ("2026-10-10T23:59:00-07:00", 10.0),  # exactly 24 hours late: still one day
        ("2026-10-10T23:59:01-07:00", 20.0),  # a second more: the second day
        ("2026-10-12T23:59:00-07:00", 30.0),  # the last moment of the 72-hour window
        ("2026-10-12T23:59:01-07:00", 100.0),  # after the window: max_penalty_percent
        ("2026-10-01T00:00:00+14:00", 0.0),  # early
    ],
)
def test_penalty_at_the_deadline_and_across_offsets(submitted, percent):
    assert lateness(DEADLINE, None, at(submitted)).percent == percent


def test_no_late_window_means_late_work_gets_no_points():
    strict = Deadline(due=DUE)
    assert lateness(strict, None, UTC_DUE).percent == 0.0
    late = lateness(strict, None, UTC_DUE + timedelta(seconds=1))
    assert late.percent == 100.0 and "after the late window closed" in late.why


def test_flat_none_and_the_cap():
    late = UTC_DUE + timedelta(hours=50)
    assert (
        lateness(Deadline(due=DUE, late_window_hours=99, penalty="flat"), None, late).percent == 10
    )
    assert (
        lateness(Deadline(due=DUE, late_window_hours=99, penalty="none"), None, late).percent == 0
    )
    capped = Deadline(due=DUE, late_window_hours=999, penalty_percent=30, max_penalty_percent=50)
    assert lateness(capped, None, late).percent == 50


def test_an_extension_moves_that_students_deadline_only():
    late = UTC_DUE + timedelta(hours=30)
    assert lateness(DEADLINE, None, late).percent == 20.0
    assert lateness(DEADLINE, Extension(extra_hours=48), late).percent == 0.0
    own = Extension(due=at("2026-10-11T00:00:00+00:00"))
    assert lateness(DEADLINE, own, late).percent == 10.0  # 12:59 h after its own deadline


def test_no_deadline_no_penalty_and_an_unknown_time_is_said():
    assert lateness(Deadline(), None, UTC_DUE).percent == 0.0
    unknown = lateness(DEADLINE, None, None)
    assert unknown.percent == 0.0 and "no submission time known" in unknown.why


def test_the_penalty_is_a_share_of_the_points_earned():
    late = lateness(DEADLINE, None, UTC_DUE + timedelta(hours=1))
    assert late.penalty_points(17.5) == 1.75


def test_extensions_file_rows_and_errors(tmp_path):
    path = tmp_path / "extensions.csv"
    path.write_text("student,extra_hours,due,note\nalice,48,,illness\nbob,,2026-10-20T12:00Z,\n")
    granted = read_extensions(path)
    assert granted["alice"].extra_hours == 48.0
    assert granted["bob"].due == datetime(2026, 10, 20, 12, tzinfo=timezone.utc)
    for body, message in [
        ("student,extra_hours\nalice,two\n", "line 2: extra_hours: expected a number of hours"),
        ("student,extra_hours\nalice,-1\n", "extra_hours: expected a number of hours >= 0"),
        ("student,extra_hours,due\nalice,1,2026-10-20T12:00Z\n", "expected exactly one of"),
        ("student,extra_hours\nalice,1\nalice,2\n", "line 3: student: expected a student id"),
        ("student,due\nalice,2026-10-20T12:00\n", "due: expected a time with a UTC offset"),
        ("name,extra_hours\nalice,1\n", "header: expected columns student"),
    ]:
        path.write_text(body)
        with pytest.raises(ConfigError, match=message) as caught:
            read_extensions(path)
        assert str(path) in str(caught.value)


def test_a_link_is_refused_never_followed(tmp_path):
    (tmp_path / "real.csv").write_text("student,extra_hours\nalice,1\n")
    (tmp_path / "link.csv").symlink_to(tmp_path / "real.csv")
    with pytest.raises(ConfigError, match="a link is refused"):
        read_extensions(tmp_path / "link.csv")


def test_a_late_students_folder_name_is_printed_escaped(tmp_path):
    from harness.report import late_summary

    hostile = "eve\x1b[2J\n::error::owned"
    row = {"student": hostile, "late_penalty": -0.8, "penalty_percent": 10.0, "due": DUE}
    (tmp_path / "late.json").write_text(json.dumps([row | {"submitted_at": DUE}]))
    line = late_summary(tmp_path / "late.json")
    assert line == "1 late (eve\\x1b[2J\\x0a::error::owned -0.8)"
