"""``python -m harness benchmark``: adapters against hand-written loops, frameworks against
each other, and data loading; prints the tables and writes them under ``--out``.

Suites (``--suite``): ``frameworks`` (default) trains each dataset's reference network and
every Model Builder submission given in each framework, ``--rounds`` rounds each; ``adapters``
trains ``original`` with each framework's adapter and with its hand-written loop
(:mod:`harness.benchmarks`), rounds interleaved; ``experiments`` runs the assignment's
experiments (batch size, batches, filters, field size, strides, depth) in each framework
(:mod:`harness.benchmarks.experiments`); ``class`` grades ``submissions/`` with
``--jobs 1`` and with every core (:mod:`harness.benchmarks.class_grading`); ``graded``
measures the fixed cost of one sandboxed graded run beside its training
(:mod:`harness.benchmarks.graded`); ``cluster`` and ``explain`` grade through a local
two-node Ray cluster (:mod:`.cluster`, :mod:`.explain_cost`); ``aa`` grades the reference
against itself (:mod:`.aa`); ``all`` runs every suite plus the data-loading
benchmark. Every measured run is a child process that imports
one framework; this process imports none.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from harness.benchmarks import data_loading as loading
from harness.benchmarks import experiments, output, suites, tables
from harness.benchmarks.aa import aa_benchmark
from harness.benchmarks.class_grading import class_benchmark
from harness.benchmarks.cluster import cluster_benchmark
from harness.benchmarks.explain_cost import explain_benchmark
from harness.benchmarks.graded import graded_run_benchmark
from harness.benchmarks.spawn import child_env
from harness.config import load_assignment
from harness.errors import ConfigError, SubmissionError, field_error, require_count
from harness.grading.isolation import project_examples
from harness.host import gpu_names
from harness.names import FRAMEWORKS, THREAD_VARIABLES
from harness.submission.load import discover, peek

CPU_BATCHES = 500  # per round: ~10-30 s per run on a 2-core CPU
GPU_BATCHES = 2000  # a GPU step is ~100x shorter; more steps keep the clock meaningful


def _names(raw: str, allowed, option: str) -> list[str]:
    names = [n.strip() for n in raw.split(",") if n.strip()]
    bad = [n for n in names if allowed is not None and n not in allowed]
    if bad or not names:
        raise ConfigError(
            field_error(
                "command line", option, f"a comma-separated list of {', '.join(allowed)}", raw
            )
        )
    return names


def _gpu_visible() -> bool:
    return bool(gpu_names())


def make_plan(args) -> suites.SuitePlan:
    require_count("--rounds", args.rounds)
    require_count("--runs", getattr(args, "runs", None))
    if args.max_batches is not None and args.max_batches < 2:
        raise ConfigError(
            field_error("command line", "--max-batches", "an integer >= 2", args.max_batches)
        )
    batches = args.max_batches or (GPU_BATCHES if _gpu_visible() else CPU_BATCHES)
    return suites.SuitePlan(
        num_batches=batches,
        rounds=args.rounds,
        data_dir=args.data_dir,
        allow_unverified=args.allow_unverified,
        warmup_batches=min(suites.SuitePlan.warmup_batches, batches - 1),
    )


def _progress(run: dict) -> None:
    what = f"{run.get('framework')} {run.get('runner', '')} {run.get('model', '')}"
    if "error" in run:
        print(f"  {what}: FAILED ({run['error'].splitlines()[-1][:200]})", file=sys.stderr)
    else:
        print(
            f"  {what}: {tables.rate(run['examples_per_sec'])} ex/s, warm-up "
            f"{run['warmup_seconds']:.1f} s",
            file=sys.stderr,
            flush=True,
        )


def run_adapter_suite(frameworks, dataset, plan, groups) -> list[dict]:
    rows = []
    for framework in frameworks:
        print(f"adapter vs hand-written loop: {framework}", file=sys.stderr)
        runs = suites.adapter_rounds(framework, dataset, plan, _progress)
        groups[f"adapters-{framework}"] = runs
        rows.append(suites.compare_adapter(framework, runs))
    return rows


def framework_models(datasets, submissions, notes: list[str]) -> list[tuple[str, dict, str]]:
    """(dataset, child model options, label): each dataset's reference, then submissions."""
    references = load_assignment().references
    models: list[tuple[str, dict, str]] = [
        (d, {"model": references.get(d, "original")}, references.get(d, "original"))
        for d in datasets
    ]
    for index in discover(submissions):  # index.py or index.js
        try:
            form, _framework = peek(index)
        except (SubmissionError, OSError, ValueError, RecursionError, MemoryError) as exc:
            notes.append(f"- {index}: skipped, unreadable ({type(exc).__name__})")
            continue
        if index.suffix == ".js" and not project_examples([index]):
            notes.append(
                f"- {index}: skipped, a student's index.js is recorded only in the sandbox "
                "(grade, check); the frameworks suite records the project's own examples"
            )
            continue
        if form != "layers":
            notes.append(
                f"- {index}: skipped, only Model Builder (LAYERS) submissions run "
                f"in all three frameworks (found form {form!r})"
            )
            continue
        models += [
            (d, {"submission": str(index), "batch_size": None}, index.parent.name) for d in datasets
        ]  # the submission's own batch size
    return models


