"""The network a student saved from the course's Model Builder page (``model.json``).

The page's "Download model" button writes its layers as JSON, one object per layer with the
page's own names: ``{"layerName": "Convolution", "fieldSize": 5, "stride": 1, "zeroPad": 2,
"outputDepth": 16}``, ``"Max pool"`` (fieldSize, stride, zeroPad), ``"ReLU"``, ``"Flatten"``,
``"Reshape"`` (outputShape) and ``"Fully connected"`` (hiddenUnits). The page saves no training
settings, so the assignment's defaults apply. Each entry becomes one Model Builder layer,
checked like a ``LAYERS`` list; a problem names the entry and its ``layerName``.
"""

from __future__ import annotations

import json
from pathlib import Path

from harness.untrusted import TooLarge, read_regular

MAX_BYTES = 1 << 20  # a saved network is a few hundred bytes; the folder limit bounds it too
# The page's layer name -> (Model Builder kind, {page field: Model Builder setting}).
PAGE_LAYERS = {
    "Convolution": (
        "conv",
        {"fieldSize": "field_size", "stride": "stride", "zeroPad": "zero_pad"}
        | {"outputDepth": "filters"},
    ),
    "Max pool": ("maxpool", {"fieldSize": "field_size", "stride": "stride"}),
    "ReLU": ("relu", {}),
    "Flatten": ("flatten", {}),
    "Fully connected": ("dense", {"hiddenUnits": "units"}),
}


def _entry_layer(index: int, entry) -> tuple[dict | None, str | None]:
    """One saved entry as a Model Builder layer, or a problem naming it."""
    label = f"layer {index}"
    if not isinstance(entry, dict) or not isinstance(entry.get("layerName"), str):
        return None, f"{label}: expected an object with a layerName, received {entry!r:.80}"
    name = entry["layerName"]
    label = f"layer {index} ({name!r})"
    if name == "Reshape":  # the page's reshape to one dimension is a flatten
        shape = entry.get("outputShape")
        if isinstance(shape, list) and len(shape) == 1:
            return {"layer": "flatten"}, None
        return None, (
            f"{label}: outputShape {shape!r}: only a reshape to one dimension (a flatten) "
            "is supported; fix: use a Flatten layer"
        )
    if name not in PAGE_LAYERS:
        return None, f"{label}: expected one of {', '.join(map(repr, [*PAGE_LAYERS, 'Reshape']))}"
    if name == "Max pool" and entry.get("zeroPad", 0) != 0:
        return None, (
            f"{label}: zeroPad {entry['zeroPad']!r}: the harness's pooling has no padding; "
            "fix: set Zero pad to 0"
        )
    kind, fields = PAGE_LAYERS[name]
    return {"layer": kind} | {ours: entry.get(page) for page, ours in fields.items()}, None


def read_builder_file(path: Path) -> tuple[list[dict], list[str]]:
    """(Model Builder layers, problems) of a saved Model Builder network."""
    try:
        data = read_regular(path, MAX_BYTES)  # no link followed, never blocking
        entries = json.loads(data.decode("utf-8"))
    except TooLarge:
        return [], [f"{path.name} is larger than {MAX_BYTES >> 10} KiB; a saved network is small"]
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        # RecursionError: a file of nested brackets, which no Model Builder page saves
        return [], [f"could not read the saved Model Builder network: {str(exc)[:200]}"]
    if not isinstance(entries, list) or not entries:
        return [], [
            "expected the list of layers the Model Builder page saves (Download model), "
            f"received {str(entries)[:80]!r}"
        ]
    layers, problems = [], []
    for index, entry in enumerate(entries):
        layer, problem = _entry_layer(index, entry)
        layers += [layer] if layer else []
        problems += [problem] if problem else []
    return layers, problems
