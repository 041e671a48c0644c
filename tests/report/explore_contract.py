"""The explore contract: the page's forward pass agrees with each framework's.

Not collected on its own; ``tests/report/test_explore_<framework>.py`` imports these tests
and supplies the ``adapter`` fixture. For each Model Builder submission in ``submissions/``
(all in torch, a few elsewhere: see ``case_names``) the framework computes the
probabilities of real test images from random weights; for a list using every layer kind
it first trains a few batches, so that the batchnorm statistics move, and the arrays are
the adapter's own export. The page, loaded in headless Chromium, computes the
probabilities again in JavaScript; they must agree within 1e-4.
"""

from __future__ import annotations

import numpy as np
import pytest
from chromium_cdp import Browser
from explore_factory import example_layer_lists, random_arrays, real_test_images, save_run
from report_factory import FASHION, run, write_results

from harness.adapters.base import ModelSource, TrainConfig, TrainData
from harness.batch_order import batch_indices
from harness.report import build_reports
from harness.submission.spec import normalize_layers, shape_problems

EVERY_KIND = [
    {"layer": "conv", "field_size": 3, "stride": 2, "filters": 6, "zero_pad": 1},
    {"layer": "batchnorm"},
    {"layer": "tanh"},
    {"layer": "avgpool", "field_size": 2},
    {"layer": "conv", "field_size": 3, "filters": 8},
    {"layer": "sigmoid"},
    {"layer": "maxpool", "field_size": 3, "stride": 2},
    {"layer": "dropout", "rate": 0.3},
    {"layer": "flatten"},
    {"layer": "dense", "units": 20},
    {"layer": "batchnorm"},
    {"layer": "relu"},
    {"layer": "dense", "units": 10},
]
FASHION_SHAPE, CIFAR_SHAPE = (28, 28, 1), (32, 32, 3)
TOLERANCE = 1e-4


@pytest.fixture(scope="module")
def case_names(adapter) -> set[str] | None:
    """The layer lists to check: all of them in torch; elsewhere, to keep those groups
    quick, the list with every kind and one network per input size (None: all)."""
    return None if adapter.name == "torch" else {"every_kind", "original", "cifar_3x3_30_filters"}


def _cases() -> list[tuple[str, tuple, list]]:
    cases = [("every_kind", FASHION_SHAPE, EVERY_KIND)]
    for name, layers in example_layer_lists().items():
        shape = CIFAR_SHAPE if "cifar" in name else FASHION_SHAPE
        cases.append((name, shape, layers))
    return cases


def _probabilities(adapter, model, images) -> np.ndarray:
    """Softmax of the framework's logits, as the worker computes it."""
    logits = np.asarray(adapter.logits(model, images), dtype=np.float64)
    exps = np.exp(logits - logits.max(axis=1, keepdims=True))
    return (exps / exps.sum(axis=1, keepdims=True)).astype(np.float32)


def _trained(adapter, layers, shape, seed: int, train: bool):
    """A model holding random weights, trained a few batches if ``train``."""
    model = adapter.build(ModelSource(layers=layers), shape, 10, seed=0)
    adapter.set_weights(model, random_arrays(layers, shape, seed)[0])
    if train:
        images, labels = real_test_images(256)
        data = TrainData(
            images, labels, images[:32], labels[:32], batch_indices(256, 32, 5, seed=0)
        )
        adapter.train(
            model, data, TrainConfig(batch_size=32, num_batches=5, eval_every=5, warmup_batches=1)
        )
    return model


def _images(shape) -> tuple[np.ndarray, np.ndarray]:
    if shape == FASHION_SHAPE:
        return real_test_images(300)
    rng = np.random.default_rng(7)  # no CIFAR-10 ships with the package: random pictures
    return rng.integers(0, 256, (300, *shape), dtype=np.uint8), rng.integers(0, 10, 300)


@pytest.fixture(scope="module")
def pages(adapter, case_names, tmp_path_factory):
    """One student per layer list, graded "mnist" or "cifar10" in the adapter's framework;
    the arrays on the page are the adapter's ``get_weights`` and ``batchnorm_statistics``."""
    out, records = tmp_path_factory.mktemp("explore-pages"), []
    for name, shape, raw in _cases():
        layers = normalize_layers(raw, name)
        if shape_problems(layers, shape, 10)[1] or name not in (case_names or {name}):
            continue  # built for another input size, or not asked for
        model = _trained(adapter, layers, shape, len(records), train=name == "every_kind")
        images, labels = _images(shape)
        record = run(
            name,
            "cifar10" if shape == CIFAR_SHAPE else "mnist",
            framework=adapter.name,
            class_names=list(FASHION),
            settings={"layers": [dict(x) for x in layers]},
        )
        save_run(
            out,
            record,
            images,
            labels,
            _probabilities(adapter, model, images),
            adapter.get_weights(model),
            adapter.batchnorm_statistics(model),
        )
        records.append(record)
    write_results(out, records)
    build_reports(out)
    return out, [r.submission for r in records]


def test_every_layer_list_asked_for_has_a_page(pages, case_names):
    _, names = pages
    assert {"every_kind", "original"} <= set(names)
    assert len(names) >= 14 if case_names is None else set(names) == case_names


def test_batchnorm_statistics_are_exported_and_moved_by_training(adapter):
    layers = normalize_layers(EVERY_KIND, "EVERY_KIND")
    model = _trained(adapter, layers, FASHION_SHAPE, 0, train=True)
    state = adapter.batchnorm_statistics(model)
    assert [s.shape for s in state] == [(6,), (6,), (20,), (20,)]  # mean, variance per layer
    assert all(np.asarray(s).dtype == np.float32 for s in state)
    assert np.abs(state[0]).max() > 1e-3 and np.abs(state[1] - 1).max() > 1e-3
    assert (np.asarray(state[1]) > 0).all() and (np.asarray(state[3]) > 0).all()


@pytest.mark.needs("chromium")
def test_page_probabilities_match_the_framework_within_1e_4(pages, tmp_path):
    out, names = pages
    worst = {}
    with Browser(tmp_path / "profile") as browser:
        for name in names:
            browser.open(
                out / "students" / name / "explore.html", "window.explore && window.explore.ready"
            )
            run_data = browser.evaluate("window.explore.data.runs[0]")
            page = browser.evaluate(
                "window.explore.data.runs[0].examples.map((e, i) => "
                "window.explore.pageProbabilities(0, i))"
            )
            framework = np.array([e["probabilities"] for e in run_data["examples"]])
            assert np.shape(page) == framework.shape and len(page) >= 20
            worst[name] = float(np.abs(np.array(page) - framework).max())
    assert max(worst.values()) < TOLERANCE, worst
