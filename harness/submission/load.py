"""Student submissions (``submissions/<student_id>/index.py`` or ``index.js``): find, load,
validate.

:func:`discover` and :func:`peek` only read files. :func:`load_submission` *imports* the
student's file, which runs their code: call it only in a child process (the grading worker
or ``python -m harness.check.child``), never in a process that grades or reports.

Every problem found is reported at once in one :class:`SubmissionError` whose message
names the file, then one line per problem: the line number where known, the field, what
was expected, what was received, and how to fix it.
"""

from __future__ import annotations

import ast
import importlib.util
import inspect
import itertools
import os
import re
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from harness.adapters.base import ModelSource
from harness.config import Assignment
from harness.errors import HarnessError, SubmissionError
from harness.optimizers import OptimizerConfig
from harness.submission import spec
from harness.submission.builder_file import read_builder_file
from harness.submission.fields import (
    FRAMEWORKS,
    Hyperparameters,
    hyperparameter_problems,
    namespace_problems,
)
from harness.submission.javascript import load_javascript
from harness.untrusted import read_regular

# Not graded when a parent folder is given: templates and hidden or private folders.
SKIPPED_FOLDER = re.compile(r"^(_|\.)|^template(_\w+)?$")
# The first a folder holds wins: index.py, the course's index.js, the network the Model
# Builder page saved (its "Download model" file, named model.json).
SUBMISSION_FILES = ("index.py", "index.js", "model.json")
SUBMISSION_SUFFIXES = (".py", ".js", ".json")
_module_numbers = itertools.count()


@dataclass(frozen=True)
class Submission:
    """A loaded, validated submission. ``form`` is ``"code"`` or ``"layers"`` (an index.js
    is recorded as layers; ``provenance`` then says where each layer came from)."""

    path: Path
    student_id: str  # the name of the folder holding index.py
    form: str
    framework: str | None  # the code form's FRAMEWORK; None for LAYERS (runs in all three)
    hyperparameters: Hyperparameters
    layers: tuple[dict, ...] | None = None
    build_model: Callable | None = None
    provenance: dict | None = None  # index.js: see javascript.load.provenance

    def model_source(self) -> ModelSource:
        if self.form == "layers":
            return ModelSource(layers=self.layers)
        return ModelSource(build_model=self.build_model)

    def optimizer_config(self) -> OptimizerConfig:
        hp = self.hyperparameters
        return OptimizerConfig.from_name(hp.optimizer, hp.learning_rate)


def discover(paths) -> list[Path]:
    """Every submission file under ``paths``, sorted, without importing anything.

    A path may be an ``index.py``, ``index.js`` or ``model.json`` file (any ``.py``, ``.js``
    or ``.json``), a
    submission folder holding one, or a folder of submission folders; in the last case
    folders named ``template``, ``template_*`` or starting with ``_`` or ``.`` are skipped
    (give them explicitly to check them).
    """
    found: dict[Path, None] = {}
    for given in map(Path, paths):
        if given.is_file() and given.suffix in SUBMISSION_SUFFIXES:
            found[_absolute(given)] = None
        elif index := _index_file(given):
            found[_absolute(index)] = None
        elif given.is_dir():
            for folder in sorted(p for p in given.iterdir() if p.is_dir()):
                index = _index_file(folder)
                if index and not SKIPPED_FOLDER.search(folder.name):
                    found[_absolute(index)] = None
        else:
            raise HarnessError(
                f"{given}: expected an index.py, index.js or model.json file or a folder "
                "of submissions, received a path that does not exist"
            )
    return list(found)


def _absolute(path: Path) -> Path:
    """``path`` made absolute, links followed only above the submission's folder: a
    submission file or folder that is a link keeps its own name (and is refused at
    planning), never its target's."""
    path = Path(os.path.abspath(path))
    return path.parent.parent.resolve() / path.parent.name / path.name


def _index_file(folder: Path) -> Path | None:
    """The submission file of ``folder``: the first of SUBMISSION_FILES it holds, or None.
    A link counts (and is refused at planning); so does a file that is not regular."""
    for name in SUBMISSION_FILES:
        if os.path.lexists(folder / name) and not (folder / name).is_dir():
            return folder / name
    return None


def syntax_problem(exc: SyntaxError) -> str:
    """A SyntaxError as one problem line, with line, column and the offending text."""
    text = (exc.text or "").strip()
    at = f" in `{text}` (column {exc.offset})" if text else ""
    return (
        f"line {exc.lineno}: syntax error: {exc.msg}{at}; fix: correct the Python "
        "syntax on that line (run `python -m py_compile index.py` to check)"
    )


# A file read as neither form by :func:`peek`, whose LAYERS only running it defines: a
# grading plans it by its syntax tree, so it gets no run in the frameworks a layer list is
# trained in (``check`` and the worker both say so).
LAYERS_NOT_AT_TOP = (
    "LAYERS: expected `LAYERS = [...]` at the top level of the file, received a layer list "
    "that only running the file defines; fix: assign LAYERS at the top level"
)


