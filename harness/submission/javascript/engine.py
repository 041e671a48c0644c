"""Run a student's index.js against the recording stand-ins and return the raw record.

The engine is QuickJS-ng, embedded through the ``quickjs-ng`` wheel (``pip install
'cnn-harness[javascript]'``), chosen over Debian's Node and the V8 wheel ``mini-racer``
by measurement (docs/benchmarks.md, design measurements): it starts and records fastest, in
the least memory, runs under every data limit the sandbox sets, has no file, network,
process or module API at all (nothing to reach even where bubblewrap is missing), stops a
script at a CPU-time or heap limit and says which, and installs as a small abi3 wheel.

This runs the student's code: call it only inside the sandbox (the grading worker or the
check child), like :func:`harness.submission.load_submission`. The one caller outside it,
the benchmark child (:mod:`harness.benchmarks.child`), records only the project's own
example files (``submissions/`` of this checkout), which the project ships and trusts.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

from harness.errors import SubmissionError
from harness.submission.javascript.source import as_script

STANDIN = Path(__file__).with_name("standin")  # the stand-ins, in five parts of one closure
STANDIN_PARTS = ("record.js", "deeplearn.js", "tfjs.js", "page.js", "globals.js")
CPU_SECONDS = 10.0  # recording a network takes milliseconds; this only ends endless loops
MEMORY_BYTES = 256 << 20  # the QuickJS heap: a recording needs a few MiB
STACK_BYTES = 1 << 20  # deep recursion ends with a RangeError, not a crash
RECORD_CHARS = 4 << 20  # the record's JSON; a real one is a few KiB
COLLECT_BYTES = 64 << 20  # heap headroom to collect the record after a script filled its own
_ENGINE_LINE = re.compile(r"<input>:(\d+)")
_FILE_LINE = re.compile(r"index\.js:(\d+)")


def _context(path: Path, student_lines: int):
    """A fresh QuickJS context with the stand-ins installed, and their control function."""
    try:
        import quickjs
    except ImportError:
        raise SubmissionError(
            path,
            [
                "the JavaScript engine is not installed where this ran, so index.js files cannot "
                "be read; fix (staff): pip install 'cnn-harness[javascript]'"
            ],
        ) from None
    context = quickjs.Context()
    context.set_memory_limit(MEMORY_BYTES)
    context.set_max_stack_size(STACK_BYTES)
    context.set_time_limit(CPU_SECONDS)
    # Our frames sit below the student's last line: see standin/record.js, where().
    factory = context.eval("\n" * student_lines + standin_source())
    return context, factory(student_lines)


def standin_source() -> str:
    """The stand-ins as one function expression of ``STUDENT_LINES``."""
    parts = "\n".join((STANDIN / name).read_text() for name in STANDIN_PARTS)
    return f"(function (STUDENT_LINES) {{\n{parts}\n}})"


class _Clock:
    """CPU time left of the whole recording, handed to QuickJS before every call."""

    def __init__(self, context):
        self.context, self.started = context, time.process_time()

    def left(self) -> float:
        return CPU_SECONDS - (time.process_time() - self.started)

    def arm(self) -> bool:
        left = self.left()
        if left > 0:
            self.context.set_time_limit(left)
        return left > 0


def _line_of(message: str) -> int | None:
    found = _FILE_LINE.search(message) or _ENGINE_LINE.search(message)
    return int(found.group(1)) if found else None


def _first_line(message: str) -> str:
    return message.strip().splitlines()[0] if message.strip() else "an error"


def _failure(message: str, student_lines: int, last_line) -> str:
    """The problem line for an exception that ended the script."""
    head = _first_line(message)
    line = _line_of(message)
    where = f"line {line}: " if line and line <= student_lines else ""
    if "interrupted" in head:  # QuickJS places an interrupt at the top of the script
        where = f"after line {last_line}: " if isinstance(last_line, int) else ""
        return (
            f"{where}the script ran longer than the {CPU_SECONDS:g} s CPU-time limit of "
            "recording (an endless loop?); fix: make every loop end (the harness only "
            "records what the file builds, so training loops need not really run)"
        )
    if "out of memory" in head:
        return (
            f"{where}the script used more than the {MEMORY_BYTES >> 20} MiB memory limit "
            "of recording; fix: do not build huge arrays (the harness loads the data)"
        )
    if head.startswith("SyntaxError"):
        return (
            f"{where}syntax error: {head.removeprefix('SyntaxError: ')}; fix: correct the "
            "JavaScript on that line (run `node --check index.js` to check)"
        )
    if "stack overflow" in head.lower() or "call stack" in head.lower():
        return f"{where}{head}: recursion too deep; fix: make the recursion end"
    return f"{where}running the file raised {head}; fix: correct the code on that line"


def _heap_full(context) -> bool:
    memory = context.memory()
    return memory.get("malloc_size", 0) > 0.9 * memory.get("malloc_limit", MEMORY_BYTES)


def _drain(context, control, clock: _Clock) -> None:
    """Run promise jobs and timers until none is left or the CPU time is used up."""
    while clock.arm():
        if context.execute_pending_job() or control("timer"):
            continue
        return
    raise _interrupted()


def _interrupted():
    import quickjs

    return quickjs.JSException("InternalError: interrupted")


def record_file(path) -> tuple[dict, list[str]]:
    """Run ``path`` under the stand-ins: ``(raw record, problems that ended the script)``.

    The raw record is untrusted JSON (see :mod:`harness.submission.javascript.record`). Raises
    :class:`SubmissionError` when the file cannot be read or no record can be collected.
    """
    path = Path(path)
    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SubmissionError(path, [f"could not read the file: {exc}"]) from None
    student_lines = source.count("\n") + 1
    context, control = _context(path, student_lines)
    clock, stopped = _Clock(context), []
    try:
        context.eval(as_script(source))
        _drain(context, control, clock)
    except Exception as exc:  # the student's script: anything may end it
        # A full heap may leave no room for an error object: QuickJS then throws null.
        stopped.append(
            "InternalError: out of memory"
            if _heap_full(context)
            else str(exc) or type(exc).__name__
        )
    try:
        raw = _collect(path, context, control)
    except SubmissionError:
        if not stopped:
            raise
        # What stopped the script (a full heap, most likely) says more than the collection.
        raise SubmissionError(path, [_failure(m, student_lines, None) for m in stopped]) from None
    # A refusal of the stand-ins is in the record already, with its line.
    refused = (
        {f"Error: {p.get('message')}" for p in raw.get("problems", []) if isinstance(p, dict)}
        if isinstance(raw, dict)
        else set()
    )
    last = raw.get("last_line") if isinstance(raw, dict) else None
    return raw, [_failure(m, student_lines, last) for m in stopped if _first_line(m) not in refused]


def _collect(path: Path, context, control) -> dict:
    context.set_time_limit(CPU_SECONDS)
    context.set_memory_limit(MEMORY_BYTES + COLLECT_BYTES)
    try:
        text = control("collect")
    except Exception as exc:
        raise SubmissionError(
            path,
            [
                f"the harness could not collect what the file built "
                f"({_first_line(str(exc))}); did the script replace "
                "JSON or the stand-ins' objects?"
            ],
        ) from None
    try:
        if isinstance(text, str) and len(text) <= RECORD_CHARS:
            return json.loads(text)
    except ValueError:
        pass
    raise SubmissionError(
        path,
        [
            "the harness could not collect what the file built (the "
            "record is not JSON of a sane size); did the script replace "
            "JSON or the stand-ins' objects?"
        ],
    )
