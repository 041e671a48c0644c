"""``python -m harness explain PATH``: grade PATH with ``--explain`` and print, per run,
each change's effect in words (the same lines as the student page)."""

from __future__ import annotations

from pathlib import Path

from harness.grading.command import grade_command
from harness.report.explanation import explanation_lines, load_explanations
from harness.sinks import terminal


def explanation_text(entries: list[dict]) -> str:
    """What ``explain`` prints for the entries of ``OUT/explanations.json``."""

    lines = []
    for entry in entries:
        who = f"{entry['student']} {entry['dataset']}/{entry['framework']}"
        lines.append(f"\n{terminal(who)}:")
        if entry.get("why_not"):
            lines.append(f"  no explanation: {terminal(entry['why_not'])}")
            continue
        lines.append(f"  against {terminal(entry['against'])}, seeds {entry.get('seeds_used')}")
        lines += [f"  {terminal(line)}" for line in explanation_lines(entry)]
        lines += [f"  note: {terminal(note)}" for note in entry.get("notes", [])]
    return "\n".join(lines)


def explain_command(args) -> int:
    args.explain = True
    args.select = None
    args.runs_per_gpu = getattr(args, "runs_per_gpu", None) or 4
    code = grade_command(args)

    print(explanation_text(load_explanations(Path(args.out))))
    print(f"\npages: {Path(args.out).resolve() / 'students'}/")
    return code
