"""The trusted parent's part: after scoring a run, keep what its explore page will show.

Only the parent holds the test labels, so only it picks the test images (through
:mod:`.examples`); what the run exported is read through :func:`harness.worker.explore.
read_exports`, which checks every file at the boundary.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from harness.report.explore import examples, store
from harness.worker.explore import read_exports


def keep_for_page(
    out: Path, page_path: Path, settings: dict, test: dict, predictions: np.ndarray
) -> str:
    """Pick the test images and save what the page needs at ``page_path``; returns why
    nothing was kept ("" when it was). ``out`` is the run's output folder; ``test`` holds
    the parent's own ``images``, ``labels``, ``input_shape`` and ``num_classes``."""
    page_path.unlink(missing_ok=True)  # never show an earlier run's pictures
    exports, problem = read_exports(
        out, settings, test["input_shape"], test["num_classes"], predictions
    )
    if exports is None:
        return problem
    chosen = examples.select(
        test["labels"], predictions, exports.probabilities, test["num_classes"]
    )
    store.save(
        store.from_selection(
            chosen,
            test["images"],
            test["labels"],
            predictions,
            exports.probabilities,
            exports.weights,
            exports.state,
            exports.refused,
        ),
        page_path,
    )
    return ""
