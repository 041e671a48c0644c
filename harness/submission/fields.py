"""Checks of a submission's top-level names: FRAMEWORK, build_model, HYPERPARAMETERS, typos.

Pure functions of the names a submission defined (already imported by
:mod:`harness.submission.load`); each returns every problem it finds as a line of text that
says the field, what was expected, what was received and how to fix it.
"""

from __future__ import annotations

import difflib
import inspect
import math
import numbers
from dataclasses import dataclass

from harness.config import Budget
from harness.names import FRAMEWORKS
from harness.optimizers import OPTIMIZER_DEFAULTS, OPTIMIZER_NAMES

FRAMEWORK_ALIASES = {"pytorch": "torch", "keras": "tensorflow", "tf": "tensorflow", "flax": "jax"}
KNOWN_NAMES = ("FRAMEWORK", "LAYERS", "HYPERPARAMETERS")
HYPERPARAMETER_ALIASES = {
    "lr": "learning_rate",
    "batch": "batch_size",
    "steps": "num_batches",
    "iterations": "num_batches",
    "epochs": "num_batches",
}
OPTIMIZER_SETTINGS = {key for _, extra in OPTIMIZER_DEFAULTS.values() for key in extra}
BUILD_MODEL_HELP = (
    "define `def build_model(input_shape, num_classes):` returning your model "
    "(see submissions/template/index.py)"
)


@dataclass(frozen=True)
class Hyperparameters:
    """Training settings of a submission, defaults filled in from the assignment and optim."""

    batch_size: int
    num_batches: int
    learning_rate: float
    optimizer: str


