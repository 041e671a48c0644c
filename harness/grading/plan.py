"""What a grading session will run: one :class:`RunSpec` per (submission, dataset, framework).

The plan is built without importing student code: a submission's form and framework are
read from its syntax tree (:func:`harness.submission.load.peek`); a file that cannot be read so
still gets a run, and the worker names its problem. References are added for every
(dataset, framework) a student run needs.
"""

from __future__ import annotations

import json
import os
import re
import stat
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from harness.config import Assignment, Budget
from harness.errors import HarnessError, SubmissionError
from harness.names import (
    FRAMEWORKS,
    REFERENCE_PREFIX,
    SEED_MARK,
    VARIANT_PREFIX,
    reference_id,
    seed_id,
)
from harness.sinks import json_text
from harness.submission.folder import folder_problem
from harness.submission.load import peek

THROUGHPUT_PROBES = 3  # short reference runs per (dataset, framework), spread through grading


@dataclass(frozen=True)
class RunSpec:
    submission: str  # student id, or "reference:<name>"
    dataset: str
    framework: str
    path: str | None = None  # the submission's index.py; None for a reference
    reference: str | None = None  # reference network name; None for a student
    probe: bool = False  # a short reference run that only samples its examples/sec
    calibrates: bool = False  # the probe right after its reference: the others' unit
    refused: str = ""  # why it fails without running (found at planning), else ""
    seed: int = 0  # the run's seed is the assignment's + this; > 0: a repeat of seed 0's run
    variant: str = ""  # a network explain trains (its content hash), else ""

    @property
    def name(self) -> str:
        return f"{self.submission}-{self.dataset}-{self.framework}"

    @property
    def is_reference(self) -> bool:
        return self.reference is not None


@dataclass
class GradingPlan:
    runs: list[RunSpec]
    out_dir: str
    assignment_path: str
    data_dir: str | None = None
    allow_unverified: bool = False
    max_batches: int | None = None
    time_limit: float | None = None
    cluster: str | None = None  # Ray address the runs go to; None: this machine
    runs_per_gpu: int = 4  # on a cluster with GPUs: runs that share one card
    skipped: dict[str, str] = field(default_factory=dict)  # dataset -> why it is not graded
    isolation: str = "bubblewrap"  # how student code runs: harness.sandbox.modes.MODES
    # Why runs may be unisolated ("--allow-unisolated" or "project examples"), else "".
    unisolated_allowed: str = ""
    bars: str | None = None  # grade --bars: the bars file whose references are used
    # each run's memory limit where the machine or container allows less than the
    # assignment's (harness.grading.capacity); None: the assignment's
    run_memory_mib: int | None = None

    def save(self, path: Path) -> None:
        path.write_text(json_text(asdict(self), indent=1))

    @classmethod
    def load(cls, path: Path) -> GradingPlan:
        data = json.loads(Path(path).read_text())
        data["runs"] = [RunSpec(**r) for r in data["runs"]]
        return cls(**data)


def student_id(index_py: Path) -> str:
    """The id of the submission file's folder: its name as found, links not followed (an
    ``index.py`` linked into another folder is still this folder's). A name that is not
    UTF-8 shows its undecodable bytes as ``\\xNN``."""
    name = Path(index_py).parent.name
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def check_student_ids(paths: list[Path]) -> None:
    """Refuse two submission files of one folder id (the grader gave overlapping folders):
    their records would be one. Ids differing only in case are two students (their file
    names differ, :func:`harness.names.file_name`); a student's own bad name is refused
    in that student's runs (:func:`id_problem`), never here."""
    seen: dict[str, Path] = {}
    for path in map(Path, paths):
        other = seen.setdefault(student_id(path), path)
        if other != path:
            raise HarnessError(
                f"{other.parent} and {path.parent}: two submissions with the id "
                f"{student_id(path)!r} (ids are folder names); grade one of them"
            )


_SEED_ID = re.compile(re.escape(SEED_MARK) + r"\d+$", re.IGNORECASE)


def reserved_because(sid: str) -> str:
    """Why a student may not use ``sid`` (it names a harness run), else ""."""
    folded = sid.casefold()
    for prefix, what in ((REFERENCE_PREFIX, "reference runs"), (VARIANT_PREFIX, "explain's runs")):
        if folded.startswith(prefix):
            return f"ids starting with {prefix!r} name {what}"
    if _SEED_ID.search(sid):
        return f"ids ending in {SEED_MARK!r} and a number name a run's other seeds"
    return ""


def seed_runs(specs: list[RunSpec], seeds: int) -> list[RunSpec]:
    """Seeds 1 .. ``seeds`` - 1 of each run in ``specs`` (its seed 0), as runs of their own."""
    return [
        replace(spec, submission=seed_id(spec.submission, k), seed=k)
        for spec in specs
        for k in range(1, seeds)
    ]


RESERVED_RECORD = "reserved/"  # before a reserved id in its record: no folder name has "/"


def recorded_id(index_py: Path) -> str:
    """The id a student's records go under: the folder's, except for an id the harness
    reserves, whose records go under ``reserved/<id>`` so that they never join the runs the
    id names (a reference's, another student's other seeds) on a page or in a total."""
    sid = student_id(index_py)
    return RESERVED_RECORD + sid if reserved_because(sid) else sid


