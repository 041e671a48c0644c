"""What a graded run leaves for the explore page, and how the parent takes it.

Inside the sandbox (:func:`write_exports`), after sending its predictions, a student run writes
``out/probabilities.npy`` (float32 softmax of every test image's logits) and, for a layer
list, ``out/weights.npz``: ``weight_<i>``, the trained arrays in the canonical layout, and
``state_<i>``, each batchnorm layer's moving mean and variance. The parent
(:func:`read_exports`) reads them like every worker output: regular files only (no link
followed), bounded sizes, every array's dtype and shape derived from the layer list (itself
checked as a submission's is), finite values, probabilities that agree with the scored
predictions. A refused export costs the student's page its pictures, never a point.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from harness.errors import SubmissionError
from harness.submission import arrays
from harness.untrusted import read_regular

PROBABILITIES, WEIGHTS = "probabilities.npy", "weights.npz"
NPY_HEADER_BYTES = 4096  # an .npy header is a few hundred bytes; this bounds it generously
SUM_TOLERANCE = 1e-3  # float32 softmax rows sum to 1 within this


def read_export(path: Path, limit: int) -> bytes | None:
    """The bytes of a file the run left in its ``out/`` folder, or None where there is none
    to take: the folder or the file a link, not a regular file, or over ``limit`` bytes."""
    if path.parent.is_symlink() or not path.parent.is_dir():  # O_NOFOLLOW guards the file only
        return None
    try:
        return read_regular(path, limit)
    except OSError:  # NotRegular and TooLarge among them
        return None


def softmax(logits: np.ndarray) -> np.ndarray:
    """float32 probabilities of float logits (N, classes), computed in float64."""
    shifted = np.asarray(logits, dtype=np.float64)
    shifted = np.exp(shifted - shifted.max(axis=1, keepdims=True))
    return (shifted / shifted.sum(axis=1, keepdims=True)).astype(np.float32)


def trained_arrays(adapter, model, settings: dict) -> tuple[list, list] | None:
    """Worker side: (weights, batchnorm statistics) of a layer list as float32, or None
    for a code-form model (its layers are not known)."""
    if not settings.get("layers"):
        return None
    weights = [np.asarray(w, dtype=np.float32) for w in adapter.get_weights(model)]
    state = [np.asarray(s, dtype=np.float32) for s in adapter.batchnorm_statistics(model)]
    return weights, state


def write_exports(out: Path, probabilities: np.ndarray, arrays: tuple[list, list] | None):
    """Worker side: the files the parent reads, written once the run has sent its report.
    A file that cannot be written is left out: the page loses its pictures, the run stands
    (the parent says what was missing)."""
    try:
        out.mkdir(exist_ok=True)
        np.save(out / PROBABILITIES, probabilities)
        if arrays is not None:
            weights, state = arrays
            named = {f"weight_{i}": w for i, w in enumerate(weights)}
            named.update({f"state_{i}": s for i, s in enumerate(state)})
            np.savez(out / WEIGHTS, **named)
    except OSError:
        pass


@dataclass
class Exports:
    """What the parent accepted: probabilities always, arrays for a checked layer list."""

    probabilities: np.ndarray
    weights: list = field(default_factory=list)
    state: list = field(default_factory=list)
    refused: str = ""  # why the arrays were dropped, for the page


def _npy(raw: bytes | None, where: str, shape: tuple[int, ...]) -> np.ndarray | str:
    if raw is None:
        return f"{where}: expected a regular file of bounded size, found none"
    return read_npy(io.BytesIO(raw), where, len(raw), shape)


def read_npy(stream, where: str, size: int, shape: tuple[int, ...] | None = None):
    """The array in an .npy ``stream`` of ``size`` bytes, or why not. Its header is read
    and checked first, against ``shape`` where the parent knows it and against the bytes
    there are: a header claiming (10**12, 10) is refused before anything is allocated
    (read whole, it raised MemoryError in the parent and cost a scored run its points)."""
    try:
        version = np.lib.format.read_magic(stream)
        if version == (1, 0):
            found, fortran, dtype = np.lib.format.read_array_header_1_0(stream)
        elif version == (2, 0):
            found, fortran, dtype = np.lib.format.read_array_header_2_0(stream)
        else:
            return f"{where}: expected an .npy file of version 1.0 or 2.0, received {version}"
    except (ValueError, OSError, EOFError) as exc:
        return f"{where}: not a readable .npy file ({exc})"
    if dtype.hasobject:
        return f"{where}: not a readable .npy file (Python objects are never loaded)"
    if shape is not None and tuple(found) != tuple(shape):
        return f"{where}: expected shape {tuple(shape)}, received {tuple(found)} in its header"
    count = int(np.prod(found, dtype=object))
    if count * dtype.itemsize > size:
        return f"{where}: its header claims {count:,} {dtype} values, more than the file holds"
    data = stream.read(count * dtype.itemsize)
    if len(data) != count * dtype.itemsize:
        return f"{where}: expected {count * dtype.itemsize:,} bytes of values, received fewer"
    return np.frombuffer(data, dtype).reshape(found, order="F" if fortran else "C").copy()


def probabilities_problem(value, predictions: np.ndarray, num_classes: int) -> str | None:
    """Why ``value`` is not the run's probabilities of its scored predictions, or None."""
    shape = (len(predictions), num_classes)
    problem = arrays.array_problem(PROBABILITIES, value, shape)
    if problem:
        return problem
    if value.min() < 0 or value.max() > 1 or np.abs(value.sum(axis=1) - 1).max() > SUM_TOLERANCE:
        return f"{PROBABILITIES}: expected rows of probabilities summing to 1"
    chosen = value[np.arange(len(predictions)), predictions]
    if (chosen < value.max(axis=1) - 1e-6).any():
        return f"{PROBABILITIES}: expected the predicted class to be the most probable one"
    return None


