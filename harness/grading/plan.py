"""What a grading session will run: one :class:`RunSpec` per (submission, dataset, framework).

The plan is built without importing student code: a submission's form and framework are
read from its syntax tree (:func:`harness.submission.load.peek`); a file that cannot be read so
still gets a run, and the worker names its problem. References are added for every
(dataset, framework) a student run needs.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from harness.config import Assignment
from harness.errors import SubmissionError
from harness.names import FRAMEWORKS, reference_id
from harness.submission.load import peek


@dataclass(frozen=True)
class RunSpec:
    submission: str  # student id, or "reference:<name>"
    dataset: str
    framework: str
    path: str | None = None  # the submission's index.py; None for a reference
    reference: str | None = None  # reference network name; None for a student

    @property
    def name(self) -> str:
        return f"{self.submission}-{self.dataset}-{self.framework}"

    @property
    def is_reference(self) -> bool:
        return self.reference is not None


@dataclass
class Plan:
    runs: list[RunSpec]
    out_dir: str
    assignment_path: str
    data_dir: str | None = None
    allow_unverified: bool = False
    max_batches: int | None = None
    time_limit: float | None = None
    skipped: dict[str, str] = field(default_factory=dict)  # dataset -> why it is not graded

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), indent=1))

    @classmethod
    def load(cls, path: Path) -> Plan:
        data = json.loads(Path(path).read_text())
        data["runs"] = [RunSpec(**r) for r in data["runs"]]
        return cls(**data)


def student_id(index_py: Path) -> str:
    return Path(index_py).resolve().parent.name


def _frameworks_for(index_py: Path, builder_frameworks: tuple[str, ...]) -> tuple[str, ...]:
    try:
        form, framework = peek(index_py)
    except SubmissionError:
        form, framework = None, None
    if form == "layers":
        return builder_frameworks
    # A form the parser cannot read still gets a run: the worker names the problem.
    return (framework or "unknown",)


def student_runs(paths: list[Path], datasets: tuple[str, ...],
                 builder_frameworks: tuple[str, ...]) -> list[RunSpec]:
    return [RunSpec(student_id(p), dataset, fw, path=str(p))
            for p in paths for dataset in datasets
            for fw in _frameworks_for(p, builder_frameworks)]


def reference_runs(runs: list[RunSpec], assignment: Assignment) -> list[RunSpec]:
    """One reference run per (dataset, framework) that the student runs use."""
    # A framework the harness lacks has no reference: its student run fails naming it.
    needed = sorted({(r.dataset, r.framework) for r in runs if r.framework in FRAMEWORKS})
    return [RunSpec(reference_id(assignment.references[ds]), ds, fw,
                    reference=assignment.references[ds]) for ds, fw in needed]
