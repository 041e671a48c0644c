"""Where dataset files are looked for, in order, and what was seen in each place.

Order: the ``data_dir`` argument (``--data-dir``), ``$HARNESS_DATA``, the per-user cache
(``$HARNESS_CACHE_DIR``, else ``$XDG_CACHE_HOME/cnn-harness``, else ``~/.cache/cnn-harness``),
then Debian's ``/usr/share/datasets/<debian-name>``. In each of the first three both
``<dir>/<files>`` and ``<dir>/<dataset-name>/<files>`` are accepted. The first complete set
wins; temporary ``.part`` files of an interrupted download never match an official name.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from harness.data.registry import DatasetSpec

# SYSTEM_DATA_ROOT is read from this module at each search: tests point it at an empty folder.
from harness.names import SYSTEM_DATA_ROOT, default_cache_dir


@dataclass(frozen=True)
class Located:
    """A complete set of files: ``files`` maps each FileSpec name to the path found."""

    location: Path  # the folder holding the files, or the CIFAR archive itself
    files: dict[str, Path] = field(default_factory=dict)
    archive: Path | None = None


def search_places(spec: DatasetSpec, data_dir=None) -> list[tuple[str, Path | None]]:
    """(label, folder) in search order; the folder is None when its variable is unset."""
    env = os.environ.get("HARNESS_DATA")
    places: list[tuple[str, Path | None]] = []
    if data_dir is not None:
        places.append(("--data-dir", Path(data_dir).expanduser()))
    places.append(("$HARNESS_DATA", Path(env).expanduser() if env else None))
    places.append(("user cache", default_cache_dir()))
    places.append(("system (Debian package)", SYSTEM_DATA_ROOT / spec.debian_name))
    return places


def _folders(spec: DatasetSpec, label: str, base: Path) -> list[Path]:
    if label.startswith("system"):
        return [base]
    names = dict.fromkeys([spec.name, spec.debian_name])  # ordered, without duplicates
    return [base] + [base / name for name in names if name]


def _find_idx(spec: DatasetSpec, folder: Path) -> tuple[Located | None, list[str]]:
    files, missing = {}, []
    for file in spec.files:
        options = [folder / file.name, folder / file.decoded_name]
        present = [p for p in options if p.is_file()]
        if present:
            files[file.name] = present[0]  # the .gz first: it is what fetch writes
        else:
            missing.append(file.name)
    return (Located(folder, files) if not missing else None), missing


def _find_cifar(spec: DatasetSpec, folder: Path) -> tuple[Located | None, list[str]]:
    for batches in (folder / spec.folder, folder):
        found = {f.name: batches / f.name for f in spec.files if (batches / f.name).is_file()}
        if len(found) == len(spec.files):
            return Located(batches, found), []
    if (folder / spec.archive_file.name).is_file():
        return Located(folder / spec.archive_file.name, archive=folder / spec.archive_file.name), []
    return None, [f"{spec.folder}/ or {spec.archive_file.name}"]


def _look(spec: DatasetSpec, folder: Path) -> tuple[Located | None, str]:
    if not folder.is_dir():
        return None, "no such folder"
    find = _find_idx if spec.file_format == "idx" else _find_cifar
    located, missing = find(spec, folder)
    if located:
        return located, "found"
    total = len(spec.files) if spec.file_format == "idx" else 1
    if len(missing) < total:
        return None, f"incomplete: missing {', '.join(missing)}"
    return None, "no dataset files"


def locate(spec: DatasetSpec, data_dir=None) -> tuple[Located | None, list[str]]:
    """The first complete set of files, and one line per place looked at (for errors)."""
    looked = []
    for label, base in search_places(spec, data_dir):
        if base is None:
            looked.append(f"{label}: not set")
            continue
        for folder in _folders(spec, label, base):
            located, status = _look(spec, folder)
            looked.append(f"{label}: {folder} ({status})")
            if located:
                return located, looked
    return None, looked


def expected_files(spec: DatasetSpec) -> str:
    """The official names a folder must hold, for error messages."""
    if spec.file_format == "idx":
        return ", ".join(f"{f.name} (or {f.decoded_name})" for f in spec.files)
    return (
        f"{spec.archive_file.name}, or the extracted folder {spec.folder}/ with "
        f"{', '.join(f.name for f in spec.files)}"
    )
