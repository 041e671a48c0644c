"""The explanation on a student's page: each change's effect in words, a waterfall chart of
the accuracy from the base to the student's network, and every network's learning curve.

Reads ``OUT/explanations.json`` (written by grading, :mod:`harness.grading.explain.plan`):
plain figures and texts the parent built from normalised layer settings.
"""

from __future__ import annotations

import json
from pathlib import Path

from harness.policy import POINT_CRITERIA
from harness.report import plots
from harness.report.document import Block
from harness.report.visible import ACCURACY, THROUGHPUT, Figure

SIGNIFICANT = "significant"


def load_explanations(out_dir: Path) -> list[dict]:
    path = Path(out_dir) / "explanations.json"
    try:
        entries = json.loads(path.read_text())
    except (OSError, ValueError):
        return []
    return [e for e in entries if isinstance(e, dict)] if isinstance(entries, list) else []


def _points(interval: dict | None) -> str:
    if not interval:
        return "accuracy not measured"
    text = f"{interval['mean']:+.1f} accuracy points"
    if interval["seeds"] < 2:
        return text + " (one seed, no interval)"
    return text + f" [{interval['low']:+.1f}, {interval['high']:+.1f}]"


def _percent(interval: dict | None, what: str) -> str:
    if not interval:
        return f"{what}: not measured"

    def pct(v):
        return f"{100 * (v - 1):+.0f}"

    text = f"{pct(interval['mean'])}% {what}"
    if interval["seeds"] < 2:
        return text + " (one seed, no interval)"
    return text + f" [{pct(interval['low'])}, {pct(interval['high'])}]"


def _significant(measure: dict) -> bool:
    acc = measure.get("accuracy")
    return bool(acc and acc["seeds"] >= 2 and not acc["low"] <= 0 <= acc["high"])


def effect_line(label: str, measure: dict, unit: str = "examples/s") -> str:
    """ "pool stride 2 -> 1 ...: -31.2 accuracy points [-33.0, -29.5], -54% examples/s ...";
    an accuracy interval that holds zero ends with "not significant"."""
    parts = [
        _points(measure.get("accuracy")),
        _percent(measure.get("speed"), unit),
        _percent(measure.get("time"), "time to the accuracy bar")
        if measure.get("time")
        else "time to the accuracy bar: not reached by every seed",
    ]
    tail = "" if _significant(measure) else "; accuracy not significant"
    return f"{label}: {', '.join(parts)}{tail}"


def _label(name: str, entry: dict) -> str:
    changes = entry["changes"]
    if name.startswith("change "):
        return changes[int(name.split()[1])]["text"]
    if name.startswith("pair "):
        i, j = map(int, name.split()[1:])
        return f"interaction of ({changes[i]['text']}) with ({changes[j]['text']})"
    if name == "left over":
        return "interaction left over"
    return f"all changes together (the total against {entry['against']})"


def explanation_lines(entry: dict) -> list[str]:
    effects = entry.get("effects") or {}
    order = sorted(effects, key=lambda n: (n == "total", n == "left over", n))
    if len(entry["changes"]) == 1:  # the one change's effect is the total
        order = [n for n in order if n != "total"]
    unit = entry.get("rate_unit", "examples/s")
    lines = [effect_line(_label(name, entry), effects[name], unit) for name in order]
    direct = entry.get("direct") or {}
    if direct:
        lines.append(
            f"graded difference (your seed-0 run against the reference's): "
            f"{direct['accuracy']:+.1f} accuracy points, "
            f"{100 * (direct['speed'] - 1):+.0f}% {unit}"
        )
    return lines


def explanation_blocks(entry: dict, chart_dir: Path) -> list[Block]:
    title = f"What each change did ({entry['dataset']} · {entry['framework']})"
    blocks = [Block("heading", title, level=3)]
    if entry.get("why_not"):
        return blocks + [Block("notes", items=[f"No explanation: {entry['why_not']}."])]
    seeds = len(entry.get("seeds_used", []))
    blocks.append(
        Block(
            "text",
            f"Against {entry['against']}: each change made alone (and in pairs), trained on "
            f"the same batches with the same {seeds} seed(s); 95% intervals from the seeds. "
            "The accuracy bar is the reference's test accuracy minus the rubric's tolerance "
            "(read on the validation curve).",
        )
    )
    blocks.append(Block("bullets", items=explanation_lines(entry) or ["no network ran"]))
    if entry.get("notes"):
        blocks.append(Block("notes", items=entry["notes"]))

    if plots.available() and entry.get("effects"):
        stem = f"explain-{entry['dataset']}-{entry['framework']}"
        chart_dir.mkdir(parents=True, exist_ok=True)
        for path, alt in (
            (
                waterfall(entry, chart_dir / f"{stem}-waterfall.png"),
                "waterfall of accuracy effects",
            ),
            (
                variant_curves(entry, chart_dir / f"{stem}-curves.png"),
                "learning curves of each network",
            ),
        ):
            if path:
                blocks.append(
                    Block("image", alt, path=path, href=f"{path.parent.name}/{path.name}")
                )
    return blocks


