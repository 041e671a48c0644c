"""Each change's effect, with a 95% interval from the seeds: pure functions of records.

For every seed s the networks between base and student ran on the same batches with the
same initialisation seed. A change's effect on accuracy is acc(base + change, s) -
acc(base, s), in accuracy points; on examples/sec and on the time to the reference's
accuracy bar it is a ratio, taken on the logarithm. A pair's interaction is what the pair
does beyond its two changes alone; what is left of the total (student - base) after the
changes and the pair interactions is the interaction left over.
"""

from __future__ import annotations

import math
import statistics

from harness.config import Rubric
from harness.grading.intervals import Interval, mean_interval
from harness.results.record import RunRecord


def _by_variant(records: list[RunRecord], dataset: str, framework: str) -> dict:
    """{(variant hash, seed): record} of the passed explain runs of one dataset/framework."""
    return {
        (r.variant, r.seed): r
        for r in records
        if r.variant and r.status == "passed" and (r.dataset, r.framework) == (dataset, framework)
    }


def _reference(records: list[RunRecord], dataset: str, framework: str) -> RunRecord | None:
    for r in records:
        if r.is_reference and not r.throughput_probe and not r.seed and r.status == "passed":
            if (r.dataset, r.framework) == (dataset, framework):
                return r
    return None


def _accuracy(record: RunRecord) -> float:
    """A passed run's test accuracy (the parent sets it on every passed run)."""
    if record.test_accuracy is None:
        raise ValueError(f"{record.submission}: a passed run without its test accuracy")
    return record.test_accuracy


def _rate(record: RunRecord) -> float:
    """A passed run's graded rate (the parent sets it on every passed run)."""
    rate = record.graded_rate()
    if rate is None:
        raise ValueError(f"{record.submission}: a passed run without its rate")
    return rate


def time_to_bar(record: RunRecord, bar: float) -> float | None:
    """Seconds until the validation curve first reaches ``bar`` (None: never), taking the
    run's timed seconds as spread evenly over its batches."""
    if not record.train_seconds or not record.num_batches:
        return None
    for point in record.curve:
        accuracy = point.get("validation_accuracy")
        if accuracy is not None and accuracy >= bar:
            return record.train_seconds * point["batch"] / record.num_batches
    return None


def _figures(record: RunRecord, bar: float | None) -> dict:
    return {
        "accuracy": 100 * _accuracy(record),
        "speed": math.log(_rate(record)),
        "time": None if bar is None else _log(time_to_bar(record, bar)),
    }


def _log(value: float | None) -> float | None:
    return math.log(value) if value else None


def _combine(figures: dict, signs: dict[tuple, int], seeds: list[int], name: str) -> list[float]:
    """Per seed: the sum of sign x figure over the networks in ``signs``; seeds where one
    of them lacks the figure are left out."""
    values = []
    for s in seeds:
        parts = [figures[(c, s)][name] for c in signs]
        if all(p is not None for p in parts):
            values.append(sum(sign * p for sign, p in zip(signs.values(), parts, strict=True)))
    return values


def _measure(figures: dict, signs: dict, seeds: list[int]) -> dict:
    """Intervals of one contrast: accuracy points, and ratios of speed and time to bar."""
    out: dict[str, dict | None] = {}
    for name in ("accuracy", "speed", "time"):
        values = _combine(figures, signs, seeds, name)
        if not values:
            out[name] = None
            continue
        interval = mean_interval(values)
        if name != "accuracy":
            low, high = math.exp(interval.low), math.exp(interval.high)
            interval = Interval(math.exp(interval.mean), low, high, interval.seeds)
        out[name] = interval.to_dict()
    return out


def _contrasts(count: int, present: set) -> dict[str, dict[tuple, int]]:
    """Name -> {changes subset: sign}, for each effect, pair interaction, left over, total."""
    base, full = (), tuple(range(count))
    found = {f"change {i}": {(i,): 1, base: -1} for i in range(count) if (i,) in present}
    pairs = [p for p in present if len(p) == 2 and count > 2]
    for i, j in pairs:
        found[f"pair {i} {j}"] = {(i, j): 1, (i,): -1, (j,): -1, base: 1}
    found["total"] = {full: 1, base: -1}
    # left over = total - sum of effects - sum of pair interactions, as signs per network
    left: dict[tuple, int] = {full: 1, base: -1}
    for name, signs in found.items():
        if name != "total":
            for subset, sign in signs.items():
                left[subset] = left.get(subset, 0) - sign
    if count > 1:
        found["left over"] = {k: v for k, v in left.items() if v}
    return found


def explanation(entry: dict, records: list[RunRecord], rubric: Rubric) -> dict:
    """``entry`` (planned in :mod:`harness.grading.explain.plan`) with the measured effects."""
    if entry.get("why_not"):
        return entry
    runs = _by_variant(records, entry["dataset"], entry["framework"])
    reference = _reference(records, entry["dataset"], entry["framework"])
    bar = _accuracy(reference) - rubric.accuracy_tolerance if reference else None
    keyed = {tuple(v["changes"]): v["key"] for v in entry["variants"] if v["key"]}
    seeds = [s for s in range(entry["seeds"]) if all((key, s) in runs for key in keyed.values())]
    figures = {(c, s): _figures(runs[(k, s)], bar) for c, k in keyed.items() for s in seeds}
    count = len(entry["changes"])
    measured = (
        {
            name: {
                "signs": [[list(k), v] for k, v in signs.items()],
                **_measure(figures, signs, seeds),
            }
            for name, signs in _contrasts(count, set(keyed)).items()
            if all(k in keyed for k in signs)
        }
        if seeds
        else {}
    )
    curves = {
        ",".join(map(str, c)) or "base": _mean_curve([runs[(k, s)] for s in seeds])
        for c, k in keyed.items()
    }
    missing = [v for v in entry["variants"] if v["problem"]]
    notes = list(entry.get("notes", [])) + [
        f"changes {v['changes']} together cannot be built: {v['problem']}" for v in missing
    ]
    if len(seeds) < entry["seeds"]:
        notes.append(f"{entry['seeds'] - len(seeds)} seed(s) left out: a run failed or is missing")
    direct = _direct(records, entry, reference)
    return {
        **entry,
        "seeds_used": seeds,
        "bar": bar,
        "rate_unit": "examples/CPU-s"
        if reference and reference.throughput_basis == "cpu"
        else "examples/s",
        "effects": measured,
        "curves": curves,
        "direct": direct,
        "notes": notes,
    }


def _direct(records: list[RunRecord], entry: dict, reference: RunRecord | None) -> dict:
    """The graded difference: the student's seed-0 run against the reference's."""
    for r in records:
        if (
            (r.submission, r.dataset, r.framework, r.seed)
            == (entry["student"], entry["dataset"], entry["framework"], 0)
            and r.status == "passed"
            and reference is not None
        ):
            return {
                "accuracy": 100 * (_accuracy(r) - _accuracy(reference)),
                "speed": _rate(r) / _rate(reference),
            }
    return {}


def _mean_curve(runs: list[RunRecord]) -> list[list[float]]:
    """[batch, mean validation accuracy] over the seeds' curves."""
    points: dict[int, list[float]] = {}
    for run in runs:
        for p in run.curve:
            if p.get("validation_accuracy") is not None:
                points.setdefault(p["batch"], []).append(p["validation_accuracy"])
    return [[b, statistics.fmean(v)] for b, v in sorted(points.items()) if len(v) == len(runs)]
