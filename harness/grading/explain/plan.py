"""Explain's runs in the grading plan, and ``explanations.json`` from their records.

After the first round of a grading, every passed student run whose network is a layer list
(its record's settings, as the parent checked them: Model Builder and index.js alike) is
compared with its base; the networks between them become ordinary runs (``variant:<hash>``,
seeds 0 .. n-1) of the next round. What was planned is kept in ``OUT/.work/explain.json``;
once the runs are stored, :func:`write_explanations` measures the effects into
``OUT/explanations.json``, which the student pages read.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

from harness.config import Assignment
from harness.errors import ConfigError, HarnessError, field_error
from harness.grading.explain import effects, networks
from harness.grading.inputs import load_prepared, work_dir
from harness.grading.plan import GradingPlan, RunSpec
from harness.grading.runner import reference_batches
from harness.names import VARIANT_PREFIX, seed_id
from harness.results.record import RunRecord
from harness.results.store import atomic_write_text
from harness.sinks import terminal
from harness.submission.diff import diff_networks
from harness.submission.load import peek, read_literal_layers
from harness.submission.spec import shape_problems
from harness.worker.messages import MAX_LAYERS

CODE_FORM = (
    "a code-form submission (build_model) is a program, not a layer list: there is no list of "
    "changes to try one at a time, so its figures have intervals but no explanation"
)


# The fewest runs an explanation can be cut to: the base and the student's network, two
# seeds each (an interval needs two); a smaller --explain-budget could not be kept.
MIN_BUDGET = 4


def plan_path(out_dir: Path) -> Path:
    return work_dir(Path(out_dir)) / "explain.json"


def base_network(record: RunRecord, plan: GradingPlan, assignment: Assignment, against: str):
    """(label, layers, hyperparameters) of the network a student run is explained against."""
    if against in ("", "reference"):
        network = assignment.references[record.dataset]
        budget = assignment.budget
        hyper: dict[str, Any] = {
            "batch_size": budget.default_batch_size,
            "num_batches": reference_batches(plan, assignment),
            "optimizer": assignment.reference_optimizer,
            "learning_rate": assignment.reference_learning_rate,
        }
        return f"the reference ({network})", networks.reference_layers(network), hyper
    path = networks.STARTER if against == "starter" else Path(against)
    layers, hyper = networks.literal_network(path, assignment)
    if plan.max_batches:
        hyper["num_batches"] = min(hyper["num_batches"], plan.max_batches)
    label = "the starter" if against == "starter" else f"{Path(against).name}"
    return label, layers, hyper


def check_against(args, assignment: Assignment) -> None:
    """Refuse a base that cannot be read before anything runs (the file, what is wrong)."""
    against = getattr(args, "against", "reference") or "reference"
    if getattr(args, "explain", False) and against != "reference":
        networks.literal_network(
            networks.STARTER if against == "starter" else Path(against), assignment
        )


def check_budget(budget: int | None) -> None:
    """Refuse an ``--explain-budget`` under the fewest runs an explanation can be cut to."""
    if budget is not None and budget < MIN_BUDGET:
        expected = f"an integer >= {MIN_BUDGET} (the base and the student's network, 2 seeds each)"
        raise ConfigError(field_error("command line", "--explain-budget", expected, budget))


def subsets(count: int) -> list[tuple[int, ...]]:
    """The base, each change alone, every pair when there are at most three, and all."""
    chosen = [(), *((i,) for i in range(count))]
    if count <= 3:
        chosen += list(itertools.combinations(range(count), 2))
    chosen.append(tuple(range(count)))
    return list(dict.fromkeys(chosen))


def fit_budget(chosen: list[tuple], seeds: int, budget: int | None) -> tuple[list, int, list[str]]:
    """Fewer seeds (not under two), then no pairs, then fewer changes, until the runs fit;
    a budget of at least :data:`MIN_BUDGET` (:func:`check_budget`) always can be."""
    notes: list[str] = []
    if budget is None or len(chosen) * seeds <= budget:
        return chosen, seeds, notes
    fewer = max(2, budget // max(len(chosen), 1))
    if fewer < seeds:
        notes.append(f"--explain-budget {budget}: {fewer} seeds instead of {seeds}")
        seeds = fewer
    total = len(chosen[-1])
    if len(chosen) * seeds > budget:
        kept = [c for c in chosen if len(c) <= 1 or len(c) == total]
        if len(kept) < len(chosen):
            notes.append(f"--explain-budget {budget}: pairs not trained, interactions left over")
        chosen = kept
    while len(chosen) * seeds > budget and len(chosen) > 2:
        dropped = chosen.pop(-2)
        notes.append(f"--explain-budget {budget}: change {dropped[0] + 1} not trained alone")
    return chosen, seeds, notes


def _entry(record: RunRecord, plan: GradingPlan, assignment: Assignment, args) -> dict:
    """What explaining one student run needs (no runs yet), or why it is not explained."""
    entry = {"student": record.submission, "dataset": record.dataset, "framework": record.framework}
    layers = record.settings.get("layers")
    if record.settings.get("form") == "code" or not isinstance(layers, list):
        return {**entry, "why_not": CODE_FORM, "variants": []}
    if len(layers) > MAX_LAYERS:  # what the parent accepts from a run; a record could lie
        return {**entry, "why_not": f"more than {MAX_LAYERS} layers", "variants": []}
    try:
        mine = networks.checked_network(
            layers, networks.hyperparameters_of(record.settings), assignment
        )
        label, base_layers, base_hyper = base_network(
            record, plan, assignment, getattr(args, "against", "reference")
        )
    except HarnessError as exc:
        return {**entry, "why_not": f"not explained: {exc}", "variants": []}
    diff = diff_networks(base_layers, base_hyper, *mine)
    if not diff.changes:
        return {
            **entry,
            "against": label,
            "why_not": f"the same network as {label}",
            "variants": [],
        }
    chosen, seeds, notes = fit_budget(
        subsets(len(diff.changes)),
        assignment.seeds.explain_seeds,
        getattr(args, "explain_budget", None),
    )
    data = load_prepared(Path(plan.out_dir), record.dataset)
    shape, classes = data.meta.input_shape, data.meta.num_classes
    variants = []
    for changes in chosen:
        layers, hyper = diff.apply(changes)
        problems = shape_problems(layers, shape, classes)[1]
        key = "" if problems else networks.write_network(Path(plan.out_dir), layers, hyper)[0]
        variants.append({"changes": list(changes), "key": key, "problem": "; ".join(problems)})
    return {
        **entry,
        "against": label,
        "changes": [{"kind": c.kind, "text": c.text} for c in diff.changes],
        "variants": variants,
        "seeds": seeds,
        "notes": notes,
        "why_not": "",
    }


def _runs(entry: dict, out_dir: Path) -> list[RunSpec]:
    folder = work_dir(Path(out_dir)) / "variants"
    return [
        RunSpec(
            seed_id(VARIANT_PREFIX + v["key"], k),
            entry["dataset"],
            entry["framework"],
            path=str(folder / v["key"] / "index.py"),
            seed=k,
            variant=v["key"],
        )
        for v in entry["variants"]
        if v["key"]
        for k in range(entry["seeds"])
    ]


def plan_explanations(
    plan: GradingPlan, records: list[RunRecord], assignment: Assignment, args
) -> list[RunSpec]:
    """The runs explaining every graded student run; prints what they cost first."""
    students = [r for r in records if not r.is_reference and not r.variant and not r.seed]
    entries = [_entry(r, plan, assignment, args) for r in students if r.status == "passed"]
    planned, runs = {s.name for s in plan.runs}, []
    for entry in entries:
        new = [s for s in _runs(entry, Path(plan.out_dir)) if s.name not in planned]
        planned |= {s.name for s in new}
        entry["new_runs"] = len(new)
        runs += new
        print(cost_line(entry))
    print(
        f"explaining costs {len(runs)} extra run(s) in all "
        "(a network shared by several students runs once)"
    )
    atomic_write_text(plan_path(Path(plan.out_dir)), json.dumps(entries, indent=1))
    return runs


def cost_line(entry: dict) -> str:
    """What one student's explanation costs, a line for the terminal: the student's folder
    name, the base and the notes are theirs, so the line is escaped."""
    return terminal(_cost_text(entry))


def _cost_text(entry: dict) -> str:
    who = f"explain {entry['student']} {entry['dataset']}/{entry['framework']}"
    if entry["why_not"]:
        return f"{who}: {entry['why_not']}"
    return (
        f"{who}: {len(entry['changes'])} change(s) against {entry['against']}, "
        f"{len(entry['variants'])} network(s) x {entry['seeds']} seeds, "
        f"{entry['new_runs']} new run(s)" + "".join(f"; {n}" for n in entry["notes"])
    )


def write_explanations(plan: GradingPlan, records: list[RunRecord], assignment: Assignment) -> None:
    """``OUT/explanations.json`` from the planned entries and the stored records (nothing
    when nothing was explained)."""
    path = plan_path(Path(plan.out_dir))
    if not path.is_file():
        return
    entries = json.loads(path.read_text())
    done = [effects.explanation(entry, records, assignment.rubric) for entry in entries]
    atomic_write_text(Path(plan.out_dir) / "explanations.json", json.dumps(done, indent=1))


def announce(plan: GradingPlan, assignment: Assignment, args) -> None:
    """Before the grading starts: what explaining will cost, read from each Model Builder
    file's literals (an index.js, or a list computed in code, is known after its own run)."""
    keys, later = set(), 0
    for spec in plan.runs:
        if spec.is_reference or spec.seed or not spec.path or spec.refused:
            continue
        try:
            if peek(Path(spec.path))[0] == "code":
                continue  # not explained: its page says why
            loaded = read_literal_layers(spec.path, assignment)
        except (HarnessError, OSError, ValueError, RecursionError, MemoryError):
            later += 1
            continue
        hp, layers = loaded.hyperparameters, loaded.layers
        if layers is None:  # never: read_literal_layers refuses such a file
            raise ValueError(f"{spec.path}: expected LAYERS, found none")
        settings = {
            "form": "layers",
            "layers": [dict(x) for x in layers],
            "batch_size": hp.batch_size,
            "optimizer": hp.optimizer,
            "learning_rate": hp.learning_rate,
            "num_batches": min(hp.num_batches, plan.max_batches or hp.num_batches),
        }
        record = RunRecord(
            spec.submission, spec.dataset, spec.framework, "passed", settings=settings
        )
        entry = _entry(record, plan, assignment, args)
        keys |= {s.name for s in _runs(entry, Path(plan.out_dir))}
    tail = f"; {later} run(s) counted after their own run (index.js or computed LAYERS)"
    print(f"explaining will cost {len(keys)} extra run(s)" + (tail if later else ""))
