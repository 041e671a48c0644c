"""Markdown tables (tabulate) of the benchmark results; pure functions of the result dicts."""

from __future__ import annotations

from tabulate import tabulate

from harness.benchmarks.stats import ADAPTER_TARGET


def rate(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.0f}"


def seconds(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def share(value: float | None, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def spread(summary: dict, fmt=rate) -> str:
    """``min-max (±p%)``: the range of the rounds and half of it relative to the median."""
    if summary["median"] is None:
        return "n/a"
    relative = "" if summary["spread"] is None else f" (±{summary['spread'] * 50:.0f}%)"
    return f"{fmt(summary['min'])}-{fmt(summary['max'])}{relative}"


ADAPTER_HEADERS = (
    "framework",
    "adapter ex/s (median)",
    "adapter range",
    "hand loop ex/s",
    "hand loop range",
    "ratio of medians",
    "per-round ratios",
    "median per-round",
    f"≥ {ADAPTER_TARGET}",
)


def adapter_table(rows: list[dict]) -> str:
    body = [
        [
            r["framework"],
            rate(r["adapter"]["median"]),
            spread(r["adapter"]),
            rate(r["handwritten"]["median"]),
            spread(r["handwritten"]),
            share(r["ratio"], 2),
            " ".join(f"{x:.2f}" for x in r["paired_ratios"]) or "n/a",
            share(r["paired_median"], 2),
            "yes" if r["meets_target"] else "NO",
        ]
        for r in rows
    ]
    return tabulate(body, headers=ADAPTER_HEADERS, tablefmt="github", disable_numparse=True)


FRAMEWORK_HEADERS = (
    "framework",
    "params",
    "ex/s (median)",
    "ex/s range",
    "warm-up s",
    "s to bar",
    "reached bar",
    "test accuracy",
    "ratio to fastest",
)


def framework_table(table: dict) -> str:
    body = []
    for r in table["rows"]:
        runs = r["examples_per_sec"]["rounds"]
        body.append(
            [
                r["framework"],
                r["param_count"] or "n/a",
                rate(r["examples_per_sec"]["median"]),
                spread(r["examples_per_sec"]),
                seconds(r["warmup_seconds"]["median"]),
                seconds(r["seconds_to_bar"]["median"]),
                f"{r['reached_bar']}/{runs}",
                share(r["test_accuracy"]["median"], 4),
                share(r["ratio_to_fastest"], 2),
            ]
        )
    return tabulate(body, headers=FRAMEWORK_HEADERS, tablefmt="github", disable_numparse=True)


def framework_title(table: dict) -> str:
    bar = table["accuracy_bar"]
    return (
        f"{table['model']} on {table['dataset']} (accuracy bar "
        f"{share(bar, 4)}: {table['accuracy_bar_rule']})"
    )


def machine_table(machine: dict) -> str:
    rows = [
        [
            "host",
            machine["host"].get("cpu"),
            machine["host"].get("cpu_count"),
            machine["host"].get("python"),
        ]
    ]
    for framework, info in machine["frameworks"].items():
        rows.append(
            [
                framework,
                f"{info.get('kind')}: {info.get('name')}",
                info.get("driver") or "",
                info.get("framework_version"),
            ]
        )
    return tabulate(
        rows,
        headers=("", "device", "cores / driver", "version"),
        tablefmt="github",
        disable_numparse=True,
    )


def errors_section(errors: list[str]) -> str:
    if not errors:
        return ""
    lines = "\n".join(f"- {e.splitlines()[-1] if e.strip() else e}"[:300] for e in errors)
    return f"\n### Failed runs\n{lines}\n"


EXPERIMENT_HEADERS = (
    "variant",
    "framework",
    "device",
    "batch",
    "batches",
    "params",
    "ex/s (median)",
    "ex/s range",
    "ratio to fastest",
    "test accuracy",
    "s to bar",
    "reached bar",
)


def experiment_table(table: dict) -> str:
    """A row per (variant, framework): throughput with its spread, accuracy, time to the bar."""
    body = [
        [
            r["variant"],
            r["framework"],
            f"{r['device_kind']}: {r['device']}",
            r["batch_size"] or "n/a",
            r["num_batches"] or "n/a",
            r["param_count"] or "n/a",
            rate(r["examples_per_sec"]["median"]),
            spread(r["examples_per_sec"]),
            share(r["ratio_to_fastest"], 2),
            share(r["test_accuracy"]["median"], 4),
            seconds(r["seconds_to_bar"]["median"]),
            f"{r['reached_bar']}/{r['rounds']}",
        ]
        for r in table["rows"]
    ]
    return tabulate(body, headers=EXPERIMENT_HEADERS, tablefmt="github", disable_numparse=True)


def experiment_title(table: dict) -> str:
    return (
        f"{table['experiment']} ({table['axis']}; reference's bar "
        f"{share(table['accuracy_bar'], 4)}: the lowest final validation accuracy of "
        f"`original` at batch 64 across the frameworks)"
    )
