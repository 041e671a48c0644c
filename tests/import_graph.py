"""Every import between the project's own modules, read from the syntax tree (nothing imported).

An :class:`Import` is one name a module takes from another project module, at module level
or inside a function. ``python tests/import_graph.py`` prints the figures the layering test
checks: imports against the rule, package pairs importing each other, file cycles, and the
project imports made inside functions.
"""

from __future__ import annotations

import ast
import re
import sys
from dataclasses import dataclass
from pathlib import Path

ROOTS = ("harness", "reference_models")  # the project's importable top-level packages
FENCE = re.compile(r"^```layers\n(.*?)^```", re.MULTILINE | re.DOTALL)


@dataclass(frozen=True)
class Import:
    source: str  # the importing module, "harness.worker.parent"
    target: str  # the imported module (a name taken from a module counts as the module)
    line: int
    in_function: bool
    comment: str  # the comment on the import's first line, "" when there is none


def module_name(root: Path, path: Path) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def project_modules(root: Path) -> dict[str, Path]:
    """Module name -> file, for every ``.py`` file of the project's packages."""
    return {
        module_name(root, path): path
        for package in ROOTS
        for path in sorted((root / package).rglob("*.py"))
    }


def _resolve(name: str, modules: dict[str, Path]) -> str | None:
    """The project module ``name`` is, or is in (``harness.x.func`` is ``harness.x``)."""
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def _targets(node: ast.Import | ast.ImportFrom, source: str, is_package: bool) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:
        parts = source.split(".")[: len(source.split(".")) - node.level + is_package]
        base = ".".join([*parts, base] if base else parts)
    return [f"{base}.{alias.name}" for alias in node.names]


def _imports_of(source: str, path: Path, modules: dict[str, Path]) -> list[Import]:
    text = path.read_text()
    lines = text.splitlines()
    found = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inside = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
            if isinstance(child, ast.Import | ast.ImportFrom):
                line = lines[child.lineno - 1]
                comment = line.split("#", 1)[1].strip() if "#" in line else ""
                for name in _targets(child, source, path.name == "__init__.py"):
                    target = _resolve(name, modules)
                    if target is not None and target != source:
                        found.append(Import(source, target, child.lineno, inside, comment))
            visit(child, inside)

    visit(ast.parse(text), False)
    return found


def read_imports(root: Path) -> list[Import]:
    """Every import between project modules under ``root`` (the repository checkout)."""
    modules = project_modules(root)
    return [imp for name, path in modules.items() for imp in _imports_of(name, path, modules)]


def package_of(module: str) -> str:
    """``harness.worker.parent`` -> ``worker``; ``harness.config`` -> ``config``;
    ``harness`` -> ``harness``; ``reference_models.torch_cnn`` -> ``reference_models``."""
    parts = module.split(".")
    if parts[0] != "harness":
        return parts[0]
    return parts[1] if len(parts) > 1 else "harness"


def read_layers(architecture: Path) -> list[tuple[str, list[str]]]:
    """The ``layers`` block of ARCHITECTURE.md: (tier, packages) per line, top layer first."""
    blocks = FENCE.findall(architecture.read_text())
    if len(blocks) != 1:
        raise ValueError(f"{architecture}: expected one ```layers block, found {len(blocks)}")
    rows = []
    for line in blocks[0].splitlines():
        words = line.split("#", 1)[0].split()
        if words:
            rows.append((words[0], words[1:]))
    return rows


def layer_index(rows: list[tuple[str, list[str]]]) -> dict[str, int]:
    """Package -> its layer's position (0 at the top)."""
    index: dict[str, int] = {}
    for position, (_, packages) in enumerate(rows):
        for package in packages:
            if package in index:
                raise ValueError(f"layers: {package!r} is listed twice")
            index[package] = position
    return index


def against_rule(imports: list[Import], index: dict[str, int]) -> list[Import]:
    """Imports from one package into another that is not on a lower layer."""
    return [
        imp
        for imp in imports
        if package_of(imp.source) != package_of(imp.target)
        and index[package_of(imp.target)] <= index[package_of(imp.source)]
    ]


def mutual_packages(imports: list[Import]) -> set[tuple[str, str]]:
    pairs = {(package_of(i.source), package_of(i.target)) for i in imports}
    return {(a, b) for a, b in pairs if a < b and (b, a) in pairs}


def cycles(edges: set[tuple[str, str]]) -> list[list[str]]:
    """The strongly connected groups of more than one node (Tarjan), each sorted."""
    graph: dict[str, set[str]] = {}
    for a, b in edges:
        graph.setdefault(a, set()).add(b)
        graph.setdefault(b, set())
    order: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups = []

    def connect(node: str) -> None:
        order[node] = low[node] = len(order)
        stack.append(node)
        for nxt in sorted(graph[node]):
            if nxt not in order:
                connect(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], order[nxt])
        if low[node] == order[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in order:
            connect(node)
    return sorted(groups)


def file_cycles(imports: list[Import]) -> list[list[str]]:
    return cycles({(i.source, i.target) for i in imports})


def _lines(imports: list[Import]) -> set[tuple[str, int]]:
    return {(i.source, i.line) for i in imports}


def main(argv: list[str]) -> None:
    """``python tests/import_graph.py [CHECKOUT [ARCHITECTURE.md]]``: this checkout's by default."""
    here = Path(__file__).resolve().parent.parent
    root = Path(argv[0]) if argv else here
    rule = Path(argv[1]) if len(argv) > 1 else root / "ARCHITECTURE.md"
    imports = [i for i in read_imports(root) if i.source.startswith("harness")]
    index = layer_index(read_layers(rule))
    known = [i for i in imports if package_of(i.target) in index and package_of(i.source) in index]
    bad = against_rule(known, index)
    print(f"import statements against the rule: {len(_lines(bad))}")
    for imp in sorted(bad, key=lambda i: (i.source, i.line)):
        print(f"  {imp.source}:{imp.line} -> {imp.target}")
    print(f"package pairs importing each other: {sorted(mutual_packages(imports))}")
    print(f"file cycles: {file_cycles(imports)}")
    print(f"project imports inside functions: {len(_lines([i for i in imports if i.in_function]))}")


if __name__ == "__main__":
    main(sys.argv[1:])
