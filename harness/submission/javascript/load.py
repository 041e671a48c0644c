"""Load an ``index.js``: record it in QuickJS, convert it, check it like a ``LAYERS`` list.

Runs the student's JavaScript: call only inside the sandbox (the grading worker or the
check child), like :func:`harness.submission.load_submission`, which calls this for
``.js`` files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from harness.config import Assignment
from harness.errors import SubmissionError
from harness.submission import spec
from harness.submission.fields import Hyperparameters, hyperparameter_problems
from harness.submission.javascript.convert import JsModel, convert
from harness.submission.javascript.engine import record_file
from harness.submission.javascript.record import parse_record
from harness.submission.spec import assignment_shape_problems

_LAYER_LABEL = re.compile(r"LAYERS\[(\d+)\]")
_SETTING_LABEL = re.compile(r"HYPERPARAMETERS\['(\w+)'\]")


@dataclass(frozen=True)
class JsSubmission:
    """What an index.js builds, checked: Model Builder layers and settings, with sources."""

    layers: tuple[dict, ...]
    hyperparameters: Hyperparameters
    provenance: dict  # language, dialect, layer_sources, notes (see :func:`provenance`)


def provenance(model: JsModel) -> dict:
    """JSON-ready account of where each layer came from, for check and the reports."""
    return {
        "language": "javascript",
        "dialect": model.dialect,
        "layer_sources": [
            {"line": s.line, "via": list(s.via), "call": s.call, "where": s.describe()}
            for s in model.sources
        ],
        "notes": list(model.notes),
    }


def _layer_label(model: JsModel, problem: str) -> str:
    """A Model Builder problem about ``LAYERS[i]`` told with the JavaScript line and call."""
    found = _LAYER_LABEL.search(problem)
    if not found or int(found.group(1)) >= len(model.sources):
        return problem
    source = model.sources[int(found.group(1))]
    told = problem.replace(found.group(0), f"{source.call} (layer {found.group(1)})", 1)
    return f"line {source.line}: {told}" if source.line else told


def _setting_label(model: JsModel, problem: str) -> str:
    found = _SETTING_LABEL.search(problem)
    if not found or found.group(1) not in model.hyperparameter_sources:
        return problem
    line, what = model.hyperparameter_sources[found.group(1)]
    told = problem.replace(found.group(0), f"{found.group(1)} ({what})", 1)
    return f"line {line}: {told}" if line else told


def check_model(model: JsModel, assignment: Assignment):
    """Normalised layers, hyperparameters and every problem, told in the file's terms."""
    hyperparameters, found = hyperparameter_problems(model.hyperparameters, assignment.budget)
    problems = [_setting_label(model, p) for p in found]
    layers, found = spec.layer_problems(list(model.layers))
    found = found or assignment_shape_problems(layers, assignment)
    return layers, hyperparameters, problems + [_layer_label(model, p) for p in found]


def load_javascript(path, assignment: Assignment) -> JsSubmission:
    """Record, convert and check ``path``; raises :class:`SubmissionError` listing every
    problem. Runs the student's JavaScript (in QuickJS, under its own limits)."""
    path = Path(path)
    raw, stopped = record_file(path)
    model, problems = convert(parse_record(raw, path), path.read_text(encoding="utf-8"), stopped)
    if model is None or problems:
        raise SubmissionError(path, list(dict.fromkeys(problems)))
    layers, hyperparameters, problems = check_model(model, assignment)
    if problems:
        raise SubmissionError(path, problems)
    return JsSubmission(layers, hyperparameters, provenance(model))
