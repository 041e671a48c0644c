"""One version source: pyproject.toml's, read back through the installed package's metadata."""

import sys

from project_paths import ROOT

import harness

if sys.version_info >= (3, 11):
    import tomllib
else:  # the harness's own dependency on Python 3.10
    import tomli as tomllib


def test_the_package_version_is_pyprojects():
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert harness.__version__ == declared
    assert "__version__ =" not in (ROOT / "pyproject.toml").read_text()
