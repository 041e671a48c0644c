"""What crosses from a sandboxed worker to its parent: two files, read with suspicion.

The worker's scratch folder is writable by student code, so the parent opens
``out/result.json`` and ``out/predictions.npy`` without following links (a link could
point at the test labels), only as regular files of bounded size, and keeps only the
result fields it knows, with the types it expects.
"""

from __future__ import annotations

import io
import json
import math
import os
import stat
from pathlib import Path

import numpy as np

from harness.results.scoring import check_predictions

RESULT_BYTES = 4 << 20  # largest result.json the parent reads
REASON_CHARS = 4000
RESULT_TYPES = {"status": str, "reason": str, "param_count": int, "curve": list,
                "examples_per_sec": float, "warmup_seconds": float, "steady_seconds": float,
                "train_seconds": float, "device": dict, "settings": dict}


def write_outputs(out: Path, result: dict, predictions: np.ndarray | None) -> None:
    """Worker side: predictions first, then result.json by atomic rename."""
    out.mkdir(exist_ok=True)
    if predictions is not None:
        np.save(out / "predictions.npy", predictions)
    tmp = out / "result.json.tmp"
    tmp.write_text(json.dumps(result, default=str))
    os.replace(tmp, out / "result.json")


def _read_regular(path: Path, limit: int) -> bytes | None:
    """The file's bytes if it is a regular file (not a link) of at most ``limit`` bytes."""
    if path.parent.is_symlink() or not path.parent.is_dir():
        return None
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
            return None
        return handle.read(limit + 1)[:limit]


def _clean(raw: dict) -> dict | None:
    """Known fields with the expected types; None when status is not ok/failed."""
    if raw.get("status") not in ("ok", "failed"):
        return None
    result = {}
    for key, kind in RESULT_TYPES.items():
        value = raw.get(key)
        if kind is float and isinstance(value, (int, float)) and not isinstance(value, bool):
            value = float(value) if math.isfinite(value) else None
        result[key] = value if isinstance(value, kind) and not isinstance(value, bool) else None
    result["reason"] = (result["reason"] or "")[:REASON_CHARS]
    return result


def read_outputs(out: Path) -> tuple[dict | None, np.ndarray | None]:
    """Parent side: the worker's result (None if absent or malformed) and predictions."""
    data = _read_regular(out / "result.json", RESULT_BYTES)
    try:
        result = _clean(json.loads(data)) if data is not None else None
    except (ValueError, AttributeError):
        result = None
    predictions = None
    raw = _read_regular(out / "predictions.npy", 64 << 20)
    if raw is not None:
        try:
            predictions = np.load(io.BytesIO(raw), allow_pickle=False)
        except (ValueError, OSError, EOFError):
            predictions = None
    return result, predictions


def checked(result: dict, predictions, num_test: int, num_classes: int):
    """The result, failed with the reason if the predictions are not usable."""
    reason = check_predictions(predictions, num_test, num_classes)
    if reason:
        return {**result, "status": "failed", "reason": reason}, None
    return result, predictions


def count_test_images(inputs: Path) -> int:
    """Number of test images in ``inputs.npz``, read before the run (the worker may
    rewrite its scratch folder, inputs included)."""
    with np.load(inputs) as arrays:
        return len(arrays["test_images"])
