"""The results store: one JSON file per finished run, written atomically.

A grading process killed at any moment leaves every finished run's file complete and no
half-written file under a final name, so the next grading run resumes where it stopped.
``results.json`` is assembled from these files, also atomically.
"""

from __future__ import annotations

import dataclasses
import json
import os
import tempfile
from pathlib import Path

from harness.errors import HarnessError
from harness.names import file_name
from harness.results.record import RunRecord
from harness.sinks import json_text

REQUIRED_FIELDS = tuple(
    f.name
    for f in dataclasses.fields(RunRecord)
    if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
)


class UnreadableRun(HarnessError):
    """A file under ``OUT/runs`` that does not hold one run record."""


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that readers see the old file or the new, never a part."""
    _atomic_write(path, text, "w")


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new, never a part."""
    _atomic_write(path, data, "wb")


def _atomic_write(path: Path, data, mode: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, mode) as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def run_key(submission: str, dataset: str, framework: str) -> str:
    """File-system-safe name of one run; different runs never share one (injective: the
    dataset and framework parts hold no ``-``, a framework a student named has its escaped,
    so the key splits back from the right), and bounded: each part is at most
    :data:`harness.names.NAME_BYTES`."""
    tail = (file_name(part).replace("-", "~2D") for part in (dataset, framework))
    return "--".join((file_name(submission), *tail))


class ResultsStore:
    """``OUT/runs/<key>.json`` per run and ``OUT/results.json`` for all of them."""

    def __init__(self, out_dir: Path):
        self.out_dir = Path(out_dir)
        self.runs_dir = self.out_dir / "runs"

    def path_for(self, submission: str, dataset: str, framework: str) -> Path:
        return self.runs_dir / f"{run_key(submission, dataset, framework)}.json"

    def save(self, record: RunRecord) -> Path:
        path = self.path_for(record.submission, record.dataset, record.framework)
        atomic_write_text(path, json_text(record.to_dict(), indent=1))
        return path

    def load(self, submission: str, dataset: str, framework: str) -> RunRecord | None:
        """The stored record of a run, or None when absent or unreadable (it is run again)."""
        try:
            return read_run(self.path_for(submission, dataset, framework))
        except (FileNotFoundError, UnreadableRun):
            return None

    def reusable(
        self, submission: str, dataset: str, framework: str, fingerprint: str
    ) -> RunRecord | None:
        """The stored record when its fingerprint matches (nothing changed), else None."""
        record = self.load(submission, dataset, framework)
        if record is not None and record.fingerprint == fingerprint:
            return record
        return None

    def all_records(self) -> tuple[list[RunRecord], list[str]]:
        """Every stored record, and one problem line per file that holds none."""
        records, problems = [], []
        for path in sorted(self.runs_dir.glob("*.json")):
            try:
                records.append(read_run(path))
            except UnreadableRun as exc:
                problems.append(str(exc))
        return records, problems

    def write_results(self, records: list[RunRecord]) -> Path:
        path = self.out_dir / "results.json"
        atomic_write_text(path, json_text([r.to_dict() for r in records], indent=1))
        return path


def read_run(path: Path) -> RunRecord:
    """The record in one run file; :class:`UnreadableRun` naming the file when it holds none."""
    raw = Path(path).read_bytes()
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise UnreadableRun(
            f"{path}: expected UTF-8 JSON, received byte {raw[exc.start]:#04x} "
            f"at offset {exc.start}"
        ) from exc
    except json.JSONDecodeError as exc:
        raise UnreadableRun(f"{path}: expected JSON, received invalid text ({exc})") from exc
    if not isinstance(data, dict):
        raise UnreadableRun(
            f"{path}: expected a JSON object (one run record), "
            f"received {type(data).__name__} {str(data)[:60]}"
        )
    missing = [name for name in REQUIRED_FIELDS if name not in data]
    if missing:
        raise UnreadableRun(
            f"{path}: expected a run record, received an object without {', '.join(missing)}"
        )
    return RunRecord.from_dict(data)
