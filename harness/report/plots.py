"""PNG charts with matplotlib's object API (no pyplot: no global state, no GUI backend).

matplotlib comes with the ``report`` extra and is imported only when a chart is drawn.
"""

from __future__ import annotations

from pathlib import Path

from harness.report.analysis import class_name
from harness.results.record import RunRecord


def available() -> bool:
    """Whether matplotlib is installed (the ``report`` extra); reports skip charts without it."""
    import importlib.util

    return importlib.util.find_spec("matplotlib") is not None


def _figure(width: float, height: float, columns: int = 1):
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=100, layout="constrained")
    return figure, figure.subplots(1, columns, squeeze=False)[0]


def _series(curve: list[dict], key: str) -> tuple[list, list]:
    points = [(p["batch"], p[key]) for p in curve if p.get(key) is not None]
    return [b for b, _ in points], [v for _, v in points]


def learning_curves(record: RunRecord, reference: RunRecord | None, path: Path) -> Path | None:
    """Loss and validation accuracy against batches, the reference's dashed on the same axes."""
    if not record.curve:
        return None
    figure, (loss_ax, acc_ax) = _figure(10, 3.6, columns=2)
    runs = [(record, f"{record.submission}", "-")]
    if reference is not None and reference.curve:
        runs.append((reference, reference.submission, "--"))
    for run, label, style in runs:
        loss_ax.plot(*_series(run.curve, "loss"), style, marker=".", label=label)
        acc_ax.plot(*_series(run.curve, "validation_accuracy"), style, marker=".", label=label)
    loss_ax.set(
        title="training loss (as the run reported it)", xlabel="batches", ylabel="cross-entropy"
    )
    acc_ax.set(title="validation accuracy", xlabel="batches", ylabel="accuracy")
    for ax in (loss_ax, acc_ax):
        ax.grid(alpha=0.3)
        ax.legend(fontsize="small")
    figure.suptitle(f"{record.dataset} · {record.framework}")
    figure.savefig(path)
    return Path(path)


def confusion_matrix(record: RunRecord, path: Path) -> Path | None:
    """The test-set confusion matrix (rows: true class, columns: predicted), counts written in."""
    matrix = record.confusion
    if not matrix:
        return None
    size = len(matrix)
    names = [class_name(record.class_names, i) for i in range(size)]
    figure, (ax,) = _figure(7, 6)
    shown = ax.imshow(matrix, cmap="Blues")
    figure.colorbar(shown, ax=ax, shrink=0.8)
    ax.set_xticks(range(size), names, rotation=45, ha="right")
    ax.set_yticks(range(size), names)
    ax.set(xlabel="predicted", ylabel="true", title=f"{record.dataset} · {record.framework}")
    _write_counts(ax, matrix)
    figure.savefig(path)
    return Path(path)


def _write_counts(ax, matrix: list[list[int]]) -> None:
    if len(matrix) > 12:  # too crowded to read; the colours carry it
        return
    peak = max((max(row) for row in matrix), default=0) or 1
    for i, row in enumerate(matrix):
        for j, count in enumerate(row):
            colour = "white" if count > peak / 2 else "black"
            ax.text(j, i, str(count), ha="center", va="center", fontsize=7, color=colour)
