"""``python -m harness grade``: plan the runs, run them under pytest, score, report.

1. every submission x dataset (x framework for Model Builder submissions) plus the
   references those runs need becomes a :class:`~harness.grading.plan.RunSpec`;
2. pytest runs :mod:`harness.grading.items` with :mod:`harness.grading.pytest_plugin`, one item per
   run (``-k``, ``--junitxml``, ``--jobs`` via pytest-xdist, pytest-benchmark timings);
3. the stored records are scored against the references (:mod:`harness.grading.rubric`) and
   written to ``OUT/results.json``; the reports are rebuilt from it.
"""

from __future__ import annotations

import dataclasses
import os
import sys
from pathlib import Path
from typing import TypedDict

from harness import host
from harness.adapters import FRAMEWORKS
from harness.cluster.connect import check_address
from harness.config import Assignment, default_assignment_path, load_assignment
from harness.data import DATASET_NAMES
from harness.errors import (
    ConfigError,
    DataError,
    GradingFailed,
    HarnessError,
    field_error,
    require_count,
    require_positive,
)
from harness.grading import capacity
from harness.grading.bars import Bars, binding, check_bars, read_bars, references_from_bars
from harness.grading.explain.plan import (
    announce,
    check_against,
    check_budget,
    plan_explanations,
    write_explanations,
)
from harness.grading.inputs import load_prepared, prepare_dataset, work_dir
from harness.grading.isolation import decide_isolation
from harness.grading.live import run_with_progress
from harness.grading.outcome import (
    PYTEST_STUDENT_FAILURES,
    grader_failures,
    grading_exit_status,
)
from harness.grading.plan import (
    GradingPlan,
    RunSpec,
    check_student_ids,
    reference_runs,
    seed_runs,
    student_runs,
    with_calibration_only,
    with_throughput_probes,
)
from harness.grading.progress import ProgressBoard
from harness.grading.scores import score_records, summary_table
from harness.grading.seeds import more_seeds
from harness.host import gpu_names
from harness.report import build_reports
from harness.report.regrade import keep_earlier
from harness.report.review import resolutions_path
from harness.report.review.resolutions import load_resolutions
from harness.results.record import RunRecord
from harness.results.store import ResultsStore, atomic_write_text
from harness.sinks import json_text, terminal
from harness.submission.load import discover

GRADED_RUNS = Path(__file__).with_name("items.py")


class FinishOptions(TypedDict):
    """What every round's :func:`finish` is given beside the plan and the assignment."""

    selected: bool
    reports: str
    resolutions: str | None
    earlier_points: Path | None


def _split(
    value: str | None, default: tuple[str, ...], option: str, allowed: tuple[str, ...]
) -> tuple[str, ...]:
    names = tuple(v.strip() for v in value.split(",") if v.strip()) if value else default
    unknown = [n for n in names if n not in allowed]
    if unknown or not names:
        raise ConfigError(
            field_error(
                "command line", option, f"a comma-separated list of {', '.join(allowed)}", value
            )
        )
    return names


def _prepare(plan: GradingPlan, datasets: tuple[str, ...], seed: int) -> tuple[str, ...]:
    """Write each dataset's inputs; a dataset that cannot be found is skipped, with why."""
    ready = []
    for name in datasets:
        try:
            data = prepare_dataset(plan, name, seed)
        except DataError as exc:
            plan.skipped[name] = str(exc)
            print(f"skipping {name}: {exc}", file=sys.stderr)
            continue
        subset = " (bundled subset)" if data.meta.bundled_subset else ""
        print(f"{name}: {data.meta.location}{subset}, verified={data.meta.verified}")
        ready.append(name)
    return tuple(ready)


def empty_plan(args, assignment_path: str) -> GradingPlan:
    """A plan with no runs yet, from the command line's output folder, data and budget."""
    return GradingPlan(
        runs=[],
        out_dir=str(Path(args.out).resolve()),
        assignment_path=assignment_path,
        data_dir=args.data_dir,
        allow_unverified=args.allow_unverified,
        max_batches=args.max_batches,
        time_limit=args.time_limit,
        cluster=getattr(args, "cluster", None),
        runs_per_gpu=getattr(args, "runs_per_gpu", None) or 4,
    )


