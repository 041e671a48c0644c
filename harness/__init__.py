"""Benchmark and auto-grading harness for the CNN assignment.

The package root and everything outside ``harness.adapters`` import no deep-learning
framework; adapters import theirs lazily, one framework per process.
"""

__version__ = "0.1.0"
