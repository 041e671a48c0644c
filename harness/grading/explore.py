"""The explore step of a graded student run: after scoring it, keep what its page will show.

The one home of that step. What the run exported (``out/``) is read through
:func:`harness.worker.explore.read_exports`, which checks every file at the boundary; only
the parent holds the test labels, so only it picks the test images
(:mod:`harness.report.explore.examples`); what the page needs is saved under
``OUT/explore/`` (:mod:`harness.report.explore.store`), where the reports find it. A refused
export costs the page its pictures, never a point: why ends the run's output.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from harness.grading.inputs import PreparedDataset
from harness.report.explore import examples, store
from harness.report.explore.store import path_of
from harness.results.record import RunRecord
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


def keep_run_page(
    out_dir: Path,
    job_dir: Path,
    data: PreparedDataset,
    record: RunRecord,
    predictions: np.ndarray,
    labels: np.ndarray,
) -> None:
    """Save what the student's explore page shows; why not, if not, ends the output."""
    test = {
        "images": data.inputs().test_images,  # the parent's copy, not the worker's
        "labels": labels,
        "num_classes": data.meta.num_classes,
        "input_shape": data.meta.input_shape,
    }
    page = path_of(out_dir, record.submission, record.dataset, record.framework)
    why = keep_for_page(job_dir / "out", page, record.settings, test, predictions)
    if why:
        record.output = "\n".join(
            part
            for part in (record.output, f"[harness] no explore page for this run: {why}")
            if part
        )
