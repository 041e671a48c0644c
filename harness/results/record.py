"""One graded run's record, as stored in ``OUT/results.json`` (a JSON list of these).

Records are plain data: grading and reporting are functions of them, and a report can be
rebuilt from ``results.json`` alone.
"""

from __future__ import annotations

import dataclasses
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
    examples_per_sec: float | None = None
    warmup_seconds: float | None = None
    reference_test_accuracy: float | None = None
    reference_examples_per_sec: float | None = None
    score: float = 0.0
    max_score: float = 0.0
    score_breakdown: dict = field(default_factory=dict)  # accuracy and throughput points, why
    batch_size: int | None = None
    num_batches: int | None = None
    max_batches_cap: int | None = None  # --max-batches in force, if any
    param_count: int | None = None
    isolated: bool = False  # ran in a sandbox (bubblewrap, or a uid of its own)
    isolation: str = ""  # "bubblewrap", "uid" or "none" (harness.sandbox.modes)
    # Set when the grading accepted unisolated runs: "--allow-unisolated" or "project examples".
    unisolated_allowed: str = ""
    device: dict = field(default_factory=dict)  # kind, name, memory, driver, framework version
    data_verified: bool = False
    bundled_subset: bool = False
    curve: list[dict] = field(default_factory=list)  # [{"batch", "loss", "validation_accuracy"}]
    confusion: list[list[int]] = field(default_factory=list)  # rows: true class, cols: predicted
    class_names: list[str] = field(default_factory=list)
    settings: dict = field(default_factory=dict)  # hyperparameters and layers as run
    assignment: str = ""  # the assignment.toml the run was graded under (absolute path)
    output: str = ""  # the run's captured stdout/stderr, truncated
    wall_seconds: float | None = None  # parent-side wall time of the whole run
    train_seconds: float | None = None
    throughput_probe: bool = False  # a short reference run sampling examples/sec only
    # References: examples/sec of the run and of its probes, in order, their median (the
    # bar students are measured against) and their spread ((max - min) / median)
    throughput_samples: list[float] = field(default_factory=list)
    throughput_bar: float | None = None
    throughput_spread: float | None = None
    node: str = ""  # the machine that ran it: hostname, and the Ray node id on a cluster
    fingerprint: str = ""  # hash of submission + data + rubric + environment, for reuse
    submission_bytes: int | None = None  # the submission folder's files together
    review: str = ""  # why a person should look at this result (evidence), else ""
    finished_at: str = ""  # ISO 8601 UTC

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @property
    def is_reference(self) -> bool:
        """A run of the harness's own reference network (never decided by a name)."""
        return self.reference is not None

    @classmethod
    def from_dict(cls, data: dict) -> RunRecord:
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})
