"""What ``harness check`` reports: the children's findings merged per submission, and text.

A report is a plain dict (it is also the ``--json`` output): ``path``, ``student_id``,
``form`` (``"layers"``, ``"code"`` or None when the file could not be loaded),
``frameworks`` checked, ``hyperparameters``, ``inputs`` (one per input shape: shape,
datasets, ``param_count``, ``macs`` per example or ``"n/a"`` for the code form,
``output_shape`` per example, ``layers`` table for the Model Builder form and ``builds``
per framework), ``provenance`` (an index.js: each layer's source line, notes), ``problems``
and ``accepted``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from tabulate import tabulate


def _display(path: str) -> str:
    """The path relative to the working directory when it lies below it."""
    relative = os.path.relpath(path)
    return path if relative.startswith("..") else relative


def _shape(shape) -> str:
    return "x".join(map(str, shape))


def _input_entry(report: dict, entry: dict) -> dict:
    for known in report["inputs"]:
        if known["input_shape"] == entry["input_shape"]:
            return known
    spec = entry.get("spec") or {}
    known = {
        "input_shape": entry["input_shape"],
        "datasets": entry["datasets"],
        "num_classes": entry["num_classes"],
        "param_count": spec.get("param_count"),
        "macs": spec.get("macs", "n/a"),
        "output_shape": spec.get("output_shape"),
        "layers": spec.get("layers"),
        "builds": {},
    }
    report["inputs"].append(known)
    return known


def _add(problems: list[str], problem: str) -> None:
    if problem not in problems:
        problems.append(problem)


def merge(path: str, early: list[str] | None, results: list[dict]) -> dict:
    """One submission's report from the problems found before any child and each child's
    result (one per framework)."""
    report: dict[str, Any] = {
        "path": path,
        "student_id": Path(path).parent.name,
        "form": None,
        "frameworks": [],
        "hyperparameters": None,
        "inputs": [],
        "provenance": None,
        "problems": list(early or []),
    }
    for result in results:
        framework = result["framework"]
        report["frameworks"].append(framework)
        if result.get("form"):
            report.update(
                form=result["form"],
                hyperparameters=result["hyperparameters"],
                num_layers=result["num_layers"],
                provenance=result.get("provenance"),
            )
        for problem in result["problems"]:
            _add(report["problems"], problem)
        for entry in result["inputs"]:
            known = _input_entry(report, entry)
            if "build" in entry:
                known["builds"][framework] = entry["build"]
                if known["param_count"] is None:  # code form: the framework counts
                    known["param_count"] = entry["build"]["param_count"]
                    known["output_shape"] = entry["build"]["output_shape"][1:]
            for problem in entry["problems"]:
                _add(
                    report["problems"],
                    f"{framework}, input {_shape(entry['input_shape'])}: {problem}",
                )
    built = all(len(i["builds"]) == len(report["frameworks"]) for i in report["inputs"])
    report["accepted"] = not report["problems"] and bool(report["inputs"]) and built
    return report


def _layer_rows(layers: list[dict], sources: list[dict]) -> list[list]:
    rows = [
        [
            row["index"],
            row["layer"],
            row["settings"],
            _shape(row["output_shape"]),
            f"{row['params']:,}",
            f"{row['macs']:,}",
        ]
        for row in layers
    ]
    if sources:  # an index.js: the line that made each layer (> lines inside helpers)
        rows = [row + [f"{s['where']} {s['call']}"] for row, s in zip(rows, sources, strict=False)]
    return rows


def _input_lines(entry: dict, sources: list[dict]) -> list[str]:
    macs = entry["macs"]
    macs = (
        f"{macs:,} MACs per example"
        if isinstance(macs, int)
        else "MACs per example: n/a (counted for Model Builder layers only)"
    )
    params = entry["param_count"]
    lines = [
        f"  input {_shape(entry['input_shape'])} ({', '.join(entry['datasets'])}), "
        f"{entry['num_classes']} classes"
    ]
    if entry["layers"]:
        headers = ["#", "layer", "settings", "output", "params", "MACs"]
        table = tabulate(
            _layer_rows(entry["layers"], sources),
            tablefmt="plain",
            colalign=("right", "left", "left", "right", "right", "right", "left"),
            headers=headers + (["index.js line"] if sources else []),
        )
        lines += ["    " + line for line in table.splitlines()]
    if params is not None:
        lines.append(
            f"    total: {params:,} parameters, {macs}, output "
            f"{_shape(entry['output_shape'] or ['?'])}"
        )
    for framework, build in entry["builds"].items():
        lines.append(
            f"    {framework:<10}  {build['param_count']:>9,} params  output "
            f"{tuple(build['output_shape'])}  loss {build['loss']:.3f}  "
            f"gradients {'finite' if build['grad_finite'] else 'NOT finite'}  "
            f"({build['seconds']:.1f} s)"
        )
    return lines


def _head(report: dict) -> list[str]:
    form = {
        "layers": f"Model Builder form ({report.get('num_layers')} layers)",
        "code": "code form",
    }.get(report["form"], "could not be loaded")
    if report.get("provenance"):
        form = (
            f"JavaScript ({report['provenance']['dialect']}), recorded as "
            f"{report.get('num_layers')} Model Builder layers"
        )
    checked = ", ".join(report["frameworks"]) or "-"
    lines = [f"{_display(report['path'])}: {form}, checked in {checked}"]
    if report["hyperparameters"]:
        lines.append(
            "  hyperparameters: "
            + ", ".join(f"{k}={v}" for k, v in report["hyperparameters"].items())
        )
    return lines


def render_one(report: dict) -> str:
    lines = _head(report)
    provenance = report.get("provenance") or {}
    for entry in report["inputs"]:
        lines += _input_lines(entry, provenance.get("layer_sources") or [])
    lines += [f"  note: {note}" for note in provenance.get("notes", [])]
    if report["accepted"]:
        lines.append("  ACCEPTED: this submission would be accepted for grading")
    else:
        lines.append(
            f"  NOT ACCEPTED: {len(report['problems'])} problem(s) in {_display(report['path'])}:"
        )
        lines += [f"    - {problem}" for problem in report["problems"]]
    return "\n".join(lines)


def render(reports: list[dict]) -> str:
    """The human-readable output of ``harness check`` for one or more submissions."""
    text = "\n\n".join(render_one(report) for report in reports)
    if len(reports) > 1:
        accepted = sum(report["accepted"] for report in reports)
        text += f"\n\n{accepted} of {len(reports)} submissions would be accepted"
    return text
