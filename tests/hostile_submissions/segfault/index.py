"""Hostile: dereferences a null pointer (SIGSEGV)."""

import ctypes

ctypes.string_at(0)
