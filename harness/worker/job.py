"""The job of one graded run: what the trusted parent tells the worker, as ``job.json``.

One frozen dataclass, written by the parent (:mod:`harness.grading.runner`) and read back
inside the sandbox (:mod:`harness.worker.inside`). A reference run carries its training
settings; a graded student run carries ``None`` there and takes them from its submission
(``train`` may set them: they replace the submission's own).
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path

from harness.errors import ConfigError
from harness.sinks import json_text


@dataclass(frozen=True)
class Job:
    kind: str  # "reference" or "submission"
    framework: str
    dataset: str
    input_shape: tuple[int, int, int]  # (height, width, channels)
    num_classes: int
    seed: int
    submission_path: str | None = None  # the submission's index.py; None for a reference
    reference: str | None = None  # reference network name; None for a student
    max_batches: int | None = None  # --max-batches cap, for references and students alike
    eval_every: int | None = None  # batches between curve points; None: from curve_points
    curve_points: int | None = None
    batch_size: int | None = None  # a reference's; for a submission, overrides of its own
    num_batches: int | None = None
    optimizer: str | None = None
    learning_rate: float | None = None
    assignment_path: str | None = None

    @property
    def is_reference(self) -> bool:
        return self.kind == "reference"

    def save(self, path: Path) -> None:
        Path(path).write_text(json_text(dataclasses.asdict(self)))

    @classmethod
    def load(cls, path: Path) -> Job:
        data = json.loads(Path(path).read_text())
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ConfigError(f"{path}: unknown job fields {', '.join(unknown)}")
        data["input_shape"] = tuple(data["input_shape"])
        return cls(**data)
