"""``python -m harness explain PATH``: grade PATH with ``--explain`` and print, per run,
each change's effect in words (the same lines as the student page)."""

from __future__ import annotations

from pathlib import Path

from harness.grading.command import grade_command


def explain_command(args) -> int:
    args.explain = True
    args.select = None
    args.runs_per_gpu = getattr(args, "runs_per_gpu", None) or 4
    code = grade_command(args)
    from harness.report.explanation import explanation_lines, load_explanations

    for entry in load_explanations(Path(args.out)):
        print(f"\n{entry['student']} {entry['dataset']}/{entry['framework']}:")
        if entry.get("why_not"):
            print(f"  no explanation: {entry['why_not']}")
            continue
        print(f"  against {entry['against']}, seeds {entry.get('seeds_used')}")
        for line in explanation_lines(entry):
            print(f"  {line}")
        for note in entry.get("notes", []):
            print(f"  note: {note}")
    print(f"\npages: {Path(args.out).resolve() / 'students'}/")
    return code
