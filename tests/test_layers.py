"""The dependency rule of ARCHITECTURE.md holds for every import, at the top or in a function.

The rule is written once, in ARCHITECTURE.md's ``layers`` block; this test reads it and every
import between the project's modules (`tests/import_graph.py`), and names each import that
breaks it by file and line.
"""

import ast
from collections import defaultdict

import pytest
from import_graph import (
    Import,
    against_rule,
    cycles,
    file_cycles,
    layer_index,
    mutual_packages,
    package_of,
    project_modules,
    read_imports,
    read_layers,
)
from project_paths import ROOT

RULE = ROOT / "ARCHITECTURE.md"


@pytest.fixture(scope="module")
def imports() -> list[Import]:
    return read_imports(ROOT)


@pytest.fixture(scope="module")
def index() -> dict[str, int]:
    return layer_index(read_layers(RULE))


def _where(found: list[Import]) -> list[str]:
    return sorted({f"{i.source}:{i.line} -> {i.target}" for i in found})


def test_every_package_has_a_layer(index):
    packages = {package_of(name) for name in project_modules(ROOT)}
    assert sorted(packages - set(index)) == [], "place each new package in ARCHITECTURE.md"
    assert sorted(set(index) - packages) == [], "ARCHITECTURE.md lists a package that is gone"


def test_no_import_points_up_or_sideways(imports, index):
    assert _where(against_rule(imports, index)) == []


def test_no_two_packages_import_each_other(imports):
    assert sorted(mutual_packages(imports)) == []
    assert cycles({(package_of(i.source), package_of(i.target)) for i in imports}) == []


def test_no_import_cycle_between_files(imports):
    assert file_cycles(imports) == []


def test_an_import_inside_a_function_says_why(imports):
    """Kept only for a framework, Ray, matplotlib or the student-code-first order."""
    assert _where([i for i in imports if i.in_function and not i.comment]) == []


def test_no_module_imports_again_inside_a_function_what_it_imports_at_the_top(imports):
    at_top = {(i.source, i.target) for i in imports if not i.in_function}
    again = [i for i in imports if i.in_function and (i.source, i.target) in at_top]
    assert _where(again) == []


def test_the_rule_fails_on_an_upward_import(index):
    """The checks themselves: a stage importing a command, a pair, a cycle of three files."""
    up = Import("harness.worker.stream", "harness.training.command", 1, False, "")
    down = Import("harness.training.command", "harness.worker.stream", 1, False, "")
    assert against_rule([up, down], index) == [up]
    assert mutual_packages([up, down]) == {("training", "worker")}
    assert file_cycles([up, down]) == [["harness.training.command", "harness.worker.stream"]]
    assert cycles({("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")}) == [["a", "b", "c"]]


def _public_classes() -> dict[str, list[str]]:
    """Public classes of ``harness/`` -> the modules defining them."""
    found = defaultdict(list)
    for module, path in project_modules(ROOT).items():
        if package_of(module) == "reference_models":  # one ConvNet per framework, by design
            continue
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
                found[node.name].append(module)
    return found


def test_one_meaning_per_class_name():
    """Two public classes of one name are two meanings of one word (``Plan`` was three)."""
    assert {name: where for name, where in _public_classes().items() if len(where) > 1} == {}
