"""`[deadline]`, `[visibility]`, `[leaderboard]`: defaults, and bad values naming file and field."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from harness.config import load_assignment
from harness.errors import ConfigError


def _load(tmp_path, toml: str):
    path = tmp_path / "assignment.toml"
    path.write_text(toml)
    return load_assignment(path)


def test_defaults_no_deadline_held_out_parts_after_it_and_no_leaderboard():
    assignment = load_assignment()
    assert assignment.deadline.due_at() is None
    assert (assignment.visibility.trains, assignment.visibility.accuracy) == (
        "visible",
        "after_due_date",
    )
    assert assignment.leaderboard.enabled is False


def test_a_due_date_with_an_offset_and_one_in_a_named_zone_are_the_same_moment(tmp_path):
    offset = _load(tmp_path, '[deadline]\ndue = "2026-10-09T23:59:00-07:00"\n')
    named = _load(
        tmp_path,
        '[deadline]\ndue = "2026-10-09T23:59:00"\ntimezone = "America/Los_Angeles"\n',
    )
    utc = datetime(2026, 10, 10, 6, 59, tzinfo=timezone.utc)
    assert offset.deadline.due_at() == named.deadline.due_at() == utc
    # In January the same zone is 8 hours behind UTC: the zone's rule, not a fixed offset.
    winter = _load(
        tmp_path, '[deadline]\ndue = "2027-01-15T23:59:00"\ntimezone = "America/Los_Angeles"\n'
    )
    assert winter.deadline.due_at().utcoffset() == timedelta(hours=-8)


@pytest.mark.parametrize(
    "toml, message",
    [
        (
            '[deadline]\ndue = "2026-10-09 late"\n',
            "[deadline]: due: expected an ISO 8601 time such as 2026-10-09T23:59:00-07:00, "
            "received '2026-10-09 late'",
        ),
        (
            '[deadline]\ndue = "2026-10-09T23:59:00"\n',
            "[deadline]: due: expected a time with a UTC offset (or a [deadline] timezone), "
            "received '2026-10-09T23:59:00'",
        ),
        (
            '[deadline]\ntimezone = "Mars/Olympus"\n',
            "[deadline]: timezone: expected an IANA time zone name, received 'Mars/Olympus'",
        ),
        (
            '[deadline]\npenalty = "half"\n',
            "[deadline]: penalty: expected one of per_day, flat, none, received 'half'",
        ),
        (
            "[deadline]\nlate_window_hours = -1\n",
            "[deadline]: late_window_hours: expected a number >= 0, received -1.0",
        ),
        (
            "[deadline]\npenalty_percent = 150\n",
            "[deadline]: penalty_percent: expected a percent from 0 to 100, received 150.0",
        ),
        (
            '[deadline]\nlate_window_hours = "two days"\n',
            "[deadline]: late_window_hours: expected a float, received 'two days'",
        ),
        (
            "[deadline]\ngrace = 1\n",
            "[deadline]: grace: expected one of due, timezone, late_window_hours",
        ),
        (
            '[visibility]\naccuracy = "after_deadline"\n',
            "[visibility]: accuracy: expected one of visible, after_due_date, "
            "after_published, hidden, received 'after_deadline'",
        ),
        (
            '[visibility]\npublished = "yes"\n',
            "[visibility]: published: expected a bool, received 'yes'",
        ),
        (
            '[leaderboard]\nmetric = "examples_per_sec"\n',
            "[leaderboard]: metric: expected one of test_accuracy, received 'examples_per_sec'",
        ),
        ("deadline = 3\n", "[deadline]: table: expected a TOML table of keys, received 3"),
    ],
)
def test_a_bad_value_names_the_file_the_field_what_was_expected_and_received(
    tmp_path, toml, message
):
    with pytest.raises(ConfigError) as caught:
        _load(tmp_path, toml)
    assert str(tmp_path / "assignment.toml") in str(caught.value)
    assert message in str(caught.value)


def test_points_may_not_be_hidden_for_ever_as_gradescope_would_show_them_in_the_total(tmp_path):
    with pytest.raises(ConfigError, match="accuracy: expected one of visible, after_due_date"):
        _load(tmp_path, '[visibility]\naccuracy = "hidden"\n')
    assert _load(tmp_path, '[visibility]\ntrains = "hidden"\n').visibility.trains == "hidden"
