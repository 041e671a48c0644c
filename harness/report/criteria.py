"""Gradescope tests per criterion, each with the visibility the assignment gives it.

Each dataset's counted run becomes three tests: ``trains`` (the network builds and trains,
its learning curve on the validation split; no points), ``accuracy`` and ``throughput``
(points, measured against held-out data and the reference). A late penalty is a test of its
own with negative points, never shown before the points it is taken from. Gradescope's
rule: while a test with points is not yet visible, the student does not see the total.
"""

from __future__ import annotations

from harness.policy import utc_text
from harness.report.analysis import accuracy_ratio, throughput_ratio
from harness.report.records import ClassResults
from harness.results.record import RunRecord

ORDER = ("visible", "after_due_date", "after_published", "hidden")  # least to most hidden


def criterion_tests(results: ClassResults, record: RunRecord, runs: list[RunRecord]) -> list[dict]:
    visibility = results.semester.assignment.visibility
    share = results.semester.assignment.rubric.accuracy_share
    acc_max = round(record.max_score * share, 3)
    thr_max = round(record.max_score - acc_max, 3)
    name = f"{record.dataset} ({record.framework})"
    acc = float(record.score_breakdown.get("accuracy", 0.0) or 0.0)
    thr = float(record.score_breakdown.get("throughput", 0.0) or 0.0)
    tests = [
        _test(f"{name}: builds and trains", 0.0, 0.0, record.status == "passed",
              _trains_output(record, runs), visibility.trains),
        _test(f"{name}: accuracy (held-out test set)", acc, acc_max, acc >= acc_max > 0,
              _accuracy_output(record), visibility.accuracy),
        _test(f"{name}: throughput", thr, thr_max, thr >= thr_max > 0,
              _throughput_output(record), visibility.throughput),
    ]  # fmt: skip
    return tests + _review_test(record, acc + thr, name, visibility)


def _review_test(record: RunRecord, computed: float, name: str, visibility) -> list[dict]:
    """Staff review changed the run's points (set, or withheld until reviewed): the
    difference as a test of its own, so the tests still add up to the score."""
    change = round(record.score - computed, 3)
    if not record.score_breakdown.get("review") or not change:
        return []
    setting = strictest([visibility.accuracy, visibility.throughput])
    why = str(record.score_breakdown["review"])
    return [_test(f"{name}: staff review", change, 0.0, change >= 0, why, setting)]


def _test(name, score, max_score, passed, output, visibility) -> dict:
    return {
        "name": name,
        "score": round(score, 3),
        "max_score": round(max_score, 3),
        "status": "passed" if passed else "failed",
        "output": output,
        "visibility": visibility,
    }


def _trains_output(record: RunRecord, runs: list[RunRecord]) -> str:
    lines = [f"Run {record.status}" + (f": {record.reason}" if record.reason else "")]
    if record.num_batches is not None:
        lines.append(f"trained {record.num_batches} batches of {record.batch_size} examples")
    curve = [p for p in record.curve if p.get("validation_accuracy") is not None]
    if curve:
        last = curve[-1]
        lines.append(
            f"validation accuracy {last['validation_accuracy']:.4f} at batch {last['batch']} "
            f"({len(curve)} curve points)"
        )
    others = [r for r in runs if r.dataset == record.dataset and r is not record]
    lines += [f"also ran in {r.framework}: {r.status} (not counted)" for r in others]
    return "\n".join(lines)


def _accuracy_output(record: RunRecord) -> str:
    if record.test_accuracy is None:
        return f"no test accuracy: run {record.status}"
    ratio = accuracy_ratio(record)
    versus = "" if ratio is None else f" ({ratio:.2f}x the reference)"
    return f"test accuracy {record.test_accuracy:.4f}{versus}"


def _throughput_output(record: RunRecord) -> str:
    if record.examples_per_sec is None:
        return f"no throughput: run {record.status}"
    ratio = throughput_ratio(record)
    versus = "" if ratio is None else f" ({ratio:.2f}x the reference)"
    per_cpu = record.throughput_basis == "cpu" and record.examples_per_cpu_sec
    graded = f"{record.examples_per_cpu_sec:,.0f} examples per CPU-second, " if per_cpu else ""
    return f"{graded}{record.examples_per_sec:,.0f} examples/sec{versus}"


def strictest(settings: list[str]) -> str:
    return max(settings, key=ORDER.index) if settings else "visible"


def penalty_test(results: ClassResults, student: str) -> list[dict]:
    """The late penalty as its own test (negative points), as hidden as the points."""
    semester = results.semester
    late = semester.lateness_of(student)
    if not late.why:
        return []
    taken = late.penalty_points(results.total_of(student))
    visibility = semester.assignment.visibility
    setting = strictest([visibility.accuracy, visibility.throughput])
    return [
        {
            "name": "Late penalty",
            "score": -taken,
            "max_score": 0.0,
            "status": "failed" if taken else "passed",
            "output": f"{late.why}: {late.percent:g}% of the points earned",
            "visibility": setting,
        }
    ]


def hidden_note(results: ClassResults, student: str) -> list[str]:
    """What is not shown yet and until when, in Gradescope's terms (the platform decides)."""
    visibility = results.semester.assignment.visibility
    due = results.semester.release_of(student)
    when = {
        "after_due_date": "after the due date"
        + (f" ({utc_text(due)}, late window included)" if due else ""),
        "after_published": "once the staff publish the grades",
        "hidden": "never (staff only)",
    }
    lines = [
        f"{criterion} results are shown {when[visibility.of(criterion)]}."
        for criterion in ("trains", "accuracy", "throughput")
        if visibility.of(criterion) != "visible"
    ]
    if lines:
        lines.append("Until then the points you see are not your grade.")
    return lines
