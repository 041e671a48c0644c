"""Where test labels may lie on this machine, and whether a stranger could read them.

Every place a dataset (with its test labels) can be found: the folders the data locator
searches (``$HARNESS_DATA``, the user cache, Debian's ``/usr/share/datasets``, a
``--data-dir``) and every copy of the bundled subset, which ships inside the package and
so sits in *every* copy of it: the one running, a source checkout beside a non-editable
install, a system-wide install under ``/usr``. Bubblewrap masks them all; a run under a
bare unprivileged uid (no namespaces) is safe only when none of them is readable by others.
"""

from __future__ import annotations

import glob
import os
import stat
import sys
from pathlib import Path

from harness.names import PACKAGE_ROOT, SYSTEM_DATA_ROOT, default_cache_dir

BUNDLED = Path("data") / "bundled"  # inside a ``harness`` package
# Site-package folders of any Python on the machine: a second install may be visible.
SITE_GLOBS = ("lib/python3*/site-packages", "lib/python3*/dist-packages")


def _bundled_copies() -> list[Path]:
    roots = {PACKAGE_ROOT.parent, *map(Path, filter(None, sys.path))}
    for prefix in {sys.prefix, sys.base_prefix, "/usr", "/usr/local"}:
        for pattern in SITE_GLOBS:
            roots.update(map(Path, glob.glob(os.path.join(prefix, pattern))))
    return sorted(
        {(r / "harness" / BUNDLED).resolve() for r in roots if (r / "harness" / BUNDLED).is_dir()}
    )


def label_locations(data_dir: str | Path | None = None) -> list[Path]:
    """Every existing folder of this machine that may hold test labels (resolved)."""
    places = [SYSTEM_DATA_ROOT, default_cache_dir(), *_bundled_copies()]
    places += [Path(p) for p in (os.environ.get("HARNESS_DATA"), data_dir) if p]
    return sorted({p.expanduser().resolve() for p in places if p.expanduser().exists()})


def readable_by_others(path: Path) -> list[Path]:
    """Files under ``path`` a process of another, unprivileged uid could read.

    A file is reachable when every folder above it lets others search it (``o+x``) and it
    lets them read it (``o+r``); a folder closed to others hides all it holds.
    """
    path = Path(path)
    if any(not _mode(p) & stat.S_IXOTH for p in path.parents if p.exists()):
        return []
    return _open_files(path)


def _open_files(path: Path) -> list[Path]:
    mode = _mode(path)
    if stat.S_ISDIR(mode):
        if not mode & stat.S_IXOTH:
            return []
        return [f for child in sorted(path.iterdir()) for f in _open_files(child)]
    return [path] if stat.S_ISREG(mode) and mode & stat.S_IROTH else []


def _mode(path: Path) -> int:
    try:
        return path.lstat().st_mode
    except OSError:
        return 0


def exposed_labels(data_dir: str | Path | None = None) -> list[Path]:
    """Label files any local user could read (empty: a bare uid cannot reach labels)."""
    return [f for place in label_locations(data_dir) for f in readable_by_others(place)]
