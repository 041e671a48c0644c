"""What crosses back from a sandboxed worker, parsed by the parent field by field.

The worker is student code: each message it sends (:mod:`harness.worker.channel`) becomes
a frozen dataclass here, or a :class:`Refused` that names the field, what was expected and
what was received. Nothing else of a message is kept. :class:`Declared` is what the worker
says it will train with (a claim the parent checks against the budget); :class:`Report` is
what it returns at the end: predictions, the validation predictions of each curve point,
the losses it says it saw, its parameter count and device (claims, shown as such). No
number of a record is taken from here: times, counts and accuracies are the parent's.
"""

from __future__ import annotations

import json
import math
import numbers
from dataclasses import dataclass, field
from typing import TypeGuard, cast

import numpy as np

from harness.results.scoring import check_predictions
from harness.submission.spec import layer_problems

REASON_CHARS = 4000
TEXT_CHARS = 200  # of any other string the worker sends (device names, form)
MAX_LAYERS = 200  # layers a declared list may hold
MAX_DEVICE_KEYS = 20
SOURCE_CHARS = 256 << 10  # an index.js's provenance, as JSON
HYPERPARAMETER_KEYS = ("batch_size", "num_batches", "optimizer", "learning_rate")


class Refused(Exception):
    """A field the worker sent is unusable: the message says which, expected, received."""


def _refuse(where: str, expected: str, received) -> Refused:
    return Refused(f"{where}: expected {expected}, received {str(received)[:TEXT_CHARS]}")


@dataclass(frozen=True)
class Declared:
    """The settings a worker says its submission asked for, before any data is sent."""

    hyperparameters: dict  # only HYPERPARAMETER_KEYS, still to be checked against the budget
    form: str | None = None  # "code" or "layers" for a submission
    layers: tuple[dict, ...] | None = None  # the layer list, normalised, for the layers form
    source: dict | None = None  # an index.js's provenance (type-checked by the reports)


@dataclass(frozen=True)
class Report:
    """The worker's last message. ``losses`` are one claimed mean loss per curve point."""

    status: str  # "ok" or "failed"
    reason: str = ""
    predictions: np.ndarray | None = None  # int64 (num_test,), checked
    validation_predictions: np.ndarray | None = None  # int64 (points, validation images)
    losses: tuple[float, ...] = ()
    param_count: int | None = None
    device: dict = field(default_factory=dict)


def _is_int(value) -> TypeGuard[numbers.Integral]:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _is_number(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def parse_declared(body: dict) -> Declared:
    """The ``ready`` message's body, kept to known fields of the right kinds."""
    settings = body.get("settings")
    if not isinstance(settings, dict):
        raise _refuse("ready.settings", "an object", type(settings).__name__)
    hyper = {k: settings[k] for k in HYPERPARAMETER_KEYS if k in settings}
    form = settings.get("form")
    if form not in (None, "code", "layers"):
        raise _refuse("ready.settings.form", "'code' or 'layers'", repr(form))
    return Declared(
        hyper,
        form,
        _declared_layers(settings.get("layers")),
        _declared_source(settings.get("source")),
    )


def _declared_source(source) -> dict | None:
    if source is None:
        return None
    if not isinstance(source, dict) or len(json.dumps(source)) > SOURCE_CHARS:
        raise _refuse(
            "ready.settings.source",
            f"an object of at most {SOURCE_CHARS} characters as JSON",
            type(source).__name__,
        )
    return source


def _declared_layers(layers) -> tuple[dict, ...] | None:
    if layers is None:
        return None

    if not isinstance(layers, list) or len(layers) > MAX_LAYERS:
        raise _refuse(
            "ready.settings.layers", f"a list of at most {MAX_LAYERS} layers", type(layers).__name__
        )
    normalised, problems = layer_problems(layers)
    if problems:
        raise _refuse("ready.settings.layers", "a valid layer list", problems[0])
    return normalised


def _text(value, where: str, limit: int = TEXT_CHARS) -> str:
    if not isinstance(value, str):
        raise _refuse(where, "text", type(value).__name__)
    return value[:limit]


def _device(value) -> dict:
    """Finite scalars under short text keys; anything else is refused (a NaN or an
    infinity would make every results file invalid JSON to a strict reader)."""
    if not isinstance(value, dict) or len(value) > MAX_DEVICE_KEYS:
        raise _refuse(
            "report.device", f"an object of at most {MAX_DEVICE_KEYS} fields", type(value).__name__
        )
    device = {}
    for key, item in value.items():
        if isinstance(item, str):
            item = item[:TEXT_CHARS]
        elif item is not None and not isinstance(item, (bool, int, float)):
            raise _refuse(
                f"report.device.{key[:40]}", "a number, text or null", type(item).__name__
            )
        elif isinstance(item, float) and not math.isfinite(item):
            raise _refuse(f"report.device.{key[:40]}", "a finite number", item)
        device[key[:40]] = item
    return device


def _losses(value, points: int) -> tuple[float, ...]:
    ok = (
        isinstance(value, list)
        and len(value) == points
        and all(_is_number(v) and math.isfinite(v) and v >= 0 for v in value)
    )
    if not ok:
        raise _refuse(
            "report.losses",
            f"{points} finite numbers >= 0 (one per curve point)",
            repr(value)[:TEXT_CHARS],
        )
    return tuple(float(v) for v in value)


def _validation(value, points: int, images: int, classes: int) -> np.ndarray:
    if not isinstance(value, np.ndarray) or value.shape != (points, images):
        shape = getattr(value, "shape", None)
        raise _refuse(
            "report.validation_predictions", f"an array of shape ({points}, {images})", shape
        )
    reason = check_predictions(value.reshape(-1), points * images, classes)
    if reason:
        raise Refused(f"report.validation_{reason}")
    return value.astype(np.int64)


def parse_report(
    body: dict, arrays: dict, *, points: int, num_test: int, validation_images: int, classes: int
) -> Report:
    """The ``report`` message checked against what the parent planned; raises Refused."""
    status = body.get("status")
    if status not in ("ok", "failed"):
        raise _refuse("report.status", "'ok' or 'failed'", repr(status))
    reason = _text(body.get("reason", ""), "report.reason", REASON_CHARS)
    if status == "failed":
        return Report("failed", reason or "the run said it failed, without a reason")
    predictions = arrays.get("predictions")
    why = check_predictions(predictions, num_test, classes)
    if why:
        raise Refused(f"report.{why}")
    predictions = cast(np.ndarray, predictions)  # check_predictions refuses anything else
    count = body.get("param_count")
    if not _is_int(count) or count < 0:
        raise _refuse("report.param_count", "an integer >= 0", repr(count))
    return Report(
        "ok",
        reason,
        predictions.astype(np.int64),
        _validation(arrays.get("validation_predictions"), points, validation_images, classes),
        _losses(body.get("losses"), points),
        int(count),
        _device(body.get("device")),
    )
