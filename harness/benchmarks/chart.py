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
        panels.append((f"{table['model']} on {table['dataset']}",
                       [r["framework"] for r in table["rows"]],
                       [r["examples_per_sec"] for r in table["rows"]]))
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
