"""One graded run's record, as stored in ``OUT/results.json`` (a JSON list of these).

Records are plain data: grading and reporting are functions of them, and a report can be
rebuilt from ``results.json`` alone.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from dataclasses import dataclass, field


@dataclass
class RunRecord:
    submission: str  # student id (folder name) or "reference:<name>"
    dataset: str
    framework: str
    status: str  # "passed": trained and scored; "failed": the submission's fault; "error": ours
    reason: str = ""  # why it failed, in words for the student
    reference: str | None = None  # the reference network, set by the parent for its own runs
    test_accuracy: float | None = None
    # examples_per_sec and train_seconds are the parent's: examples it sent over seconds from
    # the first byte of data to the predictions received (evaluations included)
    examples_per_sec: float | None = None
    # The kernel's CPU-seconds of the run's whole process tree over the same window, the
    # examples per CPU-second they give (what load barely moves), and the cores the run was
    # given. throughput_basis says which rate grades it: "cpu" (examples_per_cpu_sec, runs
    # on a CPU) or "wall" (examples_per_sec: a GPU, or a record without CPU figures).
    cpu_seconds: float | None = None
    examples_per_cpu_sec: float | None = None
    cores_given: int | None = None
    throughput_basis: str = "wall"
    reference_test_accuracy: float | None = None
    # the reference's throughput bar, in the rate of its throughput_basis
    reference_examples_per_sec: float | None = None
    score: float = 0.0
    max_score: float = 0.0
    score_breakdown: dict = field(default_factory=dict)  # accuracy and throughput points, why
    batch_size: int | None = None
    num_batches: int | None = None
    max_batches_cap: int | None = None  # --max-batches in force, if any
    param_count: int | None = None  # as the run reported it (a claim, not graded)
    isolated: bool = False  # ran in a sandbox (bubblewrap, or a uid of its own)
    isolation: str = ""  # "bubblewrap", "uid" or "none" (harness.sandbox.modes)
    # Set when the grading accepted unisolated runs: "--allow-unisolated" or "project examples".
    unisolated_allowed: str = ""
    device: dict = field(default_factory=dict)  # kind, name, memory, driver, framework version
    data_verified: bool = False
    bundled_subset: bool = False
    # [{"batch", "loss", "validation_accuracy"}]: the plan's batch, the loss the run reported,
    # the accuracy the parent scored on the run's validation predictions
    curve: list[dict] = field(default_factory=list)
    confusion: list[list[int]] = field(default_factory=list)  # rows: true class, cols: predicted
    class_names: list[str] = field(default_factory=list)
    settings: dict = field(default_factory=dict)  # hyperparameters and layers as run
    assignment: str = ""  # the assignment.toml the run was graded under (absolute path)
    output: str = ""  # the run's captured stdout/stderr, truncated
    wall_seconds: float | None = None  # parent-side wall time of the whole run
    # the most the parent's watchdog saw the run's tree hold (resident sizes, what the memory
    # limit is checked against without a cgroup), its cgroup's peak (page cache included),
    # and the most its cgroup held that reclaim cannot take back (private, shared, mapped)
    memory_peak_mib: float | None = None
    cgroup_peak_mib: float | None = None
    working_peak_mib: float | None = None
    bounds: str = ""  # what bounded the run's memory and CPU (its cgroup, or what instead)
    train_seconds: float | None = None
    throughput_probe: bool = False  # a short reference run sampling examples/sec only
    throughput_calibration: bool = False  # the probe that ran right after its reference
    # References: examples/sec of the run and of its probes, in order, the probes' in the
    # run's units (each times run / calibration probe), their median (the bar students are
    # measured against) and their spread ((max - min) / median)
    # (all in the rate of its throughput_basis)
    throughput_samples: list[float] = field(default_factory=list)
    throughput_bar: float | None = None
    throughput_spread: float | None = None
    node: str = ""  # the machine that ran it: hostname, and the Ray node id on a cluster
    fingerprint: str = ""  # hash of submission + data + rubric + environment, for reuse
    submission_bytes: int | None = None  # the submission folder's files together
    # A reference taken from a bars file (grade --bars): where and when the bars were built,
    # the stored bar and calibration rate and this machine's; empty for a run trained here.
    bars: dict = field(default_factory=dict)
    review: str = ""  # why a person should look at this result (evidence), else ""
    # What the regrade diff and review resolutions key on: the submission folder's hash,
    # the environment's (harness code, packages, device) and the rubric's that scored it
    submission_hash: str = ""
    environment_hash: str = ""
    rubric_hash: str = ""
    seed: int = 0  # the run's seed is the assignment's + this (0: the graded run)
    variant: str = ""  # a network explain trained (content hash), else ""
    # Seed 0 and the other seeds of this run (for a reference: of the reference), each
    # {"seed", "status", "test_accuracy", "examples_per_sec"}; empty when only seed 0 ran
    seed_runs: list[dict] = field(default_factory=list)
    # A student's figures against the reference's seeds: 95% intervals of the accuracy
    # difference and the throughput ratio, the rubric boundaries, whether the decision is
    # clear of them, and the seeds it took (harness.grading.seeds.compare)
    interval: dict = field(default_factory=dict)
    finished_at: str = ""  # ISO 8601 UTC

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    def graded_rate(self, basis: str | None = None) -> float | None:
        """The throughput this run is graded on, in ``basis`` (default its own): examples
        per CPU-second for "cpu" (per wall second where the CPU figure is missing)."""
        if (basis or self.throughput_basis) == "cpu" and self.examples_per_cpu_sec:
            return self.examples_per_cpu_sec
        return self.examples_per_sec

    @property
    def is_reference(self) -> bool:
        """A run of the harness's own reference network (never decided by a name)."""
        return self.reference is not None

    @classmethod
    def from_dict(cls, data: dict) -> RunRecord:
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