def peek(path: Path) -> tuple[str | None, str | None]:
    """``(form, framework)`` read from the file's syntax tree, without running it.

    ``form`` is ``"layers"`` when only ``LAYERS`` is assigned at top level, ``"code"``
    when ``FRAMEWORK`` or ``build_model`` is, else None; ``framework`` is FRAMEWORK's
    value when it is a string literal. Raises :class:`SubmissionError` on a syntax error.
    An index.js or a saved model.json is ``"layers"``: it is read as a layer list, never here.
    """
    if Path(path).suffix in (".js", ".json"):
        return "layers", None
    try:
        tree = ast.parse(read_regular(Path(path)).decode(), filename=str(path))
    except SyntaxError as exc:
        raise SubmissionError(path, [syntax_problem(exc)]) from None
    names, framework = set(), None
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        value = getattr(node, "value", None)  # a for loop binds a name and has no value
        for target in targets:
            if isinstance(target, ast.Name):
                names.add(target.id)
                if target.id == "FRAMEWORK" and isinstance(value, ast.Constant):
                    framework = value.value
    code = bool({"FRAMEWORK", "build_model"} & names)
    form = "code" if code else ("layers" if "LAYERS" in names else None)
    return form, framework if isinstance(framework, str) else None


def line_of_exception(exc: BaseException, path: Path) -> int | None:
    """The line in ``path`` of the innermost traceback frame that ran in that file."""
    if isinstance(exc, SyntaxError) and exc.filename == str(path):
        return exc.lineno
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == str(path)]
    return frames[-1].lineno if frames else None


def _import_file(path: Path):
    """Run the student's file as a fresh module; raises SubmissionError if it fails."""
    safe = re.sub(r"\W", "_", path.parent.name)
    name = f"_submission_{next(_module_numbers)}_{safe}"
    module_spec = importlib.util.spec_from_file_location(name, path)
    if module_spec is None or module_spec.loader is None:  # never for a .py file
        raise ValueError(f"{path}: no module loader for this file")
    module = importlib.util.module_from_spec(module_spec)
    sys.modules[name] = module  # dataclasses (flax modules) look their module up here
    try:
        module_spec.loader.exec_module(module)
    except SyntaxError as exc:
        raise SubmissionError(path, [syntax_problem(exc)]) from None
    except (Exception, SystemExit) as exc:
        line = line_of_exception(exc, path)
        where = f"line {line}: " if line else ""
        detail = f"{type(exc).__name__}: {exc}"
        raise SubmissionError(
            path,
            [
                f"{where}loading the file raised {detail}; fix: the harness runs the file top "
                "to bottom when it loads it, so every top-level statement must run without "
                "error (only the standard library, numpy and your framework are installed)"
            ],
        ) from None
    return module


# top-level package -> the framework it belongs to
FRAMEWORK_OF_PACKAGE = {
    "torch": "torch",
    "torchvision": "torch",
    "tensorflow": "tensorflow",
    "keras": "tensorflow",
    "jax": "jax",
    "jaxlib": "jax",
    "flax": "jax",
    "optax": "jax",
}


def _foreign_imports(names: dict, framework) -> list[str]:
    """Top-level names taken from another framework than FRAMEWORK: a run loads only one."""
    if framework not in FRAMEWORKS:
        return []
    foreign: dict[str, str] = {}  # package -> the first name taken from it
    for name, value in names.items():
        owner = value.__name__ if inspect.ismodule(value) else getattr(value, "__module__", "")
        package = str(owner or "").split(".")[0]
        if FRAMEWORK_OF_PACKAGE.get(package, framework) != framework:
            foreign.setdefault(package, name)
    return [
        f"{name}: expected only {framework!r} code (FRAMEWORK = {framework!r}), received "
        f"{name!r} from {package} ({FRAMEWORK_OF_PACKAGE[package]}); fix: remove that import "
        "(each graded run loads one framework)"
        for package, name in foreign.items()
    ]


def load_submission(path, assignment: Assignment) -> Submission:
    """Import and validate ``path``; raises :class:`SubmissionError` listing every problem.

    Runs student code: call only in a child process.
    """
    path = Path(path).resolve()
    if path.suffix == ".js":
        return _load_javascript(path, assignment)
    if path.suffix == ".json":
        return _load_builder_file(path, assignment)
    module = _import_file(path)
    names = {k: v for k, v in vars(module).items() if not k.startswith("__")}
    form, problems = namespace_problems(names, module.__name__)
    if form == "code":
        problems += _foreign_imports(names, names.get("FRAMEWORK"))
    hyperparameters, found = hyperparameter_problems(
        names.get("HYPERPARAMETERS"), assignment.budget
    )
    problems += found
    layers = None
    if form == "layers":
        layers, found = spec.layer_problems(names["LAYERS"])
        problems += found or spec.assignment_shape_problems(layers, assignment)
    if problems or form is None or hyperparameters is None:  # both None only with problems
        raise SubmissionError(path, _with_lines(problems, path))
    return Submission(
        path=path,
        student_id=path.parent.name,
        form=form,
        framework=names.get("FRAMEWORK") if form == "code" else None,
        hyperparameters=hyperparameters,
        layers=layers,
        build_model=names.get("build_model") if form == "code" else None,
    )


