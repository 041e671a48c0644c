"""Which kind of isolation this machine can give student code, and refusing when none.

Three modes, best first:

- ``bubblewrap``: namespaces (no network, own pid space, a file system where only the
  submission, the harness and a scratch folder are visible, every label location masked),
  and as root an unprivileged uid of its own;
- ``uid``: as root where bubblewrap cannot create namespaces (some containers, e.g.
  Gradescope's), the run drops to an unprivileged uid of its own with no capability. It
  sees the host's world-readable files, so it is offered only while no label location
  (:mod:`harness.sandbox.labels`) is readable by others;
- ``none``: a plain process of the invoking user. Never chosen silently: a command that
  runs student code refuses (:class:`SandboxUnavailable`) unless the user accepted it.
"""

from __future__ import annotations

import functools
import os
import subprocess

from harness.errors import HarnessError
from harness.sandbox.bwrap import BWRAP, SETPRIV, namespace_args
from harness.sandbox.labels import exposed_labels

MODES = ("bubblewrap", "uid", "none")


class SandboxUnavailable(HarnessError):
    """Student code would run with no working sandbox and nobody accepted that."""


@functools.lru_cache(maxsize=1)
def _bwrap_works() -> bool:
    if not (os.access(BWRAP, os.X_OK) and (os.geteuid() != 0 or os.access(SETPRIV, os.X_OK))):
        return False
    probe = [BWRAP, *namespace_args(root=os.geteuid() == 0), "--ro-bind", "/", "/", "true"]
    try:
        return subprocess.run(probe, capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def bubblewrap_available() -> bool:
    """True when runs can be isolated with bubblewrap (``HARNESS_NO_BWRAP=1`` forces no)."""
    return os.environ.get("HARNESS_NO_BWRAP", "") != "1" and _bwrap_works()


def uid_drop_possible() -> bool:
    """Root with ``setpriv``: a run can get an unprivileged uid of its own."""
    return os.geteuid() == 0 and os.access(SETPRIV, os.X_OK)


def sandbox_mode(data_dir=None) -> str | None:
    """The best working mode, "bubblewrap" or "uid", or None when there is none."""
    if bubblewrap_available():
        return "bubblewrap"
    if uid_drop_possible() and not exposed_labels(data_dir):
        return "uid"
    return None


def require_sandbox(
    data_dir=None, *, allow_unisolated: bool = False, option: str = "--allow-unisolated"
) -> str:
    """The mode student code will run in; raises :class:`SandboxUnavailable` when only
    ``none`` is left and ``allow_unisolated`` is false."""
    mode = sandbox_mode(data_dir)
    if mode is not None:
        return mode
    if allow_unisolated:
        return "none"
    raise SandboxUnavailable(unavailable_message(data_dir, option))


def unavailable_message(data_dir=None, option: str = "--allow-unisolated") -> str:
    """Why there is no sandbox and how to get one, for the refusal and the loud notice."""
    lines = [
        "no working sandbox for student code: bubblewrap is missing or cannot create "
        "namespaces here (install it: `apt-get install bubblewrap`; in a container, "
        "allow user namespaces)"
    ]
    if uid_drop_possible():
        folders = sorted({f.parent for f in exposed_labels(data_dir)})
        lines.append(
            "as root each run could drop to a uid of its own, but these folders "
            "hold dataset files readable by every user: "
            f"{', '.join(map(str, folders))} (fix: `chmod -R o-rwx` them)"
        )
    lines.append(
        f"{option} runs student code unisolated anyway (it can then read test "
        "labels); every record and the summary say so"
    )
    return "; ".join(lines)
