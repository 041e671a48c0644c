"""``benchmark.png``: examples/sec per framework (median, bars from min to max of the rounds)."""

from __future__ import annotations

from pathlib import Path


def _panels(result: dict) -> list[tuple[str, list[str], list[dict]]]:
    """(title, bar labels, summaries) for each chart panel."""
    panels = []
    if result.get("adapters"):
        labels, summaries = [], []
        for row in result["adapters"]:
            labels += [f"{row['framework']}\nadapter", f"{row['framework']}\nhand loop"]
            summaries += [row["adapter"], row["handwritten"]]
        panels.append(("adapter vs hand-written loop", labels, summaries))
    for table in result.get("frameworks", []):
        panels.append(
            (
                f"{table['model']} on {table['dataset']}",
                [r["framework"] for r in table["rows"]],
                [r["examples_per_sec"] for r in table["rows"]],
            )
        )
    return panels


def write_chart(path: Path, result: dict) -> bool:
    """Draw the chart; False (nothing written) when matplotlib is missing or nothing ran."""
    try:
        import matplotlib
    except ImportError:
        return False
    matplotlib.use("Agg")  # files only, no display
    import matplotlib.pyplot as plt

    panels = [p for p in _panels(result) if any(s["median"] for s in p[2])]
    if not panels:
        return False
    width = sum(max(4.5, 1.1 * len(labels)) for _title, labels, _s in panels)
    fig, axes = plt.subplots(1, len(panels), figsize=(width, 4), squeeze=False)
    for ax, (title, labels, summaries) in zip(axes[0], panels, strict=True):
        medians = [s["median"] or 0.0 for s in summaries]
        low = [m - (s["min"] or m) for m, s in zip(medians, summaries, strict=True)]
        high = [(s["max"] or m) - m for m, s in zip(medians, summaries, strict=True)]
        ax.bar(range(len(labels)), medians, yerr=[low, high], capsize=4, color="#4878a8")
        ax.set_xticks(range(len(labels)), labels, fontsize=8)
        ax.set_title(title, fontsize=10)
        ax.set_ylabel("examples/sec (steady state)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def _experiment_lines(table: dict) -> dict[str, list[tuple[float, dict]]]:
    """framework -> [(x, examples/sec summary)] sorted by x, for one charted experiment."""
    lines: dict[str, list[tuple[float, dict]]] = {}
    for row in table["rows"]:
        if row["x"] is not None and row["examples_per_sec"]["median"]:
            lines.setdefault(row["framework"], []).append((row["x"], row["examples_per_sec"]))
    return {fw: sorted(points, key=lambda p: p[0]) for fw, points in lines.items()}


def write_experiment_chart(path: Path, tables: list[dict]) -> bool:
    """examples/sec against each charted experiment's axis (log-log), a line per framework.

    Where a line flattens, the framework's per-step overhead has stopped mattering and the
    arithmetic dominates; the bars span the rounds' minimum to maximum.
    """
    try:
        import matplotlib
    except ImportError:
        return False
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    charted = [(t, _experiment_lines(t)) for t in tables if t["chart"]]
    charted = [(t, lines) for t, lines in charted if lines]
    if not charted:
        return False
    fig, axes = plt.subplots(1, len(charted), figsize=(5.5 * len(charted), 4), squeeze=False)
    for ax, (table, lines) in zip(axes[0], charted, strict=True):
        for framework, points in lines.items():
            xs = [x for x, _s in points]
            medians = [s["median"] for _x, s in points]
            low = [m - (s["min"] or m) for m, (_x, s) in zip(medians, points, strict=True)]
            high = [(s["max"] or m) - m for m, (_x, s) in zip(medians, points, strict=True)]
            ax.errorbar(xs, medians, yerr=[low, high], marker="o", capsize=3, label=framework)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.minorticks_off()  # the variants' values label the axis, nothing between
        ax.set_xticks(
            [x for x, _s in next(iter(lines.values()))],
            [f"{x:g}" for x, _s in next(iter(lines.values()))],
        )
        ax.set_xlabel(table["axis"])
        ax.set_ylabel("examples/sec (steady state)")
        ax.set_title(f"examples/sec against {table['axis']}", fontsize=10)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True
