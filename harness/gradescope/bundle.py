"""``python -m harness gradescope build --out autograder.zip``: the zip Gradescope expects.

At the zip's root (Gradescope extracts it into ``/autograder/source``):

- ``setup.sh`` and ``run_autograder`` (``harness/report/templates/gradescope/``);
- ``harness/``, ``reference_models/``, ``pyproject.toml``, ``README.md``: the harness, installed
  by ``setup.sh`` and run from there;
- ``assignment.toml``: the assignment graded (``--assignment``, else the default);
- ``requirements.txt``: every dependency pinned to the version installed where the zip was
  built, so the image grades with what the bars were checked against;
- ``grade_options``: one line of ``grade`` options (datasets, frameworks, batch cap) that
  ``setup.sh`` builds the bars with and ``run_autograder`` grades with.
- the staff files the assignment names (``[deadline] extensions``, ``[review] resolutions``),
  beside ``assignment.toml``, as they lie beside the assignment file built from.
"""

from __future__ import annotations

import importlib.metadata
import sys
import zipfile
from pathlib import Path

from harness.config import default_assignment_path, load_assignment
from harness.errors import ConfigError, HarnessError, field_error, require_count
from harness.names import DATASET_NAMES, FRAMEWORK_PACKAGES, FRAMEWORKS, PACKAGE_ROOT

SOURCE_ROOT = PACKAGE_ROOT.parent  # a checkout: harness/, reference_models/, pyproject.toml
TEMPLATES = PACKAGE_ROOT / "report" / "templates" / "gradescope"
SCRIPTS = ("setup.sh", "run_autograder")
TREES = ("harness", "reference_models")
FILES = ("pyproject.toml", "README.md")
OPTIONS_FILE = "grade_options"
# What grading needs besides the frameworks: the core, reports, pytest, index.js.
BASE_PACKAGES = (
    "numpy",
    "rich",
    "tabulate",
    "matplotlib",
    "pytest",
    "pytest-benchmark",
    "pytest-xdist",
    "quickjs-ng",
)
EXECUTABLE = 0o100755 << 16  # a regular file, rwxr-xr-x, in a zip entry's external_attr


def _names(value: str | None, default, option: str, allowed) -> list[str]:
    names = [v.strip() for v in value.split(",") if v.strip()] if value else list(default)
    if not names or any(n not in allowed for n in names):
        raise ConfigError(
            field_error("command line", option, f"a comma-separated list of {allowed}", value)
        )
    return names


def grade_options(args, assignment) -> tuple[list[str], str]:
    """The frameworks, and the one line of ``grade`` options the bars are built and
    uploads graded with."""
    datasets = _names(args.datasets, assignment.datasets, "--datasets", DATASET_NAMES)
    frameworks = _names(args.frameworks, assignment.builder_frameworks, "--frameworks", FRAMEWORKS)
    require_count("--max-batches", args.max_batches)
    line = f"--datasets {','.join(datasets)} --frameworks {','.join(frameworks)}"
    return frameworks, line + (f" --max-batches {args.max_batches}" if args.max_batches else "")


def pinned_requirements(frameworks) -> str:
    """``name==version`` for each package grading needs that is installed here."""
    wanted = list(BASE_PACKAGES)
    for fw in frameworks:
        wanted += [p for p in FRAMEWORK_PACKAGES[fw] if p not in wanted]
    lines = []
    for package in wanted:
        try:
            lines.append(f"{package}=={importlib.metadata.version(package)}")
        except importlib.metadata.PackageNotFoundError:
            continue  # e.g. tensorflow where tensorflow-cpu is what is installed
    return "\n".join(lines) + "\n"


def _source_files():
    for tree in TREES:
        for path in sorted((SOURCE_ROOT / tree).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                yield path, path.relative_to(SOURCE_ROOT).as_posix()
    for name in FILES:
        yield SOURCE_ROOT / name, name


def build_bundle(out: Path, assignment_path: Path, options: str, requirements: str) -> Path:
    """Write the zip; returns its path."""
    if not (SOURCE_ROOT / "pyproject.toml").is_file():
        raise HarnessError(
            f"{SOURCE_ROOT}: no pyproject.toml; run `gradescope build` from a source checkout"
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bundle:
        for name in SCRIPTS:
            entry = zipfile.ZipInfo(name)
            entry.external_attr = EXECUTABLE
            entry.compress_type = zipfile.ZIP_DEFLATED
            bundle.writestr(entry, (TEMPLATES / name).read_bytes())
        for path, name in _source_files():
            bundle.write(path, name)
        bundle.write(assignment_path, "assignment.toml")
        for name in _staff_files(assignment_path):  # read beside the assignment file
            bundle.write(assignment_path.parent / name, name)
        bundle.writestr("requirements.txt", requirements)
        bundle.writestr(OPTIONS_FILE, options + "\n")
    return out


GRADESCOPE_METADATA = "/autograder/submission_metadata.json"  # each upload's time is here


def _staff_files(assignment_path: Path) -> list[str]:
    """The staff files the grading of an upload reads beside the bundled ``assignment.toml``:
    ``[deadline] extensions`` and ``[review] resolutions`` (docs/gradescope.md). Refuses a
    ``[deadline] submitted_at`` that cannot apply in Gradescope's container."""
    assignment = load_assignment(assignment_path)
    _require_gradescope_times(assignment_path, assignment.deadline.submitted_at)
    named = [
        ("[deadline] extensions", assignment.deadline.extensions, True),
        ("[review] resolutions", assignment.review.resolutions, False),
    ]
    return [
        name
        for field, name, required in named
        if name and _bundled(assignment_path, field, name, required)
    ]


def _bundled(assignment_path: Path, field: str, name: str, required: bool) -> bool:
    """Whether the staff file ``name`` travels; refused when the container could not read it
    where the grading looks (beside ``assignment.toml``), or ``required`` and missing."""
    relative = Path(name)
    if relative.is_absolute() or ".." in relative.parts:
        expected = "a path inside the assignment file's folder (it travels in the bundle)"
        raise ConfigError(field_error(str(assignment_path), field, expected, name))
    if (assignment_path.parent / relative).is_file():
        return True
    if required:
        raise ConfigError(field_error(str(assignment_path), field, "an existing file", name))
    print(f"note: {field}: {name} does not exist yet; not bundled", file=sys.stderr)
    return False


def _require_gradescope_times(assignment_path: Path, source: str) -> None:
    """In Gradescope an upload's time is its metadata's: a staff CSV written before the upload
    cannot hold it, and the container has no course repository to read it from."""
    kind, _, rest = source.partition(":")
    if source and not (kind == "gradescope" and rest == GRADESCOPE_METADATA):
        expected = f'"" (no late penalty) or "gradescope:{GRADESCOPE_METADATA}"'
        where = str(assignment_path)
        raise ConfigError(field_error(where, "[deadline] submitted_at", expected, source))


def build_command(args) -> int:
    assignment_path = Path(args.assignment or default_assignment_path()).resolve()
    assignment = load_assignment(assignment_path)
    frameworks, options = grade_options(args, assignment)
    out = build_bundle(Path(args.out), assignment_path, options, pinned_requirements(frameworks))
    print(f"wrote {out}: upload it as the autograder of a Gradescope programming assignment")
    print(f"  grade options: {options}")
    print("  settings this assignment needs (memory, CPU, timeout): docs/gradescope.md")
    return 0
