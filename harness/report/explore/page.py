"""``students/<id>/explore.html``: one self-contained page per student.

The page holds everything inline: its style, its two scripts (``static/forward.js`` runs a
layer list, ``static/explore.js`` draws the page) and the data of every passed run (the
picked test images, the run's probabilities, and the trained arrays of a layer list), as
JSON in a ``<script type="application/json">`` element. Its Content-Security-Policy
forbids every fetch, so it works, and can only work, offline.
"""

from __future__ import annotations

import base64
import json
from html import escape
from pathlib import Path

import numpy as np

from harness.report.explore.store import ExploreRun
from harness.results.record import RunRecord
from harness.submission.arrays import state_slots, weight_slots
from harness.submission.spec import infer_shapes, normalize_layers

STATIC = Path(__file__).with_name("static")
DRAWABLE_SHAPE = (28, 28, 1)  # the canvas draws digits and clothes in MNIST's format
POLICY = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:"
WHY_NOT = {
    "code": "Layer activations are not shown: this submission builds its network in code "
    "(build_model), whose layers the harness does not know, so the page cannot run "
    "it. The probabilities under each image come from the graded run itself. A Model "
    "Builder (LAYERS) or index.js layer list is run here layer by layer.",
    "no_weights": "Layer activations are not shown: this run left no trained weights "
    "(it was graded before runs exported them; grade again to see them).",
    "refused": "Layer activations are not shown: the trained weights this run exported "
    "were refused: ",
}


def _base64(array: np.ndarray, dtype: str) -> str:
    """The array's bytes as ``dtype`` (little-endian), in base64 for the page's JSON."""
    return base64.b64encode(np.ascontiguousarray(array, dtype=dtype).tobytes()).decode("ascii")


def page_layers(layers, input_shape, weights, state) -> list[dict]:
    """The layer list as the page reads it: settings, output shape, arrays in base64."""
    outputs = infer_shapes(layers, input_shape)
    found = [
        dict(layer, output_shape=list(out), params={})
        for layer, out in zip(layers, outputs, strict=True)
    ]
    filled = zip(
        weight_slots(layers, input_shape) + state_slots(layers, input_shape),
        list(weights) + list(state),
        strict=True,
    )
    for slot, array in filled:
        found[slot.layer]["params"][slot.name] = _base64(array, "<f4")
    return found


def _examples(run: ExploreRun) -> list[dict]:
    return [
        {
            "index": int(index),
            "label": int(label),
            "predicted": int(predicted),
            "probabilities": [round(float(p), 7) for p in probabilities],
            "pixels": _base64(image, "u1"),
        }
        for index, image, label, predicted, probabilities in zip(
            run.indices, run.images, run.labels, run.predicted, run.probabilities, strict=True
        )
    ]


def _network(record: RunRecord, run: ExploreRun, shape: tuple) -> tuple[dict | None, str]:
    """The page's network, or None and the sentence saying why there is none."""
    layers = record.settings.get("layers")
    if not layers:
        return None, WHY_NOT["code"]
    if run.note:
        return None, WHY_NOT["refused"] + run.note
    if not run.weights:
        return None, WHY_NOT["no_weights"]
    layers = normalize_layers(layers, "settings.layers")
    return {"layers": page_layers(layers, shape, run.weights, run.state)}, ""


def _facts(record: RunRecord, run: ExploreRun) -> str:
    parts = [f"{record.dataset} in {record.framework}"]
    if record.test_accuracy is not None:
        parts.append(f"test accuracy {record.test_accuracy:.4f}")
    if record.param_count is not None:
        parts.append(f"{record.param_count:,} trainable parameters")
    parts.append(f"{len(run.indices)} test images picked from the test set")
    return "; ".join(parts) + "."


def run_data(record: RunRecord, run: ExploreRun) -> dict:
    """What the page's scripts read for one run."""
    shape = tuple(int(n) for n in run.images.shape[1:])
    network, why = _network(record, run, shape)
    return {
        "title": f"{record.dataset} · {record.framework}",
        "dataset": record.dataset,
        "framework": record.framework,
        "class_names": list(record.class_names),
        "input_shape": list(shape),
        "drawable": shape == DRAWABLE_SHAPE,
        "network": network,
        "no_network": why,
        "facts": _facts(record, run),
        "examples": _examples(run),
        "picker": list(run.picker),
        "pairs": list(run.pairs),
    }


def _script_json(data: dict) -> str:
    """JSON safe inside a <script> element: no '<' can end it or open a comment."""
    return json.dumps(data, separators=(",", ":")).replace("<", "\\u003c")


BODY = """<p class="facts"><a href="../{back}">Back to the feedback page</a>. Everything here
runs in your browser from this file alone.</p>
<div id="runs"></div>
<p class="facts" id="run-facts"></p>
<p class="note" id="no-network"></p>
<section id="look">
<h2><span id="draw-or">Draw or pick</span> an image, and see what the network says</h2>
<div class="top">
<div id="drawing"><canvas id="draw" width="280" height="280"
aria-label="drawing area: draw with the mouse or a finger"></canvas><br>
<button id="clear">Clear</button> <span class="facts">draw with the mouse or a finger</span></div>
<div><div id="input-preview"></div><div id="prediction"></div></div>
<div><h3>Test images</h3><div id="picker" class="picker"></div></div>
</div>
<section id="explorer">
<h2>Inside the network, layer by layer</h2>
<p class="facts">Each small picture is one channel of a layer's output for the image above:
red is positive, blue negative, white zero, on one scale per layer.</p>
<div id="layers"></div>
</section>
</section>
<section>
<h2>The confusions, explained</h2>
<p class="facts">For the pairs of classes this network mixed up most, test images it got
wrong (red) beside ones it got right (green), with the probabilities of the graded run.
<span id="click-hint">Click one to see every layer.</span></p>
<div id="confusions"></div>
</section>
"""


def page_html(student: str, back_href: str, runs: list[dict]) -> str:
    """The whole page for one student's runs (each from :func:`run_data`)."""
    data = {
        "student": student,
        "runs": runs,
        "empty": "No passed run of this submission left test images to show.",
    }
    title = f"Inside the network: {student}"
    scripts = "".join(
        f"<script>\n{(STATIC / name).read_text()}</script>\n"
        for name in ("forward.js", "explore.js")
    )
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{POLICY}">\n'
        f"<title>{escape(title)}</title>\n<style>\n{(STATIC / 'explore.css').read_text()}"
        f"</style>\n</head>\n<body>\n<h1>{escape(title)}</h1>\n"
        + BODY.format(back=escape(back_href))
        + f'<script type="application/json" id="explore-data">{_script_json(data)}'
        f"</script>\n{scripts}</body>\n</html>\n"
    )