STATUSES = ("passed", "failed", "error")
_KINDS = {"str": str, "int": numbers.Integral, "float": numbers.Real, "bool": bool, "dict": dict}


def _value_problem(value, annotation: str) -> str | None:
    """Why ``value`` does not fit a field annotated ``annotation`` ("float | None", ...)."""
    kinds = [part.strip() for part in annotation.split("|")]
    if value is None:
        return None if "None" in kinds else "a value, received null"
    base = kinds[0].split("[")[0]
    if base == "list":
        return None if isinstance(value, list) else f"a list, received {type(value).__name__}"
    kind = _KINDS.get(base)
    if kind is None:
        return None
    if isinstance(value, bool) and base != "bool" or not isinstance(value, kind):
        return f"{base}, received {type(value).__name__}"
    if base == "float" and isinstance(value, numbers.Real) and not math.isfinite(value):
        return f"a finite number, received {value}"
    return None


def _curve_problem(curve: list) -> str | None:
    for point in curve:
        if not isinstance(point, dict) or not isinstance(point.get("batch"), int):
            return f"points with an integer 'batch', received {str(point)[:80]}"
        for key in ("loss", "validation_accuracy"):
            if point.get(key) is not None and _value_problem(point[key], "float"):
                return f"points whose {key!r} is a number or null, received {point[key]!r}"
    return None


def _nested_problem(name: str, value) -> str | None:
    if name == "curve":
        return _curve_problem(value)
    if name == "confusion" and not all(
        isinstance(row, list) and all(isinstance(n, int) and not isinstance(n, bool) for n in row)
        for row in value
    ):
        return "rows of integer counts"
    if name == "class_names" and not all(isinstance(n, str) for n in value):
        return "a list of names"
    if name == "status" and value not in STATUSES:
        return f"one of {', '.join(STATUSES)}, received {value!r}"
    return None


def record_problems(data: dict) -> list[str]:
    """``field: expected ...`` for every field of a stored record that a report cannot use."""
    problems = []
    for spec in dataclasses.fields(RunRecord):
        if spec.name not in data:
            continue
        value = data[spec.name]
        why = _value_problem(value, str(spec.type))
        if why is None and value is not None:
            why = _nested_problem(spec.name, value)
        if why:
            problems.append(f"{spec.name}: expected {why}")
    return problems
