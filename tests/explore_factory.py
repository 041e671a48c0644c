"""Output folders with explore data, as a graded run leaves them, without training.

Test images and labels are the real bundled Fashion-MNIST subset; weights are given by the
test (random ones here, a framework's in the framework tests); the probabilities are the
test's too. Everything goes through the same functions grading uses (selection, store).
"""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
from project_paths import SUBMISSIONS
from report_factory import run, write_results

from harness.data.loader import load_bundled
from harness.report import build_reports
from harness.report.explore import examples, store
from harness.submission import arrays
from harness.submission.spec import normalize_layers


def example_layer_lists() -> dict[str, list]:
    """LAYERS of every example submission, read from its syntax tree (no code runs)."""
    found = {}
    for index_py in sorted(SUBMISSIONS.glob("*/index.py")):
        for node in ast.parse(index_py.read_text()).body:
            if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "LAYERS":
                found[index_py.parent.name] = ast.literal_eval(node.value)
    return found


ORIGINAL_LAYERS = normalize_layers(example_layer_lists()["original"], "ORIGINAL_LAYERS")
SHAPE, CIFAR_SHAPE = (28, 28, 1), (32, 32, 3)


def real_test_images(count: int = 1000) -> tuple[np.ndarray, np.ndarray]:
    """The first ``count`` real test images and labels of the bundled subset."""
    data = load_bundled()
    return data.test_images[:count], data.test_labels[:count]


def random_arrays(layers, shape=SHAPE, seed: int = 0) -> tuple[list, list]:
    """Weights and batchnorm statistics of the right shapes, drawn at random."""
    rng = np.random.default_rng(seed)
    weights = [
        rng.normal(0.0, 0.1, size=s.shape).astype(np.float32)
        for s in arrays.weight_slots(layers, shape)
    ]
    state = [
        (
            rng.normal(0.0, 0.1, size=s.shape)
            if s.name == "moving_mean"
            else rng.uniform(0.5, 1.5, size=s.shape)
        ).astype(np.float32)
        for s in arrays.state_slots(layers, shape)
    ]
    return weights, state


def save_run(out: Path, record, images, labels, probabilities, weights=(), state=()) -> None:
    """What the parent stores after a graded run: picked images, the run's arrays."""
    predicted = probabilities.argmax(axis=1)
    chosen = examples.select(labels, predicted, probabilities, len(record.class_names))
    saved = store.from_selection(chosen, images, labels, predicted, probabilities, weights, state)
    store.save(saved, store.path_of(out, record.submission, record.dataset, record.framework))


def output_folder(out: Path, layers=ORIGINAL_LAYERS, seed: int = 0) -> Path:
    """Results and explore data for "ada" (a layer list, random weights; Fashion-MNIST, and
    CIFAR-10 sized random pictures) and "cody" (code form: no weights), then every report;
    returns ``out``."""
    images, labels = real_test_images()
    rng = np.random.default_rng(seed)
    probabilities = rng.dirichlet(np.full(10, 0.3), size=len(labels)).astype(np.float32)
    ada = run("ada", settings={"batch_size": 64, "layers": [dict(x) for x in layers]})
    cody = run("cody", settings={"batch_size": 64})
    save_run(out, ada, images, labels, probabilities, *random_arrays(layers, seed=seed))
    save_run(out, cody, images, labels, probabilities)
    cifar = run("ada", "cifar10", settings={"layers": [dict(x) for x in layers]})
    pictures = rng.integers(0, 256, (len(labels), *CIFAR_SHAPE), dtype=np.uint8)
    save_run(
        out, cifar, pictures, labels, probabilities, *random_arrays(layers, CIFAR_SHAPE, seed=seed)
    )
    write_results(out, [ada, cody, cifar])
    build_reports(out)
    return out
