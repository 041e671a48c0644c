"""Test groups and tiers, defined once: ``tests/conftest.py`` and ``noxfile.py`` read them.

A *group* is one pytest process: collecting a test module imports its framework, and no
process may import two frameworks, so every framework's tests run in a process of their
own and the rest in a "neutral" one. A *tier* selects tests within every group by marker.
"""

from harness.names import FRAMEWORKS

GROUPS = {"neutral": "not (" + " or ".join(FRAMEWORKS) + ")", **{name: name for name in FRAMEWORKS}}

TIERS = {
    "ci": "not slow",  # nox -s tests: unit, parity, sandbox and short real training runs
    "slow": "slow",  # nox -s tests_slow: long accuracy runs on real data (minutes each)
    "gpu": "gpu",  # nox -s tests_gpu: CUDA paths; skipped where no GPU is visible
}


def marker_expression(group: str, tier: str) -> str:
    """The ``pytest -m`` expression of one group in one tier."""
    return f"({GROUPS[group]}) and ({TIERS[tier]})"