def _is_int(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _unknown_key(key) -> str:
    close = difflib.get_close_matches(str(key), Hyperparameters.__dataclass_fields__, n=1)
    guess = HYPERPARAMETER_ALIASES.get(str(key).lower()) or (close[0] if close else None)
    if key in OPTIMIZER_SETTINGS:
        why = (
            "optimizer settings other than learning_rate are fixed by the harness "
            "(harness/optimizers.py) so every framework uses the same values; remove it"
        )
    else:
        why = f"did you mean {guess!r}?" if guess else "remove it"
    return (
        f"HYPERPARAMETERS[{key!r}]: unknown name; expected one of batch_size, num_batches, "
        f"learning_rate, optimizer; fix: {why}"
    )


def _int_problem(key: str, value, top: int) -> str | None:
    if _is_int(value) and 1 <= value <= top:
        return None
    return (
        f"HYPERPARAMETERS[{key!r}]: expected an integer from 1 to {top} (the assignment's "
        f"budget), received {value!r}; fix: set {key} to a whole number in that range"
    )


def _rate_problem(value) -> str | None:
    number = isinstance(value, numbers.Real) and not isinstance(value, bool)
    if number and math.isfinite(value) and value > 0:
        return None
    return (
        f"HYPERPARAMETERS['learning_rate']: expected a finite number > 0, received "
        f"{value!r}; fix: use a value such as 0.01"
    )


def _optimizer_problem(value) -> str | None:
    if value in OPTIMIZER_NAMES:
        return None
    close = difflib.get_close_matches(str(value).lower(), OPTIMIZER_NAMES, n=1)
    hint = f"did you mean {close[0]!r}?" if close else f"use one of {', '.join(OPTIMIZER_NAMES)}"
    return (
        f"HYPERPARAMETERS['optimizer']: expected one of {', '.join(OPTIMIZER_NAMES)}, "
        f"received {value!r}; fix: {hint}"
    )


def hyperparameter_problems(given, budget: Budget) -> tuple[Hyperparameters | None, list[str]]:
    """Validated hyperparameters (None when a problem was found) and every problem."""
    if given is None:
        given = {}
    if not isinstance(given, dict):
        return None, [
            f"HYPERPARAMETERS: expected a dict such as {{'batch_size': 64}}, "
            f"received {given!r}; fix: write it as a dict of name: value"
        ]
    problems = [_unknown_key(k) for k in given if k not in Hyperparameters.__dataclass_fields__]
    batch_size = given.get("batch_size", budget.default_batch_size)
    num_batches = given.get("num_batches", budget.default_num_batches)
    optimizer = given.get("optimizer", "sgd")
    found = [
        _int_problem("batch_size", batch_size, budget.max_batch_size),
        _int_problem("num_batches", num_batches, budget.max_num_batches),
        _optimizer_problem(optimizer),
    ]
    problems += [p for p in found if p]
    if not any(found) and batch_size * num_batches > budget.max_examples:
        problems.append(
            f"HYPERPARAMETERS['num_batches']: expected batch_size x num_batches <= "
            f"{budget.max_examples} (the assignment's budget of examples), received "
            f"{batch_size} x {num_batches} = {batch_size * num_batches}; fix: lower num_batches "
            f"to {budget.max_examples // batch_size} or less"
        )
    default_rate = OPTIMIZER_DEFAULTS.get(optimizer, (0.01,))[0]
    learning_rate = given.get("learning_rate", default_rate)
    rate_problem = _rate_problem(learning_rate)
    problems += [rate_problem] if rate_problem else []
    if problems:
        return None, problems
    return Hyperparameters(int(batch_size), int(num_batches), float(learning_rate), optimizer), []


def _typo_problems(names: dict, module_name: str) -> list[str]:
    """Top-level names that look like misspellings of a name the harness reads."""
    problems = []
    for name, value in names.items():
        missing = [k for k in KNOWN_NAMES if k not in names]
        guess = [k for k in missing if name.upper() == k]
        if not guess and name.isupper():
            guess = difflib.get_close_matches(name, missing, n=1, cutoff=0.8)
        if (
            not guess
            and "build_model" not in names
            and callable(value)
            and getattr(value, "__module__", None) == module_name
        ):
            plain = name.lower().replace("_", "")
            if plain == "buildmodel" or difflib.get_close_matches(
                name, ["build_model"], cutoff=0.8
            ):
                guess = ["build_model"]
        if guess:
            problems.append(
                f"{name}: unknown top-level name; expected {guess[0]} (the "
                f"harness reads that exact name), received {name}; fix: rename "
                f"{name} to {guess[0]}"
            )
    return problems


def _framework_problem(names: dict) -> str | None:
    if "FRAMEWORK" not in names:
        return (
            "FRAMEWORK: expected one of 'torch', 'tensorflow', 'jax' beside build_model, "
            'received nothing; fix: add e.g. FRAMEWORK = "torch" at the top of the file'
        )
    value = names["FRAMEWORK"]
    if value in FRAMEWORKS:
        return None
    alias = FRAMEWORK_ALIASES.get(str(value).lower())
    matches = difflib.get_close_matches(str(value).lower(), FRAMEWORKS, n=1)
    close = alias or (matches[0] if matches else None)
    hint = f"did you mean {close!r}?" if close else "pick the framework build_model uses"
    return (
        f"FRAMEWORK: expected one of {', '.join(map(repr, FRAMEWORKS))}, received "
        f"{value!r}; fix: {hint}"
    )


def _build_model_problem(value) -> str | None:
    if value is None:
        return f"build_model: expected a function, received nothing; fix: {BUILD_MODEL_HELP}"
    if not callable(value):
        return (
            f"build_model: expected a function, received {type(value).__name__} "
            f"{value!r}; fix: {BUILD_MODEL_HELP}"
        )
    try:
        signature = inspect.signature(value)
    except (TypeError, ValueError):
        return None  # a builtin or C callable without a signature: the build will tell
    try:
        signature.bind(object(), object())
    except TypeError:
        return (
            f"build_model: expected a function called as build_model(input_shape, "
            f"num_classes), received build_model{signature}; fix: {BUILD_MODEL_HELP}"
        )
    return None


def namespace_problems(names: dict, module_name: str) -> tuple[str | None, list[str]]:
    """The submission's form (``"code"``, ``"layers"`` or None) and the problems found."""
    problems = _typo_problems(names, module_name)
    code = "FRAMEWORK" in names or "build_model" in names
    if "LAYERS" in names and code:
        return None, problems + [
            "LAYERS: expected either the Model Builder form (LAYERS) or the code form "
            "(FRAMEWORK and build_model), received both; fix: delete LAYERS to hand in code, "
            "or delete FRAMEWORK and build_model to hand in the layer list"
        ]
    if "LAYERS" in names:
        return "layers", problems
    if not code:
        return None, problems + [
            "LAYERS: expected LAYERS (Model Builder form) or FRAMEWORK and build_model (code "
            "form), received neither; fix: start from submissions/template/index.py"
        ]
    found = [_framework_problem(names), _build_model_problem(names.get("build_model"))]
    return "code", problems + [p for p in found if p]
