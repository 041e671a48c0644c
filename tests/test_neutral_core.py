"""The neutral core imports no framework; the registry resolves every framework by name."""

import subprocess
import sys
from pathlib import Path

import pytest

import harness
from harness.adapters import FRAMEWORK_MODULES, FRAMEWORKS, get_adapter
from harness.errors import HarnessError

ADAPTER_MODULES = set(FRAMEWORK_MODULES.values())
BLOCKED = ("torch", "tensorflow", "jax", "jaxlib", "flax", "optax", "keras")


def _module_names() -> list[str]:
    """Every module of the package, from its files (pkgutil would import the subpackages)."""
    root = Path(harness.__file__).parent
    paths = [p.relative_to(root.parent).with_suffix("") for p in root.rglob("*.py")]
    return sorted(".".join(p.parts[:-1] if p.name == "__init__" else p.parts) for p in paths)


def _core_modules() -> list[str]:
    names = [
        n
        for n in _module_names()
        if not any(n == a or n.startswith(a + ".") for a in ADAPTER_MODULES)
    ]
    return [n for n in names if not n.endswith("__main__")]


def test_every_core_module_imports_with_frameworks_blocked():
    modules = _core_modules()
    assert {"harness.submission.spec", "harness.grading.rubric", "harness.worker.inside"} <= set(
        modules
    )
    code = (
        f"import sys\nfor name in {BLOCKED!r}: sys.modules[name] = None\n"
        f"import importlib\nfor m in {modules!r}: importlib.import_module(m)\n"
        "print('ok')"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_registry_resolves_each_framework_in_its_own_process(framework):
    code = (
        f"import sys\nfrom harness.adapters import get_adapter\n"
        f"adapter = get_adapter({framework!r})\nassert adapter.name == {framework!r}\n"
        f"assert adapter.device_info()['framework_version']\n"
        f"print(sorted(m for m in {FRAMEWORKS!r} if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == str([framework])


def test_unknown_framework_names_the_choices():
    with pytest.raises(
        HarnessError, match="expected one of torch, tensorflow, jax, received 'mxnet'"
    ):
        get_adapter("mxnet")
