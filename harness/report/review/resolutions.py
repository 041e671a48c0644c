"""The staff's resolutions of review items: a TOML file read every time the reports are built.

One ``[[resolution]]`` per item::

    [[resolution]]
    student = "alice"
    dataset = "fashion_mnist"      # with framework: a flagged run
    framework = "torch"
    submission = "3f2a9c1b7d4e"    # the submission hash review.csv shows (8+ hex digits)
    decision = "set"               # "keep" the points, "set" them, or "note" (stays open)
    points = 0.0                   # with decision = "set": the run's points, 0 to its maximum
    note = "table.json answers the test set; 0 points"

A similarity item names ``similar_to`` (the other student) instead of dataset and framework
and takes "keep" or "note": similarity never changes points. A resolution holds for the
submission it names: when the student's folder changes, the item is open again.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass
from pathlib import Path

from harness.errors import ConfigError, field_error

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

DECISIONS = ("keep", "set", "note")
MIN_HASH_DIGITS = 8
MAX_FILE_BYTES = 4 << 20  # a staff file; bounded all the same
KEYS = ("student", "dataset", "framework", "similar_to", "submission", "decision", "points", "note")


@dataclass(frozen=True)
class Resolution:
    student: str
    submission: str  # a prefix of the submission folder's hash
    decision: str  # one of DECISIONS
    dataset: str = ""
    framework: str = ""
    similar_to: str = ""
    points: float | None = None
    note: str = ""
    where: str = ""  # "FILE: resolution N", for messages

    @property
    def item(self) -> tuple[str, str, str, str]:
        """The item it resolves: (student, dataset, framework, similar_to)."""
        return (self.student, self.dataset, self.framework, self.similar_to)

    def holds_for(self, submission_hash: str) -> bool:
        """Whether it was made for this submission (an unrecorded hash matches any)."""
        return not submission_hash or submission_hash.startswith(self.submission)


def load_resolutions(path: Path | None) -> list[Resolution]:
    """Every resolution in ``path`` (none when ``path`` is None); a bad entry raises a
    :class:`ConfigError` naming the file, the entry, the field, what was expected and what
    was received."""
    if path is None:
        return []
    path = Path(path)
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: resolutions file not found") from exc
    if len(raw) > MAX_FILE_BYTES:
        raise ConfigError(field_error(str(path), "size", f"at most {MAX_FILE_BYTES} bytes", "more"))
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: expected UTF-8 TOML, received invalid text ({exc})") from exc
    unknown = sorted(set(data) - {"resolution"})
    if unknown:
        raise ConfigError(
            field_error(str(path), "top level", "only [[resolution]] tables", unknown)
        )
    entries = data.get("resolution", [])
    if not isinstance(entries, list):
        raise ConfigError(field_error(str(path), "resolution", "[[resolution]] tables", entries))
    return [_entry(entry, f"{path}: resolution {n}") for n, entry in enumerate(entries, 1)]


def _text(entry: dict, key: str, where: str, required: bool = True) -> str:
    value = entry.get(key, None if required else "")
    if not isinstance(value, str) or (required and not value):
        raise ConfigError(field_error(where, key, "a non-empty string", value))
    return value


def _entry(entry: dict, where: str) -> Resolution:
    unknown = sorted(set(entry) - set(KEYS))
    if unknown:
        raise ConfigError(field_error(where, unknown[0], f"one of {', '.join(KEYS)}", "unknown"))
    found = {key: _text(entry, key, where, key in ("student", "decision")) for key in KEYS[:6]}
    _check_submission(found["submission"], where)
    _check_target(found, where)
    points = _points(entry, found["decision"], where)
    return Resolution(
        points=points, note=_text(entry, "note", where, required=False), where=where, **found
    )


def _check_submission(submission: str, where: str) -> None:
    hex_digits = all(c in "0123456789abcdef" for c in submission)
    if len(submission) < MIN_HASH_DIGITS or not hex_digits:
        raise ConfigError(
            field_error(
                where,
                "submission",
                f"the submission hash from review.csv ({MIN_HASH_DIGITS}+ lowercase hex digits)",
                submission,
            )
        )


def _check_target(found: dict, where: str) -> None:
    if found["decision"] not in DECISIONS:
        expected = " or ".join(f'"{d}"' for d in DECISIONS)
        raise ConfigError(field_error(where, "decision", expected, found["decision"]))
    run = bool(found["dataset"] and found["framework"])
    if run == bool(found["similar_to"]):
        raise ConfigError(
            field_error(
                where,
                "dataset, framework, similar_to",
                "dataset and framework (a flagged run) or similar_to (a similarity pair)",
                {k: found[k] for k in ("dataset", "framework", "similar_to") if found[k]},
            )
        )
    if found["similar_to"] and found["decision"] == "set":
        raise ConfigError(
            field_error(where, "decision", '"keep" or "note" (similarity never sets points)', "set")
        )


def _points(entry: dict, decision: str, where: str) -> float | None:
    value = entry.get("points")
    if decision != "set":
        if value is not None:
            raise ConfigError(
                field_error(where, "points", 'no points unless decision = "set"', value)
            )
        return None
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        raise ConfigError(field_error(where, "points", "a number >= 0", value))
    if not math.isfinite(value) or value < 0:
        raise ConfigError(field_error(where, "points", "a number >= 0", value))
    return float(value)