def id_problem(index_py: Path) -> str:
    """Why a student's folder name or submission file is refused before anything in it
    is read ("" when it is not): the run fails with this reason; the others go on."""
    path, sid = Path(index_py), student_id(index_py)
    reserved = reserved_because(sid)
    if reserved:
        return f"submission id {sid!r} is reserved ({reserved}); rename the folder"
    if sid != path.parent.name:
        return f"the folder name {sid!r} is not valid UTF-8; rename the folder"
    if path.parent.is_symlink():
        return "the submission folder is a symbolic link; hand in the folder itself"
    if path.is_symlink():
        target = os.readlink(path)[:200]
        return (
            f"{path.name} is a symbolic link (to {target!r}); hand in the file itself: "
            "links in a submission are never followed"
        )
    if not stat.S_ISREG(os.lstat(path).st_mode):
        return f"{path.name} is not a regular file; hand in the file itself"
    return ""


def _frameworks_for(index_py: Path, builder_frameworks: tuple[str, ...]) -> tuple[str, ...]:
    try:
        form, framework = peek(index_py)
    except (SubmissionError, OSError, ValueError, RecursionError, MemoryError):
        # Unreadable to the parser (a syntax error, or a file built to exhaust it): the
        # worker names the problem in that student's run; planning goes on for the others.
        form, framework = None, None
    if form == "layers":
        return builder_frameworks
    # A form the parser cannot read, or a FRAMEWORK outside the list, still gets a run: the
    # worker names the problem. The run's framework is never the student's text, which
    # could spell another student's run name ("torch-mnist-torch").
    return (framework if framework in FRAMEWORKS else "unknown",)


def student_runs(
    paths: list[Path],
    datasets: tuple[str, ...],
    builder_frameworks: tuple[str, ...],
    max_bytes: int | None = None,
) -> list[RunSpec]:
    """Every student run; a folder refused unread (its name or file, :func:`id_problem`,
    or a size over ``max_bytes``, default: the budget's) gets one failed run per dataset,
    so that it harms no one else."""
    max_bytes = Budget().max_submission_kib << 10 if max_bytes is None else max_bytes
    runs = []
    for path in paths:
        refused = id_problem(path) or folder_problem(Path(path).parent, max_bytes)
        frameworks = ("unknown",) if refused else _frameworks_for(path, builder_frameworks)
        runs += [
            RunSpec(recorded_id(path), dataset, fw, path=str(path), refused=refused)
            for dataset in datasets
            for fw in frameworks
        ]
    return runs


def reference_runs(runs: list[RunSpec], assignment: Assignment) -> list[RunSpec]:
    """One reference run per (dataset, framework) that the student runs use."""
    # A framework the harness lacks has no reference: its student run fails naming it.
    needed = sorted({(r.dataset, r.framework) for r in runs if r.framework in FRAMEWORKS})
    return [
        RunSpec(
            reference_id(assignment.references[ds]), ds, fw, reference=assignment.references[ds]
        )
        for ds, fw in needed
    ]


def calibration_probe(ref: RunSpec, index: int = 0) -> RunSpec:
    """A short run of ``ref``'s network sampling its examples/sec; ``~probe0`` calibrates."""
    return RunSpec(
        f"{ref.submission}~probe{index}",
        ref.dataset,
        ref.framework,
        reference=ref.reference,
        probe=True,
        calibrates=index == 0,
    )


def with_calibration_only(references: list[RunSpec], students: list[RunSpec]) -> list[RunSpec]:
    """``grade --bars``: no reference run, one calibration probe per reference, first."""
    return [calibration_probe(ref) for ref in references] + students


def bars_build_runs(references: list[RunSpec], probes: int = THROUGHPUT_PROBES) -> list[RunSpec]:
    """``bars build``: each reference, its calibration right after the references, and
    ``probes`` more samples of its examples/sec at the end (the bar is their median)."""
    calibrations = [calibration_probe(ref) for ref in references]
    samples = [calibration_probe(ref, k) for k in range(1, probes + 1) for ref in references]
    return references + calibrations + samples


def with_throughput_probes(
    references: list[RunSpec], students: list[RunSpec], probes: int = THROUGHPUT_PROBES
) -> list[RunSpec]:
    """References first, each probe's calibration, then the students with short reference
    probes spread among them.

    A reference's examples/sec is one sample of a clock that the machine's load moves; the
    probes sample it again at evenly spaced points of the grading (the last one at its end),
    and the bar students are measured against is the median of all samples
    (:func:`harness.grading.scores.throughput_bar`). A probe is a tenth of the run, so its
    own rate is not the run's (the first steps, and JAX's and TensorFlow's compilation, weigh
    ten times more): ``~probe0``, run right after the references, converts the others to the
    run's units. A (dataset, framework) gets as many probes as it has student runs, at most
    ``probes``, and one calibration.
    """
    order = list(references)
    due: dict[int, list[RunSpec]] = {}
    for ref in references:
        count = min(
            probes, sum(s.dataset == ref.dataset and s.framework == ref.framework for s in students)
        )
        if count:
            due.setdefault(0, []).append(calibration_probe(ref))
        for k in range(1, count + 1):
            spec = calibration_probe(ref, k)
            due.setdefault(round(k * len(students) / count), []).append(spec)
    for index, student in enumerate(students):
        order += due.get(index, []) + [student]
    return order + due.get(len(students), [])
