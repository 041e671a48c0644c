"""A trained layer list's arrays: which ones it has, and checking them.

Pure NumPy, no framework. The arrays a run exports are derived from its layer list alone:
the trainable weights in the canonical layout (:mod:`harness.adapters.base`: conv kernel
``(kh, kw, in, out)`` then bias; dense kernel ``(in, out)`` then bias; batchnorm gamma then
beta), then the *state* a forward pass needs besides (batchnorm moving mean then moving
variance). Every array is float32 and finite; nothing else is accepted.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from harness.errors import SubmissionError
from harness.submission.spec import infer_shapes, layer_problems

# Largest network the page embeds: 2 million float32 parameters are 8 MB of weights,
# over ten times the largest example submission.
MAX_PARAMETERS = 2_000_000


@dataclass(frozen=True)
class Slot:
    """One array a layer needs: its layer's index, its name, shape, and whether trained."""

    layer: int
    name: str
    shape: tuple[int, ...]
    trainable: bool


def _layer_slots(index: int, layer: dict, before: tuple, after: tuple) -> list[Slot]:
    kind = layer["layer"]
    if kind == "conv":
        kernel = (layer["field_size"], layer["field_size"], before[-1], layer["filters"])
        return [Slot(index, "kernel", kernel, True), Slot(index, "bias", after[-1:], True)]
    if kind == "dense":
        return [
            Slot(index, "kernel", (before[0], layer["units"]), True),
            Slot(index, "bias", after, True),
        ]
    if kind == "batchnorm":
        width = before[-1:]
        return [
            Slot(index, name, width, trained)
            for name, trained in (
                ("gamma", True),
                ("beta", True),
                ("moving_mean", False),
                ("moving_variance", False),
            )
        ]
    return []


def slots(layers, input_shape) -> list[Slot]:
    """Every array of a normalised layer list for ``input_shape`` (H, W, C), in layer order."""
    outputs = infer_shapes(layers, input_shape)
    inputs = [tuple(input_shape)] + [tuple(s) for s in outputs[:-1]]
    found = []
    for index, layer in enumerate(layers):
        found += _layer_slots(index, layer, inputs[index], tuple(outputs[index]))
    return found


def weight_slots(layers, input_shape) -> list[Slot]:
    """The trainable arrays, in the order of an adapter's ``get_weights``."""
    return [s for s in slots(layers, input_shape) if s.trainable]


def state_slots(layers, input_shape) -> list[Slot]:
    """The batchnorm statistics, per batchnorm layer: moving mean, moving variance."""
    return [s for s in slots(layers, input_shape) if not s.trainable]


def checked_layers(raw_layers, input_shape, num_classes: int, where: str) -> tuple[dict, ...]:
    """The layer list normalised and its shapes checked; raises SubmissionError naming
    ``where`` (the layer list a worker reports is checked like any of its outputs)."""
    layers, problems = layer_problems(raw_layers)
    if problems:
        raise SubmissionError(where, problems)
    infer_shapes(layers, input_shape, num_classes, where=where)
    return layers


def array_problem(where: str, value, shape: tuple[int, ...]) -> str | None:
    """Why ``value`` is not a finite float32 array of ``shape``, or None when it is."""
    if not isinstance(value, np.ndarray):
        return f"{where}: expected a float32 array, received {type(value).__name__}"
    if value.dtype != np.float32:
        return f"{where}: expected dtype float32, received {value.dtype}"
    if value.shape != shape:
        return f"{where}: expected shape {shape}, received {value.shape}"
    if not np.isfinite(value).all():
        return f"{where}: expected finite values, received NaN or infinity"
    return None


def arrays_problems(arrays, expected: list[Slot], what: str) -> list[str]:
    """Every problem of ``arrays`` against the slots they must fill, as ``what[i]`` lines."""
    if not isinstance(arrays, (list, tuple)) or len(arrays) != len(expected):
        count = len(arrays) if isinstance(arrays, (list, tuple)) else type(arrays).__name__
        return [f"{what}: expected {len(expected)} arrays, received {count}"]
    if sum(int(np.prod(s.shape)) for s in expected) > MAX_PARAMETERS:
        return [f"{what}: expected at most {MAX_PARAMETERS:,} numbers, the layer list needs more"]
    found = (
        array_problem(f"{what}[{i}] (LAYERS[{s.layer}] {s.name})", a, s.shape)
        for i, (a, s) in enumerate(zip(arrays, expected, strict=True))
    )
    return [p for p in found if p]