def run_framework_suite(frameworks, models, plan, bar, groups) -> list[dict]:
    result = []
    for dataset, model, label in models:
        print(f"frameworks: {label} on {dataset}", file=sys.stderr)
        runs = suites.framework_rounds(frameworks, dataset, model, plan, _progress)
        groups[f"frameworks-{label}-{dataset}"] = runs
        result.append(suites.compare_frameworks(dataset, label, runs, bar))
    return result


def run_experiment_suite(frameworks, dataset, plan, groups, names: str = "all") -> list[dict]:
    """The assignment's experiments (:mod:`harness.benchmarks.experiments`) on one dataset."""
    chosen = experiments.select(names)
    print(f"experiments on {dataset}", file=sys.stderr)
    runs = experiments.run_experiments(frameworks, dataset, plan, chosen, _progress)
    for key, by_framework in runs.by_key.items():
        options = dict(key)
        name = Path(options["submission"]).parent.name
        groups[
            f"experiments-{name}-b{options['batch_size'] or 'own'}-n{options['num_batches']}"
        ] = by_framework
    return experiments.experiment_tables(runs, plan.num_batches, chosen)


def data_loading(datasets, plan, notes: list[str]) -> dict | None:
    """The data layer's loading benchmark (:mod:`harness.benchmarks.data_loading`)."""
    found = []
    for name in datasets:
        try:
            found.append(
                loading.loading_benchmark(name, data_dir=plan.data_dir, rounds=plan.rounds)
            )
        except Exception as exc:  # noqa: BLE001 - one missing dataset must not end the run
            notes.append(f"- data loading {name}: failed: {str(exc).strip()[-300:]}")
    if not found:
        return None
    return {"text": loading.format_loading_benchmark(found), "raw": found}


def _table_suite(label: str, notes: list[str], measure) -> dict | None:
    """``measure()``'s rows and table, or None with a note saying why it failed."""
    try:
        rows, text = measure()
    except Exception as exc:  # noqa: BLE001 - the other suites' tables still print
        notes.append(f"- {label}: failed: {str(exc).strip()[-300:]}")
        return None
    return {"text": text, "raw": rows}


def graded_runs(frameworks, dataset, plan, notes: list[str]) -> dict | None:
    """A graded run's fixed cost beside its training (:mod:`harness.benchmarks.graded`)."""
    return _table_suite(
        "graded-run cost",
        notes,
        lambda: graded_run_benchmark(
            frameworks, dataset, plan.num_batches, plan.data_dir, plan.rounds
        ),
    )


def cluster_runs(framework: str, dataset: str, args, notes: list[str]) -> dict | None:
    """Quick graded runs on a local two-node cluster against --jobs 2
    (:mod:`harness.benchmarks.cluster`)."""
    return _table_suite(
        "cluster",
        notes,
        lambda: cluster_benchmark(
            framework, dataset, args.runs, args.max_batches or 150, args.data_dir
        ),
    )


