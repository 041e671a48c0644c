"""Benchmark and auto-grading harness for the CNN assignment.

The package root and everything outside ``harness.adapters`` import no deep-learning
framework; adapters import theirs lazily, one framework per process.
"""

from importlib import metadata

try:  # pyproject.toml's version is the one source; the installed metadata carries it
    __version__ = metadata.version("cnn-harness")
except metadata.PackageNotFoundError:  # imported from a checkout that was never installed
    __version__ = "0+unknown"
