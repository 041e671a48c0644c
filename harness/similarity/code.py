"""Shared code lines of code-form ``index.py`` and ``index.js`` files, the starter's left out.

Lines are compared after stripping spaces and comments and dropping blank lines; a
line of the starter, or one that a large share of the class writes, says nothing about a
pair and is left out. A pair counts when it shares at least ``MIN_SHARED`` such lines and
they are at least ``MIN_SHARE`` of the shorter file's.
"""

from __future__ import annotations

import re
from collections import defaultdict
from itertools import combinations

MIN_SHARED, MIN_SHARE = 8, 0.8
COMMON_SHARE = 0.1  # a line in more than this share of the class's files (of 20 or more)
COMMENT = re.compile(r"^(#|//|/\*|\*)")
TRAILING_COMMENT = re.compile(r"(#|//).*$")  # cuts a string holding # or // too: harmless here


def normalised(text: str) -> dict[str, int]:
    """Each meaningful line, whitespace removed, with its first line number."""
    lines: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), 1):
        squeezed = "".join(line.split())
        if COMMENT.match(squeezed):
            continue
        squeezed = TRAILING_COMMENT.sub("", squeezed)
        if squeezed:
            lines.setdefault(squeezed, number)
    return lines


def similar_code(files: dict[str, str], starter: set[str]) -> list[dict]:
    """``{"a", "b", "share", "evidence", "lines"}`` for each pair of similar files.
    ``files``: student -> source text; ``starter``: normalised starter lines."""
    lines = {student: normalised(text) for student, text in files.items()}
    owners: dict[str, list[str]] = defaultdict(list)
    for student, own_lines in lines.items():
        for line in own_lines:
            if line not in starter:
                owners[line].append(student)
    common = max(2, int(COMMON_SHARE * len(files))) if len(files) >= 20 else len(files)
    shared: dict[tuple[str, str], list[str]] = defaultdict(list)
    for line, students in owners.items():
        if len(students) <= common:
            for pair in combinations(sorted(students), 2):
                shared[pair].append(line)
    found: list[dict] = []
    for (a, b), common_lines in shared.items():
        own = [sum(1 for line in lines[s] if line not in starter) for s in (a, b)]
        share = len(common_lines) / max(1, min(own))
        if len(common_lines) >= MIN_SHARED and share >= MIN_SHARE:
            side = [
                [lines[a][line], lines[b][line], line[:120]]
                for line in sorted(common_lines, key=lambda x: lines[a][x])
            ]
            found.append(
                {
                    "a": a,
                    "b": b,
                    "share": round(share, 3),
                    "evidence": f"{len(common_lines)} code lines in common beyond the starter, "
                    f"{share:.0%} of the shorter file's own lines",
                    "lines": side[:40],  # [line in a, line in b, text without spaces]
                }
            )
    return found
