"""The Model Builder layer list (``LAYERS``): normalise, validate, infer shapes, count.

Pure Python, imports no framework: everything here runs before any framework is touched,
so a student learns that a layer empties the image or that the last layer has the wrong
number of units without waiting for TensorFlow to import.

Vocabulary (every key of a normalised layer is present; defaults in ``LAYER_KINDS``):
conv (field_size, stride=1, filters, zero_pad=0), maxpool / avgpool (field_size,
stride=field_size), relu, sigmoid, tanh, dropout (rate=0.5), batchnorm, flatten (NHWC
order), dense (units). Shapes are per example: ``(height, width, channels)`` before
``flatten`` and ``(features,)`` after it.
"""

from __future__ import annotations

import difflib
import numbers
from typing import cast

from harness.config import Assignment
from harness.errors import SubmissionError
from harness.names import DATASET_SHAPES

REQUIRED = object()  # marks a setting without a default
SAME_AS_FIELD = object()  # pooling stride defaults to the pooling field size

# kind -> {setting: default}; the order of settings is the order students see them in.
LAYER_KINDS: dict[str, dict[str, object]] = {
    "conv": {"field_size": REQUIRED, "stride": 1, "filters": REQUIRED, "zero_pad": 0},
    "maxpool": {"field_size": REQUIRED, "stride": SAME_AS_FIELD},
    "avgpool": {"field_size": REQUIRED, "stride": SAME_AS_FIELD},
    "relu": {},
    "sigmoid": {},
    "tanh": {},
    "dropout": {"rate": 0.5},  # probability of zeroing an activation, training only
    "batchnorm": {},
    "flatten": {},
    "dense": {"units": REQUIRED},
}
SPATIAL_KINDS = ("conv", "maxpool", "avgpool")  # need (height, width, channels) input
MIN_VALUE = {"field_size": 1, "stride": 1, "filters": 1, "zero_pad": 0, "units": 1}
# Kinds students know from other builders, with the fix to tell them.
KNOWN_MISTAKES = {
    "softmax": "the harness applies softmax in the loss (softmax cross-entropy on logits); "
    "fix: remove this layer and end with {'layer': 'dense', 'units': NUM_CLASSES}",
    "fc": "fix: a fully connected layer is spelled {'layer': 'dense', 'units': N}",
    "input": "the harness feeds the input itself; fix: remove the input layer",
}


def _label(index: int, layer) -> str:
    kind = layer.get("layer") if isinstance(layer, dict) else None
    return f"LAYERS[{index}]" + (f" ({kind})" if isinstance(kind, str) else "")