def _waterfall_steps(entry: dict) -> list[tuple[str, str, dict]]:
    """(label, name, measure) of each bar: changes numbered 1.., pairs "1 x 2"."""
    effects, changes = entry["effects"], entry["changes"]
    steps = []
    for name in sorted(effects):
        if name.startswith("change "):
            i = int(name.split()[1])
            steps.append((f"{i + 1}. {_short(changes[i]['text'], 40)}", name, effects[name]))
        elif name.startswith("pair "):
            i, j = map(int, name.split()[1:])
            steps.append((f"interaction {i + 1} x {j + 1}", name, effects[name]))
    if "left over" in effects:
        steps.append(("interaction left over", "left over", effects["left over"]))
    return steps


def _bar(ax, row: int, left: float, interval: dict, colour: str) -> None:
    mean = interval["mean"]
    ax.barh(row, mean, left=left, color=colour)
    spread = [[mean - interval["low"]], [interval["high"] - mean]]
    ax.errorbar(left + mean, row, xerr=spread, fmt="none", ecolor="black", capsize=3)


def waterfall(entry: dict, path: Path) -> Path | None:
    """Bars from the base's accuracy (0) through each change to the student's network."""
    from matplotlib.figure import Figure

    steps = [(label, m["accuracy"]) for label, _, m in _waterfall_steps(entry) if m.get("accuracy")]
    total = entry["effects"].get("total", {}).get("accuracy")
    if not steps or not total:
        return None
    figure = Figure(figsize=(9, 0.55 * len(steps) + 2.0), dpi=100, layout="constrained")
    ax = figure.subplots()
    level = 0.0
    for row, (_, acc) in enumerate(steps):
        _bar(ax, row, level, acc, "tab:green" if acc["mean"] >= 0 else "tab:red")
        level += acc["mean"]
    _bar(ax, len(steps), 0.0, total, "tab:blue")
    ax.set_yticks(range(len(steps) + 1), [label for label, _ in steps] + ["total"])
    ax.invert_yaxis()
    ax.axvline(0, color="grey", linewidth=0.8)
    ax.set_xlabel(f"test accuracy points against {entry['against']}, 95% intervals from seeds")
    figure.savefig(path)
    return path


def _short(text: str, limit: int = 48) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def variant_curves(entry: dict, path: Path) -> Path | None:
    from matplotlib.figure import Figure

    curves = entry.get("curves") or {}
    if not curves:
        return None
    figure = Figure(figsize=(8, 4), dpi=100, layout="constrained")
    ax = figure.subplots()
    for name, points in curves.items():
        if points:
            label = (
                "base"
                if name == "base"
                else "+ changes " + ",".join(str(int(i) + 1) for i in name.split(","))
            )
            ax.plot([p[0] for p in points], [p[1] for p in points], label=label)
    if entry.get("bar") is not None:
        ax.axhline(entry["bar"], color="grey", linestyle="--", linewidth=0.8, label="accuracy bar")
    ax.set_xlabel("batch")
    ax.set_ylabel("validation accuracy (mean of seeds)")
    ax.legend(fontsize=8)
    figure.savefig(path)
    return path


def interval_figures(interval: dict) -> list[Figure]:
    """A student run's intervals against the reference's seeds and the rubric's decision,
    in words: one line per criterion, so that a hidden criterion hides only its own."""
    if not interval.get("measured"):
        return [Figure("Interval: none (the reference ran with one seed)", ACCURACY)]
    acc, seeds = interval["accuracy_difference"], len(interval["seeds"])
    figures = [
        Figure(
            f"Accuracy vs reference: {100 * acc['mean']:+.1f} points "
            f"[{100 * acc['low']:+.1f}, {100 * acc['high']:+.1f}] (95%; {seeds} seed(s) of "
            f"yours, {len(interval['reference_seeds'])} of the reference's give the spread)",
            ACCURACY,
        )
    ]
    thr = interval.get("throughput_ratio")
    if thr:
        figures.append(
            Figure(
                f"Throughput: {thr['mean']:.2f}x the reference "
                f"[{thr['low']:.2f}, {thr['high']:.2f}] (95%)",
                THROUGHPUT,
            )
        )
    decision = (
        "clear of its boundaries"
        if interval["clear"]
        else f"still within the noise of a boundary after {seeds} seed(s): the seed budget ended"
    )
    return figures + [Figure(f"Rubric decision: {decision}", POINT_CRITERIA)]