def selected(args, assignment: Assignment) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The datasets and frameworks ``--datasets`` and ``--frameworks`` pick (the
    assignment's by default); a dataset without a reference network has no bar to grade
    against, so it cannot be picked."""
    gradable = tuple(name for name in DATASET_NAMES if name in assignment.references)
    datasets = _split(args.datasets, assignment.datasets, "--datasets", gradable)
    frameworks = _split(args.frameworks, assignment.builder_frameworks, "--frameworks", FRAMEWORKS)
    return datasets, frameworks


def build_plan(
    args, assignment: Assignment, assignment_path: str, bars: Bars | None = None
) -> GradingPlan:
    plan = empty_plan(args, assignment_path)
    datasets, frameworks = selected(args, assignment)
    given = args.paths or ["submissions"]
    paths = discover(given)
    if not paths:
        raise HarnessError(f"nothing to grade: no submissions found in {' '.join(given)}")
    check_student_ids(paths)
    plan.isolation, plan.unisolated_allowed = decide_isolation(
        paths, args.data_dir, getattr(args, "allow_unisolated", False)
    )
    datasets = _prepare(plan, datasets, assignment.seed)
    students = student_runs(paths, datasets, frameworks, assignment.budget.max_submission_kib << 10)
    references = reference_runs(students, assignment)
    if bars is None:
        plan.runs = with_throughput_probes(references, students)
        # the reference's other seeds last: every student's interval is measured with them
        plan.runs += seed_runs(references, assignment.seeds.reference_seeds)
        return plan
    check_bars(bars, grading_binding(plan, assignment, references), bar_keys(references))
    plan.bars = str(bars.path)
    plan.runs = with_calibration_only(references, students)
    return plan


def bar_keys(references: list[RunSpec]) -> set[tuple[str, str]]:
    return {(r.dataset, r.framework) for r in references}


def grading_binding(plan: GradingPlan, assignment: Assignment, references: list[RunSpec]) -> dict:
    """This grading's :func:`harness.grading.bars.binding`, from its prepared datasets."""
    out = Path(plan.out_dir)
    datasets = sorted({r.dataset for r in references})
    hashes = {ds: load_prepared(out, ds).meta.data_hash for ds in datasets}
    return binding(assignment, plan.max_batches, hashes, {r.framework for r in references})


def run_pytest(
    plan_path: Path,
    out: Path,
    jobs: int,
    select: str | None,
    cluster: str | None = None,
    round_name: str = "",
) -> int:
    """Run the plan's items in a pytest process; returns pytest's exit code. A later round
    (``round_name``, e.g. "-round2") writes its JUnit and benchmark files beside the first's.

    On a cluster one pytest process drives every run (the runs go out at once, each item
    waits for its own), so ``jobs`` does not apply and nothing is timed here.
    """
    ini = work_dir(out) / "pytest.ini"
    ini.write_text("[pytest]\n")
    argv = [
        sys.executable,
        "-m",
        "pytest",
        str(GRADED_RUNS),
        "-c",
        str(ini),
        "-p",
        "harness.grading.pytest_plugin",
        "-p",
        "no:cacheprovider",
        "--harness-plan",
        str(plan_path),
        "--junitxml",
        str(out / f"junit{round_name}.xml"),
        "--benchmark-json",
        str(out / f"benchmark{round_name}.json"),
        "--benchmark-disable-gc",
        "-q",
        "-rf",
        "--tb=line",
    ]
    if cluster:
        argv += ["--benchmark-disable"]
    elif jobs > 1:
        argv += ["-n", str(jobs)]
    if select:
        argv += ["-k", f"({select}) or reference"]  # the bars are always needed
    board = ProgressBoard(out)
    board.clear()
    return run_with_progress(argv, _run_environment(jobs), board)


def _run_environment(jobs: int) -> dict:
    """One CPU thread per run unless OMP_NUM_THREADS says otherwise.

    These networks are too small for torch's thread pool to pay: with two threads on a
    machine that anything else is using, steps run several times slower than with one
    (docs/benchmarks.md), which would make throughput grades depend on the neighbours. Use
    ``--jobs`` to put more cores to work. Runs that share a GPU get a bounded share of its
    memory (``HARNESS_GPU_MEMORY_FRACTION``) unless one is set.
    """
    gpus = len(gpu_names())
    env = dict(os.environ, HARNESS_GPU_COUNT=str(gpus))
    env.setdefault("OMP_NUM_THREADS", "1")
    fraction = shared_gpu_memory_fraction(gpus, jobs)
    if fraction is not None:
        env.setdefault("HARNESS_GPU_MEMORY_FRACTION", f"{fraction:.2f}")
    return env


def shared_gpu_memory_fraction(gpus: int, jobs: int) -> float | None:
    """Share of a card's memory each run may take when runs share cards, else None.

    Runs are spread round robin (:mod:`harness.grading.pytest_plugin`), so a card holds at most
    ceil(jobs / gpus) runs; a tenth of the card stays free for the driver and fragmentation.
    """
    if gpus < 1 or jobs <= gpus:
        return None
    return 0.9 / -(-jobs // gpus)


def missing_runs(plan: GradingPlan, records: list[RunRecord]) -> list[RunRecord]:
    """An "error" record for every planned run that left none: no run vanishes."""
    done = {(r.submission, r.dataset, r.framework) for r in records}
    return [
        RunRecord(
            submission=s.submission,
            dataset=s.dataset,
            framework=s.framework,
            reference=s.reference,
            status="error",
            reason="the grading process stopped before recording this run (see junit.xml)",
        )
        for s in plan.runs
        if (s.submission, s.dataset, s.framework) not in done
    ]


def finish(
    plan: GradingPlan,
    assignment: Assignment,
    selected: bool = False,
    reports: str = "all",
    resolutions: str | None = None,
    earlier_points: Path | None = None,
) -> list:
    """Score the plan's stored records, write results.json and the reports.
    ``selected``: only some runs were run (``-k``), so absent ones are not missing;
    ``reports``: "all", or "gradescope" for the Gradescope results alone;
    ``resolutions``: the staff's review resolutions file (``--resolutions``);
    ``earlier_points``: the snapshot the regrade diff compares with (``build_reports``).
    With bars, the references come from the bars file, scaled by this grading's
    calibration probes."""
    store = ResultsStore(Path(plan.out_dir))
    wanted = {(r.submission, r.dataset, r.framework) for r in plan.runs}
    stored, unreadable = store.all_records()
    for problem in unreadable:  # a damaged file must not stop the others being reported
        print(terminal(f"ignored: {problem}"), file=sys.stderr)
    records = [r for r in stored if (r.submission, r.dataset, r.framework) in wanted]
    if not selected:
        records += missing_runs(plan, records)
    if plan.bars:
        needed = {(r.dataset, r.framework) for r in plan.runs if r.probe}
        records += references_from_bars(read_bars(plan.bars), records, needed)
    write_explanations(plan, records, assignment)
    records = score_records(records, assignment.rubric)
    store.write_results(records)
    atomic_write_text(Path(plan.out_dir) / "skipped.json", json_text(plan.skipped, indent=1))
    try:  # without matplotlib, every report but the charts
        build_reports(
            Path(plan.out_dir),
            only_gradescope=reports == "gradescope",
            resolutions=resolutions,
            earlier_points=earlier_points,
        )
    except HarnessError as exc:  # a staff file (extensions, times, resolutions) is wrong
        raise GradingFailed(
            f"{exc}\nEvery run is graded and stored in {plan.out_dir}/results.json; fix "
            f"this and run `python -m harness report --out {plan.out_dir}`"
        ) from exc
    return records


def default_jobs(assignment: Assignment) -> int:
    """Runs at once without ``--jobs``: one per GPU, else one per core that memory allows,
    counted as this process may use them (a container's limits, not the host's:
    :mod:`harness.grading.capacity`). A run trains on one CPU thread, so on a CPU machine
    one run per core keeps every core busy; runs side by side slow each other, students
    and references alike, and throughput is graded per CPU-second, which that barely
    moves (docs/limits.md). On a GPU machine one run per card: runs sharing a card
    time-slice it, so their examples/sec would measure the neighbours.
    """
    return capacity.default_jobs(assignment, len(gpu_names()))


def _run_needs(plan: GradingPlan, assignment: Assignment) -> dict[tuple[str, str], int]:
    """Memory a reference run of each (framework, dataset) of the plan needs here."""
    batches = min(assignment.budget.default_num_batches, plan.max_batches or 10**9)
    return {
        (r.framework, r.dataset): capacity.run_need_mib(
            r.framework, r.dataset, batches, assignment.budget.default_batch_size
        )
        for r in plan.runs
        if r.framework in FRAMEWORKS
    }


def check_numbers(args) -> None:
    """Refuse out-of-range numeric options before any data is loaded or run started."""
    require_count("--jobs", args.jobs)
    require_count("--max-batches", args.max_batches)
    check_budget(getattr(args, "explain_budget", None))
    require_positive("--time-limit", args.time_limit, "a number of seconds > 0")
    require_count("--runs-per-gpu", getattr(args, "runs_per_gpu", None))
    if getattr(args, "cluster", None):
        check_address(args.cluster)


def grade_command(args) -> int:
    assignment_path = str(Path(args.assignment or _default_assignment()).resolve())
    assignment = load_assignment(assignment_path)
    check_numbers(args)
    check_against(args, assignment)
    resolutions = _checked_resolutions(args, assignment, assignment_path)
    bars = read_bars(args.bars) if getattr(args, "bars", None) else None
    plan = build_plan(args, assignment, assignment_path, bars)
    if not plan.runs:
        raise HarnessError(
            f"nothing to grade: no dataset could be loaded "
            f"({', '.join(plan.skipped)}; reasons above)"
        )
    out = Path(plan.out_dir)
    work_dir(out).mkdir(parents=True, exist_ok=True)
    # every round's reports compare with the grading before this one, not the round before
    earlier = keep_earlier(out, work_dir(out) / "points-before-grading.json")
    plan_path = work_dir(out) / "plan.json"
    plan.save(plan_path)
    print(f"grading {len(plan.runs)} runs into {out}/")
    if getattr(args, "explain", False):
        announce(plan, assignment, args)
    jobs = args.jobs or default_jobs(assignment)
    if not plan.cluster:  # a cluster's nodes hold their runs: their limits are theirs
        plan.run_memory_mib = capacity.run_memory_mib(assignment, jobs)
        capacity.refuse_if_too_small(_run_needs(plan, assignment), plan.run_memory_mib, jobs)
        plan.save(plan_path)
    print(
        f"{jobs} run(s) at once ({host.container_description()}), "
        f"{plan.run_memory_mib or assignment.budget.memory_limit_mib:,} MiB each"
    )
    code = run_pytest(plan_path, out, jobs, getattr(args, "select", None), plan.cluster)
    if bars is not None:
        print(f"bars: {bars.path}, built {bars.built_at} on {bars.built_on.get('node')}")
    options: FinishOptions = {
        "selected": bool(getattr(args, "select", None)),
        "reports": getattr(args, "reports", "all"),
        "resolutions": resolutions,
        "earlier_points": earlier,
    }
    records = finish(plan, assignment, **options)
    code, records = _later_rounds(args, plan, assignment, jobs, (code, records), options)
    print(summary_table(records))
    print(f"\nresults: {out / 'results.json'}; class summary: {out / 'summary.html'}")
    failed = [r for r in records if r.status != "passed"]
    if failed:
        print(f"{len(failed)} of {len(records)} runs did not pass (reasons in the summary)")
    say_grader_failures(records, plan.skipped, code)
    return grading_exit_status(records, plan.skipped, code)


def say_grader_failures(records: list[RunRecord], skipped: dict[str, str], code: int) -> None:
    """Why the grading itself failed, on stderr; a line names a student's folder, escaped."""
    for why in grader_failures(records, skipped):
        print(terminal(f"grading failed: {why}"), file=sys.stderr)
    if code not in (0, PYTEST_STUDENT_FAILURES):
        print(f"grading failed: pytest exited with status {code}", file=sys.stderr)


def _checked_resolutions(args, assignment: Assignment, assignment_path: str) -> str | None:
    """The review resolutions file, read once before any run so that a mistake in it is
    reported before hours of training rather than after."""
    given = getattr(args, "resolutions", None)
    path = resolutions_path(assignment, Path(assignment_path).parent, given)
    load_resolutions(path)
    return str(path) if path else None


def _later_rounds(
    args, plan: GradingPlan, assignment: Assignment, jobs: int, first: tuple, options: FinishOptions
):
    """Rounds after the first: the next seed of every student run within the noise of a
    rubric boundary, and (``--explain``) the networks that explain each student's figures.
    Each round is a plan of its own; the stored runs of earlier rounds are reused."""
    code, records = first
    explain = getattr(args, "explain", False)
    for number in range(2, assignment.seeds.max_student_seeds + 2):
        extra = more_seeds(plan, records, assignment)
        if extra:
            print(f"{len(extra)} run(s) within the noise of a rubric boundary: one more seed each")
        if explain:
            extra += plan_explanations(plan, records, assignment, args)
            explain = False
        if not extra:
            break
        plan.runs += extra
        round_plan = dataclasses.replace(plan, runs=extra)
        round_path = work_dir(Path(plan.out_dir)) / f"plan-round{number}.json"
        round_plan.save(round_path)
        plan.save(work_dir(Path(plan.out_dir)) / "plan.json")
        more = run_pytest(
            round_path, Path(plan.out_dir), jobs, None, plan.cluster, f"-round{number}"
        )
        code = code if code not in (0, 1) else more
        records = finish(plan, assignment, **options)
    return code, records


def _default_assignment() -> Path:
    return default_assignment_path()
