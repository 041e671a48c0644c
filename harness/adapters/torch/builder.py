"""Model Builder layers -> ``nn.Sequential``, and the canonical weight layout, for torch.

Only :mod:`harness.adapters.torch` uses this module. torch is imported inside the
functions, so that, like the rest of the neutral core, the module imports in any process
(tests/test_neutral_core.py imports every harness module with the frameworks blocked).

Canonical layout (:mod:`harness.adapters.base`): conv OIHW <-> HWIO, dense (out, in) <->
(in, out), flatten channels-last. A student's ``build_model`` module has no layout we can
know, so its "canonical" weights are its trainable parameters in ``parameters()`` order.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from harness.errors import HarnessError

# --- building -------------------------------------------------------------------------


def _conv_size(size: int, field: int, stride: int, pad: int = 0) -> int:
    return (size + 2 * pad - field) // stride + 1


def _layer_module(spec: dict, shape: tuple[int, ...]):
    """One normalised Model Builder layer -> (module, output shape without the batch)."""
    from torch import nn

    from reference_models.torch_cnn import FlattenHWC  # lazy: imports torch, as nn above

    kind = spec["layer"]
    if kind == "conv":
        f, s, p = spec["field_size"], spec["stride"], spec["zero_pad"]
        out = (spec["filters"], _conv_size(shape[1], f, s, p), _conv_size(shape[2], f, s, p))
        return nn.Conv2d(shape[0], out[0], f, stride=s, padding=p), out
    if kind in ("maxpool", "avgpool"):
        f, s = spec["field_size"], spec["stride"]
        pool = nn.MaxPool2d if kind == "maxpool" else nn.AvgPool2d
        return pool(f, s), (shape[0], _conv_size(shape[1], f, s), _conv_size(shape[2], f, s))
    if kind == "dense":
        if len(shape) != 1:
            raise HarnessError(
                f"layers: dense: expected a flat input (add a flatten layer "
                f"before it), received shape {shape}"
            )
        return nn.Linear(shape[0], spec["units"]), (spec["units"],)
    if kind == "flatten":
        return FlattenHWC(), (int(np.prod(shape)),)
    if kind == "batchnorm":  # decay 0.9 of the shared vocabulary is torch momentum 0.1
        norm = nn.BatchNorm2d if len(shape) == 3 else nn.BatchNorm1d
        return norm(shape[0], eps=1e-5, momentum=0.1), shape
    if kind == "dropout":
        return nn.Dropout(spec["rate"]), shape
    simple = {"relu": nn.ReLU, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh}
    if kind in simple:
        return simple[kind](), shape
    raise HarnessError(f"layers: layer: expected a known layer name, received {kind!r}")


def build_sequential(layers: Sequence[dict], input_shape: tuple[int, int, int]):
    """An ``nn.Sequential`` for a normalised layer list; input NCHW, Glorot init."""
    from torch import nn

    from reference_models.torch_cnn import glorot_init  # lazy: imports torch, as nn above

    height, width, channels = input_shape
    shape: tuple[int, ...] = (channels, height, width)
    modules = []
    for spec in layers:
        module, shape = _layer_module(spec, shape)
        modules.append(module)
    model = nn.Sequential(*modules)
    glorot_init(model)
    return model


# --- canonical weights ----------------------------------------------------------------


def to_canonical(layer, name: str, value):
    """A parameter tensor of ``layer`` in torch's layout -> the canonical layout."""
    from torch import nn

    if name == "weight" and isinstance(layer, nn.Conv2d):
        return value.permute(2, 3, 1, 0)  # (out, in, kh, kw) -> (kh, kw, in, out)
    if name == "weight" and isinstance(layer, nn.Linear):
        return value.t()
    return value


def from_canonical(layer, name: str, value):
    """The inverse of :func:`to_canonical`."""
    from torch import nn

    if name == "weight" and isinstance(layer, nn.Conv2d):
        return value.permute(3, 2, 0, 1)
    if name == "weight" and isinstance(layer, nn.Linear):
        return value.t()
    return value


def canonical_slots(module, canonical: bool) -> list[tuple]:
    """(layer, parameter name) for every trainable parameter in canonical order."""
    from torch import nn

    if not canonical:
        return [(module, name) for name, p in module.named_parameters() if p.requires_grad]
    layer_types = (nn.Conv2d, nn.Linear, nn.BatchNorm1d, nn.BatchNorm2d)
    return [
        (layer, name)
        for layer in module.modules()
        if isinstance(layer, layer_types)
        for name in ("weight", "bias")
    ]
