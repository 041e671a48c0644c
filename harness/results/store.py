"""The results store: one JSON file per finished run, written atomically.

A grading process killed at any moment leaves every finished run's file complete and no
half-written file under a final name, so the next grading run resumes where it stopped.
``results.json`` is assembled from these files, also atomically.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path

from harness.results.record import RunRecord


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that readers see the old file or the new, never a part."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def run_key(submission: str, dataset: str, framework: str) -> str:
    """File-system-safe name of one run."""
    raw = f"{submission}--{dataset}--{framework}"
    return re.sub(r"[^A-Za-z0-9_.-]", "_", raw)


class ResultsStore:
    """``OUT/runs/<key>.json`` per run and ``OUT/results.json`` for all of them."""

    def __init__(self, out_dir: Path):
        self.out_dir = Path(out_dir)
        self.runs_dir = self.out_dir / "runs"

    def path_for(self, submission: str, dataset: str, framework: str) -> Path:
        return self.runs_dir / f"{run_key(submission, dataset, framework)}.json"

    def save(self, record: RunRecord) -> Path:
        path = self.path_for(record.submission, record.dataset, record.framework)
        atomic_write_text(path, json.dumps(record.to_dict(), indent=1))
        return path

    def load(self, submission: str, dataset: str, framework: str) -> RunRecord | None:
        """The stored record of a run, or None when absent or unreadable."""
        path = self.path_for(submission, dataset, framework)
        try:
            return RunRecord.from_dict(json.loads(path.read_text()))
        except (FileNotFoundError, json.JSONDecodeError, TypeError):
            return None

    def reusable(self, submission: str, dataset: str, framework: str,
                 fingerprint: str) -> RunRecord | None:
        """The stored record when its fingerprint matches (nothing changed), else None."""
        record = self.load(submission, dataset, framework)
        if record is not None and record.fingerprint == fingerprint:
            return record
        return None

    def all_records(self) -> list[RunRecord]:
        records = []
        for path in sorted(self.runs_dir.glob("*.json")):
            try:
                records.append(RunRecord.from_dict(json.loads(path.read_text())))
            except (json.JSONDecodeError, TypeError):
                continue
        return records

    def write_results(self, records: list[RunRecord]) -> Path:
        path = self.out_dir / "results.json"
        atomic_write_text(path, json.dumps([r.to_dict() for r in records], indent=1))
        return path
