"""Submission times: a staff CSV, Gradescope's submission_metadata.json, a course repository."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import datetime, timezone

import pytest

from harness.errors import ConfigError
from harness.report.submitted import submission_times

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")


def test_a_csv_of_times_with_offsets(tmp_path):
    (tmp_path / "times.csv").write_text(
        "student,submitted_at\nalice,2026-10-09T23:00:00-07:00\nbob,2026-10-10T06:00:00Z\n"
    )
    times = submission_times("times.csv", tmp_path, ["alice", "bob"])
    assert times["alice"] == datetime(2026, 10, 10, 6, tzinfo=timezone.utc)
    (tmp_path / "times.csv").write_text("student,submitted_at\nalice,yesterday\n")
    with pytest.raises(ConfigError, match=r"times.csv: line 2: submitted_at: expected an ISO"):
        submission_times("times.csv", tmp_path, ["alice"])


def test_a_table_is_read_up_to_a_bound_and_a_fifo_is_refused(tmp_path):
    (tmp_path / "times.csv").write_text("student,submitted_at\n" + "x" * (2 << 20))
    with pytest.raises(ConfigError, match="expected at most 1048576 bytes"):
        submission_times("times.csv", tmp_path, ["alice"])
    os.mkfifo(tmp_path / "pipe.csv")  # would block a reader that waits for its end
    with pytest.raises(ConfigError, match="expected a regular file"):
        submission_times("pipe.csv", tmp_path, ["alice"])


def test_gradescope_metadata_created_at(tmp_path):
    """Fields as Gradescope documents them: created_at, assignment.due_date, users."""
    metadata = {
        "id": 123456,
        "created_at": "2018-07-01T14:22:32.365935-07:00",
        "assignment": {"due_date": "2018-07-31T23:00:00.000000-07:00", "late_due_date": None},
        "users": [{"email": "student@example.com", "id": 1234, "name": "Student User"}],
        "previous_submissions": [],
    }
    (tmp_path / "submission_metadata.json").write_text(json.dumps(metadata))
    times = submission_times("gradescope:submission_metadata.json", tmp_path, ["submission"])
    assert times["submission"] == datetime(2018, 7, 1, 21, 22, 32, 365935, tzinfo=timezone.utc)
    with pytest.raises(ConfigError, match="one graded submission"):
        submission_times("gradescope:submission_metadata.json", tmp_path, ["a", "b"])
    (tmp_path / "submission_metadata.json").write_text('{"created_at": 5}')
    with pytest.raises(ConfigError, match="created_at: expected an ISO 8601 time, received 5"):
        submission_times("gradescope:submission_metadata.json", tmp_path, ["submission"])


def _git(repo, *args, when="2026-10-09T12:00:00+00:00"):
    env = dict(
        os.environ,
        GIT_AUTHOR_NAME="s",
        GIT_AUTHOR_EMAIL="s@x",
        GIT_COMMITTER_NAME="s",
        GIT_COMMITTER_EMAIL="s@x",
        GIT_AUTHOR_DATE=when,
        GIT_COMMITTER_DATE=when,
        GIT_CONFIG_NOSYSTEM="1",
        GIT_CONFIG_GLOBAL=os.devnull,
    )
    subprocess.run(["git", "-C", str(repo), *args], check=True, env=env, capture_output=True)


def _commit(repo, path, when):
    target = repo / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(f"# {when}\n")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", path, when=when)


@pytest.fixture
def course(tmp_path):
    repo = tmp_path / "course"
    repo.mkdir()
    _git(repo, "init", "-q")
    _commit(repo, "submissions/alice/index.py", "2026-10-09T10:00:00-07:00")
    _commit(repo, "submissions/bob/index.py", "2026-10-11T10:00:00+02:00")
    _commit(repo, "submissions/alice/notes.txt", "2026-10-09T22:00:00-07:00")
    return repo


def test_the_last_commit_touching_each_students_folder(course):
    times = submission_times("git:submissions", course, ["alice", "bob", "carol"])
    assert times == {
        "alice": datetime(2026, 10, 10, 5, tzinfo=timezone.utc),
        "bob": datetime(2026, 10, 11, 8, tzinfo=timezone.utc),
    }  # carol never committed: no time, and the reports say so


def test_a_folder_name_is_a_literal_path_never_a_pattern(course):
    """A student named '*' or ':(glob)**' must not take another student's latest commit."""
    _commit(course, "submissions/*/index.py", "2026-10-01T00:00:00+00:00")
    times = submission_times("git:submissions", course, ["*", ":(glob)**", "alice"])
    assert times["*"] == datetime(2026, 10, 1, tzinfo=timezone.utc)
    assert ":(glob)**" not in times
    assert times["alice"] == datetime(2026, 10, 10, 5, tzinfo=timezone.utc)


def test_a_git_folder_planted_in_a_submission_runs_nothing(course, tmp_path):
    """A student commits submissions/mallory/.git/config with an fsmonitor hook: git is run
    against the course repository's own .git, so the student's config is never read."""
    marker = tmp_path / "ran"
    planted = course / "submissions" / "mallory" / ".git"
    planted.mkdir(parents=True)
    (planted / "config").write_text(f"[core]\n\tfsmonitor = touch {marker}\n")
    (planted / "HEAD").write_text("ref: refs/heads/main\n")
    _commit(course, "submissions/mallory/index.py", "2026-10-09T09:00:00+00:00")
    with pytest.raises(ConfigError, match="not a git repository"):  # even when pointed at it
        submission_times("git:submissions/mallory", course, ["x"])
    assert not marker.exists()
    times = submission_times("git:submissions", course, ["mallory"])
    assert times["mallory"] == datetime(2026, 10, 9, 9, tzinfo=timezone.utc)
    assert not marker.exists()


def test_a_linked_git_folder_is_not_a_repository(tmp_path, course):
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "submissions").mkdir(parents=True)
    (elsewhere / ".git").symlink_to(course / ".git")
    with pytest.raises(ConfigError, match="expected a folder inside a git repository"):
        submission_times("git:submissions", elsewhere, ["alice"])
