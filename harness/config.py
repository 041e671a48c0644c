"""``assignment.toml`` as frozen dataclasses: datasets, budget, rubric, references.

Every field has a default with a comment; the TOML file overrides them. Tests build these
dataclasses directly (``dataclasses.replace``); nothing here executes configuration.
"""

from __future__ import annotations

import dataclasses
import math
import sys
from dataclasses import dataclass, field
from pathlib import Path

from harness.errors import ConfigError, field_error
from harness.names import (
    CURVE_POINTS,
    DATASET_NAMES,
    FRAMEWORKS,
    PACKAGE_ROOT,
    REFERENCE_NETWORKS,
)
from harness.optimizers import OPTIMIZER_NAMES
from harness.policy import (
    Deadline,
    Leaderboard,
    Visibility,
    load_deadline,
    load_leaderboard,
    load_visibility,
)

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
    max_submission_kib: int = 1024  # a submission folder's files together, checked unparsed
    scratch_limit_mib: int = 2048  # a run's scratch folder (and private /tmp), all files


@dataclass(frozen=True)
class Rubric:
    points_per_dataset: float = 10.0  # accuracy + throughput points for one dataset
    accuracy_share: float = 0.8  # the rest of a dataset's points is for throughput
    accuracy_tolerance: float = 0.02  # full credit at reference accuracy minus this
    accuracy_floor: float = 0.2  # no credit at reference accuracy minus this
    throughput_full_ratio: float = 0.5  # full credit at this ratio to the reference
    throughput_zero_ratio: float = 0.05  # no credit at or below this ratio
    review_margin: float = 0.05  # accuracy this far above the reference's: "review"
    review_ceiling: float = 0.999  # accuracy at or above this (a dataset's ceiling): "review"
    # test accuracy this far above the run's own validation accuracy (or its first curve point
    # this far ahead of the reference's): "review", a test set answered from memory
    review_generalisation_gap: float = 0.1


UNRESOLVED_POINTS = ("pending", "withheld")


@dataclass(frozen=True)
class ReviewSettings:
    # What an unresolved review item's points are: "pending" (counted, marked pending
    # review) or "withheld" (0 until staff resolve the item)
    unresolved: str = "pending"
    resolutions: str = ""  # staff TOML of review resolutions, relative to the assignment file


@dataclass(frozen=True)
class Seeds:
    """How many seeds (initialisation and batch order) give the intervals; seed k of a run
    is the assignment's seed + k, so seed 0 is today's single run."""

    reference_seeds: int = 3  # per (dataset, framework): the reference's seed-to-seed spread
    max_student_seeds: int = 3  # most seeds of a student run within the noise of a boundary
    explain_seeds: int = 3  # seeds of each network ``explain`` trains (its intervals)


@dataclass(frozen=True)
class Assignment:
    name: str = "cnn-assignment"  # shown in reports
    datasets: tuple[str, ...] = DATASET_NAMES  # graded by default
    seed: int = 0  # batch order, initialisation and validation split
    builder_frameworks: tuple[str, ...] = ("torch",)  # Model Builder submissions run in these
    reference_optimizer: str = "momentum"  # how the references train (batches: budget defaults)
    reference_learning_rate: float = 0.01
    curve_points: int = CURVE_POINTS  # learning-curve points recorded per run
    budget: Budget = field(default_factory=Budget)
    rubric: Rubric = field(default_factory=Rubric)
    seeds: Seeds = field(default_factory=Seeds)
    references: dict[str, str] = field(
        default_factory=lambda: {
            "mnist": "original",
            "fashion_mnist": "original",
            "cifar10": "cifar",
        }
    )
    # Applied by the reports only (harness/policy.py); a run never depends on them.
    deadline: Deadline = field(default_factory=Deadline)
    visibility: Visibility = field(default_factory=Visibility)
    leaderboard: Leaderboard = field(default_factory=Leaderboard)
    review: ReviewSettings = field(default_factory=ReviewSettings)  # the reports apply it


def _section(cls, table: dict, where: str):
    """Build dataclass ``cls`` from ``table``; unknown keys and wrong types are errors."""
    known = {f.name: f for f in dataclasses.fields(cls)}
    values = {}
    for key, value in table.items():
        if key not in known:
            raise ConfigError(f"{where}: unknown key {key!r}; expected one of {sorted(known)}")
        values[key] = _typed(getattr(cls(), key), value, f"{where}.{key}")
    return cls(**values)


def _typed(default, value, where: str):
    """``value`` as the type of ``default`` when that is a number: an integer field takes only
    integers (2.5 batches is refused, not cut to 2), a float field any finite number."""
    if not isinstance(default, (int, float)) or isinstance(default, bool):
        return value
    if isinstance(default, int) and (isinstance(value, bool) or not isinstance(value, int)):
        raise ConfigError(f"{where}: expected an integer, received {value!r}")
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ConfigError(f"{where}: expected a number, received {value!r}")
    return type(default)(value)


def _require(where: str, holds: bool, key: str, expected: str, received) -> None:
    if not holds:
        raise ConfigError(field_error(where, key, expected, received))


