"""``python -m harness bars build --out DIR``: train the references once, write the bars.

The references and their throughput probes run exactly as in a grading (same plan
items, same sandbox, same scoring) into ``DIR``, which then holds that grading's
``results.json`` and reports and ``DIR/bars.json`` (:mod:`harness.grading.bars`).
No bars file is written unless every reference and calibration probe passed.
"""

from __future__ import annotations

from pathlib import Path

from harness.config import load_assignment
from harness.errors import HarnessError
from harness.grading.bars import BARS_FILE, is_calibration, write_bars
from harness.grading.command import (
    _default_assignment,
    _prepare,
    check_numbers,
    empty_plan,
    finish,
    grading_binding,
    run_pytest,
    selected,
)
from harness.grading.inputs import work_dir
from harness.grading.plan import GradingPlan, RunSpec, bars_build_runs, seed_runs
from harness.names import reference_id
from harness.results.store import ResultsStore
from harness.sandbox.modes import sandbox_mode


def _references(assignment, datasets, frameworks) -> list[RunSpec]:
    networks = {ds: assignment.references[ds] for ds in datasets}
    return [
        RunSpec(reference_id(networks[ds]), ds, fw, reference=networks[ds])
        for ds in datasets
        for fw in frameworks
    ]


def bars_build_command(args) -> int:
    assignment_path = str(Path(args.assignment or _default_assignment()).resolve())
    assignment = load_assignment(assignment_path)
    check_numbers(args)
    out = Path(args.out).resolve()
    plan = empty_plan(args, assignment_path)
    # Sandboxed as the students' runs will be, so that both are timed alike; where no
    # sandbox works the references (the harness's own code, no student's) still run.
    plan.isolation = sandbox_mode(args.data_dir) or "none"
    plan.unisolated_allowed = "" if plan.isolation != "none" else "reference runs only"
    datasets, frameworks = selected(args, assignment)
    work_dir(out).mkdir(parents=True, exist_ok=True)
    ready = _prepare(plan, datasets, assignment.seed)
    missing = [ds for ds in datasets if ds not in ready]
    if missing:
        raise HarnessError(f"no bars built: {', '.join(missing)} could not be loaded (above)")
    references = _references(assignment, ready, frameworks)
    # the references' other seeds too: bars.json keeps their figures (each reference's
    # seed_runs), the spread every student's interval is measured with under --bars
    plan.runs = bars_build_runs(references) + seed_runs(
        references, assignment.seeds.reference_seeds
    )
    plan_path = work_dir(out) / "plan.json"
    plan.save(plan_path)
    print(f"building bars: {len(plan.runs)} reference runs and probes into {out}/")
    run_pytest(plan_path, out, args.jobs or 1, None)  # each reference timed alone
    scored = finish(plan, assignment)
    return _write(out, plan, assignment, references, scored)


def _write(out: Path, plan: GradingPlan, assignment, references, scored) -> int:
    stored, _ = ResultsStore(out).all_records()
    calibrations = {(p.dataset, p.framework): p for p in stored if is_calibration(p)}
    refs = [r for r in scored if r.is_reference]
    failed = [
        f"{r.submission} {r.dataset}/{r.framework}: {r.reason}"
        for r in refs + list(calibrations.values())
        if r.status != "passed"
    ]
    failed += [
        f"{r.dataset}/{r.framework}: no calibration probe recorded"
        for r in refs
        if (r.dataset, r.framework) not in calibrations
    ]
    if failed or not refs:
        print("no bars written; failed:\n  " + "\n  ".join(failed or ["no reference ran"]))
        (out / BARS_FILE).unlink(missing_ok=True)
        return 1
    # In the rate each reference is graded on (examples per CPU-second, or per second).
    basis = {(r.dataset, r.framework): r.throughput_basis for r in refs}
    rates = {key: p.graded_rate(basis[key]) for key, p in calibrations.items()}
    path = write_bars(out, refs, rates, grading_binding(plan, assignment, references))
    for r in refs:
        print(
            f"{r.dataset}/{r.framework}: accuracy {r.test_accuracy:.4f}, bar "
            f"{r.throughput_bar:,.1f} {_unit(r)}, calibration "
            f"{rates[(r.dataset, r.framework)]:,.1f} {_unit(r)}"
        )
    print(f"bars: {path}")
    return 0


def _unit(record) -> str:
    return "examples/CPU-s" if record.throughput_basis == "cpu" else "examples/s"
