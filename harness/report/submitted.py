"""When each student handed in: a staff CSV, Gradescope's metadata, or a course repository.

Read when the reports are built, never stored in a run record. Every file is opened without
following a link and read up to a bound; git runs against the course repository's own
``.git`` with no configuration but the repository's, literal pathspecs and a timeout, so a
student's folder name, a ``.git`` planted inside a submission or a link never chooses what runs.
"""

from __future__ import annotations

import csv
import io
import json
import os
import stat
import subprocess
from datetime import datetime
from pathlib import Path

from harness.errors import ConfigError, field_error
from harness.policy import parse_time
from harness.untrusted import NotRegular, TooLarge, read_regular

MAX_TABLE_BYTES = 1 << 20  # a staff CSV or Gradescope's metadata: far larger is a mistake
GIT_SECONDS = 20  # one `git log` of one folder
GIT_OUTPUT_BYTES = 4096


def read_bounded(path: Path, limit: int = MAX_TABLE_BYTES) -> str:
    """The text of a regular file, refused when it is a link, not a file, or over ``limit``."""
    try:
        data = read_regular(path, limit)
    except TooLarge as exc:
        raise ConfigError(f"{path}: expected at most {limit} bytes, received more") from exc
    except NotRegular as exc:
        raise ConfigError(f"{path}: expected a regular file") from exc
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read ({exc.strerror}; a link is refused)") from exc
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: expected UTF-8 text ({exc})") from exc


def csv_rows(path: Path, required: tuple[str, ...]) -> list[tuple[str, dict]]:
    """(``path: line N``, row) for every row of a staff CSV that has the ``required`` columns."""
    reader = csv.DictReader(io.StringIO(read_bounded(path)))
    columns = reader.fieldnames or []
    missing = [name for name in required if name not in columns]
    if missing:
        raise ConfigError(
            field_error(str(path), "header", f"columns {', '.join(required)}", columns)
        )
    return [(f"{path}: line {reader.line_num}", row) for row in reader]


def times_from_table(path: Path) -> dict[str, datetime]:
    """``student,submitted_at`` rows (ISO 8601 with a UTC offset); a student listed once."""
    times: dict[str, datetime] = {}
    for where, row in csv_rows(path, ("student", "submitted_at")):
        student = (row.get("student") or "").strip()
        if not student or student in times:
            raise ConfigError(field_error(where, "student", "a student id listed once", student))
        times[student] = parse_time(row.get("submitted_at") or "", None, where, "submitted_at")
    return times


def _metadata(path: Path) -> dict:
    try:
        metadata = json.loads(read_bounded(path))
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path}: not valid JSON: {exc}") from exc
    return metadata if isinstance(metadata, dict) else {}


def gradescope_users(source: str, base: Path) -> list[str]:
    """The e-mail addresses and Gradescope ids of the upload's users (a group lists several),
    the names an extensions file may use for Gradescope's one student, ``submission``."""
    kind, _, rest = source.partition(":")
    if kind != "gradescope" or not rest:
        return []
    users = _metadata(base / rest).get("users")
    names = []
    for user in users if isinstance(users, list) else []:
        if isinstance(user, dict):
            names += [str(user[k]) for k in ("email", "id") if isinstance(user.get(k), (str, int))]
    return names


def times_from_gradescope(path: Path, students: list[str]) -> dict[str, datetime]:
    """``created_at`` of Gradescope's ``submission_metadata.json``: the one student graded."""
    created = _metadata(path).get("created_at")
    if not isinstance(created, str):
        raise ConfigError(field_error(str(path), "created_at", "an ISO 8601 time", created))
    if len(students) > 1:
        raise ConfigError(
            field_error(str(path), "students", "one graded submission (Gradescope's)", students)
        )
    return {student: parse_time(created, None, str(path), "created_at") for student in students}


def repository_root(folder: Path) -> Path:
    """The course repository holding ``folder``: the nearest parent with a real ``.git``
    directory (a link, or a ``.git`` file pointing elsewhere, is not followed)."""
    for candidate in (folder, *folder.parents):
        git = candidate / ".git"
        try:
            if stat.S_ISDIR(os.lstat(git).st_mode):
                return candidate
        except FileNotFoundError:
            continue
    raise ConfigError(f"{folder}: expected a folder inside a git repository, found no .git")


def _git_environment() -> dict[str, str]:
    """No system or user configuration, no prompts, no pager; only PATH is inherited."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_LITERAL_PATHSPECS": "1",
        "HOME": os.devnull,
        "LC_ALL": "C",
    }


def commit_time(root: Path, relative: str) -> datetime | None:
    """Committer time of the last commit touching ``relative`` (a literal path), or None."""
    argv = [
        "git",
        f"--git-dir={root / '.git'}",
        "--literal-pathspecs",
        "--no-pager",
        "-c",
        "core.fsmonitor=false",
        "log",
        "-1",
        "--format=%cI",
        "--",
        relative,
    ]
    try:
        done = subprocess.run(
            argv, cwd=root, env=_git_environment(), capture_output=True, timeout=GIT_SECONDS
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ConfigError(f"{root}: git log of {relative!r} failed: {exc}") from exc
    text = done.stdout[:GIT_OUTPUT_BYTES].decode("ascii", "replace").strip()
    if done.returncode != 0:
        why = done.stderr[:GIT_OUTPUT_BYTES].decode("utf-8", "replace").strip()
        raise ConfigError(f"{root}: git log of {relative!r} failed: {why}")
    return parse_time(text, None, f"{root}: git log", relative) if text else None


def times_from_git(folder: Path, students: list[str]) -> dict[str, datetime]:
    """Each student's time: the last commit touching ``folder/<student>`` (none: left out)."""
    folder = Path(os.path.abspath(folder))
    root = repository_root(folder)
    prefix = folder.relative_to(root).as_posix()
    times = {}
    for student in students:
        relative = f"{prefix}/{student}" if prefix != "." else student
        moment = commit_time(root, relative)
        if moment is not None:
            times[student] = moment
    return times


def submission_times(source: str, base: Path, students: list[str]) -> dict[str, datetime]:
    """Times from ``source``: ``gradescope:FILE``, ``git:FOLDER`` or a CSV path, each relative
    to ``base`` (the assignment file's folder) unless absolute; "" gives none."""
    if not source:
        return {}
    kind, _, rest = source.partition(":")
    if kind == "gradescope" and rest:
        return times_from_gradescope(base / rest, students)
    if kind == "git" and rest:
        return times_from_git(base / rest, students)
    return times_from_table(base / source)
