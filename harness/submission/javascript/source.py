"""The student's index.js as a classic script: ES module syntax rewritten line for line.

Students write ``import * as dl from 'deeplearn'`` or ``import * as tf from
'@tensorflow/tfjs'`` and sometimes ``export``; QuickJS runs the file as a plain script, so
each ``import`` becomes a ``const`` bound to the stand-in (``__harnessRequire``, see
standin/globals.js) and ``export`` keywords are dropped. Every rewrite keeps the newlines
of what it replaces, so line numbers in errors and in the layer table are the file's own.
"""

from __future__ import annotations

import re

REQUIRE = "__harnessRequire"
_FROM = r"""\s+from\s*(?P<q>['"])(?P<module>[^'"\n]+)(?P=q)\s*;?"""
_IMPORT_NAMESPACE = re.compile(r"^([ \t]*)import\s+\*\s+as\s+([\w$]+)" + _FROM, re.M)
_IMPORT_NAMED = re.compile(r"^([ \t]*)import\s+(?:([\w$]+)\s*,\s*)?\{([^}]*)\}" + _FROM, re.M)
_IMPORT_DEFAULT = re.compile(r"^([ \t]*)import\s+([\w$]+)" + _FROM, re.M)
_IMPORT_BARE = re.compile(r"""^([ \t]*)import\s*(?P<q>['"])(?P<module>[^'"\n]+)(?P=q)\s*;?""", re.M)
_EXPORT_LIST = re.compile(r"^([ \t]*)export\s*\{[^}]*\}\s*;?", re.M)
_EXPORT_KEYWORD = re.compile(r"^([ \t]*)export\s+(default\s+)?", re.M)


def _keep_lines(original: str, replacement: str) -> str:
    """``replacement`` padded with the newlines ``original`` spanned."""
    return replacement + "\n" * original.count("\n")


def _names(names: str) -> str:
    """``a, b as c`` (an import list) -> ``a, b: c`` (a destructuring pattern)."""
    parts = [part.strip() for part in names.replace("\n", " ").split(",") if part.strip()]
    return ", ".join(re.sub(r"\s+as\s+", ": ", part) for part in parts)


def _namespace(match: re.Match) -> str:
    indent, name, module = match.group(1), match.group(2), match.group("module")
    return _keep_lines(match.group(0), f"{indent}const {name} = {REQUIRE}('{module}');")


def _named(match: re.Match) -> str:
    indent, default, names = match.group(1, 2, 3)
    module = match.group("module")
    first = f"{default} = {REQUIRE}('{module}'), " if default else ""
    return _keep_lines(
        match.group(0), f"{indent}const {first}{{{_names(names)}}} = {REQUIRE}('{module}');"
    )


def _bare(match: re.Match) -> str:
    return _keep_lines(match.group(0), f"{match.group(1)}{REQUIRE}('{match.group('module')}');")


def as_script(source: str) -> str:
    """``source`` with import and export syntax rewritten; the same number of lines."""
    source = _IMPORT_NAMESPACE.sub(_namespace, source)
    source = _IMPORT_NAMED.sub(_named, source)
    source = _IMPORT_DEFAULT.sub(_namespace, source)
    source = _IMPORT_BARE.sub(_bare, source)
    source = _EXPORT_LIST.sub(lambda m: _keep_lines(m.group(0), m.group(1)), source)
    return _EXPORT_KEYWORD.sub(lambda m: m.group(1), source)
