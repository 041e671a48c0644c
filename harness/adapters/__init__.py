"""Registry of framework adapters, resolved lazily by name.

Importing this package imports no framework: :func:`get_adapter` imports the one module
asked for, so a process only ever loads the framework it runs.
"""

from __future__ import annotations

import importlib

from harness.errors import HarnessError
from harness.names import FRAMEWORKS

# One module per framework, each exposing ADAPTER: harness/adapters/<name>/__init__.py.
FRAMEWORK_MODULES: dict[str, str] = {name: f"harness.adapters.{name}" for name in FRAMEWORKS}


# The packages each adapter imports (what ``pip install 'cnn-harness[<name>]'`` brings).
ADAPTER_IMPORTS: dict[str, tuple[str, ...]] = {
    "torch": ("torch",),
    "tensorflow": ("tensorflow", "keras"),
    "jax": ("jax", "flax", "optax"),
}


def installed_frameworks() -> list[str]:
    """The frameworks whose packages this Python can import (found, not imported)."""
    import importlib.util

    return [
        name
        for name in FRAMEWORKS
        if all(importlib.util.find_spec(package) for package in ADAPTER_IMPORTS[name])
    ]


def get_adapter(name: str):
    """Return the adapter instance for ``name`` (one of ``FRAMEWORKS``)."""
    if name not in FRAMEWORK_MODULES:
        raise HarnessError(f"framework: expected one of {', '.join(FRAMEWORKS)}, received {name!r}")
    module = importlib.import_module(FRAMEWORK_MODULES[name])
    return module.ADAPTER