def _check_budget(budget: Budget, where: str) -> None:
    """Every limit positive; the defaults a submission gets must themselves fit the budget."""
    for key in (
        "max_batch_size",
        "max_num_batches",
        "max_examples",
        "memory_limit_mib",
        "max_submission_kib",
        "scratch_limit_mib",
    ):
        _require(where, getattr(budget, key) >= 1, key, "an integer >= 1", getattr(budget, key))
    _require(
        where,
        budget.time_limit_seconds > 0,
        "time_limit_seconds",
        "a number of seconds > 0",
        budget.time_limit_seconds,
    )
    for key, limit in (
        ("default_batch_size", "max_batch_size"),
        ("default_num_batches", "max_num_batches"),
    ):
        value, most = getattr(budget, key), getattr(budget, limit)
        _require(where, 1 <= value <= most, key, f"an integer from 1 to {limit} ({most})", value)
    examples = budget.default_batch_size * budget.default_num_batches
    _require(
        where,
        examples <= budget.max_examples,
        "default_num_batches",
        f"default_batch_size x default_num_batches <= max_examples ({budget.max_examples})",
        f"{budget.default_batch_size} x {budget.default_num_batches} = {examples}",
    )


def _check_rubric(rubric: Rubric, where: str) -> None:
    """Points positive, shares in [0, 1], and each ramp's zero end below its full end."""
    _require(
        where,
        rubric.points_per_dataset > 0,
        "points_per_dataset",
        "a number > 0",
        rubric.points_per_dataset,
    )
    for key in (
        "accuracy_share",
        "accuracy_tolerance",
        "review_margin",
        "review_ceiling",
        "review_generalisation_gap",
    ):
        _require(
            where, 0 <= getattr(rubric, key) <= 1, key, "a number from 0 to 1", getattr(rubric, key)
        )
    _require(
        where,
        rubric.accuracy_tolerance < rubric.accuracy_floor <= 1,
        "accuracy_floor",
        f"a number above accuracy_tolerance ({rubric.accuracy_tolerance:g}) and at most 1",
        rubric.accuracy_floor,
    )
    _require(
        where,
        rubric.throughput_zero_ratio >= 0,
        "throughput_zero_ratio",
        "a number >= 0",
        rubric.throughput_zero_ratio,
    )
    _require(
        where,
        rubric.throughput_full_ratio > rubric.throughput_zero_ratio,
        "throughput_full_ratio",
        f"a number above throughput_zero_ratio ({rubric.throughput_zero_ratio:g})",
        rubric.throughput_full_ratio,
    )


def _check_references(references: dict, datasets: tuple[str, ...], where: str) -> None:
    """A known reference network for every graded dataset (it sets that dataset's bars)."""
    for dataset, network in references.items():
        _require(
            where,
            dataset in DATASET_NAMES,
            dataset,
            f"a dataset name ({', '.join(DATASET_NAMES)})",
            dataset,
        )
        _require(
            where,
            network in REFERENCE_NETWORKS,
            dataset,
            f"one of {', '.join(REFERENCE_NETWORKS)}",
            network,
        )
    missing = [name for name in datasets if name not in references]
    _require(
        where,
        not missing,
        ", ".join(missing),
        "a reference network for every dataset in [assignment] datasets",
        None,
    )


def _check_names(head: Assignment, where: str) -> None:
    """Datasets, frameworks and the reference optimizer must be names the harness knows."""
    for key, allowed in (("datasets", DATASET_NAMES), ("builder_frameworks", FRAMEWORKS)):
        values = getattr(head, key)
        if not values or any(v not in allowed for v in values):
            raise ConfigError(
                field_error(where, key, f"a non-empty list of {', '.join(allowed)}", list(values))
            )
    if head.reference_optimizer not in OPTIMIZER_NAMES:
        raise ConfigError(
            field_error(
                where,
                "reference_optimizer",
                f"one of {', '.join(OPTIMIZER_NAMES)}",
                head.reference_optimizer,
            )
        )


SEMESTER_TABLES = {
    "deadline": load_deadline,
    "visibility": load_visibility,
    "leaderboard": load_leaderboard,
}


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
    tables = {"assignment", "budget", "rubric", "seeds", "references", "review", *SEMESTER_TABLES}
    unknown = set(data) - tables
    if unknown:
        raise ConfigError(f"{path}: unknown table(s) {sorted(unknown)}")
    base = _section(Assignment, {k: v for k, v in head.items()}, f"{path}: [assignment]")
    _check_names(base, f"{path}: [assignment]")
    assignment = dataclasses.replace(
        base,
        budget=_section(Budget, data.get("budget", {}), f"{path}: [budget]"),
        rubric=_section(Rubric, data.get("rubric", {}), f"{path}: [rubric]"),
        review=_section(ReviewSettings, data.get("review", {}), f"{path}: [review]"),
        seeds=_section(Seeds, data.get("seeds", {}), f"{path}: [seeds]"),
        references=dict(data.get("references", base.references)),
        **{
            name: load(data.get(name, {}), f"{path}: [{name}]")
            for name, load in SEMESTER_TABLES.items()
        },
    )
    _check_budget(assignment.budget, f"{path}: [budget]")
    _check_rubric(assignment.rubric, f"{path}: [rubric]")
    _require(
        f"{path}: [review]",
        assignment.review.unresolved in UNRESOLVED_POINTS,
        "unresolved",
        " or ".join(f'"{name}"' for name in UNRESOLVED_POINTS),
        assignment.review.unresolved,
    )
    for key in ("reference_seeds", "max_student_seeds", "explain_seeds"):
        value = getattr(assignment.seeds, key)
        _require(f"{path}: [seeds]", 1 <= value <= 30, key, "an integer from 1 to 30", value)
    _check_references(assignment.references, assignment.datasets, f"{path}: [references]")
    return assignment
