"""Drawing a grading's progress on the terminal while its pytest process runs (rich).

pytest's output goes through this process, printed above the progress lines, so the two
never garble each other. Without a terminal (a CI log, a pipe) pytest runs as it always
did and nothing is drawn.
"""

from __future__ import annotations

import subprocess
import threading
import time

from harness.grading.progress import ProgressBoard, Snapshot, read_board
from harness.sinks import terminal

REFRESH_SECONDS = 0.5
CURRENT_SHOWN = 4  # runs named on the "now" line


def run_with_progress(argv: list[str], env: dict, board: ProgressBoard, console=None) -> int:
    """Run ``argv`` (pytest) and return its exit code, drawing ``board`` on a terminal."""
    from rich.console import Console

    console = console or Console()
    if not console.is_terminal:
        return subprocess.run(argv, env=env).returncode
    with subprocess.Popen(
        argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    ) as child:
        return _draw_until_done(child, board, console)


def _draw_until_done(child: subprocess.Popen, board: ProgressBoard, console) -> int:
    from rich.console import Group
    from rich.live import Live
    from rich.text import Text

    progress, now = _progress(console), Text()
    task = progress.add_task("grading", total=None, counts="")
    echo = threading.Thread(target=_echo, args=(child.stdout, console), daemon=True)
    echo.start()
    with Live(Group(progress, now), console=console, refresh_per_second=4):
        while child.poll() is None:
            _update(progress, task, now, read_board(board))
            time.sleep(REFRESH_SECONDS)
        echo.join(timeout=5)
        _update(progress, task, now, read_board(board))
    return child.returncode


def _progress(console):
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[counts]}"),
        TimeElapsedColumn(),
        TextColumn("left"),
        TimeRemainingColumn(),
        console=console,
        auto_refresh=False,
    )


def _update(progress, task, now, snapshot: Snapshot) -> None:
    progress.update(
        task, total=snapshot.total or None, completed=snapshot.finished, counts=snapshot.line()
    )
    now.plain = current_line(snapshot, time.time())


def current_line(snapshot: Snapshot, at: float) -> str:
    """``now: run (elapsed), ...`` for the longest-running runs."""
    runs = sorted(snapshot.current, key=lambda item: item[1])[:CURRENT_SHOWN]
    if not runs:
        return ""
    named = ", ".join(f"{terminal(name)} ({_clock(at - since)})" for name, since in runs)
    more = len(snapshot.current) - len(runs)
    return f"now: {named}" + (f" and {more} more" if more > 0 else "")


def _clock(seconds: float) -> str:
    minutes, seconds = divmod(int(max(seconds, 0)), 60)
    return f"{minutes}:{seconds:02d}"


def _echo(stream, console) -> None:
    for line in stream:
        console.print(terminal(line.rstrip("\n")), markup=False, highlight=False)