def _npz(raw: bytes | None, limit: int) -> dict | str:
    """The arrays of an .npz file, refusing one that unpacks to more than ``limit`` bytes."""
    if raw is None:
        return f"{WEIGHTS}: expected a regular file of bounded size, found none"
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            entries = archive.infolist()
            if sum(e.file_size for e in entries) > limit:
                return f"{WEIGHTS}: expected at most {limit:,} bytes unpacked"
            found = {}
            for e in entries:
                with archive.open(e) as member:
                    array = read_npy(member, f"{WEIGHTS}: {e.filename}", e.file_size)
                if isinstance(array, str):
                    return array
                found[e.filename.removesuffix(".npy")] = array
            return found
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
        return f"{WEIGHTS}: not a readable .npz file ({exc})"


def _arrays(out: Path, layers, input_shape, num_classes: int) -> tuple[list, list]:
    """The checked weights and statistics; raises SubmissionError naming every problem."""
    checked = arrays.checked_layers(layers, input_shape, num_classes, "settings.layers")
    weight_slots = arrays.weight_slots(checked, input_shape)
    state_slots = arrays.state_slots(checked, input_shape)
    limit = 4 * arrays.MAX_PARAMETERS + NPY_HEADER_BYTES * (len(weight_slots) + len(state_slots))
    found = _npz(read_export(out / WEIGHTS, limit), limit)
    if isinstance(found, str):
        raise SubmissionError(WEIGHTS, [found])
    names = [f"weight_{i}" for i in range(len(weight_slots))]
    names += [f"state_{i}" for i in range(len(state_slots))]
    if sorted(found) != sorted(names):
        raise SubmissionError(WEIGHTS, [f"arrays: expected {names}, received {sorted(found)}"])
    weights = [found[n] for n in names[: len(weight_slots)]]
    state = [found[n] for n in names[len(weight_slots) :]]
    problems = arrays.arrays_problems(weights, weight_slots, "weights") + arrays.arrays_problems(
        state, state_slots, "batchnorm statistics"
    )
    if problems:
        raise SubmissionError(WEIGHTS, problems)
    return weights, state


def read_exports(
    out: Path, settings: dict, input_shape, num_classes: int, predictions: np.ndarray
) -> tuple[Exports | None, str]:
    """Parent side: what the page may use of a passed run, or None and why not."""
    limit = len(predictions) * num_classes * 4 + NPY_HEADER_BYTES
    shape = (len(predictions), num_classes)
    probabilities = _npy(read_export(out / PROBABILITIES, limit), PROBABILITIES, shape)
    if isinstance(probabilities, str):
        return None, probabilities
    problem = probabilities_problem(probabilities, predictions, num_classes)
    if problem:
        return None, problem
    exports = Exports(probabilities)
    if settings.get("layers"):
        try:
            exports.weights, exports.state = _arrays(
                out, settings["layers"], input_shape, num_classes
            )
        except SubmissionError as exc:
            exports.refused = str(exc)
    return exports, ""
