"""What the explore page of one run needs, kept beside ``results.json``.

The trusted parent writes ``OUT/explore/<student>/<dataset>-<framework>.npz`` after a
graded run: the test images it picked (with their labels, the run's predictions and
probabilities) and, for a layer-list submission, the trained weights and batchnorm
statistics it checked. Reports read it back, so ``python -m harness report`` rebuilds the
page from the output folder alone.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from harness.report.analysis import safe_name
from harness.report.explore.examples import Selection

FOLDER = "explore"


@dataclass
class ExploreRun:
    """One run's test images and arrays; ``picker`` and pairs index the image arrays."""

    indices: np.ndarray  # int64 (k,): positions in the test set
    images: np.ndarray  # uint8 (k, height, width, channels)
    labels: np.ndarray  # int64 (k,)
    predicted: np.ndarray  # int64 (k,): the predictions the run was scored on
    probabilities: np.ndarray  # float32 (k, classes): the run's own softmax
    picker: list[int] = field(default_factory=list)
    pairs: list[dict] = field(default_factory=list)  # true, predicted, count, confused, correct
    weights: list[np.ndarray] = field(default_factory=list)  # canonical; none for code form
    state: list[np.ndarray] = field(default_factory=list)  # batchnorm moving mean, variance
    note: str = ""  # why a layer list's arrays were refused at the boundary, if they were


def from_selection(
    selection: Selection,
    test_images,
    labels,
    predicted,
    probabilities,
    weights=(),
    state=(),
    note: str = "",
) -> ExploreRun:
    """Keep only the picked test images; positions replace test-set indices."""
    chosen = selection.indices()
    where = {index: position for position, index in enumerate(chosen)}
    pairs = [
        {
            "true": p.true,
            "predicted": p.predicted,
            "count": p.count,
            "confused": [where[i] for i in p.confused],
            "correct": [where[i] for i in p.correct],
        }
        for p in selection.pairs
    ]
    take = np.asarray(chosen, dtype=np.int64)
    return ExploreRun(
        take,
        np.asarray(test_images)[take],
        np.asarray(labels)[take],
        np.asarray(predicted)[take],
        np.asarray(probabilities, dtype=np.float32)[take],
        [where[i] for i in selection.picker],
        pairs,
        list(weights),
        list(state),
        note,
    )


def path_of(out_dir: Path, submission: str, dataset: str, framework: str) -> Path:
    return (
        Path(out_dir)
        / FOLDER
        / safe_name(submission)
        / f"{safe_name(dataset)}-{safe_name(framework)}.npz"
    )


def save(run: ExploreRun, path: Path) -> None:
    """Write atomically (a rename), so a report never reads half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    meta = {
        "picker": run.picker,
        "pairs": run.pairs,
        "weights": len(run.weights),
        "state": len(run.state),
        "note": run.note,
    }
    arrays: dict[str, Any] = {f"weight_{i}": w for i, w in enumerate(run.weights)}
    arrays.update({f"state_{i}": s for i, s in enumerate(run.state)})
    tmp = path.with_suffix(".tmp.npz")
    np.savez(
        tmp,
        indices=run.indices,
        images=run.images,
        labels=run.labels,
        predicted=run.predicted,
        probabilities=run.probabilities,
        meta=np.array(json.dumps(meta)),
        **arrays,
    )
    os.replace(tmp, path)


def load(path: Path) -> ExploreRun | None:
    """The run saved at ``path``, or None when there is none (an older output folder)."""
    if not Path(path).is_file():
        return None
    with np.load(path, allow_pickle=False) as data:
        meta = json.loads(str(data["meta"]))
        return ExploreRun(
            data["indices"],
            data["images"],
            data["labels"],
            data["predicted"],
            data["probabilities"],
            meta["picker"],
            meta["pairs"],
            [data[f"weight_{i}"] for i in range(meta["weights"])],
            [data[f"state_{i}"] for i in range(meta["state"])],
            meta.get("note", ""),
        )
