"""``benchmark --suite experiments``: the assignment's experiments, in all three frameworks.

The assignment asks students to vary one thing at a time and compare examples/second and
accuracy: batch size, number of batches, filters, field size, strides, depth. Each
:class:`Experiment` is that series, built from the Model Builder variants in
``submissions/`` (and the batch size and batch count given to ``original``); every variant
trains in every framework, ``--rounds`` rounds each, in its own child process. A variant
shared by several experiments (``original``) runs once.

Batch-size variants keep the examples seen constant (the plan's batches x 64), so a batch
of 500 takes fewer steps than a batch of 20; the time to the reference's bar compares how
soon each reaches the accuracy the reference network (``original`` at batch 64) reached
in every framework.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from harness.benchmarks import stats, suites
from harness.errors import ConfigError, field_error
from harness.names import PACKAGE_ROOT

SUBMISSIONS = PACKAGE_ROOT.parent / "submissions"
REFERENCE_VARIANT = "original"
BATCH_SIZES = (20, 64, 200, 500)  # 20 vs 500 is the assignment's; the others show the bend
BASE_BATCH_SIZE = 64


@dataclass(frozen=True)
class Variant:
    """One point of an experiment: a submission, optionally with its batch settings changed."""

    label: str
    submission: str  # folder name under submissions/
    x: float | None = None  # position on the experiment's axis, when it has one
    batch_size: int | None = None  # None: the submission's own
    batch_share: float | None = None  # share of the plan's batches (number-of-batches series)

    def child_options(self, num_batches: int) -> dict:
        """The child's model options: the submission, the batch size, the batches to run."""
        batches = num_batches
        if self.batch_size is not None:  # the same examples as the plan's batches at 64
            batches = max(num_batches * BASE_BATCH_SIZE // self.batch_size, 20)
        if self.batch_share is not None:
            batches = max(int(num_batches * self.batch_share), 2)
        return {
            "submission": str(SUBMISSIONS / self.submission / "index.py"),
            "batch_size": self.batch_size,
            "num_batches": batches,
        }


@dataclass(frozen=True)
class Experiment:
    name: str
    axis: str  # what varies, for the table and the chart
    variants: tuple[Variant, ...]
    chart: bool = False  # drawn as examples/sec against ``axis``, one line per framework


def _original(label: str, x=None, **settings) -> Variant:
    return Variant(label, REFERENCE_VARIANT, x, **settings)


EXPERIMENTS = (
    Experiment(
        "batch size",
        "batch size",
        tuple(
            _original(str(b), b, batch_size=None if b == BASE_BATCH_SIZE else b)
            for b in BATCH_SIZES
        ),
        chart=True,
    ),
    Experiment(
        "number of batches",
        "share of the batches",
        (
            _original("1/4", 0.25, batch_share=0.25),
            _original("1/2", 0.5, batch_share=0.5),
            _original("all", 1.0),
        ),
    ),
    Experiment(
        "filters",
        "filters",
        (Variant("5", "filters_5", 5), _original("16", 16), Variant("50", "filters_50", 50)),
        chart=True,
    ),
    Experiment(
        "field size",
        "field size",
        (Variant("1x1", "field_size_1", 1), _original("5x5", 5), Variant("7x7", "field_size_7", 7)),
    ),
    Experiment(
        "strides",
        "conv / pool stride",
        (
            _original("conv 1, pool 2"),
            Variant("conv 3", "conv_stride_3"),
            Variant("pool 1", "pool_stride_1"),
            Variant("pool 5", "pool_stride_5"),
        ),
    ),
    Experiment(
        "depth",
        "conv/relu/pool triples",
        (
            Variant("no triple", "two_triples_removed", 0),
            Variant("1 triple", "one_triple_removed", 1),
            _original("2 triples", 2),
            Variant("2 triples + 2 conv", "two_extra_conv"),
            Variant("2 triples + 4 conv", "four_extra_conv"),
        ),
    ),
)


def select(names: str) -> tuple[Experiment, ...]:
    """The experiments named in a comma-separated list, in their order; ``all``: every one."""
    if names.strip() == "all":
        return EXPERIMENTS
    wanted = [n.strip() for n in names.split(",") if n.strip()]
    known = {e.name for e in EXPERIMENTS}
    if not wanted or set(wanted) - known:
        raise ConfigError(
            field_error(
                "command line",
                "--experiments",
                f"all or a comma-separated list of {', '.join(known)}",
                names,
            )
        )
    return tuple(e for e in EXPERIMENTS if e.name in wanted)


def _key(variant: Variant, num_batches: int) -> tuple:
    return tuple(sorted(variant.child_options(num_batches).items()))


@dataclass
class ExperimentRuns:
    """Runs per variant (shared across experiments) per framework."""

    by_key: dict[tuple, dict[str, list[dict]]] = field(default_factory=dict)

    def of(self, variant: Variant, num_batches: int) -> dict[str, list[dict]]:
        return self.by_key[_key(variant, num_batches)]


def run_experiments(
    frameworks: list[str],
    dataset: str,
    plan: suites.SuitePlan,
    experiments=EXPERIMENTS,
    progress=suites._quiet,
) -> ExperimentRuns:
    """Every distinct variant of ``experiments`` in every framework, ``plan.rounds`` each."""
    runs = ExperimentRuns()
    for experiment in experiments:
        for variant in experiment.variants:
            key = _key(variant, plan.num_batches)
            if key in runs.by_key:
                continue
            model = variant.child_options(plan.num_batches)
            runs.by_key[key] = suites.framework_rounds(frameworks, dataset, model, plan, progress)
    return runs


def reference_bar(runs: ExperimentRuns, num_batches: int) -> float | None:
    """The accuracy ``original`` (batch 64, all batches) reached in every framework."""
    reference = runs.by_key.get(_key(_original("all", 1.0), num_batches), {})
    return stats.accuracy_bar([r for rs in reference.values() for r in rs])


def _row(variant: Variant, framework: str, framework_runs: list[dict], bar) -> dict:
    good = stats.ok_runs(framework_runs)
    first = good[0] if good else {}
    return {
        "variant": variant.label,
        "x": variant.x,
        "framework": framework,
        "batch_size": first.get("batch_size"),
        "num_batches": first.get("num_batches"),
        "param_count": first.get("param_count"),
        "device": (first.get("device") or {}).get("name"),
        "device_kind": (first.get("device") or {}).get("kind"),
        "examples_per_sec": stats.summary([r["examples_per_sec"] for r in good]),
        "test_accuracy": stats.summary([r.get("test_accuracy") for r in good]),
        "seconds_to_bar": stats.summary([stats.seconds_to_bar(r, bar) for r in good]),
        "reached_bar": sum(stats.seconds_to_bar(r, bar) is not None for r in good),
        "rounds": len(framework_runs),
        "errors": [r["error"] for r in framework_runs if "error" in r],
    }


def experiment_tables(
    runs: ExperimentRuns, num_batches: int, experiments=EXPERIMENTS
) -> list[dict]:
    """One table per experiment: a row per (variant, framework), and who is fastest."""
    bar = reference_bar(runs, num_batches)
    tables = []
    for experiment in experiments:
        rows = [
            _row(v, fw, fw_runs, bar)
            for v in experiment.variants
            for fw, fw_runs in runs.of(v, num_batches).items()
        ]
        for variant in experiment.variants:
            mine = [r for r in rows if r["variant"] == variant.label]
            best = max((r["examples_per_sec"]["median"] or 0.0 for r in mine), default=0.0)
            for row in mine:
                row["ratio_to_fastest"] = stats.ratio(row["examples_per_sec"]["median"], best)
        tables.append(
            {
                "experiment": experiment.name,
                "axis": experiment.axis,
                "chart": experiment.chart,
                "accuracy_bar": bar,
                "rows": rows,
            }
        )
    return tables
