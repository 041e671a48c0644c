"""Waiting on what another process does, without fixed sleeps: poll until it has happened,
and fail naming what never did. The timeout only bounds a hang; nothing asserts on time."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest


def wait_for(condition: Callable[[], object], what: str, timeout: float = 120.0):
    """Poll ``condition`` until it returns something true, and return that."""
    deadline = time.monotonic() + timeout
    while not (found := condition()):
        if time.monotonic() > deadline:
            pytest.fail(f"gave up after {timeout:g} s waiting for {what}", pytrace=False)
        time.sleep(0.05)
    return found


def processes_holding(token: str) -> list[int]:
    """Live processes whose command line holds ``token`` (a zombie's is empty)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if token.encode() in (entry / "cmdline").read_bytes():
                found.append(int(entry.name))
        except OSError:  # ended meanwhile
            continue
    return found