def _is_int(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _is_number(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _setting_problem(label: str, key: str, value) -> str | None:
    """The problem with one setting's value, or None when it is acceptable."""
    if key == "rate":
        ok = _is_number(value) and 0 <= value < 1
        expected = "a number with 0 <= rate < 1 (the probability of dropping an activation)"
    else:
        ok = _is_int(value) and value >= MIN_VALUE[key]
        expected = f"an integer >= {MIN_VALUE[key]}"
    if ok:
        return None
    return (
        f"{label}: {key}: expected {expected}, received {value!r}; fix: set {key!r} to {expected}"
    )


def _kind_problem(label: str, kind) -> str:
    if isinstance(kind, str) and kind.lower() in KNOWN_MISTAKES:
        return f"{label}: layer {kind!r} is not available: {KNOWN_MISTAKES[kind.lower()]}"
    close = difflib.get_close_matches(str(kind).lower(), LAYER_KINDS, n=1)
    hint = f"did you mean {close[0]!r}?" if close else "use one of those kinds"
    return (
        f"{label}: layer: expected one of {', '.join(LAYER_KINDS)}, received {kind!r}; fix: {hint}"
    )


def _normalise_one(index: int, layer) -> tuple[dict | None, list[str]]:
    """One layer with every setting filled in, and the problems found in it."""
    label = _label(index, layer)
    if not isinstance(layer, dict):
        return None, [
            f"{label}: expected a dict such as {{'layer': 'relu'}}, "
            f"received {layer!r}; fix: write each layer as a dict"
        ]
    if "layer" not in layer:
        return None, [
            f"{label}: layer: expected a 'layer' key naming the kind "
            f"({', '.join(LAYER_KINDS)}), received keys {sorted(map(str, layer))}"
        ]
    kind = layer["layer"]
    if kind not in LAYER_KINDS:
        return None, [_kind_problem(label, kind)]
    defaults, problems = LAYER_KINDS[kind], []
    for key in layer:
        if key != "layer" and key not in defaults:
            close = difflib.get_close_matches(str(key), defaults, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            allowed = ", ".join(defaults) or "no settings"
            problems.append(
                f"{label}: unknown setting {key!r} (value {layer[key]!r}); "
                f"{kind} takes {allowed}; fix: {hint}remove or rename it"
            )
    normalised = {"layer": kind}
    for key, default in defaults.items():
        if key in layer:
            value = layer[key]
        elif default is REQUIRED:
            problems.append(
                f"{label}: {key}: expected a value, received nothing; "
                f"fix: add {key!r} to this layer"
            )
            continue
        else:
            value = normalised["field_size"] if default is SAME_AS_FIELD else default
        problem = _setting_problem(label, key, value)
        if problem:
            problems.append(problem)
        if problem:
            normalised[key] = value
        else:  # plain Python numbers, also when given numpy ones
            normalised[key] = float(value) if key == "rate" else int(value)
    return normalised, problems


def layer_problems(layers) -> tuple[tuple[dict, ...], list[str]]:
    """Normalised layers and every problem found in ``layers`` (does not raise)."""
    if not isinstance(layers, (list, tuple)) or not layers:
        return (), [
            f"LAYERS: expected a non-empty list of layer dicts, received {layers!r}; "
            "fix: see submissions/template/index.py"
        ]
    normalised, problems = [], []
    for index, layer in enumerate(layers):
        one, found = _normalise_one(index, layer)
        problems += found
        if one is not None:
            normalised.append(one)
    return tuple(normalised), problems


def normalize_layers(layers, where: str) -> tuple[dict, ...]:
    """Every layer as a dict with every setting present; raises listing ALL problems.

    ``where`` names the file for the error (a :class:`SubmissionError`'s path).
    """
    normalised, problems = layer_problems(layers)
    if problems:
        raise SubmissionError(where, problems)
    return normalised


def _fmt(shape) -> str:
    return "x".join(map(str, shape)) if len(shape) == 3 else f"{shape[0]} features"


def _settings(layer: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in layer.items() if k != "layer") or "no settings"


def _step(index: int, layer: dict, shape: tuple) -> tuple[tuple | None, str | None]:
    """Output shape of one layer for one input shape, or the problem with it."""
    kind, label = layer["layer"], f"LAYERS[{index}] ({layer['layer']}: {_settings(layer)})"
    if kind in SPATIAL_KINDS and len(shape) == 1:
        return None, (
            f"{label}: expected an image (height x width x channels) as input, "
            f"received {_fmt(shape)} from a flatten; fix: put {kind} layers before "
            "the flatten layer"
        )
    if kind == "dense" and len(shape) == 3:
        return None, (
            f"{label}: expected flat features as input, received a {_fmt(shape)} "
            "image; fix: add {'layer': 'flatten'} before the first dense layer"
        )
    if kind == "flatten":
        if len(shape) == 1:
            return None, f"{label}: the input is already flat ({_fmt(shape)}); fix: remove it"
        return (shape[0] * shape[1] * shape[2],), None
    if kind == "dense":
        return (layer["units"],), None
    if kind not in SPATIAL_KINDS:
        return shape, None
    f, s = layer["field_size"], layer["stride"]
    pad = layer.get("zero_pad", 0)
    height, width = ((n + 2 * pad - f) // s + 1 for n in shape[:2])
    channels = layer["filters"] if kind == "conv" else shape[2]
    if height < 1 or width < 1:
        return None, (
            f"{label}: input {_fmt(shape)} gives an empty image "
            f"(output {height}x{width}x{channels}, out = floor((in + 2*zero_pad - "
            "field_size) / stride) + 1); fix: use a smaller field_size or stride, "
            "more zero_pad, or fewer pooling layers before it"
        )
    return (height, width, channels), None


def shape_problems(
    layers, input_shape, num_classes: int | None = None
) -> tuple[list[tuple], list[str]]:
    """Per-layer output shapes (up to the first impossible layer) and the problems found."""
    shapes: list[tuple] = []
    problems: list[str] = []
    shape = tuple(input_shape)
    for index, layer in enumerate(layers):
        output, problem = _step(index, layer, shape)
        if problem:
            return shapes, problems + [problem]
        shape = cast(tuple, output)  # _step gives a shape wherever it finds no problem
        shapes.append(shape)
    if num_classes is not None:
        problems += _output_problems(layers, shape, num_classes)
    return shapes, problems


def _output_problems(layers, shape: tuple, num_classes: int) -> list[str]:
    dense = [i for i, layer in enumerate(layers) if layer["layer"] == "dense"]
    if len(shape) == 3 or not dense:
        return [
            f"LAYERS: the network ends with a {_fmt(shape)} output, expected "
            f"{num_classes} class scores; fix: end with {{'layer': 'flatten'}} and "
            f"{{'layer': 'dense', 'units': {num_classes}}}"
        ]
    if shape[0] != num_classes:
        last = layers[dense[-1]]
        return [
            f"LAYERS[{dense[-1]}] (dense: units={last['units']}): the last dense layer "
            f"gives {shape[0]} outputs, expected {num_classes} (one per class); fix: set "
            f"its units to {num_classes}"
        ]
    return []


def infer_shapes(
    layers, input_shape, num_classes: int | None = None, where: str = "LAYERS"
) -> list[tuple]:
    """Output shape of every layer for one example of ``input_shape`` (H, W, C).

    ``layers`` must be normalised. Raises :class:`SubmissionError` naming the layer's index,
    settings and the shapes involved; with ``num_classes`` also checks the final output.
    """
    shapes, problems = shape_problems(layers, input_shape, num_classes)
    if problems:
        raise SubmissionError(where, problems)
    return shapes


def _layer_costs(layers, input_shape) -> list[tuple[int, int]]:
    """(trainable parameters, multiply-accumulates) of each layer for one example."""
    costs, shape = [], tuple(input_shape)
    for layer, out in zip(layers, infer_shapes(layers, input_shape), strict=True):
        kind = layer["layer"]
        if kind == "conv":
            per_output = layer["field_size"] ** 2 * shape[2]
            costs.append((per_output * out[2] + out[2], out[0] * out[1] * out[2] * per_output))
        elif kind == "dense":
            costs.append((shape[0] * out[0] + out[0], shape[0] * out[0]))
        elif kind == "batchnorm":
            costs.append((2 * shape[-1], 0))  # gamma and beta per channel or feature
        else:
            costs.append((0, 0))
        shape = out
    return costs


def param_count(layers, input_shape) -> int:
    """Trainable parameters: conv f*f*in*out + out, dense in*out + out, batchnorm 2*C."""
    return sum(params for params, _ in _layer_costs(layers, input_shape))


def macs_per_example(layers, input_shape) -> int:
    """Multiply-accumulates of conv and dense layers for one example (biases, pools,
    activations and batchnorm are not counted)."""
    return sum(macs for _, macs in _layer_costs(layers, input_shape))


def layer_table(layers, input_shape) -> list[dict]:
    """One row per layer: index, kind, settings, output shape, params, MACs (for reports)."""
    rows = zip(
        layers, infer_shapes(layers, input_shape), _layer_costs(layers, input_shape), strict=True
    )
    return [
        {
            "index": i,
            "layer": layer["layer"],
            "settings": _settings(layer),
            "output_shape": list(out),
            "params": params,
            "macs": macs,
        }
        for i, (layer, out, (params, macs)) in enumerate(rows)
    ]


def assignment_shape_problems(layers, assignment: Assignment) -> list[str]:
    """Shape problems for every input shape the assignment grades on, each once."""
    by_shape: dict[tuple, list[str]] = {}
    for name in assignment.datasets:
        if name in DATASET_SHAPES:
            by_shape.setdefault(DATASET_SHAPES[name], []).append(name)
    found: dict[str, list[str]] = {}
    for (shape, classes), names in by_shape.items():
        for problem in shape_problems(layers, shape, classes)[1]:
            found.setdefault(problem, []).append(
                f"{'x'.join(map(str, shape))} ({', '.join(names)})"
            )
    return [
        p if len(on) == len(by_shape) else f"for input {' and '.join(on)}: {p}"
        for p, on in found.items()
    ]