LITERAL_NAMES = ("LAYERS", "HYPERPARAMETERS")


def read_literal_layers(path, assignment: Assignment) -> Submission:
    """A Model Builder submission read from its syntax tree, *running none of its code*:
    ``LAYERS`` and ``HYPERPARAMETERS`` must be plain literals (lists, dicts, numbers,
    strings), and any other statement in the file is ignored. For commands that need only
    the layer list (``benchmark``), so that no student code runs outside the sandbox."""
    path = Path(path).resolve()
    try:
        tree = ast.parse(read_regular(path).decode(), filename=str(path))
    except SyntaxError as exc:
        raise SubmissionError(path, [syntax_problem(exc)]) from None
    values, problems = {}, []
    for node in tree.body:
        if not (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and node.targets[0].id in LITERAL_NAMES
        ):
            continue
        try:
            values[node.targets[0].id] = ast.literal_eval(node.value)
        except ValueError:
            problems.append(
                f"line {node.lineno}: {node.targets[0].id}: expected a literal "
                "(lists, dicts, numbers, strings), received an expression"
            )
    if "LAYERS" not in values and not problems:
        problems.append("LAYERS: expected a Model Builder layer list, received none")
    hyperparameters, found = hyperparameter_problems(
        values.get("HYPERPARAMETERS"), assignment.budget
    )
    layers, layer_found = spec.layer_problems(values.get("LAYERS", []))
    if problems or found or layer_found:
        raise SubmissionError(path, problems + found + layer_found)
    return _layer_submission(path, hyperparameters, layers)


def _layer_submission(path: Path, hyperparameters, layers, provenance=None) -> Submission:
    """A submission whose network is a checked Model Builder layer list (trained by the
    harness in each framework: no framework of its own)."""
    return Submission(
        path=path,
        student_id=path.parent.name,
        form="layers",
        framework=None,
        hyperparameters=hyperparameters,
        layers=layers,
        provenance=provenance,
    )


def _load_javascript(path: Path, assignment: Assignment) -> Submission:
    """An index.js, recorded and checked as the Model Builder layers it builds."""
    loaded = load_javascript(path, assignment)
    return _layer_submission(
        path, loaded.hyperparameters, loaded.layers, provenance=loaded.provenance
    )


def _load_builder_file(path: Path, assignment: Assignment) -> Submission:
    """A network saved by the Model Builder page, with the assignment's default settings."""
    saved, problems = read_builder_file(path)
    hyperparameters, found = hyperparameter_problems(None, assignment.budget)
    layers: tuple[dict, ...] = ()
    if not problems:
        layers, problems = spec.layer_problems(saved)
        problems = problems or spec.assignment_shape_problems(layers, assignment)
        # told in the saved file's terms: its entries, not a LAYERS list
        problems = [re.sub(r"LAYERS\[(\d+)\]", r"layer \1", p) for p in problems]
    if problems or found:
        raise SubmissionError(path, problems + found)
    return _layer_submission(path, hyperparameters, layers)


def _with_lines(problems: list[str], path: Path) -> list[str]:
    """Prefix each problem with the line of the field it names, where the tree says."""
    lines = field_lines(path)
    out = []
    for problem in problems:
        match = re.search(r"LAYERS\[\d+\]|HYPERPARAMETERS\['\w+'\]", problem) or re.match(
            r"\w+", problem
        )
        key = match.group(0) if match else None
        line = lines.get(key) or lines.get(key.split("[")[0]) if key else None
        out.append(f"line {line}: {problem}" if line else problem)
    return out


def field_lines(path: Path) -> dict[str, int]:
    """Line numbers of top-level names, LAYERS items and HYPERPARAMETERS literal keys."""
    lines: dict[str, int] = {}
    for node in ast.parse(Path(path).read_text()).body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            lines[node.name] = node.lineno
        if not isinstance(node, (ast.Assign, ast.AnnAssign)):
            continue
        for target in getattr(node, "targets", [getattr(node, "target", None)]):
            if isinstance(target, ast.Name):
                lines[target.id] = node.lineno
                lines.update(_item_lines(target.id, node.value))
    return lines


def _item_lines(name: str, value) -> dict[str, int]:
    if isinstance(value, (ast.List, ast.Tuple)):
        return {f"{name}[{i}]": item.lineno for i, item in enumerate(value.elts)}
    if isinstance(value, ast.Dict):
        return {
            f"{name}[{key.value!r}]": key.lineno
            for key in value.keys
            if isinstance(key, ast.Constant)
        }
    return {}
