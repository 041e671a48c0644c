"""``assignment.toml`` as frozen dataclasses: datasets, budget, rubric, references.

Every field has a default with a comment; the TOML file overrides them. Tests build these
dataclasses directly (``dataclasses.replace``); nothing here executes configuration.
"""

from __future__ import annotations

import dataclasses
import sys
from dataclasses import dataclass, field
from pathlib import Path

from harness.errors import ConfigError, field_error
from harness.names import CURVE_POINTS, DATASET_NAMES, FRAMEWORKS, PACKAGE_ROOT
from harness.training.optim import OPTIMIZER_NAMES

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

DEFAULT_ASSIGNMENT = PACKAGE_ROOT / "assignment.toml"  # ships inside the package


def default_assignment_path() -> Path:
    """``./assignment.toml`` when the working folder has one, else the one the package ships."""
    local = Path.cwd() / "assignment.toml"
    return local if local.is_file() else DEFAULT_ASSIGNMENT


@dataclass(frozen=True)
class Budget:
    max_batch_size: int = 512  # largest batch a submission may ask for
    max_num_batches: int = 10000  # most training batches
    max_examples: int = 640000  # most examples seen, batch_size x num_batches
    time_limit_seconds: float = 1800.0  # wall time of one graded run
    memory_limit_mib: int = 8192  # address-space limit of one graded run
    default_batch_size: int = 64  # when a submission leaves batch_size out
    default_num_batches: int = 3000  # when a submission leaves num_batches out


@dataclass(frozen=True)
class Rubric:
    points_per_dataset: float = 10.0  # accuracy + throughput points for one dataset
    accuracy_share: float = 0.8  # the rest of a dataset's points is for throughput
    accuracy_tolerance: float = 0.02  # full credit at reference accuracy minus this
    accuracy_floor: float = 0.2  # no credit at reference accuracy minus this
    throughput_full_ratio: float = 0.5  # full credit at this ratio to the reference
    throughput_zero_ratio: float = 0.05  # no credit at or below this ratio


@dataclass(frozen=True)
class Assignment:
    name: str = "cnn-assignment"  # shown in reports
    datasets: tuple[str, ...] = ("mnist", "fashion_mnist", "cifar10")  # graded by default
    seed: int = 0  # batch order, initialisation and validation split
    builder_frameworks: tuple[str, ...] = ("torch",)  # Model Builder submissions run in these
    reference_optimizer: str = "momentum"  # how the references train (batches: budget defaults)
    reference_learning_rate: float = 0.01
    curve_points: int = CURVE_POINTS  # learning-curve points recorded per run
    budget: Budget = field(default_factory=Budget)
    rubric: Rubric = field(default_factory=Rubric)
    references: dict[str, str] = field(default_factory=lambda: {
        "mnist": "original", "fashion_mnist": "original", "cifar10": "cifar"})


def _section(cls, table: dict, where: str):
    """Build dataclass ``cls`` from ``table``; unknown keys and wrong types are errors."""
    known = {f.name: f for f in dataclasses.fields(cls)}
    values = {}
    for key, value in table.items():
        if key not in known:
            raise ConfigError(f"{where}: unknown key {key!r}; expected one of {sorted(known)}")
        default = getattr(cls(), key)
        if isinstance(default, (int, float)) and not isinstance(default, bool):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ConfigError(f"{where}.{key}: expected a number, received {value!r}")
            value = type(default)(value)
        values[key] = value
    return cls(**values)


def _check_names(head: Assignment, where: str) -> None:
    """Datasets, frameworks and the reference optimizer must be names the harness knows."""
    for key, allowed in (("datasets", DATASET_NAMES), ("builder_frameworks", FRAMEWORKS)):
        values = getattr(head, key)
        if not values or any(v not in allowed for v in values):
            raise ConfigError(field_error(where, key, f"a non-empty list of {', '.join(allowed)}",
                                          list(values)))
    if head.reference_optimizer not in OPTIMIZER_NAMES:
        raise ConfigError(field_error(where, "reference_optimizer",
                                      f"one of {', '.join(OPTIMIZER_NAMES)}",
                                      head.reference_optimizer))


def load_assignment(path: str | Path | None = None) -> Assignment:
    """Read ``assignment.toml`` (the project's own when ``path`` is None)."""
    path = Path(path) if path else default_assignment_path()
    try:
        data = tomllib.loads(path.read_text())
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: file not found") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    head = dict(data.get("assignment", {}))
    for key in ("datasets", "builder_frameworks"):
        if key in head:
            head[key] = tuple(head[key])
    unknown = set(data) - {"assignment", "budget", "rubric", "references"}
    if unknown:
        raise ConfigError(f"{path}: unknown table(s) {sorted(unknown)}")
    base = _section(Assignment, {k: v for k, v in head.items()}, f"{path}: [assignment]")
    _check_names(base, f"{path}: [assignment]")
    return dataclasses.replace(
        base,
        budget=_section(Budget, data.get("budget", {}), f"{path}: [budget]"),
        rubric=_section(Rubric, data.get("rubric", {}), f"{path}: [rubric]"),
        references=dict(data.get("references", base.references)),
    )
