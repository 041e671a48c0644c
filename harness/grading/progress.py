"""Live progress of a grading: runs done / running / failed / total, the current runs,
elapsed time and an estimate of the time left.

The pytest process (or processes, with ``--jobs``) and the cluster backend mark each run's
state in ``OUT/.work/progress/`` (one small file per run, written atomically); the grade
command reads that folder twice a second and draws it with rich while pytest runs. On a
terminal only: in a CI log nothing is drawn and pytest's own output is left as it is.
"""

from __future__ import annotations

import json
import shutil
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from harness.grading.inputs import work_dir
from harness.results.store import atomic_write_text, run_key
from harness.sinks import json_text

FINISHED = {"passed": "done", "failed": "failed", "error": "failed"}
SELECTED = "selected"  # file holding how many runs pytest selected


class ProgressBoard:
    """Where runs report their state: ``queued``, ``running``, or their record's status."""

    def __init__(self, out_dir: Path):
        self.folder = work_dir(Path(out_dir)) / "progress"

    def clear(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)

    def selected(self, count: int) -> None:
        atomic_write_text(self.folder / SELECTED, str(count))

    def mark(self, spec, state: str) -> None:
        """Record that the run ``spec`` is now in ``state``."""
        entry = {"run": spec.name, "state": state, "since": time.time()}
        key = run_key(spec.submission, spec.dataset, spec.framework)
        atomic_write_text(self.folder / f"{key}.json", json_text(entry))


@dataclass
class Snapshot:
    """What the board holds at one moment."""

    total: int = 0
    counts: Counter = field(default_factory=Counter)  # done, running, failed, queued
    current: list[tuple[str, float]] = field(default_factory=list)  # (run, running since)

    @property
    def finished(self) -> int:
        return self.counts["done"] + self.counts["failed"]

    def line(self) -> str:
        return (
            f"done {self.counts['done']} · running {self.counts['running']} · "
            f"failed {self.counts['failed']} · total {self.total}"
        )


def read_board(board: ProgressBoard) -> Snapshot:
    """The board's state now; unreadable entries (being replaced) are skipped."""
    snapshot = Snapshot()
    try:
        snapshot.total = int((board.folder / SELECTED).read_text())
    except (OSError, ValueError):
        pass
    for path in sorted(board.folder.glob("*.json")):
        try:
            entry = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        state = FINISHED.get(entry["state"], entry["state"])
        snapshot.counts[state] += 1
        if state == "running":
            snapshot.current.append((entry["run"], entry["since"]))
    snapshot.total = max(snapshot.total, sum(snapshot.counts.values()))
    return snapshot
