"""What changed since the last time the reports were built: the regrade diff.

Every build of the reports leaves ``OUT/points.json``, a snapshot of what they counted: per
student the total and per run its points, status and the hashes it was run and scored under
(submission, environment, rubric, its reference's bars, when it finished). The next build
compares its own snapshot with that one and writes ``OUT/regrade.csv``, one row per student
whose points or status changed, with why, and prints a one-line class summary. A grading
that builds the reports after each of its rounds (more seeds, ``--explain``) keeps the
snapshot it started from (:func:`keep_earlier`), so that every round compares with the
grading before it, not with its own previous round.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from harness.results.record import RunRecord
from harness.sinks import csv_cell

SNAPSHOT, DIFF = "points.json", "regrade.csv"
FIELDS = ("student", "old_total", "new_total", "change", "old_status", "new_status", "why", "runs")
# Why a run's points moved, from what differs between its two snapshots (first match first)
CAUSES = (
    ("submission", "submission edited"),
    ("environment", "environment changed (harness, packages or device)"),
    ("bars", "bars changed (the reference's accuracy or throughput)"),
    ("finished", "run again (data, budget or options changed)"),
    ("rubric", "rubric changed"),
    ("review", "review resolution"),
)


def run_entry(record: RunRecord) -> dict:
    """What the diff compares of one run."""
    return {
        "points": record.score,
        "status": record.status,
        "submission": record.submission_hash,
        "environment": record.environment_hash,
        "bars": [record.reference_test_accuracy, record.reference_examples_per_sec],
        "finished": record.finished_at,
        "rubric": record.rubric_hash,
        "review": record.score_breakdown.get("review", ""),
    }


def snapshot(records: list[RunRecord], totals: dict[str, float]) -> dict:
    """``{"students": {id: {"total", "runs": {dataset/framework: entry}}}, "references": ...}``"""
    students: dict = {s: {"total": t, "runs": {}} for s, t in totals.items()}
    references: dict = {}
    for r in records:
        key = f"{r.dataset}/{r.framework}"
        if r.is_reference:
            references[f"{r.submission} {key}"] = {"finished": r.finished_at}
        elif r.submission in students:
            students[r.submission]["runs"][key] = run_entry(r)
    return {"students": students, "references": references}


def _status(entry: dict | None) -> str:
    if entry is None:
        return "absent"
    failed = sum(run.get("status") != "passed" for run in entry["runs"].values())
    return f"{failed} run(s) not passed" if failed else "passed"


def _points(entry: dict) -> str:
    points = entry.get("points")
    return f"{points:g}" if isinstance(points, (int, float)) else "?"


def _why(old: dict | None, new: dict | None) -> tuple[list[str], list[str]]:
    """The causes and the per-run changes ("fashion_mnist/torch 8 -> 10") of one student."""
    if old is None or new is None:
        return (["new submission"] if old is None else ["submission removed"]), []
    causes, runs = [], []
    for key in sorted(set(old["runs"]) | set(new["runs"])):
        before, after = old["runs"].get(key), new["runs"].get(key)
        if before is None or after is None:
            causes.append("run added" if before is None else "run removed")
            continue
        moved = [why for name, why in CAUSES if before.get(name) != after.get(name)]
        if before.get("points") != after["points"] or before.get("status") != after["status"]:
            runs.append(f"{key} {_points(before)} -> {_points(after)} ({after['status']})")
            causes += moved[:1] or ["report-time settings (deadline, extension, penalty)"]
    if not causes and old["total"] != new["total"]:
        causes.append("report-time settings (deadline, extension, penalty)")
    return sorted(set(causes)), runs


@dataclass
class Regrade:
    rows: list[dict] = field(default_factory=list)
    students: int = 0
    retrained: int = 0
    reused: int = 0
    compared: bool = False

    def summary(self) -> str:
        if not self.compared:
            return f"regrade: no earlier grading in this folder ({SNAPSHOT}); nothing to compare"
        ups = sum(r["change"] > 0 for r in self.rows)
        downs = sum(r["change"] < 0 for r in self.rows)
        net = round(sum(r["change"] for r in self.rows), 3)
        causes: dict[str, int] = {}
        for row in self.rows:
            for cause in row["why"].split("; "):
                causes[cause] = causes.get(cause, 0) + 1
        why = ", ".join(f"{c} {n}" for c, n in sorted(causes.items()) if c) or "none"
        return (
            f"regrade: {len(self.rows)} of {self.students} students changed ({ups} up, "
            f"{downs} down, net {net:+g} points); {self.retrained} run(s) retrained, "
            f"{self.reused} reused; why: {why}"
        )


def _runs_again(old: dict, new: dict) -> tuple[int, int]:
    """Runs (students' and references') that finished anew, and runs carried over."""

    def finished(snap: dict) -> dict:
        students = snap["students"].items()
        runs = {f"{s} {k}": r.get("finished") for s, v in students for k, r in v["runs"].items()}
        return runs | {k: v.get("finished") for k, v in snap["references"].items()}

    before, after = finished(old), finished(new)
    again = sum(before.get(k) != when for k, when in after.items())
    return again, len(after) - again


def compare(old: dict, new: dict) -> Regrade:
    result = Regrade(students=len(new["students"]), compared=True)
    result.retrained, result.reused = _runs_again(old, new)
    for student in sorted(set(old["students"]) | set(new["students"])):
        before, after = old["students"].get(student), new["students"].get(student)
        if before == after:
            continue
        causes, runs = _why(before, after)
        old_total = before["total"] if before else 0.0
        new_total = after["total"] if after else 0.0
        if old_total == new_total and _status(before) == _status(after):
            continue
        result.rows.append(
            {
                "student": student,
                "old_total": old_total,
                "new_total": new_total,
                "change": round(new_total - old_total, 3),
                "old_status": _status(before),
                "new_status": _status(after),
                "why": "; ".join(causes),
                "runs": "; ".join(runs),
            }
        )
    return result


def keep_earlier(out_dir: Path, copy: Path) -> Path:
    """``copy``: the snapshot the reports in ``out_dir`` were last built with (no file when
    there is none), to compare with after the reports are rebuilt, perhaps several times."""
    try:
        text = (Path(out_dir) / SNAPSHOT).read_text()
    except FileNotFoundError:
        copy.unlink(missing_ok=True)
        return copy
    copy.write_text(text)
    return copy


def write_regrade(
    records: list[RunRecord], totals: dict[str, float], out_dir: Path, earlier: Path | None = None
) -> list[Path]:
    """Compare with the snapshot ``earlier`` (default: the last one, ``OUT/points.json``),
    write the diff (when there was one) and the new snapshot, print the summary line;
    returns the files written."""
    out_dir = Path(out_dir)
    new = snapshot(records, totals)
    previous = _read(earlier or out_dir / SNAPSHOT)
    result = compare(previous, new) if previous is not None else Regrade()
    written = []
    if result.compared:
        written.append(_write_csv(result.rows, out_dir / DIFF))
    (out_dir / SNAPSHOT).write_text(json.dumps(new, indent=1, allow_nan=False) + "\n")
    print(result.summary())
    return written + [out_dir / SNAPSHOT]


def _read(path: Path) -> dict | None:
    """The last snapshot; None when there is none or it is unreadable (nothing compared)."""
    try:
        data = json.loads(path.read_text())
    except (FileNotFoundError, json.JSONDecodeError, UnicodeDecodeError):
        return None
    ok = isinstance(data, dict) and isinstance(data.get("students"), dict)
    return data if ok and isinstance(data.get("references"), dict) else None


def _write_csv(rows: list[dict], path: Path) -> Path:
    import csv

    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(FIELDS)
        writer.writerows([csv_cell(row[name]) for name in FIELDS] for row in rows)
    return path
