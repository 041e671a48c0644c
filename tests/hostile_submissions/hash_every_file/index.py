"""Hostile: reads every file it can see and looks for any dataset's test labels in it.

Each readable regular file (up to 1 MiB; label files are far smaller) is hashed raw, after
gunzip when it is gzipped, without an idx header, and as a NumPy array when it is one; the
hashes are compared with those of every dataset's test labels, which the test writes to
``targets.json`` beside this file (hashes only: the labels themselves are what it hunts).
Raises LookupError naming what it found, or how many files it searched in vain.
"""

import gzip
import hashlib
import io
import json
import os
import stat
import warnings
import zlib
from pathlib import Path

import numpy as np

warnings.simplefilter("ignore")
TARGETS = set(json.loads((Path(__file__).parent / "targets.json").read_text())["hashes"])
SKIP = {"/proc", "/sys", "/dev"}
LIMIT = 1 << 20  # a label file holds one number per test image: far below this


def views(data):
    """Every reading of ``data`` under which it could be a label file."""
    yield data
    yield data[8:]  # idx1: magic and count, then one byte per label
    if data[:2] == b"\x1f\x8b":
        try:
            yield from views(gzip.decompress(data))
        except (OSError, EOFError, zlib.error):
            pass
    if data[:6] == b"\x93NUMPY":
        try:
            yield np.load(io.BytesIO(data), allow_pickle=False).astype(np.uint8).tobytes()
        except Exception:
            pass


def readable_files():
    for folder, subfolders, files in os.walk("/", onerror=lambda error: None):
        subfolders[:] = [d for d in subfolders if os.path.join(folder, d) not in SKIP]
        for name in files:
            path = os.path.join(folder, name)
            try:
                info = os.stat(path, follow_symlinks=False)
                if stat.S_ISREG(info.st_mode) and info.st_size <= LIMIT:
                    with open(path, "rb") as handle:
                        yield path, handle.read()
            except OSError:
                pass


found, searched = [], 0
for path, data in readable_files():
    searched += 1
    if any(hashlib.sha256(view).hexdigest() in TARGETS for view in views(data)):
        found.append(path)
raise LookupError(
    f"labels found in {found}" if found else f"no labels in any of {searched} readable files"
)
