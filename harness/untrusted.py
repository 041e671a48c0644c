"""Reading what a student controls, on the trusted side: no link followed, never blocking,
bounded in bytes.

A student's folder may hold links (to ``/proc/kmsg``, which blocks a reader forever; to
``/proc/self/pagemap``, which never ends; to another student's folder), FIFOs and huge
files. Every trusted read of it goes through :func:`read_regular`; every walk of it stops
at :data:`MAX_DEPTH` and :data:`MAX_ENTRIES` (:mod:`harness.submission.folder` refuses a
folder past them at planning; :func:`harness.hashing.folder_hash` stops there). Standard
library only.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

MAX_DEPTH = 16  # nested folders below a submission folder
MAX_ENTRIES = 1000  # files and folders together in a submission folder
MAX_FILE_BYTES = 64 << 20  # largest student file the trusted side reads (folders are smaller)


class NotRegular(OSError):
    """A student's path is a link, a FIFO, a device or another non-file, or too large."""


class TooLarge(NotRegular):
    """A student's regular file holds more than the reader's bound."""


def read_regular(path: Path, max_bytes: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of a student's file, read the one way the trusted side reads them: never
    through a link (``O_NOFOLLOW``), never blocking (``O_NONBLOCK``: a FIFO is refused,
    not waited on), a regular file only, at most ``max_bytes``. Raises :class:`TooLarge`
    past ``max_bytes``, :class:`NotRegular` for anything but a regular file, or OSError."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise NotRegular(f"{path}: not a regular file")
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise TooLarge(f"{path}: larger than {max_bytes} bytes")
    return data
