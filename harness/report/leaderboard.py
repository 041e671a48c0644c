"""The class leaderboard: pseudonymous, ranked on the held-out metric, one table per dataset.

Off unless ``[leaderboard] enabled``. Pseudonyms are an HMAC of the student id under a staff
key (``secret_file``, written on first use), so they stay the same from one report to the
next and cannot be traced to an id without the key. No student text reaches the page: the
rows hold a pseudonym, the framework and the parent's own figures. Before the board opens
(``show``, by default after the last deadline and late window) the page says when it will.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from harness.errors import ConfigError
from harness.policy import utc_text
from harness.report import document
from harness.report.document import Block
from harness.report.records import ClassResults
from harness.report.submitted import read_bounded

ADJECTIVES = (
    "amber", "brisk", "calm", "deft", "eager", "fleet", "grand", "hazel", "ivory", "jolly",
    "keen", "lucid", "mellow", "noble", "olive", "plucky", "quiet", "rapid", "sable", "tidy",
    "umber", "vivid", "witty", "young", "zesty", "bold", "coral", "dusky", "fern", "gentle",
    "hardy", "indigo",
)  # fmt: skip
ANIMALS = (
    "otter", "heron", "lynx", "marten", "newt", "ibis", "koala", "lemur", "moose", "narwhal",
    "ocelot", "panda", "quail", "raven", "seal", "tapir", "urchin", "vole", "walrus", "yak",
    "zebra", "bison", "crane", "dingo", "egret", "finch", "gecko", "hare", "impala", "jackal",
    "kiwi", "llama",
)  # fmt: skip
KEY_BYTES = 32
TITLE = "Leaderboard"


def pseudonym_key(path: Path) -> bytes:
    """The staff key, made (random, readable by its owner only) when the file is absent."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    except FileExistsError:
        text = read_bounded(path, 1024).strip()
        if len(text) < 32:
            raise ConfigError(f"{path}: expected a pseudonym key of 32+ hex digits") from None
        return text.encode()
    key = secrets.token_hex(KEY_BYTES)
    with os.fdopen(fd, "w") as handle:
        handle.write(key + "\n")
    return key.encode()


def pseudonym(key: bytes, student: str) -> str:
    """``adjective-animal-xxxx``: stable for a key, no trace of the id without it."""
    digest = hmac.new(key, student.encode("utf-8", "surrogatepass"), hashlib.sha256).digest()
    adjective = ADJECTIVES[digest[0] % len(ADJECTIVES)]
    animal = ANIMALS[digest[1] % len(ANIMALS)]
    return f"{adjective}-{animal}-{digest[2:4].hex()}"


def standings(results: ClassResults, key: bytes, dataset: str) -> list[list[str]]:
    """Rank, pseudonym, framework, test accuracy: best first; ties share a rank."""
    scored = []
    for student in results.students:
        record = results.counted(student, dataset)
        if record is not None and record.status == "passed" and record.test_accuracy is not None:
            scored.append((record.test_accuracy, pseudonym(key, student), record.framework))
    scored.sort(key=lambda row: (-row[0], row[1]))
    rows, rank = [], 0
    for index, (value, name, framework) in enumerate(scored):
        if index == 0 or value != scored[index - 1][0]:
            rank = index + 1
        rows.append([str(rank), name, framework, f"{value:.4f}"])
    return rows


def gradescope_entries(results: ClassResults, student: str) -> list[dict]:
    """Gradescope ``leaderboard`` entries of one student (Gradescope supplies pseudonyms)."""
    semester = results.semester
    if not semester.assignment.leaderboard.enabled or not semester.leaderboard_open():
        return []
    entries = []
    for dataset in results.datasets:
        record = results.counted(student, dataset)
        if record is not None and record.status == "passed" and record.test_accuracy is not None:
            entries.append(
                {
                    "name": f"{dataset} test accuracy",
                    "value": round(record.test_accuracy, 4),
                    "order": "desc",
                }
            )
    return entries


def leaderboard_blocks(results: ClassResults) -> list[Block]:
    semester = results.semester
    if not semester.leaderboard_open():
        releases = [semester.release_of(s) for s in results.students]
        known = [r for r in releases if r is not None]
        when = f"after {utc_text(max(known))}" if known else "when the staff publish it"
        return [Block("text", f"The leaderboard opens {when}.")]
    key = pseudonym_key(semester.base / semester.assignment.leaderboard.secret_file)
    blocks = [
        Block(
            "text",
            "Ranked on test accuracy (the held-out test set, measured by the grader) of the "
            "run that counts. Names are pseudonyms; yours is on your own page.",
        )
    ]
    for dataset in results.datasets:
        rows = standings(results, key, dataset)
        blocks += [
            Block("heading", dataset),
            Block("table", items=rows, headers=["rank", "pseudonym", "framework", "accuracy"]),
        ]
    return blocks


def write_leaderboard(results: ClassResults, out_dir: Path) -> list[Path]:
    """``leaderboard.md`` and ``leaderboard.html`` when the assignment enables it."""
    if not results.semester.assignment.leaderboard.enabled:
        return []
    blocks = leaderboard_blocks(results)
    md_path, html_path = out_dir / "leaderboard.md", out_dir / "leaderboard.html"
    md_path.write_text(document.markdown(TITLE, blocks))
    html_path.write_text(document.html_page(TITLE, blocks))
    return [md_path, html_path]


def leaderboard_line(results: ClassResults, student: str) -> list[str]:
    """The student's own pseudonym, for their page (nothing when there is no board)."""
    semester = results.semester
    if not semester.assignment.leaderboard.enabled:
        return []
    key = pseudonym_key(semester.base / semester.assignment.leaderboard.secret_file)
    return [f"Your name on the class leaderboard: {pseudonym(key, student)}."]
