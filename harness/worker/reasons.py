"""Turn whatever a graded run raised into one line a student can act on.

Student code may raise anything, including ``SystemExit``; the reason names the exception,
its message and the last frame that ran in the student's own folder (``file:line``).
Resource errors are named after the limit that caused them, which the worker reads back
from its own rlimits.
"""

from __future__ import annotations

import errno
import json
import resource
import traceback
from pathlib import Path

from harness.errors import HarnessError, SubmissionError

MESSAGE_CHARS = 500  # of an exception's message kept in a reason


class StepFailed(Exception):
    """A check of the harness failed; the message is the whole reason."""


def _limit(kind: int) -> int | None:
    soft = resource.getrlimit(kind)[0]
    return None if soft == resource.RLIM_INFINITY else soft


def _resource_reason(exc: BaseException) -> str | None:
    if isinstance(exc, MemoryError):
        limit = _limit(resource.RLIMIT_DATA)
        return (
            f"exceeded the memory limit of {limit // 2**20} MiB" if limit else "ran out of memory"
        )
    if isinstance(exc, OSError) and exc.errno == errno.EFBIG:
        return f"wrote a file larger than {_limit(resource.RLIMIT_FSIZE)} bytes"
    if isinstance(exc, OSError) and exc.errno == errno.EAGAIN and "fork" in _frames_text(exc):
        return f"reached the process limit ({_limit(resource.RLIMIT_NPROC)} processes and threads)"
    if isinstance(exc, RuntimeError) and "can't start new thread" in str(exc):
        return f"reached the process limit ({_limit(resource.RLIMIT_NPROC)} processes and threads)"
    return None


def _frames_text(exc: BaseException) -> str:
    return " ".join(f"{f.name} {f.line}" for f in traceback.extract_tb(exc.__traceback__))


def student_frame(exc: BaseException, folder: Path | None) -> str | None:
    """``file:line`` of the last frame run in ``folder`` (the student's), if any."""
    frames: list[traceback.FrameSummary] = traceback.extract_tb(exc.__traceback__)
    if folder is not None:
        frames = [f for f in frames if Path(f.filename).is_relative_to(folder)]
    return f"{frames[-1].filename}:{frames[-1].lineno}" if frames else None


def _student_folder(job_dir: Path) -> Path | None:
    try:
        path = json.loads((job_dir / "job.json").read_text()).get("submission_path")
    except (OSError, ValueError):
        return None
    return Path(path).resolve().parent if path else None


def _cause(exc: BaseException) -> BaseException:
    """The exception a SubmissionError wrapped (kept as context), if it names a limit."""
    inner = exc.__context__
    if inner is not None and (isinstance(inner, SystemExit) or _resource_reason(inner)):
        return inner
    return exc


def describe_exception(exc: BaseException, job_dir: Path) -> str:
    """The reason for a failed run that ended with ``exc``."""
    if isinstance(exc, SubmissionError):
        exc = _cause(exc)
    if isinstance(exc, SystemExit):
        return f"called sys.exit({exc.code!r}) before returning predictions"
    if isinstance(exc, (StepFailed, HarnessError)):
        return str(exc)
    where = student_frame(exc, _student_folder(job_dir))
    at = f" at {where}" if where else ""
    named = _resource_reason(exc)
    if named:
        return f"{named} ({type(exc).__name__}{at})"
    message = str(exc)[:MESSAGE_CHARS]
    return f"{type(exc).__name__}: {message}{at}" if message else f"{type(exc).__name__}{at}"
