"""Live progress: what runs report, what the board reads back, what the terminal shows."""

import io
import sys

from rich.console import Console

from harness.grading.live import current_line, run_with_progress
from harness.grading.plan import RunSpec
from harness.grading.progress import ProgressBoard, read_board

RUNS = [RunSpec(name, "mnist", "torch") for name in ("alice", "bob", "carol", "dave")]


def test_the_board_counts_done_running_failed_and_names_the_current_runs(tmp_path):
    board = ProgressBoard(tmp_path)
    board.selected(5)
    for spec, state in zip(RUNS, ("passed", "failed", "running", "queued"), strict=True):
        board.mark(spec, state)
    board.mark(RUNS[0], "running")  # a run marks each state in turn; the last one counts
    board.mark(RUNS[0], "passed")
    snapshot = read_board(board)
    assert snapshot.line() == "done 1 · running 1 · failed 1 · total 5"
    assert snapshot.counts["queued"] == 1 and snapshot.finished == 2
    assert [name for name, _ in snapshot.current] == ["carol-mnist-torch"]


def test_an_error_counts_as_failed_and_clearing_starts_afresh(tmp_path):
    board = ProgressBoard(tmp_path)
    board.mark(RUNS[0], "error")
    assert read_board(board).line() == "done 0 · running 0 · failed 1 · total 1"
    board.clear()
    assert read_board(board).line() == "done 0 · running 0 · failed 0 · total 0"


def test_the_current_line_names_the_longest_running_first_and_counts_the_rest(tmp_path):
    board = ProgressBoard(tmp_path)
    for spec in RUNS:
        board.mark(spec, "running")
    snapshot = read_board(board)
    snapshot.current = [(name, 100.0 + i * 10) for i, (name, _) in enumerate(snapshot.current)]
    line = current_line(snapshot, at=200.0)
    assert line.startswith("now: alice-mnist-torch (1:40), bob-mnist-torch (1:30)")
    assert line.endswith("dave-mnist-torch (1:10)") and "more" not in line
    snapshot.current.append(("eve-mnist-torch", 150.0))
    assert current_line(snapshot, at=200.0).endswith("and 1 more")


def _child(tmp_path) -> list[str]:
    # Stands in for pytest: prints a line and marks one run done on the board.
    code = (
        "import sys; from harness.grading.progress import ProgressBoard\n"
        "from harness.grading.plan import RunSpec\n"
        f"board = ProgressBoard({str(tmp_path)!r}); board.selected(1)\n"
        "board.mark(RunSpec('alice', 'mnist', 'torch'), 'passed')\n"
        "print('1 passed'); sys.exit(3)"
    )
    return [sys.executable, "-c", code]


def test_on_a_terminal_progress_is_drawn_below_the_childs_own_output(tmp_path):
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=120)
    code = run_with_progress(_child(tmp_path), None, ProgressBoard(tmp_path), console)
    assert code == 3
    shown = screen.getvalue()
    assert "1 passed" in shown
    assert "done 1 · running 0 · failed 0 · total 1" in shown


def test_without_a_terminal_nothing_is_drawn(tmp_path, capfd):
    console = Console(file=io.StringIO(), force_terminal=False)
    code = run_with_progress(_child(tmp_path), None, ProgressBoard(tmp_path), console)
    assert code == 3
    assert console.file.getvalue() == ""
    assert capfd.readouterr().out == "1 passed\n"  # the child's output, untouched
