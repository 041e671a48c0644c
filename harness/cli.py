"""``python -m harness``: parses arguments and calls one library function per command.

Each command's implementation lives in its own module and is imported only when that
command runs, so ``--help`` stays instant and no framework is imported here.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import traceback

from harness.errors import (
    EXIT_GRADING_FAILED,
    EXIT_NOT_GRADED,
    EXIT_STATUSES_HELP,
    GradingFailed,
    HarnessError,
)
from harness.names import DATASET_NAMES as DATASETS
from harness.names import FRAMEWORKS, REFERENCE_NETWORKS
from harness.sinks import terminal


def _data_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", help="folder searched first for dataset files")
    parser.add_argument(
        "--allow-unverified",
        action="store_true",
        help="accept files whose checksums differ from the official ones; "
        "the data is then reported as unverified",
    )


def _assignment_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--assignment",
        help="assignment.toml to use (default: ./assignment.toml "
        "when there is one, else the one the package ships)",
    )


def _add_data(sub) -> None:
    data = sub.add_parser("data", help="find, verify, describe and download datasets")
    data_sub = data.add_subparsers(dest="data_command", required=True)
    info = data_sub.add_parser("info", help="where a dataset was found and what it holds")
    info.add_argument("name", choices=DATASETS)
    _data_options(info)
    info.add_argument("--json", action="store_true", help="print one JSON object")
    info.set_defaults(target="harness.data.command:info_command")
    fetch = data_sub.add_parser("fetch", help="download the official files into the cache")
    fetch.add_argument("name", choices=DATASETS)
    fetch.add_argument("--cache-dir", help="where to put the files (default: the user cache)")
    fetch.add_argument(
        "--mirror",
        action="append",
        help="base URL to download from instead of the official mirrors",
    )
    fetch.set_defaults(target="harness.data.command:fetch_command")


def _add_train(sub) -> None:
    train = sub.add_parser("train", help="train one model in the sandbox, as grading does")
    what = train.add_mutually_exclusive_group(required=True)
    what.add_argument("--reference", choices=REFERENCE_NETWORKS, help="a reference network")
    what.add_argument("submission", nargs="?", help="path to a submission's index.py")
    train.add_argument(
        "--framework", choices=FRAMEWORKS, help="default: the submission's FRAMEWORK, else torch"
    )
    train.add_argument(
        "--dataset", choices=DATASETS, default="fashion_mnist", help="default: fashion_mnist"
    )
    train.add_argument(
        "--num-batches",
        type=int,
        help="default: the submission's, or the assignment's for a reference",
    )
    train.add_argument("--batch-size", type=int, help="default: as for --num-batches")
    train.add_argument(
        "--optimizer",
        help="sgd, momentum, adam, rmsprop or adagrad (default: as for --num-batches)",
    )
    train.add_argument("--learning-rate", type=float, help="default: as for --num-batches")
    train.add_argument(
        "--seed", type=int, default=0, help="weights, batch order and validation split (default: 0)"
    )
    _data_options(train)
    train.add_argument(
        "--json", action="store_true", help="end the output with one line holding a JSON object"
    )
    _assignment_option(train)
    train.set_defaults(target="harness.training.command:train_command")


def _add_check(sub) -> None:
    check = sub.add_parser("check", help="check a submission before handing it in")
    check.add_argument("path", help="a submission's index.py or index.js, or its folder")
    check.add_argument(
        "--framework", choices=FRAMEWORKS, help="build only in this framework (Model Builder form)"
    )
    check.add_argument(
        "--dataset",
        choices=DATASETS,
        help="check for this dataset's image shape only (default: the assignment's)",
    )
    check.add_argument("--json", action="store_true", help="print one JSON object")
    check.add_argument(
        "--allow-unisolated",
        action="store_true",
        help="check even where no sandbox works (no bubblewrap): the "
        "submission's code then runs as a plain process",
    )
    _assignment_option(check)
    check.set_defaults(target="harness.check.command:check_command")


def _add_grade(sub) -> None:
    grade = sub.add_parser(
        "grade", help="grade submissions against the references", epilog=EXIT_STATUSES_HELP
    )
    grade.add_argument(
        "paths", nargs="*", help="submission folders or index.py/.js files (default: submissions/)"
    )
    grade.add_argument("--datasets", help="comma-separated (default: the assignment's)")
    grade.add_argument("--frameworks", help="comma-separated, for Model Builder submissions")
    grade.add_argument("--out", default="grades", help="output folder (default: grades)")
    _assignment_option(grade)
    _data_options(grade)
    grade.add_argument("--max-batches", type=int, help="cap every run, references too")
    grade.add_argument("--time-limit", type=float, help="wall-time limit per run, seconds")
    grade.add_argument(
        "--jobs",
        type=int,
        help="graded runs at once (default: one per GPU; without a GPU one per "
        "core, as many as fit in memory at the assignment's per-run "
        "limit; each run trains on one thread; docs/benchmarks.md has the "
        "measured gain)",
    )
    grade.add_argument(
        "--cluster",
        metavar="ADDRESS",
        help="run on a Ray cluster: auto (RAY_ADDRESS or the one running "
        "here), local (a throwaway one on this machine) or HOST:PORT",
    )
    grade.add_argument(
        "--runs-per-gpu",
        type=int,
        default=4,
        help="with --cluster on GPU nodes: runs sharing one card (default: 4)",
    )
    grade.add_argument(
        "--allow-unisolated",
        action="store_true",
        help="grade even where no sandbox works (no bubblewrap): student code "
        "then runs as a plain process and could read the test labels; "
        "every record and the summary say so",
    )
    grade.add_argument(
        "--bars",
        metavar="DIR",
        help="use the references stored by `bars build` in DIR instead of training them: "
        "only the students run, plus one short calibration probe per dataset and "
        "framework that converts the stored throughput bar to this machine",
    )
    grade.add_argument(
        "--reports",
        choices=("all", "gradescope"),
        default="all",
        help="all (default), or only each student's Gradescope results.json",
    )
    grade.add_argument(
        "-k",
        dest="select",
        help="pytest -k expression selecting runs, e.g. 'alice and not cifar10'",
    )
    _resolutions_option(grade)
    _explain_options(grade)
    grade.add_argument(
        "--explain",
        action="store_true",
        help="also explain every layer-list submission's figures change by change "
        "(extra runs, counted before they start; see docs/explain.md)",
    )
    grade.set_defaults(target="harness.grading.command:grade_command")


def _add_bars(sub) -> None:
    bars = sub.add_parser("bars", help="train the references once and store their bars")
    bars_sub = bars.add_subparsers(dest="bars_command", required=True)
    build = bars_sub.add_parser("build", help="train the references, write DIR/bars.json")
    build.add_argument("--out", required=True, help="folder for bars.json and the runs")
    build.add_argument("--datasets", help="comma-separated (default: the assignment's)")
    build.add_argument("--frameworks", help="comma-separated (default: the assignment's)")
    _assignment_option(build)
    _data_options(build)
    build.add_argument("--max-batches", type=int, help="cap every run; grade must use the same")
    build.add_argument("--time-limit", type=float, help="wall-time limit per run, seconds")
    build.add_argument(
        "--jobs", type=int, help="runs at once (default: 1, each reference timed alone)"
    )
    build.set_defaults(target="harness.grading.bars_build:bars_build_command")


def _add_gradescope(sub) -> None:
    gradescope = sub.add_parser("gradescope", help="Gradescope's autograder")
    gs_sub = gradescope.add_subparsers(dest="gradescope_command", required=True)
    build = gs_sub.add_parser("build", help="write the autograder zip Gradescope expects")
    build.add_argument("--out", default="autograder.zip", help="default: autograder.zip")
    build.add_argument("--datasets", help="comma-separated (default: the assignment's)")
    build.add_argument("--frameworks", help="comma-separated (default: the assignment's)")
    build.add_argument("--max-batches", type=int, help="cap every run (default: none)")
    _assignment_option(build)
    build.set_defaults(target="harness.gradescope.bundle:build_command")
    run = gs_sub.add_parser("run", help="grade one upload (what run_autograder calls)")
    run.add_argument("--root", default="/autograder", help="Gradescope's root folder")
    run.set_defaults(target="harness.gradescope.autograder:run_command")


def _resolutions_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--resolutions",
        metavar="FILE",
        help="staff resolutions of review items (TOML, docs/review.md); default: the "
        "assignment's [review] resolutions",
    )


def _add_similarity(sub) -> None:
    similar = sub.add_parser(
        "similarity", help="staff only, after the deadline: pairs of alike submissions"
    )
    similar.add_argument("paths", nargs="*", help="the graded submissions (default: submissions/)")
    similar.add_argument("--out", default="grades", help="the grading's folder (results.json)")
    _assignment_option(similar)
    similar.add_argument(
        "--before-deadline",
        action="store_true",
        help="run although the assignment's deadline has not passed",
    )
    similar.set_defaults(target="harness.similarity.command:similarity_command")


def _explain_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--against",
        default="reference",
        help="the network changes are counted from: reference (default), starter "
        "(submissions/template) or a previous submission's index.py",
    )
    parser.add_argument(
        "--explain-budget",
        type=int,
        help="most explaining runs per student run (networks x seeds), at least 4; fewer "
        "seeds, then no pairs, then fewer changes alone, when over it",
    )


def _add_explain(sub) -> None:
    explain = sub.add_parser(
        "explain", help="which change did what: each change's effect, with 95%% intervals"
    )
    explain.add_argument("paths", nargs="+", help="submission folders or index.py/.js files")
    explain.add_argument("--datasets", help="comma-separated (default: the assignment's)")
    explain.add_argument("--frameworks", help="comma-separated, for Model Builder submissions")
    explain.add_argument("--out", default="explained", help="output folder (default: explained)")
    _assignment_option(explain)
    _data_options(explain)
    explain.add_argument("--max-batches", type=int, help="cap every run, references too")
    explain.add_argument("--time-limit", type=float, help="wall-time limit per run, seconds")
    explain.add_argument("--jobs", type=int, help="runs at once (default: as grade)")
    explain.add_argument("--cluster", metavar="ADDRESS", help="run on a Ray cluster, as grade")
    explain.add_argument("--allow-unisolated", action="store_true", help="as grade")
    explain.add_argument(
        "--bars", metavar="DIR", help="the references stored by `bars build` in DIR, as grade"
    )
    _explain_options(explain)
    explain.set_defaults(target="harness.grading.explain.command:explain_command")


def _add_report(sub) -> None:
    report = sub.add_parser("report", help="rebuild the reports from OUT/results.json")
    report.add_argument("--out", default="grades", help="folder holding results.json")
    _resolutions_option(report)
    report.add_argument(
        "--assignment",
        help="assignment.toml whose [deadline], [visibility] and [leaderboard] apply "
        "(default: the one the runs were graded under)",
    )
    report.add_argument(
        "--submitted-at",
        metavar="SOURCE",
        help="submission times: a CSV (student,submitted_at), git:FOLDER (last commit "
        "touching FOLDER/<student>) or gradescope:FILE (submission_metadata.json); "
        "default: [deadline] submitted_at",
    )
    report.add_argument(
        "--extensions", help="staff CSV of extensions (default: [deadline] extensions)"
    )
    report.add_argument(
        "--as-of",
        metavar="TIME",
        help="build the student pages as at this ISO 8601 time (default: now)",
    )
    report.set_defaults(target="harness.report:report_command")


def _add_benchmark(sub) -> None:
    bench = sub.add_parser("benchmark", help="benchmark the three frameworks")
    bench.add_argument(
        "submissions",
        nargs="*",
        help="Model Builder submissions to add (frameworks suite); the class "
        "to grade (class suite; default: submissions/)",
    )
    bench.add_argument(
        "--frameworks", default=",".join(FRAMEWORKS), help="comma-separated (default: all three)"
    )
    bench.add_argument(
        "--datasets", default="fashion_mnist", help="comma-separated (default: fashion_mnist)"
    )
    bench.add_argument("--out", default="benchmark", help="output folder (default: benchmark)")
    bench.add_argument(
        "--max-batches", type=int, help="batches per round (default: 500 on a CPU, 2000 on a GPU)"
    )
    bench.add_argument("--rounds", type=int, default=3, help="rounds per run (default: 3)")
    bench.add_argument(
        "--suite",
        default="frameworks",
        choices=(
            "frameworks",
            "adapters",
            "experiments",
            "graded",
            "class",
            "cluster",
            "explain",
            "aa",
            "all",
        ),
        help="frameworks: the three frameworks on the reference networks (and "
        "submissions); adapters: each adapter against a hand-written loop; "
        "experiments: the assignment's experiments (batch size, batches, "
        "filters, field size, strides, depth) in each framework, tables "
        "and charts; graded: the fixed cost of one sandboxed graded run; "
        "class: submissions/ graded with --jobs 1 and every core "
        "(full budget unless --max-batches); "
        "cluster: --runs quick graded runs through a two-node Ray cluster "
        "on this machine against --jobs 2 (needs the cluster extra); "
        "explain: what grade --explain adds per student (--runs students, at most 4) "
        "at --jobs 1 and on a local two-node cluster; "
        "aa: the reference graded against itself with --runs seeds (at least 5; "
        "--max-batches, default 300), how often its intervals cover no difference; "
        "all: every suite but cluster, explain and aa, plus data loading",
    )
    bench.add_argument(
        "--runs",
        type=int,
        default=16,
        help="graded runs in the cluster suite (default: 16; --max-batches "
        "batches each, default 150 there)",
    )
    bench.add_argument(
        "--experiments",
        default="all",
        help="experiments suite: comma-separated experiment names (batch size, "
        "number of batches, filters, field size, strides, depth; "
        "default: all)",
    )
    bench.add_argument(
        "--accuracy-bar",
        type=float,
        help="validation accuracy to time (default: the lowest final accuracy "
        "among the frameworks' runs)",
    )
    _data_options(bench)
    bench.set_defaults(target="harness.benchmarks.command:benchmark_command")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m harness",
        description="Benchmark and auto-grading harness for the CNN assignment.",
        epilog=EXIT_STATUSES_HELP,
    )
    sub = parser.add_subparsers(dest="command", required=True)
    commands = (_add_data, _add_train, _add_check, _add_grade, _add_explain, _add_bars)
    for add in (*commands, _add_gradescope, _add_report, _add_similarity, _add_benchmark):
        add(sub)
    return parser


def _resolve(target: str):
    module_name, func_name = target.split(":")
    return getattr(importlib.import_module(module_name), func_name)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(_resolve(args.target)(args) or 0)
    except GradingFailed as exc:
        print(terminal(f"error: {exc}", keep_newlines=True), file=sys.stderr)
        return EXIT_GRADING_FAILED
    except HarnessError as exc:
        # Messages name student folders and quote their files: shown, never obeyed.
        print(terminal(f"error: {exc}", keep_newlines=True), file=sys.stderr)
        return EXIT_NOT_GRADED
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception:  # noqa: BLE001 - a harness fault must not read as students' failures (1)
        traceback.print_exc()
        print("error: the harness itself failed (traceback above)", file=sys.stderr)
        return EXIT_GRADING_FAILED
