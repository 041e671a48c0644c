"""``python -m harness similarity``: find the pairs, write ``OUT/similarity.json`` and a page."""

from __future__ import annotations

import json
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from harness.config import Assignment, default_assignment_path, load_assignment
from harness.errors import HarnessError
from harness.results.predictions import load_labels, load_predictions
from harness.results.record import RunRecord
from harness.similarity import inputs
from harness.similarity.agreement import similar_predictions
from harness.similarity.code import similar_code
from harness.similarity.configs import signature, similar_configs
from harness.similarity.page import write_page

OUTPUT = "similarity.json"


def config_signatures(records: list[RunRecord]) -> dict[str, dict]:
    """Each student's layer list and hyperparameters, as one of their runs trained them."""
    found = {}
    for record in sorted(records, key=lambda r: (r.submission, r.dataset, r.framework)):
        layers = record.settings.get("layers")
        if layers and record.submission not in found:
            found[record.submission] = signature(layers, record.settings)
    return found


def code_files(records: list[RunRecord], folders: dict[str, Path], limit: int) -> dict[str, str]:
    texts = {}
    for record in records:
        folder = folders.get(record.submission)
        if folder is not None and record.submission not in texts:
            text = inputs.code_text(folder, record.settings, limit)
            if text:
                texts[record.submission] = text
    return texts


def prediction_pairs(records: list[RunRecord], out: Path, skip: set) -> tuple[list[dict], int]:
    """Pairs per dataset from the kept predictions; and how many runs had none kept."""
    found, missing = [], 0
    for dataset in sorted({r.dataset for r in records}):
        labels = load_labels(out, dataset)
        chosen: dict[str, np.ndarray] = {}
        for r in sorted(records, key=lambda r: (-r.score, r.framework)):
            if r.dataset != dataset or r.submission in chosen:
                continue
            kept = load_predictions(out, r.submission, dataset, r.framework)
            if kept is None or labels is None or kept.shape != labels.shape:
                missing += 1
                continue
            chosen[r.submission] = kept
        students = sorted(chosen)
        if students:
            stacked = np.stack([chosen[s] for s in students])
            pairs = similar_predictions(students, stacked, labels, dataset)
            found += [p for p in pairs if (p["a"], p["b"]) not in skip]
    return found, missing


def merge(*kinds: list[dict]) -> list[dict]:
    """One entry per pair, with every kind of evidence found for it."""
    pairs: dict[tuple[str, str], dict] = {}
    for kind, found in zip(("configuration", "code", "predictions"), kinds, strict=True):
        for entry in found:
            key = (entry["a"], entry["b"])
            pair = pairs.setdefault(key, {"a": key[0], "b": key[1], "kinds": [], "details": {}})
            pair["kinds"].append(kind)
            pair["details"].setdefault(kind, []).append(entry)
    for pair in pairs.values():
        pair["evidence"] = "; ".join(
            entry["evidence"] for entries in pair["details"].values() for entry in entries
        )
    return sorted(pairs.values(), key=lambda p: (-len(p["kinds"]), p["a"], p["b"]))


def find_pairs(out: Path, roots: list[str], assignment: Assignment) -> tuple[list[dict], dict]:
    """Every similar pair of the grading in ``out``, and facts about the search."""
    records = inputs.read_records(out / "results.json")
    limit = assignment.budget.max_submission_kib << 10
    folders = inputs.student_folders(roots)
    cap = next((r.max_batches_cap for r in records if r.max_batches_cap), None)
    signatures = config_signatures(records)
    known = inputs.known_signatures(roots, assignment, cap)
    configs = similar_configs(signatures, known)
    code = similar_code(code_files(records, folders, limit), inputs.starter_lines(roots, limit))
    # the harness seeds every run alike: one known network trained twice predicts alike
    alike = {
        (a, b)
        for a in signatures
        for b in signatures
        if a < b and signatures[a] == signatures[b] and signatures[a] in known
    }
    predictions, missing = prediction_pairs(records, out, alike)
    facts = {"students": len({r.submission for r in records}), "runs_without_predictions": missing}
    return merge(configs, code, predictions), facts


def _before_deadline(assignment: Assignment) -> bool:
    due = assignment.deadline.due_at()
    if due is None:
        return False
    return datetime.now(timezone.utc) < due + assignment.deadline.late_window


def similarity_command(args) -> int:
    out = Path(args.out)
    assignment = load_assignment(args.assignment) if args.assignment else _graded_under(out)
    if _before_deadline(assignment) and not args.before_deadline:
        raise HarnessError(
            "similarity: the deadline (and late window) has not passed; submissions may still "
            "change. Run it after the deadline, or pass --before-deadline"
        )
    started = time.perf_counter()
    pairs, facts = find_pairs(out, args.paths or ["submissions"], assignment)
    facts["seconds"] = round(time.perf_counter() - started, 2)
    written = write_similarity(pairs, facts, out)
    print(
        f"similarity: {len(pairs)} pair(s) among {facts['students']} students in "
        f"{facts['seconds']:.1f} s; {facts['runs_without_predictions']} run(s) without kept "
        f"predictions"
    )
    print(f"  pairs: {written[-1]} (and {OUTPUT}); they join the review queue at the next report")
    return 0


def _graded_under(out: Path) -> Assignment:
    used = {r.assignment for r in inputs.read_records(out / "results.json") if r.assignment}
    path = Path(next(iter(used))) if len(used) == 1 else default_assignment_path()
    return load_assignment(path if path.is_file() else default_assignment_path())


def write_similarity(pairs: list[dict], facts: dict, out: Path) -> list[Path]:
    path = out / OUTPUT
    path.write_text(json.dumps({"facts": facts, "pairs": pairs}, indent=1, allow_nan=False))
    return [path, *write_page(pairs, facts, out)]