def explain_cost(framework: str, dataset: str, args, notes: list[str]) -> dict | None:
    """What ``grade --explain`` adds per student, --jobs 1 and a local two-node cluster
    (:mod:`harness.benchmarks.explain_cost`)."""
    return _table_suite(
        "explain",
        notes,
        lambda: explain_benchmark(
            framework, dataset, min(args.runs, 4), args.max_batches or 100, args.data_dir
        ),
    )


def aa_check(framework: str, dataset: str, args, notes: list[str]) -> dict | None:
    """The reference graded against itself with ``--runs`` seeds (:mod:`.aa`)."""
    return _table_suite(
        "aa",
        notes,
        lambda: aa_benchmark(
            framework, dataset, max(args.runs, 5), args.max_batches or 300, args.data_dir
        ),
    )


def class_grading(dataset, args, notes: list[str]) -> dict | None:
    """The example class graded at --jobs 1 and all cores (:mod:`.class_grading`)."""
    try:
        return class_benchmark(
            dataset,
            Path(args.out) / "class",
            args.max_batches,
            args.data_dir,
            submissions=args.submissions or None,
        )
    except Exception as exc:  # noqa: BLE001 - the other suites' tables still print
        notes.append(f"- class grading: failed: {str(exc).strip()[-300:]}")
        return None


def benchmark_command(args) -> int:
    suite = getattr(args, "suite", "frameworks")
    frameworks = _names(args.frameworks, FRAMEWORKS, "--frameworks")
    datasets = _names(args.datasets, None, "--datasets")
    plan = make_plan(args)
    groups: dict[str, dict[str, list[dict]]] = {}  # suite -> name -> the runs' child results
    notes: list[str] = []
    result: dict[str, Any] = {
        "settings": {
            "suite": suite,
            "frameworks": frameworks,
            "datasets": datasets,
            "batch_size": plan.batch_size,
            "num_batches": plan.num_batches,
            "warmup_batches": plan.warmup_batches,
            "rounds": plan.rounds,
            "dataset_for_adapters": datasets[0],
            # torch's OpenMP pool collapses on an oversubscribed CPU: say so
            "thread_env": {k: child_env().get(k) for k in THREAD_VARIABLES},
        }
    }
    if suite in ("adapters", "all"):
        result["adapters"] = run_adapter_suite(frameworks, datasets[0], plan, groups)
    if suite in ("frameworks", "all"):
        models = framework_models(datasets, args.submissions, notes)
        result["frameworks"] = run_framework_suite(
            frameworks, models, plan, getattr(args, "accuracy_bar", None), groups
        )
    if suite in ("experiments", "all"):
        result["experiments"] = run_experiment_suite(
            frameworks, datasets[0], plan, groups, getattr(args, "experiments", "all")
        )
    if suite == "all":
        result["data_loading"] = data_loading(datasets, plan, notes)
    if suite in ("graded", "all"):
        result["graded_runs"] = graded_runs(frameworks, datasets[0], plan, notes)
    if suite in ("class", "all"):
        result["class"] = class_grading(datasets[0], args, notes)
    if suite == "cluster":
        result["cluster"] = cluster_runs(frameworks[0], datasets[0], args, notes)
    if suite == "explain":
        result["explain"] = explain_cost(frameworks[0], datasets[0], args, notes)
    if suite == "aa":
        result["aa"] = aa_check(frameworks[0], datasets[0], args, notes)
    all_runs = [r for by_name in groups.values() for runs in by_name.values() for r in runs]
    result["machine"] = output.machine_info(all_runs)
    result["errors"] = [r["error"] for r in all_runs if "error" in r]
    result["notes"] = "\n### Notes\n" + "\n".join(notes) + "\n" if notes else ""
    written = output.write_all(Path(args.out), result, groups)
    print(output.markdown(result))
    print("wrote " + ", ".join(str(p) for p in written), file=sys.stderr)
    return 1 if result["errors"] else 0
