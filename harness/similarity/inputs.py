"""What the similarity report reads: records, student files, the starter and known networks.

Student files are read on the trusted side, so never through a link and never more than
the assignment's folder cap; the layer lists and hyperparameters come from the records
(what each run actually trained), the known configurations from the starter and the
assignment's listed experiments (the project's ``submissions/``) read as literals.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from harness.config import Assignment
from harness.errors import HarnessError
from harness.names import PACKAGE_ROOT
from harness.results.record import RunRecord, record_problems
from harness.similarity.code import normalised
from harness.similarity.configs import signature
from harness.submission.load import read_literal_layers
from harness.untrusted import read_regular

PROJECT_SUBMISSIONS = PACKAGE_ROOT.parent / "submissions"
CODE_FILES = ("index.py", "index.js")


def read_records(path: Path) -> list[RunRecord]:
    """The usable student records of ``results.json`` (references and broken entries left out)."""
    try:
        data = json.loads(Path(path).read_text())
    except (FileNotFoundError, json.JSONDecodeError) as exc:
        raise HarnessError(f"{path}: expected the results of a grading ({exc})") from exc
    usable = [e for e in data if isinstance(e, dict) and not record_problems(e)]
    records = [RunRecord.from_dict(e) for e in usable if "submission" in e]
    return [r for r in records if not r.is_reference and r.status == "passed"]


def bounded_text(path: Path, limit: int) -> str | None:
    """The file's text, or None: never through a link, never a non-regular file, none over
    ``limit`` bytes (the folder cap: no graded submission holds such a file)."""
    try:
        return read_regular(path, limit).decode("utf-8", errors="replace")
    except OSError:  # NotRegular and TooLarge among them
        return None


def code_text(folder: Path, settings: dict, limit: int) -> str | None:
    """The code a pair of students could share: a code-form index.py or any index.js."""
    if (folder / "index.js").exists() and not (folder / "index.py").exists():
        return bounded_text(folder / "index.js", limit)
    if settings.get("form") == "code":
        return bounded_text(folder / "index.py", limit)
    return None


def student_folders(roots: list[str]) -> dict[str, Path]:
    """Student id -> folder, for each real folder directly under a root (a link is never
    followed: a linked folder or file is no student's)."""
    found: dict[str, Path] = {}
    for root in map(Path, roots):
        if not root.is_dir() or root.is_symlink():
            continue
        for entry in os.scandir(root):
            if entry.is_dir(follow_symlinks=False):
                found.setdefault(entry.name, Path(entry.path))
    return found


def starter_folders(roots: list[str]) -> list[Path]:
    """``template*`` folders beside the graded ones, and the project's own."""
    found = []
    for root in [Path(r) for r in roots] + [PROJECT_SUBMISSIONS]:
        if root.is_dir() and not root.is_symlink():
            found += sorted(p for p in root.iterdir() if p.name.startswith("template"))
    return found


def project_experiments() -> list[Path]:
    """The project's own ``submissions/`` folders; none where it is not shipped (an installed
    wheel holds the harness alone)."""
    root = PROJECT_SUBMISSIONS
    if not root.is_dir() or root.is_symlink():
        return []
    return sorted(p for p in root.iterdir() if p.is_dir())


def starter_lines(roots: list[str], limit: int) -> set[str]:
    """Lines students are given: the starter's and every listed experiment's (the project's
    ``submissions/``, where the course's own starter code and its variants live)."""
    lines: set[str] = set()
    given = starter_folders(roots) + project_experiments()
    for folder in given:
        for name in CODE_FILES:
            text = bounded_text(folder / name, limit)
            lines |= set(normalised(text or ""))
    return lines


def known_signatures(roots: list[str], assignment: Assignment, cap: int | None) -> list[dict]:
    """The starter's and every listed experiment's layer list and hyperparameters."""
    folders = starter_folders(roots) + project_experiments()
    known = []
    for folder in folders:
        try:
            found = read_literal_layers(folder / "index.py", assignment)
        except (HarnessError, OSError):
            continue  # a code form or a JavaScript experiment: nothing to read as literals
        hp = found.hyperparameters
        settings = {k: getattr(hp, k) for k in ("batch_size", "num_batches", "optimizer")}
        settings["learning_rate"] = hp.learning_rate
        known.append(signature(found.layers, settings, cap))
    return known
